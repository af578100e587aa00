"""What a channel asks the bot to do, from a command or a button: track, untrack, mute, unmute.

Direct and group messages between people are refused here, once, for every listener.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.domain.calendar import day_label
from bot.domain.schedules import Schedule, ScheduleError, parse_schedule
from bot.domain.text import clean_text
from bot.services import Services
from bot.services.topics import MAX_TOPIC_CHARS
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


def when_line(schedule: Schedule, now: datetime) -> str:
    """ "daily at 09:00 America/New_York; next Mon 7 Dec 09:00 (14:00 UTC)"."""
    next_run = schedule.next_run(now)
    if next_run is None:
        return "off"
    local = next_run.astimezone(schedule.zone)
    utc = "" if schedule.timezone == "UTC" else f" ({next_run:%H:%M} UTC)"
    return f"{schedule.describe()}; next {local:%a} {day_label(local.date())} {local:%H:%M}{utc}"


def schedule_in_channel(services: Services, channel_id: str, text: str, *, user: str) -> Message:
    """`/hashtag digest daily 09:00 America/New_York`: the channel's digest on its own clock."""
    try:
        schedule = parse_schedule(text)
    except ScheduleError as err:
        return notice(
            f"{escape(str(err))} For example `/hashtag digest weekdays 08:00 Europe/London`,"
            " `/hashtag digest weekly monday 08:30 Asia/Tokyo` or `/hashtag digest off`."
        )
    services.store.set_schedule(channel_id, schedule, by=user, now=services.now())
    if schedule.cadence == "off":
        return notice(
            f"<#{channel_id}> gets no digest now. `/hashtag digest daily 09:00 <your zone>`"
            " turns it back on."
        )
    return notice(f"<#{channel_id}> gets its digest {escape(when_line(schedule, services.now()))}.")


def alerts_in_channel(services: Services, channel_id: str, text: str, *, user: str) -> Message:
    """`/hashtag alerts on|off`: messages between digests when a community lights up."""
    choice = text.strip().casefold()
    if choice not in {"on", "off"}:
        return notice("Say `/hashtag alerts on` or `/hashtag alerts off`.")
    services.store.set_alerts(channel_id, choice == "on", by=user, now=services.now())
    if choice == "off":
        return notice(f"<#{channel_id}> gets no alerts between digests now.")
    return notice(
        f"<#{channel_id}> gets an alert when a tracked topic lights up between digests: a burst "
        "of posts, a tag taking off, a conversation gathering people. A few a day at most, "
        "never at night in the channel's time zone."
    )
