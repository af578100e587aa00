"""What a census measures: every knowledge-base tag (or one condition's), each awareness event's
candidate tags, and the tags seen most with each tracked topic, each counted the way listening
hears it: a tag that means other things too (#MS) only beside its condition's words or tags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.domain.candidates import events_with_candidates, plan_condition
from bot.domain.hashtags import is_valid_tag, tag_key
from bot.domain.knowledge import Condition, KnowledgeBase
from bot.domain.reach import Guard
from bot.domain.topic_plan import TopicPlan

MAX_GUARD = 8  # words and tags a guarded tag is counted beside (X queries have 512 characters)


@dataclass(frozen=True)
class CensusTerm:
    """One tag as a census counts it."""

    key: str  # tag_key
    tag: str  # the form shown (no '#')
    context: tuple[str, ...] = ()  # counted only beside these words and "#tags"; () every post
    lang: str = ""  # ISO 639-1: counted in that language where the network can tell

    @property
    def guarded(self) -> bool:
        return bool(self.context)

    @property
    def guard(self) -> Guard:
        return Guard.of(self.context)


@dataclass
class _Found:
    tag: str
    lang: str = ""
    conditions: set[str] = field(default_factory=set)
    ambiguous: bool = False


def census_terms(
    kb: KnowledgeBase,
    today: date,
    plans: Mapping[str, TopicPlan],
    *,
    conditions: Sequence[Condition] | None = None,
    seen: Iterable[tuple[str, tuple[str, ...]]] = (),
) -> tuple[list[CensusTerm], list[str]]:
    """The terms to measure, and the tags left out because they mean other things and nothing
    says which posts are the condition's.

    `plans`: each condition's topic plan (id -> plan), whose guarded tags and context words say
    how an ambiguous tag is heard. `conditions`: measure only what can serve these (every
    knowledge-base tag when None). `seen`: (tag, the context of the topic it was seen with).
    """
    found: dict[str, _Found] = {}

    def add(tag: str, lang: str, linked: Iterable[str], ambiguous: bool = False) -> None:
        if not is_valid_tag(tag):
            return
        entry = found.setdefault(tag_key(tag), _Found(tag, lang))
        entry.conditions.update(linked)
        entry.ambiguous |= ambiguous

    langs = _languages(kb)
    if conditions is None:
        for condition in kb.conditions.values():
            for curated in condition.tags:
                add(curated.tag, curated.lang, [condition.id], curated.ambiguous)
        for event in kb.awareness:
            for tag in event.tags:
                add(tag, event.lang, event.conditions)
        for event in events_with_candidates(kb):
            for tag in event.candidate_tags():
                add(tag, event.lang, event.conditions)
        for conference in kb.conferences:
            year, _ = conference.current_or_next(today)
            add(conference.tag(year), "", conference.conditions)
        for general in kb.general:
            add(general.tag, "", general.conditions)
    else:
        for condition in conditions:
            lineage = {c.id for c in kb.lineage(condition.id)}
            for candidate in plan_condition(kb, condition, today).candidates.values():
                add(candidate.form, langs.get(candidate.key, ""), [condition.id])
            for event in events_with_candidates(kb):
                if lineage & set(event.conditions):
                    for tag in event.candidate_tags():
                        add(tag, event.lang, [condition.id])
    guarded_by = _guarded(kb, plans)
    extra_context: dict[str, list[str]] = {}
    for seen_tag, seen_context in seen:
        add(seen_tag, "", [])
        extra_context.setdefault(tag_key(seen_tag), []).extend(seen_context)
    terms: list[CensusTerm] = []
    left_out: list[str] = []
    for key, entry in found.items():
        ambiguous = entry.ambiguous or key in kb.also_means or key in guarded_by
        context: list[str] = []
        if ambiguous:
            for condition_id in sorted(entry.conditions | guarded_by.get(key, set())):
                plan = plans.get(condition_id)
                context += list(plan.context) if plan else []
            context += extra_context.get(key, [])
            context = [c for c in dict.fromkeys(context) if tag_key(c) != key][:MAX_GUARD]
            if not context:
                left_out.append(entry.tag)
                continue
        terms.append(CensusTerm(key, entry.tag, tuple(context), entry.lang))
    return terms, left_out


def _guarded(kb: KnowledgeBase, plans: Mapping[str, TopicPlan]) -> dict[str, set[str]]:
    """Tag key -> the conditions whose listening guards it (their own tags only, not a congress
    heard beside them while it runs)."""
    guarded: dict[str, set[str]] = {}
    for condition_id, plan in plans.items():
        condition = kb.conditions.get(condition_id)
        if condition is None:
            continue
        own = {tag_key(t.tag) for t in condition.tags}
        # A short acronym not sampled yet is guarded for listening's sake; its use is still counted.
        for tag in (t for t in plan.guarded if t not in plan.unproven):
            if tag_key(tag) in own:
                guarded.setdefault(tag_key(tag), set()).add(condition_id)
    return guarded


def _languages(kb: KnowledgeBase) -> dict[str, str]:
    """Tag key -> the language of a knowledge-base tag in one other than English."""
    langs: dict[str, str] = {}
    for condition in kb.conditions.values():
        for curated in condition.tags:
            if curated.lang:
                langs.setdefault(tag_key(curated.tag), curated.lang)
    for event in kb.awareness:
        if event.lang:
            for tag in (*event.tags, *event.candidate_tags()):
                langs.setdefault(tag_key(tag), event.lang)
    return langs
