"""Reads for suggestions: tag activity, co-occurrence and text search, all from aggregates."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Collection
from datetime import date, timedelta

from bot.domain.activity import WINDOW_DAYS, TagActivity
from bot.storage.connection import Connections
from bot.storage.cooccur import CooccurWindow
from bot.storage.sql import chunks, marks, named
from bot.storage.tag_ids import TagIds

_FTS_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_phrase_query(text: str, *, max_terms: int = 12) -> str | None:
    """A safe FTS5 query from free text: each word quoted, so operators are just words."""
    words = _FTS_TOKEN.findall(text)[:max_terms]
    if not words:
        return None
    return " ".join(f'"{w}"' for w in words)


def rows_saying(
    conn: sqlite3.Connection, text: str, first: date, last: date, *, columns: str, max_posts: int
) -> list[sqlite3.Row]:
    """`columns` of posts `p` (by name) from `first` to `last` whose text says these words, among
    the newest `max_posts` that do; none when the text has no words."""
    query = fts_phrase_query(text)
    if query is None:
        return []
    return (
        named(conn)
        .execute(
            f"SELECT {columns} FROM (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?"
            " ORDER BY rowid DESC LIMIT ?) m JOIN posts p ON p.rowid = m.rowid"
            " WHERE p.day >= ? AND p.day <= ?",
            [query, max_posts, first.isoformat(), last.isoformat()],
        )
        .fetchall()
    )


def _most_shared(most: int | None) -> str:
    """The tail of a co-occurrence read grouped by the other tag: only tags that shared a post,
    and with `most`, the most shared first, ties by tag id, as many as asked."""
    return " HAVING SUM(posts) > 0" + ("" if most is None else " ORDER BY 2 DESC, 1 LIMIT ?")


class StatsReader(CooccurWindow):
    conns: Connections
    tag_ids: TagIds

    def _window(self, today: date) -> tuple[int, int, int, int]:
        end = today.toordinal()
        return end - (WINDOW_DAYS - 1), end - 13, end - 6, end

    def tag_activity(self, keys: Collection[str], today: date) -> dict[str, TagActivity]:
        """Posts, people, engagement and the two-week trend of each tag over the last 30 days."""
        conn = self.conns.db().conn
        ids = self.tag_ids.existing(conn, set(keys))
        if not ids:
            return {}
        d30, d14, d7, end = self._window(today)
        id_list = sorted(ids.values())
        in_ids = marks(id_list)
        counts = {
            row["tag_id"]: row
            for row in named(conn).execute(
                "SELECT tag_id, SUM(posts) AS posts, SUM(engagement) AS engagement,"
                " SUM(CASE WHEN day >= ? THEN posts ELSE 0 END) AS posts_7d,"
                " SUM(CASE WHEN day >= ? AND day < ? THEN posts ELSE 0 END) AS posts_prev_7d"
                f" FROM hashtag_daily WHERE tag_id IN ({in_ids}) AND day >= ? AND day <= ?"
                " GROUP BY tag_id",
                [d7, d14, d7, *id_list, d30, end],
            )
        }
        if not counts:
            return {}
        present = sorted(counts)
        in_present = marks(present)
        authors = {
            row["tag_id"]: row["authors"]
            for row in named(conn).execute(
                "SELECT tag_id, SUM(authors) AS authors FROM hashtag_author_days"
                f" WHERE tag_id IN ({in_present}) AND last_day >= ? GROUP BY tag_id",
                [*present, d30],
            )
        }
        forms: dict[int, dict[str, int]] = {}
        for row in named(conn).execute(
            f"SELECT tag_id, form, posts FROM hashtag_forms WHERE tag_id IN ({in_present})", present
        ):
            forms.setdefault(row["tag_id"], {})[row["form"]] = row["posts"]
        keys_by_id = {v: k for k, v in ids.items()}
        return {
            keys_by_id[tag_id]: TagActivity(
                tag_key=keys_by_id[tag_id],
                posts=int(row["posts"]),
                authors=int(authors.get(tag_id, 0)),
                engagement=int(row["engagement"]),
                posts_7d=int(row["posts_7d"]),
                posts_prev_7d=int(row["posts_prev_7d"]),
                forms=forms.get(tag_id, {}),
            )
            for tag_id, row in counts.items()
        }

    def cooccurring(
        self, seed_keys: Collection[str], today: date, *, most: int | None = None
    ) -> dict[str, int]:
        """Posts each tag shared with any of the seed tags in the 30 days up to today; with
        `most`, only the `most` most shared (ties by tag id), most shared first.

        A busy seed shares posts with thousands of tags; an answer looks at a few dozen, so
        `most` keeps the rest in SQLite (each row read holds the interpreter lock that other
        answers wait for)."""
        conn = self.conns.db().conn
        seeds = sorted(self.tag_ids.existing(conn, set(seed_keys)).values())
        if not seeds:
            return {}
        # Plain tuples, unpacked into the columns' names, not sqlite3.Row: every suggestion reads
        # this, a row per tag ever seen beside the seeds (4,000 at 100k posts), and Row made the
        # read 20% slower and suggest's median 15% slower (bench/suggest.py, 100k posts).
        if self.window_day(conn) == today.toordinal():
            rows = conn.execute(
                "SELECT other_id, SUM(posts) AS posts FROM cooccur_window"
                f" WHERE tag_id IN ({marks(seeds)}) GROUP BY other_id{_most_shared(most)}",
                [*seeds, *([] if most is None else [most])],
            ).fetchall()
        else:  # another day than the window's (an --as-of answer): sum the days themselves
            d30, _, _, end = self._window(today)
            days = list(range(d30, end + 1))
            in_seeds = marks(seeds)
            # Each pair is stored once, the lower tag id first. Where a seed comes first, the
            # days named one by one let the primary key (day, tag_id, …) seek each day's rows of
            # the seed; a range of days would read every pair of the 30 days. Where it comes
            # second, the index by the other tag (migration 0018) seeks them.
            rows = conn.execute(
                "SELECT other AS other_id, SUM(posts) AS posts FROM ("
                " SELECT other_id AS other, posts FROM cooccur_days"
                f" WHERE day IN ({marks(days)}) AND tag_id IN ({in_seeds}) UNION ALL"
                " SELECT tag_id, posts FROM cooccur_days"
                f" WHERE other_id IN ({in_seeds}) AND day >= ? AND day <= ?) GROUP BY other"
                + _most_shared(most),
                [*days, *seeds, *seeds, d30, end, *([] if most is None else [most])],
            ).fetchall()
        keys = self.tag_ids.keys(conn, [other_id for other_id, _ in rows])
        return {keys[other_id]: int(posts) for other_id, posts in rows if posts > 0}

    def seed_pair_posts(self, seed_keys: Collection[str], today: date) -> int:
        """Posts counted twice when summing seed tags (pairs of seeds on one post)."""
        conn = self.conns.db().conn
        seeds = sorted(self.tag_ids.existing(conn, set(seed_keys)).values())
        if len(seeds) < 2:
            return 0
        in_seeds = marks(seeds)
        if self.window_day(conn) == today.toordinal():
            sql = (
                f"SELECT COALESCE(SUM(posts), 0) FROM cooccur_window WHERE tag_id IN ({in_seeds})"
                f" AND other_id IN ({in_seeds}) AND tag_id < other_id"
            )
            args: list[int] = [*seeds, *seeds]
        else:
            d30, _, _, end = self._window(today)
            sql = (  # through the index by the other tag (migration 0018)
                f"SELECT COALESCE(SUM(posts), 0) FROM cooccur_days WHERE other_id IN ({in_seeds})"
                f" AND day >= ? AND day <= ? AND tag_id IN ({in_seeds})"
            )
            args = [*seeds, d30, end, *seeds]
        return int(conn.execute(sql, args).fetchone()[0])

    def tags_in_text_matches(
        self, text: str, today: date, *, max_posts: int = 2000
    ) -> tuple[int, dict[str, int]]:
        """For text no condition matches: recent posts that say it, and the tags they carry."""
        since = today - timedelta(days=WINDOW_DAYS - 1)
        conn = self.conns.db().conn
        matched = rows_saying(conn, text, since, today, columns="p.id", max_posts=max_posts)
        if not matched:
            return 0, {}
        ids = [row["id"] for row in matched]
        counts: dict[int, int] = {}
        for chunk in chunks(ids):
            for row in named(conn).execute(
                "SELECT tag_id, COUNT(*) AS posts FROM post_hashtags"
                f" WHERE post_id IN ({marks(chunk)}) GROUP BY tag_id",
                chunk,
            ):
                counts[row["tag_id"]] = counts.get(row["tag_id"], 0) + int(row["posts"])
        keys = self.tag_ids.keys(conn, counts)
        return len(ids), {keys[i]: n for i, n in counts.items()}

    def recent_posts(self, today: date) -> int:
        """Posts stored from the 30 days up to today, the same window every other figure uses."""
        since = (today - timedelta(days=WINDOW_DAYS - 1)).isoformat()
        row = (
            self.conns.db()
            .conn.execute(
                "SELECT COUNT(*) FROM posts WHERE day >= ? AND day <= ?", [since, today.isoformat()]
            )
            .fetchone()
        )
        return int(row[0])
