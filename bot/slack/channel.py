"""The words for what a channel asks the bot to do, from a command or a button: track, untrack,
mute, unmute, its digest schedule and alerts. What changes is decided in services/channels.py.

Direct and group messages between people are refused here, once, for every listener.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.domain.calendar import day_label
from bot.domain.schedules import ScheduleError, ZoneNeeded, read_schedule
from bot.services import Services
from bot.services.schedules import ChannelClock
from bot.slack.blocks import Message, escape
from bot.slack.notices import notice

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
    if not services.understand(text).text:
        return notice("Say what to track, e.g. `/hashtag track lung cancer`.")
    tracked = services.channels.track(channel_id, text, user=user, team=team, now=services.now())
    shown = f"*{escape(tracked.topic)}*"
    if not tracked.added:
        return notice(
            f"<#{channel_id}> already tracks {shown}. `/hashtag list` shows every topic here."
        )
    reply = (
        f"<#{channel_id}> now tracks {shown}: I'll collect its posts and bring a daily digest here."
    )
    if tracked.condition_id is None:
        reply += (
            " No condition in the knowledge base matched, so I'll listen for these words as typed."
        )
    elif tracked.others:
        others = ", ".join(escape(name) for name in tracked.others)
        reply += f" One topic at a time: run `/hashtag track` again for {others}."
    return notice(reply)


def untrack_in_channel(services: Services, channel_id: str, text: str, *, user: str) -> Message:
    typed = services.understand(text).text
    if not typed:
        return notice("Say what to stop tracking, e.g. `/hashtag untrack lung cancer`.")
    name = services.channels.untrack(channel_id, text, user=user, now=services.now())
    if name is not None:
        return notice(f"<#{channel_id}> no longer tracks *{escape(name)}*.")
    return notice(
        f"<#{channel_id}> doesn't track “{escape(typed)}”. `/hashtag list` shows what it tracks."
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
        if services.channels.unmute(channel_id, handle, user=user, now=services.now()):
            return notice(f"Digests in <#{channel_id}> may show {shown} again.")
        return notice(f"{shown} isn't muted in <#{channel_id}>.")
    if services.channels.mute(channel_id, handle, user=user, now=services.now()):
        return notice(
            f"Digests in <#{channel_id}> won't name {shown} or show its posts. "
            f"`/hashtag unmute @{escape(handle)}` undoes it."
        )
    return notice(f"{shown} is already muted in <#{channel_id}>.")


def when_line(clock: ChannelClock, now: datetime) -> str:
    """ "daily at 09:00 America/New_York; next Mon 7 Dec 2026 09:00 (14:00 UTC)", or "…; now
    (catching up on today's)": the run the scheduler will really make."""
    upcoming = clock.next_digest(now)
    schedule = clock.schedule
    if upcoming is None:
        return "off"
    if upcoming.catching_up:
        return f"{schedule.describe()}; now (catching up on today's)"
    local = upcoming.at.astimezone(schedule.zone)
    utc = "" if schedule.zone_name == "UTC" else f" ({upcoming.at:%H:%M} UTC)"
    return f"{schedule.describe()}; next {local:%a} {day_label(local.date())} {local:%H:%M}{utc}"


EXAMPLES = (
    "For example `/hashtag digest weekdays 08:00 Europe/London`, `/hashtag digest weekly monday"
    " 08:30 Asia/Tokyo`, `/hashtag digest daily 09:00 ET` or `/hashtag digest off`."
)


def schedule_in_channel(services: Services, channel_id: str, text: str, *, user: str) -> Message:
    """`/hashtag digest daily 09:00 America/New_York`: the channel's digest on its own clock,
    said back as the scheduler will run it, with how a typed zone was read."""
    try:
        read = read_schedule(text, services.channels.zone(channel_id))
    except ZoneNeeded as err:
        return notice(escape(str(err)))
    except ScheduleError as err:
        return notice(f"{escape(str(err))} {EXAMPLES}")
    now = services.now()
    clock = services.channels.set_schedule(channel_id, read.schedule, user=user, now=now)
    if read.schedule.cadence == "off":
        zone = read.schedule.timezone
        again = (
            f"`/hashtag digest daily 09:00` turns it back on, at 09:00 {escape(zone)}."
            f" Alerts keep to {escape(zone)}'s night hours and day."
            if zone
            else "`/hashtag digest daily 09:00` with your zone (e.g. `America/New_York` or `ET`)"
            " turns it back on."
        )
        return notice(f"<#{channel_id}> gets no digest now. {again}")
    said = f"<#{channel_id}> gets its digest {escape(when_line(clock, now))}."
    return notice(said + (f" {escape(read.zone_note)}." if read.zone_note else ""))


def alerts_in_channel(services: Services, channel_id: str, text: str, *, user: str) -> Message:
    """`/hashtag alerts on|off`: messages between digests when a community lights up."""
    choice = text.strip().casefold()
    if choice not in {"on", "off"}:
        return notice("Say `/hashtag alerts on` or `/hashtag alerts off`.")
    services.channels.set_alerts(channel_id, choice == "on", user=user, now=services.now())
    if choice == "off":
        return notice(f"<#{channel_id}> gets no alerts between digests now.")
    return notice(
        f"<#{channel_id}> gets an alert when a tracked topic lights up between digests: a burst "
        "of posts, a tag taking off, a conversation gathering people. A few a day at most, "
        "never at night in the channel's time zone."
    )
