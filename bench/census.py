"""A full census on a fresh database: requests per network, time and X spend.

Every tag a census measures (the knowledge base's, the awareness events' candidates) is counted
against loopback X, Mastodon (two instances) and Bluesky (tests/sources/standins_*.py, their
real wire formats), with Zipf-distributed weekly use. Twice for Bluesky: once with no Jetstream
tally (a fresh install: every tag from search, up to 3 pages each), once with a tally covering
the week (`run` after a week: no request at all).

The networks' rate limits are lifted in the stand-ins and in the bot's own Mastodon pacing, so
the time is the bot's own; the time the limits impose on a real network (X 300 counts requests
per 15 minutes, Mastodon 300 requests per 5 minutes per instance) is computed from the requests.
The Jetstream tally's cost is measured per event, on synthetic events shaped like Jetstream's.
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.domain.reach import Guard
from bot.services import build_services
from bot.services.census import Census
from bot.sources.bluesky_tally import MAX_QUIET_US, HashtagTally
from bot.sources.census_window import CensusWindow, TagCounter
from bot.storage import Store

X_WINDOW, X_WINDOW_S = 300, 15 * 60  # recent counts per app (docs.x.com rate limits)
MASTODON_WINDOW, MASTODON_WINDOW_S = 300, 5 * 60  # Mastodon's default API limit
INSTANCES = 2
ZIPF_S = 1.2
BLUESKY_TAGS = 60  # tags with Bluesky posts found by search (the rest have none)
TALLY_EVENTS = 200_000
# Jetstream's posts-only stream, September 2024 (jazco.dev, 2024-09-24): about 850 MB a day
# zstd-compressed at 211 bytes an event, 482 bytes an event uncompressed.
EVENTS_A_DAY = 850e6 / 211


def _lifted(census: Census) -> Any:
    """The bot's counters, its own Mastodon pacing lifted (the stand-ins don't rate-limit)."""

    def make(network: str, max_wait_s: float) -> TagCounter:
        counter = census.counter_for(network, max_wait_s)
        if network == "mastodon":
            counter.window_requests = 10**9  # type: ignore[attr-defined]
        return counter

    return make


def full_census(*, with_tally: bool, seed: int = 7) -> dict[str, Any]:
    from tests.sources.source_standins import GOOD_TOKEN, LIVE_NOW
    from tests.sources.standins_bluesky import XrpcStandIn
    from tests.sources.standins_mastodon import MastodonStandIn
    from tests.sources.standins_x import XStandIn

    rng = random.Random(seed)
    workdir = Path(tempfile.mkdtemp(prefix="hashtag-bot-census-"))
    store = Store(workdir / "census.db")
    try:
        with (
            XStandIn() as x,
            MastodonStandIn() as big,
            MastodonStandIn() as small,
            XrpcStandIn("bench-pass") as bluesky,
        ):
            x.counts_limit = big.limit = small.limit = 10**9
            settings = Settings(
                x_bearer_token=GOOD_TOKEN,
                x_api_url=x.url,
                mastodon_instances=(small.url, big.url),
                bluesky_api_url=bluesky.url,
                bluesky_appview_url=bluesky.url,
                bluesky_handle="bench.bsky.social",
                bluesky_app_password="bench-pass",
            )
            services = build_services(settings, store, clock=lambda: LIVE_NOW)
            terms, _ = services.census.terms()
            for rank, term in enumerate(rng.sample(terms, len(terms)), 1):
                weekly = int(20_000 / rank**ZIPF_S)
                x.weekly[term.key] = x.guarded_weekly[term.key] = weekly
                big.tag_weeks[term.key] = (weekly // 40, weekly // 90)
                small.tag_weeks[term.key] = (weekly // 120, weekly // 250)
                if rank <= BLUESKY_TAGS:
                    bluesky.add_week(term.tag, min(weekly // 20, 350))
            if with_tally:
                _cover_the_week(store, LIVE_NOW)
            census = Census(
                settings,
                store,
                services.kb,
                services.planner,
                clock=lambda: LIVE_NOW,
                counters=_lifted(services.census),
            )
            started = time.perf_counter()
            report = census.run()
            seconds = time.perf_counter() - started
            requests = {r.network: r.requests for r in report.networks}
            return {
                "tags": report.terms,
                "seconds": seconds,
                "requests": requests,
                "x_counts": len(x.count_queries),
                "x_post_reads": x.billed_reads("posts"),
                "mastodon_calls": len(big.tag_calls) + len(small.tag_calls),
                "bluesky_searches": len(bluesky.searches),
                "at_least": sum(
                    f.measurement.at_least
                    for f in report.figures
                    if f.measurement.network == "bluesky"
                ),
            }
    finally:
        store.close()
        for leftover in workdir.glob("*"):
            leftover.unlink()
        workdir.rmdir()


def _cover_the_week(store: Store, now: datetime) -> None:
    """What a week of `run` leaves: the tally's stretches covering every day of the window."""
    window = CensusWindow(now)
    start = int((window.start - timedelta(minutes=1)).timestamp() * 1_000_000)
    store.add_tally(
        {}, (start, int(now.timestamp() * 1_000_000)), join_gap_us=MAX_QUIET_US, now=now
    )


