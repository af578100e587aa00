"""When a Slack call may be tried again: one policy, by what the call does.

A read (auth.test, users.info, …) can be asked again whatever went wrong. A write (a post, an
update, a delete, a view) is tried again only when it certainly never reached Slack: a 429 (Slack
refused it, and says when to come back) or a connection that was refused before anything was
written. A write that may have reached Slack (the connection broke after it was sent, a timeout,
a 5xx answer) is never resent: the posting path records it as "maybe sent" instead, so one press
or one digest message never reaches a channel twice.
"""

from __future__ import annotations

import socket
import time
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

READS = frozenset(
    {
        "auth.test",
        "apps.connections.open",  # a fresh Socket Mode URL each time: asking twice is harmless
        "bots.info",
        "conversations.info",
        "team.info",
        "usergroups.users.list",
        "users.info",
    }
)
MAX_RETRY_AFTER_S = 30.0  # a longer wait is left to the next run, not held in a listener thread
MAX_TRIES = 2  # retries of a read
MAX_RATE_LIMITED = 1  # retries after a 429: once, then the caller says "try again in a minute"


def method_of(url: str) -> str:
    """ "chat.postMessage" from https://slack.com/api/chat.postMessage?…."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def never_left(error: BaseException | None) -> bool:
    """True when the request certainly never reached Slack: the connection was refused, or the
    host could not even be looked up, before anything was written."""
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, (ConnectionRefusedError, socket.gaierror))


def maybe_sent(error: BaseException) -> bool:
    """Whether a failed write may have reached Slack: anything but a refusal Slack answered
    (ok: false, 429) or a connection that never opened."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code if error.response is not None else 200
        return status >= 500
    return not never_left(error)


class SlackRetryPolicy(RetryHandler):
    """slack_sdk's retry hook for every Web API call the bot makes (see the module docstring)."""

    def __init__(self, max_retry_count: int = MAX_TRIES) -> None:
        super().__init__(max_retry_count=max_retry_count)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            wait = _retry_after(response)
            return state.current_attempt < MAX_RATE_LIMITED and wait <= MAX_RETRY_AFTER_S
        if error is not None and response is None and never_left(error):
            return True
        if method_of(request.url) not in READS:
            return False
        if response is not None:
            return response.status_code >= 500
        return error is not None

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is not None and response.status_code == 429:
            state.next_attempt_requested = True
            time.sleep(_retry_after(response))
            state.increment_current_attempt()
            return
        super().prepare_for_next_attempt(
            state=state, request=request, response=response, error=error
        )


def _retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) and values else values
            try:
                return max(0.0, float(str(value)))
            except ValueError:
                return 1.0
    return 1.0
