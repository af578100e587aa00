"""Accounts active in a topic, and which of them a digest introduces, with the evidence.

An account's role comes only from its own name and profile (bot.domain.advocates); what else a
digest says of it is what it posted in public with the topic's tags, what others in the
community did with it, and its follower count. Two posts in an afternoon are a passer-by: an
account is introduced once it keeps at it over several days, or others answer and pass it on.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot.domain.advocates import RoleMatch, role_from_profile
from bot.domain.calendar import day_label

ADVOCATE_DAYS = 7  # active in the topic within this many days
MIN_ADVOCATE_POSTS = 2  # one post is a passer-by, not a voice in the community
# Sustained, not a burst: posts on this many distinct days of the week, or replies, quotes or
# mentions from this many other accounts, or this many reposts and quotes of its topic posts.
MIN_ACTIVE_DAYS, MIN_ENGAGED_BY, MIN_ECHOES = 3, 2, 3
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
    days: int = 0  # distinct days it posted about the topic this week
    engaged_by: int = 0  # other accounts that replied to, quoted or mentioned it this week
    echoes: int = 0  # reposts and quotes of its topic posts this week, as the platform counts

    @property
    def sustained(self) -> bool:
        """Kept at it over several days, or others in the community took it up."""
        return (
            self.days >= MIN_ACTIVE_DAYS
            or self.engaged_by >= MIN_ENGAGED_BY
            or self.echoes >= MIN_ECHOES
        )


@dataclass(frozen=True, slots=True)
class VoicePost:
    """One of an account's posts this week with one of the tracked tags."""

    id: str
    day: date
    echoes: int  # reposts and quotes the platform counted
    tag: str  # a tag key it carries (a post with two tags comes once per tag)


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


def with_activity(
    voices: Iterable[Voice], posts: Mapping[str, Iterable[VoicePost]], tag_keys: Collection[str]
) -> list[Voice]:
    """Each voice with the days it posted the topic's tags and the reposts and quotes they got,
    each post counted once however many of the topic's tags it carries."""
    keys = set(tag_keys)
    found = []
    for voice in voices:
        mine = {p.id: p for p in posts.get(voice.author_id, ()) if p.tag in keys}
        days = len({p.day for p in mine.values()})
        echoes = sum(p.echoes for p in mine.values())
        found.append(replace(voice, days=days, echoes=echoes))
    return found


def advocates_of(
    voices: Iterable[Voice], profiles: Mapping[str, Profile], forms: Mapping[str, str]
) -> list[Advocate]:
    """Voices worth introducing, each with its role from its own profile and the evidence."""
    found = []
    for voice in voices:
        profile = profiles.get(voice.author_id)
        if profile is None or not voice.sustained:
            continue  # gone (opted out or deleted), or a burst nobody took up: never named
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
    days = f" on {voice.days} days" if voice.days > 1 else ""
    evidence = [
        match.evidence() or "States no role in their profile",
        f"{' and '.join(uses)} posts{days}, the latest on {day_label(voice.last_day, year=False)}",
    ]
    if voice.engaged_by:
        evidence.append(
            f"replied to, quoted or mentioned by {_accounts(voice.engaged_by)} in the community"
        )
    if voice.echoes:
        evidence.append(f"reposted or quoted {voice.echoes:,} time{'s' * (voice.echoes != 1)}")
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


def _accounts(n: int) -> str:
    return f"{n:,} other account{'s' * (n != 1)}"
