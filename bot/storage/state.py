"""Tracked topics, collection cursors, read counts (spend) and source health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.storage.connection import Connections


@dataclass(frozen=True)
class Topic:
    id: int
    channel_id: str
    topic: str
    condition_id: str | None
    created_by: str
    created_at: str
    team_id: str = ""


def topic_key(text: str) -> str:
    return " ".join(text.casefold().split())


class StateStore:
    conns: Connections

    # Tracked topics -------------------------------------------------------------------------
    def track(
        self,
        channel_id: str,
        topic: str,
        *,
        condition_id: str | None,
        created_by: str,
        now: datetime,
        team_id: str = "",
    ) -> bool:
        """Track a topic in a channel; False when the channel already tracks it."""
        with self.conns.write() as db:
            cursor = db.conn.execute(
                "INSERT OR IGNORE INTO topics (team_id, channel_id, topic, topic_key, condition_id,"
                " created_by, created_at) VALUES (?,?,?,?,?,?,?)",
                (
                    team_id,
                    channel_id,
                    topic,
                    topic_key(topic),
                    condition_id,
                    created_by,
                    now.isoformat(),
                ),
            )
            return cursor.rowcount == 1

    def untrack(self, channel_id: str, topic: str) -> bool:
        with self.conns.write() as db:
            cursor = db.conn.execute(
                "DELETE FROM topics WHERE channel_id=? AND topic_key=?",
                (channel_id, topic_key(topic)),
            )
            return cursor.rowcount > 0

    def topics(self, channel_id: str | None = None) -> list[Topic]:
        sql = "SELECT id, channel_id, topic, condition_id, created_by, created_at, team_id FROM topics"
        args: list[str] = []
        if channel_id is not None:
            sql += " WHERE channel_id=?"
            args.append(channel_id)
        rows = self.conns.db().conn.execute(sql + " ORDER BY channel_id, id", args).fetchall()
        return [Topic(*row) for row in rows]

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
        self, source: str, day: date, *, posts: int = 0, users: int = 0, requests: int = 0
    ) -> None:
        with self.conns.write() as db:
            db.conn.execute(
                "INSERT INTO reads VALUES (?,?,?,?,?) ON CONFLICT DO UPDATE SET"
                " posts=posts+excluded.posts, users=users+excluded.users,"
                " requests=requests+excluded.requests",
                (source, day.isoformat(), posts, users, requests),
            )

    def reads_between(self, source: str, first: date, last: date) -> tuple[int, int, int]:
        row = (
            self.conns.db()
            .conn.execute(
                "SELECT COALESCE(SUM(posts),0), COALESCE(SUM(users),0), COALESCE(SUM(requests),0)"
                " FROM reads WHERE source=? AND day >= ? AND day <= ?",
                (source, first.isoformat(), last.isoformat()),
            )
            .fetchone()
        )
        return int(row[0]), int(row[1]), int(row[2])

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
        rows = self.conns.db().conn.execute("SELECT * FROM source_health").fetchall()
        return {source: (bool(ok), message, when) for source, ok, message, when in rows}
