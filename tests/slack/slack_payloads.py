"""Requests as Slack sends them: signed slash commands, button clicks and events."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.slack.slack_standins import (
    APP_ID,
    CHANNEL,
    FORM,
    SIGNING_SECRET,
    TEAM,
    USER,
    SlackStandIn,
)

_serial = itertools.count(1)


def trigger_id() -> str:
    """Slack gives every slash command and interaction its own trigger_id."""
    return f"13345224609.738474920.{next(_serial):031x}"


def signed(
    body: str | bytes,
    *,
    secret: str = SIGNING_SECRET,
    at: float | None = None,
    kind: str = FORM,
    retry: int | None = None,
) -> dict[str, str]:
    """Headers as Slack sends them: v0 HMAC-SHA256 of 'v0:timestamp:body' with the signing secret
    (and X-Slack-Retry-Num / -Reason when Slack delivers again)."""
    timestamp = str(int(time.time() if at is None else at))
    raw = body.encode() if isinstance(body, str) else body
    signature = (
        "v0="
        + hmac.new(
            secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256
        ).hexdigest()
    )
    again = {} if retry is None else {"X-Slack-Retry-Num": str(retry)}
    if retry is not None:
        again["X-Slack-Retry-Reason"] = "http_timeout"
    return again | {
        "Content-Type": kind,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def slash_payload(
    text: str,
    response_url: str,
    *,
    channel: str = CHANNEL,
    channel_name: str = "recruitment",
    user: str = USER,
    team: str = TEAM,
    app: str = APP_ID,
) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "team_domain": "trials",
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": "alice",
        "command": "/hashtag",
        "text": text,
        "api_app_id": app,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id(),
    }


def slash_body(text: str, response_url: str, **where: str) -> str:
    return urlencode(slash_payload(text, response_url, **where))


def action_payload(
    action_id: str,
    value: str,
    response_url: str,
    *,
    channel: str = CHANNEL,
    channel_name: str = "recruitment",
    team: str = TEAM,
    action_ts: str | None = None,
) -> dict[str, Any]:
    """A button press as Slack sends it; each press has its own action_ts and trigger_id."""
    return {
        "type": "block_actions",
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "user": {"id": USER, "username": "alice", "name": "alice", "team_id": team},
        "team": {"id": team, "domain": "trials"},
        "enterprise": None,
        "is_enterprise_install": False,
        "container": {
            "type": "message",
            "message_ts": "1795000000.000200",
            "channel_id": channel,
            "is_ephemeral": True,
        },
        "channel": {"id": channel, "name": channel_name},
        "trigger_id": trigger_id(),
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "hashtag_answer",
                "value": value,
                "text": {"type": "plain_text", "text": "Share in channel", "emoji": True},
                "action_ts": action_ts or f"1795000001.{next(_serial):06d}",
            }
        ],
    }


def action_body(action_id: str, value: str, response_url: str, **where: str) -> str:
    return urlencode(
        {"payload": json.dumps(action_payload(action_id, value, response_url, **where))}
    )


def home_opened_body(user: str = USER, *, event_id: str | None = None) -> str:
    """An app_home_opened event; Slack's retries of one event keep its event_id."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "api_app_id": APP_ID,
            "type": "event_callback",
            "event_id": event_id or f"Ev0HOME{next(_serial)}",
            "event_time": 1795000000,
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0HOME",
                "tab": "home",
                "event_ts": "1795000000.000400",
            },
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM,
                    "user_id": "U0BOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
    )


def post(url: str, body: str | bytes, headers: dict[str, str]) -> tuple[int, str, float]:
    """(status, body, seconds) of one POST; HTTP errors are answers too."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), time.perf_counter() - started
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read().decode(), time.perf_counter() - started


@dataclass
class Bot:
    """The bot behind the real HTTP server, and the Slack that talks to it."""

    url: str
    slack: SlackStandIn

    def send(self, body: str | bytes, headers: dict[str, str]) -> tuple[int, str, float]:
        """Any POST to /slack/events, as Slack or anyone else might send it."""
        return post(self.url + "/slack/events", body, headers)

    def command(self, text: str, reply_to: str = "r1", **where: str) -> tuple[int, str, float]:
        body = slash_body(text, self.slack.response_url(reply_to), **where)
        return self.send(body, signed(body))

    def press(
        self, action_id: str, value: str, reply_to: str = "r1", **where: str
    ) -> tuple[int, str, float]:
        body = action_body(action_id, value, self.slack.response_url(reply_to), **where)
        return post(self.url + "/slack/events", body, signed(body))

    def open_home(self) -> tuple[int, str, float]:
        body = home_opened_body()
        return post(self.url + "/slack/events", body, signed(body, kind="application/json"))

    def ask(self, text: str, reply_to: str = "r1", **where: str) -> dict:
        """What the person sees after typing `/hashtag text`."""
        status, _, _ = self.command(text, reply_to, **where)
        assert status == 200
        return self.slack.reply(reply_to)
