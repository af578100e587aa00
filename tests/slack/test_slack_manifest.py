"""manifest.yml, the Procfile and the README agree with what the code does."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.doctor import NEEDED_SCOPES
from bot.server import EVENTS_PATH
from bot.slack.commands import COMMAND
from bot.slack.people import needed_scopes

ROOT = Path(__file__).parent.parent.parent
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_manifest_creates_the_app_with_only_the_scopes_it_needs() -> None:
    # usergroups:read only when HASHTAG_BOT_APPROVERS names a group: a comment in the manifest
    assert MANIFEST["oauth_config"]["scopes"]["bot"] == [*NEEDED_SCOPES, *needed_scopes(())]
    assert "usergroups:read" in (ROOT / "manifest.yml").read_text(encoding="utf-8")
    [command] = MANIFEST["features"]["slash_commands"]
    assert command["command"] == COMMAND and command["usage_hint"]
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert MANIFEST["features"]["app_home"]["messages_tab_enabled"] is False  # no DMs, ever
    assert MANIFEST["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["settings"]["socket_mode_enabled"] is True


def test_the_procfile_runs_one_bot_process() -> None:
    lines = [
        line
        for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == ["web: hashtag-bot run --http"]


def test_the_readme_documents_every_slash_sub_command_and_http_set_up() -> None:
    for usage in ("/hashtag help", "/hashtag track", "/hashtag untrack", "/hashtag list"):
        assert usage in README
    for needed in (
        "hashtag-bot run [--http] [--port N]",
        "hashtag-bot doctor",
        EVENTS_PATH,
        "/healthz",
    ):
        assert needed in README
    assert "socket_mode_enabled: false" in README and "Procfile" in README
