"""The one way the bot posts in a channel: claim, post, settle.

Digest messages, alerts and shared answers all arrive here as an `Outgoing` (services/outbox.py)
and go out through `SlackPublisher.post`: claimed first, posted once, and settled with what
Slack said. A post that may have reached Slack (the request timed out, or the connection broke
after it was sent, a 5xx answer) is settled 'uncertain' and never sent again, and the client
never resends it on its own (slack/retries.py); one Slack refused, or that never left, stays
'pending' for a later run.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.domain.channel_alerts import ChannelAlert
from bot.domain.digest import Digest, TopicDigest
from bot.services.outbox import Message, Outcome, Outgoing, claiming
from bot.slack.alerts import alert_message
from bot.slack.digest import digest_pages
from bot.slack.errors import channel_problem, for_person
from bot.slack.retries import maybe_sent

log = logging.getLogger("bot.slack")


class SlackPublisher:
    """The services' `Publisher` over a Web API client holding the bot token."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def digest_pages(self, digest: Digest) -> list[tuple[Message, list[TopicDigest]]]:
        return digest_pages(digest)

    def alert_message(self, found: ChannelAlert) -> Message:
        return alert_message(found)

    def post(self, item: Outgoing, *, thread_ts: str | None = None) -> Outcome:
        """Claim, post and settle one message; never sent twice, whatever happens on the way."""
        with claiming() as token:
            if not item.claim(token):
                return Outcome(taken=True)
            try:
                response = self.client.chat_postMessage(
                    channel=item.channel,
                    text=item.payload["text"],
                    blocks=item.payload.get("blocks"),
                    thread_ts=thread_ts,
                    unfurl_links=False,  # a post with three link previews buries its own content
                    unfurl_media=False,
                )
            except (SlackClientError, OSError) as err:  # OSError: Slack unreachable (URLError)
                maybe = maybe_sent(err)
                item.settle("uncertain" if maybe else "pending", None)
                problem = channel_problem(err, item.channel, maybe_sent=maybe)
                log.warning("%s: %s", item.what, problem)
                return Outcome(
                    problem=problem, for_person=for_person(err, maybe_sent=maybe), maybe_sent=maybe
                )
            ts = str(response.get("ts") or "")
            item.settle("posted", ts)
            return Outcome(posted=True, ts=ts)
