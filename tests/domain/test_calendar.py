from __future__ import annotations

from datetime import date

import pytest

from bot.domain.calendar import AnnualRule


def test_a_month_runs_first_to_last_day() -> None:
    window = AnnualRule.parse({"month": 11}).window(2026)
    assert (window.start, window.end) == (date(2026, 11, 1), date(2026, 11, 30))


def test_nth_weekday_rule_finds_world_kidney_day() -> None:
    rule = AnnualRule.parse({"month": 3, "weekday": "thursday", "nth": 2})
    assert rule.window(2026).start == date(2026, 3, 12)
    assert rule.window(2027).start == date(2027, 3, 11)


def test_last_weekday_and_multi_day_rules() -> None:
    rule = AnnualRule.parse({"month": 5, "weekday": "monday", "nth": -1, "days": 7})
    window = rule.window(2026)
    assert (window.start, window.end) == (date(2026, 5, 25), date(2026, 5, 31))


def test_last_day_of_february_follows_leap_years() -> None:
    rule = AnnualRule.parse({"last_day": 2})
    assert rule.window(2027).start == date(2027, 2, 28)
    assert rule.window(2028).start == date(2028, 2, 29)


def test_current_or_next_rolls_over_once_the_window_has_passed() -> None:
    rule = AnnualRule.parse({"start": "12-01", "end": "12-07"})
    assert rule.current_or_next(date(2026, 12, 3)).start == date(2026, 12, 1)
    assert rule.current_or_next(date(2026, 12, 8)).start == date(2027, 12, 1)


@pytest.mark.parametrize(
    "when",
    [
        {"month": 13},
        {"date": "02-30"},
        {"start": "12-07", "end": "12-01"},
        {"weekday": "funday"},
        "May",
        {},
    ],
)
def test_malformed_rules_are_refused(when: object) -> None:
    with pytest.raises(ValueError):
        AnnualRule.parse(when)  # type: ignore[arg-type]


def test_windows_describe_themselves_for_people() -> None:
    assert AnnualRule(month=11).window(2026).describe() == "1–30 Nov 2026"
    assert AnnualRule(day=(8, 1)).window(2026).describe() == "1 Aug 2026"


# The June solstice's calendar day in US Eastern time (timeanddate.com, US Naval Observatory).
SOLSTICE_DAYS_US_EASTERN = {
    2020: 20, 2021: 20, 2022: 21, 2023: 21, 2024: 20, 2025: 20,
    2026: 21, 2027: 21, 2028: 20, 2029: 20, 2030: 21,
}  # fmt: skip


@pytest.mark.parametrize(("year", "day"), SOLSTICE_DAYS_US_EASTERN.items())
def test_the_solstice_rule_gives_the_day_of_the_june_solstice_in_us_time(
    year: int, day: int
) -> None:
    window = AnnualRule.parse({"solstice": "june"}).window(year)
    assert window.start == window.end == date(year, 6, day)


def test_the_solstice_day_depends_on_the_clock_it_is_read_on() -> None:
    # 2025's solstice came at 02:42 UTC on 21 June: still 20 June in New York, 21 June in London.
    assert AnnualRule.parse({"solstice": "june"}).window(2025).start == date(2025, 6, 20)
    london = AnnualRule.parse({"solstice": "june", "utc_offset": 1})
    assert london.window(2025).start == date(2025, 6, 21)


@pytest.mark.parametrize(
    "when",
    [
        {"solstice": "december"},
        {"solstice": "june", "utc_offset": 15},
        {"solstice": "june", "utc_offset": "EST"},
    ],
)
def test_malformed_solstice_rules_are_refused(when: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        AnnualRule.parse(when)
