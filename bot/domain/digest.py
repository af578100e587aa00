"""A topic's daily digest: volume, conversations taking off, rising tags, new voices, what's next,
and while a congress runs, what the topic's community engaged with most under its tag.

Pure: the digest service reads the Store and passes rows in; every function takes `today` or
`now`. Accounts are described only by their own profile words (bot.domain.voices) and by what
they posted in public; nothing here guesses anything about a person's health.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.activity import TagActivity, week_on_week
from bot.domain.calendar import Window
from bot.domain.hashtags import display_form
from bot.domain.upcoming import Upcoming
from bot.domain.voices import ADVOCATE_DAYS, MIN_ADVOCATE_POSTS, Advocate, Voice

VOLUME_DAYS = 7  # volume compares the last 7 days with the 7 before
CONVERSATION_HOURS = 48
EXCERPT_CHARS = 160  # how much of a post a digest quotes, in Slack and in the terminal
MAX_CONVERSATIONS, MAX_RISING, MAX_ADVOCATES = 3, 5, 5
MIN_RISING_POSTS, MIN_RISING_AUTHORS, MIN_RISE, MIN_ON_TOPIC = 5, 3, 0.25, 0.1
MIN_LIVELINESS = 5  # a reply from someone, or five interactions: a post nobody answered isn't one
MAX_CONGRESS_POSTS = 3


@dataclass(frozen=True, slots=True)
class TopicPost:
    """A stored post that carries the topic, as much of it as the digest weighs."""

    id: str
    author_id: str
    day: date
    created_at: datetime
    conversation_id: str
    engagement: int
    is_reply: bool


@dataclass(frozen=True, slots=True)
class TaggedPost:
    """A stored post with its words and every tag it carries, to tell whether it speaks of a topic."""

    post: TopicPost
    text: str
    tags: frozenset[str]  # tag keys


@dataclass(frozen=True)
class PostView:
    """A post as a digest shows it: who, what, where."""

    id: str
    url: str
    text: str
    created_at: str
    author_handle: str
    author_name: str
    content_warning: str = ""  # shown instead of the text, as the author asked

    @property
    def shown_text(self) -> str:
        """What a reader sees before choosing to open the post: its warning, if it has one."""
        return f"CW: {self.content_warning}" if self.content_warning else self.text


@dataclass(frozen=True)
class Volume:
    posts_7d: int
    posts_prev_7d: int
    authors_7d: int
    posts_last_day: int

    @property
    def trend(self) -> float:
        return week_on_week(self.posts_7d, self.posts_prev_7d)

    def as_json(self) -> dict[str, Any]:
        return {
            "posts_7d": self.posts_7d,
            "posts_prev_7d": self.posts_prev_7d,
            "trend": self.trend,
            "authors_7d": self.authors_7d,
            "posts_last_day": self.posts_last_day,
        }


@dataclass(frozen=True)
class Conversation:
    key: str
    posts: int
    people: int
    replies: int
    engagement: int
    first_id: str  # the earliest post of the thread we hold
    shown: PostView | None = None  # the opening post when stored, else the earliest we hold

    def as_json(self) -> dict[str, Any]:
        post = self.shown
        return {
            "url": post.url if post else "",
            "text": post.shown_text if post else "",
            "content_warning": post.content_warning if post else "",
            "author": {"handle": post.author_handle, "name": post.author_name} if post else None,
            "started_at": post.created_at if post else None,
            "posts": self.posts,
            "people": self.people,
            "replies": self.replies,
            "engagement": self.engagement,
        }


@dataclass(frozen=True)
class RisingTag:
    tag: str
    posts_7d: int
    posts_prev_7d: int
    authors: int
    on_topic: float  # share of the tag's posts that also carry the topic

    @property
    def trend(self) -> float:
        return week_on_week(self.posts_7d, self.posts_prev_7d)

    def as_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "posts_7d": self.posts_7d,
            "posts_prev_7d": self.posts_prev_7d,
            "trend": self.trend,
            "new": self.posts_prev_7d == 0,
            "authors": self.authors,
            "on_topic": round(self.on_topic, 2),
        }


@dataclass(frozen=True)
class CongressPost:
    shown: PostView
    engagement: int

    def as_json(self) -> dict[str, Any]:
        post = self.shown
        return {
            "url": post.url,
            "text": post.shown_text,
            "content_warning": post.content_warning,
            "author": {"handle": post.author_handle, "name": post.author_name},
            "posted_at": post.created_at,
            "engagement": self.engagement,
        }


@dataclass(frozen=True)
class CongressSection:
    """A congress on now, and the topic's posts under its tag people engaged with most."""

    tag: str  # no '#'
    name: str
    window: Window
    posts: tuple[CongressPost, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "name": self.name,
            "window": self.window.as_json(),
            "posts": [p.as_json() for p in self.posts],
        }


@dataclass(frozen=True)
class TopicDigest:
    topic: str
    condition: str | None
    listened_tags: tuple[str, ...]
    volume: Volume
    conversations: tuple[Conversation, ...]
    rising_hashtags: tuple[RisingTag, ...]
    new_advocates: tuple[Advocate, ...]
    upcoming: tuple[Upcoming, ...]
    notes: tuple[str, ...] = ()
    conference: CongressSection | None = None  # while a congress for the topic runs

    @property
    def title(self) -> str:
        """The condition's name when the topic was read as one, else the words as tracked."""
        return self.condition or self.topic

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "condition": self.condition,
            "listened_tags": list(self.listened_tags),
            "volume": self.volume.as_json(),
            "conversations": [c.as_json() for c in self.conversations],
            "rising_hashtags": [r.as_json() for r in self.rising_hashtags],
            "new_advocates": [a.as_json() for a in self.new_advocates],
            "upcoming": [u.as_json() for u in self.upcoming],
            "conference": self.conference.as_json() if self.conference else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Digest:
    generated_at: datetime
    as_of: date
    channel_id: str | None
    topics: tuple[TopicDigest, ...]
    notes: tuple[str, ...] = field(default=())
    title: str = "Daily digest"  # "Weekly digest" for a channel that has it weekly

    def as_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "channel": self.channel_id,
            "topics": [t.as_json() for t in self.topics],
            "notes": list(self.notes),
        }


