"""Accounts active in a topic, and which of them a digest introduces, with the evidence.

An account's role comes only from its own name and profile (bot.domain.advocates); what else a
digest says of it is what it posted in public with the topic's tags and its follower count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.advocates import RoleMatch, role_from_profile
from bot.domain.calendar import day_label

ADVOCATE_DAYS = 7  # active in the topic within this many days
MIN_ADVOCATE_POSTS = 2  # one post is a passer-by, not a voice in the community
MIN_FOLLOWERS_UNSTATED = 1_000  # accounts that state no role are named only when widely followed
ROLE_WEIGHT = {
    "organization": 1.0,
    "clinician": 1.0,
    "researcher": 0.9,
    "advocate": 0.9,
    "media": 0.7,
    "industry": 0.5,
    "individual": 0.4,
}


@dataclass(frozen=True)
class Profile:
    """An account's public profile as stored."""

    id: str
    source: str
    handle: str
    name: str
    description: str
    url: str
    followers: int


@dataclass(frozen=True)
class Voice:
    """An account active in the topic this week: how often it used the topic's tags, and when last."""

    author_id: str
    posts: int
    tags: Mapping[str, int]  # tag key -> posts
    last_day: date


@dataclass(frozen=True)
class Advocate:
    author_id: str
    handle: str
    name: str
    url: str
    source: str
    role: str
    evidence: tuple[str, ...]
    followers: int
    tag_uses: dict[str, int]  # the topic's tags it used (display form) -> posts collected
    last_active: date
    score: float

    def as_json(self) -> dict[str, Any]:
        return {
            "handle": self.handle,
            "name": self.name,
            "role": self.role,
            "evidence": list(self.evidence),
            "url": self.url,
            "source": self.source,
            "followers": self.followers,
            "tag_uses": self.tag_uses,
            "last_active": self.last_active.isoformat(),
        }


def advocates_of(
    voices: Iterable[Voice], profiles: Mapping[str, Profile], forms: Mapping[str, str]
) -> list[Advocate]:
    """Voices worth introducing, each with its role from its own profile and the evidence."""
    found = []
    for voice in voices:
        profile = profiles.get(voice.author_id)
        if profile is None:
            continue  # gone (opted out or deleted): never named
        match = role_from_profile(profile.name, profile.description)
        if match.role == "individual" and profile.followers < MIN_FOLLOWERS_UNSTATED:
            continue
        found.append(_advocate(voice, profile, match, forms))
    found.sort(key=lambda a: (-a.score, a.handle.casefold()))
    return found


def _advocate(
    voice: Voice, profile: Profile, match: RoleMatch, forms: Mapping[str, str]
) -> Advocate:
    top = sorted(voice.tags.items(), key=lambda item: (-item[1], item[0]))[:2]
    uses = [f"#{forms.get(key, key)} in {n:,}" for key, n in top] or [f"{voice.posts:,}"]
    evidence = [
        match.evidence() or "States no role in their profile",
        f"{' and '.join(uses)} posts, the latest on {day_label(voice.last_day, year=False)}",
    ]
    if profile.followers:
        evidence.append(f"{profile.followers:,} followers")
    score = (
        ROLE_WEIGHT[match.role]
        * (1 + math.log10(1 + profile.followers))
        * math.log2(1 + voice.posts)
    )
    return Advocate(
        author_id=profile.id,
        handle=profile.handle,
        name=profile.name,
        url=profile.url,
        source=profile.source,
        role=match.role,
        evidence=tuple(evidence),
        followers=profile.followers,
        tag_uses={forms.get(key, key): n for key, n in voice.tags.items()},
        last_active=voice.last_day,
        score=round(score, 4),
    )
