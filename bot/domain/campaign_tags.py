"""Vetting a new campaign tag before launch: does it collide with a known tag, and does it read?

The seed's advice: use the tags a community already uses "rather than creating new ones",
unless starting a campaign, and then be "mindful of what others are using".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.drafts import NETWORKS
from bot.domain.hashtags import is_valid_tag, tag_key
from bot.domain.knowledge import KnowledgeBase

LONG_TAG = 20  # characters: past this a tag eats the approved words' room and is hard to type
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# Lower-case words tags run straight on from an acronym: #LCSMchat is "LCSM chat", #IBDaware
# "IBD aware"; otherwise a capital before lower case starts a word (#NSCLCAwareness).
TRAILING_WORDS = frozenset({
    "chat", "chats", "aware", "awareness", "day", "days", "week", "month", "hour", "talk", "talks",
    "live", "news", "now", "care", "life", "strong", "warrior", "warriors", "survivor",
    "survivors", "support", "community", "research", "trial", "trials", "study",
})  # fmt: skip


def spoken_words(body: str) -> list[str]:
    """The words a screen reader makes of a CamelCase tag."""
    words: list[str] = []
    for word in _WORDS.findall(body):
        acronym_before = bool(words) and words[-1].isupper()
        if acronym_before and word[:1].isupper() and word[1:] in TRAILING_WORDS:
            words[-1] += word[0]
            word = word[1:]
        words.append(word)
    return words


@dataclass(frozen=True)
class Collision:
    tag: str  # the known tag it collides with, display form
    what: str  # what that tag stands for

    def __str__(self) -> str:
        return f"#{self.tag}: {self.what}"


def known_tags(
    kb: KnowledgeBase, index: dict[str, tuple[str, str, str]], today: date
) -> dict[str, tuple[str, str]]:
    """Every tag the knowledge base knows -> (display form, what it stands for), congress tags
    for last year to two years ahead included."""
    known = {
        key: (form, f"{kind} tag for {about}" if about else f"{kind} tag")
        for key, (form, kind, about) in index.items()
    }
    for conference in kb.conferences:
        for year in range(today.year - 1, today.year + 3):
            if conference.held_in(year):
                form = conference.tag(year)
                known.setdefault(
                    tag_key(form), (form, f"the {conference.name} {year} congress tag")
                )
    return known


def collisions(
    tag: str, known: dict[str, tuple[str, str]], also_means: dict[str, str]
) -> list[Collision]:
    """Known tags it is, or nearly is (a plural, a year away), and meanings it has elsewhere."""
    key = tag_key(tag)
    found: list[Collision] = []
    if key in known:
        form, what = known[key]
        found.append(Collision(form, f"already the {what}"))
    else:
        stem = key.removesuffix("s")
        yearless = re.sub(r"\d{2}(\d{2})?$", "", key)
        for other, (form, what) in sorted(known.items()):
            if other.removesuffix("s") == stem:
                found.append(Collision(form, f"nearly the same as the {what}"))
            elif yearless and yearless != key and re.sub(r"\d{2}(\d{2})?$", "", other) == yearless:
                found.append(Collision(form, f"the same tag another year: the {what}"))
    if key in also_means:
        found.append(Collision(tag.lstrip("#"), f"also means {also_means[key]}"))
    return found[:5]


def readability(tag: str) -> list[str]:
    """How the tag reads: valid as a hashtag, its length, and CamelCase for screen readers."""
    body = tag.lstrip("#＃")
    notes: list[str] = []
    if not is_valid_tag(body):
        return [
            "Not a working hashtag: use letters, digits and underscores only "
            "(a space, hyphen or punctuation ends the tag there)."
        ]
    if body.isdigit():
        notes.append("Digits alone are not linked as a hashtag on X or Mastodon: add a word.")
    if len(body) > LONG_TAG:
        notes.append(
            f"{len(body)} characters long: every character comes out of the post's limit; "
            f"aim for {LONG_TAG} or fewer."
        )
    else:
        notes.append(f"{len(body)} characters: short enough.")
    words = spoken_words(body)
    if body.islower() and len(body) > 6:
        notes.append(
            "All lower case: capitalise each word (CamelCase, e.g. #LungStudy26) so screen "
            "readers read it as words rather than letters."
        )
    elif body.isupper() and len(body) > 6:
        notes.append(
            "All capitals: screen readers may spell it out letter by letter; CamelCase "
            "(e.g. #LungStudy26) reads as words."
        )
    elif len(words) > 1:
        notes.append("CamelCase: screen readers read it as “" + " ".join(words) + "”.")
    return notes


@dataclass(frozen=True)
class TagReport:
    """`/hashtag available #Tag`: in use or not, by whom and for what, collisions, how it reads."""

    tag: str
    stored: dict[str, Any]
    live: list[dict[str, Any]]
    collisions: list[Collision]
    readability: list[str]

    @property
    def in_use(self) -> bool:
        return bool(self.stored.get("posts")) or any(look.get("posts") for look in self.live)

    @property
    def verdict(self) -> str:
        if self.collisions and any("already" in c.what for c in self.collisions):
            return "taken: it is a tag the knowledge base already knows"
        if self.in_use:
            return "in use: look at who uses it, and for what, before launching with it"
        unchecked = [_network(look) for look in self.live if look.get("error")]
        if unchecked:  # unknown there, so never "free"
            checked = [_network(look) for look in self.live if not look.get("error")]
            places = " or on ".join(["stored posts", *checked])
            return (
                f"can't say yet: not checked on {' or '.join(unchecked)}; not seen in {places}. "
                "Look again before launching with it."
            )
        return "not seen in use: free to launch, as far as the bot can see"

    def as_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "in_use": self.in_use,
            "verdict": self.verdict,
            "stored": self.stored,
            "live": self.live,
            "collisions": [{"tag": c.tag, "what": c.what} for c in self.collisions],
            "readability": self.readability,
        }


def _network(look: dict[str, Any]) -> str:
    return next((n.name for n in NETWORKS if n.key == look["network"]), look["network"])
