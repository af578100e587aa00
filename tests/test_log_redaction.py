"""No secret in any log at any level: collection, a slash command and a digest at DEBUG with
every token set, and every line they write is searched for each secret."""

from __future__ import annotations

import io
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.clock import utc_now
from bot.log_redaction import PLACEHOLDER, SecretRedactor, redact_logs
from bot.storage import Store
from tests.slack.slack_payloads import Bot, slash_payload
from tests.slack.slack_standins import (
    APP_TOKEN,
    BOT_TOKEN,
    CHANNEL,
    SIGNING_SECRET,
    SlackStandIn,
    socket_mode_server,
)
from tests.sources.source_standins import GOOD_TOKEN
from tests.sources.standins_bluesky import JetstreamStandIn, XrpcStandIn
from tests.sources.standins_mastodon import MastodonStandIn, status
from tests.sources.standins_x import XStandIn, tweet

TICKET = "9f2c1e7a-socket-mode-ticket-3b8d"  # Slack's one-time websocket ticket, a credential
MASTODON_TOKEN = "mst-7Qw2e9Rr4tYu1IoP3aSd5fGh"
BLUESKY_PASSWORD = "abcd-efgh-ijkl-mnop"
SECRETS = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_APP_TOKEN": APP_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "X_BEARER_TOKEN": GOOD_TOKEN,
    "MASTODON_ACCESS_TOKEN": MASTODON_TOKEN,
    "BLUESKY_APP_PASSWORD": BLUESKY_PASSWORD,
}
SESSION_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.")  # the Bluesky session the bot is given


def assert_no_secret(output: str) -> None:
    for name, value in SECRETS.items():
        assert value not in output, f"{name} is in the log"
        assert value[-8:] not in output, f"the end of {name} is in the log"
    assert not SESSION_JWT.search(output), "a Bluesky session token is in the log"


@pytest.fixture
def slack_api() -> Iterator[SlackStandIn]:
    standin = SlackStandIn()
    yield standin
    standin.close()


