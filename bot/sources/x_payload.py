"""X API v2 response pages (live search or twarc2 archives) into normalized posts and authors.

One reader for both paths, so a post fetched live and the same post in an archive are stored as
one row with one id ("x:<tweet id>").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

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
    superseded: list[str] = field(default_factory=list)  # earlier versions of edited posts


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
            continue
        content.posts.append(post)
        history = tweet.get("edit_history_tweet_ids")
        if isinstance(history, list) and len(history) > 1:  # oldest first, this one last
            content.superseded += [f"x:{i}" for i in history if f"x:{i}" != post.id]
    if content.superseded:  # X answers with the latest version; an earlier one is never kept
        earlier = set(content.superseded)
        content.posts = [p for p in content.posts if p.id not in earlier]
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
    return _post(
        tweet_id,
        text,
        created,
        get("author_id", ""),
        get("conversation_id"),
        get("lang"),
        tags,
        mentions,
        refs,
        (
            _int(metrics.get("like_count")),
            _int(metrics.get("retweet_count")),
            _int(metrics.get("reply_count")),
            _int(metrics.get("quote_count")),
        ),
        handles,
    )


def _post(
    tweet_id: object,
    text: str,
    created: datetime,
    author: object,
    conversation: object,
    lang: object,
    tags: list[str],
    mentions: list[str],
    refs: Mapping[str, str],
    metrics: tuple[int, int, int, int],
    handles: Mapping[str, str],
) -> Post:
    author_id = f"x:{author}"
    # Positional, in Post's field order: three times faster than keywords, and imports build
    # hundreds of thousands of these.
    return Post(
        f"x:{tweet_id}",  # id
        "x",  # source
        author_id,
        text,
        created,  # created_at
        f"https://x.com/{handles.get(author_id, 'i')}/status/{tweet_id}",  # url
        str(lang or ""),  # lang
        tuple(tags),  # hashtags
        tuple(mentions),  # mentions
        f"x:{conversation}" if conversation else "",  # conversation_id
        refs.get("replied_to", ""),  # reply_to
        refs.get("retweeted", ""),  # repost_of
        refs.get("quoted", ""),  # quote_of
        *metrics,  # likes, reposts, replies, quotes
    )


def to_author(user: Mapping[str, Any]) -> Author | None:
    if not user.get("id") or not user.get("username"):
        return None
    metrics = user.get("public_metrics") or {}
    return _author(
        user["id"],
        user["username"],
        user.get("name"),
        user.get("description"),
        user.get("url"),
        (
            _int(metrics.get("followers_count")),
            _int(metrics.get("following_count")),
            _int(metrics.get("tweet_count")),
        ),
        user.get("verified"),
        user.get("created_at"),
    )


def _author(
    user_id: object,
    username: object,
    name: object,
    description: object,
    url: object,
    metrics: tuple[int, int, int],
    verified: object,
    created_at: object,
) -> Author:
    about = str(description or "")
    return Author(
        id=f"x:{user_id}",
        source="x",
        handle=str(username),
        name=str(name or ""),
        description=about,
        url=str(url or ""),
        followers=metrics[0],
        following=metrics[1],
        posts_count=metrics[2],
        verified=bool(verified),
        created_at=parse_time(created_at),
        opted_out=opt_out_reason(about) is not None,
    )


def _int(value: object) -> int:
    return value if type(value) is int else 0


# The fast path for archives: a page that has exactly the shape X documents is decoded straight
# into these typed records (several times faster than json.loads into dicts, and fields the bot
# doesn't read are skipped unparsed). Anything else - a wrong type, a missing id, an unreadable
# time - falls back to the tolerant reader above, which says what was wrong with it.


class _Tag(msgspec.Struct):
    tag: str | None = None


class _Mention(msgspec.Struct):
    username: str | None = None


class _Entities(msgspec.Struct):
    hashtags: list[_Tag] | None = None
    mentions: list[_Mention] | None = None


class _TweetMetrics(msgspec.Struct):
    like_count: int = 0
    retweet_count: int = 0
    reply_count: int = 0
    quote_count: int = 0


class _Ref(msgspec.Struct):
    type: str | None = None
    id: str | None = None


class _Tweet(msgspec.Struct):
    id: str
    text: str
    created_at: str
    author_id: str = ""
    conversation_id: str | None = None
    lang: str | None = None
    entities: _Entities | None = None
    public_metrics: _TweetMetrics | None = None
    referenced_tweets: list[_Ref] | None = None


class _UserMetrics(msgspec.Struct):
    followers_count: int = 0
    following_count: int = 0
    tweet_count: int = 0


class _User(msgspec.Struct):
    id: str | None = None
    username: str | None = None
    name: str | None = None
    description: str | None = None
    url: str | None = None
    verified: bool | None = None
    created_at: str | None = None
    public_metrics: _UserMetrics | None = None


class _Includes(msgspec.Struct):
    users: list[_User] | None = None


class _Page(msgspec.Struct):
    data: list[_Tweet] | None = None
    includes: _Includes | None = None
    meta: dict[str, Any] | None = None


_PAGE = msgspec.json.Decoder(_Page)
_NO_METRICS = _TweetMetrics()
_NO_USER_METRICS = _UserMetrics()


def decode_page(
    raw: bytes, *, include_reposts: bool = False, authors: dict[str, Author] | None = None
) -> PageContent | None:
    """The same as read_page(json.loads(raw)) for a well-formed page; None for anything else."""
    try:
        page = _PAGE.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    if page.data is None and page.includes is None and page.meta is None:
        return None
    content = PageContent()
    known = {} if authors is None else authors
    handles: dict[str, str] = {}
    for user in (page.includes.users if page.includes else None) or ():
        author = known.get(f"x:{user.id}") if authors is not None else None
        if author is None:
            if not user.id or not user.username:
                continue
            um = user.public_metrics or _NO_USER_METRICS
            author = _author(
                user.id,
                user.username,
                user.name,
                user.description,
                user.url,
                (um.followers_count, um.following_count, um.tweet_count),
                user.verified,
                user.created_at,
            )
            known[author.id] = author
        content.authors.append(author)
        handles[author.id] = author.handle
    for tweet in page.data or ():
        refs: dict[str, str] = _NO_REFS
        if tweet.referenced_tweets is not None:
            refs = {r.type: f"x:{r.id}" for r in tweet.referenced_tweets if r.type and r.id}
            if "retweeted" in refs and not include_reposts:
                content.reposts += 1
                continue
        created = parse_time(tweet.created_at)
        if not tweet.id or created is None:
            return None  # the tolerant reader counts what is incomplete
        entities = tweet.entities
        if entities is None:
            tags, mentions = extract_hashtags(tweet.text), []
        else:
            tags = [h.tag for h in entities.hashtags or () if h.tag]
            mentions = [m.username for m in entities.mentions or () if m.username]
        counts = tweet.public_metrics or _NO_METRICS
        content.posts.append(
            _post(
                tweet.id,
                tweet.text,
                created,
                tweet.author_id,
                tweet.conversation_id,
                tweet.lang,
                tags,
                mentions,
                refs,
                (counts.like_count, counts.retweet_count, counts.reply_count, counts.quote_count),
                handles,
            )
        )
    return content
