"""The README is the front door: every command, option group and setting must be in it."""

from __future__ import annotations

import re
from pathlib import Path

import click

from bot.cli import main
from bot.config import Settings

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented() -> None:
    for name in main.list_commands(click.Context(main)):
        assert f"hashtag-bot {name}" in README or f"`{name}" in README, name


def test_every_setting_is_documented() -> None:
    source = (Path(__file__).parent.parent / "bot" / "config.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', source)) - {"DEBUG", "INFO", "WARNING", "ERROR"}
    assert names, "config.py names its settings"
    missing = sorted(n for n in names if f"`{n}`" not in README)
    assert missing == []
    assert Settings.from_env({}).db_path in README


def test_the_readme_names_the_two_setup_commands() -> None:
    assert "hashtag-bot run" in README
    assert "python3 -m pytest" in README


def test_every_file_the_readme_points_to_exists() -> None:
    root = Path(__file__).parent.parent
    cited = set(re.findall(r"`(bot/[\w/]+\.py)[`:]", README))
    assert len(cited) > 10
    assert sorted(p for p in cited if not (root / p).is_file()) == []


def test_the_readme_reads_as_one_document() -> None:
    assert not re.search(r"^(<<<<<<<|=======|>>>>>>>)", README, re.M)  # no merge leftovers
