"""`hashtag-bot run` end to end: Socket Mode through a loopback websocket, and HTTP mode."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.clock import utc_today
from bot.config import ConfigError, Settings
from bot.server import run_bot
from bot.slack.blocks import SHARE_ACTION, AnswerRef
from bot.slack.request_gate import ELSEWHERE
from bot.storage import Store
from tests.slack.slack_messages import assert_valid_message, block_text
from tests.slack.slack_payloads import Bot, action_payload, slash_payload
from tests.slack.slack_standins import APP_TOKEN, CHANNEL, SlackStandIn, socket_mode_server

ENVELOPE_ID = "1d3c6f1e-5c28-4d6a-9c3e-cc5b0e2f4a11"


@contextmanager
def running(settings: Settings, *, http: bool) -> Iterator[str]:
    """The real runner in a thread, stopped the way SIGTERM stops it; yields where it listens."""
    stop, where = threading.Event(), queue.Queue[str]()
    failures: list[BaseException] = []

    def target() -> None:
        try:
            run_bot(settings, http=http, port=0, host="127.0.0.1", stop=stop, ready=where.put)
        except BaseException as err:
            failures.append(err)
            where.put("failed")

    thread = threading.Thread(target=target, name="hashtag-bot-run")
    thread.start()
    try:
        location = where.get(timeout=15)
        assert not failures, failures
        yield location
    finally:
        stop.set()
        thread.join(timeout=15)
        assert not thread.is_alive(), "the bot did not stop"


@pytest.fixture
def run_settings(settings: Settings, tmp_path: Path) -> Settings:
    return replace(  # no census tally: the runner holds no stream to the real Jetstream
        settings, slack_app_token=APP_TOKEN, db_path=str(tmp_path / "run.db"), bluesky_tally=False
    )


def test_socket_mode_acks_the_envelope_and_answers_at_the_response_url(
    run_settings: Settings, slack_api: SlackStandIn
) -> None:
    envelope = {
        "envelope_id": ENVELOPE_ID,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": slash_payload("lung cancer", slack_api.response_url()),
    }
    with socket_mode_server([envelope], slack_api.changed) as (ws_url, received):
        slack_api.ws_url = ws_url
        with running(run_settings, http=False) as where:
            assert where == "socket mode"
            reply = slack_api.reply(timeout=10)
            slack_api.wait_for(lambda: [m for m in received if m.get("envelope_id") == ENVELOPE_ID])
    opened = slack_api.api_calls("apps.connections.open")
    assert opened and opened[0].headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert reply["response_type"] == "ephemeral"
    assert_valid_message(reply)
    assert "Hashtags for Lung cancer" in block_text(reply)


def test_socket_mode_answers_for_the_default_region_and_language(
    run_settings: Settings, slack_api: SlackStandIn
) -> None:
    envelope = {
        "envelope_id": ENVELOPE_ID,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": slash_payload("type 2 diabetes", slack_api.response_url()),
    }
    team_in_spain = replace(run_settings, region="ES", language="es")  # HASHTAG_BOT_REGION=ES
    with socket_mode_server([envelope], slack_api.changed) as (ws_url, _received):
        slack_api.ws_url = ws_url
        with running(team_in_spain, http=False):
            reply = slack_api.reply(timeout=10)
    first_screen = block_text(reply)
    assert "#Implica2DM2*" in first_screen and "#GBDOC*" not in first_screen
    assert "No region set" not in first_screen


def test_http_mode_runner_serves_signed_commands_and_keeps_topics_in_the_database(
    run_settings: Settings, slack_api: SlackStandIn
) -> None:
    with running(run_settings, http=True) as url:
        bot = Bot(url, slack_api)
        assert "now tracks *Lung cancer*" in bot.ask("track lung cancer")["text"]
    assert len(slack_api.api_calls("auth.test")) == 1  # the start-up check; Bolt asks no more
    store = Store(run_settings.db_path)
    try:
        assert [t.topic for t in store.topics(CHANNEL)] == ["Lung cancer"]
    finally:
        store.close()


def test_run_refuses_to_start_with_a_rejected_token_and_says_what_to_do(
    slack_api: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack_api.fail("auth.test", "invalid_auth")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked-token-value")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_API_URL", slack_api.api_url)
    result = CliRunner().invoke(main, ["run", "--http", "--port", "1"])
    assert result.exit_code == 2
    assert "Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in result.output
    assert "xoxb-revoked-token-value" not in result.output


def test_run_without_tokens_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(main, ["run"])  # Socket Mode is the default
    assert result.exit_code == 2
    missing = [line.split(":")[0].strip() for line in result.output.splitlines()[1:]]
    assert missing == ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"]
    assert "for HTTP mode set SLACK_SIGNING_SECRET instead and run `hashtag-bot run --http`" in (
        result.output
    )
    http = CliRunner().invoke(main, ["run", "--http"])
    assert http.exit_code == 2
    assert "SLACK_SIGNING_SECRET" in http.output and "SLACK_APP_TOKEN" not in http.output


def test_socket_mode_with_a_rejected_app_token_says_what_to_fix(
    run_settings: Settings, slack_api: SlackStandIn
) -> None:
    slack_api.fail("apps.connections.open", "invalid_auth")
    with pytest.raises(ConfigError, match=r"SLACK_APP_TOKEN \(invalid_auth\).*connections:write"):
        run_bot(run_settings, http=False, stop=threading.Event())


def test_socket_mode_shares_once_when_slack_delivers_one_press_twice(
    run_settings: Settings, slack_api: SlackStandIn
) -> None:
    value = AnswerRef("lung cancer", utc_today()).encode()
    press = action_payload(SHARE_ACTION, value, slack_api.response_url("share"))
    envelopes = [
        {"envelope_id": f"press-{n}", "type": "interactive", "accepts_response_payload": False}
        | {"payload": press}
        for n in (1, 2)
    ]
    with socket_mode_server(envelopes, slack_api.changed) as (ws_url, received):
        slack_api.ws_url = ws_url
        with running(run_settings, http=False):
            slack_api.reply("share", timeout=10)
            slack_api.wait_for(
                lambda: {m.get("envelope_id") for m in received} >= {"press-1", "press-2"}
            )
    # Stopped: every answer started has finished, so these counts are final.
    assert len(slack_api.api_calls("chat.postMessage")) == 1
    [said] = [r["text"] for r in slack_api.replies("share")]
    assert said.startswith(f"Shared in <#{CHANNEL}>.")


def test_socket_mode_acknowledges_another_workspaces_command_without_applying_it(
    run_settings: Settings, slack_api: SlackStandIn
) -> None:
    envelope = {
        "envelope_id": ENVELOPE_ID,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": slash_payload("track lung cancer", slack_api.response_url(), team="T0OTHER"),
    }
    with socket_mode_server([envelope], slack_api.changed) as (ws_url, received):
        slack_api.ws_url = ws_url
        with running(run_settings, http=False):
            (ack,) = slack_api.wait_for(
                lambda: [m for m in received if m.get("envelope_id") == ENVELOPE_ID]
            )
    assert ack["payload"]["text"] == ELSEWHERE
    assert slack_api.replies() == []
    store = Store(run_settings.db_path)
    try:
        assert store.topics() == []
    finally:
        store.close()
