"""Ranking: curated standing, observed popularity, relevance, trend and timing, with reasons."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.activity import WINDOW_DAYS, Observed, TagActivity
from bot.domain.calendar import Window
from bot.domain.candidates import Candidate, Plan
from bot.domain.conditions import Understanding
from bot.domain.hashtags import display_form

MAX_GENERAL = 3
# Popularity: how many people use a tag matters most (one account can post a tag all day),
# then how often it is posted, then how much people engage with those posts.
POPULARITY_PEOPLE, POPULARITY_POSTS, POPULARITY_ENGAGEMENT = 0.6, 0.3, 0.1
# A tag's score: curated standing (kind, link to the condition, timing) leads, so an
# established community tag is never buried by noise; observed popularity comes next; fit (the
# share of its posts on this topic) is rewarded on its own too; a rising trend breaks ties.
WEIGHT_STANDING, WEIGHT_POPULARITY, WEIGHT_FIT, WEIGHT_TREND = 0.5, 0.3, 0.15, 0.05
HAPPENING_NOW_BONUS = 0.2  # an awareness month or congress that is on now goes near the top
AMBIGUOUS_FIT = 0.7  # a tag known to mean other things, before posts say how much
MIN_AUTHORS = 2  # an observed tag needs posts from this many people: one account can't plant it
_CONFERENCE_LIKE = re.compile(r"^[a-z]{2,10}(\d{2}|\d{4})$")


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

    @property
    def evidence(self) -> str:
        """The one figure that matters: observed use, else when its event runs, else its source."""
        a = self.activity
        if a is not None and a.posts:
            text = f"{a.posts:,} posts by {a.authors:,} people"
            if a.posts_prev_7d and abs(a.trend) >= 0.1:
                text += f", {'↑' if a.trend > 0 else '↓'}{abs(a.trend):.0%} week on week"
            return text
        if self.window is not None:
            when = self.window.describe()
            return f"happening now ({when})" if self.happening_now else f"next {when}"
        return f"source: {self.source}" if self.source else "not yet seen in stored posts"

    @property
    def what(self) -> str:
        return self.summary if self.curated else "seen in posts"

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
        }


@dataclass(frozen=True)
class SuggestionResult:
    query: str
    understanding: Understanding
    suggestions: tuple[Suggestion, ...]
    notes: tuple[str, ...]
    as_of: date
    evidence_posts: int
    knowledge_version: str

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
            "suggestions": [s.as_json() for s in self.suggestions],
        }


def _scaled(value: int, biggest: int) -> float:
    """A count on a log scale against the biggest, 0 to 1; nothing (or an odd figure below
    zero) scores 0 instead of failing on the logarithm."""
    if biggest <= 0 or value <= 0:
        return 0.0
    return min(math.log1p(value) / math.log1p(biggest), 1.0)


def _people(activity: TagActivity, relevance: float | None, about: str) -> str:
    text = f"Used in {activity.posts:,} posts by {activity.authors:,} people in the last {WINDOW_DAYS} days"
    if activity.posts_prev_7d or activity.posts_7d:
        change = activity.trend
        if activity.posts_prev_7d == 0:
            text += f"; {activity.posts_7d:,} this week, none the week before"
        elif abs(change) >= 0.1:
            text += f", {'up' if change > 0 else 'down'} {abs(change):.0%} on the week before"
        else:
            text += ", steady week on week"
    if relevance is not None:
        if relevance >= 0.5:
            text += f"; {relevance:.0%} of them are about {about}"
        else:
            text += f"; only {relevance:.0%} of them are about {about}, so it is mostly used for other things"
    return text


def _warning(candidate: Candidate, relevance: float | None, about: str) -> str:
    """What a person should know before pasting the tag; nothing for a tag that is on topic."""
    if relevance is not None and relevance < 0.5:
        return f"only {relevance:.0%} of its posts are about {about}"
    if candidate.ambiguous and relevance is None:
        return (
            f"also used for {candidate.also_means}"
            if candidate.also_means
            else ("often used for other things")
        )
    return ""


def copy_tags(suggestions: Iterable[Suggestion], count: int = 5) -> list[str]:
    """The tags worth pasting: best first, one per event, no near-twins, none with a warning."""
    chosen: list[Suggestion] = []
    for suggestion in suggestions:
        if suggestion.warning:
            continue
        if suggestion.event and any(s.event == suggestion.event for s in chosen):
            continue
        if any(_near_twins(s.tag, suggestion.tag) for s in chosen):
            continue
        chosen.append(suggestion)
        if len(chosen) == count:
            break
    return [s.tag for s in chosen]


def _near_twins(a: str, b: str) -> bool:
    """#ClinicalTrials and #ClinicalTrial, #LungCancer and #lungcancer: one is enough."""
    a, b = a.casefold(), b.casefold()
    return a == b or a.removesuffix("s") == b.removesuffix("s")


