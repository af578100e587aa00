"""X API v2 response pages (live search or twarc2 archives) into normalized posts and authors.

One reader for both paths, so a post fetched live and the same post in an archive are stored as
one row with one id ("x:<tweet id>").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.hashtags import extract_hashtags
from bot.sources.base import Author, Post, opt_out_reason, parse_time

TWEET_FIELDS = [
    "created_at",
    "public_metrics",
    "entities",
    "conversation_id",
    "lang",
    "referenced_tweets",
    "author_id",
]
USER_FIELDS = ["description", "public_metrics", "username", "name", "verified", "created_at", "url"]
EXPANSIONS = ["author_id"]


@dataclass
class PageContent:
    """Posts and authors from one response page, and what was left out and why."""

    posts: list[Post] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    reposts: int = 0  # retweets: no new text, excluded by default
    incomplete: int = 0  # tweets without an id, text or created_at


def is_response_page(obj: object) -> bool:
    return isinstance(obj, Mapping) and ("data" in obj or "meta" in obj or "includes" in obj)


def is_flat_tweet(obj: object) -> bool:
    """twarc2 `flatten` output: one tweet per line with its author embedded."""
    return isinstance(obj, Mapping) and "id" in obj and "text" in obj


def read_page(
    page: Mapping[str, Any],
    *,
    include_reposts: bool = False,
    authors: dict[str, Author] | None = None,
) -> PageContent:
    """Normalize a {"data": [...], "includes": {"users": [...]}} page.

    Pass `authors` to share profiles across pages: archives repeat the same users on every page,
    and each is normalized once.
    """
    data = page.get("data") or []
    if isinstance(data, dict):  # single-tweet lookups answer with an object
        data = [data]
    includes = page.get("includes")
    users = (includes.get("users") or []) if isinstance(includes, dict) else []
    return _read(data, users, include_reposts=include_reposts, authors=authors)


def read_flat_tweet(
    tweet: Mapping[str, Any],
    *,
    include_reposts: bool = False,
    authors: dict[str, Author] | None = None,
) -> PageContent:
    author = tweet.get("author")
    users = [author] if isinstance(author, dict) else []
    return _read([tweet], users, include_reposts=include_reposts, authors=authors)


def _read(
    tweets: Iterable[Any],
    users: Iterable[Any],
    *,
    include_reposts: bool,
    authors: dict[str, Author] | None,
) -> PageContent:
    content = PageContent()
    known = {} if authors is None else authors
    handles: dict[str, str] = {}
    for user in users:
        if not isinstance(user, dict):
            continue
        author_id = f"x:{user.get('id')}"
        author = known.get(author_id) if authors is not None else None
        if author is None:
            author = to_author(user)
            if author is None:
                continue
            known[author.id] = author
        content.authors.append(author)
        handles[author.id] = author.handle
    for tweet in tweets:
        if not isinstance(tweet, dict):
            content.incomplete += 1
            continue
        refs = _references(tweet) if "referenced_tweets" in tweet else _NO_REFS
        if "retweeted" in refs and not include_reposts:
            content.reposts += 1
            continue
        post = to_post(tweet, refs, handles)
        if post is None:
            content.incomplete += 1
        else:
            content.posts.append(post)
    return content


_NO_REFS: dict[str, str] = {}


def _references(tweet: Mapping[str, Any]) -> dict[str, str]:
    refs: dict[str, str] = {}
    for ref in tweet.get("referenced_tweets") or ():
        if isinstance(ref, dict) and ref.get("type") and ref.get("id"):
            refs[str(ref["type"])] = f"x:{ref['id']}"
    return refs


def to_post(
    tweet: Mapping[str, Any], refs: Mapping[str, str], handles: Mapping[str, str]
) -> Post | None:
    get = tweet.get
    tweet_id, text = get("id"), get("text")
    created = parse_time(get("created_at"))
    if not tweet_id or type(text) is not str or created is None:
        return None
    entities = get("entities")
    if isinstance(entities, dict):
        tags = [
            h["tag"] for h in entities.get("hashtags") or () if isinstance(h, dict) and h.get("tag")
        ]
        mentions = [
            m["username"]
            for m in entities.get("mentions") or ()
            if isinstance(m, dict) and m.get("username")
        ]
    else:
        tags = extract_hashtags(text)  # archives written without entities
        mentions = []
    metrics = get("public_metrics")
    if not isinstance(metrics, dict):
        metrics = {}
    author_id = f"x:{get('author_id', '')}"
    conversation = get("conversation_id")
    return Post(
        id=f"x:{tweet_id}",
        source="x",
        author_id=author_id,
        text=text,
        created_at=created,
        url=f"https://x.com/{handles.get(author_id, 'i')}/status/{tweet_id}",
        lang=str(get("lang") or ""),
        hashtags=tuple(tags),
        mentions=tuple(mentions),
        conversation_id=f"x:{conversation}" if conversation else "",
        reply_to=refs.get("replied_to", ""),
        repost_of=refs.get("retweeted", ""),
        quote_of=refs.get("quoted", ""),
        likes=_int(metrics.get("like_count")),
        reposts=_int(metrics.get("retweet_count")),
        replies=_int(metrics.get("reply_count")),
        quotes=_int(metrics.get("quote_count")),
    )


def to_author(user: Mapping[str, Any]) -> Author | None:
    if not user.get("id") or not user.get("username"):
        return None
    metrics = user.get("public_metrics") or {}
    description = str(user.get("description") or "")
    return Author(
        id=f"x:{user['id']}",
        source="x",
        handle=str(user["username"]),
        name=str(user.get("name") or ""),
        description=description,
        url=str(user.get("url") or ""),
        followers=_int(metrics.get("followers_count")),
        following=_int(metrics.get("following_count")),
        posts_count=_int(metrics.get("tweet_count")),
        verified=bool(user.get("verified")),
        created_at=parse_time(user.get("created_at")),
        opted_out=opt_out_reason(description) is not None,
    )


def _int(value: object) -> int:
    return value if type(value) is int else 0
