"""How much of a listened tag's traffic is about its topic, measured from collected posts.

The knowledge base says which tags a condition's community uses; the posts say whether a tag
still means that. A tag whose posts mostly carry none of the topic's other tags or words has
drifted (#TTC for Toronto's transit, #Stroke for golf): it is then listened to only beside the
topic's words, as an ambiguous tag is.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.hashtags import tag_key

MIN_POSTS = 30  # fewer posts say too little to demote a tag the knowledge base vouches for
MIN_SHARE = 0.3  # below this share of posts on topic, the tag mostly means something else
MEASURED_DAYS = 30  # the same window the answers' figures use


@dataclass(frozen=True)
class TopicContext:
    """What marks a post as about the topic: one of its unambiguous tags, or one of its words."""

    name: str  # as a person reads it: "Lung cancer"
    tag_keys: frozenset[str]
    words: tuple[str, ...]

    def pattern(self, skip: str = "") -> re.Pattern[str] | None:
        """The topic's words as one search; a word that only spells the tag measured (`skip`,
        a tag key) is left out, or every post carrying the tag would count as on topic."""
        parts = [
            r"\s+".join(map(re.escape, w.split()))
            for w in self.words
            if w.strip() and tag_key("".join(w.split())) != skip
        ]
        if not parts:
            return None
        return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class TagHealth:
    """One listened tag measured against its topic(s) over the last MEASURED_DAYS."""

    tag: str  # display casing, no '#'
    topic: str  # the topic's name, or several joined with "or"
    posts: int
    on_topic: int
    measured_on: date

    @property
    def share(self) -> float:
        return self.on_topic / self.posts if self.posts else 1.0

    @property
    def drifted(self) -> bool:
        return self.posts >= MIN_POSTS and self.share < MIN_SHARE

    def line(self) -> str:
        """What `doctor` and the App Home say about a demoted tag."""
        return (
            f"#{self.tag}: only {round(100 * self.share)}% of {self.posts:,} posts are about "
            f"{self.topic}; now listened to only with the topic's words "
            f"(measured {self.measured_on.isoformat()})"
        )


def measure(
    tag: str,
    contexts: Sequence[TopicContext],
    posts: Iterable[tuple[str, Collection[str]]],
    *,
    today: date,
) -> TagHealth:
    """The share of `posts` (text, tag keys) that carry another of a topic's tags or say one of
    its words; a tag several topics listen to is on topic when it is about any of them."""
    key = tag_key(tag)
    others = frozenset().union(*(c.tag_keys for c in contexts)) - {key}
    patterns = [p for p in (c.pattern(key) for c in contexts) if p is not None]
    total = about = 0
    for text, keys in posts:
        total += 1
        if not others.isdisjoint(keys) or any(p.search(text) for p in patterns):
            about += 1
    name = " or ".join(dict.fromkeys(c.name for c in contexts))
    return TagHealth(tag, name, total, about, today)
