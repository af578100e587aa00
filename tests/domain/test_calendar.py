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
