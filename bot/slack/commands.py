"""`/hashtag TEXT`, `help`, `track`, `untrack`, `list`, `digest`, `mute` and `unmute`: ack at
once, answer via response_url."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.digests import MAX_TOPIC_CHARS, TopicSpec
from bot.domain.text import clean_text
from bot.slack.blocks import Message, answer, context, escape
from bot.slack.digest import digest_messages
from bot.slack.errors import answering_safely
from bot.slack.messages import channel_topics, notice, usage
from bot.slack.services import Services

COMMAND = "/hashtag"
PEOPLE_ONLY = (
    "{what} works in channels, not in direct messages: I never message people directly. "
    "Run it in the channel that should see it."
)


_MENTION = re.compile(r"<([@#!])[^>|]*(?:\|([^>]*))?>")
_HANDLE = re.compile(r"[\w][\w.\-]{0,99}(?:@[\w.\-]{1,100})?")
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
    """('help' | 'list' | 'digest' | 'track' | 'untrack' | 'mute' | 'unmute' | 'suggest', the rest)."""
    words = text.split(maxsplit=1)
    if not words:
        return "help", ""
    first, rest = words[0].casefold(), (words[1] if len(words) > 1 else "")
    if first in {"help", "list", "digest"} and not rest.strip():
        return first, ""
    if first in {"track", "untrack", "mute", "unmute"}:
        return first, rest
    return "suggest", text


def is_private_conversation(channel_id: str, channel_name: str = "") -> bool:
    """Direct and group messages between people: the bot neither posts nor listens there."""
    return (
        channel_id.startswith("D")
        or channel_name == "directmessage"
        or channel_name.startswith("mpdm-")
    )


def track_in_channel(
    services: Services, channel_id: str, text: str, *, user: str, team: str
) -> Message:
    """Track the condition the text names (or its words) in this channel; said back in full."""
    understanding = services.suggester.matcher.understand(text)
    if not understanding.text:
        return notice("Say what to track, e.g. `/hashtag track lung cancer`.")
    primary = understanding.primary
    topic = (
        primary.condition.name
        if primary
        else clean_text(understanding.text, limit=MAX_TOPIC_CHARS)[0]
    )
    added = services.store.track(
        channel_id,
        topic,
        condition_id=primary.condition.id if primary else None,
        created_by=user,
        now=services.now(),
        team_id=team,
    )
    shown = f"*{escape(topic)}*"
    if not added:
        return notice(
            f"<#{channel_id}> already tracks {shown}. `/hashtag list` shows every topic here."
        )
    reply = (
        f"<#{channel_id}> now tracks {shown}: I'll collect its posts and bring a daily digest here."
    )
    if primary is None:
        reply += (
            " No condition in the knowledge base matched, so I'll listen for these words as typed."
        )
    elif len(understanding.matches) > 1:
        others = ", ".join(escape(m.condition.name) for m in understanding.matches[1:])
        reply += f" One topic at a time: run `/hashtag track` again for {others}."
    return notice(reply)


def untrack_in_channel(services: Services, channel_id: str, text: str) -> Message:
    understanding = services.suggester.matcher.understand(text)
    if not understanding.text:
        return notice("Say what to stop tracking, e.g. `/hashtag untrack lung cancer`.")
    names = [m.condition.name for m in understanding.matches] + [understanding.text]
    for name in names:
        if services.store.untrack(channel_id, name):
            return notice(f"<#{channel_id}> no longer tracks *{escape(name)}*.")
    return notice(
        f"<#{channel_id}> doesn't track “{escape(understanding.text)}”. "
        "`/hashtag list` shows what it tracks."
    )


def digest_preview(services: Services, channel_id: str) -> list[Message]:
    """This channel's digest as it stands now, for the person who asked; nothing is recorded."""
    topics = [TopicSpec(t.topic, t.condition_id) for t in services.store.topics(channel_id)]
    digest = services.digester.for_topics(topics, now=services.now(), channel_id=channel_id)
    messages = digest_messages(digest)
    if digest.topics:
        hour = services.settings.digest_hour
        messages[0]["blocks"].insert(
            1,
            context(
                f"_A preview only you can see. <#{channel_id}> gets its digest daily at"
                f" {hour:02d}:00 UTC; accounts are introduced once, when it is posted._"
            ),
        )
    return messages


def handle_in(text: str) -> str | None:
    """The account handle typed after mute/unmute: @name, name, name.bsky.social or user@server."""
    words = text.split()
    if len(words) != 1:
        return None
    handle = words[0].lstrip("@＠")
    return handle if _HANDLE.fullmatch(handle) else None


def mute_in_channel(
    services: Services, channel_id: str, text: str, *, user: str, mute: bool
) -> Message:
    """Digests in this channel stop (or start again) naming and showing an account."""
    verb = "mute" if mute else "unmute"
    handle = handle_in(text)
    if handle is None:
        return notice(
            f"Say which account to {verb}, as its handle: `/hashtag {verb} @handle`. "
            "`/hashtag list` shows who is muted here."
        )
    shown = f"*@{escape(handle)}*"
    if not mute:
        if services.store.unmute(channel_id, handle):
            return notice(f"Digests in <#{channel_id}> may show {shown} again.")
        return notice(f"{shown} isn't muted in <#{channel_id}>.")
    if services.store.mute(channel_id, handle, created_by=user, now=services.now()):
        return notice(
            f"Digests in <#{channel_id}> won't name {shown} or show its posts. "
            f"`/hashtag unmute @{escape(handle)}` undoes it."
        )
    return notice(f"{shown} is already muted in <#{channel_id}>.")


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
        return [
            channel_topics(channel, services.store.topics(channel), services.store.muted(channel))
        ]
    if sub == "digest":
        if private:
            return [notice(PEOPLE_ONLY.format(what="The digest"))]
        return digest_preview(services, channel)
    if sub in {"track", "untrack", "mute", "unmute"} and private:
        return [notice(PEOPLE_ONLY.format(what="Tracking" if "track" in sub else "Muting"))]
    if sub in {"mute", "unmute"}:
        return [mute_in_channel(services, channel, rest, user=user, mute=sub == "mute")]
    if sub == "track":
        return [track_in_channel(services, channel, rest, user=user, team=team)]
    if sub == "untrack":
        return [untrack_in_channel(services, channel, rest)]
    result = services.suggester.suggest(text, today=services.today())
    return [answer(result, can_share=not private, can_track=not private)]


def acknowledge(ack: Ack) -> None:
    """Slack wants an answer within 3 seconds; the real one follows through response_url."""
    ack()


def register(app: App, services: Services) -> None:
    @answering_safely
    def answer_command(body: dict[str, Any], respond: Respond) -> None:
        for reply in replies_to(services, body):
            respond(**reply, response_type="ephemeral", replace_original=False)

    app.command(COMMAND)(ack=acknowledge, lazy=[answer_command])
