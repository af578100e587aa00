"""Let collected posts correct the knowledge base: a listened tag found mostly off topic is demoted.

For every tracked topic, each tag listened to on its own is measured over the last 30 days: the
share of its posts that also carry one of the topic's other (unambiguous) tags or say one of its
words. A tag that spells the topic's own name (#LungCancer) is not measured: a post carrying it
needs nothing else to be about the topic. A tag with enough posts and too small a share is recorded as drifted, and from then on
the topic's plan (domain/topic_plan.py) hears it only beside the topic's words, as it does an ambiguous tag. The
demotion holds: once a tag is heard only with context, its later posts are on topic by
construction and would say nothing about what it means alone.
"""

from __future__ import annotations

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
    demoted = planner.store.drifted_keys()
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

    Run once a day (the scheduler's daily roll) and before `hashtag-bot ingest` collects.
    """
    store = planner.store
    listened = listened_tags(planner, today=today)
    if not listened:
        return []
    first = today - timedelta(days=MEASURED_DAYS - 1)
    posts = store.posts_carrying(listened, first, today)
    measured = [
        measure(tag, contexts, posts.get(key, ()), today=today)
        for key, (tag, contexts) in listened.items()
    ]
    store.record_drifted([m for m in measured if m.drifted])
    return measured


def drifted_lines(store: Store) -> list[str]:
    """What `doctor` and the App Home say about each demoted tag."""
    return [health.line() for health in store.drifted_tags()]
