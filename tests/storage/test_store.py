from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.storage import Store, StoreError
from bot.storage.migrations import migrations
from tests.factories import NOW, TODAY, author, post


def test_a_post_read_twice_is_stored_once_and_counted_once(store: Store) -> None:
    posts = [post("#LCSM chat tonight #LungCancer", at=NOW, by=i) for i in range(5)]
    first = store.save_posts(posts, [author(i) for i in range(5)], now=NOW)
    again = store.save_posts(posts, [author(i) for i in range(5)], now=NOW)
    assert (first.new_posts, again.new_posts, again.updated_posts) == (5, 0, 5)
    activity = store.tag_activity(["lcsm"], TODAY)["lcsm"]
    assert (activity.posts, activity.authors) == (5, 5)
    assert store.counts()["posts"] == 5


def test_activity_splits_the_last_two_weeks_for_the_trend(store: Store) -> None:
    posts = [post("#LCSM", at=NOW, by=1, days_ago=d) for d in (0, 1, 2, 8)]
    store.save_posts(posts, [], now=NOW)
    activity = store.tag_activity(["lcsm"], TODAY)["lcsm"]
    assert (activity.posts_7d, activity.posts_prev_7d) == (3, 1)
    assert activity.trend == 2.0


def test_cooccurrence_counts_posts_shared_with_seed_tags(store: Store) -> None:
    store.save_posts(
        [post("#LCSM #LungCancer", at=NOW), post("#LCSM #NSCLC", at=NOW), post("#NSCLC", at=NOW)],
        [],
        now=NOW,
    )
    assert store.cooccurring(["lcsm"], TODAY) == {"lungcancer": 1, "nsclc": 1}
    assert store.seed_pair_posts(["lcsm", "lungcancer"], TODAY) == 1


def test_an_answer_reads_only_the_most_shared_tags_and_the_same_ones_either_way(
    store: Store,
) -> None:
    shared = {"TagB": 3, "TagC": 2, "TagD": 1, "TagE": 2}
    posts = [
        post(f"#LCSM #{tag}", at=NOW, by=n, post_id=f"x:{tag}{n}")
        for tag, times in shared.items()
        for n in range(times)
    ]
    store.save_posts(posts, [], now=NOW)
    for rolled in (False, True):  # summed from the days, then read from the rolled window
        if rolled:
            store.rebuild_cooccur_window(TODAY)
        everything = store.cooccurring(["lcsm"], TODAY)
        assert everything == {"tagb": 3, "tagc": 2, "tagd": 1, "tage": 2}
        top = sorted(everything, key=lambda k: -everything[k])[:2]
        most = store.cooccurring(["lcsm"], TODAY, most=2)
        assert list(most.items()) == [(key, everything[key]) for key in top]


def test_opted_out_accounts_are_forgotten_and_never_stored_again(store: Store) -> None:
    store.save_posts([post("#LCSM hi", at=NOW, by=7)], [author(7)], now=NOW)
    result = store.save_posts(
        [post("#LCSM again", at=NOW, by=7)], [author(7, opted_out=True)], now=NOW
    )
    assert result.new_posts == 0 and result.skipped_opted_out == 1
    later = store.save_posts([post("#LCSM third", at=NOW, by=7)], [author(7)], now=NOW)
    assert later.new_posts == 0
    assert store.counts()["posts"] == 0 and store.counts()["authors"] == 0


def test_deleted_posts_disappear_from_text_search(store: Store) -> None:
    store.save_posts([post("mesothelioma support group #meso", at=NOW, post_id="x:1")], [], now=NOW)
    assert store.tags_in_text_matches("mesothelioma", TODAY)[0] == 1
    assert store.delete_posts(["x:1"]) == 1
    assert store.tags_in_text_matches("mesothelioma", TODAY) == (0, {})


def test_retention_drops_old_posts_but_keeps_aggregates(store: Store) -> None:
    store.save_posts(
        [post("#LCSM old", at=NOW, days_ago=10), post("#LCSM new", at=NOW)], [], now=NOW
    )
    assert store.expire_posts(before=NOW - timedelta(days=5)) == 1
    assert store.counts()["posts"] == 1
    assert store.tag_activity(["lcsm"], TODAY)["lcsm"].posts == 2


@pytest.mark.parametrize(
    "text", ["NEAR(", '"', "*", "AND OR NOT", "'; DROP TABLE posts;--", "😀", ""]
)
def test_text_search_never_raises_on_fts_syntax(store: Store, text: str) -> None:
    store.save_posts([post("NEAR AND OR words #x", at=NOW)], [], now=NOW)
    posts, _ = store.tags_in_text_matches(text, TODAY)
    assert posts in (0, 1)
    assert store.counts()["posts"] == 1


def test_writes_from_many_threads_all_land(store: Store) -> None:
    def write(worker: int) -> None:
        for n in range(20):
            store.save_posts(
                [post(f"#T{worker} n{n}", at=NOW, post_id=f"x:{worker}-{n}")], [], now=NOW
            )

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts()["posts"] == 120


def test_reopening_keeps_data_and_applies_migrations_once(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    first = Store(path)
    first.save_posts([post("#LCSM", at=NOW)], [], now=NOW)
    first.close()
    second = Store(path)
    assert second.counts()["posts"] == 1
    second.close()


def test_a_database_in_a_missing_folder_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "nowhere" / "db.sqlite")


