"""Removing posts that were unsaid: deleted at the source, replaced by an edit, or posted by an
account that is forgotten. They leave the aggregates too, as staging put them in, so counts,
people and pairs read as if the post had never been stored.

Retention doesn't come here: expired posts were said, and the trends behind answers keep them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date

from bot.domain.activity import WINDOW_DAYS
from bot.domain.hashtags import extract_hashtags, tag_key
from bot.storage.sql import chunks, marks, rows_in
from bot.storage.staging import Totals


def delete_posts(conn: sqlite3.Connection, post_ids: Sequence[str], window_day: int | None) -> int:
    """Posts, their hashtag rows and their part of every aggregate (the full-text rows go by
    trigger); how many posts were stored. `window_day`: the co-occurrence window's last day."""
    deleted = 0
    for chunk in chunks(list(post_ids)):
        _subtract(conn, chunk, window_day)
        in_list = marks(chunk)
        conn.execute(f"DELETE FROM post_hashtags WHERE post_id IN ({in_list})", chunk)
        deleted += conn.execute(f"DELETE FROM posts WHERE id IN ({in_list})", chunk).rowcount
    return deleted


def _subtract(conn: sqlite3.Connection, post_ids: Sequence[str], window_day: int | None) -> None:
    in_list = marks(post_ids)
    uses: dict[str, list[int]] = {}
    for post_id, tag_id in conn.execute(
        f"SELECT post_id, tag_id FROM post_hashtags WHERE post_id IN ({in_list})", post_ids
    ):
        uses.setdefault(post_id, []).append(tag_id)
    if not uses:
        return
    tag_ids = sorted({t for tags in uses.values() for t in tags})  # a tag's kid is its index
    key_of = dict(rows_in(conn, "SELECT id, key FROM tags WHERE id IN ({in_list})", tag_ids))
    kid_of = {tag_id: kid for kid, tag_id in enumerate(tag_ids)}
    totals = Totals([key_of[t] for t in tag_ids])
    for post_id, author, day, engagement, text in conn.execute(
        "SELECT id, author_id, day, likes + reposts + replies + quotes, text FROM posts"
        f" WHERE id IN ({in_list})",
        post_ids,
    ):
        if post_id in uses:
            # The spelling staging kept is the first one written; the text says which it was.
            written = {tag_key(t): t for t in reversed(extract_hashtags(text))}
            tags = [(kid_of[t], written.get(key_of[t], "")) for t in uses[post_id]]
            totals.add(author, date.fromisoformat(day).toordinal(), engagement, tags)
    _apply(conn, totals, tag_ids, window_day)


def _apply(
    conn: sqlite3.Connection, totals: Totals, tag_ids: list[int], window_day: int | None
) -> None:
    conn.executemany(
        "UPDATE hashtag_daily SET posts = posts - ?, engagement = engagement - ?"
        " WHERE tag_id = ? AND day = ?",
        [(n, e, tag_ids[k], d) for (k, d), (n, e) in totals.daily.items()],
    )
    forms = [(n, tag_ids[k], form) for (k, form), n in totals.forms.items() if form]
    conn.executemany(
        "UPDATE hashtag_forms SET posts = posts - ? WHERE tag_id = ? AND form = ?", forms
    )
    conn.executemany(
        "DELETE FROM hashtag_forms WHERE tag_id = ? AND form = ? AND posts <= 0",
        [row[1:] for row in forms],
    )
    authors = [(n, tag_ids[k], author) for (k, author), (_, n) in totals.authors.items()]
    conn.executemany(
        "UPDATE hashtag_authors SET posts = posts - ? WHERE tag_id = ? AND author_id = ?", authors
    )
    # A person with no post left on a tag is no longer one of its people (the trigger keeps the
    # per-day histogram in step); one with others keeps the last day stored.
    conn.executemany(
        "DELETE FROM hashtag_authors WHERE tag_id = ? AND author_id = ? AND posts <= 0",
        [row[1:] for row in authors],
    )
    pairs = [(n, d, tag_ids[a], tag_ids[b]) for (d, a, b), n in totals.pairs.items()]
    conn.executemany(
        "UPDATE cooccur_days SET posts = posts - ? WHERE day = ? AND tag_id = ? AND other_id = ?",
        pairs,
    )
    if window_day is None:
        return
    in_window = [p for p in pairs if window_day - WINDOW_DAYS < p[1] <= window_day]
    conn.executemany(
        "UPDATE cooccur_window SET posts = posts - ? WHERE tag_id = ? AND other_id = ?",
        [(n, a, b) for n, _, a, b in in_window] + [(n, b, a) for n, _, a, b in in_window],
    )
