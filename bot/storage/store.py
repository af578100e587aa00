"""The Store: one SQLite file, migrations at start-up, safe across threads."""

from __future__ import annotations

from pathlib import Path

from bot.storage.connection import Connections, StoreError
from bot.storage.digests import DigestReader
from bot.storage.posts import PostWriter, SaveResult
from bot.storage.sources_state import SourcesState
from bot.storage.state import StateStore, Topic
from bot.storage.stats import StatsReader
from bot.storage.tag_ids import TagIds

__all__ = ["SaveResult", "Store", "StoreError", "Topic"]


class Store(PostWriter, StatsReader, DigestReader, StateStore, SourcesState):
    """Every read and write the bot makes; nothing outside storage/ writes SQL."""

    def __init__(self, path: str | Path) -> None:
        self.conns = Connections(path)
        self.tag_ids = TagIds()
        self.path = str(path)

    def close(self) -> None:
        self.conns.close()

    def counts(self) -> dict[str, int]:
        conn = self.conns.db().conn
        return {
            table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in ("posts", "authors", "topics", "post_hashtags")
        }
