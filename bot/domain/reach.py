"""Measured reach: a census's figures for one tag on X, Mastodon and Bluesky, and its grade.

A census counts a tag's posts over the last 7 days on each network the bot can reach (see
services/census.py). Grades compare a tag with the condition's own tags, so a rare disease's
busiest tag is as "hot" as lung cancer's:

- `hot`: at least a quarter of the weekly use of the condition's busiest own tag (or at least
  5% of it and up by half on four weeks before);
- `steady`: at least 2% of it;
- `quiet`: less than that, but used;
- `unused`: fewer than 2 posts in 7 days, or under 0.1% of the busiest own tag's use.

Calendar tags (awareness days, congresses) are graded only from 14 days before their window to
7 days after: in between, little use is their nature, not a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from bot.domain.calendar import Window, day_label
from bot.domain.hashtags import tag_key

NETWORKS = ("x", "mastodon", "bluesky")
NETWORK_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}
MEASURED_DAYS = 7  # a census counts the day it runs and the six before it
GRADES = ("hot", "steady", "quiet", "unused")

HOT_SHARE = 0.25  # of the condition's busiest own tag
RISING_HOT_SHARE = 0.05  # a tag this busy that rose by RISING is hot too
RISING = 0.5  # +50% on four weeks before
STEADY_SHARE = 0.02
UNUSED_SHARE = 0.001
UNUSED_BELOW = 2  # posts in 7 days: one post is nobody's habit
GRADE_BEFORE_DAYS, GRADE_AFTER_DAYS = 14, 7  # a calendar tag's graded stretch around its window
MOSTLY_ELSEWHERE = 0.5  # the share of a week's use that makes a network "most of it"
MOSTLY_MIN_POSTS = 10
TREND_WEEKS_BACK = 4  # a trend compares this week with the figure measured four weeks before
TREND_SLACK_DAYS = 4  # …measured within this many days of four weeks before


@dataclass(frozen=True)
class Measurement:
    """One network's count of a tag's posts over the 7 days to `as_of` (the day it was measured)."""

    network: str
    posts_7d: int
    as_of: date
    accounts_7d: int | None = None  # Mastodon says how many accounts; the others don't
    at_least: bool = False  # the count stopped at a bound: the tag has at least this many
    instance: str = ""  # Mastodon: the instance whose figure this is (the busiest asked)
    guarded: bool = False  # counted only beside the condition's own words or tags
    lang: str = ""  # counted only in this language (ISO 639-1); "" every language
    via: str = ""  # how: "counts", "tag history", "stream", "search", "stream and search"

    def as_json(self) -> dict[str, Any]:
        """The network's entry in `suggest --json`'s `measured`."""
        shown: dict[str, Any] = {"posts_7d": self.posts_7d}
        if self.network == "mastodon":
            shown |= {"accounts_7d": self.accounts_7d, "instance": self.instance}
        if self.network == "bluesky":
            shown["at_least"] = self.at_least
        return shown | {"as_of": self.as_of.isoformat()}


@dataclass(frozen=True)
class TagReach:
    """A tag's latest figure on each network, and the figures measured about four weeks before."""

    tag_key: str
    now: Mapping[str, Measurement]
    before: Mapping[str, Measurement] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Posts in 7 days across the networks measured (Mastodon: its busiest instance)."""
        return sum(m.posts_7d for m in self.now.values())

    @property
    def at_least(self) -> bool:
        return any(m.at_least for m in self.now.values())

    @property
    def as_of(self) -> date:
        return max(m.as_of for m in self.now.values())

    @property
    def busiest(self) -> Measurement:
        return max(self.now.values(), key=lambda m: (m.posts_7d, -NETWORKS.index(m.network)))

    @property
    def trend(self) -> float | None:
        """Change on four weeks before, over the networks measured both times; None unknown."""
        both = [n for n in self.now if n in self.before]
        then = sum(self.before[n].posts_7d for n in both)
        if not both or then <= 0:
            return None
        return round((sum(self.now[n].posts_7d for n in both) - then) / then, 2)

    def measured_json(self) -> dict[str, Any]:
        return {n: self.now[n].as_json() for n in NETWORKS if n in self.now}


def reach_from(
    key: str, rows: Iterable[Measurement], as_of: date, *, max_age_days: int = 30
) -> TagReach | None:
    """A tag's reach from its stored figures: the newest on each network measured on or before
    `as_of` (and no older than `max_age_days`), and for each the one nearest four weeks earlier."""
    by_network: dict[str, list[Measurement]] = {}
    for row in rows:
        if row.as_of <= as_of:
            by_network.setdefault(row.network, []).append(row)
    now: dict[str, Measurement] = {}
    before: dict[str, Measurement] = {}
    for network, found in by_network.items():
        found.sort(key=lambda m: m.as_of)
        latest = found[-1]
        if (as_of - latest.as_of).days > max_age_days:
            continue
        now[network] = latest
        target = latest.as_of - timedelta(weeks=TREND_WEEKS_BACK)
        near = [m for m in found if abs((m.as_of - target).days) <= TREND_SLACK_DAYS]
        if near:
            before[network] = min(near, key=lambda m: abs((m.as_of - target).days))
    return TagReach(key, now, before) if now else None


def grade(total: int, reference: int, trend: float | None = None) -> str:
    """hot, steady, quiet or unused: a tag's weekly use against the condition's busiest own tag."""
    if total < max(UNUSED_BELOW, reference * UNUSED_SHARE):
        return "unused"
    if total >= reference * HOT_SHARE:
        return "hot"
    if trend is not None and trend >= RISING and total >= reference * RISING_HOT_SHARE:
        return "hot"
    if total >= reference * STEADY_SHARE:
        return "steady"
    return "quiet"


def graded_now(window: Window | None, today: date) -> bool:
    """A calendar tag is graded only near its window; every other tag always."""
    if window is None:
        return True
    return (
        window.start - timedelta(days=GRADE_BEFORE_DAYS)
        <= today
        <= window.end + timedelta(days=GRADE_AFTER_DAYS)
    )


def _rounded(posts: int) -> tuple[str, bool]:
    """A weekly figure as people read it: two significant figures from 1,000 up."""
    if posts < 1000:
        return f"{posts:,}", False
    digits = len(str(posts)) - 2
    return f"{round(posts, -digits):,}", True


def use_line(reach: TagReach) -> str:
    """One figure for an answer's line: '≈2,400 posts a week on X · 310 on Bluesky'."""
    shown = sorted(
        (m for m in reach.now.values() if m.posts_7d or m.at_least),
        key=lambda m: (-m.posts_7d, NETWORKS.index(m.network)),
    )
    if not shown:
        names = _listed([NETWORK_NAMES[n] for n in NETWORKS if n in reach.now])
        return f"no posts in the last {MEASURED_DAYS} days on {names}"
    parts: list[str] = []
    approximate = False
    for m in shown:
        figure, rounded = _rounded(m.posts_7d)
        approximate |= rounded
        figure += "+" if m.at_least else ""
        if parts:
            parts.append(f"{figure} on {NETWORK_NAMES[m.network]}")
        else:
            unit = "post" if m.posts_7d == 1 and not m.at_least else "posts"
            parts.append(f"{figure} {unit} a week on {NETWORK_NAMES[m.network]}")
    line = ("≈" if approximate else "") + " · ".join(parts)
    elsewhere = mostly_elsewhere(reach)
    return f"{line} · most of this week's use is on {elsewhere}" if elsewhere else line


