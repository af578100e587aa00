"""`hashtag-bot suggest` starts with what answering needs, not the whole bot (issue 24: most of its
start-up was importing modules it never used), and every command is still found by name."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import bot.cli
from bot.cli import main
from bot.cli.common import COMMAND_MODULES

ROOT = Path(__file__).resolve().parent.parent

# Runs `hashtag-bot ARGS…` and, as it exits, writes down every module it imported.
RECORDING = """
import atexit, os, runpy, sys
atexit.register(
    lambda: open(os.environ["MODULES_OUT"], "w").write("\\n".join(sorted(sys.modules)))
)
sys.argv = ["hashtag-bot", *sys.argv[1:]]
runpy.run_module("bot", run_name="__main__")
"""

NOT_FOR_SUGGEST = (
    # outreach: approved messages, drafts and their text-counting libraries, campaign tags
    "bot.services.outreach",
    "bot.domain.drafts",
    "bot.domain.campaign_tags",
    "bot.cli.outreach",
    "twitter_text",
    "atproto",
    # digests and alerts: the service, the rules, their reads' values, the template engine
    "bot.services.digests",
    "bot.services.alerts",
    "bot.domain.digest",
    "bot.domain.voices",
    "bot.domain.advocates",
    "bot.cli.digests",
    "jinja2",
    # the sources and the census that reads them
    "bot.sources",
    "bot.services.collection",
    "bot.services.census",
    "bot.cli.census",
    "bot.cli.data",
    "tweepy",
    "mastodon",
    # running: Slack and the web server
    "bot.slack",
    "bot.server",
    "bot.cli.running",
    "slack_bolt",
    "slack_sdk",
    "waitress",
    "apscheduler",
)


def imported_by(args: list[str], tmp_path: Path) -> tuple[set[str], str]:
    """Every module `hashtag-bot ARGS…` imported, on a new database, and what it printed."""
    out = tmp_path / "modules.txt"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "HASHTAG_BOT_"))
    } | {
        "PYTHONPATH": str(ROOT),
        "HASHTAG_BOT_DB": str(tmp_path / "fresh.db"),
        "HOME": str(tmp_path),
        "MODULES_OUT": str(out),
    }
    done = subprocess.run(
        [sys.executable, "-c", RECORDING, *args],
        env=env,
        cwd=tmp_path,  # no .env from the checkout
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return set(out.read_text().split()), done.stdout


def test_suggest_imports_no_outreach_digest_source_or_slack_module(tmp_path: Path) -> None:
    modules, printed = imported_by(["suggest", "lung cancer"], tmp_path)
    assert "#LCSM" in printed  # it answered
    assert "bot.services.suggestions" in modules and "bot.storage.store" in modules
    unneeded = sorted(
        m for m in modules if any(m == u or m.startswith(u + ".") for u in NOT_FOR_SUGGEST)
    )
    assert unneeded == []


def test_every_command_is_registered_by_the_module_the_table_names() -> None:
    for module in pkgutil.iter_modules(bot.cli.__path__):
        importlib.import_module(f"bot.cli.{module.name}")
    assert set(main.commands) == set(COMMAND_MODULES)
    for name, command in main.commands.items():
        assert command.callback is not None
        assert command.callback.__module__ == f"bot.cli.{COMMAND_MODULES[name]}", name
