"""When a channel's digest is due, on the channel's own clock (IANA zones, DST-correct).

Pure: every function takes `now`. A run missed while the bot was down is still due later the
same local day (the delivery log makes sure it goes out once); the next local day it is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

CADENCES = ("daily", "weekdays", "weekly", "off")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]?([0-5]\d)?$")
QUIET_START, QUIET_END = time(21, 0), time(7, 0)  # a channel's night: no alerts then


class ScheduleError(ValueError):
    """What was wrong with a schedule as typed, in words for the person who typed it."""


@dataclass(frozen=True)
class Schedule:
    cadence: str  # daily | weekdays | weekly | off
    at: time
    timezone: str  # IANA name: "America/New_York"
    weekday: int | None = None  # 0 = Monday, for weekly

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def runs_on(self, day: date) -> bool:
        if self.cadence == "daily":
            return True
        if self.cadence == "weekdays":
            return day.weekday() < 5
        if self.cadence == "weekly":
            return day.weekday() == self.weekday
        return False

    def local_day(self, now: datetime) -> date:
        """The channel's calendar day at `now`: one digest per local day."""
        return now.astimezone(self.zone).date()

    def run_at(self, day: date) -> datetime:
        """The moment (UTC) of the run on a local day. A time skipped by a DST change runs
        at the same wall-clock time shifted forward, as people's clocks do."""
        local = datetime.combine(day, self.at, tzinfo=self.zone)
        return local.astimezone(UTC)

    def due(self, now: datetime) -> date | None:
        """The local day whose digest is due at `now` (its time has come today), else None."""
        day = self.local_day(now)
        if self.runs_on(day) and now >= self.run_at(day):
            return day
        return None

    def next_run(self, now: datetime) -> datetime | None:
        """The first run strictly after `now` (UTC); None when the digest is off."""
        if self.cadence == "off":
            return None
        day = self.local_day(now)
        for offset in range(8):
            candidate = day + timedelta(days=offset)
            if self.runs_on(candidate) and self.run_at(candidate) > now:
                return self.run_at(candidate)
        return None

    def is_night(self, now: datetime) -> bool:
        """The channel's night hours, when nothing but the digest is posted there."""
        local = now.astimezone(self.zone).time()
        return local >= QUIET_START or local < QUIET_END

    def describe(self) -> str:
        if self.cadence == "off":
            return "off"
        when = f"{self.at:%H:%M} {self.timezone}"
        if self.cadence == "weekly" and self.weekday is not None:
            return f"weekly on {WEEKDAYS[self.weekday].title()}s at {when}"
        return f"{self.cadence} at {when}"


def default_schedule(digest_hour: int) -> Schedule:
    """A channel that set nothing: daily at DIGEST_HOUR, UTC."""
    return Schedule("daily", time(digest_hour, 0), "UTC")


def parse_schedule(text: str) -> Schedule:
    """`daily 09:00 America/New_York`, `weekdays 08:00 Asia/Tokyo`, `weekly monday 08:30
    Europe/London`, `off`. The zone defaults to UTC; times are 24-hour."""
    words = text.split()
    if not words:
        raise ScheduleError("Say when, e.g. `daily 09:00 America/New_York`.")
    cadence = words[0].casefold()
    if cadence not in CADENCES:
        raise ScheduleError(
            f"“{words[0]}” isn't a cadence: use daily, weekdays, weekly (with a day) or off."
        )
    if cadence == "off":
        if len(words) > 1:
            raise ScheduleError("`off` takes nothing after it.")
        return Schedule("off", time(0, 0), "UTC")
    rest = words[1:]
    weekday = None
    if cadence == "weekly":
        if not rest or rest[0].casefold().rstrip("s") not in WEEKDAYS:
            raise ScheduleError("Say which day, e.g. `weekly monday 08:30 Europe/London`.")
        weekday = WEEKDAYS.index(rest[0].casefold().rstrip("s"))
        rest = rest[1:]
    if not rest:
        raise ScheduleError("Say at what time, e.g. `09:00`.")
    match = _TIME.match(rest[0])
    if not match:
        raise ScheduleError(f"“{rest[0]}” isn't a time of day like 09:00 or 17:30.")
    at = time(int(match.group(1)), int(match.group(2) or 0))
    zone = rest[1] if len(rest) > 1 else "UTC"
    if len(rest) > 2:
        raise ScheduleError("Too many words: cadence, time, then one time zone.")
    return Schedule(cadence, at, _zone_name(zone), weekday)


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()} | {"utc": "UTC"}


def _zone_name(typed: str) -> str:
    """The IANA name as spelled in the tz database, whatever the case typed."""
    name = _zones().get(typed.casefold())
    if name is not None:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            name = None
    if name is not None:
        return name
    raise ScheduleError(
        f"“{typed}” isn't a time zone I know: use an IANA name like America/New_York, "
        "Europe/London or Asia/Tokyo."
    )
