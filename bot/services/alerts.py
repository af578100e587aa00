"""Alerts between digests: after each collection cycle, a message to each tracking channel when
its community lights up (bot.domain.bursts says what counts).

A channel gets each event once, at most MAX_ALERTS_PER_DAY on its local day, none in its night
hours and none once `/hashtag alerts off`. Like a digest's messages, an alert is claimed in the
log before it is posted and confirmed with Slack's ts after, so a restart or a second process
never posts it twice; one whose request may have reached Slack is never sent again. Alerts go
only to channels that track the topic, never to a person.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.domain.bursts import (
    EVIDENCE_POSTS,
    GATHERING_HOURS,
    Alert,
    Hours,
    baseline_blocks,
    baseline_weeks,
    topic_alerts,
)
from bot.domain.conditions import ConditionMatcher
from bot.domain.digest import PostView
from bot.domain.knowledge import KnowledgeBase
from bot.domain.schedules import QUIET_END, QUIET_START
from bot.services.collection import topic_query
from bot.services.delivery import maybe_sent, slack_problem
from bot.services.digests import TopicSpec, tracked_topics
from bot.services.schedules import ChannelClock, channel_clocks
from bot.storage import Store

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

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


@dataclass
class AlertCheck:
    """What one check found for each channel, and why a channel gets nothing now."""

    now: datetime
    alerts: list[ChannelAlert] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)
    posted: int = 0
    errors: dict[str, str] = field(default_factory=dict)


class Alerter:
    """The scheduler (after each collection cycle) and `hashtag-bot alerts` both check here."""

    def __init__(
        self,
        kb: KnowledgeBase,
        store: Store,
        matcher: ConditionMatcher,
        *,
        retention_days: int,
        digest_hour: int,
    ) -> None:
        self.kb = kb
        self.store = store
        self.matcher = matcher
        self.retention = timedelta(days=retention_days)
        self.digest_hour = digest_hour

    def check(self, now: datetime, channel_id: str | None = None) -> AlertCheck:
        """The alerts due at `now` in every tracking channel (or one), within each one's caps."""
        result = AlertCheck(now)
        clocks = channel_clocks(self.store, self.digest_hour)
        if channel_id is not None:
            if channel_id not in clocks:
                result.held[channel_id] = "it tracks no topic (`/hashtag track …` there)"
            clocks = {channel_id: clocks[channel_id]} if channel_id in clocks else {}
        awake = {}
        for channel, clock in clocks.items():
            reason = self._held(clock, now)
            if reason:
                result.held[channel] = reason
            else:
                awake[channel] = clock
        if not awake:
            return result
        channels = {c: specs for c, specs in tracked_topics(self.store).items() if c in awake}
        found = self.detect([spec for specs in channels.values() for spec in specs], now)
        for channel, specs in channels.items():
            events = [a for spec in specs for a in found.get(spec.key, [])]
            chosen, note = self._for_channel(channel, awake[channel], events, now)
            result.alerts += chosen
            if note:
                result.held[channel] = note
        return result

    def detect(self, specs: Sequence[TopicSpec], now: datetime) -> dict[str, list[Alert]]:
        """Every tracked topic's events at `now`, each topic worked out once for all channels."""
        plans: dict[str, tuple[TopicSpec, tuple[str, ...], int]] = {}
        for spec in specs:
            if spec.key in plans or not spec.key:
                continue
            query = topic_query(
                spec.text, self.kb, self.matcher, spec.condition_id, today=now.date()
            )
            keys = tuple(dict.fromkeys(query.tag_keys)) if query else ()
            if keys:  # topics read as words, not tags, get their news in the digest only
                plans[spec.key] = (spec, keys, self._weeks(keys, now))
        if not plans:
            return {}
        most = max(weeks for _, _, weeks in plans.values())
        recent = self.store.tagged_posts_between(now - timedelta(hours=GATHERING_HOURS), now)
        past = [self.store.tagged_posts_between(s, e) for s, e in baseline_blocks(now, most)]
        hours: dict[int, Hours] = {}
        found = {}
        for key, (spec, tag_keys, weeks) in plans.items():
            if weeks not in hours:
                hours[weeks] = Hours(now, recent, past[:weeks])
            title = self._title(spec)
            found[key] = topic_alerts(hours[weeks], topic=title, topic_key=key, tag_keys=tag_keys)
        return found

    def deliver(self, client: WebClient, check: AlertCheck) -> AlertCheck:
        """Post each alert of a check in its channel, once; a channel Slack refuses waits for
        the next check."""
        from bot.slack.alerts import alert_message

        me = str(os.getpid())
        refused: set[str] = set()
        for found in check.alerts:
            channel, alert = found.channel_id, found.alert
            if channel in refused:
                continue
            if not self.store.claim_alert(
                channel,
                alert.key,
                topic_key=alert.topic_key,
                kind=alert.kind,
                summary=alert.summary,
                local_day=found.day,
                cap=MAX_ALERTS_PER_DAY,
                claimer=me,
                now=check.now,
            ):
                continue  # sent before, being sent by another run, or the day's cap is reached
            payload = alert_message(found)
            try:
                response = client.chat_postMessage(
                    channel=channel,
                    text=payload["text"],
                    blocks=payload["blocks"],
                    unfurl_links=False,
                    unfurl_media=False,
                )
            except (SlackClientError, OSError) as err:  # OSError: Slack unreachable
                state = "uncertain" if maybe_sent(err) else "pending"
                self.store.settle_alert(channel, alert.key, state, now=check.now)
                check.errors[channel] = slack_problem(err, channel)
                log.warning("alert for %s: %s", channel, check.errors[channel])
                refused.add(channel)
                continue
            ts = str(response.get("ts") or "")
            self.store.settle_alert(channel, alert.key, "posted", now=check.now, ts=ts)
            check.posted += 1
        return check

    def _held(self, clock: ChannelClock, now: datetime) -> str:
        if not clock.alerts:
            return "alerts are off there (`/hashtag alerts on` turns them on)"
        if clock.schedule.is_night(now):
            return (
                f"it is night there ({QUIET_START:%H:%M}–{QUIET_END:%H:%M}"
                f" {clock.schedule.timezone})"
            )
        return ""

    def _for_channel(
        self, channel: str, clock: ChannelClock, events: list[Alert], now: datetime
    ) -> tuple[list[ChannelAlert], str]:
        """The channel's events it hasn't had, within its cap, with the posts it may see; and
        why some are held back."""
        sent = self.store.alerts_sent(channel, {a.key for a in events})
        day = clock.schedule.local_day(now)
        left = MAX_ALERTS_PER_DAY - self.store.alerts_on_day(channel, day)
        fresh = list({a.key: a for a in events if a.key not in sent}.values())
        if not fresh:
            return [], ""
        muted = {h.casefold() for h in self.store.muted(channel)}
        views = self.store.post_views({i for a in fresh for i in a.post_ids})
        chosen = []
        for alert in fresh:
            posts = [
                views[i]
                for i in alert.post_ids
                if i in views and views[i].author_handle.casefold() not in muted
            ]
            if alert.kind == "conversation" and (not posts or posts[0].id != alert.post_ids[0]):
                continue  # its opening post is muted here, or no longer stored
            chosen.append(ChannelAlert(channel, alert, tuple(posts[:EVIDENCE_POSTS]), day))
        if len(chosen) > left:
            held = len(chosen) - max(0, left)
            note = f"{held} more held back: at most {MAX_ALERTS_PER_DAY} alerts a day ({day})"
            return chosen[: max(0, left)], note
        return chosen, ""

    def _weeks(self, tag_keys: Sequence[str], now: datetime) -> int:
        """Past weeks whose same hours the stored posts cover: since the topic's tags were
        first counted, and within RETENTION_DAYS (older posts are deleted)."""
        first = self.store.tags_first_seen(tag_keys)
        if first is None:
            return 0
        start = max(datetime.combine(first, datetime.min.time(), now.tzinfo), now - self.retention)
        return baseline_weeks(now, start)

    def _title(self, spec: TopicSpec) -> str:
        condition = self.kb.conditions.get(spec.condition_id or "")
        return condition.name if condition else spec.text


def alerter_for(services: Services) -> Alerter:
    """The Alerter over the bot's services (the scheduler's job and the CLI)."""
    settings = services.settings
    return Alerter(
        services.kb,
        services.store,
        services.digester.matcher,
        retention_days=settings.retention_days,
        digest_hour=settings.digest_hour,
    )
