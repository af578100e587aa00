"""`hashtag-bot doctor` against the Web API stand-in: what is wrong, and what to fix."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.storage import Store
from tests.slack.slack_standins import APP_TOKEN, BOT_TOKEN, SlackStandIn


@pytest.fixture
def env(slack_api: SlackStandIn, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack_api.api_url)
    return monkeypatch


def doctor() -> Result:
    return CliRunner().invoke(main, ["doctor"])


def line(result: Result, name: str) -> str:
    return next(text for text in result.output.splitlines() if f" {name} " in f" {text} ")


def test_a_healthy_setup_passes_every_check(
    env: pytest.MonkeyPatch, slack_api: SlackStandIn
) -> None:
    slack_api.ws_url = "ws://127.0.0.1:9/unused"
    result = doctor()
    assert result.exit_code == 0, result.output
    assert (
        line(result, "slack token").startswith("ok") and "@hashtag-bot in Trials" in result.output
    )
    assert line(result, "slack scopes").startswith("ok")
    assert line(result, "socket mode").startswith("ok")
    assert line(result, "database").startswith("ok") and "migrations applied" in result.output
    assert line(result, "X").startswith("off")  # optional, and said so
    assert result.output.rstrip().endswith("All good.")
    assert BOT_TOKEN not in result.output and APP_TOKEN not in result.output


def test_a_missing_scope_fails_and_says_to_reinstall(
    env: pytest.MonkeyPatch, slack_api: SlackStandIn
) -> None:
    slack_api.scopes = "commands"
    result = doctor()
    assert result.exit_code == 1
    assert line(result, "slack scopes").startswith("FAIL") and "missing chat:write" in result.output
    assert "reinstall the app" in result.output


def test_more_scopes_than_needed_are_pointed_out_but_pass(
    env: pytest.MonkeyPatch, slack_api: SlackStandIn
) -> None:
    slack_api.scopes = "commands,chat:write,users:read,channels:history"
    result = doctor()
    assert "not needed: channels:history" in line(result, "slack scopes")


def test_an_install_from_before_roles_is_told_to_reinstall_for_users_read(
    env: pytest.MonkeyPatch, slack_api: SlackStandIn
) -> None:
    slack_api.scopes = "commands,chat:write"  # installed before the bot told people apart
    result = doctor()
    assert result.exit_code == 1
    scopes = line(result, "slack scopes")
    assert scopes.startswith("FAIL") and "missing users:read" in scopes
    assert "nobody can change a channel's settings or approve messages" in scopes
    assert "reinstall the app" in result.output and "to grant them" in result.output


def test_approvers_not_set_are_said_and_a_group_on_a_free_plan_fails(
    env: pytest.MonkeyPatch, slack_api: SlackStandIn
) -> None:
    slack_api.ws_url = "ws://127.0.0.1:9/unused"
    unset = doctor()
    assert line(unset, "approvers").startswith("off")
    assert "owners and admins approve messages" in line(unset, "approvers")
    env.setenv("HASHTAG_BOT_APPROVERS", "U0CAROL, S0IRBTEAM")
    slack_api.scopes = "commands,chat:write,users:read,usergroups:read"
    slack_api.fail("usergroups.users.list", "plan_upgrade_required")
    free = doctor()
    assert line(free, "approvers").startswith("FAIL") and "plan_upgrade_required" in free.output
    assert "free plan has no user groups: list the approvers' user ids" in free.output
    del slack_api.canned["usergroups.users.list"]
    slack_api.groups["S0IRBTEAM"] = ["U0DAN"]
    paid = doctor()
    assert line(paid, "approvers").startswith("ok") and "U0CAROL, S0IRBTEAM" in paid.output


def test_a_rejected_token_fails_with_where_to_get_a_good_one(
    env: pytest.MonkeyPatch, slack_api: SlackStandIn
) -> None:
    slack_api.fail("auth.test", "invalid_auth")
    slack_api.fail("apps.connections.open", "invalid_auth")
    result = doctor()
    assert result.exit_code == 1
    assert "FAIL  slack token" in result.output and "(invalid_auth)" in result.output
    assert "Bot User OAuth Token" in result.output
    assert "problem" in result.output.splitlines()[-1]


def test_missing_tokens_and_half_set_bluesky_are_each_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BLUESKY_HANDLE", "recruit-bot.bsky.social")
    result = doctor()
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN is not set" in result.output
    assert "neither SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET" in result.output
    assert "BLUESKY_APP_PASSWORD is not set" in result.output


def test_a_malformed_setting_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-a-user-token")
    result = doctor()
    assert result.exit_code == 1
    assert line(result, "settings").startswith("FAIL") and "xoxb-" in result.output


def test_what_the_last_cycles_recorded_shows_up(
    env: pytest.MonkeyPatch, slack_api: SlackStandIn
) -> None:
    import os
    from datetime import UTC, datetime

    from bot.storage import Store

    slack_api.ws_url = "ws://127.0.0.1:9/unused"
    env.setenv("X_BEARER_TOKEN", "AAAA-test")
    store = Store(os.environ["HASHTAG_BOT_DB"])
    now = datetime.now(UTC)
    store.set_health("x", False, "X refused the bearer token (401)", now=now)
    store.count_reads("x", now.date(), posts=100, users=10, requests=1)
    store.close()
    result = doctor()
    assert result.exit_code == 1
    assert line(result, "x health").startswith("FAIL") and "401" in result.output
    assert "$0.60 of $50.00 this month (100 post reads, 10 user reads)" in line(result, "X spend")


def test_posts_that_may_be_missing_are_listed_with_the_channel_to_look_in(
    env: pytest.MonkeyPatch, slack_api: SlackStandIn
) -> None:
    slack_api.ws_url = "ws://127.0.0.1:9/unused"
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = f"{gone.stdout.strip()}:killed"  # a process that claimed a send and is gone
    store = Store(os.environ["HASHTAG_BOT_DB"])
    now = datetime.now(UTC)
    try:
        store.track("C0ALERTS", "Crohn's disease", condition_id=None, created_by="U1", now=now)
        store.claim_alert(
            "C0ALERTS",
            "volume:crohn's disease:burst",
            topic_key="crohn's disease",
            kind="volume",
            summary="busier",
            local_day=now.date(),
            cap=3,
            claimer=dead,
            now=now,
        )  # killed while Slack took the alert
        store.plan_digest_parts("C0DIGEST", now.date(), [({"text": "t"}, {})], now=now)
        [part] = store.digest_parts("C0DIGEST", now.date())
        store.claim_digest_part(part, "1:sender", now=now)
        store.settle_digest_part(part, "uncertain", now=now)  # the line broke after sending
    finally:
        store.close()
    result = doctor()
    said = [text for text in result.output.splitlines() if text.startswith("note  maybe sent")]
    assert len(said) == 2, result.output
    assert any("an alert in <#C0ALERTS> (volume)" in text for text in said)
    assert any("message 1 of <#C0DIGEST>'s digest" in text for text in said)
    assert "look in the channel" in result.output
    assert result.exit_code == 0  # nothing to fix: something to look at
