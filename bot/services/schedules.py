"""Each channel's digest schedule: which channels are due now, and when each runs next.

Channels that set nothing get theirs daily at DIGEST_HOUR (UTC). The scheduler asks `due` every
minute, so a schedule changed in Slack or the CLI counts from the next minute, and a run missed
while the bot was down goes out once after a restart if it is still that local day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.schedules import Schedule, default_schedule
from bot.services.topics import tracked_topics
from bot.storage import Store


@dataclass(frozen=True)
class ChannelClock:
    channel_id: str
    schedule: Schedule
    alerts: bool
    chosen: bool  # False: the default, nobody set it

    def as_json(self, now: datetime) -> dict[str, Any]:
        next_run = self.schedule.next_run(now)
        return {
            "channel": self.channel_id,
            "cadence": self.schedule.cadence,
            "time": self.schedule.at.strftime("%H:%M"),
            "timezone": self.schedule.timezone,
            "next_utc": next_run.isoformat().replace("+00:00", "Z") if next_run else None,
        }


def channel_clocks(store: Store, digest_hour: int) -> dict[str, ChannelClock]:
    """Every tracking channel's schedule and alert setting."""
    settings = store.channel_settings()
    clocks = {}
    for channel in tracked_topics(store):
        schedule, alerts = settings.get(channel, (None, True))
        clocks[channel] = ChannelClock(
            channel, schedule or default_schedule(digest_hour), alerts, schedule is not None
        )
    return clocks


def due(store: Store, digest_hour: int, now: datetime) -> dict[str, date]:
    """The channels whose digest is due at `now` and not yet delivered, with their local day."""
    days = {}
    for channel, clock in channel_clocks(store, digest_hour).items():
        day = clock.schedule.due(now)
        if day is not None and not store.digest_delivered(channel, day):
            days[channel] = day
    return days
