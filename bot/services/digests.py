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
from bot.domain.congresses import DIGEST_DAYS_AFTER, LiveCongress, congresses_on
from bot.domain.digest import (
    CONVERSATION_HOURS,
    MAX_ADVOCATES,
    MAX_CONGRESS_POSTS,
    MAX_CONVERSATIONS,
    VOLUME_DAYS,
    CongressPost,
    CongressSection,
    Conversation,
    Digest,
    RisingTag,
    TaggedPost,
    TopicDigest,
    TopicPost,
    Volume,
    congress_highlights,
    conversations_of,
    rising_tags,
    voices_of,
    volume_of,
)
from bot.domain.hashtags import tag_key
from bot.domain.knowledge import Condition, KnowledgeBase
from bot.domain.mutes import MuteList
from bot.domain.topic_plan import TopicPlan
from bot.domain.upcoming import upcoming_for
from bot.domain.voices import (
    ADVOCATE_DAYS,
    MIN_ADVOCATE_POSTS,
    Advocate,
    Voice,
    advocates_of,
    with_activity,
)
from bot.services.topics import TopicPlanner, TopicSpec
from bot.storage import Store

MAX_TOPICS = 10  # sections in one channel's digest
ADVOCATE_POOL = 40  # ranked once per topic; each channel takes the first it hasn't met or muted
CONVERSATION_POOL = 10
CONGRESS_POOL = 10  # a congress's most engaged posts per topic; each channel shows those not muted
PROFILES_READ = 300  # busiest accounts whose profiles are read per topic
RISING_LOOKED_AT = 60  # co-occurring tags weighed for "rising", most shared first
NO_TOPICS = (
    "This channel tracks no topic yet, so there is nothing to digest. "
    "Start with `/hashtag track lung cancer`."
)


