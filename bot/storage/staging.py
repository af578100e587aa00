"""A batch of posts staged in a small in-memory SQLite database, its aggregates summed there.

The Store writes a batch by attaching its staged image and copying it with INSERT … SELECT, so
the writer's time goes to SQLite, not to Python loops. Staging touches no other database: while
`hashtag-bot import` writes one batch, a reader process parses and stages the next.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, date
from itertools import chain, combinations

from bot.domain.hashtags import tag_key
from bot.domain.posts import Author, Post
from bot.storage.sql import marks, named

MAX_TAGS_PAIRED = 10  # a post stuffed with 30 tags says little about how any two relate
SCHEMA = "stage"  # the name a staged image is attached under
MAX_PARAMETERS = 999  # per statement: the limit of SQLite builds before 3.32

POST_COLUMNS = (
    "id, source, author_id, text, created_at, day, url, lang, conversation_id, reply_to,"
    " repost_of, quote_of, likes, reposts, replies, quotes, fetched_at, content_warning"
)
AUTHOR_COLUMNS = (
    "id, source, handle, name, description, url, followers, following, posts_count, verified,"
    " created_at, updated_at"
)
_TABLES = [
    f"CREATE TABLE posts ({POST_COLUMNS})",  # ids are unique already: stage() keeps one copy
    # Tag keys get small numbers in a batch; the Store maps them to its tag ids once.
    "CREATE TABLE keys (kid INTEGER PRIMARY KEY, key TEXT NOT NULL)",
    "CREATE TABLE uses (post_id, kid, form)",  # one row per post and tag, the spelling as written
    f"CREATE TABLE authors ({AUTHOR_COLUMNS}, PRIMARY KEY (id)) WITHOUT ROWID",
    "CREATE TABLE opted_out (author_id PRIMARY KEY, posts, at) WITHOUT ROWID",
    "CREATE TABLE daily (kid, day, posts, engagement)",
    "CREATE TABLE forms (kid, form, posts)",
    "CREATE TABLE tag_authors (kid, author_id, last_day, posts)",
    "CREATE TABLE pairs (day, kid, other, posts)",  # kid < other
]


class Totals:
    """Each aggregate row of a batch once: posts and engagement per tag and day, spellings,
    each author's last day and posts per tag, and posts per pair of tags and day."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = keys  # by kid: pairs among a post's first tags in key order
        self.daily: dict[tuple[int, int], list[int]] = {}
        self.forms: dict[tuple[int, str], int] = {}
        self.authors: dict[tuple[int, str], list[int]] = {}
        self.pairs: dict[tuple[int, int, int], int] = {}

    def add(self, author: str, day: int, engagement: int, tags: list[tuple[int, str]]) -> None:
        """One post's (kid, spelling) pairs, one per key."""
        daily, forms, authors = self.daily, self.forms, self.authors
        for kid, form in tags:
            sums = daily.get((kid, day))
            if sums is None:
                daily[kid, day] = [1, engagement]
            else:
                sums[0] += 1
                sums[1] += engagement
            forms[kid, form] = forms.get((kid, form), 0) + 1
            seen = authors.get((kid, author))
            if seen is None:
                authors[kid, author] = [day, 1]
            else:
                if day > seen[0]:
                    seen[0] = day
                seen[1] += 1
        if len(tags) > 1:
            kids = [kid for kid, _ in tags]
            if len(kids) > MAX_TAGS_PAIRED:
                kids = sorted(kids, key=self.keys.__getitem__)[:MAX_TAGS_PAIRED]
            pairs = self.pairs
            for a, b in combinations(sorted(kids), 2):
                pairs[day, a, b] = pairs.get((day, a, b), 0) + 1

    def write(self, conn: sqlite3.Connection, schema: str = "main") -> None:
        s = schema
        for table in ("daily", "forms", "tag_authors", "pairs"):
            conn.execute(f"DELETE FROM {s}.{table}")
        insert(conn, f"{s}.daily", [(k, d, n, e) for (k, d), (n, e) in self.daily.items()])
        insert(conn, f"{s}.forms", [(*k, n) for k, n in self.forms.items()])
        insert(conn, f"{s}.tag_authors", [(*k, d, n) for k, (d, n) in self.authors.items()])
        insert(conn, f"{s}.pairs", [(*k, n) for k, n in self.pairs.items()])


