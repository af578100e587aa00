"""A tracked topic's plan: what it listens to on its own, what only beside its words, and why.

Collection (what each source is asked for), digests (what a topic's posts are), alerts (what a
burst is counted over) and tag health (which tags are measured) all read a topic through
`plan_topic`, so a change to what a topic listens to is made here once.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from bot.domain.conditions import ConditionMatcher
from bot.domain.congresses import congresses_on
from bot.domain.hashtags import tag_key
from bot.domain.knowledge import Condition, CuratedTag, KnowledgeBase
from bot.domain.tag_health import needs_measuring

LISTENED_KINDS = ("community", "condition")
MAX_CONTEXT_WORDS, CONTEXT_TAGS, MAX_CONTEXT = 5, 3, 8  # X queries have 512 characters


@dataclass(frozen=True)
class TopicPlan:
    """One topic as the bot listens to it: hashtags (no '#', display casing) and plain keywords.

    `guarded` tags mean other things too (#Stroke: golf, swimming), or collected posts showed
    them to be mostly off topic (`demoted`, a subset), or they are short acronyms and everyday
    words no sample has yet shown to mean the topic (`unproven`, a subset): they are never asked
    for on their own, only together with one of the `context` words or tags. A source that can't
    ask that way (a tag timeline) leaves them out.
    """

    topic: str
    tags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    guarded: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    demoted: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    unproven: tuple[str, ...] = ()

    @property
    def tag_keys(self) -> tuple[str, ...]:
        """The keys of the tags heard on their own: a post carrying one is about the topic."""
        return tuple(dict.fromkeys(tag_key(t) for t in self.tags))

    @property
    def context_tag_keys(self) -> frozenset[str]:
        return frozenset(tag_key(c) for c in self.context if c.startswith("#"))

    @property
    def context_words(self) -> tuple[str, ...]:
        return tuple(c for c in self.context if not c.startswith("#"))

    @property
    def listens(self) -> bool:
        """Whether there is anything to ask a source for."""
        return bool(self.tags or self.keywords or self.guarded)

    @property
    def condition(self) -> Condition | None:
        return self.conditions[0] if self.conditions else None


def plan_topic(
    text: str,
    kb: KnowledgeBase,
    matcher: ConditionMatcher,
    condition_id: str | None = None,
    *,
    today: date,
    demoted: Collection[str] = (),
    cleared: Collection[str] = (),
) -> TopicPlan:
    """A condition's unambiguous community and condition tags, or the user's own tags or words.

    A tag that also means something else (flagged in the knowledge base, or with an
    `also_means`), or that collected posts showed to be mostly off topic (`demoted` tag keys,
    see tag_health.py), is never listened to alone: it is guarded, heard only with the
    condition's own words or tags. So is a short acronym or an everyday word of the condition's
    (#T1D, #Stroke) until a sample of its posts showed it mostly means the condition (`cleared`
    tag keys), and the tag of a congress serving the condition while it runs on its known dates
    (#ASCO26 beside "lung cancer" or #LCSM, not all of ASCO).
    A plan that `listens` to nothing still names the topic's conditions (for its calendar).
    """
    understanding = matcher.understand(text)
    if condition_id in kb.conditions:
        conditions = [kb.conditions[str(condition_id)]]
    else:
        conditions = [m.condition for m in understanding.matches]

    def ambiguous(tag: str) -> bool:
        return tag_key(tag) in kb.also_means or tag_key(tag) in demoted

    def unproven(tag: CuratedTag) -> bool:
        unmeasured = tag_key(tag.tag) not in cleared
        return unmeasured and needs_measuring(tag.tag, common_word=tag.common_word)

    tags = [t for t in understanding.typed_tags if not ambiguous(t)]
    guarded = [t for t in understanding.typed_tags if ambiguous(t)]
    keywords: list[str] = []
    context: list[str] = []
    waiting: list[str] = []
    for condition in conditions:
        listened = [t for t in condition.tags if t.kind in LISTENED_KINDS]
        known = [t for t in listened if t.ambiguous or ambiguous(t.tag)]
        waiting += [t.tag for t in listened if t not in known and unproven(t)]
        own = [t.tag for t in listened if t not in known and not unproven(t)]
        guarded += [t.tag for t in listened if t.tag not in own]
        guarded += [live.tag for live in congresses_on(kb, [condition], today)]
        tags += own
        if not own:  # every tag means other things too (#MS): the name says it plainly
            keywords.append(condition.name)
        context += condition_words(
            condition.name, (*condition.synonyms, *condition.other_names), guarded
        )
        context += [f"#{t}" for t in own[:CONTEXT_TAGS]]
    if not conditions and not tags and not guarded:
        words = " ".join(understanding.unmatched) or understanding.text
        keywords += [words] if words.strip() else []
    unique = list({tag_key(t): t for t in reversed(tags)}.values())[::-1]
    guarded = [g for g in dict.fromkeys(guarded) if tag_key(g) not in {tag_key(t) for t in unique}]
    context = list({c.casefold(): c for c in reversed(context)}.values())[::-1][:MAX_CONTEXT]
    if not context:
        guarded = []  # nothing to pair them with: not listened to at all
    return TopicPlan(
        text,
        tuple(unique),
        tuple(keywords),
        tuple(guarded),
        tuple(context),
        demoted=tuple(g for g in guarded if tag_key(g) in demoted),
        conditions=tuple(conditions),
        unproven=tuple(g for g in guarded if g in waiting),
    )


def condition_words(name: str, synonyms: Iterable[str], guarded: Iterable[str]) -> list[str]:
    """The condition's name and synonyms that don't just repeat a guarded tag (#Stroke's
    context is "brain attack", not "stroke"), as context words. A part in brackets is left out:
    posts say "amyotrophic lateral sclerosis", not "Amyotrophic lateral sclerosis (ALS)"."""
    skip = {tag_key(g) for g in guarded}
    words = []
    for word in (name, *synonyms):
        plain = " ".join(re.sub(r"\(.*?\)", " ", word).split())
        if plain and tag_key(plain.replace(" ", "")) not in skip:
            words.append(plain)
    return words[:MAX_CONTEXT_WORDS]
