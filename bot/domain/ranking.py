"""Ranking: curated standing, observed and measured popularity, relevance, trend and timing,
with reasons; a census's figures and grades (domain/reach.py) where a tag was measured."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from bot.domain.activity import WINDOW_DAYS, Observed, TagActivity
from bot.domain.answer_order import BELOW, answer_order
from bot.domain.audience import LOCAL, Audience
from bot.domain.candidates import SOON, Candidate, Plan
from bot.domain.hashtags import display_form, tag_key
from bot.domain.reach import (
    NOT_GRADED,
    TagReach,
    grade,
    grade_reason,
    graded_now,
    network_lines,
    trend_line,
)
from bot.domain.suggestion import Suggestion

LOCAL_BONUS = 0.15  # a tag of the team's own country or language, over everyone's
# Popularity: how many people use a tag matters most (one account can post a tag all day),
# then how often it is posted, then how much people engage with those posts.
POPULARITY_PEOPLE, POPULARITY_POSTS, POPULARITY_ENGAGEMENT = 0.6, 0.3, 0.1
# A tag's score: curated standing (kind, link to the condition, timing) leads, so an
# established community tag is never buried by noise; observed popularity comes next; fit (the
# share of its posts on this topic) is rewarded on its own too; a rising trend breaks ties.
WEIGHT_STANDING, WEIGHT_POPULARITY, WEIGHT_FIT, WEIGHT_TREND = 0.5, 0.3, 0.15, 0.05
# A measured tag: its measured use counts for more and its curated standing for less, so one
# census makes an answer rank by use. Where collected posts exist too they say more (they give
# the share on topic), and both decide its popularity.
MEASURED_STANDING, MEASURED_POPULARITY = 0.35, 0.45
COLLECTED_SHARE = 0.6  # of popularity, when a tag has collected posts and a census figure
HAPPENING_NOW_BONUS = 0.2  # an awareness month or congress that is on now goes near the top
AMBIGUOUS_FIT = 0.7  # a tag known to mean other things, before posts say how much
MIN_AUTHORS = 2  # an observed tag needs posts from this many people: one account can't plant it
_CONFERENCE_LIKE = re.compile(r"^[a-z]{2,10}(\d{2}|\d{4})$")


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


UNMEASURED = "no organisation, chat or study names it, and its use is not measured yet"


def _reference(plan: Plan, reach: Mapping[str, TagReach]) -> tuple[int, str]:
    """What a condition's grades are relative to: the weekly use of its busiest own tag (its
    community and plain-name tags), or of its busiest measured tag when none of those is."""
    own = set(plan.seeds)
    if plan.condition is not None:
        own |= {tag_key(t.tag) for t in plan.condition.plain_tags}
    for keys in (own, set(plan.candidates)):
        measured = [k for k in keys if k in reach]
        if measured:
            best = max(measured, key=lambda k: (reach[k].total, k))
            form = plan.candidates[best].form if best in plan.candidates else best
            return reach[best].total, form
    return 0, ""


def rank(
    plans: list[Plan],
    observed: list[Observed],
    index: dict[str, tuple[str, str, str]],
    *,
    limit: int,
    reach: Mapping[str, TagReach] | None = None,
    today: date | None = None,
    audience: Audience | None = None,
) -> list[Suggestion]:
    """Merge every condition's candidates, score them and keep the best `limit`, in the order
    an answer shows them (domain/answer_order.py).

    `reach`: what a census measured, by tag key; `today` says which calendar tags are near
    enough to their window to be graded; `audience`: the team's country and languages."""
    reach = reach or {}
    audience = audience or Audience()
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
    top_measured = max((reach[k].total for k in merged if k in reach), default=0)
    references = {id(plan): _reference(plan, reach) for plan in plans}
    scored: list[Suggestion] = []
    for candidate, plan, seen in merged.values():
        activity = seen.activity.get(candidate.key)
        measured = reach.get(candidate.key)
        backed = activity is not None and activity.authors >= MIN_AUTHORS
        near = today is None or graded_now(candidate.window, today)
        reference, reference_tag = references[id(plan)]
        graded = grade(measured.total, reference, measured.trend) if measured and near else None
        if not candidate.verified and not backed:
            in_use = measured is not None and measured.total > 0 and graded != "unused"
            if candidate.needs_measure and not in_use:
                continue  # an event's candidate is suggested once measured in use
            if not candidate.plain and not in_use:
                continue  # an unverified tag stands only on collected posts or measured use
        unmeasured = not candidate.verified and not backed and measured is None
        relevance: float | None = None
        if activity and activity.posts:
            if candidate.key in plan.seeds and not candidate.ambiguous:
                relevance = 1.0
            else:
                relevance = min(1.0, max(0, seen.with_seeds.get(candidate.key, 0)) / activity.posts)
        collected = 0.0
        if activity:
            collected = (
                POPULARITY_PEOPLE * _scaled(activity.authors, top_authors)
                + POPULARITY_POSTS * _scaled(activity.posts, top_posts)
                + POPULARITY_ENGAGEMENT * _scaled(activity.engagement, top_engagement)
            )
        popularity = collected
        weight_standing, weight_popularity = WEIGHT_STANDING, WEIGHT_POPULARITY
        if measured is not None:
            weight_standing, weight_popularity = MEASURED_STANDING, MEASURED_POPULARITY
            by_census = _scaled(measured.total, top_measured)
            popularity = (
                COLLECTED_SHARE * collected + (1 - COLLECTED_SHARE) * by_census
                if activity and activity.posts
                else by_census
            )
        fit = (
            relevance if relevance is not None else (AMBIGUOUS_FIT if candidate.ambiguous else 1.0)
        )
        rising = activity.trend if activity and activity.posts else None
        if rising is None and measured is not None:
            rising = measured.trend
        trend_up = max(0.0, min(rising or 0.0, 1.0))
        fits = audience.fit(candidate.regions, candidate.lang)
        score = (
            weight_standing * candidate.standing * candidate.timing
            + weight_popularity * popularity * fit
            + WEIGHT_FIT * fit
            + WEIGHT_TREND * trend_up * fit
            + (HAPPENING_NOW_BONUS if candidate.happening_now else 0.0)
            + (LOCAL_BONUS if fits == LOCAL else 0.0)
        )
        reasons = list(candidate.reasons)
        if activity and activity.posts:
            reasons.append(_people(activity, relevance, plan.about))
        elif candidate.curated and measured is None:
            reasons.append("Not yet seen in stored posts")
        if measured is not None:
            reasons += [f"Measured on {line}" for line in network_lines(measured)]
            reasons += [line for line in [trend_line(measured)] if line]
            if graded is not None:
                reasons.append(
                    grade_reason(
                        graded,
                        measured.total,
                        reference,
                        reference_tag,
                        candidate.form,
                        measured.trend,
                    )
                )
            elif not near:
                reasons.append(NOT_GRADED)
        elif unmeasured:
            reasons.append("Use not measured yet: the next census measures it")
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
                in_season=candidate.timing >= SOON,
                summary=candidate.summary,
                source=candidate.source,
                event=candidate.event,
                curated=candidate.curated,
                warning=_warning(candidate, relevance, plan.about)
                or (UNMEASURED if unmeasured else ""),
                verified=candidate.verified,
                reach=measured,
                grade=graded,
                graded_window=near,
                unmeasured=unmeasured,
                regions=candidate.regions,
                lang=candidate.lang,
                own=candidate.own,
                fit=fits,
                elsewhere=audience.where(candidate.regions, candidate.lang),
            )
        )
    scored = _placed(scored)
    scored.sort(key=lambda s: (-s.score, s.tag.casefold()))
    return answer_order(scored, audience, limit)


def _placed(scored: list[Suggestion]) -> list[Suggestion]:
    """The rules that put a tag below others whatever its score: a tag graded unused below the
    measured tags of its kind; a plain-name tag with no source and no measurement below the
    sourced community tags."""
    in_use: dict[str, float] = {}
    for s in scored:
        if s.reach is not None and s.grade != "unused":
            in_use[s.kind] = min(in_use.get(s.kind, s.score), s.score)
    community = [s.score for s in scored if s.kind == "community" and s.verified]
    placed = []
    for s in scored:
        ceiling = s.score
        if s.grade == "unused" and s.kind in in_use:
            ceiling = min(ceiling, in_use[s.kind] - BELOW)
        if s.unmeasured and community:
            ceiling = min(ceiling, min(community) - BELOW)
        placed.append(s if ceiling == s.score else replace(s, score=ceiling))
    return placed
