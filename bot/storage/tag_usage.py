"""How stored posts use one tag: how many, by whom, since when, and with which other tags."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.hashtags import tag_key
from bot.storage.connection import Connections
from bot.storage.sql import named

TOP_ACCOUNTS = 5
TOP_COMPANIONS = 5


@dataclass(frozen=True)
class TagUsage:
    posts: int
    authors: int
    first_day: str | None
    last_day: str | None
    accounts: tuple[tuple[str, str, int], ...]  # (source, handle, posts), most posts first
    with_tags: tuple[tuple[str, int], ...]  # (spelling, posts) of tags used alongside it


class TagUsageReads:
    conns: Connections

    def tag_usage(self, tag: str) -> TagUsage:
        """Every stored post with the tag, whatever its age: a campaign tag's history counts."""
        conn = self.conns.db().conn
        row = conn.execute("SELECT id FROM tags WHERE key=?", (tag_key(tag),)).fetchone()
        if row is None:
            return TagUsage(0, 0, None, None, (), ())
        tag_id = int(row[0])
        used = (
            named(conn)
            .execute(
                "SELECT COUNT(*) AS posts, COUNT(DISTINCT p.author_id) AS authors,"
                " MIN(p.day) AS first_day, MAX(p.day) AS last_day"
                " FROM post_hashtags h JOIN posts p ON p.id = h.post_id WHERE h.tag_id=?",
                (tag_id,),
            )
            .fetchone()
        )
        accounts = (
            named(conn)
            .execute(
                "SELECT a.source, a.handle, COUNT(*) AS n FROM post_hashtags h"
                " JOIN posts p ON p.id = h.post_id JOIN authors a ON a.id = p.author_id"
                " WHERE h.tag_id=? GROUP BY a.id ORDER BY n DESC, a.handle LIMIT ?",
                (tag_id, TOP_ACCOUNTS),
            )
            .fetchall()
        )
        companions = (
            named(conn)
            .execute(
                "SELECT t.key, MAX(o.form) AS form, COUNT(*) AS n FROM post_hashtags h"
                " JOIN post_hashtags o ON o.post_id = h.post_id AND o.tag_id != h.tag_id"
                " JOIN tags t ON t.id = o.tag_id WHERE h.tag_id=?"
                " GROUP BY o.tag_id ORDER BY n DESC, t.key LIMIT ?",
                (tag_id, TOP_COMPANIONS),
            )
            .fetchall()
        )
        return TagUsage(
            posts=int(used["posts"]),
            authors=int(used["authors"]),
            first_day=used["first_day"],
            last_day=used["last_day"],
            accounts=tuple(
                (str(row["source"]), str(row["handle"]), int(row["n"])) for row in accounts
            ),
            with_tags=tuple((str(row["form"] or row["key"]), int(row["n"])) for row in companions),
        )
