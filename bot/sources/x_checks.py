"""What a well-formed X API v2 post and profile hold, and what is wrong with one that doesn't.

Archives are files people hand the bot. A post with a list for an id, a negative like count, a
number for a hashtag or a 50 MB text is refused with a reason ("post 123: like_count is -4, not a
count") instead of being stored as given or stopping the import; the rest of its page is kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.sources.base import parse_time

# X's longest post: 25,000 characters for X Premium long posts (280 for everyone else); see
# README "Listening". A post's `text` longer than that is not something X wrote.
MAX_POST_CHARS = 25_000
MAX_PROFILE_CHARS = 1_000  # far above X's own limits (name 50, bio 160), far below harm
MAX_ID_DIGITS = 20  # X ids are unsigned 64-bit numbers
MAX_COUNT = 10**12  # more likes or followers than people on Earth; SQLite's sums stay exact
POST_COUNTS = ("like_count", "retweet_count", "reply_count", "quote_count")
USER_COUNTS = ("followers_count", "following_count", "tweet_count")


def is_id(value: object) -> bool:
    """A digit string, as X writes ids; an integer is read as its digits (JSON keeps it exact)."""
    if type(value) is str:
        return 0 < len(value) <= MAX_ID_DIGITS and value.isascii() and value.isdigit()
    return type(value) is int and 0 <= value < 2**64


def is_count(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_COUNT


def shown(value: object) -> str:
    """A value as a problem message shows it: as JSON would write it, and short."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str) and len(value) > 40:
        return json.dumps(value[:40]) + "…"
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)[:40]


def post_problem(tweet: Mapping[str, Any]) -> str | None:
    """What is wrong with one post from an X API v2 page, or None when it can be stored."""
    tweet_id = tweet.get("id")
    if tweet_id is None:
        return "a post without an id"
    if not is_id(tweet_id):
        return f"a post whose id is {shown(tweet_id)}, not a digit string"
    problem = _post_fields(tweet)
    return f"post {tweet_id}: {problem}" if problem else None


def _post_fields(tweet: Mapping[str, Any]) -> str | None:
    get = tweet.get
    text = get("text")
    if type(text) is not str:
        return "no text" if text is None else f"text is {shown(text)}, not text"
    if len(text) > MAX_POST_CHARS:
        return (
            f"text is {len(text):,} characters, longer than X's longest post ({MAX_POST_CHARS:,})"
        )
    created = get("created_at")
    if type(created) is not str or parse_time(created) is None:
        return "no created_at" if created is None else f"created_at is {shown(created)}, not a time"
    author = get("author_id")
    if author is None:
        return "no author_id"
    for name in ("author_id", "conversation_id"):
        value = get(name)
        if value is not None and not is_id(value):
            return f"{name} is {shown(value)}, not a digit string"
    lang = get("lang")
    if lang is not None and type(lang) is not str:
        return f"lang is {shown(lang)}, not text"
    return (
        _counts(get("public_metrics"), POST_COUNTS)
        or _entities(get("entities"))
        or _ids(get("edit_history_tweet_ids"), "edit_history_tweet_ids")
        or _references(get("referenced_tweets"))
    )


def user_problem(user: Mapping[str, Any]) -> str | None:
    """What is wrong with one profile from `includes.users`, or None when it can be stored."""
    user_id = user.get("id")
    if user_id is None:
        return "a user without an id"
    if not is_id(user_id):
        return f"a user whose id is {shown(user_id)}, not a digit string"
    problem = _user_fields(user)
    return f"user {user_id}: {problem}" if problem else None


def _user_fields(user: Mapping[str, Any]) -> str | None:
    username = user.get("username")
    if not username:
        return "no username"
    for name in ("username", "name", "description", "url"):
        value = user.get(name)
        if value is None:
            continue
        if type(value) is not str:
            return f"{name} is {shown(value)}, not text"
        if len(value) > MAX_PROFILE_CHARS:
            return f"{name} is {len(value):,} characters, far longer than X allows"
    verified = user.get("verified")
    if verified is not None and type(verified) is not bool:
        return f"verified is {shown(verified)}, not true or false"
    created = user.get("created_at")
    if created is not None and (type(created) is not str or parse_time(created) is None):
        return f"created_at is {shown(created)}, not a time"
    return _counts(user.get("public_metrics"), USER_COUNTS)


def _counts(metrics: object, names: tuple[str, ...]) -> str | None:
    if metrics is None:
        return None  # X leaves them out when not asked for: read as 0
    if not isinstance(metrics, dict):
        return f"public_metrics is {shown(metrics)}, not an object"
    for name in names:
        value = metrics.get(name)
        if value is not None and not is_count(value):
            return f"{name} is {shown(value)}, not a count"
    return None


def _entities(entities: object) -> str | None:
    if entities is None:
        return None
    if not isinstance(entities, dict):
        return f"entities is {shown(entities)}, not an object"
    for listed, field, what in (
        ("hashtags", "tag", "hashtag"),
        ("mentions", "username", "mention"),
    ):
        items = entities.get(listed)
        if items is None:
            continue
        if not isinstance(items, list):
            return f"entities.{listed} is {shown(items)}, not a list"
        for item in items:
            if not isinstance(item, dict):
                return f"a {what} that is {shown(item)}, not an object"
            value = item.get(field)
            if value is not None and type(value) is not str:
                return f"{what} {shown(value)} is not text"
    return None


def _ids(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(is_id(i) for i in value):
        return f"{name} is {shown(value)}, not a list of ids"
    return None


def _references(refs: object) -> str | None:
    if refs is None:
        return None
    if not isinstance(refs, list):
        return f"referenced_tweets is {shown(refs)}, not a list"
    for ref in refs:
        if not isinstance(ref, dict) or type(ref.get("type")) is not str or not ref["type"]:
            return f"a referenced tweet that is {shown(ref)}, not a type and an id"
        if not is_id(ref.get("id")):
            return f"referenced tweet id is {shown(ref.get('id'))}, not a digit string"
    return None


def search_problem(answer: Mapping[str, Any]) -> str | None:
    """What makes a recent-search answer unreadable as a whole, or None. Its posts are checked
    one by one later; this is the frame the cursor is made from (`meta`), and the list itself."""
    data = answer.get("data")
    if data is not None and not isinstance(data, list):
        return f"data is {shown(data)}, not a list of posts"
    meta = answer.get("meta")
    if not isinstance(meta, dict):
        return "no meta" if meta is None else f"meta is {shown(meta)}, not an object"
    for name in ("newest_id", "oldest_id"):
        value = meta.get(name)
        if value is not None and not is_id(value):
            return f"meta.{name} is {shown(value)}, not a digit string"
    token = meta.get("next_token")
    if token is not None and (type(token) is not str or not token):
        return f"meta.next_token is {shown(token)}, not a token"
    return _users_frame(answer)


def users_problem(answer: Mapping[str, Any]) -> str | None:
    """What makes a users-lookup answer unreadable as a whole, or None."""
    data = answer.get("data")
    if data is not None and not isinstance(data, list):
        return f"data is {shown(data)}, not a list of users"
    return None


def _users_frame(answer: Mapping[str, Any]) -> str | None:
    includes = answer.get("includes")
    if includes is not None and not isinstance(includes, dict):
        return f"includes is {shown(includes)}, not an object"
    return None
