"""Removing posts that were unsaid: deleted at the source, replaced by an edit, or posted by an
account that is forgotten. They leave the aggregates too, exactly their share (recount.py's
SQL, the same a recount uses), so counts, people and pairs read as if the post had never been
stored.

Retention doesn't come here: expired posts were said, and the trends behind answers keep them
(`expire_posts` moves their share into the aggregates' expired share instead).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bot.domain.activity import WINDOW_DAYS
from bot.storage.recount import collect_shares, drop_shares, ordinal
from bot.storage.sql import chunks, marks, named

GONE = "gone"  # the temp tables holding the removed posts' share


def delete_posts(conn: sqlite3.Connection, post_ids: Sequence[str], window_day: int | None) -> int:
    """Posts, their hashtag rows and their share of every aggregate (the full-text rows go by
    trigger); how many posts were stored. `window_day`: the co-occurrence window's last day."""
    deleted = 0
    for chunk in chunks(list(post_ids)):
        in_list = marks(chunk)
        collect_shares(conn, f"p.id IN ({in_list})", chunk, GONE)
        try:
            conn.execute(f"DELETE FROM post_hashtags WHERE post_id IN ({in_list})", chunk)
            deleted += conn.execute(f"DELETE FROM posts WHERE id IN ({in_list})", chunk).rowcount
            _subtract(conn, window_day)
        finally:
            drop_shares(conn, GONE)
    return deleted


def _subtract(conn: sqlite3.Connection, window_day: int | None) -> None:
    """Take the share in temp.gone_* away; the posts themselves are gone already."""
    conn.execute(
        "UPDATE hashtag_daily SET posts = hashtag_daily.posts - g.posts,"
        " engagement = hashtag_daily.engagement - g.engagement"
        " FROM temp.gone_daily g WHERE hashtag_daily.tag_id = g.tag_id AND hashtag_daily.day = g.day"
    )
    conn.execute(
        "UPDATE hashtag_forms SET posts = hashtag_forms.posts - g.posts FROM temp.gone_forms g"
        " WHERE hashtag_forms.tag_id = g.tag_id AND hashtag_forms.form = g.form"
    )
    conn.execute(
        "DELETE FROM hashtag_forms WHERE posts <= 0 AND (tag_id, form) IN"
        " (SELECT tag_id, form FROM temp.gone_forms)"
    )
    _people(conn)
    conn.execute(
        "UPDATE cooccur_days SET posts = cooccur_days.posts - g.posts FROM temp.gone_pairs g"
        " WHERE cooccur_days.day = g.day AND cooccur_days.tag_id = g.tag_id"
        " AND cooccur_days.other_id = g.other_id"
    )
    if window_day is None:
        return
    conn.execute(  # the window holds both directions
        "UPDATE cooccur_window SET posts = cooccur_window.posts - g.posts FROM ("
        " SELECT a, b, SUM(posts) AS posts FROM ("
        "  SELECT tag_id AS a, other_id AS b, posts FROM temp.gone_pairs WHERE day > ?1 AND day <= ?2"
        "  UNION ALL"
        "  SELECT other_id, tag_id, posts FROM temp.gone_pairs WHERE day > ?1 AND day <= ?2)"
        " GROUP BY a, b) g WHERE cooccur_window.tag_id = g.a AND cooccur_window.other_id = g.b",
        (window_day - WINDOW_DAYS, window_day),
    )


def _people(conn: sqlite3.Connection) -> None:
    """A person with no post left on a tag is no longer one of its people (the triggers keep the
    per-day histogram in step); one with others has the last day of those, or of expired ones."""
    gone = (
        named(conn)
        .execute("SELECT tag_id, author_id, last_day, posts FROM temp.gone_authors")
        .fetchall()
    )
    conn.executemany(
        "UPDATE hashtag_authors SET posts = posts - ? WHERE tag_id = ? AND author_id = ?",
        [(row["posts"], row["tag_id"], row["author_id"]) for row in gone],
    )
    conn.executemany(
        "DELETE FROM hashtag_authors WHERE tag_id = ? AND author_id = ? AND posts <= 0",
        [(row["tag_id"], row["author_id"]) for row in gone],
    )
    stale = []  # (tag, person, expired last day) whose last day may have been the removed post's
    for removed in gone:
        row = (
            named(conn)
            .execute(
                "SELECT last_day, expired_last_day FROM hashtag_authors"
                " WHERE tag_id = ? AND author_id = ?",
                (removed["tag_id"], removed["author_id"]),
            )
            .fetchone()
        )
        if row is not None and row["last_day"] == removed["last_day"]:
            stale.append((removed["tag_id"], removed["author_id"], row["expired_last_day"]))
    if not stale:
        return
    conn.execute("DROP TABLE IF EXISTS temp.stale_people")
    conn.execute(
        "CREATE TEMP TABLE stale_people (tag_id, author_id, PRIMARY KEY (tag_id, author_id))"
    )
    conn.executemany(
        "INSERT INTO temp.stale_people VALUES (?, ?)",
        [(tag_id, author) for tag_id, author, _ in stale],
    )
    # One pass over the posts (there is no index by author: imports would pay for it on every
    # post), not one search per person.
    latest = {
        (row["tag_id"], row["author_id"]): row["last_day"]
        for row in named(conn).execute(
            f"SELECT h.tag_id, p.author_id, {ordinal('MAX(p.day)')} AS last_day FROM posts p"
            " CROSS JOIN post_hashtags h ON h.post_id = p.id"
            " WHERE p.author_id IN (SELECT author_id FROM temp.stale_people)"
            " AND (h.tag_id, p.author_id) IN (SELECT tag_id, author_id FROM temp.stale_people)"
            " GROUP BY h.tag_id, p.author_id"
        )
    }
    conn.execute("DROP TABLE temp.stale_people")
    conn.executemany(
        "UPDATE hashtag_authors SET last_day = ? WHERE tag_id = ? AND author_id = ?",
        [
            (max(latest.get((tag_id, author), 0), expired_day), tag_id, author)
            for tag_id, author, expired_day in stale
        ],
    )
