"""Annual rules for awareness events and conference windows."""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# US Eastern daylight time, in force on every June solstice: The Longest Day is a US event.
US_EASTERN_SUMMER = -4


def day_label(day: date, *, year: bool = True) -> str:
    """'27 Nov 2026' (or '27 Nov'): a date as people read it at a glance."""
    return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    usual: bool = False  # only the usual months are known (a congress without its own dates)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def as_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def describe(self) -> str:
        """'1–30 Nov 2026' style text a person reads at a glance."""
        if self.start == self.end:
            return day_label(self.start)
        if (self.start.year, self.start.month) == (self.end.year, self.end.month):
            return f"{self.start.day}–{self.end.day} {self.end:%b %Y}"
        return f"{self.start.day} {self.start:%b} – {self.end.day} {self.end:%b %Y}"

    def months(self) -> str:
        """'May–Jun 2027', or 'Nov 2026' for one month: what a window of usual months says."""
        first, last = f"{self.start:%b}", f"{self.end:%b %Y}"
        return last if first == last[:3] else f"{first}–{last}"

    def usually(self) -> str:
        """What answers and digests say of a meeting known only by its usual months."""
        return f"usually {self.months()}; check the meeting's own dates"


@dataclass(frozen=True)
class AnnualRule:
    """When an event recurs each year: a month, a day, a range, an nth weekday or the June solstice."""

    month: int | None = None
    day: tuple[int, int] | None = None
    start: tuple[int, int] | None = None
    end: tuple[int, int] | None = None
    weekday: int | None = None
    nth: int | None = None
    days: int = 1
    last_day: int | None = None
    solstice: bool = False  # the day of the June solstice where the clock is UTC + utc_offset
    utc_offset: int = US_EASTERN_SUMMER

    @classmethod
    def parse(cls, when: dict[str, object]) -> AnnualRule:
        """Read the `when` mapping of the knowledge-base schema; ValueError when malformed."""
        if not isinstance(when, dict):
            raise ValueError(f"`when` must be a mapping, got {when!r}")
        keys = set(when)
        if keys == {"month"}:
            rule = cls(month=_month(when["month"]))
        elif keys == {"date"}:
            rule = cls(day=_month_day(when["date"]))
        elif keys == {"start", "end"}:
            rule = cls(start=_month_day(when["start"]), end=_month_day(when["end"]))
            if rule.end < rule.start:  # type: ignore[operator]
                raise ValueError(f"range ends before it starts: {when!r}")
        elif keys in ({"month", "weekday", "nth"}, {"month", "weekday", "nth", "days"}):
            name = str(when["weekday"]).lower()
            if name not in WEEKDAYS:
                raise ValueError(f"unknown weekday {when['weekday']!r}")
            nth, days = when["nth"], when.get("days", 1)
            if not isinstance(nth, int) or nth not in (-1, 1, 2, 3, 4):
                raise ValueError(f"nth must be 1-4 or -1, got {nth!r}")
            if not isinstance(days, int) or not 1 <= days <= 31:
                raise ValueError(f"days must be 1-31, got {days!r}")
            rule = cls(
                month=_month(when["month"]), weekday=WEEKDAYS.index(name), nth=nth, days=days
            )
        elif keys == {"last_day"}:
            rule = cls(last_day=_month(when["last_day"]))
        elif keys in ({"solstice"}, {"solstice", "utc_offset"}):
            if str(when["solstice"]).lower() != "june":
                raise ValueError(f"only the june solstice is known, got {when['solstice']!r}")
            offset = when.get("utc_offset", US_EASTERN_SUMMER)
            if not isinstance(offset, int) or not -12 <= offset <= 14:
                raise ValueError(f"utc_offset must be whole hours -12..14, got {offset!r}")
            rule = cls(solstice=True, utc_offset=offset)
        else:
            raise ValueError(f"unrecognised `when`: {when!r}")
        rule.window(2026)  # every rule must produce a real date
        return rule

    def window(self, year: int) -> Window:
        if self.solstice:
            day = june_solstice(year, self.utc_offset)
            return Window(day, day)
        if self.weekday is not None and self.month is not None and self.nth is not None:
            first = _nth_weekday(year, self.month, self.weekday, self.nth)
            return Window(first, first + timedelta(days=self.days - 1))
        if self.month is not None:
            last = calendar.monthrange(year, self.month)[1]
            return Window(date(year, self.month, 1), date(year, self.month, last))
        if self.day is not None:
            day = _safe_date(year, *self.day)
            return Window(day, day)
        if self.start is not None and self.end is not None:
            return Window(_safe_date(year, *self.start), _safe_date(year, *self.end))
        if self.last_day is not None:
            day = date(year, self.last_day, calendar.monthrange(year, self.last_day)[1])
            return Window(day, day)
        raise ValueError("empty rule")

    def current_or_next(self, today: date) -> Window:
        """The occurrence happening on `today`, else the next one."""
        this_year = self.window(today.year)
        if this_year.end >= today:
            return this_year
        return self.window(today.year + 1)


