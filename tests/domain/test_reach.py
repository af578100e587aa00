"""Grades are relative to the condition's own tags; trends come from figures four weeks apart."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.calendar import Window
from bot.domain.reach import (
    Guard,
    Measurement,
    TagReach,
    grade,
    graded_now,
    reach_from,
    use_line,
)

DAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("posts", "reference", "expected"),
    [
        (24_000, 24_000, "hot"),
        (6_000, 24_000, "hot"),  # a quarter of the busiest own tag
        (5_999, 24_000, "steady"),
        (480, 24_000, "steady"),  # 2%
        (479, 24_000, "quiet"),
        (24, 24_000, "quiet"),
        (23, 24_000, "unused"),  # under 0.1% of the busiest own tag
        (1, 30, "unused"),  # one post is nobody's habit
        (8, 30, "hot"),  # a rare disease's tags are graded against its own
        (2, 30, "steady"),
        (0, 0, "unused"),
    ],
)
def test_grades_are_relative_to_the_conditions_busiest_own_tag(
    posts: int, reference: int, expected: str
) -> None:
    assert grade(posts, reference) == expected


def test_a_steady_tag_rising_by_half_is_hot() -> None:
    assert grade(1_500, 24_000) == "steady"
    assert grade(1_500, 24_000, trend=0.5) == "hot"
    assert grade(900, 24_000, trend=2.0) == "steady"  # too small to be hot on a rise alone


def test_calendar_tags_are_graded_only_near_their_window() -> None:
    lcam = Window(date(2026, 11, 1), date(2026, 11, 30))
    assert not graded_now(lcam, date(2026, 3, 15))  # quiet by nature, not unused
    assert graded_now(lcam, date(2026, 10, 18))
    assert graded_now(lcam, date(2026, 12, 7))
    assert not graded_now(lcam, date(2026, 12, 8))
    assert graded_now(None, date(2026, 3, 15))


def test_the_trend_compares_this_week_with_the_figure_four_weeks_before() -> None:
    rows = [
        Measurement("x", 1_000, DAY - timedelta(days=30)),
        Measurement("x", 1_200, DAY - timedelta(days=27)),
        Measurement("x", 1_800, DAY),
        Measurement("bluesky", 600, DAY),
    ]
    reach = reach_from("lcsm", rows, DAY)
    assert reach is not None
    assert reach.now["x"].posts_7d == 1_800 and reach.before["x"].posts_7d == 1_200
    assert reach.trend == 0.5  # Bluesky wasn't measured then: left out of the comparison
    assert reach_from("lcsm", rows, DAY - timedelta(days=28)) is not None  # as of an earlier day
    assert reach_from("lcsm", rows, DAY + timedelta(days=31)) is None  # too old to say


def test_the_answer_line_rounds_big_figures_and_marks_a_floor() -> None:
    reach = TagReach(
        "lcsm",
        {
            "x": Measurement("x", 2_412, DAY),
            "bluesky": Measurement("bluesky", 300, DAY, at_least=True),
            "mastodon": Measurement("mastodon", 0, DAY, accounts_7d=0, instance="https://a.b"),
        },
    )
    assert use_line(reach) == "≈2,400 posts a week on X · 300+ on Bluesky"
    quiet = TagReach(
        "x", {"x": Measurement("x", 0, DAY), "bluesky": Measurement("bluesky", 0, DAY)}
    )
    assert use_line(quiet) == "no posts in the last 7 days on X or Bluesky"


def test_a_guard_matches_the_conditions_words_or_tags_not_parts_of_words() -> None:
    guard = Guard.of(["multiple sclerosis", "#MSWarrior"])
    assert guard.matches("Living with Multiple Sclerosis", {"ms"})
    assert guard.matches("Day 3", {"ms", "mswarrior"})
    assert not guard.matches("MS Teams is down", {"ms"})
    assert not Guard.of(["MS"]).matches("msn messenger", {"ms"})
