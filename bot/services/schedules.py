"""Each channel's digest schedule: which channels are due now, and when each runs next.

Channels that set nothing get theirs daily at DIGEST_HOUR (UTC). The scheduler asks `due` every
minute, so a schedule changed in Slack or the CLI counts from the next minute, and a run missed
while the bot was down goes out once after a restart if it is still that local day. What `due`
posts and what every schedule shown promises come from the one `ChannelClock.next_digest`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.schedules import NextDigest, Schedule, default_schedule
from bot.services.topics import tracked_topics
from bot.storage import Store


@dataclass(frozen=True)
class ChannelClock:
    channel_id: str
    schedule: Schedule
    alerts: bool
    chosen: bool  # False: the default, nobody set it
    delivered: date | None = None  # the last local day whose digest went out

    def next_digest(self, now: datetime) -> NextDigest | None:
        """The run the scheduler will really make (None: digests are off here)."""
        return self.schedule.next_digest(now, self.delivered)

    def as_json(self, now: datetime) -> dict[str, Any]:
        upcoming = self.next_digest(now)
        return {
            "channel": self.channel_id,
            "cadence": self.schedule.cadence,
            "time": self.schedule.at.strftime("%H:%M"),
            "timezone": self.schedule.zone_name,
            "next_utc": upcoming.at.isoformat().replace("+00:00", "Z") if upcoming else None,
            "catching_up": bool(upcoming and upcoming.catching_up),
        }


def channel_clocks(store: Store, digest_hour: int) -> dict[str, ChannelClock]:
    """Every tracking channel's schedule, alert setting and last digest."""
    settings, delivered = store.channel_settings(), store.last_digests()
    return {
        channel: _clock(channel, settings, delivered, digest_hour)
        for channel in tracked_topics(store)
    }


def clock_of(store: Store, digest_hour: int, channel_id: str) -> ChannelClock:
    """One channel's clock, whether or not it tracks anything yet."""
    return _clock(channel_id, store.channel_settings(), store.last_digests(), digest_hour)


def _clock(
    channel: str,
    settings: dict[str, tuple[Schedule | None, bool]],
    delivered: dict[str, date],
    digest_hour: int,
) -> ChannelClock:
    schedule, alerts = settings.get(channel, (None, True))
    return ChannelClock(
        channel,
        schedule or default_schedule(digest_hour),
        alerts,
        schedule is not None,
        delivered.get(channel),
    )


def due(store: Store, digest_hour: int, now: datetime) -> dict[str, date]:
    """The channels whose digest is due at `now` (its time has come and that local day's digest
    has not gone out), with the local day it is for."""
    days = {}
    for channel, clock in channel_clocks(store, digest_hour).items():
        upcoming = clock.next_digest(now)
        if upcoming is not None and upcoming.catching_up:
            days[channel] = upcoming.day
    return days
