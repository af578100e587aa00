"""Bluesky post records and profiles into normalized posts and authors, and local tag matching.

Posts are keyed by their at:// URI, so a post seen on Jetstream and in search is one row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.hashtags import extract_hashtags, tag_key
from bot.domain.reach import Guard
from bot.domain.topic_plan import TopicPlan
from bot.sources.base import Author, Post, opt_out_reason, parse_time

POST_COLLECTION = "app.bsky.feed.post"
TAG_FEATURE = "app.bsky.richtext.facet#tag"
MENTION_FEATURE = "app.bsky.richtext.facet#mention"
NO_UNAUTHENTICATED = "!no-unauthenticated"  # the account asked to be hidden from logged-out viewers


def post_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{POST_COLLECTION}/{rkey}"


def _at(value: object, *keys: str) -> str:
    """The text at value[k1][k2]…, or "" as soon as a step isn't an object or the end isn't
    text: records come from every client there is, not all of them careful."""
    for key in keys:
        if not isinstance(value, Mapping):
            return ""
        value = value.get(key)
    return value if isinstance(value, str) else ""


def _items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def record_tags(record: Mapping[str, Any]) -> list[str]:
    """Tags from the record's own facets and `tags`; the text only when it carries no facets."""
    tags: list[str] = []
    for facet in _items(record.get("facets")):
        features = facet.get("features") if isinstance(facet, Mapping) else None
        for feature in _items(features):
            if (
                isinstance(feature, Mapping)
                and feature.get("$type") == TAG_FEATURE
                and feature.get("tag")
            ):
                tags.append(str(feature["tag"]))
    tags += [t for t in _items(record.get("tags")) if isinstance(t, str) and t]
    if "facets" not in record:
        tags += extract_hashtags(str(record.get("text") or ""))
    return list({tag_key(t): t for t in reversed(tags)}.values())[::-1]


def to_post(
    uri: str, record: Mapping[str, Any], counts: Mapping[str, Any] | None = None
) -> Post | None:
    """A post from an app.bsky.feed.post record (Jetstream commit or search result)."""
    parts = uri.removeprefix("at://").split("/")
    created = parse_time(record.get("createdAt"))
    text = record.get("text")
    if len(parts) != 3 or created is None or not isinstance(text, str):
        return None
    did, _, rkey = parts
    mentions = [
        str(feature.get("did"))
        for facet in _items(record.get("facets"))
        if isinstance(facet, Mapping)
        for feature in _items(facet.get("features"))
        if isinstance(feature, Mapping) and feature.get("$type") == MENTION_FEATURE
    ]
    root = _at(record, "reply", "root", "uri")
    parent = _at(record, "reply", "parent", "uri")
    quoted = _at(record, "embed", "record", "uri") or _at(
        record, "embed", "record", "record", "uri"
    )
    langs = _items(record.get("langs"))
    counts = counts or {}
    return Post(
        id=f"bluesky:{uri}",
        source="bluesky",
        author_id=f"bluesky:{did}",
        text=text,
        created_at=created,
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        lang=langs[0] if langs and isinstance(langs[0], str) else "",
        hashtags=tuple(record_tags(record)),
        mentions=tuple(mentions),
        conversation_id=f"bluesky:{root or uri}",
        reply_to=f"bluesky:{parent}" if parent else "",
        quote_of=f"bluesky:{quoted}" if quoted else "",
        likes=int(counts.get("likeCount") or 0),
        reposts=int(counts.get("repostCount") or 0),
        replies=int(counts.get("replyCount") or 0),
        quotes=int(counts.get("quoteCount") or 0),
    )


def profile_opt_out(profile: Mapping[str, Any]) -> str | None:
    labels = {
        str(label.get("val")) for label in profile.get("labels") or () if isinstance(label, Mapping)
    }
    if NO_UNAUTHENTICATED in labels:
        return "asks to be hidden from logged-out viewers"
    return opt_out_reason(str(profile.get("description") or ""))


def author_opt_out(author: Author) -> str:
    """Why an author flagged `opted_out` opted out (the label leaves no trace in the description)."""
    return opt_out_reason(author.description) or "asks to be hidden from logged-out viewers"


def to_author(profile: Mapping[str, Any]) -> Author:
    """From a profile view (searchPosts' author or getProfiles)."""
    did = str(profile["did"])
    return Author(
        id=f"bluesky:{did}",
        source="bluesky",
        handle=str(profile.get("handle") or did),
        name=str(profile.get("displayName") or ""),
        description=str(profile.get("description") or ""),
        url=f"https://bsky.app/profile/{did}",
        followers=int(profile.get("followersCount") or 0),
        following=int(profile.get("followsCount") or 0),
        posts_count=int(profile.get("postsCount") or 0),
        created_at=parse_time(profile.get("createdAt")),
        opted_out=profile_opt_out(profile) is not None,
    )


class TagMatcher:
    """Is a post about a tracked topic? Its own tags, a tracked keyword as whole words, or a
    guarded tag (#T1D, #MS) beside one of its topic's words or tags: the stream carries every
    post, so it can hear a guarded tag as X's query does."""

    def __init__(self, queries: Sequence[TopicPlan]) -> None:
        self.keys = {key for q in queries for key in q.tag_keys}
        self.guards: dict[str, list[Guard]] = {}
        for q in queries:
            for tag in q.guarded:
                self.guards.setdefault(tag_key(tag), []).append(Guard.of(q.context))
        words = sorted({" ".join(k.split()) for q in queries for k in q.keywords if k.strip()})
        self.keywords = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
            )
            if words
            else None
        )

    def __bool__(self) -> bool:
        return bool(self.keys or self.keywords or self.guards)

    @property
    def signature(self) -> tuple[frozenset[str], str, frozenset[tuple[str, Guard]]]:
        """Equal for two matchers that keep the same posts."""
        guards = frozenset((key, g) for key, found in self.guards.items() for g in found)
        return frozenset(self.keys), self.keywords.pattern if self.keywords else "", guards

    def matches(self, post: Post) -> bool:
        keys = {tag_key(t) for t in post.hashtags}
        if not self.keys.isdisjoint(keys):
            return True
        for key in keys.intersection(self.guards):
            if any(guard.matches(post.text, keys) for guard in self.guards[key]):
                return True
        return bool(self.keywords and self.keywords.search(post.text))
