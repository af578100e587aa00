"""A batch of posts staged in a small in-memory SQLite database, its aggregates summed there.

The Store writes a batch by attaching its staged image and copying it with INSERT … SELECT, so
the writer's time goes to SQLite, not to Python loops. Staging touches no other database: while
`hashtag-bot import` writes one batch, a reader process parses and stages the next.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import combinations

from bot.domain.hashtags import tag_key
from bot.domain.posts import Author, Post

MAX_TAGS_PAIRED = 10  # a post stuffed with 30 tags says little about how any two relate
SCHEMA = "stage"  # the name a staged image is attached under

POST_COLUMNS = (
    "id, source, author_id, text, created_at, day, url, lang, conversation_id, reply_to,"
    " repost_of, quote_of, likes, reposts, replies, quotes, fetched_at"
)
AUTHOR_COLUMNS = (
    "id, source, handle, name, description, url, followers, following, posts_count, verified,"
    " created_at, updated_at"
)
_TABLES = [
    f"CREATE TABLE posts ({POST_COLUMNS})",  # ids are unique already: stage() keeps one copy
    "CREATE TABLE uses (post_id, key, form)",  # one row per post and tag, the spelling as written
    f"CREATE TABLE authors ({AUTHOR_COLUMNS}, PRIMARY KEY (id)) WITHOUT ROWID",
    "CREATE TABLE opted_out (author_id PRIMARY KEY, posts, at) WITHOUT ROWID",
    "CREATE TABLE daily (key, day, posts, engagement)",
    "CREATE TABLE forms (key, form, posts)",
    "CREATE TABLE tag_authors (key, author_id, last_day, posts)",
    "CREATE TABLE pairs (day, key, other, posts)",  # key < other
]

Use = tuple[str, str, int, int, list[tuple[str, str]]]  # post, author, day, engagement, tags


class Totals:
    """Each aggregate row of a batch once: posts and engagement per tag and day, spellings,
    each author's last day and posts per tag, and posts per pair of tags and day."""

    def __init__(self) -> None:
        self.daily: dict[tuple[str, int], list[int]] = {}
        self.forms: dict[tuple[str, str], int] = {}
        self.authors: dict[tuple[str, str], list[int]] = {}
        self.pairs: dict[tuple[int, str, str], int] = {}

    def add(self, author: str, day: int, engagement: int, tags: list[tuple[str, str]]) -> None:
        """One post's (key, spelling) pairs, one per key."""
        daily, forms, authors = self.daily, self.forms, self.authors
        for key, form in tags:
            sums = daily.get((key, day))
            if sums is None:
                daily[key, day] = [1, engagement]
            else:
                sums[0] += 1
                sums[1] += engagement
            forms[key, form] = forms.get((key, form), 0) + 1
            seen = authors.get((key, author))
            if seen is None:
                authors[key, author] = [day, 1]
            else:
                if day > seen[0]:
                    seen[0] = day
                seen[1] += 1
        if len(tags) > 1:
            pairs = self.pairs
            paired = sorted(key for key, _ in tags)[:MAX_TAGS_PAIRED]
            for a, b in combinations(paired, 2):
                pairs[day, a, b] = pairs.get((day, a, b), 0) + 1

    def write(self, conn: sqlite3.Connection, schema: str = "main") -> None:
        s = schema
        for table in ("daily", "forms", "tag_authors", "pairs"):
            conn.execute(f"DELETE FROM {s}.{table}")
        conn.executemany(
            f"INSERT INTO {s}.daily VALUES (?,?,?,?)",
            [(k, d, n, e) for (k, d), (n, e) in self.daily.items()],
        )
        conn.executemany(
            f"INSERT INTO {s}.forms VALUES (?,?,?)", [(*k, n) for k, n in self.forms.items()]
        )
        conn.executemany(
            f"INSERT INTO {s}.tag_authors VALUES (?,?,?,?)",
            [(*k, d, n) for k, (d, n) in self.authors.items()],
        )
        conn.executemany(
            f"INSERT INTO {s}.pairs VALUES (?,?,?,?)", [(*k, n) for k, n in self.pairs.items()]
        )


def summarize(conn: sqlite3.Connection, schema: str) -> None:
    """Sum a staged batch's aggregates again from what is left in it (the Store does this after
    dropping posts it already has)."""
    totals = Totals()
    tags: dict[str, list[tuple[str, str]]] = {}
    for post_id, key, form in conn.execute(f"SELECT post_id, key, form FROM {schema}.uses"):
        tags.setdefault(post_id, []).append((key, form))
    for post_id, author, day, engagement in conn.execute(
        f"SELECT id, author_id, day, likes + reposts + replies + quotes FROM {schema}.posts"
    ):
        if post_id in tags:
            totals.add(author, date.fromisoformat(day).toordinal(), engagement, tags[post_id])
    totals.write(conn, schema)


def stage(posts: Sequence[Post], authors: Iterable[Author], fetched_at: str) -> bytes:
    """The batch as a database image: posts (the last copy of a repeated id wins), tag uses,
    authors, and the aggregates. Posts by authors whose profile opts out are left out."""
    author_list = list(authors)
    blocked = {a.id for a in author_list if a.opted_out}
    skipped: dict[str, int] = dict.fromkeys(blocked, 0)
    rows = []
    uses = []
    totals = Totals()
    keys: dict[str, str] = {}  # tag_key memo: a batch repeats the same few tags
    for p in {p.id: p for p in posts}.values():
        if p.author_id in blocked:
            skipped[p.author_id] += 1
            continue
        created = p.created_at.isoformat()
        rows.append(
            (
                p.id,
                p.source,
                p.author_id,
                p.text,
                created,
                created[:10],  # the date part of the ISO time is the post's day
                p.url,
                p.lang,
                p.conversation_id,
                p.reply_to,
                p.repost_of,
                p.quote_of,
                p.likes,
                p.reposts,
                p.replies,
                p.quotes,
                fetched_at,
            )
        )
        if p.hashtags:
            keyed: dict[str, str] = {}
            for tag in p.hashtags:
                key = keys.get(tag)
                if key is None:
                    key = keys[tag] = tag_key(tag)
                if key not in keyed:
                    keyed[key] = tag  # the first spelling in a post is the one kept
                    uses.append((p.id, key, tag))
            totals.add(
                p.author_id,
                p.created_at.toordinal(),
                p.likes + p.reposts + p.replies + p.quotes,
                list(keyed.items()),
            )
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("BEGIN")
        for statement in _TABLES:
            conn.execute(statement)
        conn.executemany(f"INSERT INTO posts VALUES ({_marks(17)})", rows)
        conn.executemany("INSERT INTO uses VALUES (?,?,?)", uses)
        conn.executemany(
            f"INSERT OR REPLACE INTO authors VALUES ({_marks(12)})",
            [_author_row(a, fetched_at) for a in author_list if a.id not in blocked],
        )
        conn.executemany(
            "INSERT INTO opted_out VALUES (?,?,?)", [(a, n, fetched_at) for a, n in skipped.items()]
        )
        totals.write(conn)
        conn.execute("COMMIT")
        return conn.serialize()
    finally:
        conn.close()


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _author_row(a: Author, fetched_at: str) -> tuple[object, ...]:
    return (
        a.id,
        a.source,
        a.handle,
        a.name,
        a.description,
        a.url,
        a.followers,
        a.following,
        a.posts_count,
        int(a.verified),
        a.created_at.isoformat() if a.created_at else None,
        fetched_at,
    )
