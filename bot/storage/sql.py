"""Small SQL building blocks the storage modules share: rows read by column name, and IN-lists in
chunks SQLite accepts."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
CHUNK = 500  # well under SQLite's limit on bound parameters


def named(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor whose rows read by column name (`sqlite3.Row`): `row["handle"]` says what it
    reads where `row[3]` doesn't. Set on this cursor alone, so the connection, which sqlite-utils
    and every other caller share, keeps handing out plain tuples."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor


def marks(items: Collection[object]) -> str:
    """The placeholders for an IN list: '?,?,?'."""
    return ",".join("?" * len(items))


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rows_in(
    conn: sqlite3.Connection, sql: str, values: Collection[object], *, then: Sequence[object] = ()
) -> Iterator[sqlite3.Row]:
    """Rows of `sql` by column name for every value, its `{in_list}` an IN list filled a chunk at
    a time; `then`, the values of the placeholders after the list."""
    for chunk in chunks(sorted(set(values))):  # type: ignore[type-var]
        yield from named(conn).execute(sql.format(in_list=marks(chunk)), [*chunk, *then])


def present(conn: sqlite3.Connection, table: str, column: str, values: Collection[str]) -> set[str]:
    """Which of these values the table already holds in that column."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(values))):
        sql = f"SELECT {column} FROM {table} WHERE {column} IN ({marks(chunk)})"
        found.update(row[0] for row in conn.execute(sql, chunk))
    return found
