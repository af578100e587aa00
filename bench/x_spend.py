"""What X bills per 1,000 stored posts, split into post and user reads, over repeated cycles.

A week of collection every INGEST_EVERY_MINUTES (30) for 10 tracked conditions at 300 posts a
day each, against the loopback X API (tests/sources/standins_x.py), which keeps X's bill: every
post and profile it sends, counted once per UTC day. A community of 2,000 accounts posts with
Zipf-distributed activity (a few post many times a day, most now and then), so after the first
day most posts come from accounts already stored, as in a real community.

The bot searches for posts alone and looks up (100 ids a request) only the authors not stored
or read over a day ago. The stand-in also records what asking search to expand every page's
authors would have billed (each author of a page once per UTC day), and the bench what the
bot's meter counted that way (each author once per cycle), for comparison.
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from functools import partial
from itertools import accumulate
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.domain.conditions import ConditionMatcher
from bot.domain.topic_plan import plan_topic
from bot.knowledge import load_knowledge
from bot.services.collection import run_cycle
from bot.storage import Store

CONDITIONS = [
    "lung cancer",
    "breast cancer",
    "type 1 diabetes",
    "multiple sclerosis",
    "Crohn's disease",
    "multiple myeloma",
    "prostate cancer",
    "lupus",
    "psoriasis",
    "Parkinson's disease",
]
POSTS_PER_DAY = 10 * 300
ACCOUNTS = 2_000
ZIPF_S = 1.1
START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # one month, so the meter sums one month
_TWITTER_EPOCH_MS = 1_288_834_974_657


def _snowflake(at: datetime, sequence: int) -> str:
    return str(((int(at.timestamp() * 1000) - _TWITTER_EPOCH_MS) << 22) + sequence % 4096)


def _fixed(moment: datetime) -> datetime:
    return moment


def simulate(days: int, every_minutes: int = 30, seed: int = 11) -> dict[str, Any]:
    from tests.sources.source_standins import GOOD_TOKEN, Answer, Asked
    from tests.sources.standins_x import XStandIn, tweet

    rng = random.Random(seed)
    kb = load_knowledge()
    matcher = ConditionMatcher(kb)
    queries = [plan_topic(text, kb, matcher, today=START.date()) for text in CONDITIONS]
    tags = sorted({t for q in queries for t in q.tags})
    weights = list(accumulate(1 / (rank + 1) ** ZIPF_S for rank in range(ACCOUNTS)))
    per_cycle = POSTS_PER_DAY * every_minutes / (24 * 60)
    workdir = Path(tempfile.mkdtemp(prefix="hashtag-bot-x-spend-"))
    store = Store(workdir / "x-spend.db")
    seen_authors: set[str] = set()
    posts_by_known = posts_made = 0
    cycle_authors: set[str] = set()
    meter_with_expansions = 0
    n = 0
    try:
        with XStandIn() as x_api:
            answer = x_api.answer

            def observed(asked: Asked) -> Answer:
                reply = answer(asked)
                if asked.path == "/2/tweets/search/recent" and isinstance(reply.body, dict):
                    cycle_authors.update(t["author_id"] for t in reply.body.get("data", []))
                return reply

            x_api.answer = observed  # type: ignore[method-assign]
            settings = Settings(
                x_bearer_token=GOOD_TOKEN, x_api_url=x_api.url, x_monthly_budget_usd=1e9
            )
            now = START
            for _ in range(days * 24 * 60 // every_minutes):
                for _ in range(
                    round(rng.expovariate(1 / per_cycle) if per_cycle < 1 else per_cycle)
                ):
                    n += 1
                    (account,) = rng.choices(range(ACCOUNTS), cum_weights=weights)
                    at = now - timedelta(seconds=rng.uniform(0, every_minutes * 60))
                    chosen = rng.sample(tags, 2 if rng.random() < 0.33 else 1)
                    post = tweet(n, " ".join(f"#{t}" for t in chosen), user=account)
                    post_id = _snowflake(at, n)
                    post.update(
                        id=post_id,
                        conversation_id=post_id,
                        edit_history_tweet_ids=[post_id],
                        created_at=at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    )
                    x_api.tweets.append(post)
                    posts_made += 1
                    posts_by_known += post["author_id"] in seen_authors
                    seen_authors.add(post["author_id"])
                x_api.day = now.date()
                cycle_authors.clear()
                run_cycle(settings, store, queries, names=("x",), clock=partial(_fixed, now))
                meter_with_expansions += len(cycle_authors)
                now += timedelta(minutes=every_minutes)
            last: date = (now - timedelta(minutes=every_minutes)).date()
            post_meter, user_meter, requests = store.reads_between("x", START.date(), last)
            stored = store.counts()["posts"]
            return {
                "days": days,
                "stored": stored,
                "posts_by_known_authors": posts_by_known / posts_made,
                "billed_posts": x_api.billed_reads("posts"),
                "billed_users": x_api.billed_reads("users"),
                "expanded_users": sum(len(a) for a in x_api.expandable.values()),
                "meter_posts": post_meter,
                "meter_users": user_meter,
                "meter_users_with_expansions": meter_with_expansions,
                "lookups": len(x_api.lookups),
                "requests": requests,
            }
    finally:
        store.close()
        for leftover in workdir.glob("*"):
            leftover.unlink()
        workdir.rmdir()


def run(quick: bool) -> list[dict[str, Any]]:
    figures = simulate(days=3 if quick else 7)
    prices = Settings()
    per_1k = 1000 / figures["stored"]
    posts = figures["billed_posts"] * per_1k
    users = figures["billed_users"] * per_1k
    expanded = figures["expanded_users"] * per_1k
    post_usd, user_usd = posts * prices.x_post_read_usd, users * prices.x_user_read_usd
    expanded_usd = expanded * prices.x_user_read_usd
    label = f"per 1,000 stored posts, {figures['days']} days of 30-minute cycles"

    def row(name: str, value: float, unit: str, **more: Any) -> dict[str, Any]:
        return {"name": name, "value": value, "unit": unit, **more}

    return [
        row(
            "X posts from accounts already stored (the scenario)",
            round(100 * figures["posts_by_known_authors"], 1),
            "%",
        ),
        row(f"X post reads billed {label}", round(posts), "reads"),
        row(f"X user reads billed {label} (profiles looked up when needed)", round(users), "reads"),
        row("the same had every search page expanded its authors", round(expanded), "reads"),
        row(
            f"X spend {label}: post reads + user reads",
            round(post_usd + user_usd, 2),
            "USD",
            target=f"posts ${post_usd:,.2f} + users ${user_usd:,.2f}",
        ),
        row(
            "the same with every page's authors expanded",
            round(post_usd + expanded_usd, 2),
            "USD",
            target=f"posts ${post_usd:,.2f} + users ${expanded_usd:,.2f}",
        ),
        row(
            "user reads the bot's meter counted / X billed",
            round(figures["meter_users"] / max(figures["billed_users"], 1), 2),
            "x",
            target=(
                "with expansions the meter counted "
                f"{figures['meter_users_with_expansions'] / max(figures['expanded_users'], 1):.2f}x"
            ),
        ),
        row(
            "users lookup requests per cycle",
            round(figures["lookups"] / (figures["days"] * 48), 2),
            "requests",
        ),
    ]


if __name__ == "__main__":
    for figure in run(quick="--quick" in sys.argv):
        print(figure)
