"""Posting digests to their channels, once a day each, and remembering whom they introduced.

The scheduler and `hashtag-bot digest --channel` both deliver through `deliver_digests`.
Digests go only to channels that track a topic, never to a person. A channel that already had
today's digest is skipped, so a restart or a second run never posts it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.digest import Digest
from bot.domain.text import topic_key
from bot.services.digests import NO_TOPICS, Digester, tracked_topics
from bot.slack.digest import digest_messages
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
    channels: Collection[str] | None = None,
) -> list[Delivery]:
    """Today's digest for every tracking channel (or those named) that hasn't had it yet."""
    tracked = tracked_topics(store)
    wanted = list(tracked) if channels is None else list(channels)
    due, done = {}, []
    for channel in wanted:
        if channel not in tracked:
            done.append(Delivery(channel, skipped=NO_TOPICS))
        elif store.digest_delivered(channel, now.date()):
            done.append(Delivery(channel, skipped=f"it already had its digest for {now.date()}"))
        else:
            due[channel] = tracked[channel]
    digests = digester.for_channels(due, now=now) if due else {}
    for digest in digests.values():
        done.append(post_digest(digest, client, store, now=now))
    return done


def post_digest(digest: Digest, client: WebClient, store: Store, *, now: datetime) -> Delivery:
    """Post a channel's digest; once any of it is out, record it so it is never posted twice."""
    channel = digest.channel_id or ""
    delivery = Delivery(channel, topics=len(digest.topics), digest=digest)
    first_ts: str | None = None
    for payload in digest_messages(digest):
        try:
            response = client.chat_postMessage(
                channel=channel,
                text=payload["text"],
                blocks=payload["blocks"],
                unfurl_links=False,  # a digest with three link previews buries its own content
                unfurl_media=False,
            )
        except (SlackClientError, OSError) as err:  # OSError: Slack unreachable (URLError)
            delivery.error = _slack_problem(err, channel)
            log.warning("digest for %s: %s", channel, delivery.error)
            break
        delivery.messages += 1
        first_ts = first_ts or str(response.get("ts") or "") or None
    if delivery.messages:
        introduced = introduced_by(digest)
        store.record_digest(channel, digest.as_of, introduced, now=now, message_ts=first_ts)
        delivery.introduced = sum(len(ids) for ids in introduced.values())
    return delivery


def _slack_problem(err: Exception, channel: str) -> str:
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
