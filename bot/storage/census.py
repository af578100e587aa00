"""What a census keeps: its runs (so a killed one resumes), each figure by tag, network, language
and the day measured (earlier weeks kept, for trends), and the Jetstream tally of every hashtag
per day and language with the stretches of time the stream covered. Counts only: no post's text
and no author is stored from counting."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.domain.reach import Measurement
from bot.storage.connection import Connections
from bot.storage.sql import chunks, marks

TALLY_CURSOR = ("bluesky", "census tally")  # (source, query_key) in cursors


@dataclass(frozen=True)
class CensusRun:
    id: int
    scope: str
    networks: tuple[str, ...]
    started_at: datetime
    finished_at: datetime | None
    terms: int
    measured: dict[str, int]  # network -> tags measured in this run
    refused: dict[str, str]  # network -> why

    @property
    def tags_measured(self) -> int:
        return max(self.measured.values(), default=0)


@dataclass(frozen=True)
class CensusFigure:
    """A stored figure, with the tag as shown."""

    tag: str
    measurement: Measurement


def _rows(conn: sqlite3.Connection, sql: str, params: Iterable[object] = ()) -> list[sqlite3.Row]:
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql, list(params)).fetchall()


def _measurement(row: sqlite3.Row) -> Measurement:
    return Measurement(
        network=row["network"],
        posts_7d=int(row["posts_7d"]),
        as_of=date.fromisoformat(row["measured_on"]),
        accounts_7d=None if row["accounts_7d"] is None else int(row["accounts_7d"]),
        at_least=bool(row["at_least"]),
        instance=row["instance"] or "",
        guarded=bool(row["guarded"]),
        lang=row["lang"],
        via=row["via"],
    )


class CensusRecords:
    conns: Connections

    # Runs -------------------------------------------------------------------------------------
    def start_census(
        self,
        scope: str,
        networks: Collection[str],
        terms: int,
        *,
        now: datetime,
        resume_since: datetime | None,
    ) -> tuple[int, bool]:
        """The run to record figures in: the latest unfinished run of the same scope started
        since `resume_since` (a census killed half-way goes on), else a new one. Returns (id,
        resumed)."""
        with self.conns.write() as db:
            if resume_since is not None:
                row = db.conn.execute(
                    "SELECT id FROM census_runs WHERE scope = ? AND finished_at IS NULL"
                    " AND started_at >= ? ORDER BY id DESC LIMIT 1",
                    (scope, resume_since.isoformat()),
                ).fetchone()
                if row is not None:
                    db.conn.execute(
                        "UPDATE census_runs SET terms = ?, networks = ? WHERE id = ?",
                        (terms, ",".join(networks), row[0]),
                    )
                    return int(row[0]), True
            cursor = db.conn.execute(
                "INSERT INTO census_runs (scope, networks, started_at, terms) VALUES (?,?,?,?)",
                (scope, ",".join(networks), now.isoformat(), terms),
            )
            return int(cursor.lastrowid or 0), False

    def finish_census(self, run_id: int, *, now: datetime) -> None:
        with self.conns.write() as db:
            db.conn.execute(
                "UPDATE census_runs SET finished_at = ? WHERE id = ?", (now.isoformat(), run_id)
            )

    def refuse_census(self, run_id: int, network: str, why: str, *, now: datetime) -> None:
        """A network that refused this run (said once, whatever the number of tags)."""
        with self.conns.write() as db:
            db.conn.execute(
                "INSERT INTO census_refusals VALUES (?,?,?,?) ON CONFLICT DO UPDATE SET"
                " why = excluded.why, at = excluded.at",
                (run_id, network, why, now.isoformat()),
            )

    def census_refused_since(self, since: datetime) -> set[str]:
        """The networks that refused a census since then."""
        rows = self.conns.db().conn.execute(
            "SELECT DISTINCT network FROM census_refusals WHERE at >= ?", (since.isoformat(),)
        )
        return {row[0] for row in rows}

    def census_done(self, run_id: int, network: str) -> set[str]:
        """The tag keys this run already holds a figure for on the network."""
        rows = _rows(
            self.conns.db().conn,
            "SELECT tag_key FROM census_counts WHERE run_id = ? AND network = ?",
            (run_id, network),
        )
        return {row["tag_key"] for row in rows}

    def census_run(self, run_id: int | None = None) -> CensusRun | None:
        """One run with what it measured and who refused; the latest when no id is given."""
        conn = self.conns.db().conn
        where, params = ("WHERE id = ?", [run_id]) if run_id is not None else ("", [])
        found = _rows(conn, f"SELECT * FROM census_runs {where} ORDER BY id DESC LIMIT 1", params)
        if not found:
            return None
        run = found[0]
        measured = {
            row["network"]: int(row["tags"])
            for row in _rows(
                conn,
                "SELECT network, COUNT(DISTINCT tag_key) AS tags FROM census_counts"
                " WHERE run_id = ? GROUP BY network",
                (run["id"],),
            )
        }
        refused = {
            row["network"]: row["why"]
            for row in _rows(
                conn, "SELECT network, why FROM census_refusals WHERE run_id = ?", (run["id"],)
            )
        }
        return CensusRun(
            id=int(run["id"]),
            scope=run["scope"],
            networks=tuple(n for n in run["networks"].split(",") if n),
            started_at=datetime.fromisoformat(run["started_at"]),
            finished_at=datetime.fromisoformat(run["finished_at"]) if run["finished_at"] else None,
            terms=int(run["terms"]),
            measured=measured,
            refused=refused,
        )

    # Figures ----------------------------------------------------------------------------------
    def save_figure(
        self, run_id: int, tag: str, key: str, figure: Measurement, *, now: datetime
    ) -> None:
        """One figure, in its own transaction: a census killed after it keeps it. The day's
        earlier figure for the same tag, network and language is replaced."""
        with self.conns.write() as db:
            db.conn.execute(
                "INSERT INTO census_counts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT DO UPDATE SET tag = excluded.tag, posts_7d = excluded.posts_7d,"
                " accounts_7d = excluded.accounts_7d, at_least = excluded.at_least,"
                " instance = excluded.instance, guarded = excluded.guarded, via = excluded.via,"
                " run_id = excluded.run_id, measured_at = excluded.measured_at",
                (
                    key,
                    figure.network,
                    figure.lang,
                    figure.as_of.isoformat(),
                    tag,
                    figure.posts_7d,
                    figure.accounts_7d,
                    int(figure.at_least),
                    figure.instance or None,
                    int(figure.guarded),
                    figure.via,
                    run_id,
                    now.isoformat(),
                ),
            )

    def census_figures_of_run(self, run_id: int) -> list[CensusFigure]:
        rows = _rows(
            self.conns.db().conn,
            "SELECT * FROM census_counts WHERE run_id = ? ORDER BY tag_key, network, lang",
            (run_id,),
        )
        return [CensusFigure(row["tag"], _measurement(row)) for row in rows]

    def census_figures(
        self, keys: Collection[str], first: date, last: date
    ) -> dict[str, list[Measurement]]:
        """Every figure of these tags measured from `first` to `last`, oldest first, counted in
        every language (figures for one language are what the census measured for that tag)."""
        found: dict[str, list[Measurement]] = {}
        conn = self.conns.db().conn
        for chunk in chunks(sorted(set(keys))):
            for row in _rows(
                conn,
                f"SELECT * FROM census_counts WHERE tag_key IN ({marks(chunk)})"
                " AND measured_on >= ? AND measured_on <= ? ORDER BY measured_on",
                [*chunk, first.isoformat(), last.isoformat()],
            ):
                found.setdefault(row["tag_key"], []).append(_measurement(row))
        return found

    def last_measured(self, network: str) -> dict[str, date]:
        """Tag key -> the latest day it was measured on the network."""
        rows = _rows(
            self.conns.db().conn,
            "SELECT tag_key, MAX(measured_on) AS last FROM census_counts"
            " WHERE network = ? GROUP BY tag_key",
            (network,),
        )
        return {row["tag_key"]: date.fromisoformat(row["last"]) for row in rows}

    def has_census(self) -> bool:
        return (
            self.conns.db().conn.execute("SELECT 1 FROM census_counts LIMIT 1").fetchone()
            is not None
        )

    def census_measured_since(self, first: date) -> int:
        """How many tags have a figure measured on or after `first`."""
        row = (
            self.conns.db()
            .conn.execute(
                "SELECT COUNT(DISTINCT tag_key) FROM census_counts WHERE measured_on >= ?",
                (first.isoformat(),),
            )
            .fetchone()
        )
        return int(row[0])

    # The Jetstream tally ----------------------------------------------------------------------
    def tally_cursor(self) -> int | None:
        """The time (µs) of the last stream event the tally holds: events up to it are counted."""
        row = (
            self.conns.db()
            .conn.execute(
                "SELECT position FROM cursors WHERE source = ? AND query_key = ?", TALLY_CURSOR
            )
            .fetchone()
        )
        return int(row[0]) if row and str(row[0]).isdigit() else None

    def add_tally(
        self,
        counts: Mapping[tuple[str, str, str], int],
        span: tuple[int, int],
        *,
        join_gap_us: int,
        now: datetime,
    ) -> None:
        """Add a stretch of the stream: its posts per (tag key, day, language), the time it
        covered (joined to stretches it touches within `join_gap_us`) and the tally's cursor,
        in one transaction, so a restart counts nothing twice."""
        start, end = span
        with self.conns.write() as db:
            conn = db.conn
            conn.executemany(
                "INSERT INTO bluesky_tally VALUES (?,?,?,?) ON CONFLICT DO UPDATE SET"
                " posts = posts + excluded.posts",
                [(key, day, lang, n) for (key, day, lang), n in counts.items() if n],
            )
            touching = conn.execute(
                "SELECT start_us, end_us FROM bluesky_tally_spans"
                " WHERE end_us >= ? AND start_us <= ?",
                (start - join_gap_us, end + join_gap_us),
            ).fetchall()
            merged_start = min([start, *(s for s, _ in touching)])
            merged_end = max([end, *(e for _, e in touching)])
            conn.executemany(
                "DELETE FROM bluesky_tally_spans WHERE start_us = ?", [(s,) for s, _ in touching]
            )
            conn.execute("INSERT INTO bluesky_tally_spans VALUES (?,?)", (merged_start, merged_end))
            conn.execute(
                "INSERT INTO cursors VALUES (?,?,?,?) ON CONFLICT DO UPDATE SET"
                " position = excluded.position, updated_at = excluded.updated_at",
                (*TALLY_CURSOR, str(end), now.isoformat()),
            )

    def tally_spans(self, first_us: int, last_us: int) -> list[tuple[int, int]]:
        """The stretches (µs) the stream was tallied that overlap [first_us, last_us]."""
        rows = self.conns.db().conn.execute(
            "SELECT start_us, end_us FROM bluesky_tally_spans"
            " WHERE end_us >= ? AND start_us <= ? ORDER BY start_us",
            (first_us, last_us),
        )
        return [(int(s), int(e)) for s, e in rows]

    def tally_posts(
        self, keys: Collection[str], first: date, last: date
    ) -> dict[str, dict[str, dict[str, int]]]:
        """tag key -> day -> language -> posts, from the tally."""
        found: dict[str, dict[str, dict[str, int]]] = {}
        conn = self.conns.db().conn
        for chunk in chunks(sorted(set(keys))):
            for row in _rows(
                conn,
                f"SELECT * FROM bluesky_tally WHERE tag_key IN ({marks(chunk)})"
                " AND day >= ? AND day <= ?",
                [*chunk, first.isoformat(), last.isoformat()],
            ):
                days = found.setdefault(row["tag_key"], {})
                days.setdefault(row["day"], {})[row["lang"]] = int(row["posts"])
        return found

    def prune_tally(self, before: date) -> int:
        """Forget the tally's days before `before` (the census keeps its own figures)."""
        first_us = (
            int(datetime(before.year, before.month, before.day, tzinfo=UTC).timestamp()) * 1_000_000
        )
        with self.conns.write() as db:
            removed = db.conn.execute(
                "DELETE FROM bluesky_tally WHERE day < ?", (before.isoformat(),)
            ).rowcount
            db.conn.execute("DELETE FROM bluesky_tally_spans WHERE end_us < ?", (first_us,))
            return int(removed)
