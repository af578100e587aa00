"""A seeded synthetic X archive (twarc2 JSONL) with Zipf-distributed hashtags and authors.

Real hashtag use is heavy-tailed: a few tags and accounts carry most posts. Benchmarks on a
uniform corpus would flatter the aggregates (few hot rows) or punish them (no reuse); Zipf keeps
the shape of real traffic while staying reproducible from a seed.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

PAGE_SIZE = 100
FIRST_ID = 1_850_000_000_000_000_000
REAL_TAGS = [
    "LCSM",
    "LungCancer",
    "BCSM",
    "BreastCancer",
    "ClinicalTrials",
    "T1D",
    "DOC",
    "IBD",
    "Crohns",
    "MSisNotMS",
    "ALS",
    "gyncsm",
    "mmsm",
    "pcsm",
    "crcsm",
    "btsm",
    "hcsm",
    "WCLC26",
    "ASCO26",
    "LCAM",
    "CancerResearch",
    "oncology",
    "PatientVoice",
    "RareDisease",
]
WORDS = [
    "today",
    "trial",
    "results",
    "patients",
    "community",
    "chat",
    "support",
    "care",
    "research",
    "new",
    "study",
    "data",
    "shared",
    "thanks",
    "everyone",
    "join",
    "tonight",
    "treatment",
    "access",
    "question",
    "learning",
    "together",
    "update",
    "news",
]


def _zipf_cumulative(n: int, s: float) -> list[float]:
    return list(accumulate(1.0 / (rank**s) for rank in range(1, n + 1)))


def write_twarc2(
    path: Path | str, n_posts: int, seed: int = 1, days: int = 30, end: date | None = None
) -> dict[str, int]:
    """Write n_posts tweets as twarc2 response pages of 100; returns what was written."""
    rng = random.Random(seed)
    end_day = end or date(2026, 11, 27)
    end_at = datetime.combine(end_day, time(23, 59, 59), tzinfo=UTC)
    span = days * 86_400
    tags = REAL_TAGS + [f"Topic{n}" for n in range(5_000 - len(REAL_TAGS))]
    tag_weights = _zipf_cumulative(len(tags), 1.1)
    n_users = max(50, n_posts // 8)
    user_weights = _zipf_cumulative(n_users, 1.0)
    reposts = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for start in range(0, n_posts, PAGE_SIZE):
            count = min(PAGE_SIZE, n_posts - start)
            authors = rng.choices(range(n_users), cum_weights=user_weights, k=count)
            data = []
            for offset, user in enumerate(authors):
                n = start + offset
                tweet = _tweet(rng, FIRST_ID + n * 4096, user, tags, tag_weights, end_at, span)
                if rng.random() < 0.02:
                    tweet["referenced_tweets"] = [{"type": "retweeted", "id": str(FIRST_ID + n)}]
                    tweet["text"] = f"RT @user{user}: {tweet['text']}"
                    reposts += 1
                elif rng.random() < 0.1 and n:
                    tweet["referenced_tweets"] = [
                        {"type": "replied_to", "id": str(FIRST_ID + n - 1)}
                    ]
                data.append(tweet)
            users = [_user(u, end_at) for u in sorted(set(authors))]
            ids = [str(t["id"]) for t in data]
            page = {
                "data": data,
                "includes": {"users": users},
                "meta": {"result_count": count, "newest_id": max(ids), "oldest_id": min(ids)},
                "__twarc": {
                    "url": "https://api.twitter.com/2/tweets/search/all",
                    "version": "2.14.0",
                },
            }
            out.write(json.dumps(page, ensure_ascii=False) + "\n")
    return {"posts": n_posts, "reposts": reposts, "users": n_users}


def _tweet(
    rng: random.Random,
    tweet_id: int,
    user: int,
    tags: list[str],
    tag_weights: list[float],
    end_at: datetime,
    span: int,
) -> dict[str, Any]:
    chosen = list(
        dict.fromkeys(rng.choices(tags, cum_weights=tag_weights, k=rng.choice((1, 1, 2, 2, 3, 4))))
    )
    text = " ".join(rng.choices(WORDS, k=rng.randint(6, 18)))
    entities = []
    for tag in chosen:
        text += " "
        entities.append({"start": len(text), "end": len(text) + len(tag) + 1, "tag": tag})
        text += f"#{tag}"
    created = end_at - timedelta(seconds=rng.randrange(span))
    return {
        "id": str(tweet_id),
        "text": text,
        "author_id": str(1000 + user),
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "conversation_id": str(tweet_id),
        "lang": "en",
        "edit_history_tweet_ids": [str(tweet_id)],
        "entities": {"hashtags": entities},
        "public_metrics": {
            "retweet_count": rng.randint(0, 5),
            "reply_count": rng.randint(0, 3),
            "like_count": rng.randint(0, 40),
            "quote_count": 0,
            "bookmark_count": 0,
            "impression_count": rng.randint(10, 5000),
        },
    }


def _user(user: int, end_at: datetime) -> dict[str, object]:
    return {
        "id": str(1000 + user),
        "username": f"user{user}",
        "name": f"User {user}",
        "description": "Patient advocate"
        if user % 7 == 0
        else "Oncology nurse"
        if user % 11 == 0
        else "",
        "verified": False,
        "created_at": (end_at - timedelta(days=400 + user % 3000)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        ),
        "url": "",
        "public_metrics": {
            "followers_count": 10 + user % 5000,
            "following_count": 100,
            "tweet_count": 1000 + user,
            "listed_count": 1,
        },
    }
