"""Annual rules for awareness events and conference windows."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def day_label(day: date, *, year: bool = True) -> str:
    """'27 Nov 2026' (or '27 Nov'): a date as people read it at a glance."""
    return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"


@dataclass(frozen=True)
class Window:
    start: date
    end: date

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


@dataclass(frozen=True)
class AnnualRule:
    """When an event recurs each year: a month, a day, a range or an nth weekday."""

    month: int | None = None
    day: tuple[int, int] | None = None
    start: tuple[int, int] | None = None
    end: tuple[int, int] | None = None
    weekday: int | None = None
    nth: int | None = None
    days: int = 1
    last_day: int | None = None

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
        else:
            raise ValueError(f"unrecognised `when`: {when!r}")
        rule.window(2026)  # every rule must produce a real date
        return rule

    def window(self, year: int) -> Window:
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
