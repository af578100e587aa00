"""Facts that were checked against their sources and corrected: what a recruiter now sees."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.knowledge import Awareness, KnowledgeBase


def _event(kb: KnowledgeBase, event_id: str) -> Awareness:
    return next(e for e in kb.awareness if e.id == event_id)


@pytest.mark.parametrize(
    ("year", "day"),
    [
        (2020, date(2020, 6, 20)),
        (2024, date(2024, 6, 20)),
        (2025, date(2025, 6, 20)),
        (2026, date(2026, 6, 21)),
    ],
)
def test_the_longest_day_falls_on_the_summer_solstice_not_on_a_fixed_21_june(
    kb: KnowledgeBase, year: int, day: date
) -> None:
    window = _event(kb, "the-longest-day").rule.window(year)
    assert window.start == window.end == day
