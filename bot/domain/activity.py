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