def _month(value: object) -> int:
    if not isinstance(value, int) or not 1 <= value <= 12:
        raise ValueError(f"month must be 1-12, got {value!r}")
    return value


def _month_day(value: object) -> tuple[int, int]:
    try:
        month_text, day_text = str(value).split("-")
        month, day = int(month_text), int(day_text)
        date(2024, month, day)  # a leap year accepts 02-29
    except ValueError:
        raise ValueError(f"dates are 'MM-DD', got {value!r}") from None
    return month, day


def _safe_date(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    if nth == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


# Meeus, Astronomical Algorithms (2nd ed.), chapter 27: the mean June solstice (table 27.B, years
# 1000-3000) and the periodic terms of table 27.C, good to about a minute for these centuries.
_PERIODIC_TERMS = (
    (485, 324.96, 1934.136), (203, 337.23, 32964.467), (199, 342.08, 20.186),
    (182, 27.85, 445267.112), (156, 73.14, 45036.886), (136, 171.52, 22518.443),
    (77, 222.54, 65928.934), (74, 296.72, 3034.906), (70, 243.58, 9037.513),
    (58, 119.81, 33718.147), (52, 297.17, 150.678), (50, 21.02, 2281.226),
    (45, 247.54, 29929.562), (44, 325.15, 31555.956), (29, 60.93, 4443.417),
    (18, 155.12, 67555.328), (17, 288.79, 4562.452), (16, 198.04, 62894.029),
    (14, 199.76, 31436.921), (12, 95.39, 14577.848), (12, 287.11, 31931.756),
    (12, 320.81, 34777.259), (9, 227.73, 1222.114), (8, 15.45, 16859.074),
)  # fmt: skip
_J2000 = datetime(2000, 1, 1, 12)  # Julian day 2451545.0, in Terrestrial Time
_DELTA_T = timedelta(seconds=69)  # TT - UTC: 64-70 s this century, a minute's error at most


def june_solstice_moment(year: int) -> datetime:
    """The June solstice in UTC (naive datetime), from Meeus' approximation."""
    if not 1000 <= year <= 3000:
        raise ValueError(f"the solstice formula holds for years 1000-3000, not {year}")
    y = (year - 2000) / 1000
    jde0 = 2451716.56767 + 365241.62603 * y + 0.00325 * y**2 + 0.00888 * y**3 - 0.00030 * y**4
    t = (jde0 - 2451545.0) / 36525
    w = math.radians(35999.373 * t - 2.47)
    delta_lambda = 1 + 0.0334 * math.cos(w) + 0.0007 * math.cos(2 * w)
    s = sum(a * math.cos(math.radians(b + c * t)) for a, b, c in _PERIODIC_TERMS)
    jde = jde0 + 0.00001 * s / delta_lambda
    return _J2000 + timedelta(days=jde - 2451545.0) - _DELTA_T


def june_solstice(year: int, utc_offset: int = US_EASTERN_SUMMER) -> date:
    """The calendar day of the June solstice on a clock at UTC + utc_offset hours."""
    return (june_solstice_moment(year) + timedelta(hours=utc_offset)).date()
