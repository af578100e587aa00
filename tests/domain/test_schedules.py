"""A channel's digest comes at its own local time, across DST changes, once a local day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.domain.schedules import Schedule, ScheduleError, parse_schedule


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_schedules_are_read_as_people_type_them() -> None:
    assert parse_schedule("daily 09:00 America/New_York") == Schedule(
        "daily", time(9, 0), "America/New_York"
    )
    assert parse_schedule("Weekdays 8:00 asia/tokyo") == Schedule(
        "weekdays", time(8, 0), "Asia/Tokyo"
    )
    assert parse_schedule("weekly Mondays 08:30 Europe/London").weekday == 0
    assert parse_schedule("daily 17:30").timezone == "UTC"
    assert parse_schedule("off").cadence == "off"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Say when"),
        ("hourly 09:00", "isn't a cadence"),
        ("daily 25:00", "isn't a time of day"),
        ("daily 09:00 Mars/Olympus", "isn't a time zone"),
        ("weekly 09:00", "Say which day"),
        ("daily", "Say at what time"),
        ("off now", "takes nothing"),
    ],
)
def test_a_schedule_that_cant_be_read_says_why(typed: str, says: str) -> None:
    with pytest.raises(ScheduleError, match=says):
        parse_schedule(typed)


def test_new_york_at_nine_follows_daylight_saving() -> None:
    nine = parse_schedule("daily 09:00 America/New_York")
    assert nine.run_at(date(2026, 3, 7)) == at("2026-03-07T14:00")  # EST, UTC-5
    assert nine.run_at(date(2026, 3, 9)) == at("2026-03-09T13:00")  # EDT, UTC-4
    assert nine.next_run(at("2026-03-07T14:00")) == at("2026-03-08T13:00")  # the switch day


def test_a_missed_run_is_still_due_later_that_local_day_but_not_the_next() -> None:
    nine = parse_schedule("daily 09:00 America/New_York")
    assert nine.due(at("2026-11-27T13:59")) is None  # 08:59 in New York
    assert nine.due(at("2026-11-27T14:00")) == date(2026, 11, 27)
    assert nine.due(at("2026-11-28T03:00")) == date(2026, 11, 27)  # 22:00 the same evening
    assert nine.due(at("2026-11-28T06:00")) is None  # 01:00 the next day: that day's is at nine


def test_tokyos_morning_is_the_previous_day_in_utc() -> None:
    eight = parse_schedule("weekdays 08:00 Asia/Tokyo")
    assert eight.due(at("2026-11-26T23:00")) == date(2026, 11, 27)  # Friday 08:00 in Tokyo
    assert eight.next_run(at("2026-11-26T23:00")) == at("2026-11-29T23:00")  # Monday, not Sat
    assert eight.due(at("2026-11-28T00:00")) is None  # Saturday


def test_weekly_runs_on_its_day_and_off_never_runs() -> None:
    monday = parse_schedule("weekly monday 08:30 Europe/London")
    assert monday.next_run(at("2026-11-27T12:00")) == at("2026-11-30T08:30")
    assert parse_schedule("off").next_run(at("2026-11-27T12:00")) is None
    assert parse_schedule("off").due(at("2026-11-27T12:00")) is None


def test_night_hours_are_the_channels_own() -> None:
    sydney = parse_schedule("daily 09:00 Australia/Sydney")
    assert sydney.is_night(at("2026-11-27T12:00"))  # 23:00 in Sydney
    assert not sydney.is_night(at("2026-11-27T00:00"))  # 11:00 in Sydney
