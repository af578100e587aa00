"""Listening figures: archive import throughput, and what X reads cost per stored post.

(a) Import a seeded twarc2 corpus (bench.corpus) through `bot.services.archive_import.import_archive`,
    against a plain sqlite3 baseline that parses the same lines and stores the same posts,
    hashtags and authors in one transaction with no aggregates, no full-text index and no checks.
(b) Ten ingest cycles against the loopback X stand-in, topics overlapping (a condition and its
    community tag, posts carrying several tracked tags), counting the post reads X would bill
    per unique post stored; and the monthly spend that implies for a team tracking 10 conditions.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.corpus import write_twarc2
from bot.config import Settings
from bot.domain.conditions import ConditionMatcher
from bot.domain.topic_plan import plan_topic
from bot.knowledge import load_knowledge
from bot.services.archive_import import import_archive
from bot.services.collection import run_cycle
from bot.services.x_spend import x_spend
from bot.storage import Store

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CONDITIONS = [
    "lung cancer",
    "#LCSM",
    "breast cancer",
    "#BCSM",
    "multiple myeloma",
    "type 1 diabetes",
    "crohn's disease",
    "multiple sclerosis",
    "ALS",
    "ovarian cancer",
    "prostate cancer",
    "#gyncsm",
]  # 10 conditions, two of them also tracked by their community tag (overlap on purpose)
POSTS_PER_CONDITION_DAY = 300  # assumed X volume per tracked condition, for the spend estimate
_WORK = Path(tempfile.mkdtemp(prefix="hashtag-bot-ingest-bench-"))


def _ours(path: Path, db: Path) -> tuple[float, int]:
    """import_archive, timed in a fresh process as `hashtag-bot import` runs: the readers it
    forks then start from a small process, not from this one after the suggest suite."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest", "--time-import", str(path), str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, stored = json.loads(done.stdout.strip().splitlines()[-1])
    return float(seconds), int(stored)


def _time_import(path: Path, db: Path) -> tuple[float, int]:
    store = Store(db)
    try:
        started = time.perf_counter()
        report = import_archive(store, path, now=NOW)  # what `hashtag-bot import` runs
        return time.perf_counter() - started, report.new_posts
    finally:
        store.close()


