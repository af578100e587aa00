"""One SQLite connection per thread, WAL, a busy timeout, and one writer at a time.

Every write transaction starts with BEGIN IMMEDIATE, so it takes SQLite's write lock before it
reads: another process holding the lock makes it wait (up to the busy timeout) instead of
failing at once when a deferred transaction tries to upgrade. Migrations run under that same
lock, all of them in one transaction, so any number of processes can start together on a new
or an older database: the first applies them, the others find nothing left to do.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from bot.storage.migrations import migrations

# SQLite's own page cache, per connection (every thread has its own). The operating system caches
# the file as well, so a larger cache mostly holds a second copy: building 300 digest sections at
# 1M posts took the bot to 183 MB with 64 MB here and to 134 MB with 16 MB, in the same time
# (bench/memory.py); with 8 MB, answers that sum 30 days of co-occurrence (a day the window was not
# rolled for) were 12% slower. An import's writer asks for more (PostWriter.bulk_writes).
PAGE_CACHE_KIB = 16 * 1024


class StoreError(RuntimeError):
    """The database can't be opened or used; the message says what to do."""


class Connections:
    """Hands each thread its own connection; Bolt listeners and scheduler jobs run in pools."""

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 30.0) -> None:
        self.path = str(path)
        self.busy_timeout_s = busy_timeout_s
        self.write_lock = threading.RLock()
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        db = self.db()
        try:
            self._use_wal(db)
            with self.write():  # migrations inside nest as savepoints of this one transaction
                migrations.apply(db)
        except sqlite3.DatabaseError as err:
            self.close()
            raise StoreError(
                f"Can't use the database at {self.path}: {err}. Check HASHTAG_BOT_DB points to a "
                "writable SQLite file (a new path creates one)."
            ) from err

    def _use_wal(self, db: Database) -> None:
        """Switch a new file to WAL. The switch needs the file to itself for an instant, and
        SQLite answers "locked" at once rather than waiting when another process starting on the
        same new file holds it, so wait for it here, up to the busy timeout."""
        deadline = time.monotonic() + self.busy_timeout_s
        pause = 0.005
        while True:
            try:
                db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)

    def db(self) -> Database:
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            parent = Path(self.path).parent
            if not parent.exists():
                raise StoreError(f"The folder for HASHTAG_BOT_DB does not exist: {parent}")
            # isolation_level=None: no implicit deferred BEGIN; writes go through write().
            conn = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout_s,
                check_same_thread=False,
                isolation_level=None,
            )
            try:
                conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_s * 1000)}")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA temp_store=MEMORY")
                conn.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
            except sqlite3.DatabaseError as err:
                conn.close()
                raise StoreError(
                    f"Can't use the database at {self.path}: {err}. Check HASHTAG_BOT_DB points "
                    "to a writable SQLite file (a new path creates one)."
                ) from err
            db = Database(conn, execute_plugins=False)
            self._local.db = db
            with self._all_lock:
                self._all.append(conn)
        return db

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One transaction, one writer: all of it lands or none of it does.

        Nested calls become savepoints of the outer transaction.
        """
        db = self.db()
        with self.write_lock:
            conn = db.conn
            if conn.in_transaction:
                with db.atomic():  # a savepoint
                    yield db
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
