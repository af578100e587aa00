"""When a tracked community lights up between digests: a burst in a topic's volume, a tag taking
off with it, a conversation gathering people fast.

Pure: the alert service reads the posts of this hour and of the same hour in past weeks from the
Store and passes them in with `now`. A burst is judged against the topic's own usual for that
hour of the week (a Poisson rate estimated from the past weeks, its uncertainty included), never
against a fixed number, so a busy community's ordinary Tuesday evening raises nothing and a quiet
one's sudden dozen posts does.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.domain.hashtags import display_form

BURST_MINUTES = 60  # "this hour": the last 60 minutes, read after each collection cycle
WEEK = timedelta(days=7)
BASELINE_WEEKS = 8  # the same hour of the week, up to 8 weeks back, as far as stored posts reach
NEIGHBOUR_HOURS = 1  # and the hour either side of it: three samples a week, a steadier usual
MIN_BASELINE_WEEKS = 2  # less history than that: no volume or tag alerts for the topic yet
SURPRISE = 1e-5  # alert when P(at least this many | the usual) is below this (see README)
MIN_BURST_POSTS = 10  # a handful of posts is never a burst, whatever the usual
MIN_BURST_RATIO = 2.0  # and at least twice the usual: a big topic's small wobble isn't news
MIN_TAG_POSTS, MIN_TAG_AUTHORS = 6, 4  # a tag taking off with the topic: posts and people
GATHERING_HOURS = 3  # a conversation gathering people fast: within the last 3 hours
MIN_GATHERING_PEOPLE, MIN_GATHERING_REPLIES = 8, 5
MIN_GATHERING_ANSWERS = 50  # or one post from those hours with this many replies and quotes
EVIDENCE_POSTS = 3

KINDS = ("volume", "tag", "conversation")


@dataclass(frozen=True, slots=True)
class TaggedPost:
    """A stored post with every tag it carries (keys, and the spellings used)."""

    id: str
    author_id: str
    created_at: datetime
    conversation_id: str
    is_reply: bool
    answers: int  # replies and quotes from others, as the source counted them
    engagement: int  # likes, reposts, replies and quotes
    tags: tuple[str, ...]
    forms: tuple[str, ...] = ()


class Hours:
    """The posts an alert check weighs: the recent hours, and the same hours in past weeks.

    `past[k]` holds the posts of the block of hours around `now` one to `k + 1` weeks back
    (`baseline_blocks`); only weeks the stored posts fully cover are given. Each block is split
    into hours, and each hour indexed by tag once, for every topic.
    """

    def __init__(
        self,
        now: datetime,
        recent: Sequence[TaggedPost],  # the last GATHERING_HOURS; the burst hour is their tail
        past: Sequence[Sequence[TaggedPost]],
    ) -> None:
        self.now = now
        self.recent = recent
        hour = timedelta(minutes=BURST_MINUTES)
        self.hour = [p for p in recent if now - hour < p.created_at <= now]
        self._recent = _by_tag(recent)
        windows = [self.hour]
        for k, block in enumerate(past, start=1):
            for shift in range(-NEIGHBOUR_HOURS, NEIGHBOUR_HOURS + 1):
                end = now - k * WEEK + shift * hour
                windows.append([p for p in block if end - hour < p.created_at <= end])
        self._windows = [_by_tag(w) for w in windows]

    def carrying(self, keys: Collection[str]) -> list[TaggedPost]:
        """The recent posts that carry any of these tags, oldest first."""
        found = {p.id: p for key in keys for p in self._recent.get(key, ())}
        return sorted(found.values(), key=lambda p: (p.created_at, p.id))

    def counts(self, keys: Collection[str]) -> tuple[int, list[int]]:
        """Posts carrying any of these tags this hour, and in each past hour of the baseline (a
        post with two of them counts once)."""
        counts = [
            len(set().union(*((p.id for p in w.get(k, ())) for k in keys))) for w in self._windows
        ]
        return counts[0], counts[1:]


def baseline_blocks(now: datetime, weeks: int) -> list[tuple[datetime, datetime]]:
    """The hours around `now`'s hour of the week in each of the past `weeks` weeks, newest
    first: (start, end], the Store reads each block at once."""
    hour = timedelta(minutes=BURST_MINUTES)
    return [
        (now - k * WEEK - (NEIGHBOUR_HOURS + 1) * hour, now - k * WEEK + NEIGHBOUR_HOURS * hour)
        for k in range(1, weeks + 1)
    ]


def baseline_weeks(now: datetime, history_start: datetime | None) -> int:
    """How many past weeks' same hour the stored posts cover completely (at most 8)."""
    if history_start is None:
        return 0
    span = now - (NEIGHBOUR_HOURS + 1) * timedelta(minutes=BURST_MINUTES) - history_start
    return max(0, min(BASELINE_WEEKS, span // WEEK))


@dataclass(frozen=True)
class Surprise:
    """How unusual a count is against its usual for that hour of the week."""

    observed: int
    usual: float  # mean over the baseline's hours
    hours: int  # how many past hours the usual is taken over
    p_value: float

    @property
    def weeks(self) -> int:
        return self.hours // (2 * NEIGHBOUR_HOURS + 1)

    def is_burst(self, floor: int = MIN_BURST_POSTS) -> bool:
        """Far above the usual, with enough history to know the usual, and at least `floor`."""
        return (
            self.weeks >= MIN_BASELINE_WEEKS
            and self.observed >= floor
            and self.observed >= MIN_BURST_RATIO * self.usual
            and self.p_value < SURPRISE
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "observed": self.observed,
            "usual": round(self.usual, 2),
            "baseline_weeks": self.weeks,
            "baseline_hours": self.hours,
            "p_value": float(f"{self.p_value:.3g}"),
        }


def surprise(observed: int, past: Sequence[int]) -> Surprise:
    """P(at least `observed` | the past weeks' counts) under a Poisson rate for this hour of the
    week. The rate is known only from a few weeks, so the chance is taken over what the rate may
    be (a gamma posterior: the negative binomial predictive), which keeps a thin history from
    crying wolf."""
    hours = len(past)
    if hours == 0:
        return Surprise(observed, 0.0, 0, 1.0)
    total = sum(past)
    return Surprise(observed, total / hours, hours, _negbin_tail(observed, total + 0.5, hours))


def _negbin_tail(k: int, r: float, hours: int) -> float:
    """P(X >= k) for X ~ NegBin(r, p = hours / (hours + 1)): the count in one more hour like
    them, with the rate's gamma posterior from `hours` hours that held r - 1/2 posts."""
    if k <= 0:
        return 1.0
    p = hours / (hours + 1)
    log_p, log_q = math.log(p), math.log1p(-p)
    base = r * log_p - math.lgamma(r)

    def pmf(x: int) -> float:
        return math.exp(base + math.lgamma(x + r) - math.lgamma(x + 1) + x * log_q)

    mean = r * (1 - p) / p
    if k <= mean:  # not in the tail: the complement of the few terms below k
        return max(0.0, 1.0 - sum(pmf(x) for x in range(k)))
    tail, x = 0.0, k
    while True:  # terms fall from k on; stop once they no longer change the sum
        term = pmf(x)
        tail += term
        if term < tail * 1e-12 or x - k > 100_000:
            return min(1.0, tail)
        x += 1


@dataclass(frozen=True)
class Alert:
    """One event worth a message in the channels that track the topic."""

    kind: str  # volume | tag | conversation
    key: str  # what the event is about, whatever day it is: a channel hears about it once
    topic_key: str
    topic: str
    summary: str
    post_ids: tuple[str, ...]  # what drives it, most telling first
    tag: str | None = None
    numbers: Mapping[str, Any] = field(default_factory=dict)


def topic_alerts(
    hours: Hours,
    *,
    topic: str,
    topic_key: str,
    tag_keys: Collection[str],
) -> list[Alert]:
    """Everything about this topic worth an alert at `hours.now`, most pressing first."""
    if not tag_keys:
        return []
    alerts: list[Alert] = []
    start = hours.now - timedelta(minutes=BURST_MINUTES)
    recent = hours.carrying(tag_keys)
    on_topic = [p for p in recent if start < p.created_at]
    observed, past = hours.counts(tag_keys)
    volume = surprise(observed, past)
    if volume.is_burst():
        alerts.append(
            Alert(
                "volume",
                f"volume:{topic_key}",
                topic_key,
                topic,
                f"{topic}: {observed:,} posts in the last hour, {_against(volume)} for this "
                f"hour of the week ({volume.weeks} weeks' baseline).",
                _most_engaged(on_topic),
                numbers=volume.as_json(),
            )
        )
    alerts += _tags_taking_off(hours, on_topic, topic, topic_key, tag_keys)
    alerts += _gatherings(hours.now, recent, topic, topic_key)
    return alerts


def _tags_taking_off(
    hours: Hours,
    on_topic: list[TaggedPost],
    topic: str,
    topic_key: str,
    tag_keys: Collection[str],
) -> list[Alert]:
    """Tags used with the topic this hour by several people, far above their own usual."""
    posts: dict[str, list[TaggedPost]] = {}
    forms: dict[str, Counter[str]] = {}
    for post in on_topic:
        for n, key in enumerate(post.tags):
            if key not in tag_keys:
                posts.setdefault(key, []).append(post)
                form = post.forms[n] if n < len(post.forms) else key
                forms.setdefault(key, Counter())[form] += 1
    alerts = []
    for key, with_topic in sorted(posts.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        people = len({p.author_id for p in with_topic})
        if len(with_topic) < MIN_TAG_POSTS or people < MIN_TAG_AUTHORS:
            continue
        observed, past = hours.counts([key])
        seen = surprise(observed, past)
        if not seen.is_burst(MIN_TAG_POSTS):
            continue
        tag = display_form(forms[key], key)
        usual = (
            f"new: none at this hour in the past {seen.weeks} weeks"
            if sum(past) == 0
            else f"usually {seen.usual:.1f} at this hour of the week"
        )
        alerts.append(
            Alert(
                "tag",
                f"tag:{topic_key}:{key}",
                topic_key,
                topic,
                f"#{tag} is taking off with {topic}: {len(with_topic):,} posts with the topic "
                f"in the last hour from {people} people, {observed:,} in all ({usual}).",
                _most_engaged(with_topic),
                tag=tag,
                numbers=seen.as_json() | {"with_topic": len(with_topic), "people": people},
            )
        )
    return alerts


def _gatherings(
    now: datetime, recent: Iterable[TaggedPost], topic: str, topic_key: str
) -> list[Alert]:
    """Threads that many different people joined in the last few hours, or a fresh post that
    drew a crowd of replies."""
    since = now - timedelta(hours=GATHERING_HOURS)
    threads: dict[str, list[TaggedPost]] = {}
    for post in recent:
        if since < post.created_at <= now:
            threads.setdefault(post.conversation_id or post.id, []).append(post)
    alerts = []
    for key, thread in sorted(threads.items()):
        people = len({p.author_id for p in thread})
        replies = sum(p.is_reply for p in thread)
        answers = max(p.answers for p in thread)
        if not (
            (people >= MIN_GATHERING_PEOPLE and replies >= MIN_GATHERING_REPLIES)
            or answers >= MIN_GATHERING_ANSWERS
        ):
            continue
        first = min(thread, key=lambda p: (p.created_at, p.id))
        opening = key if any(p.id == key for p in thread) else first.id
        said = (
            f"{people} people and {replies} replies"
            if people >= MIN_GATHERING_PEOPLE
            else f"{answers:,} replies and quotes on one post"
        )
        alerts.append(
            Alert(
                "conversation",
                f"conversation:{topic_key}:{key}",
                topic_key,
                topic,
                f"A {topic} conversation is gathering people fast: {said} "
                f"in the last {GATHERING_HOURS} hours.",
                (opening, *_most_engaged([p for p in thread if p.id != opening])),
                numbers={"people": people, "replies": replies, "answers": answers},
            )
        )
    alerts.sort(key=lambda a: (-a.numbers["people"], -a.numbers["answers"], a.key))
    return alerts


def _by_tag(posts: Iterable[TaggedPost]) -> dict[str, list[TaggedPost]]:
    index: dict[str, list[TaggedPost]] = {}
    for post in posts:
        for key in post.tags:
            index.setdefault(key, []).append(post)
    return index


def _most_engaged(posts: Iterable[TaggedPost]) -> tuple[str, ...]:
    ranked = sorted(posts, key=lambda p: (-p.engagement, -p.created_at.timestamp(), p.id))
    return tuple(p.id for p in ranked[: EVIDENCE_POSTS * 3])  # spares for muted or deleted ones


def _against(seen: Surprise) -> str:
    if seen.usual < 0.5:
        return f"where the usual is {seen.usual:.1f}"
    return f"about {seen.observed / seen.usual:.0f}× the usual {seen.usual:.1f}"
