"""Digest build time: 100 channels × 3 tracked topics (300 topic-sections) at the largest size.

Channels pick their topics from a seeded mix the way recruitment teams would: conditions the
corpus talks about a lot, conditions it barely mentions, and topics no condition matches (read
through full-text search). The scheduled job builds every due channel in one pass, which is
what is timed, together with turning each digest into Slack messages.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from bench.suggest import database
from bot.knowledge import load_knowledge
from bot.services.digests import Digester
from bot.services.topics import TopicSpec
from bot.slack.digest import digest_messages
from bot.storage import Store

NOW = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)  # DIGEST_HOUR on the corpus's last day
CHANNELS, TOPICS_PER_CHANNEL = 100, 3
BUSY = [  # conditions whose tags the corpus uses heavily (bench/corpus.py REAL_TAGS)
    ("Lung cancer", "lung-cancer"),
    ("Breast cancer", "breast-cancer"),
    ("Type 1 diabetes", "type-1-diabetes"),
    ("Crohn's disease", "crohns-disease"),
    ("Inflammatory bowel disease", "inflammatory-bowel-disease"),
    ("Multiple sclerosis", "multiple-sclerosis"),
    ("ALS", "amyotrophic-lateral-sclerosis"),
    ("Gynecologic cancers", "gynecologic-cancers"),
    ("Multiple myeloma", "multiple-myeloma"),
    ("Prostate cancer", "prostate-cancer"),
    ("Colorectal cancer", "colorectal-cancer"),
    ("Brain tumor", "brain-tumor"),
]
QUIET = [  # tracked, but hardly in this corpus
    ("Lupus", None),
    ("Psoriasis", None),
    ("Migraine", None),
    ("Sickle cell disease", None),
    ("Parkinson's disease", None),
    ("Endometriosis", None),
    ("Melanoma", None),
    ("Heart failure", None),
]
WORDS = [("support group", None), ("trial results", None), ("patient community", None)]


def channels(seed: int = 7) -> dict[str, list[TopicSpec]]:
    rng = random.Random(seed)
    pool = [TopicSpec(text, condition) for text, condition in BUSY + QUIET + WORDS]
    return {f"C{n:04d}": rng.sample(pool, TOPICS_PER_CHANNEL) for n in range(CHANNELS)}


def build_all(store: Store, wanted: dict[str, list[TopicSpec]]) -> tuple[float, int, int]:
    """Seconds to build and render every channel's digest; messages and blocks produced."""
    started = time.perf_counter()
    digests = Digester(load_knowledge(), store).for_channels(wanted, now=NOW)
    messages = [m for digest in digests.values() for m in digest_messages(digest)]
    elapsed = time.perf_counter() - started
    return elapsed, len(messages), sum(len(m["blocks"]) for m in messages)


def one_channel_seconds(store: Store, wanted: dict[str, list[TopicSpec]]) -> list[float]:
    """`hashtag-bot digest --channel ID`: one channel's three topics, built on their own."""
    samples = []
    for channel in list(wanted)[:10]:
        started = time.perf_counter()
        digest = Digester(load_knowledge(), store).for_topics(
            wanted[channel], now=NOW, channel_id=channel
        )
        digest_messages(digest)
        samples.append(time.perf_counter() - started)
    return samples


def run(quick: bool) -> list[dict[str, Any]]:
    n_posts = 100_000 if quick else 1_000_000
    store = Store(database(n_posts))
    try:
        wanted = channels()
        distinct = len({spec.key for specs in wanted.values() for spec in specs})
        build_all(store, wanted)  # warm the page cache, as a running bot has it
        runs = [build_all(store, wanted) for _ in range(3)]
        seconds = statistics.median(r[0] for r in runs)
        _, messages, blocks = runs[0]
        single = one_channel_seconds(store, wanted)
    finally:
        store.close()
    sections = CHANNELS * TOPICS_PER_CHANNEL
    return [
        {
            "name": f"digest build, {CHANNELS} channels × {TOPICS_PER_CHANNEL} topics"
            f" ({sections} sections, {distinct} distinct topics), {n_posts:,} posts",
            "value": round(seconds, 2),
            "unit": "s",
            "target": "<= 10",
            "met": seconds <= 10,
        },
        {"name": "Slack messages in those digests", "value": messages, "unit": "messages"},
        {"name": "Block Kit blocks in those messages", "value": blocks, "unit": "blocks"},
        {
            "name": f"one channel's digest on its own (3 topics), {n_posts:,} posts, median",
            "value": round(statistics.median(single), 2),
            "unit": "s",
        },
    ]
