"""Tag keys <-> small integer ids, cached in memory for reads; aggregates store the ids.

Writes add tags in SQL (see PostWriter._add_aggregates), so only committed ids are cached.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection
from typing import Any

from bot.storage.sql import chunks, marks, named


class TagIds:
    def __init__(self) -> None:
        self._id: dict[str, int] = {}
        self._key: dict[int, str] = {}
        self._lock = threading.Lock()

    def _remember(self, rows: list[sqlite3.Row]) -> None:
        with self._lock:
            for row in rows:
                self._id[row["key"]] = row["id"]
                self._key[row["id"]] = row["key"]

    def existing(self, conn: sqlite3.Connection, keys: Collection[str]) -> dict[str, int]:
        """Ids of the keys already stored (unknown keys are left out)."""
        self._look_up(conn, "key", [k for k in set(keys) if k not in self._id])
        return {k: self._id[k] for k in keys if k in self._id}

    def keys(self, conn: sqlite3.Connection, ids: Collection[int]) -> dict[int, str]:
        self._look_up(conn, "id", [i for i in set(ids) if i not in self._key])
        return {i: self._key[i] for i in ids if i in self._key}

    def _look_up(self, conn: sqlite3.Connection, column: str, missing: list[Any]) -> None:
        for chunk in chunks(missing):
            sql = f"SELECT id, key FROM tags WHERE {column} IN ({marks(chunk)})"
            self._remember(named(conn).execute(sql, chunk).fetchall())
