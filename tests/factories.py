"""The suite's fixed moment, and small builders for posts and authors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from bot.domain.hashtags import extract_hashtags
from bot.domain.posts import Author, Post

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
