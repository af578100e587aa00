"""End to end over the real HTTP server: signed requests in, answers at a loopback response_url."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

from bot.server import EVENTS_PATH, MAX_BODY_BYTES
from bot.slack.blocks import (
    COMPOSE_ACTION,
    EXPLAIN_ACTION,
    MORE_ACTION,
    SHARE_ACTION,
    TRACK_ACTION,
)
from tests.slack.slack_messages import assert_valid_message, block_text, buttons
from tests.slack.slack_payloads import Bot, post, signed, slash_body
from tests.slack.slack_standins import FORM

SLACK_ACK_LIMIT_S = 3.0


def test_slash_command_is_acked_at_once_and_answered_through_response_url(bot: Bot) -> None:
    status, body, seconds = bot.command("lung cancer")
    assert status == 200
    assert body == ""  # nothing shows until the answer arrives
    assert seconds < SLACK_ACK_LIMIT_S / 3
    reply = bot.slack.reply()
    assert reply["response_type"] == "ephemeral"
    assert_valid_message(reply)
    assert reply["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Hashtags for Lung cancer", "emoji": True},
    }
    text = block_text(reply)
    assert "#LCSM*" in text and "community tag" in text
    assert "*Copy:*\n```#LCSM #LungCancer" in text
    assert "No region set for this channel: `/hashtag region US`" in text
    assert "based on 0 posts from the last 30 days; knowledge base 2026-11" in text
    assert set(buttons(reply)) == {
        SHARE_ACTION,
        TRACK_ACTION,
        MORE_ACTION,
        EXPLAIN_ACTION,
        COMPOSE_ACTION,
    }
    assert reply["text"].startswith("Hashtags for Lung cancer: #LCSM #LungCancer")


def test_every_ack_is_fast_when_commands_come_one_after_another(bot: Bot) -> None:
    timings = [
        bot.command(text, reply_to=f"r{n}")[2] for n, text in enumerate(["crohns", "t1d", "#BCSM"])
    ]
    assert max(timings) < SLACK_ACK_LIMIT_S / 3
    for n in range(3):
        assert_valid_message(bot.slack.reply(f"r{n}"))


def test_a_forged_signature_is_refused_and_nothing_is_answered(
    bot: Bot, drain: Callable[[], None]
) -> None:
    body = slash_body("lung cancer", bot.slack.response_url())
    status, _, _ = post(bot.url + EVENTS_PATH, body, signed(body, secret="not-the-signing-secret"))
    assert status == 401
    drain()
    assert bot.slack.replies() == []


def test_a_replayed_request_with_a_stale_timestamp_is_refused(
    bot: Bot, drain: Callable[[], None]
) -> None:
    body = slash_body("lung cancer", bot.slack.response_url())
    status, _, _ = post(bot.url + EVENTS_PATH, body, signed(body, at=time.time() - 6 * 60))
    assert status == 401
    drain()
    assert bot.slack.replies() == []


def test_a_request_without_a_signature_or_with_a_changed_body_is_refused(
    bot: Bot, drain: Callable[[], None]
) -> None:
    body = slash_body("lung cancer", bot.slack.response_url())
    assert (
        post(bot.url + EVENTS_PATH, body, {"Content-Type": "application/x-www-form-urlencoded"})[0]
        == 401
    )
    tampered = slash_body("breast cancer", bot.slack.response_url())
    assert post(bot.url + EVENTS_PATH, tampered, signed(body))[0] == 401
    drain()
    assert bot.slack.replies() == []


def test_healthz_answers_for_the_platform_and_other_paths_are_not_found(bot: Bot) -> None:
    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read())["ok"] is True
    status, _, _ = post(bot.url + "/elsewhere", "x=1", {"Content-Type": "text/plain"})
    assert status == 404


def test_slacks_request_url_check_gets_its_challenge_back(bot: Bot) -> None:
    body = json.dumps(
        {"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY", "type": "url_verification"}
    )
    status, answer, _ = post(bot.url + EVENTS_PATH, body, signed(body, kind="application/json"))
    assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY" in answer


REFUSAL_LOGGER = "bot.server"


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == REFUSAL_LOGGER]


UNSIGNED = {"Content-Type": FORM}


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (b"\xff\xfe junk \xc3", {}, "body is not UTF-8"),
        (b"\xff\xfe junk \xc3", UNSIGNED, "unsigned"),
        ("text=junk", {"X-Slack-Request-Timestamp": "soon"}, "not a number"),
        ("text=junk", {"X-Slack-Request-Timestamp": "\u00b9\u00b2\u00b3"}, "not a number"),
        ('{"type": "event_callback", "event": {"junk"', {}, "not a JSON object"),
        ('["junk"]', {}, "not a JSON object"),
        ("payload=%7Bjunk", {}, "payload is not a JSON object"),
        ("junk=1&&&=", {}, "not a form"),
        ("[" * 100_000 + "junk", {}, "not a JSON object"),
    ],
    ids=[
        "signed-invalid-utf8",
        "unsigned-invalid-utf8",
        "word-timestamp",
        "superscript-digit-timestamp",
        "signed-broken-json",
        "signed-json-list",
        "signed-broken-payload",
        "signed-broken-form",
        "signed-deep-nesting",
    ],
)
def test_junk_is_refused_with_401_and_one_log_line_before_bolt_sees_it(
    bot: Bot,
    drain: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
    body: str | bytes,
    headers: dict[str, str],
    reason: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    kind = "application/json" if body[:1] in ("{", "[") else FORM
    sent = headers if headers is UNSIGNED else signed(body, kind=kind) | headers
    status, answer, _ = bot.send(body, sent)
    assert status == 401 and answer == ""
    drain()
    (line,) = refusals(caplog)
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert reason in line.getMessage() and "(401)" in line.getMessage()
    assert "Traceback" not in caplog.text and "junk" not in caplog.text  # nothing of the body
    assert not [r for r in caplog.records if r.name.startswith("slack_bolt")]
    assert bot.slack.since_start() == []


def test_an_oversized_body_gets_413_and_one_log_line(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    body = "text=" + "x" * (MAX_BODY_BYTES + 10)
    status, _, _ = bot.send(body, signed(body))
    assert status == 413
    (line,) = refusals(caplog)
    assert "over the size limit (413)" in line.getMessage() and line.exc_info is None
    assert bot.slack.since_start() == []


def test_only_post_reaches_the_events_path(bot: Bot) -> None:
    request = urllib.request.Request(bot.url + EVENTS_PATH, method="GET")
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as err:
        assert err.code == 405 and err.headers["Allow"] == "POST"
    else:
        raise AssertionError("GET /slack/events was answered")
