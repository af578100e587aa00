"""Recounting the hashtag aggregates from stored posts: the oracle behind `hashtag-bot check`.

What must hold: every aggregate row equals what the stored posts give plus what expired posts
gave. Retention (`PostWriter.expire_posts`) drops posts but keeps the counts behind trends, so
a recount of stored posts alone can't match once retention has run. Each aggregate row therefore
carries the share that came from posts that have since expired (the `expired_*` columns of
migration 0007): retention adds the expired posts' share there before it deletes them, removal
of a stored post subtracts only the post's own share, and forgetting an account deletes its
per-person rows, expired share included. The invariant is then exact for every table and every
day, old or new, and checking it needs no knowledge of retention settings past or present.
(The other design, comparing only days newer than the retention cut-off, can't check spellings
or people, which span all days, and misreads old posts an archive import brings back.)

Spellings: each post's tag row keeps the spelling counted (`post_hashtags.form`). Rows stored
before that column existed have none; their spellings count as history, like expired posts
(migration 0007 put them in the expired share).

The shares are SQL over `posts` and `post_hashtags`, one SELECT per aggregate for any set of
posts; removal, retention and the recount all use them, so the three can't disagree on what a
post contributes, and staging (which sums a batch in Python) is checked against them.
(Migration 0007 carries a frozen copy of this SQL as it stood then, for databases from before.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.domain.activity import WINDOW_DAYS
from bot.storage.connection import Connections
from bot.storage.sql import named
from bot.storage.staging import MAX_TAGS_PAIRED

EXAMPLES_KEPT = 3  # a drift report names a few rows; the count says how many


def ordinal(column: str) -> str:
    """SQL for the date ordinal (Python's `date.toordinal`) of an ISO day column."""
    return f"CAST(julianday({column}) - 1721424.5 AS INTEGER)"


_USES = (
    "SELECT p.id AS post_id, p.author_id, {day} AS day,"
    " p.likes + p.reposts + p.replies + p.quotes AS engagement, h.tag_id, h.form"
    " FROM main.posts p JOIN main.post_hashtags h ON h.post_id = p.id WHERE {where}"
)


def share_sql(name: str, where: str) -> str:
    """What the posts `p` matching `where` add to one aggregate, as rows of its key and values."""
    uses = _USES.format(day=ordinal("p.day"), where=where)
    if name == "daily":
        return (
            "SELECT tag_id, day, COUNT(*) AS posts, SUM(engagement) AS engagement"
            f" FROM ({uses}) GROUP BY tag_id, day"
        )
    if name == "forms":  # '' is a row from before spellings were kept (see the docstring)
        return (
            f"SELECT tag_id, form, COUNT(*) AS posts FROM ({uses}) WHERE form != ''"
            " GROUP BY tag_id, form"
        )
    if name == "authors":
        return (
            "SELECT tag_id, author_id, MAX(day) AS last_day, COUNT(*) AS posts"
            f" FROM ({uses}) GROUP BY tag_id, author_id"
        )
    if name == "pairs":  # a post's first tags in key order, each pair once, lower id first
        return (
            "WITH ranked AS MATERIALIZED (SELECT u.post_id, u.day, u.tag_id,"
            " ROW_NUMBER() OVER (PARTITION BY u.post_id ORDER BY t.key) AS n"
            f" FROM ({uses}) u JOIN main.tags t ON t.id = u.tag_id)"
            " SELECT a.day, a.tag_id, b.tag_id AS other_id, COUNT(*) AS posts FROM ranked a"
            " JOIN ranked b ON b.post_id = a.post_id AND b.tag_id > a.tag_id"
            f" WHERE a.n <= {MAX_TAGS_PAIRED} AND b.n <= {MAX_TAGS_PAIRED}"
            " GROUP BY a.day, a.tag_id, b.tag_id"
        )
    raise ValueError(f"no share for {name!r}")


SHARES = ("daily", "forms", "authors", "pairs")


def collect_shares(
    conn: sqlite3.Connection, where: str, params: Sequence[object], prefix: str
) -> None:
    """Each share of the posts matching `where` into a temp table `{prefix}_{name}`."""
    for name in SHARES:
        conn.execute(f"DROP TABLE IF EXISTS temp.{prefix}_{name}")
        conn.execute(f"CREATE TEMP TABLE {prefix}_{name} AS {share_sql(name, where)}", params)


def drop_shares(conn: sqlite3.Connection, prefix: str) -> None:
    for name in SHARES:
        conn.execute(f"DROP TABLE IF EXISTS temp.{prefix}_{name}")


@dataclass(frozen=True)
class Aggregate:
    """One aggregate table: its key and value columns, and the expired share of each value."""

    name: str
    table: str
    title: str  # in plain words, for the report
    keys: tuple[str, ...]
    values: tuple[str, ...]
    expired: tuple[str, ...] = ()
    zero_is_absent: bool = True  # a row of zeros reads the same as no row
    maxed: tuple[str, ...] = ()  # values combined by max (a last day), not by sum


DAILY = Aggregate(
    "daily",
    "hashtag_daily",
    "posts and engagement per tag and day",
    ("tag_id", "day"),
    ("posts", "engagement"),
    ("expired_posts", "expired_engagement"),
)
FORMS = Aggregate(
    "forms",
    "hashtag_forms",
    "spellings per tag",
    ("tag_id", "form"),
    ("posts",),
    ("expired_posts",),
)
AUTHORS = Aggregate(
    "authors",
    "hashtag_authors",
    "people per tag (posts and last day)",
    ("tag_id", "author_id"),
    ("last_day", "posts"),
    ("expired_last_day", "expired_posts"),
    zero_is_absent=False,  # any row is a person counted
    maxed=("last_day",),
)
AUTHOR_DAYS = Aggregate(
    "author_days",
    "hashtag_author_days",
    "people per tag by their last day",
    ("tag_id", "last_day"),
    ("authors",),
)
PAIRS = Aggregate(
    "pairs",
    "cooccur_days",
    "tags seen together per day",
    ("day", "tag_id", "other_id"),
    ("posts",),
    ("expired_posts",),
)
WINDOW = Aggregate(
    "window",
    "cooccur_window",
    "tags seen together in the 30-day window",
    ("tag_id", "other_id"),
    ("posts",),
)
AGGREGATES = (DAILY, FORMS, AUTHORS, AUTHOR_DAYS, PAIRS, WINDOW)


@dataclass(frozen=True)
class Drift:
    """How one aggregate table differs from the recount."""

    aggregate: Aggregate
    rows: int  # rows that differ (wrong, missing or extra)
    examples: list[tuple[dict[str, object], tuple[object, ...], tuple[object, ...]]] = field(
        default_factory=list
    )  # (key, stored values or (), recounted values or ())
    repaired: bool = False


def _expected(conn: sqlite3.Connection, agg: Aggregate, since: int | None, end: int | None) -> None:
    """temp.expected_{name}: the recount of stored posts plus the expired share."""
    conn.execute(f"DROP TABLE IF EXISTS temp.expected_{agg.name}")
    keys = ", ".join(agg.keys)
    if agg is AUTHOR_DAYS:
        source = (
            "SELECT tag_id, last_day, COUNT(*) AS authors FROM temp.expected_authors GROUP BY 1, 2"
        )
    elif agg is WINDOW:
        source = _window_sql("temp.expected_pairs")
    else:
        combined = ", ".join(
            f"{'MAX' if v in agg.maxed else 'SUM'}({v}) AS {v}" for v in agg.values
        )
        expired = ", ".join(f"{e} AS {v}" for v, e in zip(agg.values, agg.expired, strict=True))
        day_limit = " AND day >= :since" if since is not None and "day" in agg.keys else ""
        any_expired = " OR ".join(f"{e} != 0" for e in agg.expired)
        source = (
            f"SELECT {keys}, {combined} FROM (SELECT * FROM temp.recount_{agg.name} UNION ALL"
            f" SELECT {keys}, {expired} FROM main.{agg.table} WHERE ({any_expired}){day_limit})"
            f" GROUP BY {keys}"
        )
    conn.execute(f"CREATE TEMP TABLE expected_{agg.name} AS {source}", {"since": since, "end": end})
    conn.execute(
        f"CREATE UNIQUE INDEX temp.expected_{agg.name}_key ON expected_{agg.name} ({keys})"
    )


def _window_sql(pairs: str) -> str:
    """The window's rows (both directions) from per-day pairs, for the days up to :end."""
    days = "day > :end - " + str(WINDOW_DAYS) + " AND day <= :end"
    return (
        "SELECT a AS tag_id, b AS other_id, SUM(posts) AS posts FROM ("
        f" SELECT tag_id AS a, other_id AS b, posts FROM {pairs} WHERE {days} UNION ALL"
        f" SELECT other_id, tag_id, posts FROM {pairs} WHERE {days}) GROUP BY a, b"
    )


def _differences(agg: Aggregate, since: int | None) -> str:
    """Rows where the two differ: the key columns by their names, then `stored_{value}` and
    `recounted_{value}` for each value (NULL where that side has no row)."""
    table = f"main.{agg.table}"
    on = " AND ".join(f"e.{k} = s.{k}" for k in agg.keys)
    same = " AND ".join(f"s.{v} IS e.{v}" for v in agg.values)
    zero = lambda alias: " AND ".join(  # noqa: E731
        f"{alias}.{v} = 0" for v in agg.values if v not in agg.maxed
    )
    keys = ", ".join(f"s.{k} AS {k}" for k in agg.keys)
    e_keys = ", ".join(f"e.{k}" for k in agg.keys)
    s_values = ", ".join(f"s.{v} AS stored_{v}" for v in agg.values)
    e_values = ", ".join(f"e.{v} AS recounted_{v}" for v in agg.values)
    nulls = ", ".join("NULL" for _ in agg.values)
    stored_where = "s.day >= :since" if since is not None and "day" in agg.keys else "1"
    extra = f" AND NOT ({zero('s')})" if agg.zero_is_absent else ""
    missing = f" AND NOT ({zero('e')})" if agg.zero_is_absent else ""
    return (
        f"SELECT {keys}, {s_values}, {e_values} FROM {table} s"
        f" JOIN temp.expected_{agg.name} e ON {on} WHERE {stored_where} AND NOT ({same})"
        f" UNION ALL SELECT {keys}, {s_values}, {nulls} FROM {table} s"
        f" WHERE {stored_where} AND NOT EXISTS (SELECT 1 FROM temp.expected_{agg.name} e"
        f" WHERE {on}){extra}"
        f" UNION ALL SELECT {e_keys}, {nulls}, {e_values} FROM temp.expected_{agg.name} e"
        f" WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE {on}){missing}"
    )


def _repair(conn: sqlite3.Connection, agg: Aggregate, since: int | None, end: int | None) -> None:
    """Rewrite the rows that differ to the recount; expired shares stay as they are."""
    table = f"main.{agg.table}"
    if agg is AUTHOR_DAYS:  # follows the people rows (kept in step by triggers from here on)
        conn.execute(f"DELETE FROM {table}")
        conn.execute(
            f"INSERT INTO {table} SELECT tag_id, last_day, COUNT(*) FROM main.hashtag_authors"
            " GROUP BY 1, 2"
        )
        return
    if agg is WINDOW:
        conn.execute(f"DELETE FROM {table}")
        conn.execute(f"INSERT INTO {table} {_window_sql('main.cooccur_days')}", {"end": end})
        return
    keys = ", ".join(agg.keys)
    on = " AND ".join(f"e.{k} = {table}.{k}" for k in agg.keys)
    day_limit = f" AND {table}.day >= :since" if since is not None and "day" in agg.keys else ""
    conn.execute(
        f"DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM temp.expected_{agg.name} e"
        f" WHERE {on}){day_limit}",
        {"since": since},
    )
    values = ", ".join(agg.values)
    updates = ", ".join(f"{v} = excluded.{v}" for v in agg.values)
    differs = " OR ".join(f"{v} IS NOT excluded.{v}" for v in agg.values)
    conn.execute(
        f"INSERT INTO {table} ({keys}, {values}) SELECT {keys}, {values}"
        f" FROM temp.expected_{agg.name} WHERE true"
        f" ON CONFLICT DO UPDATE SET {updates} WHERE {differs}"
    )


class Recounts:
    conns: Connections

    def recount(self, *, repair: bool = False, since: int | None = None) -> list[Drift]:
        """Recount every aggregate from stored posts and compare; with `repair`, rewrite what
        differs, in the same write transaction (no write can slip between count and repair).

        `since` (a day ordinal) bounds the check to the per-day tables from that day on: a cheap
        look for `doctor`.
        """
        db = self.conns.db()
        # Without repair, one read transaction: a consistent snapshot that keeps no writer waiting.
        with self.conns.write() if repair else db.atomic():
            conn = db.conn
            if since is None:
                collect_shares(conn, "1", [], "recount")
                checked: tuple[Aggregate, ...] = AGGREGATES
            else:
                collect_shares(conn, "p.day >= ?", [date.fromordinal(since).isoformat()], "recount")
                checked = (DAILY, PAIRS)
            row = conn.execute("SELECT last_day FROM window_state WHERE id = 1").fetchone()
            end = int(row[0]) if row else None
            drifts = []
            try:
                for agg in checked:
                    _expected(conn, agg, since, end)
                for agg in checked:
                    if agg is WINDOW and end is None:
                        continue
                    sql = _differences(agg, since)
                    rows = (
                        named(conn)
                        .execute(f"SELECT * FROM ({sql})", {"since": since, "end": end})
                        .fetchmany(EXAMPLES_KEPT)
                    )
                    if not rows:
                        continue
                    (count,) = conn.execute(
                        f"SELECT COUNT(*) FROM ({sql})", {"since": since, "end": end}
                    ).fetchone()
                    examples = [_example(conn, agg, r) for r in rows]
                    drifts.append(Drift(agg, int(count), examples))
                if repair and drifts:
                    wrong = {d.aggregate.name for d in drifts}
                    if "authors" in wrong:
                        wrong.add("author_days")
                    if "pairs" in wrong and end is not None:
                        wrong.add("window")
                    for agg in AGGREGATES:
                        if agg.name in wrong:
                            _repair(conn, agg, since, end)
                    drifts = [Drift(d.aggregate, d.rows, d.examples, repaired=True) for d in drifts]
            finally:
                drop_shares(conn, "recount")
                for agg in AGGREGATES:
                    conn.execute(f"DROP TABLE IF EXISTS temp.expected_{agg.name}")
            return drifts

    def negative_counts(self) -> dict[str, int]:
        """Aggregate rows below zero in each table: a sure sign of drift, cheap to look for."""
        conn = self.conns.db().conn
        found = {}
        for agg in AGGREGATES:
            below = " OR ".join(f"{v} < 0" for v in agg.values)
            (n,) = conn.execute(f"SELECT COUNT(*) FROM {agg.table} WHERE {below}").fetchone()
            if n:
                found[agg.title] = int(n)
        return found


def _example(
    conn: sqlite3.Connection, agg: Aggregate, row: sqlite3.Row
) -> tuple[dict[str, object], tuple[object, ...], tuple[object, ...]]:
    """A differing row (see `_differences`) as a person reads it: tags by name, days as dates."""
    key: dict[str, object] = {}
    for column in agg.keys:
        value = row[column]
        if column in ("tag_id", "other_id"):
            found = conn.execute("SELECT key FROM tags WHERE id = ?", (value,)).fetchone()
            key["tag" if column == "tag_id" else "other tag"] = found[0] if found else value
        elif column in ("day", "last_day") and isinstance(value, int) and value > 0:
            key[column.replace("_", " ")] = date.fromordinal(value).isoformat()
        else:
            key[column.replace("_id", "")] = value
    stored = tuple(row[f"stored_{v}"] for v in agg.values)
    expected = tuple(row[f"recounted_{v}"] for v in agg.values)
    return (
        key,
        () if all(v is None for v in stored) else tuple(stored),
        () if all(v is None for v in expected) else tuple(expected),
    )


def expire_shares(conn: sqlite3.Connection, cutoff: str) -> None:
    """Retention, before it drops the posts from days before `cutoff` (ISO): their share of
    each aggregate moves into that row's expired share, so the counts stay and still add up."""
    collect_shares(conn, "p.day < ?", [cutoff], "expiring")
    try:
        for agg in (DAILY, FORMS, AUTHORS, PAIRS):
            match = " AND ".join(f"{agg.table}.{k} = c.{k}" for k in agg.keys)
            sets = ", ".join(
                f"{e} = max({e}, c.{v})" if v in agg.maxed else f"{e} = {e} + c.{v}"
                for v, e in zip(agg.values, agg.expired, strict=True)
            )
            conn.execute(
                f"UPDATE {agg.table} SET {sets} FROM temp.expiring_{agg.name} c WHERE {match}"
            )
    finally:
        drop_shares(conn, "expiring")
