"""Posting digests to their channels, once a day each, each message at most once.

The scheduler and `hashtag-bot digest --channel` both deliver through `deliver_digests`.
Digests go only to channels that track a topic, never to a person.

A digest's messages are kept before the first is sent, and each goes out through the one
posting path (services/outbox.py): claimed before it is posted and confirmed with Slack's `ts`
after, so a later run posts only what Slack has not taken, from the same digest. Slack refusing
a message leaves it to be tried on a later run, and the messages after it wait, so they keep
their order. A message that may have reached Slack (a request cut off, a run killed mid-send)
is never sent again: at most once, rather than a second copy in the channel. Accounts count as
introduced only by messages Slack accepted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.domain.digest import Digest
from bot.domain.text import topic_key
from bot.services.digests import NO_TOPICS, Digester
from bot.services.outbox import Outgoing, Publisher, settle_abandoned
from bot.services.topics import tracked_topics
from bot.storage import DigestPart, Store

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    """What happened to one channel's digest (and the digest, when one was built)."""

    channel_id: str
    messages: int = 0
    topics: int = 0
    introduced: int = 0
    skipped: str = ""  # deliberately not posted
    error: str = ""  # what to fix; nothing was recorded unless a message went out
    digest: Digest | None = None

    def summary(self) -> str:
        if self.skipped:
            return f"{self.channel_id}: not posted, {self.skipped}"
        if self.error and not self.messages:
            return f"{self.channel_id}: not posted. {self.error}"
        line = (
            f"{self.channel_id}: posted {self.messages} message{'s' * (self.messages != 1)}"
            f" covering {self.topics} topic{'s' * (self.topics != 1)};"
            f" {self.introduced} account{'s' * (self.introduced != 1)} introduced"
        )
        return line + (f". {self.error}" if self.error else "")


def introduced_by(digest: Digest) -> dict[str, list[str]]:
    """The accounts a digest names, by topic key: a later digest won't introduce them again."""
    return {
        topic_key(topic.topic): [a.author_id for a in topic.new_advocates]
        for topic in digest.topics
    }


def deliver_digests(
    store: Store,
    digester: Digester,
    publisher: Publisher,
    *,
    now: datetime,
    days: Mapping[str, date] | None = None,
) -> list[Delivery]:
    """The digest for each channel's day (its own local day; by default every tracking channel,
    today in UTC), unless that channel already had that day's, or a later day's."""
    settle_abandoned(store, now=now)
    tracked = tracked_topics(store)
    wanted = dict(days) if days is not None else dict.fromkeys(tracked, now.date())
    delivered = store.last_digests()
    due, resumed, done = {}, [], []
    for channel, day in wanted.items():
        last = delivered.get(channel)
        if channel not in tracked:
            done.append(Delivery(channel, skipped=NO_TOPICS))
        elif last is not None and day <= last:  # a zone moved west can't bring a day back
            done.append(Delivery(channel, skipped=f"it already had its digest for {last}"))
        elif any(p.state != "pending" for p in store.digest_parts(channel, day)):
            resumed.append(channel)  # under way: finish the digest already begun
        else:
            due[channel] = tracked[channel]
    digests = digester.for_channels(due, now=now) if due else {}
    for channel, built in digests.items():
        day = wanted[channel]
        digest = replace(built, as_of=day)  # the channel's own day, in its title
        planned = [
            (message, introduced_by(replace(digest, topics=tuple(shown))))
            for message, shown in publisher.digest_pages(digest)
        ]
        store.plan_digest_parts(channel, day, planned, now=now)
        done.append(send_parts(store, publisher, channel, day, now=now, digest=digest))
    for channel in resumed:
        done.append(send_parts(store, publisher, channel, wanted[channel], now=now))
    return done


def send_parts(
    store: Store,
    publisher: Publisher,
    channel: str,
    day: date,
    *,
    now: datetime,
    digest: Digest | None = None,
) -> Delivery:
    """Post the parts of the day's digest that Slack has not taken yet, in order: the first in
    the channel, the rest in its thread."""
    parts = store.digest_parts(channel, day)
    topics = len(digest.topics) if digest else sum(len(p.introduced) for p in parts)
    delivery = Delivery(channel, topics=topics, digest=digest)
    for part in parts:
        if part.state == "sending":  # another live run is sending it: leave the rest to it
            delivery.skipped = "another run is posting it now"
            return delivery
        if part.state != "pending":
            continue
        thread = parts[0].ts if part.part > 0 and parts[0].state == "posted" else None
        outcome = publisher.post(_outgoing(store, part, now), thread_ts=thread)
        if outcome.taken:
            delivery.skipped = "another run is posting it now"
            return delivery
        if not outcome.posted:
            delivery.error = outcome.problem
            return delivery
        if part.part == 0:  # the thread hangs from it
            parts[0] = replace(parts[0], state="posted", ts=outcome.ts)
        delivery.messages += 1
        delivery.introduced += sum(len(ids) for ids in part.introduced.values())
    parts = store.digest_parts(channel, day)
    if parts and all(p.state in ("posted", "uncertain") for p in parts):
        first_ts = next((p.ts for p in parts if p.ts), None)
        store.record_digest(channel, day, {}, now=now, message_ts=first_ts)
    return delivery


def _outgoing(store: Store, part: DigestPart, now: datetime) -> Outgoing:
    return Outgoing(
        part.channel_id,
        part.payload,
        f"message {part.part + 1} of {part.channel_id}'s digest for {part.day}",
        claim=lambda token: store.claim_digest_part(part, token, now=now),
        settle=lambda state, ts: store.settle_digest_part(part, state, now=now, ts=ts),
    )
