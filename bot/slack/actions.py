"""The answer's buttons: Share in channel (and Remove on what was shared), Track in this
channel, and any button we don't know."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.domain.permissions import Action, refusal
from bot.services import Services
from bot.services.outbox import shared_answer
from bot.slack.blocks import REMOVE_ACTION, SHARE_ACTION, TRACK_ACTION, Message, answer, escape
from bot.slack.buttons import OLD_BUTTON, pressed, stale
from bot.slack.channel import PEOPLE_ONLY, is_private_conversation, track_in_channel
from bot.slack.errors import acknowledge, answering_safely, explain
from bot.slack.notices import notice
from bot.slack.people import People
from bot.slack.posting import SlackPublisher

log = logging.getLogger("bot.slack")


def press_of(body: dict[str, Any]) -> str | None:
    """What is the same each time Slack delivers one press: the button, when it was pressed, by
    whom, on which message in which channel (None if Slack didn't say when)."""
    action = (body.get("actions") or [{}])[0]
    if not action.get("action_ts"):
        return None
    user, _team, channel, _name, _ref = pressed(body)
    message = (body.get("container") or {}).get("message_ts") or ""
    return ":".join((action.get("action_id", ""), action["action_ts"], user, channel, message))


def share(services: Services, body: dict[str, Any], publisher: SlackPublisher) -> Message | None:
    """Post the answer its sharer saw in the channel, attributed to them: once per press, however
    often Slack delivers it or the bot restarts (None for a repeat: already answered)."""
    user, _team, channel, name, ref = pressed(body)
    if ref is None:
        return notice(OLD_BUTTON)
    if is_private_conversation(channel, name):
        return notice(PEOPLE_ONLY.format(what="Sharing"))
    if (too_old := stale(ref, services.today())) is not None:
        return too_old
    press = press_of(body) or f"trigger:{body.get('trigger_id') or ''}"
    result = services.suggester.suggest(
        ref.query, today=services.today(), audience=services.audience(channel)
    )
    shared = answer(result, shared_by=user, expanded=ref.expanded)
    outcome = publisher.post(
        shared_answer(
            services.store, press, channel=channel, user=user, payload=shared, now=services.now()
        )
    )
    if outcome.taken:
        log.info("ignored a repeated Share press (%s)", press)
        return None
    if not outcome.posted:
        return notice(outcome.for_person)
    return notice(f"Shared in <#{channel}>. Only you can remove it, with its *Remove* button.")


def remove(body: dict[str, Any], client: WebClient) -> Message:
    """Take down a shared answer: only the person who shared it may."""
    action = (body.get("actions") or [{}])[0]
    sharer, user = str(action.get("value") or ""), str((body.get("user") or {}).get("id") or "")
    channel = str((body.get("channel") or {}).get("id") or "")
    ts = str((body.get("container") or {}).get("message_ts") or "")
    if not sharer or user != sharer:
        return notice(f"Only <@{escape(sharer)}>, who shared it, can remove this answer.")
    try:
        client.chat_delete(channel=channel, ts=ts)
    except SlackClientError as err:
        return notice(explain(err, doing=f"removing a shared answer in {channel}"))
    return notice(f"Removed your shared answer from <#{channel}>.")


def track(services: Services, body: dict[str, Any], team: str = "") -> Message:
    """Track the answer's condition here; `team` as Bolt found it (an org's id, org-wide)."""
    user, typed_team, channel, name, ref = pressed(body)
    team = team or typed_team
    if ref is None:
        return notice(OLD_BUTTON)
    if is_private_conversation(channel, name):
        return notice(PEOPLE_ONLY.format(what="Tracking"))
    return track_in_channel(services, channel, ref.query, user=user, team=team)


def allowed(people: People, body: dict[str, Any], action: Action) -> Message | None:
    """None when the person who pressed may do this; else the refusal, in one line."""
    who = body.get("user") or {}
    standing = people.standing(str(who.get("id") or ""), str(who.get("team_id") or ""))
    if standing.may(action):
        return None
    return notice(refusal(standing, action, people.approvers_named))


def register(app: App, services: Services, people: People) -> None:
    @answering_safely
    def share_answer(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        said = allowed(people, body, Action.SHARE) or share(services, body, SlackPublisher(client))
        if said is not None:
            respond(**said, response_type="ephemeral", replace_original=False)

    @answering_safely
    def remove_answer(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        respond(**remove(body, client), response_type="ephemeral", replace_original=False)

    @answering_safely
    def track_answer(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        team = context.team_id or context.enterprise_id or ""
        reply = allowed(people, body, Action.CHANGE) or track(services, body, team)
        respond(**reply, response_type="ephemeral", replace_original=False)

    @answering_safely
    def unknown_button(body: dict[str, Any], respond: Respond) -> None:
        respond(**notice(OLD_BUTTON), response_type="ephemeral", replace_original=False)

    app.action(SHARE_ACTION)(ack=acknowledge, lazy=[share_answer])
    app.action(REMOVE_ACTION)(ack=acknowledge, lazy=[remove_answer])
    app.action(TRACK_ACTION)(ack=acknowledge, lazy=[track_answer])
    app.action(re.compile(r".*"))(ack=acknowledge, lazy=[unknown_button])
