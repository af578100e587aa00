"""An alert as one channel gets it: once per event, within its daily cap, and only the posts it
may see.

A burst is one event whatever midnight (UTC or the channel's) it runs across: a volume or tag
event is the same one for SAME_BURST after its first alert, and a conversation is one event
ever. An event the channel already had is left out before the cap is counted, so a repeat never
takes a slot that a new event could use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.domain.bursts import EVIDENCE_POSTS, Alert
from bot.domain.mutes import MuteList

if TYPE_CHECKING:  # only named here: the store's alert reads need no digest
    from bot.domain.digest import PostView

MAX_ALERTS_PER_DAY = 3  # per channel and local day: an alert that comes every hour is noise
SAME_BURST = timedelta(hours=24)  # a volume or tag burst is one event this long from its alert
SENT = ("sending", "posted", "uncertain")  # what counts as sent: never again, and toward the cap


def logged_key(alert: Alert, now: datetime) -> str:
    """The key an event is kept under in a channel's alert log: a conversation's own key (once
    ever); a burst's key stamped with the minute of its first alert (once per SAME_BURST)."""
    if alert.kind == "conversation":
        return alert.key
    return f"{alert.key}@{now.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


def event_of(logged: str) -> str:
    """The event a logged key is about (the key without its stamp)."""
    return logged.split("@", 1)[0]


@dataclass(frozen=True)
class ChannelAlert:
    """An event as one channel gets it: only posts it may see (nothing from muted accounts)."""

    channel_id: str
    alert: Alert
    posts: tuple[PostView, ...]
    day: date  # the channel's local day, for its daily cap
    logged_key: str = ""  # its key in the channel's alert log (see `logged_key`)

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
    now: datetime,
    logged: Mapping[str, str],
    sent_today: int,
    views: Mapping[str, PostView],
    muted: MuteList,
) -> tuple[list[ChannelAlert], str]:
    """The channel's events it hasn't had, within its cap for `day`, with the posts it may see;
    and why some are held back ("" when none are).

    `logged`: the channel's alert log (key -> state) over the last SAME_BURST, and any entry for
    these conversations. An event sent there is left out; one Slack refused is tried again under
    the same key.
    """
    chosen = []
    for alert in {a.key: a for a in events}.values():
        earlier = {k: state for k, state in logged.items() if event_of(k) == alert.key}
        if any(state in SENT for state in earlier.values()):
            continue  # the channel had this event, before midnight or not
        key = next(iter(sorted(earlier)), None) or logged_key(alert, now)
        posts = [
            views[i]
            for i in alert.post_ids
            if i in views and not muted.hides(views[i].author_handle)
        ]
        if alert.kind == "conversation" and (not posts or posts[0].id != alert.post_ids[0]):
            continue  # its opening post is muted here, or no longer stored
        chosen.append(ChannelAlert(channel_id, alert, tuple(posts[:EVIDENCE_POSTS]), day, key))
    left = max(0, MAX_ALERTS_PER_DAY - sent_today)
    if len(chosen) > left:
        held = len(chosen) - left
        note = f"{held} more held back: at most {MAX_ALERTS_PER_DAY} alerts a day ({day})"
        return chosen[:left], note
    return chosen, ""
