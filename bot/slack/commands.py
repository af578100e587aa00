"""`/hashtag TEXT`, `help`, `track`, `untrack`, `list`, `digest`, `mute` and `unmute`: ack at
once, answer via response_url."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App, Respond

from bot.services import Services
from bot.services.schedules import channel_clocks
from bot.services.topics import tracked_topics
from bot.slack.blocks import Message, answer, context, escape
from bot.slack.channel import (
    PEOPLE_ONLY,
    alerts_in_channel,
    is_private_conversation,
    mute_in_channel,
    schedule_in_channel,
    track_in_channel,
    untrack_in_channel,
    when_line,
)
from bot.slack.digest import digest_messages
from bot.slack.errors import acknowledge, answering_safely
from bot.slack.messages import channel_topics, notice, usage

COMMAND = "/hashtag"
PRIVATE_REFUSED = {  # what only a channel can ask for, in the refusal's words
    "track": "Tracking",
    "untrack": "Tracking",
    "mute": "Muting",
    "unmute": "Muting",
    "schedule": "The digest",
    "alerts": "Alerts",
}


_MENTION = re.compile(r"<([@#!])[^>|]*(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]*)(?:\|([^>]*))?>")


def as_typed(text: str) -> str:
    """What the person typed: people and @channel mentions dropped, #channel and links as shown.

    Slack sends mentions and links as <…> markup and a typed &, < or > as an entity.
    """
    text = _MENTION.sub(
        lambda m: f" #{m.group(2)} " if m.group(1) == "#" and m.group(2) else " ", text
    )
    text = _LINK.sub(lambda m: f" {m.group(2) or m.group(1)} ", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse(text: str) -> tuple[str, str]:
    """('help' | 'list' | 'digest' | 'schedule' | 'alerts' | 'track' | 'untrack' | 'mute' |
    'unmute' | 'suggest', the rest)."""
    words = text.split(maxsplit=1)
    if not words:
        return "help", ""
    first, rest = words[0].casefold(), (words[1] if len(words) > 1 else "")
    if first in {"help", "list", "digest"} and not rest.strip():
        return first, ""
    if first == "digest":
        return "schedule", rest
    if first == "alerts" and rest.strip().casefold() in {"on", "off"}:
        return "alerts", rest
    if first in {"track", "untrack", "mute", "unmute"}:
        return first, rest
    if first in {"messages", "compose", "available"}:  # answered by bot/slack/outreach.py
        return first, rest
    return "suggest", text


def digest_preview(services: Services, channel_id: str) -> list[Message]:
    """This channel's digest as it stands now, for the person who asked; nothing is recorded."""
    topics = tracked_topics(services.store, channel_id).get(channel_id, [])
    digest = services.digester.for_topics(topics, now=services.now(), channel_id=channel_id)
    messages = digest_messages(digest)
    if digest.topics:
        clock = channel_clocks(services.store, services.settings.digest_hour).get(channel_id)
        when = when_line(clock.schedule, services.now()) if clock else "off"
        messages[0]["blocks"].insert(
            1,
            context(
                f"_A preview only you can see. <#{channel_id}> gets its digest {escape(when)};"
                " accounts are introduced once, when it is posted._"
            ),
        )
    return messages


def replies_to(services: Services, body: dict[str, Any]) -> list[Message]:
    """The whole command as a recipe: parse, call the service, render. One message, or a digest
    long enough to need several."""
    text = as_typed(str(body.get("text") or ""))
    channel, name = str(body.get("channel_id") or ""), str(body.get("channel_name") or "")
    user, team = str(body.get("user_id") or ""), str(body.get("team_id") or "")
    sub, rest = parse(text)
    private = is_private_conversation(channel, name)
    if sub == "help":
        return [usage()]
    if sub == "list":
        clock = channel_clocks(services.store, services.settings.digest_hour).get(channel)
        when = when_line(clock.schedule, services.now()) if clock else ""
        alerts = clock.alerts if clock else False
        return [
            channel_topics(
                channel,
                services.store.topics(channel),
                services.store.muted(channel),
                schedule=when,
                alerts=alerts,
            )
        ]
    if sub == "digest":
        if private:
            return [notice(PEOPLE_ONLY.format(what="The digest"))]
        return digest_preview(services, channel)
    if sub in PRIVATE_REFUSED and private:
        return [notice(PEOPLE_ONLY.format(what=PRIVATE_REFUSED[sub]))]
    if sub == "schedule":
        return [schedule_in_channel(services, channel, rest, user=user)]
    if sub == "alerts":
        return [alerts_in_channel(services, channel, rest, user=user)]
    if sub in {"mute", "unmute"}:
        return [mute_in_channel(services, channel, rest, user=user, mute=sub == "mute")]
    if sub == "track":
        return [track_in_channel(services, channel, rest, user=user, team=team)]
    if sub == "untrack":
        return [untrack_in_channel(services, channel, rest)]
    result = services.suggester.suggest(text, today=services.today())
    return [answer(result, can_share=not private, can_track=not private)]


def register(app: App, services: Services) -> None:
    @answering_safely
    def answer_command(body: dict[str, Any], respond: Respond) -> None:
        for reply in replies_to(services, body):
            respond(**reply, response_type="ephemeral", replace_original=False)

    app.command(COMMAND)(ack=acknowledge, lazy=[answer_command])
