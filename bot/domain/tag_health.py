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
# A guarded tag is heard on its own once a sample of its unguarded posts shows it mostly means
# the topic. The bar sits well above MIN_SHARE, so a tag near the line doesn't flip back and forth.
MIN_SAMPLE = 20  # sampled posts needed to say anything
CLEAR_SHARE = 0.6  # at least this share on topic: heard on its own


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

    @property
    def clears(self) -> bool:
        """A sample of its unguarded posts shows it mostly means the topic."""
        return self.posts >= MIN_SAMPLE and self.share >= CLEAR_SHARE

    def line(self) -> str:
        """What `doctor` and the App Home say about a demoted tag."""
        return (
            f"#{self.tag}: only {round(100 * self.share)}% of {self.posts:,} posts are about "
            f"{self.topic}; now listened to only with the topic's words "
            f"(measured {self.measured_on.isoformat()})"
        )

    def sample_line(self) -> str:
        """What `doctor` and the App Home say about a sampled tag: heard alone, or still not."""
        share = f"{round(100 * self.share)}% of {self.posts:,} sampled posts are about {self.topic}"
        when = f"(sampled {self.measured_on.isoformat()})"
        if self.clears:
            return f"#{self.tag}: {share}; now listened to on its own {when}"
        if self.posts < MIN_SAMPLE:
            return (
                f"#{self.tag}: {self.posts:,} sampled posts, too few to say what it means; still "
                f"listened to only with the topic's words {when}"
            )
        return (
            f"#{self.tag}: only {share}, under {round(100 * CLEAR_SHARE)}%; still listened to "
            f"only with the topic's words {when}"
        )


@dataclass(frozen=True)
class Listening:
    """What measurements say about how each tag is heard: `demoted` (collected posts showed it
    mostly off topic, and no later sample cleared it) and `cleared` (the latest sample of its
    unguarded posts showed it mostly on topic, and no later measurement demoted it)."""

    demoted: frozenset[str] = frozenset()
    cleared: frozenset[str] = frozenset()

    @classmethod
    def of(cls, drifted: dict[str, TagHealth], samples: dict[str, TagHealth]) -> Listening:
        """From the latest demotion and the latest sample of each tag key: the later one says."""
        cleared = {
            key
            for key, sample in samples.items()
            if sample.clears
            and (key not in drifted or sample.measured_on >= drifted[key].measured_on)
        }
        return cls(frozenset(set(drifted) - cleared), frozenset(cleared))


def needs_measuring(tag: str, *, common_word: bool = False) -> bool:
    """A short acronym (#T1D, #LCSM: four characters at most, not a capitalised word such as
    #Gout) or an everyday word (#Stroke) means many things: it is heard only beside the topic's
    words until a sample shows it mostly means the topic."""
    capitalised_word = tag.isalpha() and tag[:1].isupper() and tag[1:].islower()
    return common_word or (len(tag) <= SHORT and not capitalised_word)


SHORT = 4  # characters: an acronym this short is a cricket fixture, a city or an HR product too


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
