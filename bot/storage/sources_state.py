"""Reads the listeners need beyond cursors: which authors are already stored, what a source holds."""

from __future__ import annotations

from collections.abc import Collection

from bot.storage.connection import Connections

_CHUNK = 500


class SourcesState:
    conns: Connections

    def known_authors(self, author_ids: Collection[str]) -> set[str]:
        """The ids among these that have a stored profile, so a bare id never overwrites a full one."""
        ids = sorted(set(author_ids))
        found: set[str] = set()
        conn = self.conns.db().conn
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                row[0]
                for row in conn.execute(f"SELECT id FROM authors WHERE id IN ({marks})", chunk)
            )
        return found

    def posts_by_source(self) -> dict[str, int]:
        """How many posts each source has stored: `ingest` and `doctor` report it."""
        rows = self.conns.db().conn.execute("SELECT source, COUNT(*) FROM posts GROUP BY source")
        return {source: int(count) for source, count in rows}