def test_a_file_that_is_not_sqlite_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is not a database " * 100)
    with pytest.raises(StoreError, match="HASHTAG_BOT_DB"):
        Store(path)


def test_topics_are_tracked_once_per_channel(store: Store) -> None:
    assert store.track("C1", "Lung cancer", condition_id="lung-cancer", created_by="U1", now=NOW)
    assert not store.track(
        "C1", "lung  CANCER", condition_id="lung-cancer", created_by="U2", now=NOW
    )
    assert store.track("C2", "lung cancer", condition_id="lung-cancer", created_by="U1", now=NOW)
    assert [t.channel_id for t in store.topics()] == ["C1", "C2"]
    assert store.untrack("C1", "LUNG cancer")
    assert [t.channel_id for t in store.topics()] == ["C2"]


def test_unique_authors_count_people_once_across_days_and_forget_opt_outs(store: Store) -> None:
    posts = [post("#LCSM", at=NOW, by=1, days_ago=d) for d in (0, 3, 12, 40)]
    posts += [post("#LCSM", at=NOW, by=2, days_ago=35)]  # outside the 30-day window
    store.save_posts(posts, [], now=NOW)
    store.save_posts([post("#LCSM", at=NOW, by=3, days_ago=1)], [], now=NOW)
    assert store.tag_activity(["lcsm"], TODAY)["lcsm"].authors == 2
    store.forget_authors([("x:u3", "asked to be forgotten")], now=NOW)
    assert store.tag_activity(["lcsm"], TODAY)["lcsm"].authors == 1


def test_recent_posts_count_the_same_30_days_as_every_other_figure(store: Store) -> None:
    store.save_posts([post("#LCSM", at=NOW, days_ago=d) for d in (0, 29, 30)], [], now=NOW)
    assert store.recent_posts(TODAY) == 2


def test_a_database_from_before_the_leaner_rows_keeps_its_figures(tmp_path: Path) -> None:
    path = tmp_path / "older.db"
    older = Database(path)
    migrations.apply(older, stop_before="0003_leaner_rows_for_faster_imports")
    older.execute("INSERT INTO tags (id, key) VALUES (1, 'lcsm'), (2, 'lungcancer')")
    day = TODAY.toordinal()
    older.execute(
        "INSERT INTO posts (id, source, author_id, text, created_at, day, fetched_at)"
        " VALUES ('x:1', 'x', 'x:u1', 'mesothelioma chat #LCSM #LungCancer', ?, ?, ?)",
        [NOW.isoformat(), TODAY.isoformat(), NOW.isoformat()],
    )
    older.execute("INSERT INTO posts_fts (rowid, text) SELECT rowid, text FROM posts")
    older.execute("INSERT INTO post_hashtags VALUES ('x:1', 1, 'LCSM'), ('x:1', 2, 'LungCancer')")
    older.execute("INSERT INTO cooccur_daily VALUES (1, ?, 2, 1), (2, ?, 1, 1)", [day, day])
    older.conn.commit()
    older.close()
    store = Store(path)
    try:
        assert store.cooccurring(["lcsm"], TODAY) == {"lungcancer": 1}
        assert store.tags_in_text_matches("mesothelioma", TODAY) == (
            1,
            {"lcsm": 1, "lungcancer": 1},
        )
        store.save_posts([post("#LCSM #LungCancer again", at=NOW)], [], now=NOW)
        assert store.cooccurring(["lungcancer"], TODAY) == {"lcsm": 2}
    finally:
        store.close()


def test_a_post_stuffed_with_tags_pairs_only_its_first_ten(store: Store) -> None:
    tags = " ".join(f"#Tag{letter}" for letter in "LKJIHGFEDCBA")  # keys sort a…l
    first = store.save_posts([post(tags, at=NOW)], [], now=NOW)
    assert first.new_posts == 1
    assert len(store.cooccurring(["taga"], TODAY)) == 9  # b…j: the first ten keys in order
    assert store.cooccurring(["tagk"], TODAY) == {}
    assert store.tag_activity(["tagk"], TODAY)["tagk"].posts == 1  # still counted as used
    again = store.save_posts([post(tags, at=NOW, by=2)], [], now=NOW)
    assert again.new_posts == 1 and store.cooccurring(["taga"], TODAY)["tagj"] == 2


def test_a_batch_mixing_stored_and_new_posts_counts_only_the_new(store: Store) -> None:
    known = [post("#LCSM #LungCancer", at=NOW, by=n, likes=1) for n in range(2)]
    store.save_posts(known, [author(n) for n in range(2)], now=NOW)
    fresh = post("#lcsm #NSCLC", at=NOW, by=5, likes=4)
    result = store.save_posts([*known, fresh], [author(5)], now=NOW)
    assert (result.new_posts, result.updated_posts) == (1, 2)
    activity = store.tag_activity(["lcsm"], TODAY)["lcsm"]
    assert (activity.posts, activity.authors, activity.engagement) == (3, 3, 6)
    assert activity.forms == {"LCSM": 2, "lcsm": 1}
    assert store.cooccurring(["lcsm"], TODAY) == {"lungcancer": 2, "nsclc": 1}
