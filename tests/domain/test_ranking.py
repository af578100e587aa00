"""Ranking never crashes on an odd figure: counts below zero (drift) or zero give sane scores."""

from __future__ import annotations

import math

from bot.domain.activity import TagActivity
from bot.services.suggestions import Suggester
from bot.storage import Store
from tests.factories import NOW, TODAY, post


def test_a_count_below_zero_reads_as_none() -> None:
    odd = TagActivity("lcsm", posts=-2, authors=-1, engagement=-40, forms={"LCSM": -1, "lcsm": 2})
    assert (odd.posts, odd.authors, odd.engagement, odd.forms) == (0, 0, 0, {"lcsm": 2})


def test_suggestions_still_come_when_stored_counts_went_below_zero(
    store: Store, suggester: Suggester
) -> None:
    store.save_posts(
        [post("#LCSM #LungCancer", at=NOW, by=n, likes=5) for n in range(3)]
        + [post("#LCSM #NSCLC", at=NOW, by=n) for n in range(3)],
        [],
        now=NOW,
    )
    conn = store.conns.db().conn
    with conn:  # what the refresh-then-delete bug left behind
        conn.execute("UPDATE hashtag_daily SET engagement = -120")
        conn.execute(
            "UPDATE hashtag_daily SET posts = -1 WHERE tag_id = (SELECT id FROM tags WHERE key = 'nsclc')"
        )
    result = suggester.suggest("lung cancer", today=TODAY)
    assert [s.tag for s in result.suggestions][:2] == ["LCSM", "LungCancer"]
    for suggestion in result.suggestions:
        assert math.isfinite(suggestion.score) and suggestion.score >= 0
        assert not any("Used in -" in reason for reason in suggestion.reasons)
    assert all(
        s.as_json()["stats"] is None or s.as_json()["stats"]["engagement"] >= 0
        for s in result.suggestions
    )


def test_zero_everywhere_scores_without_dividing_by_zero(
    store: Store, suggester: Suggester
) -> None:
    store.save_posts([post("#LCSM", at=NOW)], [], now=NOW)
    store.delete_posts([p for (p,) in store.conns.db().conn.execute("SELECT id FROM posts")])
    result = suggester.suggest("lung cancer", today=TODAY)
    assert result.suggestions and all(math.isfinite(s.score) for s in result.suggestions)
