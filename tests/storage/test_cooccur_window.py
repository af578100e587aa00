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


def test_the_days_and_the_window_agree_whichever_tag_came_first(store: Store) -> None:
    # Pairs are stored once, the lower tag id (the tag seen first) first: #Zeta is seen before
    # the seeds, #Alpha after, so the seeds sit on both sides of their pairs, on days in and
    # out of the 30-day window.
    posts = [post("#Zeta #Other", at=NOW, by=1, days_ago=1)]
    for n, (text, days_ago) in enumerate(
        [
            ("#LCSM #Zeta", 0),
            ("#LCSM #LungCancer #Zeta", 3),
            ("#LungCancer #Alpha", 29),
            ("#Alpha #LCSM #Beta", 12),
            ("#LCSM #Alpha", 30),  # a day before the window
            ("#Beta #LungCancer", 7),
        ]
    ):
        posts.append(post(text, at=NOW, by=10 + n, days_ago=days_ago))
    store.save_posts(posts, [], now=NOW)
    seeds = ["lcsm", "lungcancer"]
    from_days = store.cooccurring(seeds, TODAY)
    two_most = store.cooccurring(seeds, TODAY, most=2)
    pairs = store.seed_pair_posts(seeds, TODAY)
    assert from_days == {"zeta": 3, "lungcancer": 1, "lcsm": 1, "alpha": 2, "beta": 2}
    assert pairs == 1
    store.rebuild_cooccur_window(TODAY)
    assert store.cooccurring(seeds, TODAY) == from_days
    assert store.cooccurring(seeds, TODAY, most=2) == two_most
    assert list(two_most) == ["zeta", "alpha"]  # ties go to the tag seen first
    assert store.seed_pair_posts(seeds, TODAY) == pairs
