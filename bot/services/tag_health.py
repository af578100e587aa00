"""Let posts correct the knowledge base, both ways: a listened tag found mostly off topic is
demoted, and a guarded tag found mostly on topic is heard on its own.

For every tracked topic, each tag listened to on its own is measured over the last 30 days: the
share of its posts that also carry one of the topic's other (unambiguous) tags or say one of its
words. A tag that spells the topic's own name (#LungCancer) is not measured: a post carrying it
needs nothing else to be about the topic. A tag with enough posts and too small a share is
recorded as drifted, and from then on the topic's plan (domain/topic_plan.py) hears it only
beside the topic's words, as it does an ambiguous tag.

A guarded tag's collected posts are on topic by construction, so they can't say what it means
alone. Instead, each guarded tag that measurement could clear (a short acronym or everyday word
not measured yet, or a demoted tag; not one the knowledge base knows to mean something else) is
sampled at most once a week: one free page of its unguarded posts on Bluesky and on each Mastodon
instance, counted and not kept, a few tags a day. A sample with enough posts, mostly on topic
(60%, well above the 30% that demotes), lets the tag be heard on its own; the gap between the two
keeps a tag near the line from flipping back and forth.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date, timedelta

from bot.domain.hashtags import tag_key
from bot.domain.knowledge import Condition, KnowledgeBase
from bot.domain.tag_health import MEASURED_DAYS, TagHealth, TopicContext, measure
from bot.services.topics import TopicPlanner
from bot.storage import Store


def listened_tags(
    planner: TopicPlanner, *, today: date
) -> dict[str, tuple[str, list[TopicContext]]]:
    """Each tag the tracked topics listen to on its own (key -> display, the topics' contexts);
    tags already demoted, and tags whose topic has nothing else to tell posts by, are left out."""
    kb = planner.kb
    demoted = set(planner.listening_state().demoted)
    listened: dict[str, tuple[str, list[TopicContext]]] = {}
    for plan in planner.tracked(today=today).values():
        if not plan.listens:
            continue
        context = _context(plan.topic, list(plan.conditions), plan.tags, plan.keywords, kb, demoted)
        context = TopicContext(
            context.name,
            context.tag_keys | plan.context_tag_keys,
            tuple(dict.fromkeys((*context.words, *plan.context_words))),
        )
        names = {tag_key("".join(w.split())) for w in context.words}
        for tag in plan.tags:
            key = tag_key(tag)
            # A tag that spells the topic's name (#LungCancer) says the topic by itself: a post
            # with no other tag or word is no sign of another meaning ("Early #LungCancer care").
            if key not in names and (context.words or context.tag_keys - {key}):
                listened.setdefault(key, (tag, []))[1].append(context)
    return listened


def _context(
    text: str,
    conditions: list[Condition],
    tags: tuple[str, ...],
    keywords: tuple[str, ...],
    kb: KnowledgeBase,
    drifted: set[str],
) -> TopicContext:
    """A topic's unambiguous tags and its words (names and synonyms, or the words typed), its
    broader conditions' too: a lung cancer post tagged #Cancer is on topic."""
    keys = {tag_key(t) for t in tags}
    words: list[str] = list(keywords)
    for condition in (c for named in conditions for c in kb.lineage(named.id)):
        keys |= {  # every kind (#LCAM, #WCLC26), and the broader condition's (#Cancer)
            tag_key(t.tag)
            for t in condition.tags
            if not t.ambiguous and tag_key(t.tag) not in kb.also_means
        }
        words += [condition.name, *condition.synonyms, *condition.other_names]
    name = conditions[0].name if len(conditions) == 1 else text
    return TopicContext(name, frozenset(keys - drifted), tuple(dict.fromkeys(words)))


def review_listened_tags(planner: TopicPlanner, today: date) -> list[TagHealth]:
    """Measure every tag the tracked topics listen to on its own; record the ones that drifted.
    A tag a sample cleared is measured on the posts heard since (not those heard only beside the
    topic's words before), so it isn't demoted again on what the sample already answered.

    Run once a day (the scheduler's daily roll) and before `hashtag-bot ingest` collects.
    """
    store = planner.store
    listened = listened_tags(planner, today=today)
    if not listened:
        return []
    window = today - timedelta(days=MEASURED_DAYS - 1)
    cleared_on = {
        tag_key(h.tag): h.measured_on + timedelta(days=1)
        for h in store.latest_samples()
        if h.clears
    }
    by_first: dict[date, list[str]] = {}
    for key in listened:
        by_first.setdefault(max(window, cleared_on.get(key, window)), []).append(key)
    posts: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for first, keys in by_first.items():
        posts |= store.posts_carrying(keys, first, today) if first <= today else {}
    measured = [
        measure(tag, contexts, posts.get(key, ()), today=today)
        for key, (tag, contexts) in listened.items()
    ]
    store.record_drifted([m for m in measured if m.drifted])
    return measured


def drifted_lines(store: Store) -> list[str]:
    """What `doctor` and the App Home say about each demoted tag."""
    return [health.line() for health in store.drifted_tags()]


SAMPLE_EVERY_DAYS = 7  # a guarded tag is sampled at most once a week
SAMPLE_TAGS_A_DAY = 8  # the budget: requests stay a few dozen a day, whatever is tracked
Sampler = Callable[[str], Sequence[tuple[str, Collection[str]]]]  # tag -> (text, tag keys)


def guarded_tags(
    planner: TopicPlanner, *, today: date
) -> dict[str, tuple[str, list[TopicContext]]]:
    """Each tag the tracked topics guard that a sample could clear (key -> display, the topics'
    contexts): short acronyms and everyday words not measured yet, and demoted tags; never a tag
    the knowledge base knows to mean something else."""
    kb = planner.kb
    listening = planner.listening_state()
    found: dict[str, tuple[str, list[TopicContext]]] = {}
    for plan in planner.tracked(today=today).values():
        known = set(kb.also_means) | {
            tag_key(t.tag) for c in plan.conditions for t in c.tags if t.ambiguous
        }
        waiting = {tag_key(t) for t in plan.unproven} | (set(listening.demoted) - known)
        chosen = [t for t in plan.guarded if tag_key(t) in waiting and tag_key(t) not in known]
        if not chosen:
            continue
        context = _context(
            plan.topic, list(plan.conditions), plan.tags, plan.keywords, kb, set(listening.demoted)
        )
        for tag in chosen:
            found.setdefault(tag_key(tag), (tag, []))[1].append(context)
    return found


def sample_guarded_tags(
    planner: TopicPlanner, sample: Sampler, today: date, *, budget: int = SAMPLE_TAGS_A_DAY
) -> list[TagHealth]:
    """Sample the guarded tags due (never sampled first, then the stalest), at most `budget`,
    and keep what each sample showed: the tags it clears are heard on their own from then on.

    Run once a day (the scheduler's daily roll) and before `hashtag-bot ingest` collects."""
    due = guarded_tags(planner, today=today)
    last = {tag_key(h.tag): h.measured_on for h in planner.store.latest_samples()}
    stale = [key for key in due if key not in last or (today - last[key]).days >= SAMPLE_EVERY_DAYS]
    stale.sort(key=lambda key: (key in last, last.get(key, date.min), key))
    measured = []
    for key in stale[:budget]:
        tag, contexts = due[key]
        health = measure(tag, contexts, sample(tag), today=today)
        planner.store.record_sample(health)
        measured.append(health)
    return measured


def listening_lines(planner: TopicPlanner, *, today: date) -> list[str]:
    """What `doctor` and the App Home say about how measurement changed what is heard: each
    demoted tag, each tag a sample cleared, each latest sample that left a tag guarded, and how
    many tracked tags still wait for their first sample."""
    store = planner.store
    listening = planner.listening_state()
    lines = [h.line() for h in store.drifted_tags() if tag_key(h.tag) in listening.demoted]
    for health in store.latest_samples():
        if tag_key(health.tag) not in listening.demoted or not health.clears:
            lines.append(health.sample_line())
    sampled = {tag_key(h.tag) for h in store.latest_samples()}
    waiting = [key for key in guarded_tags(planner, today=today) if key not in sampled]
    if waiting:
        lines.append(
            f"{len(waiting):,} short or everyday-word tag{'s' if len(waiting) != 1 else ''} of "
            "tracked topics heard only with their topic's words until a weekly sample shows "
            "what they mean"
        )
    return lines