@pytest.fixture
def everything(slack_api: SlackStandIn, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Every source and Slack as loopback stand-ins with data to read, and an environment that
    sets every secret the bot has."""
    x_api = XStandIn([tweet(n, f"Tonight's #LCSM chat {n}") for n in range(1, 4)])
    mastodon = MastodonStandIn([status(n, f"#LCSM chat {n}") for n in range(1, 4)])
    xrpc = XrpcStandIn(password=BLUESKY_PASSWORD)
    xrpc.add("did:plc:alice", "alice.bsky.social", "3kabc", "Our #LCSM chat tonight")
    jetstream = JetstreamStandIn([])
    env = SECRETS | {
        "SLACK_API_URL": slack_api.api_url,
        "X_API_URL": x_api.url,
        "MASTODON_INSTANCES": mastodon.url,
        "BLUESKY_HANDLE": "recruit-bot.bsky.social",
        "BLUESKY_API_URL": xrpc.url,
        "BLUESKY_JETSTREAM_URL": jetstream.url,
        "HASHTAG_BOT_DB": str(tmp_path / "bot.db"),
        "LOG_LEVEL": "DEBUG",
    }
    try:
        yield env
    finally:
        for standin in (x_api, mastodon, xrpc, jetstream):
            standin.close()


def test_collection_and_a_digest_at_debug_log_no_secret(
    everything: dict[str, str],
    slack_api: SlackStandIn,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for name, value in everything.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    collected = runner.invoke(main, ["ingest", "--topic", "#LCSM"])
    assert "x: 3 new posts" in collected.output, collected.output
    assert "mastodon: 3 new posts" in collected.output
    store = Store(everything["HASHTAG_BOT_DB"])
    try:
        store.track(CHANNEL, "#LCSM", condition_id=None, created_by="U0ALICE", now=utc_now())
    finally:
        store.close()
    digest = runner.invoke(main, ["digest", "--channel", CHANNEL])
    assert digest.exit_code == 0, digest.output
    assert slack_api.api_calls("chat.postMessage")
    logged = caplog.text
    assert_no_secret(logged + collected.output + digest.output)
    # The libraries did try: tweepy logged its request headers, slack_sdk its calls.
    assert re.search(rf"Tweepy/[\d.]+', 'Authorization': '{re.escape(PLACEHOLDER)}'", logged)
    assert "chat.postMessage" in logged


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def bot_process(args: list[str], env: dict[str, str], ready: str) -> Iterator[list[str]]:
    """`python -m bot ARGS` until the block ends (then SIGTERM); yields every line it wrote."""
    lines: list[str] = []
    started = threading.Event()
    environment = os.environ | env | {"PYTHONPATH": str(Path(__file__).parents[1])}
    with subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as bot:

        def read() -> None:
            assert bot.stdout is not None
            for line in bot.stdout:
                lines.append(line)
                if ready in line:
                    started.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            assert started.wait(30), "".join(lines)
            yield lines
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(timeout=30)
            reader.join(timeout=10)


def test_the_running_bot_at_debug_answers_commands_over_http_and_logs_no_secret(
    everything: dict[str, str], slack_api: SlackStandIn
) -> None:
    port = free_port()
    args = ["run", "--http", "--port", str(port)]
    with bot_process(args, everything, "is listening at") as lines:
        running = Bot(f"http://127.0.0.1:{port}", slack_api)
        assert "Hashtags for Lung cancer" in running.ask("lung cancer")["text"]
        assert "now tracks" in running.ask("track lung cancer", "t")["text"]
    output = "".join(lines)
    assert " DEBUG slack_bolt" in output  # it really logged at DEBUG
    assert "will be unused" not in output  # Bolt's token warning: the token reaches it as meant
    assert_no_secret(output)


def test_the_running_bot_in_socket_mode_hides_its_connection_ticket(
    everything: dict[str, str], slack_api: SlackStandIn
) -> None:
    envelope = {
        "envelope_id": "c0ffee00-5c28-4d6a-9c3e-cc5b0e2f4a11",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": slash_payload("lung cancer", slack_api.response_url()),
    }
    with socket_mode_server([envelope], slack_api.changed) as (ws_url, _received):
        slack_api.ws_url = ws_url.replace("ticket=loopback", f"ticket={TICKET}")
        with bot_process(["run"], everything, "running in Socket Mode") as lines:
            assert "Hashtags for Lung cancer" in slack_api.reply(timeout=10)["text"]
    output = "".join(lines)
    # slack_sdk logs apps.connections.open's answer, the websocket URL with its ticket, at DEBUG.
    assert f"ticket={PLACEHOLDER}" in output
    assert TICKET not in output
    assert "will be unused" not in output
    assert_no_secret(output)


def test_the_filter_on_a_handler_covers_every_logger_message_argument_and_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    before = root.level
    root.setLevel(logging.DEBUG)
    try:
        redact_logs(SECRETS.values())
        deep = logging.getLogger("tweepy.client.deeper")
        deep.debug("Headers: %s", {"Authorization": f"Bearer {GOOD_TOKEN}", "Host": "x"})
        logging.getLogger("urllib3").debug("GET /?token=%s HTTP/1.1", MASTODON_TOKEN)
        logging.getLogger("atproto").debug('{"identifier": "me", "password": "%s"}', "hunter22")
        logging.getLogger("x").debug("%s %s", "only one argument")  # a broken call still logs
        try:
            raise RuntimeError(f"Slack said no to {BOT_TOKEN} and {APP_TOKEN}")
        except RuntimeError:
            logging.getLogger("slack_sdk").exception("call failed with %s", SIGNING_SECRET)
    finally:
        root.removeHandler(handler)
        root.setLevel(before)
    written = stream.getvalue()
    assert_no_secret(written)
    assert "hunter22" not in written
    assert "'Host': 'x'" in written and "RuntimeError: Slack said no to" in written
    assert written.count(PLACEHOLDER) >= 6


def test_short_or_empty_settings_do_not_blank_out_ordinary_words() -> None:
    redactor = SecretRedactor()
    redactor.use(["", "on", "s3cr3t-value"])
    assert redactor.redact("turned on: s3cr3t-value") == f"turned on: {PLACEHOLDER}"
