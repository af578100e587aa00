"""What the collectors keep between cycles: cursors, read counts (spend), source health, known authors."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, datetime

from bot.storage.connection import Connections
from bot.storage.sql import named, present, rows_in


class SourceState:
    conns: Connections

    # Cursors --------------------------------------------------------------------------------
    def cursor(self, source: str, query_key: str) -> str | None:
        row = (
            self.conns.db()
            .conn.execute(
                "SELECT position FROM cursors WHERE source=? AND query_key=?", (source, query_key)
            )
            .fetchone()
        )
        return row[0] if row else None

    def set_cursor(self, source: str, query_key: str, position: str, *, now: datetime) -> None:
        with self.conns.write() as db:
            db.conn.execute(
                "INSERT INTO cursors VALUES (?,?,?,?) ON CONFLICT DO UPDATE SET"
                " position=excluded.position, updated_at=excluded.updated_at",
                (source, query_key, position, now.isoformat()),
            )

    # Reads and spend ------------------------------------------------------------------------
    def count_reads(
        self,
        source: str,
        day: date,
        *,
        posts: int = 0,
        users: int = 0,
        requests: int = 0,
        post_ids: Collection[str] = (),
    ) -> None:
        """Add a page's reads to the day's; `post_ids`, the posts billed, are kept for the day
        (`billed_posts`), and earlier days' are let go."""
        with self.conns.write() as db:
            db.conn.execute(
                "INSERT INTO reads VALUES (?,?,?,?,?) ON CONFLICT DO UPDATE SET"
                " posts=posts+excluded.posts, users=users+excluded.users,"
                " requests=requests+excluded.requests",
                (source, day.isoformat(), posts, users, requests),
            )
            if post_ids:
                db.conn.execute(
                    "DELETE FROM billed_posts WHERE source = ? AND day < ?",
                    (source, day.isoformat()),
                )
                db.conn.executemany(
                    "INSERT OR IGNORE INTO billed_posts VALUES (?,?,?)",
                    [(source, day.isoformat(), post_id) for post_id in post_ids],
                )

    def billed_posts(self, source: str, post_ids: Collection[str], day: date) -> set[str]:
        """Which of these posts the source already billed on `day`."""
        rows = rows_in(
            self.conns.db().conn,
            "SELECT post_id FROM billed_posts WHERE post_id IN ({in_list}) AND source = ?"
            " AND day = ?",
            post_ids,
            then=(source, day.isoformat()),
        )
        return {row["post_id"] for row in rows}

    def reads_between(self, source: str, first: date, last: date) -> tuple[int, int, int]:
        row = (
            named(self.conns.db().conn)
            .execute(
                "SELECT COALESCE(SUM(posts), 0) AS posts, COALESCE(SUM(users), 0) AS users,"
                " COALESCE(SUM(requests), 0) AS requests"
                " FROM reads WHERE source=? AND day >= ? AND day <= ?",
                (source, first.isoformat(), last.isoformat()),
            )
            .fetchone()
        )
        return int(row["posts"]), int(row["users"]), int(row["requests"])

    # Source health --------------------------------------------------------------------------
    def set_health(self, source: str, healthy: bool, message: str, *, now: datetime) -> None:
        with self.conns.write() as db:
            db.conn.execute(
                "INSERT INTO source_health VALUES (?,?,?,?) ON CONFLICT DO UPDATE SET"
                " healthy=excluded.healthy, message=excluded.message,"
                " updated_at=excluded.updated_at",
                (source, int(healthy), message, now.isoformat()),
            )

    def health(self) -> dict[str, tuple[bool, str, str]]:
        rows = named(self.conns.db().conn).execute(
            "SELECT source, healthy, message, updated_at FROM source_health"
        )
        return {
            row["source"]: (bool(row["healthy"]), row["message"], row["updated_at"]) for row in rows
        }

    def known_authors(self, author_ids: Collection[str]) -> set[str]:
        """The ids among these that have a stored profile, so a bare id never overwrites a full one."""
        return present(self.conns.db().conn, "authors", "id", author_ids)

    def platform_ids(self, source: str, kind: str) -> Iterator[str]:
        """The platform's own ids (no "x:" prefix) of stored posts or accounts from `source`, as
        its compliance checks want them, read as they are used. `kind`: "posts" or "authors"."""
        table = {"posts": "posts", "authors": "authors"}[kind]
        rows = self.conns.db().conn.execute(
            f"SELECT substr(id, ?) FROM {table} WHERE source = ?", (len(source) + 2, source)
        )
        return (row[0] for row in rows)
