"""Several processes on one database: writers wait their turn, migrations run once."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

from sqlite_utils import Database

from bot.storage import Store
from bot.storage.migrations import migrations
from tests.factories import NOW, author, post

WRITERS = 5
ROUNDS = 40


def _writer(path: str, n: int, start_at: float) -> None:
    """Starts on the same instant as its siblings, then mixes every kind of write the bot makes."""
    time.sleep(max(0.0, start_at - time.time()))
    store = Store(path)
    try:
        for i in range(ROUNDS):
            store.track(f"C{n}", f"topic {i}", condition_id=None, created_by="U1", now=NOW)
            store.count_reads("x", NOW.date(), posts=1, users=1, requests=1)
            store.save_posts(
                [post(f"#LCSM from writer {n} round {i}", at=NOW, by=n, post_id=f"x:{n}-{i}")],
                [author(n)],
                now=NOW,
            )
            store.mute(f"C{n}", f"user{i}", created_by="U1", now=NOW)
    finally:
        store.close()


def test_processes_starting_together_on_a_new_database_all_finish(tmp_path: Path) -> None:
    path = str(tmp_path / "new.db")
    start_at = time.time() + 1.0
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_writer, args=(path, n, start_at)) for n in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=90)
    assert [w.exitcode for w in workers] == [0] * WRITERS  # no "database is locked", no crash
    store = Store(path)
    try:
        counts = store.counts()
        assert counts["posts"] == counts["topics"] == WRITERS * ROUNDS
        assert store.reads_between("x", NOW.date(), NOW.date()) == (WRITERS * ROUNDS,) * 3
        assert store.tag_activity(["lcsm"], NOW.date())["lcsm"].posts == WRITERS * ROUNDS
        db = Database(store.conns.db().conn)
        applied = [m.name for m in migrations.applied(db)]
        assert len(applied) == len(set(applied)) and migrations.pending(db) == []  # each once
    finally:
        store.close()


def test_a_database_from_the_previous_schema_is_upgraded_and_keeps_its_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "older.db"
    conn = sqlite3.connect(path, isolation_level=None)
    latest = migrations.pending(Database(conn))[-1].name  # a new file: every migration pending
    migrations.apply(Database(conn), stop_before=latest)
    conn.execute(
        "INSERT INTO topics (team_id, channel_id, topic, topic_key, condition_id, created_by,"
        " created_at) VALUES ('T1', 'C1', 'Lung cancer', 'lung cancer', 'lung-cancer', 'U1', ?)",
        (NOW.isoformat(),),
    )
    conn.close()
    store = Store(path)
    try:
        assert [t.topic for t in store.topics("C1")] == ["Lung cancer"]
        applied = {m.name for m in migrations.applied(Database(store.conns.db().conn))}
        assert latest in applied
        assert store.track("C1", "Crohn's disease", condition_id=None, created_by="U1", now=NOW)
    finally:
        store.close()
