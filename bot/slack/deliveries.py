"""Which Slack deliveries the bot takes: only its own workspace's and app's, and each one once.

Slack delivers the same thing more than once: it retries events it thinks failed (with
X-Slack-Retry-Num over HTTP, `retry_attempt` in a Socket Mode envelope), and a request can be
replayed by whoever captured it. Applying one twice re-mutes a topic or posts an answer twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse

from bot.slack.installation import Installation

log = logging.getLogger("bot.slack")

# Slack retries an event three times within about five minutes; a signed request is only
# accepted for five minutes either side of its timestamp. Remembering for longer costs little.
REMEMBER_S = 15 * 60
MAX_REMEMBERED = 50_000  # a few KB each at most; Slack sends a team far fewer in 15 minutes
ELSEWHERE = (
    "This hashtag-bot answers only in the Slack workspace it is installed in. "
    "Ask your Slack admin to add it to yours."
)


class RecentKeys:
    """A bounded, thread-safe memory of keys seen in the last `ttl_s` seconds."""

    def __init__(
        self,
        ttl_s: float = REMEMBER_S,
        *,
        limit: int = MAX_REMEMBERED,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.ttl_s, self.limit, self.clock = ttl_s, limit, clock
        self._expiry: OrderedDict[str, float] = OrderedDict()  # oldest first: one TTL for all
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen within the TTL; it is remembered from now on."""
        now = self.clock()
        with self._lock:
            while self._expiry and next(iter(self._expiry.values())) <= now:
                self._expiry.popitem(last=False)
            if key in self._expiry:
                return False
            self._expiry[key] = now + self.ttl_s
            while len(self._expiry) > self.limit:
                self._expiry.popitem(last=False)
            return True

    def forget(self, key: str) -> None:
        """Let `key` through again (what it stood for did not happen)."""
        with self._lock:
            self._expiry.pop(key, None)


def delivery_key(body: dict[str, Any]) -> str | None:
    """What stays the same when Slack delivers one thing again: an event's id, or the
    trigger_id Slack gives each slash command and interaction."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    return None


def deliveries_gate(
    installation: Installation | None, seen: RecentKeys | None = None
) -> Callable[..., BoltResponse]:
    """Bolt middleware (before authorization, for HTTP and Socket Mode alike) that acknowledges
    and drops another workspace's or app's requests and repeats of a delivery."""
    seen = seen or RecentKeys()

    def gate(
        req: BoltRequest, body: dict[str, Any], context: BoltContext, next: Callable[[], Any]
    ) -> BoltResponse:
        if installation is not None and (
            elsewhere := installation.foreign(
                team_id=context.team_id,
                enterprise_id=context.enterprise_id,
                app_id=body.get("api_app_id"),
            )
        ):
            # Acknowledged, not refused: Bolt answers a workspace it has no installation for the
            # same way. A non-2xx would make Slack retry an event (and turn off event delivery
            # after enough failures) and show the person a bare "failed with http_client_error";
            # this way nothing is applied and the person reads why (no call to its response_url).
            log.warning("ignored a Slack request for %s (%s)", elsewhere, installation)
            return BoltResponse(
                status=200,
                body={"response_type": "ephemeral", "text": ELSEWHERE},
            )
        key = delivery_key(body)
        if key is not None and not seen.first_time(key):
            retry = req.headers.get("x-slack-retry-num") or [""]
            log.info(
                "ignored a repeated Slack delivery (%s%s)",
                key,
                f", retry {retry[0]}" if retry[0] else "",
            )
            return BoltResponse(status=200, body="")
        return next()

    return gate
