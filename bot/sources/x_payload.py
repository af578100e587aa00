"""X API v2 response pages (live search or twarc2 archives) into normalized posts and authors.

One reader for both paths, so a post fetched live and the same post in an archive are stored as
one row with one id ("x:<tweet id>").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import msgspec

from bot.domain.hashtags import extract_hashtags
from bot.sources.base import Author, Post, opt_out_reason, parse_time
from bot.sources.x_checks import (
    MAX_COUNT,
    MAX_ID_DIGITS,
    MAX_POST_CHARS,
    MAX_PROFILE_CHARS,
    is_id,
    post_problem,
    shown,
    user_problem,
)

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


@dataclass
class PageContent:
    """Posts and authors from one response page, and what was left out and why."""

    posts: list[Post] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    reposts: int = 0  # retweets: no new text, excluded by default
    rejected: int = 0  # posts refused for a missing or wrongly typed field
    rejected_users: int = 0  # profiles refused the same way (their posts are kept)
    problems: list[str] = field(default_factory=list)  # what was wrong with each refused one
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
    content = PageContent()
    data = page.get("data")
    if data is None:
        data = []
    elif isinstance(data, dict):  # single-tweet lookups answer with an object
        data = [data]
    elif not isinstance(data, list):
        content.rejected += 1
        content.problems.append(f"data is {shown(data)}, not a list of posts")
        data = []
    includes = page.get("includes")
    users = includes.get("users") if isinstance(includes, dict) else None
    if users is not None and not isinstance(users, list):
        content.rejected_users += 1
        content.problems.append(f"includes.users is {shown(users)}, not a list of users")
        users = None
    return _read(content, data, users or (), include_reposts=include_reposts, authors=authors)


def read_flat_tweet(
    tweet: Mapping[str, Any],
    *,
    include_reposts: bool = False,
    authors: dict[str, Author] | None = None,
) -> PageContent:
    author = tweet.get("author")
    users = [author] if isinstance(author, dict) else []
    return _read(PageContent(), [tweet], users, include_reposts=include_reposts, authors=authors)


def _read(
    content: PageContent,
    tweets: Iterable[Any],
    users: Iterable[Any],
    *,
    include_reposts: bool,
    authors: dict[str, Author] | None,
) -> PageContent:
    """Each post and profile checked on its own: a wrongly typed field costs that one only."""
    known = {} if authors is None else authors
    handles: dict[str, str] = {}
    for user in users:
        if not isinstance(user, dict):
            content.rejected_users += 1
            content.problems.append(f"a user that is {shown(user)}, not an object")
            continue
        author = known.get(f"x:{user.get('id')}") if authors is not None else None
        if author is None:
            problem = user_problem(user)
            if problem is not None:
                content.rejected_users += 1
                content.problems.append(problem)
                continue
            author = to_author(user)
            known[author.id] = author
        content.authors.append(author)
        handles[author.id] = author.handle
    for tweet in tweets:
        if not isinstance(tweet, dict):
            content.rejected += 1
            content.problems.append(f"a post that is {shown(tweet)}, not an object")
            continue
        if not include_reposts and _is_retweet(tweet):  # left out whatever else it holds
            content.reposts += 1
            continue
        problem = post_problem(tweet)
        if problem is not None:
            content.rejected += 1
            content.problems.append(problem)
            continue
        refs = _references(tweet) if "referenced_tweets" in tweet else _NO_REFS
        post = to_post(tweet, refs, handles)
        content.posts.append(post)
        history = tweet.get("edit_history_tweet_ids")
        if history and len(history) > 1:  # oldest first, this one last
            content.superseded += [f"x:{i}" for i in history if f"x:{i}" != post.id]
    if content.superseded:  # X answers with the latest version; an earlier one is never kept
        earlier = set(content.superseded)
        content.posts = [p for p in content.posts if p.id not in earlier]
    return content


_NO_REFS: dict[str, str] = {}


def _is_retweet(tweet: Mapping[str, Any]) -> bool:
    refs = tweet.get("referenced_tweets")
    return isinstance(refs, list) and any(
        isinstance(r, dict) and r.get("type") == "retweeted" for r in refs
    )


def _references(tweet: Mapping[str, Any]) -> dict[str, str]:
    return {str(ref["type"]): f"x:{ref['id']}" for ref in tweet.get("referenced_tweets") or ()}


def to_post(tweet: Mapping[str, Any], refs: Mapping[str, str], handles: Mapping[str, str]) -> Post:
    """A post from a tweet that `post_problem` found nothing wrong with."""
    get = tweet.get
    text: str = tweet["text"]
    created = parse_time(get("created_at"))
    assert created is not None  # post_problem checked it
    entities = get("entities")
    if isinstance(entities, dict):
        tags = [h["tag"] for h in entities.get("hashtags") or () if h.get("tag")]
        mentions = [m["username"] for m in entities.get("mentions") or () if m.get("username")]
    else:
        tags = extract_hashtags(text)  # archives written without entities
        mentions = []
    metrics = get("public_metrics") or {}
    return _post(
        get("id"),
        text,
        created,
        get("author_id"),
        get("conversation_id"),
        get("lang"),
        tags,
        mentions,
        refs,
        (
            metrics.get("like_count") or 0,
            metrics.get("retweet_count") or 0,
            metrics.get("reply_count") or 0,
            metrics.get("quote_count") or 0,
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


def to_author(user: Mapping[str, Any]) -> Author:
    """An author from a profile that `user_problem` found nothing wrong with."""
    metrics = user.get("public_metrics") or {}
    return _author(
        user["id"],
        user["username"],
        user.get("name"),
        user.get("description"),
        user.get("url"),
        (
            metrics.get("followers_count") or 0,
            metrics.get("following_count") or 0,
            metrics.get("tweet_count") or 0,
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


# The fast path for archives: a page that has exactly the shape X documents is decoded straight
# into these typed records (several times faster than json.loads into dicts, and fields the bot
# doesn't read are skipped unparsed). It accepts only what the tolerant reader above would store
# unchanged; anything else - a wrong type, a missing id, an unreadable time - falls back to the
# tolerant reader, which keeps the rest of the page and says what was wrong.

_Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]
_Id = Annotated[str, msgspec.Meta(max_length=MAX_ID_DIGITS)]  # and digits: checked after
_PostText = Annotated[str, msgspec.Meta(max_length=MAX_POST_CHARS)]
_ProfileText = Annotated[str, msgspec.Meta(max_length=MAX_PROFILE_CHARS)]


class _Tag(msgspec.Struct):
    tag: str | None = None


class _Mention(msgspec.Struct):
    username: str | None = None


class _Entities(msgspec.Struct):
    hashtags: list[_Tag] | None = None
    mentions: list[_Mention] | None = None


class _TweetMetrics(msgspec.Struct):
    like_count: _Count = 0
    retweet_count: _Count = 0
    reply_count: _Count = 0
    quote_count: _Count = 0


class _Ref(msgspec.Struct):
    type: str | None = None
    id: str | None = None


class _Tweet(msgspec.Struct):
    id: _Id
    text: _PostText
    created_at: str
    author_id: _Id
    conversation_id: str | None = None
    lang: str | None = None
    entities: _Entities | None = None
    public_metrics: _TweetMetrics | None = None
    referenced_tweets: list[_Ref] | None = None
    edit_history_tweet_ids: list[str] | None = None


class _UserMetrics(msgspec.Struct):
    followers_count: _Count = 0
    following_count: _Count = 0
    tweet_count: _Count = 0


class _User(msgspec.Struct):
    id: str | None = None
    username: _ProfileText | None = None
    name: _ProfileText | None = None
    description: _ProfileText | None = None
    url: _ProfileText | None = None
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
            if not is_id(user.id) or not user.username:
                return None
            created = parse_time(user.created_at)
            if created is None and user.created_at is not None:
                return None
            um = user.public_metrics or _NO_USER_METRICS
            author = _author(
                user.id,
                user.username,
                user.name,
                user.description,
                user.url,
                (um.followers_count, um.following_count, um.tweet_count),
                user.verified,
                created,
            )
            known[author.id] = author
        content.authors.append(author)
        handles[author.id] = author.handle
    for tweet in page.data or ():
        refs: dict[str, str] = _NO_REFS
        if tweet.referenced_tweets is not None:
            if not include_reposts and any(r.type == "retweeted" for r in tweet.referenced_tweets):
                content.reposts += 1
                continue
            refs = {}
            for r in tweet.referenced_tweets:
                if not r.type or not is_id(r.id):
                    return None
                refs[r.type] = f"x:{r.id}"
        created = parse_time(tweet.created_at)
        tweet_id, conversation, history = (
            tweet.id,
            tweet.conversation_id,
            tweet.edit_history_tweet_ids,
        )
        if (  # most posts start their conversation and were never edited: one id to check
            created is None
            or not (tweet_id.isdigit() and tweet_id.isascii())  # lengths: see _Id
            or not (tweet.author_id.isdigit() and tweet.author_id.isascii())
            or (conversation is not None and conversation != tweet_id and not is_id(conversation))
            or (
                history is not None
                and (len(history) != 1 or history[0] != tweet_id)
                and not all(map(is_id, history))
            )
        ):
            return None
        entities = tweet.entities
        if entities is None:
            tags, mentions = extract_hashtags(tweet.text), []
        else:
            tags = [h.tag for h in entities.hashtags or () if h.tag]
            mentions = [m.username for m in entities.mentions or () if m.username]
        counts = tweet.public_metrics or _NO_METRICS
        post = _post(
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
        content.posts.append(post)
        if history is not None and len(history) > 1:
            content.superseded += [f"x:{i}" for i in history if f"x:{i}" != post.id]
    if content.superseded:
        earlier = set(content.superseded)
        content.posts = [p for p in content.posts if p.id not in earlier]
    return content