def tally_cost(events: int = TALLY_EVENTS, seed: int = 3) -> float:
    """Seconds of CPU per Jetstream event for the tally (a tenth of posts tagged, as is usual)."""
    rng = random.Random(seed)
    base = int(datetime(2026, 12, 1, tzinfo=UTC).timestamp() * 1_000_000)
    stream = []
    for n in range(events):
        text = "just a post"
        facets = []
        if rng.random() < 0.1:
            tag = f"tag{int(rng.paretovariate(1.1)) % 5000}"
            text = f"a post with #{tag}"
            facets = [
                {
                    "index": {"byteStart": 12, "byteEnd": 12 + len(tag) + 1},
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
                }
            ]
        stream.append(
            {
                "did": "did:plc:bench",
                "time_us": base + n * 20_000,
                "kind": "commit",
                "commit": {
                    "operation": "create",
                    "collection": "app.bsky.feed.post",
                    "rkey": f"3k{n}",
                    "record": {"text": text, "facets": facets, "langs": ["en"]},
                },
            }
        )
    tally = HashtagTally({"tag7": Guard.of(["multiple sclerosis"])})
    started = time.process_time()
    for event in stream:
        tally.take(event)
    tally.drain()
    return (time.process_time() - started) / events


def run(quick: bool) -> list[dict[str, Any]]:
    fresh = full_census(with_tally=False)
    after_a_week = full_census(with_tally=True)
    per_event = tally_cost(TALLY_EVENTS // (4 if quick else 1))
    x_requests = fresh["requests"].get("x", 0)
    mastodon_requests = fresh["requests"].get("mastodon", 0)
    x_minutes = (math.ceil(x_requests / X_WINDOW) - 1) * X_WINDOW_S / 60
    per_instance = mastodon_requests / INSTANCES
    mastodon_minutes = (math.ceil(per_instance / MASTODON_WINDOW) - 1) * MASTODON_WINDOW_S / 60

    def row(name: str, value: float, unit: str, **more: Any) -> dict[str, Any]:
        return {"name": name, "value": value, "unit": unit, **more}

    return [
        row("census: tags measured, a full pass", fresh["tags"], "tags"),
        row("census: X counts requests (one a tag)", x_requests, "requests"),
        row(
            "census: X post reads billed for a full pass (counts read no post)",
            fresh["x_post_reads"],
            "reads",
            target=f"X spend: {x_requests} × X_COUNTS_REQUEST_USD (unpriced until set)",
        ),
        row(f"census: Mastodon requests ({INSTANCES} instances)", mastodon_requests, "requests"),
        row(
            "census: Bluesky search requests, no tally (a fresh install)",
            fresh["requests"].get("bluesky", 0),
            "requests",
            target=f"{fresh['at_least']} tags cut off at 3 pages (at least)",
        ),
        row(
            "census: Bluesky search requests, the tally covering the week",
            after_a_week["requests"].get("bluesky", 0),
            "requests",
        ),
        row("census: a full pass, loopback, limits lifted", round(fresh["seconds"], 1), "s"),
        row(
            "census: a full pass, the tally covering the week",
            round(after_a_week["seconds"], 1),
            "s",
        ),
        row("census: least time X's 300 counts requests / 15 min imposes", x_minutes, "min"),
        row(
            "census: least time Mastodon's 300 requests / 5 min imposes",
            mastodon_minutes,
            "min",
        ),
        row("Jetstream tally: CPU per stream event", round(per_event * 1e6, 2), "µs"),
        row(
            "Jetstream tally: CPU a day at September 2024's posts rate",
            round(per_event * EVENTS_A_DAY, 1),
            "s",
            target=f"about {EVENTS_A_DAY / 1e6:.1f}M events a day",
        ),
    ]


if __name__ == "__main__":
    for figure in run(quick="--quick" in sys.argv):
        print(figure)