def summarize(conn: sqlite3.Connection, schema: str) -> None:
    """Sum a staged batch's aggregates again from what is left in it (the Store does this after
    dropping posts it already has)."""
    keys = [key for (key,) in conn.execute(f"SELECT key FROM {schema}.keys ORDER BY kid")]
    totals = Totals(keys)
    tags: dict[str, list[tuple[int, str]]] = {}
    for row in named(conn).execute(f"SELECT post_id, kid, form FROM {schema}.uses"):
        tags.setdefault(row["post_id"], []).append((row["kid"], row["form"]))
    for row in named(conn).execute(
        "SELECT id, author_id, day, likes + reposts + replies + quotes AS engagement"
        f" FROM {schema}.posts"
    ):
        if row["id"] in tags:
            totals.add(
                row["author_id"],
                date.fromisoformat(row["day"]).toordinal(),
                row["engagement"],
                tags[row["id"]],
            )
    totals.write(conn, schema)


def stage(
    posts: Sequence[Post],
    authors: Iterable[Author],
    fetched_at: str,
    *,
    profiles_read_at: str | None = None,
) -> bytes:
    """The batch as a database image: posts (the last copy of a repeated id wins), tag uses,
    authors, and the aggregates. Posts by authors whose profile opts out are left out.

    `profiles_read_at`: when the authors' profiles were read live (`fetched_at` unless said);
    an archive's profiles were not, and live collection reads them again before trusting them.
    """
    author_list = list(authors)
    blocked = {a.id for a in author_list if a.opted_out}
    skipped: dict[str, int] = dict.fromkeys(blocked, 0)
    rows = []
    uses = []
    keys: list[str] = []  # by kid
    kids: dict[str, int] = {}
    memo: dict[str, int] = {}  # spelling -> kid: a batch repeats the same few tags
    totals = Totals(keys)
    for p in {p.id: p for p in posts}.values():
        if p.author_id in blocked:
            skipped[p.author_id] += 1
            continue
        at = p.created_at
        # Naive ISO text plus the offset is twice as fast as an aware datetime's isoformat().
        created = (
            at.replace(tzinfo=None).isoformat() + "+00:00" if at.tzinfo is UTC else at.isoformat()
        )
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
                p.content_warning,
            )
        )
        if p.hashtags:
            keyed: dict[int, str] = {}
            for tag in p.hashtags:
                kid = memo.get(tag)
                if kid is None:
                    key = tag_key(tag)
                    kid = kids.get(key)
                    if kid is None:
                        kid = kids[key] = len(keys)
                        keys.append(key)
                    memo[tag] = kid
                if kid not in keyed:
                    keyed[kid] = tag  # the first spelling in a post is the one kept
                    uses.append((p.id, kid, tag))
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
        insert(conn, "posts", rows)
        insert(conn, "keys", list(enumerate(keys)))
        insert(conn, "uses", uses)
        conn.executemany(
            f"INSERT OR REPLACE INTO authors VALUES ({marks(AUTHOR_COLUMNS.split(','))})",
            [
                _author_row(a, profiles_read_at or fetched_at)
                for a in author_list
                if a.id not in blocked
            ],
        )
        conn.executemany(
            "INSERT INTO opted_out VALUES (?,?,?)", [(a, n, fetched_at) for a, n in skipped.items()]
        )
        totals.write(conn)
        conn.execute("COMMIT")
        return conn.serialize()
    finally:
        conn.close()


def insert(conn: sqlite3.Connection, table: str, rows: Sequence[tuple[object, ...]]) -> None:
    """INSERT many rows, a few hundred values to a statement: binding is the same, but SQLite
    runs one statement per chunk instead of one per row (about twice as fast)."""
    if not rows:
        return
    width = len(rows[0])
    per = max(1, MAX_PARAMETERS // width)
    full = len(rows) - len(rows) % per
    one = f"({marks(rows[0])})"
    if full:
        many = f"INSERT INTO {table} VALUES " + ",".join([one] * per)
        conn.executemany(
            many, [tuple(chain.from_iterable(rows[i : i + per])) for i in range(0, full, per)]
        )
    conn.executemany(f"INSERT INTO {table} VALUES {one}", rows[full:])


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
