"""A database written before migration 0007 (expired shares) opens on today's code with its history
whole: every count a person sees stays as it was, `hashtag-bot check` finds them adding up, and
what the bot does afterwards (deletions, retention, opt-outs) keeps them adding up."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlite_utils import Database

from bot.cli import main
from bot.domain.activity import TagActivity
from bot.domain.digest import Volume
from bot.storage import Store
from bot.storage.migrations import migrations
from tests.factories import NOW, TODAY

BEFORE_EXPIRED_SHARES = "0007_counts_a_recount_can_check"
DAY = TODAY.toordinal()
LCSM, LUNG_CANCER, NSCLC = 1, 2, 3

# The aggregates' columns as the code before 0007 wrote them, key first.
OLD_COLUMNS = {
    "hashtag_daily": "tag_id, day, posts, engagement",
    "hashtag_forms": "tag_id, form, posts",
    "hashtag_authors": "tag_id, author_id, last_day, posts",
    "hashtag_author_days": "tag_id, last_day, authors",
    "cooccur_days": "day, tag_id, other_id, posts",
    "cooccur_window": "tag_id, other_id, posts",
}


def write_as_before_expired_shares(db: Database) -> None:
    """What the bot had stored after a month and more of listening with a week's retention.

    Three posts are still stored (1, 2 and 3 days old). The aggregates also hold what expired
    posts gave: 2 posts with #LCSM #LungCancer by u3 10 days ago, 1 #LCSM post by u2 20 days
    ago, and 3 #LCSM posts by u4 40 days ago (outside the 30-day window answers read).
    """
    db.execute(
        "INSERT INTO tags (id, key) VALUES (?, 'lcsm'), (?, 'lungcancer'), (?, 'nsclc')",
        [LCSM, LUNG_CANCER, NSCLC],
    )
    stored = [  # id, author, days ago, text, likes, reposts, replies, tags
        ("x:1", "x:u1", 1, "#LCSM #LungCancer", 3, 0, 0, (LCSM, LUNG_CANCER)),
        ("x:2", "x:u2", 2, "#lcsm support", 1, 1, 0, (LCSM,)),
        ("x:3", "x:u1", 3, "#LCSM #NSCLC #LungCancer", 0, 0, 2, (LCSM, LUNG_CANCER, NSCLC)),
    ]
    for post_id, author_id, days_ago, text, likes, reposts, replies, tags in stored:
        at = NOW - timedelta(days=days_ago)
        db.table("posts").insert(
            {
                "id": post_id,
                "source": "x",
                "author_id": author_id,
                "text": text,
                "created_at": at.isoformat(),
                "day": at.date().isoformat(),
                "likes": likes,
                "reposts": reposts,
                "replies": replies,
                "fetched_at": NOW.isoformat(),
            }
        )
        for tag_id in tags:  # no spelling column before 0007
            db.execute(
                "INSERT INTO post_hashtags (post_id, tag_id) VALUES (?, ?)", [post_id, tag_id]
            )
    db.execute("INSERT INTO posts_fts (rowid, text) SELECT rowid, text FROM posts")
    db.conn.executemany(
        "INSERT INTO hashtag_daily VALUES (?, ?, ?, ?)",
        [
            (LCSM, DAY - 1, 1, 3),
            (LCSM, DAY - 2, 1, 2),
            (LCSM, DAY - 3, 1, 2),
            (LCSM, DAY - 10, 2, 5),
            (LCSM, DAY - 20, 1, 4),
            (LCSM, DAY - 40, 3, 0),
            (LUNG_CANCER, DAY - 1, 1, 3),
            (LUNG_CANCER, DAY - 3, 1, 2),
            (LUNG_CANCER, DAY - 10, 2, 5),
            (NSCLC, DAY - 3, 1, 2),
        ],
    )
    db.conn.executemany(
        "INSERT INTO hashtag_forms VALUES (?, ?, ?)",
        [(LCSM, "LCSM", 6), (LCSM, "lcsm", 3), (LUNG_CANCER, "LungCancer", 4), (NSCLC, "NSCLC", 1)],
    )
    db.conn.executemany(  # the per-day histogram of people follows by trigger
        "INSERT INTO hashtag_authors VALUES (?, ?, ?, ?)",
        [
            (LCSM, "x:u1", DAY - 1, 2),
            (LCSM, "x:u2", DAY - 2, 2),
            (LCSM, "x:u3", DAY - 10, 2),
            (LCSM, "x:u4", DAY - 40, 3),
            (LUNG_CANCER, "x:u1", DAY - 1, 2),
            (LUNG_CANCER, "x:u3", DAY - 10, 2),
            (NSCLC, "x:u1", DAY - 3, 1),
        ],
    )
    db.conn.executemany(  # each pair once a day, the lower tag id first
        "INSERT INTO cooccur_days VALUES (?, ?, ?, ?)",
        [
            (DAY - 1, LCSM, LUNG_CANCER, 1),
            (DAY - 3, LCSM, LUNG_CANCER, 1),
            (DAY - 3, LCSM, NSCLC, 1),
            (DAY - 3, LUNG_CANCER, NSCLC, 1),
            (DAY - 10, LCSM, LUNG_CANCER, 2),
        ],
    )
    db.conn.executemany(  # the 30 days up to today, both directions
        "INSERT INTO cooccur_window VALUES (?, ?, ?)",
        [
            (LCSM, LUNG_CANCER, 4),
            (LUNG_CANCER, LCSM, 4),
            (LCSM, NSCLC, 1),
            (NSCLC, LCSM, 1),
            (LUNG_CANCER, NSCLC, 1),
            (NSCLC, LUNG_CANCER, 1),
        ],
    )
    db.execute("INSERT INTO window_state VALUES (1, ?)", [DAY])


def activity(
    tag: str,
    posts: int,
    people: int,
    engagement: int,
    week: int,
    week_before: int,
    forms: dict[str, int],
) -> TagActivity:
    return TagActivity(
        tag_key=tag,
        posts=posts,
        authors=people,
        engagement=engagement,
        posts_7d=week,
        posts_prev_7d=week_before,
        forms=forms,
    )


def old_columns(db: Database) -> dict[str, list[tuple[object, ...]]]:
    return {
        table: db.execute(f"SELECT {columns} FROM {table} ORDER BY {columns}").fetchall()
        for table, columns in OLD_COLUMNS.items()
    }


def test_an_upgrade_from_before_expired_shares_keeps_every_count_and_checks_clean() -> None:
    path = Path(os.environ["HASHTAG_BOT_DB"])  # the database `hashtag-bot check` opens
    older = Database(path)
    migrations.apply(older, stop_before=BEFORE_EXPIRED_SHARES)
    write_as_before_expired_shares(older)
    older.conn.commit()
    before = old_columns(older)
    older.close()

    store = Store(path)  # applies 0007 and every migration after it
    try:
        upgraded = Database(store.conns.db().conn)
        assert migrations.pending(upgraded) == []
        assert old_columns(upgraded) == before  # not one stored count moved
        assert store.recount() == []

        # What answers show: the 30 days up to today, expired posts and all.
        assert store.tag_activity(["lcsm", "lungcancer", "nsclc"], TODAY) == {
            "lcsm": activity("lcsm", 6, 3, 16, 3, 2, {"LCSM": 6, "lcsm": 3}),
            "lungcancer": activity("lungcancer", 4, 2, 10, 2, 2, {"LungCancer": 4}),
            "nsclc": activity("nsclc", 1, 1, 2, 1, 0, {"NSCLC": 1}),
        }
        assert store.cooccurring(["lcsm"], TODAY) == {"lungcancer": 4, "nsclc": 1}
        assert store.cooccurring(["lcsm"], TODAY - timedelta(days=1)) == {
            "lungcancer": 4,
            "nsclc": 1,
        }  # an --as-of answer sums the days themselves
        assert store.topic_volume(["lcsm", "lungcancer"], TODAY) == Volume(
            posts_7d=3, posts_prev_7d=2, authors_7d=2, posts_last_day=0
        )  # a post with both tags counts once
    finally:
        store.close()

    checked = CliRunner().invoke(main, ["check"])
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("Counts add up")

    store = Store(path)  # and what the bot does from here on keeps the counts adding up
    try:
        store.delete_posts(["x:3"])  # deleted at the source: its share goes, history stays
        lcsm = store.tag_activity(["lcsm"], TODAY)["lcsm"]
        assert (lcsm.posts, lcsm.authors, lcsm.engagement) == (5, 3, 14)
        assert store.cooccurring(["lcsm"], TODAY) == {"lungcancer": 3}
        assert store.recount() == []
        kept = store.tag_activity(["lcsm", "lungcancer"], TODAY)
        store.expire_posts(before=NOW - timedelta(days=1))  # retention drops x:2, keeps its count
        assert store.counts()["posts"] == 1
        assert store.tag_activity(["lcsm", "lungcancer"], TODAY) == kept
        assert store.recount() == []
        store.forget_authors([("x:u3", "asked to be forgotten")], now=NOW)
        lcsm = store.tag_activity(["lcsm"], TODAY)["lcsm"]
        assert (lcsm.posts, lcsm.authors) == (5, 2)  # the posts stay counted, the person not
        assert store.recount() == []
    finally:
        store.close()
