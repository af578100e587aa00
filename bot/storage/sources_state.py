"""Reads the listeners need beyond cursors: which authors are already stored, what a source holds."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from bot.storage.connection import Connections
from bot.storage.sql import present


class SourcesState:
    conns: Connections

    def known_authors(self, author_ids: Collection[str]) -> set[str]:
        """The ids among these that have a stored profile, so a bare id never overwrites a full one."""
        return present(self.conns.db().conn, "authors", "id", author_ids)

    def posts_by_source(self) -> dict[str, int]:
        """How many posts each source has stored: `ingest` and `doctor` report it."""
        rows = self.conns.db().conn.execute("SELECT source, COUNT(*) FROM posts GROUP BY source")
        return {source: int(count) for source, count in rows}

    def platform_ids(self, source: str, kind: str) -> Iterator[str]:
        """The platform's own ids (no "x:" prefix) of stored posts or accounts from `source`, as
        its compliance checks want them, read as they are used. `kind`: "posts" or "authors"."""
        table = {"posts": "posts", "authors": "authors"}[kind]
        rows = self.conns.db().conn.execute(
            f"SELECT substr(id, ?) FROM {table} WHERE source = ?", (len(source) + 2, source)
        )
        return (row[0] for row in rows)
