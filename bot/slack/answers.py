"""The answer's own buttons: Show more (the whole list, in place) and Explain (one tag's reasons)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond

from bot.services import Services
from bot.slack.blocks import EXPLAIN_ACTION, MORE_ACTION, Message, answer, explanation
from bot.slack.buttons import OLD_BUTTON, pressed, stale
from bot.slack.channel import is_private_conversation
from bot.slack.errors import acknowledge, answering_safely
from bot.slack.notices import notice


def show_more(services: Services, body: dict[str, Any]) -> tuple[Message, bool]:
    """The same answer with every tag; (message, whether it replaces the one pressed)."""
    _user, _team, channel, name, ref = pressed(body)
    if ref is None:
        return notice(OLD_BUTTON), False
    if (too_old := stale(ref, services.today())) is not None:
        return too_old, False
    result = services.suggester.suggest(
        ref.query, today=services.today(), audience=services.audience(channel)
    )
    private = is_private_conversation(channel, name)
    return answer(result, can_share=not private, can_track=not private, expanded=True), True


def explain(services: Services, body: dict[str, Any]) -> Message:
    _user, _team, channel, _name, ref = pressed(body)
    if ref is None or not ref.tag:
        return notice(OLD_BUTTON)
    if (too_old := stale(ref, services.today())) is not None:
        return too_old
    audience = services.audience(channel)
    result = services.suggester.suggest(ref.query, today=services.today(), audience=audience)
    return explanation(result, ref.tag)


def register(app: App, services: Services) -> None:
    @answering_safely
    def more(body: dict[str, Any], respond: Respond) -> None:
        reply, replaces = show_more(services, body)
        respond(**reply, response_type="ephemeral", replace_original=replaces)

    @answering_safely
    def why(body: dict[str, Any], respond: Respond) -> None:
        respond(**explain(services, body), response_type="ephemeral", replace_original=False)

    app.action(MORE_ACTION)(ack=acknowledge, lazy=[more])
    app.action(EXPLAIN_ACTION)(ack=acknowledge, lazy=[why])