def mostly_elsewhere(reach: TagReach) -> str:
    """The network other than X that carries most of a week's use, when X was measured too."""
    if "x" not in reach.now or reach.total < MOSTLY_MIN_POSTS:
        return ""
    top = reach.busiest
    if top.network == "x" or top.posts_7d <= reach.total * MOSTLY_ELSEWHERE:
        return ""
    return NETWORK_NAMES[top.network]


def _host(instance: str) -> str:
    """'mastodon.social' from 'https://mastodon.social'."""
    return instance.split("://", 1)[-1].rstrip("/")


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def network_lines(reach: TagReach) -> list[str]:
    """Explain: each network's figure, how it was counted and the day it was measured."""
    lines = []
    for network in NETWORKS:
        m = reach.now.get(network)
        if m is None:
            continue
        amount = f"{'at least ' if m.at_least else ''}{m.posts_7d:,} post{'s' * (m.posts_7d != 1)}"
        if m.accounts_7d is not None:
            amount += f" by {m.accounts_7d:,} account{'s' * (m.accounts_7d != 1)}"
        where = f" on {_host(m.instance)}, the busiest instance asked" if m.instance else ""
        how = {
            "counts": "X's counts, retweets left out",
            "tag history": "the instance's tag history",
            "stream": "the Jetstream tally",
            "search": "search",
            "stream and search": "the Jetstream tally and search",
        }.get(m.via, "")
        notes = [f"counted from {how}"] if how else []
        if m.guarded:
            notes.append("only posts beside the condition's own words or tags")
        if m.lang:
            notes.append(f"posts in {m.lang} only")
        if m.at_least:
            notes.append("the count stopped at its bound")
        lines.append(
            f"{NETWORK_NAMES[network]}: {amount} in the {MEASURED_DAYS} days to "
            f"{day_label(m.as_of)}{where}" + (f" ({'; '.join(notes)})" if notes else "")
        )
    return lines


