"""A post deleted at the source, replaced by an edit or forgotten with its account stops counting:
posts, people, spellings and tags seen together read as if it had never been stored."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage import Store
from tests.factories import NOW, TODAY, author, post

TAGS = [f"#Tag{n}" for n in range(12)]


@pytest.fixture
def lcsm(store: Store) -> list[str]:
    """Three #LCSM posts by two people, one of them also #LungCancer; their ids."""
    posts = [
        post("Our #LCSM chat tonight", at=NOW, by=1, likes=4),
        post("Screening saves lives #LungCancer #lcsm", at=NOW, by=2, likes=10, days_ago=1),
        post("Scan day again #LCSM", at=NOW, by=2, likes=1, days_ago=8),
    ]
    store.save_posts(posts, [author(1), author(2)], now=NOW)
    return [p.id for p in posts]


def test_a_deleted_post_stops_counting_for_posts_people_spellings_and_pairs(
    store: Store, lcsm: list[str]
) -> None:
    store.rebuild_cooccur_window(TODAY)  # answers for today read the 30-day window
    before = store.tag_activity(["lcsm", "lungcancer"], TODAY)
    assert (before["lcsm"].posts, before["lcsm"].authors, before["lcsm"].engagement) == (3, 2, 15)
    assert before["lcsm"].forms == {"LCSM": 2, "lcsm": 1}
    assert store.cooccurring(["lcsm"], TODAY) == {"lungcancer": 1}

    assert store.delete_posts([lcsm[1]]) == 1
    after = store.tag_activity(["lcsm", "lungcancer"], TODAY)
    assert (after["lcsm"].posts, after["lcsm"].authors, after["lcsm"].engagement) == (2, 2, 5)
    assert (after["lcsm"].posts_7d, after["lcsm"].posts_prev_7d) == (1, 1)
    assert after["lcsm"].forms == {"LCSM": 2}
    assert (after["lungcancer"].posts, after["lungcancer"].authors) == (0, 0)
    assert store.cooccurring(["lcsm"], TODAY) == {}
    assert store.cooccurring(["lcsm"], TODAY - timedelta(days=1)) == {}  # summed from the days

    store.delete_posts([lcsm[2]])  # the second person's last #LCSM post
    assert store.tag_activity(["lcsm"], TODAY)["lcsm"].authors == 1


def test_deleting_a_post_twice_or_one_never_stored_changes_nothing(
    store: Store, lcsm: list[str]
) -> None:
    store.delete_posts([lcsm[0]])
    once = store.tag_activity(["lcsm"], TODAY)["lcsm"]
    assert store.delete_posts([lcsm[0], "x:never-stored"]) == 0
    assert store.tag_activity(["lcsm"], TODAY)["lcsm"] == once


def test_a_forgotten_account_leaves_the_counts_with_its_posts(
    store: Store, lcsm: list[str]
) -> None:
    store.forget_authors([("x:u2", "profile opts out")], now=NOW)
    activity = store.tag_activity(["lcsm"], TODAY)["lcsm"]
    assert (activity.posts, activity.authors, activity.engagement) == (1, 1, 4)


def test_retention_keeps_the_counts_behind_trends(store: Store, lcsm: list[str]) -> None:
    before = store.tag_activity(["lcsm"], TODAY)["lcsm"]
    assert store.expire_posts(before=NOW - timedelta(days=5)) == 1
    assert store.tag_activity(["lcsm"], TODAY)["lcsm"] == before


def test_a_post_with_more_tags_than_are_paired_leaves_exactly_the_pairs_it_made(
    store: Store,
) -> None:
    stuffed = post(" ".join(TAGS), at=NOW, by=1)
    kept = post("#Tag0 #Tag1", at=NOW, by=2)
    store.save_posts([stuffed, kept], [], now=NOW)
    store.rebuild_cooccur_window(TODAY)
    assert store.cooccurring(["tag0"], TODAY)["tag1"] == 2
    store.delete_posts([stuffed.id])
    assert store.cooccurring(["tag0"], TODAY) == {"tag1": 1}
    assert store.cooccurring(["tag11"], TODAY) == {}


def test_a_refreshed_post_moves_engagement_and_its_removal_takes_away_what_is_counted(
    store: Store,
) -> None:
    first = post("Scan results #LCSM", at=NOW, by=1, likes=2)
    other = post("Support #LCSM", at=NOW, by=2, likes=3)
    store.save_posts([first, other], [author(1), author(2)], now=NOW)
    first.likes = 40  # collection reads it again a cycle later
    store.save_posts([first], [author(1)], now=NOW)
    assert store.tag_activity(["lcsm"], TODAY)["lcsm"].engagement == 43
    store.delete_posts([first.id])  # then X says it was deleted
    activity = store.tag_activity(["lcsm"], TODAY)["lcsm"]
    assert (activity.posts, activity.engagement) == (1, 3)


def test_deleting_a_persons_latest_post_moves_their_last_day_back(store: Store) -> None:
    early = post("#LCSM", at=NOW, by=1, days_ago=40)
    latest = post("#LCSM", at=NOW, by=1)
    store.save_posts([early, latest], [author(1)], now=NOW)
    assert store.tag_activity(["lcsm"], TODAY)["lcsm"].authors == 1
    store.delete_posts([latest.id])
    assert store.tag_activity(["lcsm"], TODAY)["lcsm"].authors == 0  # not active this month
    assert store.recount() == []


def test_a_spelling_only_the_platform_names_leaves_with_its_post(store: Store) -> None:
    tagged = post("New results today", at=NOW, by=1)
    tagged.hashtags = ("LungCancer",)  # a Bluesky-style tag the text doesn't say
    plain = post("#lungcancer", at=NOW, by=2)
    store.save_posts([tagged, plain], [], now=NOW)
    assert store.tag_activity(["lungcancer"], TODAY)["lungcancer"].forms == {
        "LungCancer": 1,
        "lungcancer": 1,
    }
    store.delete_posts([tagged.id])
    assert store.tag_activity(["lungcancer"], TODAY)["lungcancer"].forms == {"lungcancer": 1}


def test_counts_of_expired_posts_stay_when_their_account_is_forgotten_later(
    store: Store, lcsm: list[str]
) -> None:
    store.expire_posts(before=NOW - timedelta(days=5))  # the 8-day-old post by x:u2 expires
    store.forget_authors([("x:u2", "asked to be forgotten")], now=NOW)
    activity = store.tag_activity(["lcsm"], TODAY)["lcsm"]
    assert (activity.posts, activity.authors, activity.engagement) == (2, 1, 5)
    assert store.recount() == []
