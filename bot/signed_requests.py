"""The door of /slack/events: each request is read and checked on its raw bytes, and refused
here, before Bolt parses anything.

Slack signs every request: X-Slack-Signature is `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`
with the app's signing secret, and X-Slack-Request-Timestamp must be within five minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from bot.slack.deliveries import RecentKeys

MAX_CLOCK_SKEW_S = 5 * 60  # Slack's rule for the timestamp, either way
SIGNATURE_PREFIX = "v0="


@dataclass(frozen=True)
class Refusal:
    """Why a request is turned away: an HTTP status and a few words for the log."""

    status: int
    reason: str


class SignedRequests:
    """Checks Slack's signature and timestamp and the body's shape; remembers what it accepted,
    so an exact replay within the window is noticed."""

    def __init__(
        self,
        signing_secret: str,
        *,
        clock: Callable[[], float] = time.time,
        seen: RecentKeys | None = None,
    ):
        self._secret = signing_secret.encode()
        self.clock = clock
        # A replay is accepted by the timestamp check until timestamp + 5 min, and the
        # timestamp may be up to 5 min ahead of now: remember each one for both.
        self.seen = seen or RecentKeys(2 * MAX_CLOCK_SKEW_S)

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

    def first_time(self, timestamp: str, signature: str) -> bool:
        """False for a (timestamp, signature) pair already accepted: a replay."""
        return self.seen.first_time(f"{timestamp}:{signature}")


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