def trend_line(reach: TagReach) -> str:
    """Explain: this week against the figure measured four weeks before, when there is one."""
    trend = reach.trend
    if trend is None:
        return ""
    then = sum(reach.before[n].posts_7d for n in reach.now if n in reach.before)
    when = day_label(min(m.as_of for m in reach.before.values()))
    change = (
        "About the same as"
        if abs(trend) < 0.1
        else f"{'Up' if trend > 0 else 'Down'} {abs(trend):.0%} on"
    )
    return f"{change} four weeks before ({then:,} posts in the week to {when})"


def grade_reason(
    grade_given: str,
    total: int,
    reference: int,
    reference_tag: str,
    tag: str = "",
    trend: float | None = None,
) -> str:
    """Why a tag got its grade, in the words the README uses."""
    busiest = f"#{reference_tag}, the busiest of the condition's own tags"
    if grade_given == "unused":
        return f"Graded unused: {total:,} post{'s' * (total != 1)} in {MEASURED_DAYS} days"
    if tag_key(tag) == tag_key(reference_tag):
        return f"Graded {grade_given}: the busiest of the condition's own tags"
    share = total / reference if reference else 0.0
    if share >= 1.5:
        return f"Graded {grade_given}: {share:,.1f} times the use of {busiest}"
    if grade_given == "hot" and share < HOT_SHARE:
        return f"Graded hot: {share:.0%} of the use of {busiest}, and up {trend or 0:.0%} on four weeks before"
    if grade_given == "hot":
        return f"Graded hot: {share:.0%} of the use of {busiest}"
    if grade_given == "steady":
        return f"Graded steady: {share:.1%} of the use of {busiest}"
    return f"Graded quiet: {share:.1%} of the use of {busiest}"


NOT_GRADED = (
    f"Not graded: a calendar tag is graded only from {GRADE_BEFORE_DAYS} days before its window "
    f"to {GRADE_AFTER_DAYS} days after, when its use means something"
)


@dataclass(frozen=True)
class Guard:
    """What an ambiguous tag is counted beside: the condition's words and its own tags."""

    words: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()  # tag keys

    @classmethod
    def of(cls, context: Iterable[str]) -> Guard:
        items = list(context)
        return cls(
            tuple(c for c in items if not c.startswith("#")),
            frozenset(tag_key(c) for c in items if c.startswith("#")),
        )

    def __bool__(self) -> bool:
        return bool(self.words or self.tags)

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        words = sorted({" ".join(w.split()) for w in self.words if w.strip()})
        if not words:
            return None
        return re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
        )

    def matches(self, text: str, tag_keys: Iterable[str]) -> bool:
        """A post is about the condition when it carries one of its tags or says its words."""
        if self.tags.intersection(tag_keys):
            return True
        pattern = self._pattern
        return bool(pattern and pattern.search(text))
