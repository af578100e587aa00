"""The digest service: a channel's tracked topics become one digest, read from the Store.

Every channel that tracks lung cancer sees the same conversations, rising tags and calendar, so
each distinct topic is worked out once per run; only the accounts a digest introduces differ by
channel (each channel meets an account once per topic).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from bot.domain.candidates import curated_index
from bot.domain.conditions import ConditionMatcher
from bot.domain.digest import (
    CONVERSATION_HOURS,
    MAX_ADVOCATES,
    MAX_CONVERSATIONS,
    VOLUME_DAYS,
    Conversation,
    Digest,
    RisingTag,
    TopicDigest,
    TopicPost,
    Volume,
    conversations_of,
    rising_tags,
    voices_of,
    volume_of,
)
from bot.domain.knowledge import Condition, KnowledgeBase
from bot.domain.text import topic_key
from bot.domain.upcoming import upcoming_for
from bot.domain.voices import MIN_ADVOCATE_POSTS, Advocate, Voice, advocates_of
from bot.services.collection import topic_query
from bot.storage import Store

MAX_TOPICS = 10  # sections in one channel's digest
MAX_TOPIC_CHARS = 100  # a topic is a condition's name or a few words
ADVOCATE_POOL = 40  # ranked once per topic; each channel takes the first it hasn't met or muted
CONVERSATION_POOL = 10
PROFILES_READ = 300  # busiest accounts whose profiles are read per topic
RISING_LOOKED_AT = 60  # co-occurring tags weighed for "rising", most shared first
NO_TOPICS = (
    "This channel tracks no topic yet, so there is nothing to digest. "
    "Start with `/hashtag track lung cancer`."
)


@dataclass(frozen=True)
class TopicSpec:
    """A topic as a channel tracks it: the words, and the condition they were read as."""

    text: str
    condition_id: str | None = None

    @property
    def key(self) -> str:
        return topic_key(self.text)


def tracked_topics(store: Store, channel_id: str | None = None) -> dict[str, list[TopicSpec]]:
    """Each tracking channel's topics (or one channel's), as the digest service takes them."""
    channels: dict[str, list[TopicSpec]] = {}
    for topic in store.topics(channel_id):
        channels.setdefault(topic.channel_id, []).append(TopicSpec(topic.topic, topic.condition_id))
    return channels


def as_of_moment(day: date) -> datetime:
    """A digest `--as-of` a past day reads as if built at the end of that day (UTC)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


