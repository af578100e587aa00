"""`suggest` latency in-process, knowledge-base-only and data-backed, at 10k / 100k / 1M posts."""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.corpus import write_twarc2
from bot.knowledge import load_knowledge
from bot.services.archive_import import import_archive
from bot.services.suggestions import Suggester
from bot.storage import Store

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 23, 59, tzinfo=UTC)
# What recruiters type: plain names, abbreviations, a typo, a tag, several conditions, unknown text.
QUERIES = [
    "lung cancer",
    "breast cancer",
    "T1D",
    "Crohn's",
    "MS",
    "multiple myeloma",
    "lung cancr",
    "#LCSM",
    "lupus and psoriasis",
    "support group",
]
ROUNDS = 20
UNROLLED_DAYS = 10  # as bench/slack_ack.py's "window 10 days old"
_DATABASES: dict[int, Path] = {}
_WORKDIR = Path(tempfile.mkdtemp(prefix="hashtag-bot-bench-"))


def database(n_posts: int) -> Path:
    """A database holding the seeded corpus of n_posts, imported once per run and shared."""
    if n_posts not in _DATABASES:
        write_twarc2(_WORKDIR / f"corpus-{n_posts}.jsonl", n_posts, end=TODAY)
        path = _WORKDIR / f"bench-{n_posts}.db"
        store = Store(path)
        try:
            import_archive(store, _WORKDIR / f"corpus-{n_posts}.jsonl", now=NOW)
            store.rebuild_cooccur_window(TODAY)  # as `hashtag-bot import` leaves it
        finally:
            store.close()
        _DATABASES[n_posts] = path
    return _DATABASES[n_posts]


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def latencies(path: Path, today: date = TODAY) -> list[float]:
    store = Store(path)
    try:
        suggester = Suggester(load_knowledge(), store)
        for query in QUERIES:  # warm the page cache the way a running bot has it
            suggester.suggest(query, today=today)
        samples = []
        for _ in range(ROUNDS):
            for query in QUERIES:
                started = time.perf_counter()
                suggester.suggest(query, today=today)
                samples.append((time.perf_counter() - started) * 1000)
        return samples
    finally:
        store.close()


def window_rebuild_seconds(path: Path) -> float:
    """What the daily roll of the 30-day co-occurrence window costs (the scheduler pays it)."""
    store = Store(path)
    try:
        started = time.perf_counter()
        store.rebuild_cooccur_window(date(2026, 11, 28))
        elapsed = time.perf_counter() - started
        store.rebuild_cooccur_window(TODAY)  # back, for whoever reads this database next
        return elapsed
    finally:
        store.close()


def rows_for(label: str, samples: list[float]) -> list[dict[str, Any]]:
    p95 = percentile(samples, 95)
    return [
        {
            "name": f"suggest p50, {label}",
            "value": round(statistics.median(samples), 2),
            "unit": "ms",
        },
        {
            "name": f"suggest p95, {label}",
            "value": round(p95, 2),
            "unit": "ms",
            "target": "<= 50",
            "met": p95 <= 50,
        },
        {"name": f"suggest p99, {label}", "value": round(percentile(samples, 99), 2), "unit": "ms"},
    ]


def run(quick: bool) -> list[dict[str, Any]]:
    rows = rows_for("knowledge base only", latencies(_WORKDIR / "empty.db"))
    sizes = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    for n_posts in sizes:
        path = database(n_posts)
        rows += rows_for(f"{n_posts:,} posts", latencies(path))
        if n_posts == sizes[-1]:  # what every answer costs on a day the window was not rolled for
            later = latencies(path, today=TODAY + timedelta(days=UNROLLED_DAYS))
            rows += [
                {
                    "name": f"suggest p{pct}, {n_posts:,} posts, {UNROLLED_DAYS} days after the"
                    " window's day (co-occurrence summed from the days)",
                    "value": round(percentile(later, pct), 2),
                    "unit": "ms",
                }
                for pct in (50, 95)
            ]
        rows.append(
            {
                "name": f"co-occurrence window rebuild, {n_posts:,} posts",
                "value": round(window_rebuild_seconds(path), 2),
                "unit": "s",
                "target": "daily job, off the request path",
            }
        )
        size = path.stat().st_size + sum(
            p.stat().st_size for p in path.parent.glob(path.name + "-*") if p.exists()
        )
        rows.append(
            {
                "name": f"database bytes per post, {n_posts:,} posts",
                "value": round(size / n_posts),
                "unit": "bytes",
            }
        )
    return rows
