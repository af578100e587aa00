"""A channel's digest comes at its own local time, across DST changes, once a local day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.domain.schedules import (
    NextDigest,
    Schedule,
    ScheduleError,
    ZoneNeeded,
    parse_schedule,
    read_schedule,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def due(schedule: Schedule, now: datetime) -> date | None:
    """The local day whose digest the scheduler posts at `now`, none having gone out."""
    upcoming = schedule.next_digest(now)
    return upcoming.day if upcoming is not None and upcoming.catching_up else None


def test_schedules_are_read_as_people_type_them() -> None:
    assert parse_schedule("daily 09:00 America/New_York") == Schedule(
        "daily", time(9, 0), "America/New_York"
    )
    assert parse_schedule("Weekdays 8:00 asia/tokyo") == Schedule(
        "weekdays", time(8, 0), "Asia/Tokyo"
    )
    assert parse_schedule("weekly Mondays 08:30 Europe/London").weekday == 0
    assert parse_schedule("daily 17:30 UTC").timezone == "UTC"
    assert parse_schedule("off").cadence == "off"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Say when"),
        ("hourly 09:00 UTC", "isn't a cadence"),
        ("daily 25:00 UTC", "isn't a time: type the time as HH:MM"),
        ("daily 123 UTC", "isn't a time: type the time as HH:MM"),
        ("daily 9 UTC", "isn't a time: type the time as HH:MM"),
        ("daily 9am UTC", "isn't a time: type the time as HH:MM"),
        ("daily 09:00 Mars/Olympus", "isn't a time zone"),
        ("daily 09:00 Factory", "isn't a time zone a channel can keep"),
        ("daily 09:00 localtime", "isn't a time zone a channel can keep"),
        ("daily 09:00 IST", "India"),
        ("weekly 09:00 UTC", "Say which day"),
        ("daily", "Say at what time"),
        ("off now", "takes nothing"),
    ],
)
def test_a_schedule_that_cant_be_read_says_why(typed: str, says: str) -> None:
    with pytest.raises(ScheduleError, match=says):
        parse_schedule(typed)


def test_a_time_without_a_zone_takes_the_channels_or_is_asked_for() -> None:
    with pytest.raises(ZoneNeeded, match="Which time zone"):
        parse_schedule("daily 09:00")
    kept = read_schedule("daily 09:00", "America/New_York")
    assert kept.schedule.timezone == "America/New_York"
    assert "this channel's own: America/New_York" in kept.zone_note
    assert parse_schedule("off", "America/New_York").timezone == "America/New_York"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("ET", "America/New_York"),
        ("EST", "America/New_York"),
        ("edt", "America/New_York"),
        ("New York", "America/New_York"),
        ("PT", "America/Los_Angeles"),
        ("PST", "America/Los_Angeles"),
        ("PDT", "America/Los_Angeles"),
        ("CT", "America/Chicago"),
        ("MT", "America/Denver"),
        ("GMT", "Europe/London"),
        ("BST", "Europe/London"),
        ("CET", "Europe/Paris"),
        ("CEST", "Europe/Paris"),
        ("AEST", "Australia/Sydney"),
        ("AEDT", "Australia/Sydney"),
        ("london", "Europe/London"),
    ],
)
def test_abbreviations_and_cities_are_the_zone_people_mean(typed: str, zone: str) -> None:
    read = read_schedule(f"daily 09:00 {typed}")
    assert read.schedule.timezone == zone
    assert f"read as {zone}" in read.zone_note  # the answer names the zone it took


def test_est_follows_new_yorks_daylight_saving_all_summer() -> None:
    est = parse_schedule("daily 09:00 EST")
    assert est.run_at(date(2026, 7, 1)) == at("2026-07-01T13:00")  # EDT, not a fixed UTC-5
    assert est.run_at(date(2026, 12, 1)) == at("2026-12-01T14:00")


def test_a_mistyped_zone_gets_a_suggestion() -> None:
    with pytest.raises(ScheduleError, match="Did you mean America/New_York"):
        parse_schedule("daily 09:00 America/New_Yrok")
    with pytest.raises(ScheduleError, match="Did you mean London"):
        parse_schedule("daily 09:00 Londn")


def test_new_york_at_nine_follows_daylight_saving() -> None:
    nine = parse_schedule("daily 09:00 America/New_York")
    assert nine.run_at(date(2026, 3, 7)) == at("2026-03-07T14:00")  # EST, UTC-5
    assert nine.run_at(date(2026, 3, 9)) == at("2026-03-09T13:00")  # EDT, UTC-4
    after = nine.next_digest(at("2026-03-07T14:00"), delivered=date(2026, 3, 7))
    assert after == NextDigest(at("2026-03-08T13:00"), date(2026, 3, 8), catching_up=False)


def test_a_missed_run_is_caught_up_later_that_local_day_but_not_the_next() -> None:
    nine = parse_schedule("daily 09:00 America/New_York")
    assert not due(nine, at("2026-11-27T13:59"))  # 08:59 in New York
    assert due(nine, at("2026-11-27T14:00")) == date(2026, 11, 27)
    assert due(nine, at("2026-11-28T03:00")) == date(2026, 11, 27)  # 22:00 the same evening
    assert not due(nine, at("2026-11-28T06:00"))  # 01:00 the next day: that day's is at nine


def test_the_next_run_is_now_when_todays_is_due_and_tomorrow_once_it_went_out() -> None:
    five = parse_schedule("daily 05:04 UTC")
    now = at("2026-12-07T05:24")
    assert five.next_digest(now) == NextDigest(now, date(2026, 12, 7), catching_up=True)
    delivered = five.next_digest(now, delivered=date(2026, 12, 7))
    assert delivered == NextDigest(at("2026-12-08T05:04"), date(2026, 12, 8), catching_up=False)


def test_a_zone_moved_west_after_a_delivery_never_serves_a_day_twice() -> None:
    tokyo = parse_schedule("daily 08:00 Asia/Tokyo")
    now = at("2026-11-26T23:30")  # 08:30 on the 27th in Tokyo: the 27th's went out
    assert due(tokyo, now) == date(2026, 11, 27)
    new_york = parse_schedule("daily 09:00 America/New_York")  # 18:30 on the 26th there
    upcoming = new_york.next_digest(now, delivered=date(2026, 11, 27))
    assert upcoming is not None and upcoming.day == date(2026, 11, 28)  # not the 26th or 27th
    assert upcoming.at == at("2026-11-28T14:00")


def test_tokyos_morning_is_the_previous_day_in_utc() -> None:
    eight = parse_schedule("weekdays 08:00 Asia/Tokyo")
    assert due(eight, at("2026-11-26T23:00")) == date(2026, 11, 27)  # Friday 08:00 in Tokyo
    upcoming = eight.next_digest(at("2026-11-26T23:00"), delivered=date(2026, 11, 27))
    assert upcoming is not None and upcoming.at == at("2026-11-29T23:00")  # Monday, not Sat
    assert not due(eight, at("2026-11-28T00:00"))  # Saturday


def test_weekly_runs_on_its_day_and_off_never_runs() -> None:
    monday = parse_schedule("weekly monday 08:30 Europe/London")
    upcoming = monday.next_digest(at("2026-11-27T12:00"))
    assert upcoming is not None and upcoming.at == at("2026-11-30T08:30")
    assert monday.title == "Weekly digest"
    assert parse_schedule("daily 08:30 UTC").title == "Daily digest"
    assert parse_schedule("off").next_digest(at("2026-11-27T12:00")) is None


def test_night_hours_are_the_channels_own() -> None:
    sydney = parse_schedule("daily 09:00 Australia/Sydney")
    assert sydney.is_night(at("2026-11-27T12:00"))  # 23:00 in Sydney
    assert not sydney.is_night(at("2026-11-27T00:00"))  # 11:00 in Sydney
