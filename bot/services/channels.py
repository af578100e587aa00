"""A channel's own settings, from a slash command, a button or the CLI: what it tracks, whom its
digests leave out, when its digest comes and whether it gets alerts. The Slack layer words the
answers; what is changed, and how, is decided here once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from bot.domain.conditions import ConditionMatcher
from bot.domain.digest import Digest
from bot.domain.schedules import Schedule
from bot.domain.text import clean_text
from bot.knowledge.codes import read_language, read_region
from bot.services.digests import Digester
from bot.services.schedules import ChannelClock, channel_clocks, clock_of
from bot.services.topics import MAX_TOPIC_CHARS, tracked_topics
from bot.storage import Change, Store, Topic
from bot.storage.channel_audience import ChannelAudience


@dataclass(frozen=True)
class Tracked:
    """What `track` did: the topic as stored, whether it is new here, and how it was read."""

    topic: str
    added: bool
    condition_id: str | None  # None: no condition matched; its words are listened for as typed
    others: tuple[str, ...] = ()  # further conditions named in the same words, not tracked


@dataclass(frozen=True)
class ChannelOverview:
    """What `/hashtag list` shows: the channel's topics, its mute list and its clock."""

    topics: list[Topic]
    muted: list[str]
    clock: ChannelClock | None = None  # None: it tracks nothing, so it has no digest


class ChannelSettings:
    def __init__(
        self,
        store: Store,
        matcher: ConditionMatcher,
        digester: Digester,
        *,
        digest_hour: int,
    ) -> None:
        self.store = store
        self.matcher = matcher
        self.digester = digester
        self.digest_hour = digest_hour

    def track(self, channel_id: str, text: str, *, user: str, team: str, now: datetime) -> Tracked:
        """Track the condition the text names (or its words) in this channel."""
        understanding = self.matcher.understand(text)
        primary = understanding.primary
        topic = (
            primary.condition.name
            if primary
            else clean_text(understanding.text, limit=MAX_TOPIC_CHARS)[0]
        )
        with self.store.transaction():
            added = self.store.track(
                channel_id,
                topic,
                condition_id=primary.condition.id if primary else None,
                created_by=user,
                now=now,
                team_id=team,
            )
            if added:
                self._record(channel_id, "track", user, "", topic, now)
        others = tuple(m.condition.name for m in understanding.matches[1:])
        return Tracked(topic, added, primary.condition.id if primary else None, others)

    def untrack(self, channel_id: str, text: str, *, user: str, now: datetime) -> str | None:
        """Stop tracking what the text names here; the topic's name, or None if not tracked."""
        understanding = self.matcher.understand(text)
        for name in [m.condition.name for m in understanding.matches] + [understanding.text]:
            with self.store.transaction():
                if self.store.untrack(channel_id, name):
                    self._record(channel_id, "untrack", user, name, "", now)
                    return name
        return None

    def mute(self, channel_id: str, handle: str, *, user: str, now: datetime) -> bool:
        """Digests and alerts here stop naming the account; False if it was muted already."""
        with self.store.transaction():
            muted = self.store.mute(channel_id, handle, created_by=user, now=now)
            if muted:
                self._record(channel_id, "mute", user, "", f"@{handle}", now)
        return muted

    def unmute(self, channel_id: str, handle: str, *, user: str, now: datetime) -> bool:
        with self.store.transaction():
            unmuted = self.store.unmute(channel_id, handle)
            if unmuted:
                self._record(channel_id, "unmute", user, f"@{handle}", "", now)
        return unmuted

    def zone(self, channel_id: str) -> str | None:
        """The zone the channel chose for its digest, kept when digests are off (its night
        hours and daily alert cap follow it); None when it never chose one."""
        schedule = self.store.channel_settings().get(channel_id, (None, True))[0]
        return schedule.timezone if schedule is not None and schedule.timezone else None

    def set_schedule(
        self, channel_id: str, schedule: Schedule, *, user: str, now: datetime
    ) -> ChannelClock:
        """Save the channel's schedule; its clock as the scheduler will now read it. `off` keeps
        the channel's zone. The audit trail keeps the schedule before and after."""
        if schedule.cadence == "off" and not schedule.timezone:
            schedule = replace(schedule, timezone=self.zone(channel_id) or "")
        before = self.clock(channel_id)
        with self.store.transaction():
            self.store.set_schedule(channel_id, schedule, by=user, now=now)
            was = before.schedule.describe() if before else ""
            self._record(channel_id, "digest schedule", user, was, schedule.describe(), now)
        return clock_of(self.store, self.digest_hour, channel_id)

    def set_alerts(self, channel_id: str, on: bool, *, user: str, now: datetime) -> None:
        before = self.clock(channel_id)
        with self.store.transaction():
            self.store.set_alerts(channel_id, on, by=user, now=now)
            was = ("on" if before.alerts else "off") if before else ""
            self._record(channel_id, "alerts", user, was, "on" if on else "off", now)

    def last_change(self, channel_id: str) -> Change | None:
        changes = self.store.changes(channel_id, limit=1)
        return changes[0] if changes else None

    def _record(
        self, channel_id: str, what: str, user: str, before: str, after: str, now: datetime
    ) -> None:
        self.store.record_change(channel_id, what, actor=user, before=before, after=after, now=now)

    def clock(self, channel_id: str) -> ChannelClock | None:
        """The channel's digest schedule and alert setting, when it tracks something."""
        return channel_clocks(self.store, self.digest_hour).get(channel_id)

    def overview(self, channel_id: str) -> ChannelOverview:
        return ChannelOverview(
            self.store.topics(channel_id), self.store.muted(channel_id), self.clock(channel_id)
        )

    def digest_preview(self, channel_id: str, *, now: datetime) -> Digest:
        """This channel's digest as it stands now; nothing is recorded as delivered."""
        topics = tracked_topics(self.store, channel_id).get(channel_id, [])
        return self.digester.for_topics(topics, now=now, channel_id=channel_id)

    # The country and language its answers fit ------------------------------------------------
    def audience(self, channel_id: str) -> ChannelAudience:
        """What the channel set (`/hashtag region`, `/hashtag language`); "" where it set none."""
        return self.store.channel_audience(channel_id)

    def set_region(self, channel_id: str, typed: str, *, user: str, now: datetime) -> str:
        """The channel's answers fit this country (ISO 3166-1; "global" clears it): the code
        kept, "" when cleared. ValueError says what to type instead."""
        return self._set_audience(channel_id, "region", read_region(typed), user=user, now=now)

    def set_language(self, channel_id: str, typed: str, *, user: str, now: datetime) -> str:
        """The channel's answers add this language's tags (ISO 639-1; "en" clears it): the code
        kept, "" when cleared. ValueError says what to type instead."""
        return self._set_audience(channel_id, "language", read_language(typed), user=user, now=now)

    def _set_audience(
        self,
        channel_id: str,
        what: Literal["region", "language"],
        value: str,
        *,
        user: str,
        now: datetime,
    ) -> str:
        """Keep the channel's region or language, with the change in the audit trail."""
        before = getattr(self.audience(channel_id), what)
        region, language = (value, None) if what == "region" else (None, value)
        with self.store.transaction():
            self.store.set_channel_audience(
                channel_id, region=region, language=language, by=user, now=now
            )
            self._record(channel_id, what, user, before, value, now)
        return value