def volume_of(posts: Iterable[TopicPost], today: date) -> Volume:
    """Posts and people over the last 7 days against the 7 before, and on the last day."""
    week_start = today - timedelta(days=VOLUME_DAYS - 1)
    this_week = prev_week = last_day = 0
    authors: set[str] = set()
    for post in posts:
        if post.day >= week_start:
            this_week += 1
            authors.add(post.author_id)
            last_day += post.day == today
        else:
            prev_week += 1
    return Volume(this_week, prev_week, len(authors), last_day)


def conversations_of(posts: Iterable[TopicPost], now: datetime) -> list[Conversation]:
    """Threads with the most going on in the last 48 hours: people, replies, then engagement."""
    since = now - timedelta(hours=CONVERSATION_HOURS)
    threads: dict[str, list[TopicPost]] = {}
    for post in posts:
        if since <= post.created_at <= now:
            threads.setdefault(post.conversation_id or post.id, []).append(post)
    ranked = []
    for key, thread in threads.items():
        people = len({p.author_id for p in thread})
        replies = sum(p.is_reply for p in thread)
        engagement = sum(p.engagement for p in thread)
        first = min(thread, key=lambda p: (p.created_at, p.id)).id
        conversation = Conversation(key, len(thread), people, replies, engagement, first)
        if _liveliness(conversation) >= MIN_LIVELINESS:
            ranked.append(conversation)
    ranked.sort(key=lambda c: (-_liveliness(c), c.key))
    return ranked


def _liveliness(conversation: Conversation) -> float:
    """More voices count more than more likes: a thread with replies is a conversation."""
    return 10 * (conversation.people - 1) + 5 * conversation.replies + conversation.engagement


def congress_highlights(
    posts: Iterable[TaggedPost],
    *,
    congress_tag: str,
    topic_tags: Collection[str],
    words: Iterable[str],
) -> list[TopicPost]:
    """Posts under the congress's tag (a key) that also carry one of the topic's tags or say its
    words, the ones people engaged with most first; a post nobody engaged with is left out."""
    saying = _saying(words)
    found = [
        tagged.post
        for tagged in posts
        if congress_tag in tagged.tags
        and tagged.post.engagement > 0
        and (
            not tagged.tags.isdisjoint(topic_tags)
            or (saying is not None and saying.search(tagged.text))
        )
    ]
    found.sort(key=lambda p: (-p.engagement, -p.created_at.timestamp(), p.id))
    return found


def _saying(words: Iterable[str]) -> re.Pattern[str] | None:
    """The topic's words as whole words, any case and spacing ("lung  Cancer" says lung cancer)."""
    phrases = [r"\s+".join(map(re.escape, w.split())) for w in words if w.split()]
    if not phrases:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(phrases)})(?!\w)", re.IGNORECASE)


def rising_tags(
    activity: Mapping[str, TagActivity],
    shared: Mapping[str, int],
    *,
    exclude: Iterable[str] = (),
    curated_forms: Mapping[str, str] | None = None,
) -> list[RisingTag]:
    """Tags seen with the topic whose last 7 days clearly beat the 7 before, used by several people."""
    skip = set(exclude)
    rising = []
    for key, seen in activity.items():
        if key in skip or seen.posts_7d < MIN_RISING_POSTS or seen.authors < MIN_RISING_AUTHORS:
            continue
        if (
            seen.posts_7d < seen.posts_prev_7d * (1 + MIN_RISE)
            or seen.posts_7d == seen.posts_prev_7d
        ):
            continue
        # Shared posts are summed over the topic's tags, so a post with two of them counts twice.
        on_topic = min(1.0, shared.get(key, 0) / max(seen.posts, 1))
        if on_topic < MIN_ON_TOPIC:
            continue
        form = display_form(seen.forms, (curated_forms or {}).get(key, key))
        rising.append(RisingTag(form, seen.posts_7d, seen.posts_prev_7d, seen.authors, on_topic))
    rising.sort(key=lambda r: (-(r.posts_7d - r.posts_prev_7d), r.tag.casefold()))
    return rising[:MAX_RISING]


def voices_of(
    posts: Iterable[TopicPost], tags_of: Mapping[str, Iterable[str]], today: date
) -> list[Voice]:
    """Accounts among these posts active in the last 7 days, busiest first (topics without tags)."""
    since = today - timedelta(days=ADVOCATE_DAYS - 1)
    counts: Counter[str] = Counter()
    tags: dict[str, Counter[str]] = {}
    last: dict[str, date] = {}
    days: dict[str, set[date]] = {}
    for post in posts:
        counts[post.author_id] += 1
        tags.setdefault(post.author_id, Counter()).update(tags_of.get(post.id, ()))
        last[post.author_id] = max(post.day, last.get(post.author_id, post.day))
        if post.day >= since:
            days.setdefault(post.author_id, set()).add(post.day)
    return [
        Voice(author, n, tags[author], last[author], days=len(days.get(author, ())))
        for author, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if n >= MIN_ADVOCATE_POSTS and last[author] >= since
    ]
