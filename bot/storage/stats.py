"""Reads for suggestions: tag activity, co-occurrence and text search, all from aggregates."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, timedelta

from bot.domain.activity import TagActivity
from bot.storage.connection import Connections

WINDOW_DAYS = 30
_FTS_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_phrase_query(text: str, *, max_terms: int = 12) -> str | None:
    """A safe FTS5 query from free text: each word quoted, so operators are just words."""
    words = _FTS_TOKEN.findall(text)[:max_terms]
    if not words:
        return None
    return " ".join(f'"{w}"' for w in words)


def _marks(items: Collection[str]) -> str:
    return ",".join("?" * len(items))


class StatsReader:
    conns: Connections

    def tag_activity(self, keys: Collection[str], today: date) -> dict[str, TagActivity]:
        """Posts, people, engagement and the two-week trend of each tag over the last 30 days."""
        keys = sorted(set(keys))
        if not keys:
            return {}
        conn = self.conns.db().conn
        d30 = (today - timedelta(days=WINDOW_DAYS - 1)).isoformat()
        d7 = (today - timedelta(days=6)).isoformat()
        d14 = (today - timedelta(days=13)).isoformat()
        end = today.isoformat()
        counts = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT tag_key, SUM(posts), SUM(engagement),"
                " SUM(CASE WHEN day >= ? THEN posts ELSE 0 END),"
                " SUM(CASE WHEN day >= ? AND day < ? THEN posts ELSE 0 END)"
                f" FROM hashtag_daily WHERE tag_key IN ({_marks(keys)}) AND day >= ? AND day <= ?"
                " GROUP BY tag_key",
                [d7, d14, d7, *keys, d30, end],
            )
        }
        if not counts:
            return {}
        present = sorted(counts)
        authors = dict(
            conn.execute(
                "SELECT tag_key, COUNT(*) FROM hashtag_authors"
                f" WHERE tag_key IN ({_marks(present)}) AND last_day >= ? GROUP BY tag_key",
                [*present, d30],
            ).fetchall()
        )
        forms: dict[str, dict[str, int]] = {}
        for key, form, posts in conn.execute(
            f"SELECT tag_key, form, posts FROM hashtag_forms WHERE tag_key IN ({_marks(present)})",
            present,
        ):
            forms.setdefault(key, {})[form] = posts
        return {
            key: TagActivity(
                tag_key=key,
                posts=int(posts),
                authors=int(authors.get(key, 0)),
                engagement=int(engagement),
                posts_7d=int(p7),
                posts_prev_7d=int(prev),
                forms=forms.get(key, {}),
            )
            for key, (posts, engagement, p7, prev) in counts.items()
        }

    def cooccurring(self, seed_keys: Collection[str], today: date) -> dict[str, int]:
        """Posts each tag shared with any of the seed tags in the last 30 days."""
        seeds = sorted(set(seed_keys))
        if not seeds:
            return {}
        d30 = (today - timedelta(days=WINDOW_DAYS - 1)).isoformat()
        rows = self.conns.db().conn.execute(
            "SELECT other_key, SUM(posts) FROM cooccur_daily"
            f" WHERE tag_key IN ({_marks(seeds)}) AND day >= ? AND day <= ? GROUP BY other_key",
            [*seeds, d30, today.isoformat()],
        )
        return {key: int(posts) for key, posts in rows}

    def seed_pair_posts(self, seed_keys: Collection[str], today: date) -> int:
        """Posts counted twice when summing seed tags (pairs of seeds on one post)."""
        seeds = sorted(set(seed_keys))
        if len(seeds) < 2:
            return 0
        d30 = (today - timedelta(days=WINDOW_DAYS - 1)).isoformat()
        row = (
            self.conns.db()
            .conn.execute(
                "SELECT COALESCE(SUM(posts), 0) FROM cooccur_daily"
                f" WHERE tag_key IN ({_marks(seeds)}) AND other_key IN ({_marks(seeds)})"
                " AND tag_key < other_key AND day >= ? AND day <= ?",
                [*seeds, *seeds, d30, today.isoformat()],
            )
            .fetchone()
        )
        return int(row[0])

    def tags_in_text_matches(
        self, text: str, today: date, *, max_posts: int = 5000
    ) -> tuple[int, dict[str, int]]:
        """For text no condition matches: recent posts that say it, and the tags they carry."""
        query = fts_phrase_query(text)
        if query is None:
            return 0, {}
        d30 = (today - timedelta(days=WINDOW_DAYS - 1)).isoformat()
        conn = self.conns.db().conn
        matched = conn.execute(
            "SELECT p.id FROM (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?"
            " ORDER BY rowid DESC LIMIT ?) m JOIN posts p ON p.rowid = m.rowid WHERE p.day >= ?",
            [query, max_posts, d30],
        ).fetchall()
        if not matched:
            return 0, {}
        ids = [row[0] for row in matched]
        tags: dict[str, int] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for key, count in conn.execute(
                "SELECT tag_key, COUNT(*) FROM post_hashtags"
                f" WHERE post_id IN ({_marks(chunk)}) GROUP BY tag_key",
                chunk,
            ):
                tags[key] = tags.get(key, 0) + int(count)
        return len(ids), tags

    def posts_since(self, since: date) -> int:
        row = (
            self.conns.db()
            .conn.execute("SELECT COUNT(*) FROM posts WHERE day >= ?", [since.isoformat()])
            .fetchone()
        )
        return int(row[0])