class Digester:
    """`hashtag-bot digest` and the scheduled channel digests both build through here."""

    def __init__(
        self, kb: KnowledgeBase, store: Store, matcher: ConditionMatcher | None = None
    ) -> None:
        self.kb = kb
        self.store = store
        self.matcher = matcher or ConditionMatcher(kb)
        self.forms = {key: form for key, (form, _kind, _about) in curated_index(kb).items()}

    def for_topics(
        self, topics: Sequence[TopicSpec], *, now: datetime, channel_id: str | None = None
    ) -> Digest:
        channel = {channel_id or "": list(topics)}
        return self.for_channels(channel, now=now)[channel_id or ""]

    def for_channels(
        self, channels: Mapping[str, Sequence[TopicSpec]], *, now: datetime
    ) -> dict[str, Digest]:
        """One digest per channel; each distinct topic is read and ranked once for all of them."""
        wanted = {
            spec.key: spec
            for specs in channels.values()
            for spec in list(specs)[:MAX_TOPICS]
            if spec.key
        }
        sections = self._sections(list(wanted.values()), now)
        digests = {}
        for channel_id, specs in channels.items():
            muted = {h.casefold() for h in self.store.muted(channel_id)} if channel_id else set()
            topics = []
            for spec in list(specs)[:MAX_TOPICS]:
                section = sections.get(spec.key)
                if section is not None:
                    topics.append(self._for_channel(section, channel_id, spec.key, muted))
            notes = [] if topics else [NO_TOPICS if channel_id else "Name a topic to digest."]
            if len(specs) > MAX_TOPICS:
                notes.append(f"Only the first {MAX_TOPICS} of this channel's topics fit a digest.")
            digests[channel_id] = Digest(
                now, now.date(), channel_id or None, tuple(topics), tuple(notes)
            )
        return digests

    def _for_channel(
        self, section: _Section, channel_id: str, key: str, muted: set[str]
    ) -> TopicDigest:
        """The topic as this channel sees it: nothing from muted handles, no account met before."""
        met = self.store.introduced(channel_id, key) if channel_id else set()
        fresh = [
            a
            for a in section.advocates
            if a.author_id not in met and a.handle.casefold() not in muted
        ]
        shown = [
            c
            for c in section.conversations
            if c.shown is None or c.shown.author_handle.casefold() not in muted
        ]
        return replace(
            section.digest,
            conversations=tuple(shown[:MAX_CONVERSATIONS]),
            new_advocates=tuple(fresh[:MAX_ADVOCATES]),
        )

    def _sections(self, specs: list[TopicSpec], now: datetime) -> dict[str, _Section]:
        today = now.date()
        plans = {spec.key: self._plan(spec) for spec in specs}
        # One read of the last two days' posts serves every topic's conversations.
        tag_keys = {key for plan in plans.values() for key in plan.tag_keys}
        since = now - timedelta(hours=CONVERSATION_HOURS)
        recent, tags_of = self.store.posts_with_tags(tag_keys, since, now)
        by_tag: dict[str, list[TopicPost]] = {}
        for post in recent:
            for key in tags_of[post.id]:
                by_tag.setdefault(key, []).append(post)
        sections = {}
        for key, plan in plans.items():
            if plan.tag_keys:
                posts = _union(*(by_tag.get(k, []) for k in plan.tag_keys))
                volume = self.store.topic_volume(plan.tag_keys, today)
                voices = self.store.topic_voices(
                    plan.tag_keys, today, limit=PROFILES_READ, min_posts=MIN_ADVOCATE_POSTS
                )
            else:  # words, not tags: the posts that say them, counted here
                first = today - timedelta(days=2 * VOLUME_DAYS - 1)
                said, said_tags = self.store.posts_saying(" ".join(plan.keywords), first, today)
                tags_of.update(said_tags)
                posts = [p for p in said if since <= p.created_at <= now]
                volume = volume_of(said, today)
                voices = voices_of(said, said_tags, today)[:PROFILES_READ]
            sections[key] = self._section(plan, posts, volume, voices, now)
        return sections

    def _plan(self, spec: TopicSpec) -> _Plan:
        condition = self.kb.conditions.get(spec.condition_id or "")
        if condition is None:
            primary = self.matcher.understand(spec.text).primary
            condition = primary.condition if primary else None
        query = topic_query(
            spec.text,
            self.kb,
            self.matcher,
            condition.id if condition else None,
            drifted=self.store.drifted_keys(),  # demoted as mostly off topic: not counted
        )
        tags = query.tags if query else ()
        return _Plan(
            spec,
            condition,
            tuple(dict.fromkeys(query.tag_keys)) if query else (),
            tags,
            query.keywords if query else (),
        )

    def _section(
        self,
        plan: _Plan,
        posts: list[TopicPost],
        volume: Volume,
        voices: list[Voice],
        now: datetime,
    ) -> _Section:
        today = now.date()
        threads = conversations_of(posts, now)[:CONVERSATION_POOL]
        shown = self.store.post_views({t.key for t in threads} | {t.first_id for t in threads})
        conversations = tuple(
            replace(t, shown=shown.get(t.key) or shown.get(t.first_id)) for t in threads
        )
        profiles = self.store.profiles([v.author_id for v in voices])
        advocates = advocates_of(voices, profiles, self.forms)[:ADVOCATE_POOL]
        notes = []
        if not (volume.posts_7d or volume.posts_prev_7d or posts):
            notes.append(
                f"No stored posts about this from the last {2 * VOLUME_DAYS} days yet: collection "
                "fills this in once the topic is tracked."
            )
        digest = TopicDigest(
            topic=plan.spec.text,
            condition=plan.condition.name if plan.condition else None,
            listened_tags=plan.tags,
            volume=volume,
            conversations=(),
            rising_hashtags=tuple(self._rising(plan, today)),
            new_advocates=(),
            upcoming=tuple(upcoming_for(self.kb, plan.condition, today)),
            notes=tuple(notes),
        )
        return _Section(digest, list(conversations), advocates)

    def _rising(self, plan: _Plan, today: date) -> list[RisingTag]:
        if plan.tag_keys:
            shared = self.store.cooccurring(plan.tag_keys, today)
        elif plan.keywords:
            _, shared = self.store.tags_in_text_matches(" ".join(plan.keywords), today)
        else:
            return []
        top = sorted(shared, key=lambda k: (-shared[k], k))[:RISING_LOOKED_AT]
        activity = self.store.tag_activity(top, today)
        return rising_tags(activity, shared, exclude=plan.tag_keys, curated_forms=self.forms)


@dataclass(frozen=True)
class _Plan:
    spec: TopicSpec
    condition: Condition | None
    tag_keys: tuple[str, ...]
    tags: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class _Section:
    """A topic worked out once for every channel; each channel then takes what it may see."""

    digest: TopicDigest
    conversations: list[Conversation]
    advocates: list[Advocate]


def _union(*groups: list[TopicPost]) -> list[TopicPost]:
    if len(groups) == 1:
        return groups[0]
    seen: dict[str, TopicPost] = {}
    for group in groups:
        for post in group:
            seen.setdefault(post.id, post)
    return list(seen.values())
