"""Per-network drafts of an approved message: counted as each network counts, hashtags fitted.

The approved text and link are never altered: hashtags are appended when the approval allows
it, best-ranked first and only as many as fit; a text that doesn't fit a network is said so,
never cut. Expired (or not yet valid) approvals are never composed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import regex

from bot.domain.approvals import EXPIRING_DAYS, ApprovedMessage
from bot.domain.hashtags import tag_key
from bot.domain.suggestion import Suggestion, copy_tags
from bot.domain.wording import check_wording

LINK_LENGTH = 23  # X and Mastodon count every link as 23 characters, however long
MAX_DRAFT_TAGS = 3  # more reads as spam, and each one takes room from the approved words
DRAFT_KINDS = {"community", "condition"}  # always; awareness and congress tags only while on
WHILE_ON_KINDS = {"awareness", "conference"}


def x_length(text: str) -> int:
    """X's weighted count (twitter-text v3): links 23, CJK and emoji 2, Latin and most marks 1."""
    # Imported when first counted: twitter-text takes a fifth of a second to import, and every
    # `hashtag-bot` command would pay it.
    from twitter_text import parse_tweet

    return int(parse_tweet(text).weightedLength)


def grapheme_length(text: str) -> int:
    """What a person sees as characters: Bluesky's 300 counts these (an emoji family is one)."""
    return len(regex.findall(r"\X", text))


def mastodon_length(text: str) -> int:
    """Mastodon's count: characters as seen, with each http(s) link counted as 23."""
    from twitter_text import extract_urls_with_indices

    links = [
        u
        for u in extract_urls_with_indices(text)
        if u["url"].lower().startswith(("http://", "https://"))
    ]
    for link in sorted(links, key=lambda u: -u["indices"][0]):
        start, end = link["indices"]
        text = text[:start] + "x" * LINK_LENGTH + text[end:]
    return grapheme_length(text)


@dataclass(frozen=True)
class Network:
    key: str  # x, bluesky, mastodon
    name: str
    limit: int
    count: Callable[[str], int]
    counted_as: str


NETWORKS: tuple[Network, ...] = (
    Network("x", "X", 280, x_length, "links 23, wide characters and emoji 2"),
    Network("bluesky", "Bluesky", 300, grapheme_length, "characters as seen, links in full"),
    Network("mastodon", "Mastodon", 500, mastodon_length, "characters as seen, links 23"),
)


@dataclass(frozen=True)
class Draft:
    message_id: int
    study: str
    platform: str
    text: str
    length: int
    limit: int
    hashtags: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return self.length <= self.limit

    def as_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "study": self.study,
            "platform": self.platform,
            "text": self.text,
            "length": self.length,
            "limit": self.limit,
            "hashtags": list(self.hashtags),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class Composition:
    topic: str
    condition: dict[str, str] | None
    drafts: tuple[Draft, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "condition": self.condition,
            "drafts": [d.as_json() for d in self.drafts],
            "notes": list(self.notes),
        }


def last_day_in(days: int) -> str:
    """ "today", "tomorrow" or "in 12 days": how far off an approval's last day is."""
    if days == 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def draft_tags(suggestions: Sequence[Suggestion]) -> list[str]:
    """The tags a post may carry, best first: community and condition tags, the awareness tag
    while its window runs, the congress tag during its meeting; none with a warning."""
    usable = [
        s
        for s in suggestions
        if s.kind in DRAFT_KINDS or (s.kind in WHILE_ON_KINDS and s.happening_now)
    ]
    return copy_tags(usable, count=len(usable) or 1) if usable else []


def carries_link(text: str, url: str) -> bool:
    """The approved link is in the text as a whole link, as the networks will link it: not
    the start of a longer one (`…/lung-01` is not in text that links `…/lung-012`)."""
    from twitter_text import extract_urls  # imported when first needed, as for counting

    return url in extract_urls(text)


def base_text(message: ApprovedMessage) -> str:
    """The approved words and the approved link, the link added unless the text links it."""
    approval = message.approval
    if carries_link(approval.text, approval.url):
        return approval.text
    return f"{approval.text} {approval.url}"


def fit_hashtags(
    base: str, tags: Iterable[str], network: Network, *, most: int = MAX_DRAFT_TAGS
) -> tuple[str, tuple[str, ...]]:
    """The base with as many of the tags as fit, best first; a tag the text has is not repeated."""
    present = {tag_key(t) for t in regex.findall(r"#(\w+)", base)}
    text, added = base, list[str]()
    for tag in tags:
        if len(added) == most:
            break
        if tag_key(tag) in present:
            continue
        candidate = f"{text} #{tag}"
        if network.count(candidate) <= network.limit:
            text, added = candidate, [*added, tag]
            present.add(tag_key(tag))
    return text, tuple(added)


def compose_message(
    message: ApprovedMessage, tags: Sequence[str], today: date
) -> tuple[list[Draft], list[str]]:
    """A draft per network for one unexpired message, and notes on it for the team."""
    approval = message.approval
    status = approval.status(today)
    if status == "expired":
        return [], [
            f"{approval.study} (message {message.id}): its approval's last day was "
            f"{approval.expires_on.isoformat()}, so it is not composed. Renew it with the IRB."
        ]
    if status == "pending":
        return [], [
            f"{approval.study} (message {message.id}): approved from "
            f"{approval.approved_on.isoformat()}, not composed before then."
        ]
    notes: list[str] = []
    if not approval.hashtags_allowed:
        notes.append(
            f"{approval.study} (message {message.id}): the approval does not allow adding "
            "hashtags, so its drafts are the approved text and link only."
        )
    if approval.days_left(today) <= EXPIRING_DAYS:
        notes.append(
            f"{approval.study} (message {message.id}): the approval's last day is "
            f"{approval.expires_on.isoformat()} ({last_day_in(approval.days_left(today))})."
        )
    wording = [str(w) for w in check_wording(approval.text)]
    base = base_text(message)
    drafts: list[Draft] = []
    for network in NETWORKS:
        length = network.count(base)
        if length > network.limit:
            warning = (
                f"Too long for {network.name}: {length} of {network.limit} ({network.counted_as}). "
                "The approved text is not cut: post it elsewhere, or ask the IRB for a shorter version."
            )
            drafts.append(
                Draft(
                    message.id,
                    approval.study,
                    network.key,
                    base,
                    length,
                    network.limit,
                    (),
                    (warning, *wording),
                )
            )
            continue
        usable = tags if approval.hashtags_allowed else ()
        text, added = fit_hashtags(base, usable, network)
        drafts.append(
            Draft(
                message.id,
                approval.study,
                network.key,
                text,
                network.count(text),
                network.limit,
                added,
                tuple(wording),
            )
        )
    return drafts, notes
