"""When a channel's digest is due, on the channel's own clock (IANA zones, DST-correct).

Pure: every function takes `now`. `Schedule.next_digest` is the one answer to "when does the
next digest go out": the scheduler posts when it says, and every place that shows a schedule
shows what it says. A run missed while the bot was down is still due later the same local day;
the next local day it is not. A local day at or before the last one delivered is never served
again, so moving a schedule's zone west right after a delivery can't bring the same day twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.zones import ZoneError, read_zone

CADENCES = ("daily", "weekdays", "weekly", "off")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
QUIET_START, QUIET_END = time(21, 0), time(7, 0)  # a channel's night: no alerts then
TIME_FORMAT = "type the time as HH:MM on a 24-hour clock, e.g. 09:00 or 17:30"


class ScheduleError(ValueError):
    """What was wrong with a schedule as typed, in words for the person who typed it."""


class ZoneNeeded(ScheduleError):
    """A time with no zone, in a channel that has none yet: ask rather than guess UTC."""


@dataclass(frozen=True)
class NextDigest:
    """The run the scheduler will really make: when, and which local day's digest it is."""

    at: datetime  # UTC; `now` itself when a digest is due and not yet out
    day: date  # the channel's local day
    catching_up: bool  # due now: its time today has passed and it has not gone out


@dataclass(frozen=True)
class Schedule:
    cadence: str  # daily | weekdays | weekly | off
    at: time
    timezone: str  # IANA name: "America/New_York"; "" when the channel never chose one (UTC)
    weekday: int | None = None  # 0 = Monday, for weekly

    @property
    def zone_name(self) -> str:
        return self.timezone or "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    @property
    def title(self) -> str:
        """What its digest is called: a weekly digest is not a daily one."""
        return "Weekly digest" if self.cadence == "weekly" else "Daily digest"

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

    def next_digest(self, now: datetime, delivered: date | None = None) -> NextDigest | None:
        """The next digest the scheduler will post, given the last local day `delivered`: today's
        at once if its time has passed and it hasn't gone out, else the next day it runs.
        None when the digest is off."""
        if self.cadence == "off":
            return None
        today = self.local_day(now)
        for offset in range(16):  # a week, plus a week of days already served after a move west
            day = today + timedelta(days=offset)
            if not self.runs_on(day) or (delivered is not None and day <= delivered):
                continue
            run = self.run_at(day)
            if offset == 0 and run <= now:
                return NextDigest(now, day, catching_up=True)
            if run > now:
                return NextDigest(run, day, catching_up=False)
        return None

    def is_night(self, now: datetime) -> bool:
        """The channel's night hours, when nothing but the digest is posted there."""
        local = now.astimezone(self.zone).time()
        return local >= QUIET_START or local < QUIET_END

    def describe(self) -> str:
        if self.cadence == "off":
            return "off"
        when = f"{self.at:%H:%M} {self.zone_name}"
        if self.cadence == "weekly" and self.weekday is not None:
            return f"weekly on {WEEKDAYS[self.weekday].title()}s at {when}"
        return f"{self.cadence} at {when}"


def default_schedule(digest_hour: int) -> Schedule:
    """A channel that set nothing: daily at DIGEST_HOUR, UTC."""
    return Schedule("daily", time(digest_hour, 0), "UTC")


@dataclass(frozen=True)
class ReadSchedule:
    """A schedule as typed, and how its zone was read when it wasn't typed as its IANA name."""

    schedule: Schedule
    zone_note: str = ""  # "“EST” read as America/New_York (…)", or that the channel's zone was used


def parse_schedule(text: str, channel_zone: str | None = None) -> Schedule:
    """`read_schedule`, for when how the zone was read doesn't matter."""
    return read_schedule(text, channel_zone).schedule


def read_schedule(text: str, channel_zone: str | None = None) -> ReadSchedule:
    """`daily 09:00 America/New_York`, `weekdays 08:00 Asia/Tokyo`, `weekly monday 08:30
    London`, `daily 09:00 ET`, `off`. Times are 24-hour HH:MM. Without a zone the channel's
    own (`channel_zone`) is used; a channel without one is asked (ZoneNeeded), never given UTC."""
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
        return ReadSchedule(Schedule("off", time(0, 0), channel_zone or ""))
    rest = words[1:]
    weekday = None
    if cadence == "weekly":
        if not rest or rest[0].casefold().rstrip("s") not in WEEKDAYS:
            raise ScheduleError("Say which day, e.g. `weekly monday 08:30 Europe/London`.")
        weekday = WEEKDAYS.index(rest[0].casefold().rstrip("s"))
        rest = rest[1:]
    if not rest:
        raise ScheduleError(f"Say at what time: {TIME_FORMAT}.")
    match = _TIME.match(rest[0])
    if not match:
        raise ScheduleError(f"“{rest[0]}” isn't a time: {TIME_FORMAT}.")
    at = time(int(match.group(1)), int(match.group(2)))
    if len(rest) == 1:
        if not channel_zone:
            raise ZoneNeeded(
                "Which time zone? This channel has none yet, so add one after the time, e.g. "
                f"`{' '.join(words)} America/New_York` (ET, London or Asia/Tokyo work too)."
            )
        schedule = Schedule(cadence, at, channel_zone, weekday)
        return ReadSchedule(schedule, f"No zone given, so this channel's own: {channel_zone}")
    try:
        zone = read_zone(" ".join(rest[1:]))
    except ZoneError as err:
        raise ScheduleError(str(err)) from None
    return ReadSchedule(Schedule(cadence, at, zone.name, weekday), zone.read_as)
