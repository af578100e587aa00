from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings


def test_defaults_run_locally_with_a_sqlite_file_in_the_working_directory() -> None:
    settings = Settings.from_env({})
    assert settings.db_path == "hashtag-bot.db"
    assert settings.port == 3000
    assert settings.x_api_url == "https://api.twitter.com"
    assert settings.mastodon_instances == ("https://mastodon.social",)


def test_dotenv_fills_in_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=8080\nRETENTION_DAYS=30\nSLACK_BOT_TOKEN=xoxb-from-file\n")
    settings = Settings.from_env({"PORT": "9000"}, dotenv_path=env_file)
    assert settings.port == 9000
    assert settings.retention_days == 30
    assert settings.slack_bot_token == "xoxb-from-file"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("PORT", "eighty", "PORT must be a whole number"),
        ("RETENTION_DAYS", "0", "RETENTION_DAYS must be at least 1"),
        ("X_MONTHLY_BUDGET_USD", "-5", "X_MONTHLY_BUDGET_USD must not be negative"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL must start with"),
        ("SLACK_BOT_TOKEN", "xapp-123", "SLACK_BOT_TOKEN should start with 'xoxb-'"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL must be"),
    ],
)
def test_a_malformed_setting_is_named_with_what_to_do(name: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        Settings.from_env({name: value})


def test_missing_tokens_are_listed_with_where_to_get_them() -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_env({}).require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    assert "SLACK_BOT_TOKEN" in str(err.value)
    assert "api.slack.com/apps" in str(err.value)
    assert "SLACK_APP_TOKEN" in str(err.value)


def test_secrets_never_show_in_logs() -> None:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-secret-1",
            "X_BEARER_TOKEN": "AAAA-secret",
            "SLACK_SIGNING_SECRET": "shh",
        }
    )
    shown = repr(settings)
    assert "secret-1" not in shown and "AAAA" not in shown and "shh" not in shown
    assert "slack_bot_token='set'" in shown
