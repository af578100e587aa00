"""Alerts between digests: ordinary weeks raise nothing; a real burst, a tag taking off or a
conversation gathering people raises one alert."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from datetime import UTC, datetime, timedelta

from bot.domain.bursts import (
    GATHERING_HOURS,
    Alert,
    Hours,
    TaggedPost,
    baseline_blocks,
    baseline_weeks,
    surprise,
    topic_alerts,
)

START = datetime(2026, 10, 1, tzinfo=UTC)  # a Thursday; six weeks of history from here
TOPIC_TAGS = ("lcsm", "lungcancer")


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method: fine for the few dozen posts an hour these streams have."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def usual_rate(at: datetime) -> float:
    """Posts an hour on an ordinary day: quiet at night, busy in the afternoon, less at weekends."""
    daily = 2 + 10 * max(0.0, math.sin(math.pi * (at.hour - 6) / 16))
    return daily * (0.6 if at.weekday() >= 5 else 1.0)


class Stream:
    """A seeded community: the topic's tags, the tags used beside them, and small threads."""

    def __init__(self, weeks: int, seed: int = 12) -> None:
        rng = random.Random(seed)
        self.posts: list[TaggedPost] = []
        self.n = 0
        hour = START
        while hour < START + timedelta(weeks=weeks):
            for _ in range(poisson(rng, usual_rate(hour))):
                at = hour + timedelta(seconds=rng.randrange(3600))
                tags = [rng.choice(TOPIC_TAGS)]
                if rng.random() < 0.3:
                    tags.append(rng.choice(["clinicaltrials", "patientvoice", "oncology"]))
                thread = None
                if rng.random() < 0.2 and self.posts:  # a reply to a recent post
                    thread = self.posts[-rng.randint(1, min(5, len(self.posts)))].conversation_id
                self.add(at, tags, by=rng.randrange(400), thread=thread, likes=rng.randint(0, 20))
            for _ in range(poisson(rng, 3)):  # posts about other things entirely
                self.add(hour + timedelta(seconds=rng.randrange(3600)), ["rarebooks"], by=999)
            hour += timedelta(hours=1)
        self.sort()

    def add(
        self,
        at: datetime,
        tags: list[str],
        *,
        by: int,
        thread: str | None = None,
        likes: int = 0,
        answers: int = 0,
    ) -> str:
        self.n += 1
        post_id = f"p{self.n}"
        self.posts.append(
            TaggedPost(
                post_id,
                f"u{by}",
                at,
                thread or post_id,
                thread is not None,
                answers,
                likes + answers,
                tuple(t.casefold() for t in tags),
                tuple(tags),
            )
        )
        return post_id

    def sort(self) -> None:
        self.posts.sort(key=lambda p: p.created_at)
        self.times = [p.created_at for p in self.posts]

    def between(self, start: datetime, end: datetime) -> list[TaggedPost]:
        """Posts with start < created_at <= end, as the Store reads them."""
        return self.posts[bisect_right(self.times, start) : bisect_right(self.times, end)]

    def alerts_at(self, now: datetime) -> list[Alert]:
        weeks = baseline_weeks(now, START)
        hours = Hours(
            now,
            self.between(now - timedelta(hours=GATHERING_HOURS), now),
            [self.between(start, end) for start, end in baseline_blocks(now, weeks)],
        )
        return topic_alerts(
            hours, topic="Lung cancer", topic_key="lung cancer", tag_keys=TOPIC_TAGS
        )


def checks(first: datetime, days: int) -> list[datetime]:
    """Every collection cycle (each half hour) over those days."""
    return [first + timedelta(minutes=30 * n) for n in range(days * 48)]


def test_weeks_of_ordinary_days_raise_nothing() -> None:
    stream = Stream(weeks=6)
    fired = [a for now in checks(START + timedelta(weeks=3), 21) for a in stream.alerts_at(now)]
    assert fired == []


def test_a_burst_raises_one_volume_alert_with_its_busiest_posts() -> None:
    stream = Stream(weeks=6)
    now = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)  # Tuesday afternoon, usually ~12 posts
    first = now - timedelta(minutes=50)
    busiest = ""
    for n in range(40):
        added = stream.add(first + timedelta(minutes=n), ["lcsm"], by=500 + n, likes=n)
        busiest = added
    stream.sort()
    alerts = stream.alerts_at(now)
    assert [a.kind for a in alerts] == ["volume"]
    (alert,) = alerts
    assert alert.post_ids[0] == busiest
    assert alert.numbers["observed"] >= 40
    assert "posts in the last hour" in alert.summary and "baseline" in alert.summary
    # the same burst read at the next cycle is the same event
    later = stream.alerts_at(now + timedelta(minutes=20))
    assert [a.key for a in later] == [alert.key]


def test_the_busy_hour_of_a_busy_day_is_not_a_burst() -> None:
    """The same 40 posts at 3 a.m. would be news; at the usual peak they are ordinary for a
    community ten times the size."""
    peak = [40, 44, 37, 41, 39, 43]
    assert not surprise(48, peak).is_burst()
    assert surprise(48, [4, 5, 3, 6, 4, 2]).is_burst()


def test_a_tag_taking_off_with_the_topic_raises_a_tag_alert() -> None:
    stream = Stream(weeks=6)
    now = datetime(2026, 11, 12, 16, 0, tzinfo=UTC)
    for n in range(8):  # a congress tag nobody used before, by eight people
        stream.add(now - timedelta(minutes=5 * n + 1), ["lcsm", "WCLC26"], by=700 + n)
    stream.sort()
    alerts = stream.alerts_at(now)
    assert [a.kind for a in alerts] == ["tag"]
    assert alerts[0].tag == "WCLC26"
    assert "new" in alerts[0].summary


def test_a_conversation_gathering_people_fast_raises_one_alert() -> None:
    stream = Stream(weeks=6)
    now = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)
    opening = stream.add(now - timedelta(hours=2), ["lcsm"], by=800, likes=30)
    for n in range(9):
        stream.add(now - timedelta(minutes=100 - 10 * n), ["lcsm"], by=801 + n, thread=opening)
    stream.sort()
    alerts = stream.alerts_at(now)
    assert [a.kind for a in alerts] == ["conversation"]
    assert alerts[0].post_ids[0] == opening
    assert alerts[0].key.endswith(opening)


def test_a_topic_with_too_little_history_raises_no_burst() -> None:
    stream = Stream(weeks=1)
    now = START + timedelta(days=6, hours=15)
    for n in range(40):
        stream.add(now - timedelta(minutes=n + 1), ["lcsm"], by=500 + n)
    stream.sort()
    assert baseline_weeks(now, START) == 0
    assert [a for a in stream.alerts_at(now) if a.kind == "volume"] == []


def test_the_usual_is_read_from_the_same_hours_of_past_weeks() -> None:
    windows = baseline_blocks(datetime(2026, 11, 10, 15, 0, tzinfo=UTC), 2)
    assert [end.isoformat() for _, end in windows] == [
        "2026-11-03T16:00:00+00:00",
        "2026-10-27T16:00:00+00:00",
    ]