def observed_candidates(
    plan: Plan, observed: Observed, index: dict[str, tuple[str, str, str]]
) -> Iterable[Candidate]:
    """Tags the stored posts show people use with the condition's own tags."""
    for key, shared in observed.with_seeds.items():
        if key in plan.candidates or key in plan.seeds or shared < plan.min_shared:
            continue
        activity = observed.activity.get(key)
        if activity is None or activity.authors < MIN_AUTHORS:
            continue
        form, kind, about = index.get(key, (key, "", ""))
        if not kind:
            kind = "conference" if _CONFERENCE_LIKE.match(key) else "general"
        reason = f"Seen with {plan.seen_with} in {shared:,} posts in the last {WINDOW_DAYS} days"
        reasons = [reason] + ([f"Known tag for {about}"] if about and kind != "general" else [])
        yield Candidate(key, form, kind, 0.0, reasons, curated=False)


def rank(
    plans: list[Plan],
    observed: list[Observed],
    index: dict[str, tuple[str, str, str]],
    *,
    limit: int,
) -> list[Suggestion]:
    """Merge every condition's candidates, score them and keep the best `limit`."""
    merged: dict[str, tuple[Candidate, Plan, Observed]] = {}
    for plan, seen in zip(plans, observed, strict=True):
        for candidate in [*plan.candidates.values(), *observed_candidates(plan, seen, index)]:
            if candidate.key in merged:
                merged[candidate.key][0].absorb(candidate)
            else:
                merged[candidate.key] = (candidate, plan, seen)
    activities = [seen.activity.get(key) for key, (_, _, seen) in merged.items()]
    present = [a for a in activities if a is not None]
    top_authors = max((a.authors for a in present), default=0)
    top_posts = max((a.posts for a in present), default=0)
    top_engagement = max((a.engagement for a in present), default=0)
    scored: list[Suggestion] = []
    for candidate, plan, seen in merged.values():
        activity = seen.activity.get(candidate.key)
        if not candidate.verified and (activity is None or activity.authors < MIN_AUTHORS):
            continue  # an unverified tag stands only on collected posts
        relevance: float | None = None
        if activity and activity.posts:
            if candidate.key in plan.seeds and not candidate.ambiguous:
                relevance = 1.0
            else:
                relevance = min(1.0, max(0, seen.with_seeds.get(candidate.key, 0)) / activity.posts)
        popularity = 0.0
        if activity:
            popularity = (
                POPULARITY_PEOPLE * _scaled(activity.authors, top_authors)
                + POPULARITY_POSTS * _scaled(activity.posts, top_posts)
                + POPULARITY_ENGAGEMENT * _scaled(activity.engagement, top_engagement)
            )
        fit = (
            relevance if relevance is not None else (AMBIGUOUS_FIT if candidate.ambiguous else 1.0)
        )
        trend_up = max(0.0, min(activity.trend, 1.0)) if activity else 0.0
        score = (
            WEIGHT_STANDING * candidate.standing * candidate.timing
            + WEIGHT_POPULARITY * popularity * fit
            + WEIGHT_FIT * fit
            + WEIGHT_TREND * trend_up * fit
            + (HAPPENING_NOW_BONUS if candidate.happening_now else 0.0)
        )
        reasons = list(candidate.reasons)
        if activity and activity.posts:
            reasons.append(_people(activity, relevance, plan.about))
        elif candidate.curated:
            reasons.append("Not yet seen in stored posts")
        form = (
            display_form(activity.forms, candidate.form)
            if activity and activity.forms
            else candidate.form
        )
        scored.append(
            Suggestion(
                tag=form,
                kind=candidate.kind,
                score=score,
                reasons=tuple(reasons),
                activity=activity,
                relevance=relevance,
                window=candidate.window,
                happening_now=candidate.happening_now,
                summary=candidate.summary,
                source=candidate.source,
                event=candidate.event,
                curated=candidate.curated,
                warning=_warning(candidate, relevance, plan.about),
            )
        )
    scored.sort(key=lambda s: (-s.score, s.tag.casefold()))
    kept: list[Suggestion] = []
    general = 0
    for suggestion in scored:
        if suggestion.kind == "general":
            general += 1
            if general > MAX_GENERAL:  # cross-cutting tags fill in; they don't crowd out
                continue
        kept.append(suggestion)
    return kept[:limit]
