"""Alert check time: 100 tracked topics (one per channel) at the largest size.

What a running bot does after each collection cycle: read the tagged posts of the last three
hours and of the same hours in each past week the stored posts cover (four weeks of this 30-day
corpus), weigh every topic's volume, the tags used with it and its threads, and build the Block
Kit of whatever fires. Posting to Slack is not timed (no network here). The corpus is uniform
over 30 days with no bursts, so it also shows how many alerts ordinary traffic raises.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.digest import BUSY
from bench.suggest import database
from bot.domain.conditions import ConditionMatcher
from bot.knowledge import load_knowledge
from bot.services.alerts import AlertCheck, Alerter
from bot.services.topics import TopicPlanner
from bot.slack.alerts import alert_message
from bot.storage import Store

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # an afternoon check on the corpus's last day
TOPICS = 100


def track_topics(store: Store) -> int:
    """100 channels, each tracking one condition: the corpus's busy ones, then the rest of the
    knowledge base in its order (most are quiet here, as most tracked conditions are)."""
    kb = load_knowledge()
    chosen = [(text, condition) for text, condition in BUSY if condition]
    busy = {condition for _, condition in chosen}
    chosen += [(c.name, c.id) for c in kb.conditions.values() if c.id not in busy]
    since = NOW - timedelta(days=40)
    for n, (text, condition) in enumerate(chosen[:TOPICS]):
        store.track(f"A{n:04d}", text, condition_id=condition, created_by="bench", now=since)
    return min(TOPICS, len(chosen))


def check_once(store: Store, alerter: Alerter) -> tuple[float, AlertCheck]:
    started = time.perf_counter()
    check = alerter.check(NOW)
    for found in check.alerts:
        alert_message(found)
    return time.perf_counter() - started, check


def run(quick: bool) -> list[dict[str, Any]]:
    n_posts = 100_000 if quick else 1_000_000
    store = Store(database(n_posts))
    try:
        topics = track_topics(store)
        kb = load_knowledge()
        planner = TopicPlanner(kb, store, ConditionMatcher(kb))
        alerter = Alerter(store, planner, retention_days=90, digest_hour=13)
        check_once(store, alerter)  # warm the page cache, as a running bot has it
        runs = [check_once(store, alerter) for _ in range(5)]
        seconds = statistics.median(r[0] for r in runs)
        fired = len(runs[0][1].alerts)
    finally:
        store.close()
    return [
        {
            "name": f"alert check, {topics} tracked topics, {n_posts:,} posts, median of 5",
            "value": round(seconds, 3),
            "unit": "s",
            "target": "<= 1",
            "met": seconds <= 1,
        },
        {
            "name": f"alerts raised by that check (uniform synthetic traffic), {n_posts:,} posts",
            "value": fired,
            "unit": "alerts",
        },
    ]
