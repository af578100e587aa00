"""Alerts between digests: after each collection cycle, a message to each tracking channel when
its community lights up (bot.domain.bursts says what counts).

A channel gets each event once (a burst is one event whatever midnight it crosses), at most
MAX_ALERTS_PER_DAY on its local day, none in its night hours and none once `/hashtag alerts off`.
Its day and night are its own zone's, kept when its digests are off. Like a digest's messages, an alert is claimed in the
log before it is posted and confirmed with Slack's ts after, so a restart or a second process
never posts it twice; one whose request may have reached Slack is never sent again. Alerts go
only to channels that track the topic, never to a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain.bursts import (
    GATHERING_HOURS,
    Alert,
    Hours,
    baseline_blocks,
    baseline_weeks,
    topic_alerts,
)
from bot.domain.channel_alerts import (
    MAX_ALERTS_PER_DAY,
    SAME_BURST,
    ChannelAlert,
    alerts_for_channel,
)
from bot.domain.mutes import MuteList
from bot.domain.schedules import QUIET_END, QUIET_START
from bot.domain.topic_plan import TopicPlan
from bot.services.outbox import Outgoing, Publisher, settle_abandoned
from bot.services.schedules import ChannelClock, channel_clocks
from bot.services.topics import TopicPlanner, TopicSpec, tracked_topics
from bot.storage import Store

if TYPE_CHECKING:
    from bot.services import Services


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
        store: Store,
        planner: TopicPlanner,
        *,
        retention_days: int,
        digest_hour: int,
    ) -> None:
        self.store = store
        self.planner = planner
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
        plans: dict[str, tuple[TopicPlan, int]] = {}
        for key, plan in self.planner.plans(specs, today=now.date()).items():
            if plan.tag_keys:  # topics read as words, not tags, get their news in digests only
                plans[key] = (plan, self._weeks(plan.tag_keys, now))
        if not plans:
            return {}
        most = max(weeks for _, weeks in plans.values())
        recent = self.store.tagged_posts_between(now - timedelta(hours=GATHERING_HOURS), now)
        past = [self.store.tagged_posts_between(s, e) for s, e in baseline_blocks(now, most)]
        hours: dict[int, Hours] = {}
        found = {}
        for key, (plan, weeks) in plans.items():
            if weeks not in hours:
                hours[weeks] = Hours(now, recent, past[:weeks])
            title = plan.condition.name if plan.condition else plan.topic
            found[key] = topic_alerts(
                hours[weeks], topic=title, topic_key=key, tag_keys=plan.tag_keys
            )
        return found

    def deliver(self, publisher: Publisher, check: AlertCheck) -> AlertCheck:
        """Post each alert of a check in its channel, once; a channel Slack refuses waits for
        the next check."""
        settle_abandoned(self.store, now=check.now)
        refused: set[str] = set()
        for found in check.alerts:
            if found.channel_id in refused:
                continue
            outcome = publisher.post(self._outgoing(publisher, found, check.now))
            if outcome.taken:
                continue  # sent before, being sent by another run, or the day's cap is reached
            if not outcome.posted:
                check.errors[found.channel_id] = outcome.problem
                refused.add(found.channel_id)
                continue
            check.posted += 1
        return check

    def _outgoing(self, publisher: Publisher, found: ChannelAlert, now: datetime) -> Outgoing:
        channel, alert, key = found.channel_id, found.alert, found.logged_key
        return Outgoing(
            channel,
            publisher.alert_message(found),
            f"alert {key} for {channel}",
            claim=lambda token: self.store.claim_alert(
                channel,
                key,
                topic_key=alert.topic_key,
                kind=alert.kind,
                summary=alert.summary,
                local_day=found.day,
                cap=MAX_ALERTS_PER_DAY,
                claimer=token,
                now=now,
                same_since=now - SAME_BURST,
            ),
            settle=lambda state, ts: self.store.settle_alert(channel, key, state, now=now, ts=ts),
        )

    def _held(self, clock: ChannelClock, now: datetime) -> str:
        if not clock.alerts:
            return "alerts are off there (`/hashtag alerts on` turns them on)"
        if clock.schedule.is_night(now):
            return (
                f"it is night there ({QUIET_START:%H:%M}–{QUIET_END:%H:%M}"
                f" {clock.schedule.zone_name})"
            )
        return ""

    def _for_channel(
        self, channel: str, clock: ChannelClock, events: list[Alert], now: datetime
    ) -> tuple[list[ChannelAlert], str]:
        """The channel's events it hasn't had, within its cap, with the posts it may see; and
        why some are held back."""
        if not events:
            return [], ""
        day = clock.schedule.local_day(now)
        conversations = {a.key for a in events if a.kind == "conversation"}
        return alerts_for_channel(
            channel,
            events,
            day=day,
            now=now,
            logged=self.store.alert_log(channel, now - SAME_BURST, conversations),
            sent_today=self.store.alerts_on_day(channel, day),
            views=self.store.post_views({i for a in events for i in a.post_ids}),
            muted=MuteList.of(self.store.muted(channel)),
        )

    def _weeks(self, tag_keys: Sequence[str], now: datetime) -> int:
        """Past weeks whose same hours the stored posts cover: since the topic's tags were
        first counted, and within RETENTION_DAYS (older posts are deleted)."""
        first = self.store.tags_first_seen(tag_keys)
        if first is None:
            return 0
        start = max(datetime.combine(first, datetime.min.time(), now.tzinfo), now - self.retention)
        return baseline_weeks(now, start)


def alerter_for(services: Services) -> Alerter:
    """The Alerter over the bot's services (the scheduler's job and the CLI)."""
    settings = services.settings
    return Alerter(
        services.store,
        services.planner,
        retention_days=settings.retention_days,
        digest_hour=settings.digest_hour,
    )
