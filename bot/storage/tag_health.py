"""What measuring listened tags needs: their recent posts with the other tags those carry, and
the tags found to have drifted off topic (kept: the demotion holds from then on)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import date

from bot.domain.hashtags import tag_key
from bot.domain.tag_health import TagHealth
from bot.storage.connection import Connections
from bot.storage.sql import marks, named
from bot.storage.tag_ids import TagIds


class TagHealthRecords:
    conns: Connections
    tag_ids: TagIds

    def posts_carrying(
        self, keys: Collection[str], first: date, last: date
    ) -> dict[str, list[tuple[str, frozenset[str]]]]:
        """For each of these tags, its posts from `first` to `last`: (text, every tag key the
        post carries). Read by day, then by post, the way both are indexed."""
        conn = self.conns.db().conn
        ids = self.tag_ids.existing(conn, set(keys))
        if not ids:
            return {}
        wanted = sorted(ids.values())
        rows = (
            named(conn)
            .execute(
                "SELECT p.text, group_concat(all_tags.tag_id) AS tag_ids FROM posts p"
                " JOIN post_hashtags listened ON listened.post_id = p.id"
                f" AND listened.tag_id IN ({marks(wanted)})"
                " JOIN post_hashtags all_tags ON all_tags.post_id = p.id"
                " WHERE p.day >= ? AND p.day <= ? GROUP BY p.id",
                [*wanted, first.isoformat(), last.isoformat()],
            )
            .fetchall()
        )
        carried = [(row["text"], [int(i) for i in str(row["tag_ids"]).split(",")]) for row in rows]
        key_of = self.tag_ids.keys(conn, {i for _, tag_ids in carried for i in tag_ids})
        posts: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for text, tag_ids in carried:
            tags = frozenset(key_of[i] for i in tag_ids if i in key_of)
            for key in tags.intersection(ids):
                posts.setdefault(key, []).append((text, tags))
        return posts

    def record_drifted(self, measured: Sequence[TagHealth]) -> int:
        """Keep each drifted tag with the measurement that showed it (a later one replaces an
        earlier: a tag a sample cleared can drift again); how many were recorded."""
        with self.conns.write() as db:
            return sum(
                db.conn.execute(
                    "INSERT INTO drifted_tags VALUES (?,?,?,?,?,?) ON CONFLICT(tag_key) DO UPDATE"
                    " SET tag=excluded.tag, topic=excluded.topic, posts=excluded.posts,"
                    " on_topic=excluded.on_topic, measured_on=excluded.measured_on"
                    " WHERE excluded.measured_on > drifted_tags.measured_on",
                    (
                        tag_key(h.tag),
                        h.tag,
                        h.topic,
                        h.posts,
                        h.on_topic,
                        h.measured_on.isoformat(),
                    ),
                ).rowcount
                for h in measured
            )

    def drifted_tags(self) -> list[TagHealth]:
        """Every tag demoted so far, the lowest share first."""
        rows = named(self.conns.db().conn).execute(
            "SELECT tag, topic, posts, on_topic, measured_on FROM drifted_tags"
            " ORDER BY 1.0 * on_topic / posts, tag"
        )
        return [_health(row) for row in rows]

    def drifted_keys(self) -> set[str]:
        return {row[0] for row in self.conns.db().conn.execute("SELECT tag_key FROM drifted_tags")}

    def record_sample(self, health: TagHealth) -> None:
        """Keep what a sample of a guarded tag's unguarded posts showed: counts only."""
        with self.conns.write() as db:
            db.conn.execute(
                "INSERT OR REPLACE INTO tag_samples VALUES (?,?,?,?,?,?)",
                (
                    tag_key(health.tag),
                    health.measured_on.isoformat(),
                    health.tag,
                    health.topic,
                    health.posts,
                    health.on_topic,
                ),
            )

    def latest_samples(self) -> list[TagHealth]:
        """Each sampled tag's latest sample, the latest first."""
        rows = named(self.conns.db().conn).execute(
            "SELECT tag, topic, posts, on_topic, sampled_on AS measured_on FROM tag_samples s"
            " WHERE sampled_on = (SELECT MAX(sampled_on) FROM tag_samples"
            " WHERE tag_key = s.tag_key) ORDER BY measured_on DESC, tag"
        )
        return [_health(row) for row in rows]


def _health(row: sqlite3.Row) -> TagHealth:
    """A drifted tag's or a sample's counts, as read (measured_on: the day they were taken)."""
    return TagHealth(
        tag=row["tag"],
        topic=row["topic"],
        posts=row["posts"],
        on_topic=row["on_topic"],
        measured_on=date.fromisoformat(row["measured_on"]),
    )
