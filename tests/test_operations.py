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
from bot.storage import Store
from tests.slack.slack_payloads import signed, slash_body
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
