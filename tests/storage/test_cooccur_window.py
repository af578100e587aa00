from __future__ import annotations

from datetime import timedelta

from bot.storage import Store
from tests.factories import NOW, TODAY, post


def test_the_window_and_the_daily_sums_agree_as_posts_arrive(store: Store) -> None:
    store.save_posts(
        [post("#LCSM #LungCancer", at=NOW, by=n, days_ago=n) for n in range(40)], [], now=NOW
    )
    daily = store.cooccurring(["lcsm"], TODAY)  # no window yet: summed from the days
    assert daily == {"lungcancer": 30}
    assert store.rebuild_cooccur_window(TODAY)
    assert not store.rebuild_cooccur_window(TODAY)  # already ends today
    assert store.cooccurring(["lcsm"], TODAY) == daily
    store.save_posts([post("#LCSM #LungCancer #NSCLC", at=NOW, by=99)], [], now=NOW)
    assert store.cooccurring(["lcsm"], TODAY) == {"lungcancer": 31, "nsclc": 1}
    assert store.seed_pair_posts(["lcsm", "lungcancer"], TODAY) == 31


def test_an_answer_for_another_day_reads_the_days_not_the_window(store: Store) -> None:
    store.save_posts([post("#LCSM #LungCancer", at=NOW, days_ago=d) for d in (0, 20)], [], now=NOW)
    store.rebuild_cooccur_window(TODAY)
    earlier = TODAY - timedelta(days=15)
    assert store.cooccurring(["lcsm"], earlier) == {"lungcancer": 1}
    assert store.cooccurring(["lcsm"], TODAY) == {"lungcancer": 2}


def test_rolling_forward_drops_days_that_left_the_window(store: Store) -> None:
    store.save_posts([post("#LCSM #LungCancer", at=NOW, days_ago=d) for d in (0, 29)], [], now=NOW)
    store.rebuild_cooccur_window(TODAY)
    assert store.cooccurring(["lcsm"], TODAY) == {"lungcancer": 2}
    store.rebuild_cooccur_window(TODAY + timedelta(days=1))
    assert store.cooccurring(["lcsm"], TODAY + timedelta(days=1)) == {"lungcancer": 1}
