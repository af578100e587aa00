"""Every listener's ack, Slack API failures in people's words, and a last guard so no stack
trace ever reaches Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.replies import Reply, ReplyMaybeSent

log = logging.getLogger("bot.slack")

F = TypeVar("F", bound=Callable[..., Any])

INVITE = (
    "I can't post in this channel yet. Invite me with `/invite @hashtag-bot`, "
    "then press the button again."
)
BUSY = "Slack asked me to slow down. Please try again in a minute."
BROKEN = (
    "Sorry, something went wrong on my side and I couldn't answer. Please try again in a minute."
)
ADMIN = (
    "I can't do that right now: my Slack set-up needs attention. An admin can run "
    "`hashtag-bot doctor` to see what to fix."
)
NOT_IN_CHANNEL = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
AUTH = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "not_allowed_token_type",
}


def error_code(err: SlackApiError) -> str:
    data = err.response.data if err.response is not None else None
    return str(data.get("error", "unknown_error")) if isinstance(data, dict) else "unknown_error"


def explain(err: SlackClientError | OSError, *, doing: str) -> str:
    """Log what an admin needs (never the token) and return what the person should read."""
    if not isinstance(err, SlackApiError):
        log.error("Slack could not be reached while %s: %s", doing, err)
        return BROKEN
    code = error_code(err)
    if code in NOT_IN_CHANNEL:
        log.info("Slack said %s while %s", code, doing)
    elif code == "ratelimited":
        log.warning("Slack rate-limited the bot while %s", doing)
    elif code in AUTH:
        needed = err.response.get("needed") if code == "missing_scope" else None
        log.error(
            "Slack rejected the bot token (%s%s) while %s: check SLACK_BOT_TOKEN, the app's scopes "
            "and that the app is installed; `hashtag-bot doctor` checks all three",
            code,
            f", needs {needed}" if needed else "",
            doing,
        )
    else:
        log.error("Slack API error %s while %s", code, doing)
    return for_person(err)


MAYBE_SHARED = (
    "Slack didn't confirm it, but it may have been posted: have a look in the channel. I won't "
    "post it again, so it can't appear twice."
)


def for_person(err: Exception, *, maybe_sent: bool = False) -> str:
    """What the person who pressed or typed should read about a Slack failure."""
    if maybe_sent:
        return MAYBE_SHARED
    if not isinstance(err, SlackApiError):
        return BROKEN
    code = error_code(err)
    if code in NOT_IN_CHANNEL:
        return INVITE
    if code == "ratelimited":
        return BUSY
    if code in AUTH:
        return ADMIN
    return BROKEN


def channel_problem(err: Exception, channel: str, *, maybe_sent: bool = False) -> str:
    """What an operator should do about a channel post Slack didn't take (logs, doctor, CLI)."""
    if maybe_sent:
        what = (
            f"Slack answered {err.response.status_code}"
            if isinstance(err, SlackApiError) and err.response is not None
            else f"the connection broke ({type(err).__name__})"
        )
        return (
            f"{what} after the message was sent: it may be in <#{channel}>, so it is not sent "
            "again (a second copy would be worse than a gap)."
        )
    if not isinstance(err, SlackApiError):
        return f"Slack could not be reached ({err}); the next run tries again."
    code = error_code(err)
    if code in NOT_IN_CHANNEL:
        return (
            f"Slack said {code}: invite the bot with `/invite @hashtag-bot` in <#{channel}>,"
            " or `/hashtag untrack` its topics there."
        )
    if code in AUTH:
        return f"Slack rejected the bot token ({code}): run `hashtag-bot doctor`."
    if code == "ratelimited":
        return "Slack asked the bot to slow down; the next run tries again."
    return f"Slack said {code}."


def answering_safely(listener: F) -> F:
    """The boundary of a lazy listener: replies go through slack/replies.py, a traceback goes to
    the log, and the person reads something friendly.

    Bolt only logs one line for an exception in a lazy listener and the person sees nothing, so
    every answer runs through here. `respond`, when among the listener's parameters, is swapped
    for a `Reply` to the same response_url (kept-alive connections, never sent twice).
    """

    @wraps(listener)
    def guarded(**kwargs: Any) -> None:
        if "respond" in kwargs:
            kwargs["respond"] = Reply(getattr(kwargs["respond"], "response_url", None))
        try:
            listener(**kwargs)
        except ReplyMaybeSent as err:
            log.warning("%s: %s; nothing more is sent to that response_url", listener.__name__, err)
        except Exception:
            log.exception("%s failed", listener.__name__)
            respond = kwargs.get("respond")
            if respond is None:
                return
            try:
                respond(text=BROKEN, response_type="ephemeral", replace_original=False)
            except (SlackClientError, OSError, ValueError):
                log.exception("could not tell the person either")

    return guarded  # type: ignore[return-value]


def acknowledge(ack: Ack) -> None:
    """Slack wants an answer within 3 seconds; the real one follows through response_url."""
    ack()
