"""Observed use of hashtags, as the ranking reads it."""

from __future__ import annotations

from dataclasses import dataclass, field

WINDOW_DAYS = 30  # "recent" everywhere: activity, co-occurrence, evidence counts, the Slack context


def week_on_week(this_week: int, week_before: int) -> float:
    """Change of the last 7 days on the 7 before: 0.25 is +25% (from nothing, the count itself)."""
    return round((this_week - week_before) / max(week_before, 1), 2)


@dataclass(frozen=True)
class TagActivity:
    """One tag's use in the last 30 days (posts, people, engagement) and its two recent weeks."""

    tag_key: str
    posts: int = 0
    authors: int = 0
    engagement: int = 0
    posts_7d: int = 0
    posts_prev_7d: int = 0
    forms: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A count below zero is drift (`hashtag-bot check` finds and mends it): read it as none,
        # so an answer still comes, with figures a person can believe.
        for name in ("posts", "authors", "engagement", "posts_7d", "posts_prev_7d"):
            if getattr(self, name) < 0:
                object.__setattr__(self, name, 0)
        if any(n <= 0 for n in self.forms.values()):
            object.__setattr__(self, "forms", {f: n for f, n in self.forms.items() if n > 0})

    @property
    def trend(self) -> float:
        return week_on_week(self.posts_7d, self.posts_prev_7d)


@dataclass(frozen=True)
class Observed:
    """What stored posts say about one query: activity per tag and co-occurrence with its seeds."""

    activity: dict[str, TagActivity] = field(default_factory=dict)
    with_seeds: dict[str, int] = field(default_factory=dict)  # tag_key -> posts shared with seeds
    seed_posts: int = 0  # posts carrying any seed tag (pairwise-corrected estimate)
    text_posts: int = 0  # posts found by text search when no condition matched

    @property
    def empty(self) -> bool:
        return not any(a.posts for a in self.activity.values())
