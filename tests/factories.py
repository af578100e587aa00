"""The suite's fixed moment, and small builders for posts and authors."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from bot.domain.approvals import Approval
from bot.domain.conditions import ConditionMatcher
from bot.domain.hashtags import extract_hashtags
from bot.domain.knowledge import KnowledgeBase
from bot.domain.posts import Author, Post
from bot.domain.tag_health import TagHealth
from bot.domain.topic_plan import TopicPlan
from bot.services.topics import TopicPlanner, TopicSpec
from bot.storage import Store

# Every test that doesn't need the real clock lives on this day.
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TODAY = NOW.date()

_ids = count(1)


def author(
    n: int | str, *, source: str = "x", description: str = "", opted_out: bool = False
) -> Author:
    return Author(
        id=f"{source}:u{n}",
        source=source,
        handle=f"user{n}",
        name=f"User {n}",
        description=description,
        opted_out=opted_out,
    )


def post(
    text: str,
    *,
    at: datetime,
    by: int | str = 1,
    source: str = "x",
    likes: int = 0,
    days_ago: int = 0,
    post_id: str | None = None,
) -> Post:
    return Post(
        id=post_id or f"{source}:{next(_ids)}",
        source=source,
        author_id=f"{source}:u{by}",
        text=text,
        created_at=at - timedelta(days=days_ago),
        hashtags=tuple(extract_hashtags(text)),
        likes=likes,
    )


APPROVED_TEXT = (
    "Adults with lung cancer may be eligible for a study of an investigational medicine."
)
APPROVED_URL = "https://trials.example.org/lung-01"


def approval(**changes: Any) -> Approval:
    """An approved recruitment message as an IRB would sign it off; `changes` vary one field."""
    fields: dict[str, Any] = {
        "study": "LUNG-01",
        "irb_ref": "IRB-2026-114",
        "approved_on": date(2026, 1, 5),
        "expires_on": date(2027, 1, 5),
        "conditions": ("lung cancer",),
        "text": APPROVED_TEXT,
        "url": APPROVED_URL,
        "hashtags_allowed": True,
    }
    return Approval(**(fields | changes))


def plans_for(
    store: Store, kb: KnowledgeBase, topics: Iterable[tuple[str, str | None]], *, today: date
) -> list[TopicPlan]:
    """What the bot listens to for these (text, condition id) topics, as `ingest --topic` asks."""
    specs = [TopicSpec(text, condition_id) for text, condition_id in topics]
    return TopicPlanner(kb, store, ConditionMatcher(kb)).listening(specs, today=today)


def heard_alone(store: Store, *tags: str, topic: str = "Lung cancer", on: date = TODAY) -> None:
    """What a weekly sample found for these short tags (#LCSM): their unguarded posts mostly
    about the topic, so they are heard on their own, as a week of tracking would have it."""
    for tag in tags:
        store.record_sample(TagHealth(tag, topic, posts=40, on_topic=36, measured_on=on))
