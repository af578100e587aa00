"""What `/hashtag messages [ID]` (the approved-message form), `compose TOPIC` and `available TAG`
answer (the router in commands.py calls them), the form's Save, and the answer's Compose post
button. Drafts are for a person to post: the bot never posts them."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.domain.approvals import read_approval
from bot.domain.permissions import Action, refusal
from bot.services import Services
from bot.services.outreach import StaleVersion, tag_of
from bot.slack.blocks import Message, context, escape
from bot.slack.buttons import OLD_BUTTON, pressed
from bot.slack.errors import acknowledge, answering_safely, explain
from bot.slack.notices import notice
from bot.slack.outreach_blocks import (
    COMPOSE_ACTION,
    MESSAGE_MODAL,
    composition_messages,
    message_modal,
    saved_view,
    submitted,
    tag_report_message,
)
from bot.slack.people import People


def compose(services: Services, topic: str, channel_id: str = "") -> list[Message]:
    """The drafts for a condition, with the tags an answer in this channel gives (its region and
    language): one message, or several when the drafts are long."""
    if not topic.strip():
        return [notice("Say which condition: `/hashtag compose lung cancer`")]
    audience = services.audience(channel_id)
    return composition_messages(services.outreach.compose(topic, services.team_today(), audience))


def available(services: Services, text: str) -> Message:
    tag = tag_of(text)
    if not tag:
        return notice("Say which tag: `/hashtag available #LungStudy26`")
    return tag_report_message(services.outreach.available(tag, services.today()))


NO_APPROVERS = (
    "HASHTAG_BOT_APPROVERS is not set, so the workspace's owners and admins are the ones who "
    "may add or edit approved messages. An admin can name the approvers there."
)


def modal_for(services: Services, rest: str, channel: str) -> dict[str, Any] | Message:
    """The modal to open, or a notice when the message asked for isn't in the library."""
    library = services.outreach.messages()
    wanted = rest.strip().lstrip("#")
    today, zone = services.team_today(), services.settings.team_timezone
    editing = services.outreach.message(int(wanted)) if wanted.isdigit() else None
    if wanted and editing is None:
        return notice(
            f"There is no message {escape(wanted)} in the library. `/hashtag messages` lists them."
        )
    modal = message_modal(editing, library, today, channel, zone=zone)
    if not services.settings.approvers:  # said where approvals are made
        modal["blocks"].insert(0, context(f"_{NO_APPROVERS}_"))
    return modal


def open_message_form(
    services: Services, client: WebClient, rest: str, channel: str, trigger_id: str
) -> Message | None:
    """Open the approved-message form (None: it opened), or say why it can't."""
    opened = modal_for(services, rest, channel)
    if opened.get("type") != "modal":
        return opened
    try:
        client.views_open(trigger_id=trigger_id, view=opened)
    except SlackClientError as err:
        return notice(explain(err, doing="opening the approved-message form"))
    return None


def submission(services: Services, body: dict[str, Any], people: People) -> dict[str, Any]:
    """The ack for a Save: refused (nothing stored) unless an approver saves it, errors shown
    inline under their fields, or the saved version's view."""
    view = body.get("view") or {}
    who = body.get("user") or {}
    user = str(who.get("id") or "")
    standing = people.standing(user, str(who.get("team_id") or ""))
    if not standing.may(Action.APPROVE):
        refused = refusal(standing, Action.APPROVE, people.approvers_named)
        return {"response_action": "errors", "errors": {"study": refused}}
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    fields = submitted((view.get("state") or {}).get("values") or {})
    approval, errors = read_approval(
        study=fields["study"],
        irb_ref=fields["irb"],
        approved=fields["approved"],
        expires=fields["expires"],
        conditions=fields["conditions"],
        text=fields["text"],
        url=fields["url"],
        hashtags=fields["hashtags"],
        today=services.team_today(),
    )
    if approval is None:
        return {"response_action": "errors", "errors": errors}
    try:
        result = services.outreach.save(
            approval,
            by=f"<@{user}>" if user else "slack",
            now=services.now(),
            message_id=meta.get("id"),
            expected_version=meta.get("v"),
        )
    except StaleVersion as err:
        latest = err.latest
        return {
            "response_action": "errors",
            "errors": {
                "text": f"Version {latest.version} was saved by someone else on "
                f"{latest.changed_at[:10]} while this was open. Close this and run "
                f"/hashtag messages {latest.id} again, so nothing is overwritten."
            },
        }
    except KeyError:
        return {"response_action": "errors", "errors": {"study": "That message is gone."}}
    return {
        "response_action": "update",
        "view": saved_view(result.message, result.saved, result.warnings),
    }


def register(app: App, services: Services, people: People) -> None:
    @answering_safely
    def compose_pressed(body: dict[str, Any], respond: Respond) -> None:
        _user, _team, channel, _name, ref = pressed(body)
        replies = [notice(OLD_BUTTON)] if ref is None else compose(services, ref.query, channel)
        for reply in replies:
            respond(**reply, response_type="ephemeral", replace_original=False)

    def save(ack: Ack, body: dict[str, Any]) -> None:
        ack(**submission(services, body, people))

    app.action(COMPOSE_ACTION)(ack=acknowledge, lazy=[compose_pressed])
    app.view(MESSAGE_MODAL)(save)
