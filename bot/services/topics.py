"""Tracked topics and their plans: the one way a channel's topic becomes what the bot hears.

Collection, digests, alerts and tag health all ask `TopicPlanner`, which reads once per call
what measurements say (the tags demoted as mostly off topic, and the short or everyday-word tags
a sample cleared), so none of them can hear a tag on its own while the others guard it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.conditions import ConditionMatcher
from bot.domain.hashtags import tag_key
from bot.domain.knowledge import KnowledgeBase
from bot.domain.tag_health import Listening
from bot.domain.text import topic_key
from bot.domain.topic_plan import TopicPlan, plan_topic
from bot.storage import Store

MAX_TOPIC_CHARS = 100  # a topic is a condition's name or a few words


@dataclass(frozen=True)
class TopicSpec:
    """A topic as a channel tracks it (or a person names it): the words, and the condition they
    were read as."""

    text: str
    condition_id: str | None = None

    @property
    def key(self) -> str:
        return topic_key(self.text)


def tracked_topics(store: Store, channel_id: str | None = None) -> dict[str, list[TopicSpec]]:
    """Each tracking channel's topics (or one channel's), in the order they were tracked."""
    channels: dict[str, list[TopicSpec]] = {}
    for topic in store.topics(channel_id):
        channels.setdefault(topic.channel_id, []).append(TopicSpec(topic.topic, topic.condition_id))
    return channels


class TopicPlanner:
    """Turns topics into plans, the knowledge base corrected by what collected posts showed."""

    def __init__(self, kb: KnowledgeBase, store: Store, matcher: ConditionMatcher) -> None:
        self.kb = kb
        self.store = store
        self.matcher = matcher

    def plans(self, specs: Iterable[TopicSpec], *, today: date) -> dict[str, TopicPlan]:
        """One plan per distinct topic (by key), as heard on `today` (a congress's tag only while
        it runs); topics with no words are left out."""
        listening = self.listening_state()
        plans: dict[str, TopicPlan] = {}
        for spec in specs:
            if spec.key and spec.key not in plans:
                plans[spec.key] = plan_topic(
                    spec.text,
                    self.kb,
                    self.matcher,
                    spec.condition_id,
                    today=today,
                    demoted=listening.demoted,
                    cleared=listening.cleared,
                )
        return plans

    def listening_state(self) -> Listening:
        """Which tags measurements demoted, and which a sample cleared to be heard alone."""
        return Listening.of(
            {tag_key(h.tag): h for h in self.store.drifted_tags()},
            {tag_key(h.tag): h for h in self.store.latest_samples()},
        )

    def plan(self, spec: TopicSpec, *, today: date) -> TopicPlan:
        return self.plans([spec], today=today).get(spec.key) or TopicPlan(spec.text)

    def tracked(self, *, today: date) -> dict[str, TopicPlan]:
        """Every topic a channel tracks, once however many channels track it."""
        return self.plans(
            (spec for specs in tracked_topics(self.store).values() for spec in specs), today=today
        )

    def listening(
        self, specs: Sequence[TopicSpec] | None = None, *, today: date
    ) -> list[TopicPlan]:
        """What the sources are asked for: the given topics, or every tracked one, each once."""
        plans = self.tracked(today=today) if specs is None else self.plans(specs, today=today)
        return [plan for plan in plans.values() if plan.listens]
