"""What a channel asks the bot to do, from a command or a button: track, untrack, mute, unmute.

Direct and group messages between people are refused here, once, for every listener.
"""

from __future__ import annotations

import re

from bot.domain.text import clean_text
from bot.services import Services
from bot.services.digests import MAX_TOPIC_CHARS
from bot.slack.blocks import Message, escape
from bot.slack.messages import notice

PEOPLE_ONLY = (
    "{what} works in channels, not in direct messages: I never message people directly. "
    "Run it in the channel that should see it."
)

_HANDLE = re.compile(r"[\w][\w.\-]{0,99}(?:@[\w.\-]{1,100})?")


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
    understanding = services.understand(text)
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
    understanding = services.understand(text)
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