def _baseline(path: Path, db: Path) -> float:
    """Plain sqlite3: the same posts, hashtags and authors, one transaction, nothing else."""
    conn = sqlite3.connect(db)
    conn.executescript(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE posts (id TEXT PRIMARY KEY, author_id TEXT, text TEXT, created_at TEXT,"
        " likes INT, reposts INT, replies INT, quotes INT);"
        "CREATE TABLE post_hashtags (post_id TEXT, tag TEXT, PRIMARY KEY (post_id, tag)) WITHOUT ROWID;"
        "CREATE TABLE authors (id TEXT PRIMARY KEY, handle TEXT, name TEXT, description TEXT);"
    )
    started = time.perf_counter()
    with conn, path.open("rb") as lines:  # one transaction, fed a page at a time
        for line in lines:
            page = json.loads(line)
            posts, tags = [], []
            for t in page["data"]:
                if t.get("referenced_tweets", [{}])[0].get("type") == "retweeted":
                    continue
                m = t["public_metrics"]
                posts.append(
                    (t["id"], t["author_id"], t["text"], t["created_at"], m["like_count"],
                     m["retweet_count"], m["reply_count"], m["quote_count"])
                )  # fmt: skip
                tags += [(t["id"], h["tag"].lower()) for h in t["entities"]["hashtags"]]
            conn.executemany("INSERT OR IGNORE INTO posts VALUES (?,?,?,?,?,?,?,?)", posts)
            conn.executemany("INSERT OR IGNORE INTO post_hashtags VALUES (?,?)", tags)
            conn.executemany(
                "INSERT OR REPLACE INTO authors VALUES (?,?,?,?)",
                [
                    (u["id"], u["username"], u["name"], u["description"])
                    for u in page["includes"]["users"]
                ],
            )
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def import_rows(n_posts: int) -> list[dict[str, Any]]:
    """Median of five runs each for ours and the baseline at 10k posts and of three at 100k (a
    0.4 s import moves by a tenth or more from run to run on this machine); one run at 1M."""
    path = _WORK / f"corpus-{n_posts}.jsonl"
    write_twarc2(path, n_posts, end=TODAY)
    ours, base = [], []
    for run in range(5 if n_posts <= 10_000 else 3 if n_posts < 1_000_000 else 1):
        ours_s, stored = _ours(path, _WORK / f"ours-{n_posts}-{run}.db")
        ours.append(stored / ours_s)
        base.append(stored / _baseline(path, _WORK / f"baseline-{n_posts}-{run}.db"))
        for leftover in _WORK.glob(f"*-{n_posts}-{run}.db*"):  # 1M posts leave ~1 GB behind
            leftover.unlink()
    path.unlink()
    rate, base_rate = statistics.median(ours), statistics.median(base)
    label = f"{n_posts // 1000:,}k" if n_posts < 1_000_000 else f"{n_posts // 1_000_000}M"
    return [
        {
            "name": f"import {label} posts",
            "value": round(rate),
            "unit": "posts/s",
            "target": ">= 25,000",
            "met": rate >= 25_000,
        },
        {
            "name": f"import {label} vs plain sqlite3",
            "value": round(rate / base_rate, 2),
            "unit": "x baseline",
            "target": ">= 0.3",
            "met": rate / base_rate >= 0.3,
        },
    ]


_MEASURE_CLI_IMPORT = """
import json, resource, sys
from bot.cli import main
try:
    main(["import", sys.argv[1]])
except SystemExit as stop:
    assert not stop.code, stop.code
# Its own peak (VmHWM): ru_maxrss would count the benchmark's memory at the fork that started it.
own = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps([own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))
"""


def import_memory_rows(n_posts: int) -> list[dict[str, Any]]:
    """Peak RSS of `hashtag-bot import` as people run it: its own process, and the largest of
    its reader processes (a fork's RSS counts the pages it still shares with the writer)."""
    path = _WORK / f"corpus-{n_posts}.jsonl"
    write_twarc2(path, n_posts, end=TODAY)
    env = {**os.environ, "HASHTAG_BOT_DB": str(_WORK / "memory.db")}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE_CLI_IMPORT, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    writer_mb, reader_mb = json.loads(done.stdout.strip().splitlines()[-1])
    for leftover in [path, *_WORK.glob("memory.db*")]:
        leftover.unlink()
    label = f"{n_posts // 1000:,}k" if n_posts < 1_000_000 else f"{n_posts // 1_000_000}M"
    return [
        {
            "name": f"peak RSS, hashtag-bot import of {label} posts: writer",
            "value": round(writer_mb, 1),
            "unit": "MB",
            "target": "<= 300",
            "met": writer_mb <= 300,
        },
        {
            "name": f"peak RSS, hashtag-bot import of {label} posts: largest reader",
            "value": round(reader_mb, 1),
            "unit": "MB",
            "target": "<= 300",
            "met": reader_mb <= 300,
        },
    ]


def reads_rows() -> list[dict[str, Any]]:
    from tests.sources.source_standins import GOOD_TOKEN  # the loopback X API
    from tests.sources.standins_x import XStandIn, tweet

    kb = load_knowledge()
    matcher = ConditionMatcher(kb)
    queries = [plan_topic(text, kb, matcher, today=NOW.date()) for text in CONDITIONS]
    tags = sorted({t for q in queries for t in q.tags})
    rng = random.Random(7)
    store = Store(_WORK / "reads.db")
    n = 0
    try:
        with XStandIn() as x_api:
            answer, returned = x_api.answer, [0]

            def counted(asked: Any) -> Any:  # every post X sends back, before same-day de-dup
                reply = answer(asked)
                if asked.path == "/2/tweets/search/recent":  # not the users lookups' profiles
                    returned[0] += len((reply.body or {}).get("data", []))
                return reply

            x_api.answer = counted  # type: ignore[method-assign]
            settings = Settings(
                x_bearer_token=GOOD_TOKEN, x_api_url=x_api.url, x_monthly_budget_usd=1e9
            )
            for _cycle in range(10):
                for _ in range(400):  # new posts between cycles; a third carry two tracked tags
                    chosen = rng.sample(tags, 2 if rng.random() < 0.33 else 1)
                    n += 1
                    x_api.tweets.append(
                        tweet(n, " ".join(f"#{t}" for t in chosen), user=rng.randrange(300))
                    )
                run_cycle(settings, store, queries, names=("x",), clock=lambda: NOW)
            spend = x_spend(store, settings, NOW.date())
            stored = store.counts()["posts"]
            requests = len(x_api.searches)
    finally:
        store.close()
        for leftover in _WORK.glob("reads.db*"):
            leftover.unlink()
    per_post = spend.post_reads / stored
    raw_per_post = returned[0] / stored
    users_per_post = spend.user_reads / stored
    monthly_posts = 10 * POSTS_PER_CONDITION_DAY * 30
    prices = Settings()
    monthly = monthly_posts * (
        per_post * prices.x_post_read_usd + users_per_post * prices.x_user_read_usd
    )
    return [
        {
            "name": "X post reads per unique stored post (10 cycles)",
            "value": round(per_post, 3),
            "unit": "reads/post",
            "target": "<= 1.0",
            "met": per_post <= 1.0,
        },
        {
            "name": "X posts returned per unique stored post, before same-day de-dup",
            "value": round(raw_per_post, 3),
            "unit": "posts/post",
            "target": "",
            "met": None,
        },
        {
            "name": "X requests per cycle (10 conditions)",
            "value": round(requests / 10, 1),
            "unit": "requests",
            "target": "",
            "met": None,
        },
        {
            "name": f"est. X spend, 10 conditions at {POSTS_PER_CONDITION_DAY} posts/day each",
            "value": round(monthly, 2),
            "unit": "USD/month",
            "target": "",
            "met": None,
        },
    ]


def run(quick: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    sizes = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    for n_posts in sizes:
        rows += import_rows(n_posts)
    return rows + import_memory_rows(sizes[-1]) + reads_rows()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--time-import"]:
        print(json.dumps(_time_import(Path(sys.argv[2]), Path(sys.argv[3]))))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
