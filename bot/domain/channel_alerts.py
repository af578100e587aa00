"""An alert as one channel gets it: its daily cap, and only the posts it may see."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.bursts import EVIDENCE_POSTS, Alert
from bot.domain.digest import PostView
from bot.domain.mutes import MuteList

MAX_ALERTS_PER_DAY = 3  # per channel and local day: an alert that comes every hour is noise


@dataclass(frozen=True)
class ChannelAlert:
    """An event as one channel gets it: only posts it may see (nothing from muted accounts)."""

    channel_id: str
    alert: Alert
    posts: tuple[PostView, ...]
    day: date  # the channel's local day, for its daily cap

    def as_json(self) -> dict[str, Any]:
        evidence: dict[str, Any] = dict(self.alert.numbers)
        if self.alert.tag:
            evidence["tag"] = self.alert.tag
        evidence["posts"] = [
            {
                "url": post.url,
                "text": post.shown_text,
                "author": {"handle": post.author_handle, "name": post.author_name},
                "created_at": post.created_at,
            }
            for post in self.posts
        ]
        return {
            "channel": self.channel_id,
            "topic": self.alert.topic,
            "kind": self.alert.kind,
            "summary": self.alert.summary,
            "evidence": evidence,
        }


def alerts_for_channel(
    channel_id: str,
    events: Sequence[Alert],
    *,
    day: date,
    sent: Collection[str],
    sent_today: int,
    views: Mapping[str, PostView],
    muted: MuteList,
) -> tuple[list[ChannelAlert], str]:
    """The channel's events it hasn't had, within its cap for `day`, with the posts it may see;
    and why some are held back ("" when none are)."""
    fresh = list({a.key: a for a in events if a.key not in sent}.values())
    chosen = []
    for alert in fresh:
        posts = [
            views[i]
            for i in alert.post_ids
            if i in views and not muted.hides(views[i].author_handle)
        ]
        if alert.kind == "conversation" and (not posts or posts[0].id != alert.post_ids[0]):
            continue  # its opening post is muted here, or no longer stored
        chosen.append(ChannelAlert(channel_id, alert, tuple(posts[:EVIDENCE_POSTS]), day))
    left = max(0, MAX_ALERTS_PER_DAY - sent_today)
    if len(chosen) > left:
        held = len(chosen) - left
        note = f"{held} more held back: at most {MAX_ALERTS_PER_DAY} alerts a day ({day})"
        return chosen[:left], note
    return chosen, ""
