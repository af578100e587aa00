"""Which Slack requests the bot takes: signed by Slack (over HTTP), from its own workspace and
app, and each delivery once.

Over HTTP every request is checked first on its raw bytes (`SignedRequests`, used by the server
before Bolt parses anything): Slack signs each one, X-Slack-Signature being `v0=` + HMAC-SHA256
of `v0:{timestamp}:{body}` with the app's signing secret, and X-Slack-Request-Timestamp must be
within five minutes. Socket Mode envelopes arrive over the app-token connection and need no
signature.

Then, for both (`deliveries_gate`, Bolt middleware): another workspace's or app's requests are
acknowledged and dropped, and so is a repeat. Slack delivers the same thing more than once: it
retries events it thinks failed (with X-Slack-Retry-Num over HTTP, `retry_attempt` in a Socket
Mode envelope), and a signed request can be replayed by whoever captured it within its five
minutes. Applying one twice re-mutes a topic or posts an answer twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs

from slack_bolt import BoltContext, BoltRequest, BoltResponse

from bot.slack.installation import Installation
from bot.storage import Store

log = logging.getLogger("bot.slack")

# Slack retries an event three times within about five minutes; a signed request is only
# accepted for five minutes either side of its timestamp. Remembering for longer costs little.
REMEMBER_S = 15 * 60
NO_TEAM = (
    "I can't tell which Slack workspace this came from, so I didn't act on it. Please try "
    "again; if it keeps happening, ask your Slack admin to reinstall the app."
)
UNSCOPED = frozenset({"url_verification", "ssl_check"})  # Slack's own checks name no team
ELSEWHERE = (
    "This hashtag-bot answers only in the Slack workspace it is installed in. "
    "Ask your Slack admin to add it to yours."
)


class DeliveryMemory(Protocol):
    def first_time(self, key: str) -> bool: ...


class StoredDeliveries:
    """What was delivered, remembered in the database for REMEMBER_S: a restart forgets
    nothing, so a request replayed after one is still recognised."""

    def __init__(
        self, store: Store, keep_s: float = REMEMBER_S, clock: Callable[[], float] = time.time
    ) -> None:
        self.store, self.keep_s, self.clock = store, keep_s, clock

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen within the window; remembered from now on."""
        return self.store.first_delivery(key, now=self.clock(), keep_s=self.keep_s)


def delivery_key(body: dict[str, Any]) -> str | None:
    """What stays the same when Slack delivers one thing again: an event's id, or the
    trigger_id Slack gives each slash command and interaction."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    return None


def deliveries_gate(
    installation: Installation | None, seen: DeliveryMemory
) -> Callable[..., BoltResponse]:
    """Bolt middleware (before authorization, for HTTP and Socket Mode alike) that acknowledges
    and drops another workspace's or app's requests, requests that name no team, and repeats of
    a delivery."""

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
        if body.get("type") not in UNSCOPED and not (context.team_id or context.enterprise_id):
            # Org-wide installs send an enterprise id where `team` is null; with neither, whose
            # topics a `track` would store is unknown: acknowledged, said, not applied.
            log.warning("ignored a Slack request that names no team or org")
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": NO_TEAM})
        key = delivery_key(body)
        if key is not None and not seen.first_time(key):
            retry = (req.headers.get("x-slack-retry-num") or [""])[0]
            if retry:  # Bolt mirrors a Socket Mode envelope's retry_attempt into this header
                log.info("ignored a repeated Slack delivery (%s, retry %s)", key, retry or "?")
            else:  # the same request again, not Slack's retry: a replay
                log.warning("ignored a replayed request (%s seen before)", key)
            return BoltResponse(status=200, body="")
        return next()

    return gate


MAX_CLOCK_SKEW_S = 5 * 60  # Slack's rule for the timestamp, either way
SIGNATURE_PREFIX = "v0="


@dataclass(frozen=True)
class Refusal:
    """Why a request is turned away: an HTTP status and a few words for the log."""

    status: int
    reason: str


class SignedRequests:
    """Checks Slack's signature and timestamp and the body's shape, on the raw bytes, before Bolt
    parses anything. (Bolt's own check is off: this is the one.)"""

    def __init__(self, signing_secret: str, *, clock: Callable[[], float] = time.time):
        self._secret = signing_secret.encode()
        self.clock = clock

    def refusal(
        self, timestamp: str | None, signature: str | None, body: bytes, content_type: str = ""
    ) -> Refusal | None:
        """None when Slack signed exactly these bytes in the last five minutes and they are a
        payload Slack would send; otherwise why not."""
        if not self._secret:
            return Refusal(401, "no SLACK_SIGNING_SECRET to check it with")
        if not timestamp or not signature:
            return Refusal(401, "unsigned")
        if not (timestamp.isascii() and timestamp.isdigit()):
            return Refusal(401, "timestamp is not a number")
        if abs(self.clock() - int(timestamp)) > MAX_CLOCK_SKEW_S:
            return Refusal(401, "timestamp more than 5 minutes off")
        expected = (
            SIGNATURE_PREFIX
            + hmac.new(
                self._secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
            ).hexdigest()
        )
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return Refusal(401, "bad signature")
        if (shape := malformed(body, content_type)) is not None:
            return Refusal(401, shape)
        return None


def malformed(body: bytes, content_type: str = "") -> str | None:
    """What is wrong with a body Slack would never send: not UTF-8, not a JSON object, or a form
    whose `payload` isn't one. Slack sends events as JSON and commands and buttons as forms."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if content_type.startswith("application/json") or text.lstrip().startswith(("{", "[")):
        return None if _json_object(text) else "body is not a JSON object"
    try:
        form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=500)
    except ValueError:
        return "body is not a form"
    if "payload" in form and not _json_object(form["payload"][0]):
        return "payload is not a JSON object"
    return None


def _json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return False