def as_of_moment(day: date) -> datetime:
    """A digest `--as-of` a past day reads as if built at the end of that day (UTC)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


class Digester:
    """`hashtag-bot digest` and the scheduled channel digests both build through here."""

    def __init__(
        self, kb: KnowledgeBase, store: Store, planner: TopicPlanner | None = None
    ) -> None:
        self.kb = kb
        self.store = store
        self.planner = planner or TopicPlanner(kb, store, ConditionMatcher(kb))
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
        schedules = self.store.channel_settings()
        digests = {}
        for channel_id, specs in channels.items():
            muted = MuteList.of(self.store.muted(channel_id) if channel_id else ())
            topics = []
            for spec in list(specs)[:MAX_TOPICS]:
                section = sections.get(spec.key)
                if section is not None:
                    topics.append(self._for_channel(section, channel_id, spec.key, muted))
            notes = [] if topics else [NO_TOPICS if channel_id else "Name a topic to digest."]
            if len(specs) > MAX_TOPICS:
                notes.append(f"Only the first {MAX_TOPICS} of this channel's topics fit a digest.")
            schedule = schedules.get(channel_id, (None, True))[0]
            digests[channel_id] = Digest(
                now,
                now.date(),
                channel_id or None,
                tuple(topics),
                tuple(notes),
                title=schedule.title if schedule else "Daily digest",
            )
        return digests

    def _for_channel(
        self, section: _Section, channel_id: str, key: str, muted: MuteList
    ) -> TopicDigest:
        """The topic as this channel sees it: nothing from muted handles, no account met before."""
        met = self.store.introduced(channel_id, key) if channel_id else set()
        fresh = [
            a for a in section.advocates if a.author_id not in met and not muted.hides(a.handle)
        ]
        shown = [
            c
            for c in section.conversations
            if c.shown is None or not muted.hides(c.shown.author_handle)
        ]
        congress = section.congress
        if congress is not None:
            heard = [p for p in congress.posts if not muted.hides(p.shown.author_handle)]
            congress = replace(congress, posts=tuple(heard[:MAX_CONGRESS_POSTS]))
        return replace(
            section.digest,
            conversations=tuple(shown[:MAX_CONVERSATIONS]),
            new_advocates=tuple(fresh[:MAX_ADVOCATES]),
            conference=congress,
        )

    def _sections(self, specs: list[TopicSpec], now: datetime) -> dict[str, _Section]:
        today = now.date()
        topics = self.planner.plans(specs, today=today)
        plans = {spec.key: self._plan(spec, topics[spec.key], today) for spec in specs}
        # One read of the last two days' posts serves every topic's conversations.
        tag_keys = {key for plan in plans.values() for key in plan.tag_keys}
        since = now - timedelta(hours=CONVERSATION_HOURS)
        recent, tags_of = self.store.posts_with_tags(tag_keys, since, now)
        by_tag: dict[str, list[TopicPost]] = {}
        for post in recent:
            for key in tags_of[post.id]:
                by_tag.setdefault(key, []).append(post)
        congress_keys = {tag_key(p.congress.tag) for p in plans.values() if p.congress}
        congress_posts: list[TaggedPost] = []
        if congress_keys:  # one read, only while a congress runs, for every topic it serves
            opened = min(p.congress.window.start for p in plans.values() if p.congress)
            opening = datetime.combine(opened, time.min, tzinfo=UTC)
            congress_posts = self.store.posts_tagged(congress_keys, opening, now)
        gathered = {}
        newest = self.store.newest_post_day()
        past = newest is not None and today < newest  # an --as-of day: nothing after it counts
        for key, plan in plans.items():
            if plan.tag_keys:
                posts = _union(*(by_tag.get(k, []) for k in plan.tag_keys))
                volume = self.store.topic_volume(plan.tag_keys, today)
                if past:  # the per-account counts run to now; read that week's posts instead
                    week = datetime.combine(
                        today - timedelta(days=ADVOCATE_DAYS - 1), time.min, tzinfo=UTC
                    )
                    held, held_tags = self.store.posts_with_tags(plan.tag_keys, week, now)
                    voices = voices_of(held, held_tags, today)[:PROFILES_READ]
                else:
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
            gathered[key] = (posts, volume, voices)
        voices_by_topic = self._activity(plans, {k: g[2] for k, g in gathered.items()}, today)
        sections = {}
        for key, plan in plans.items():
            posts, volume, _ = gathered[key]
            sections[key] = self._section(plan, posts, volume, voices_by_topic[key], now)
            if plan.congress is not None:
                congress = self._congress(plan, plan.congress, congress_posts)
                sections[key] = replace(sections[key], congress=congress)
        return sections

    def _activity(
        self, plans: Mapping[str, _Plan], voices: Mapping[str, list[Voice]], today: date
    ) -> dict[str, list[Voice]]:
        """Each topic's voices with the days they kept at it and what others did with their
        posts this week, read once for every topic's accounts."""
        first = today - timedelta(days=ADVOCATE_DAYS - 1)
        authors = {v.author_id for found in voices.values() for v in found}
        tag_keys = {key for plan in plans.values() for key in plan.tag_keys}
        posts = self.store.voice_posts(tag_keys, first, today, authors)
        engaged = self.store.engaged_by_others(authors, first, today)
        active = {}
        for key, plan in plans.items():
            found = voices[key]
            if plan.tag_keys:  # topics read from words counted their days already
                found = with_activity(found, posts, plan.tag_keys)
            active[key] = [replace(v, engaged_by=engaged.get(v.author_id, 0)) for v in found]
        return active

    def _congress(
        self, plan: _Plan, live: LiveCongress, posts: list[TaggedPost]
    ) -> CongressSection:
        """The "From #ASCO26" section: posts under the congress's tag that speak of the topic, as
        X is asked for them (beside the topic's tags or words), most engaged first."""
        opening = datetime.combine(live.window.start, time.min, tzinfo=UTC)
        best = congress_highlights(
            (p for p in posts if p.post.created_at >= opening),
            congress_tag=tag_key(live.tag),
            topic_tags=plan.topic_tags,
            words=plan.words,
        )[:CONGRESS_POOL]
        shown = self.store.post_views([p.id for p in best])
        return CongressSection(
            live.tag,
            live.name,
            live.window,
            tuple(CongressPost(shown[p.id], p.engagement) for p in best if p.id in shown),
        )

    def _plan(self, spec: TopicSpec, topic: TopicPlan, today: date) -> _Plan:
        live = congresses_on(
            self.kb, list(topic.conditions[:1]), today, days_after=DIGEST_DAYS_AFTER
        )
        return _Plan(spec, topic, congress=live[0] if live else None)

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
    """A topic's plan, and the congress serving it on the digest's day."""

    spec: TopicSpec
    topic: TopicPlan
    congress: LiveCongress | None = None  # on now, or ended yesterday

    @property
    def condition(self) -> Condition | None:
        return self.topic.condition

    @property
    def tag_keys(self) -> tuple[str, ...]:
        return self.topic.tag_keys if self.topic.listens else ()

    @property
    def tags(self) -> tuple[str, ...]:
        return self.topic.tags

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.topic.keywords

    @property
    def topic_tags(self) -> frozenset[str]:
        """Keys of its tags and context tags."""
        return frozenset(self.topic.tag_keys) | self.topic.context_tag_keys

    @property
    def words(self) -> tuple[str, ...]:
        """Its context words and keywords."""
        return (*self.topic.context_words, *self.topic.keywords)


@dataclass(frozen=True)
class _Section:
    """A topic worked out once for every channel; each channel then takes what it may see."""

    digest: TopicDigest
    conversations: list[Conversation]
    advocates: list[Advocate]
    congress: CongressSection | None = None


def _union(*groups: list[TopicPost]) -> list[TopicPost]:
    if len(groups) == 1:
        return groups[0]
    seen: dict[str, TopicPost] = {}
    for group in groups:
        for post in group:
            seen.setdefault(post.id, post)
    return list(seen.values())
