"""As an operator runs it: the bot serving Slack while two archive imports load, all at once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.corpus import write_twarc2
from bot.clock import utc_today
from bot.slack.blocks import SHARE_ACTION, AnswerRef
from bot.storage import Store
from tests.slack.slack_payloads import action_body, signed, slash_body
from tests.slack.slack_standins import BOT_TOKEN, CHANNEL, SIGNING_SECRET, SlackStandIn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_env(db: Path, slack: SlackStandIn) -> dict[str, str]:
    root = str(Path(__file__).parent.parent)
    return {
        **os.environ,
        "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "HASHTAG_BOT_DB": str(db),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "MASTODON_INSTANCES": "",
        "BLUESKY_JETSTREAM_URL": "ws://127.0.0.1:9/subscribe",  # nothing listens: no network
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    standin = SlackStandIn()
    yield standin
    standin.close()


def command(url: str, text: str, slack: SlackStandIn, reply: str) -> int:
    body = slash_body(text, slack.response_url(reply))
    request = urllib.request.Request(
        url + "/slack/events", data=body.encode(), headers=signed(body), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def wait_healthy(url: str, bot: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert bot.poll() is None, "the bot exited while starting"
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if json.loads(response.read())["ok"]:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the bot never became healthy")


def test_two_imports_and_a_running_bot_share_a_new_database(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    made = write_twarc2(first, 60_000, seed=1)
    write_twarc2(second, 60_000, seed=1)  # the same posts again: stored once
    originals = made["posts"] - made["reposts"]  # reposts are skipped by default
    db = tmp_path / "shared.db"
    env = bot_env(db, slack)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cli = [sys.executable, "-m", "bot"]
    bot = subprocess.Popen(
        [*cli, "run", "--http", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    imports = [
        subprocess.Popen(
            [*cli, "import", str(path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for path in (first, second)
    ]
    try:
        wait_healthy(url, bot)
        said = ["track lung cancer", "mute @spammer", "unmute @spammer", "track crohn's"]
        replies = []
        for n, text in enumerate(said * 3):  # each answered before the next, as people type
            assert command(url, text, slack, f"r{n}") == 200
            replies.append(slack.reply(f"r{n}", timeout=30))
        outputs = [p.communicate(timeout=240)[0] for p in imports]
    finally:
        bot.send_signal(signal.SIGTERM)
        bot_log = bot.communicate(timeout=60)[0]
        for process in imports:
            if process.poll() is None:
                process.kill()
    assert [p.returncode for p in imports] == [0, 0], outputs
    everything = "\n".join([bot_log, *outputs, json.dumps(replies)])
    assert "locked" not in everything and "Traceback" not in everything
    assert all("went wrong" not in json.dumps(r) for r in replies)
    store = Store(db)
    try:
        assert store.counts()["posts"] == originals
        assert {t.topic for t in store.topics()} == {"Lung cancer", "Crohn's disease"}
        assert store.muted(CHANNEL) == []  # the last word was unmute
    finally:
        store.close()


def send(url: str, body: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        url + "/slack/events", data=body.encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def test_a_request_replayed_after_a_restart_is_acknowledged_and_not_applied(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    db = tmp_path / "replays.db"
    env = bot_env(db, slack)

    def start() -> tuple[subprocess.Popen[str], str]:
        port = free_port()
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--http", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, bot)
        return bot, url

    def stop(bot: subprocess.Popen[str]) -> str:
        bot.send_signal(signal.SIGTERM)
        return bot.communicate(timeout=60)[0]

    mute = slash_body("mute @spammer", slack.response_url("mute"))
    captured = signed(mute)  # what a replayer keeps: the exact bytes and headers
    share = action_body(
        SHARE_ACTION, AnswerRef("lung cancer", utc_today()).encode(), slack.response_url("share")
    )
    pressed = signed(share)
    bot, url = start()
    try:
        assert send(url, mute, captured) == 200
        slack.reply("mute", timeout=30)
        assert send(url, share, pressed) == 200
        slack.reply("share", timeout=30)
        assert command(url, "unmute @spammer", slack, "unmute") == 200
        slack.reply("unmute", timeout=30)
    finally:
        stop(bot)
    bot, url = start()  # a restart, well within the five minutes a signature is good for
    try:
        assert send(url, mute, captured) == 200  # acknowledged, so a replayer learns nothing
        assert send(url, share, pressed) == 200
        time.sleep(1.0)  # what a replay would do, it would have done by now
    finally:
        log = stop(bot)
    assert "ignored a replayed request" in log
    assert len(slack.replies("mute")) == 1 and len(slack.replies("share")) == 1
    assert len(slack.api_calls("chat.postMessage")) == 1  # shared once
    store = Store(db)
    try:
        assert store.muted(CHANNEL) == []  # the unmute stands
    finally:
        store.close()
