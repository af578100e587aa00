"""Posting digests to their channels, once a day each, each message exactly once.

The scheduler and `hashtag-bot digest --channel` both deliver through `deliver_digests`.
Digests go only to channels that track a topic, never to a person.

A digest's messages are kept before the first is sent. Each is claimed before it is posted and
confirmed with Slack's `ts` after, so a later run posts only what Slack has not taken, from the
same digest. Slack refusing a message (an error answer) leaves it to be tried on the next run,
and the messages after it wait, so they keep their order. The one case the bot cannot know
about is a run killed after sending and before Slack's answer (or a request that timed out):
such a message is never sent again. At most once, rather than a second copy in the channel.
Accounts count as introduced only by messages Slack accepted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.digest import Digest
from bot.domain.text import topic_key
from bot.services.digests import NO_TOPICS, Digester, tracked_topics
from bot.slack.digest import digest_pages
from bot.slack.errors import AUTH, NOT_IN_CHANNEL, error_code
from bot.storage import Store

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
    client: WebClient,
    *,
    now: datetime,
    days: Mapping[str, date] | None = None,
) -> list[Delivery]:
    """The digest for each channel's day (its own local day; by default every tracking channel,
    today in UTC), unless that channel already had it."""
    tracked = tracked_topics(store)
    wanted = dict(days) if days is not None else dict.fromkeys(tracked, now.date())
    due, resumed, done = {}, [], []
    for channel, day in wanted.items():
        if channel not in tracked:
            done.append(Delivery(channel, skipped=NO_TOPICS))
        elif store.digest_delivered(channel, day):
            done.append(Delivery(channel, skipped=f"it already had its digest for {day}"))
        elif any(p.state != "pending" for p in store.digest_parts(channel, day)):
            resumed.append(channel)  # under way: finish the digest already begun
        else:
            due[channel] = tracked[channel]
    digests = digester.for_channels(due, now=now) if due else {}
    for channel, built in digests.items():
        day = wanted[channel]
        digest = replace(built, as_of=day)  # the channel's own day, in its title
        planned = [
            (message, {topic_key(t.topic): [a.author_id for a in t.new_advocates] for t in shown})
            for message, shown in digest_pages(digest)
        ]
        store.plan_digest_parts(channel, day, planned, now=now)
        done.append(send_parts(store, client, channel, day, now=now, digest=digest))
    for channel in resumed:
        done.append(send_parts(store, client, channel, wanted[channel], now=now))
    return done


def send_parts(
    store: Store,
    client: WebClient,
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
    me = str(os.getpid())
    for part in parts:
        if part.state == "sending" and not _claimer_alive(part.claimed_by, me):
            store.settle_digest_part(part, "uncertain", now=now)
            log.warning(
                "digest for %s: message %d of %s was being sent when the bot stopped; it is not "
                "sent again, so it may be missing from the channel",
                channel,
                part.part + 1,
                day,
            )
            continue
        if part.state != "pending":
            if part.state == "sending":  # another live run is sending it: leave the rest to it
                delivery.skipped = "another run is posting it now"
                return delivery
            continue
        if not store.claim_digest_part(part, me, now=now):
            delivery.skipped = "another run is posting it now"
            return delivery
        thread = parts[0].ts if part.part > 0 and parts[0].state == "posted" else None
        try:
            response = client.chat_postMessage(
                channel=channel,
                text=part.payload["text"],
                blocks=part.payload["blocks"],
                thread_ts=thread,
                unfurl_links=False,  # a digest with three link previews buries its own content
                unfurl_media=False,
            )
        except (SlackClientError, OSError) as err:  # OSError: Slack unreachable (URLError)
            store.settle_digest_part(part, "uncertain" if maybe_sent(err) else "pending", now=now)
            delivery.error = slack_problem(err, channel)
            log.warning("digest for %s: %s", channel, delivery.error)
            return delivery
        ts = str(response.get("ts") or "")
        store.settle_digest_part(part, "posted", now=now, ts=ts)
        if part.part == 0:  # the thread hangs from it
            parts[0] = replace(parts[0], state="posted", ts=ts)
        delivery.messages += 1
        delivery.introduced += sum(len(ids) for ids in part.introduced.values())
    parts = store.digest_parts(channel, day)
    if parts and all(p.state in ("posted", "uncertain") for p in parts):
        first_ts = next((p.ts for p in parts if p.ts), None)
        store.record_digest(channel, day, {}, now=now, message_ts=first_ts)
    return delivery


def _claimer_alive(claimer: str | None, me: str) -> bool:
    """Whether the process that claimed a part may still be sending it (same host: SQLite)."""
    if not claimer or claimer == me or not claimer.isdigit():
        return False  # this process's own claim is from a run that ended without settling it
    try:
        os.kill(int(claimer), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def maybe_sent(err: Exception) -> bool:
    """A timed-out request may have reached Slack: never send it again. A refusal or a
    connection that never opened means Slack did not take it."""
    reason = getattr(err, "reason", None)
    return isinstance(err, TimeoutError) or isinstance(reason, TimeoutError)


def slack_problem(err: Exception, channel: str) -> str:
    if not isinstance(err, SlackApiError):
        return f"Slack could not be reached ({err}); the next run tries again."
    code = error_code(err)
    if code in NOT_IN_CHANNEL:
        return (
            f"Slack said {code}: invite the bot with `/invite @hashtag-bot` in <#{channel}>,"
            " or `/hashtag untrack` its topics there."
        )
    if code in AUTH:
        return f"Slack rejected the bot token ({code}): run `hashtag-bot doctor`."
    if code == "ratelimited":
        return "Slack asked the bot to slow down; the next run tries again."
    return f"Slack said {code}."
