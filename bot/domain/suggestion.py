"""A suggested tag and a whole answer, as every surface shows them (the terminal, Slack, JSON,
drafts), and which of its tags are worth pasting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.domain.activity import TagActivity
from bot.domain.audience import ELSEWHERE, FITS, UNPLACED, Audience
from bot.domain.calendar import Window
from bot.domain.conditions import Understanding
from bot.domain.reach import TagReach, use_line

TOP = 5  # what a recruiter sees first and pastes: Slack's first screen, the Copy line


@dataclass(frozen=True)
class Suggestion:
    tag: str
    kind: str
    score: float
    reasons: tuple[str, ...]
    activity: TagActivity | None
    relevance: float | None
    window: Window | None
    happening_now: bool = False
    summary: str = ""  # what it is, in a few words
    source: str = ""
    event: str = ""  # the awareness event or congress it stands for
    curated: bool = True  # False: known only from collected posts
    warning: str = ""  # why to look before using it (another meaning, mostly off-topic posts)
    verified: bool = True  # False: no organisation, chat or study was found using it
    reach: TagReach | None = None  # what a census measured
    grade: str | None = None  # hot, steady, quiet, unused; None when not graded
    graded_window: bool = True  # False: a calendar tag measured away from its window
    unmeasured: bool = False  # no source and no measurement yet (a plain-name tag)
    regions: tuple[str, ...] = ()  # ISO 3166-1 codes where it belongs; () everywhere
    lang: str = ""  # ISO 639-1 of a tag in a language other than English
    own: bool = False  # the asked condition's own community or plain-name tag
    fit: str = FITS  # how it fits the team (domain/audience.py)
    elsewhere: str = ""  # where it belongs, when that isn't the team: "GB", "in Italian"
    on_top: bool = False  # among the (at most five) tags that lead the answer
    in_season: bool = True  # False: a calendar tag whose event is more than 30 days off

    @property
    def evidence(self) -> str:
        """The one figure that matters: observed use, else measured use, else when its event
        runs, else its source."""
        a = self.activity
        if a is not None and a.posts:
            text = f"{a.posts:,} posts by {a.authors:,} people"
            if a.posts_prev_7d and abs(a.trend) >= 0.1:
                text += f", {'↑' if a.trend > 0 else '↓'}{abs(a.trend):.0%} week on week"
            return text
        if self.reach is not None and self.graded_window:
            return use_line(self.reach)
        if self.window is not None and self.window.usual and not self.happening_now:
            return self.window.usually()
        if self.window is not None:
            when = self.window.describe()
            return f"happening now ({when})" if self.happening_now else f"next {when}"
        if self.unmeasured:
            return "use not measured yet"
        return f"source: {self.source}" if self.source else "not yet seen in stored posts"

    @property
    def what(self) -> str:
        """What it is, in a few words, and where it belongs when that isn't the team."""
        if not self.curated:
            what = "seen in posts"
        elif self.verified or self.unmeasured:  # an unmeasured one says so on a line of its own
            what = self.summary
        else:
            what = f"{self.summary}, no source names it"
        return f"{what} · {self.elsewhere}" if self.elsewhere else what

    @property
    def held(self) -> bool:
        """Another country's or language's, or one country's when the team never said where it
        is: never in the top five nor on the Copy line, shown lower down saying where it belongs."""
        return self.fit in (ELSEWHERE, UNPLACED)

    @property
    def copyable(self) -> bool:
        """Worth pasting today: no warning, not graded unused, the team's own country's and
        language's or everyone's, and no awareness or congress tag whose event is months off."""
        return not self.warning and self.grade != "unused" and not self.held and self.in_season

    def stats_json(self) -> dict[str, Any] | None:
        if self.activity is None or not self.activity.posts:
            return None
        a = self.activity
        return {
            "posts": a.posts,
            "authors": a.authors,
            "trend": a.trend,
            "relevance": None if self.relevance is None else round(self.relevance, 2),
            "engagement": a.engagement,
            "posts_7d": a.posts_7d,
            "posts_prev_7d": a.posts_prev_7d,
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "kind": self.kind,
            "score": round(self.score, 4),
            "reasons": list(self.reasons),
            "stats": self.stats_json(),
            "window": self.window.as_json() if self.window else None,
            "warning": self.warning or None,
            "measured": self.reach.measured_json() if self.reach else None,
            "grade": self.grade,
            "region": list(self.regions) or None,
            "top": self.on_top,
        } | ({"lang": self.lang} if self.lang else {})


@dataclass(frozen=True)
class SuggestionResult:
    query: str
    understanding: Understanding
    suggestions: tuple[Suggestion, ...]
    notes: tuple[str, ...]
    as_of: date
    evidence_posts: int
    knowledge_version: str
    audience: Audience = field(default_factory=Audience)

    @property
    def top_count(self) -> int:
        """How many tags lead the answer (at most five; fewer when fewer fit the team, the rest
        shown below them)."""
        leading = sum(s.on_top for s in self.suggestions)
        return leading or min(TOP, len(self.suggestions))

    @property
    def copy(self) -> list[str]:
        """The Copy line every surface shows (`copy_tags`), best first."""
        return copy_tags(self.suggestions)

    @property
    def asks_region(self) -> bool:
        """No region set for the team: each surface asks for one in a line under the answer."""
        return not self.audience.region and bool(self.suggestions)

    def as_json(self) -> dict[str, Any]:
        primary = self.understanding.primary
        return {
            "query": self.query,
            "condition": None
            if primary is None
            else {
                "id": primary.condition.id,
                "name": primary.condition.name,
                "matched": primary.matched,
            },
            "conditions": [
                {"id": m.condition.id, "name": m.condition.name, "matched": m.matched, "how": m.how}
                for m in self.understanding.matches
            ],
            "as_of": self.as_of.isoformat(),
            "evidence_posts": self.evidence_posts,
            "knowledge_version": self.knowledge_version,
            "notes": list(self.notes),
            "audience": {
                "region": self.audience.region or None,
                "languages": list(self.audience.langs),
            },
            "suggestions": [s.as_json() for s in self.suggestions],
            "copy": self.copy,
        }


def copy_tags(suggestions: Iterable[Suggestion], count: int = 5) -> list[str]:
    """The tags worth pasting: best first, one per event, no near-twins, one cross-cutting tag
    at most, none with a warning, graded unused, belonging elsewhere or for an event months off."""
    chosen: list[Suggestion] = []
    for suggestion in suggestions:
        if not suggestion.copyable:
            continue
        if suggestion.kind == "general" and any(s.kind == "general" for s in chosen):
            continue
        if suggestion.event and any(s.event == suggestion.event for s in chosen):
            continue
        if any(near_twins(s.tag, suggestion.tag) for s in chosen):
            continue
        chosen.append(suggestion)
        if len(chosen) == count:
            break
    return [s.tag for s in chosen]


def near_twins(a: str, b: str) -> bool:
    """#ClinicalTrials and #ClinicalTrial, #LungCancer and #lungcancer: one is enough."""
    a, b = a.casefold(), b.casefold()
    return a == b or a.removesuffix("s") == b.removesuffix("s")
