"""Settings: the only place that reads the environment (and an optional .env file)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from dotenv import dotenv_values

from bot.domain.zones import ZoneError, read_zone
from bot.knowledge.codes import read_language, read_region


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it and says how to fix it."""


SLACK_APP_PAGE = "https://api.slack.com/apps"

HOW_TO_GET = {
    "SLACK_BOT_TOKEN": f"the Bot User OAuth Token (xoxb-…) under OAuth & Permissions at {SLACK_APP_PAGE}",
    "SLACK_APP_TOKEN": (
        f"an app-level token (xapp-…) with connections:write under Basic Information at {SLACK_APP_PAGE}"
    ),
    "SLACK_SIGNING_SECRET": f"the Signing Secret under Basic Information at {SLACK_APP_PAGE}",
    "X_BEARER_TOKEN": "the app's Bearer Token in the X developer portal (Keys and tokens)",
    "BLUESKY_HANDLE": "the bot account's handle, e.g. recruit-bot.bsky.social",
    "BLUESKY_APP_PASSWORD": "an app password from Bluesky Settings → Privacy and security → App passwords",
}


def _text(env: Mapping[str, str], name: str, default: str = "") -> str:
    return env.get(name, default).strip() or default


def _int(
    env: Mapping[str, str], name: str, default: int, *, minimum: int = 0, maximum: int | None = None
) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {value}")
    return value


def _positive(value: float, name: str) -> float:
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0, got {value}")
    return value


def _price(env: Mapping[str, str], name: str) -> float | None:
    """A price that may be unknown: unset means "unpriced", not free."""
    if not env.get(name, "").strip():
        return None
    return _float(env, name, 0.0)


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("on", "true", "yes", "1"):
        return True
    if raw in ("off", "false", "no", "0"):
        return False
    raise ConfigError(f"{name} must be on or off, got {raw!r}")


def _url(env: Mapping[str, str], name: str, default: str, schemes: tuple[str, ...]) -> str:
    value = _text(env, name, default).rstrip("/")
    if not value.startswith(schemes):
        raise ConfigError(f"{name} must start with {' or '.join(schemes)}, got {value!r}")
    return value


def _token(env: Mapping[str, str], name: str, prefix: str) -> str:
    value = _text(env, name)
    if value and not value.startswith(prefix):
        raise ConfigError(f"{name} should start with {prefix!r}: use {HOW_TO_GET[name]}")
    return value


_SLACK_ID = re.compile(r"[UWS][A-Z0-9]{2,}")


def _approvers(env: Mapping[str, str]) -> tuple[str, ...]:
    """HASHTAG_BOT_APPROVERS: Slack user ids (U…, W…) and user-group ids (S…), by comma or space."""
    found = []
    for item in re.split(r"[,\s]+", env.get("HASHTAG_BOT_APPROVERS", "").strip()):
        if not item:
            continue
        if not _SLACK_ID.fullmatch(item):
            raise ConfigError(
                f"HASHTAG_BOT_APPROVERS: {item!r} is not a Slack user id (U…, W…) or user-group "
                "id (S…); copy it from the person's or group's profile (⋮ → Copy member ID)"
            )
        found.append(item)
    return tuple(dict.fromkeys(found))


def _zone(env: Mapping[str, str], name: str, default: str) -> str:
    """An IANA zone, or what people type for one (ET, Europe/London, Sydney)."""
    try:
        return read_zone(_text(env, name, default)).name
    except ZoneError as err:
        raise ConfigError(f"{name}: {err}") from None


def _code(env: Mapping[str, str], name: str, read: Callable[[str], str]) -> str:
    """A country or language code, checked against its ISO list; "" when unset."""
    raw = env.get(name, "").strip()
    try:
        return read(raw) if raw else ""
    except ValueError as err:
        raise ConfigError(f"{name}: {err}") from None


def _list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    return tuple(item.strip().rstrip("/") for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """Every setting the bot reads; see the README's settings table."""

    slack_bot_token: str = ""
    slack_app_token: str = ""
    slack_signing_secret: str = field(default="", repr=False)
    slack_api_url: str = "https://slack.com/api"
    x_bearer_token: str = field(default="", repr=False)
    x_api_url: str = "https://api.twitter.com"
    x_post_read_usd: float = 0.005
    x_user_read_usd: float = 0.010
    x_monthly_budget_usd: float = 50.0
    x_counts_request_usd: float | None = None  # unpriced until set: X shows it only in its console
    mastodon_instances: tuple[str, ...] = ("https://mastodon.social",)
    mastodon_access_token: str = field(default="", repr=False)
    bluesky_handle: str = ""
    bluesky_app_password: str = field(default="", repr=False)
    bluesky_api_url: str = "https://bsky.social"
    bluesky_appview_url: str = "https://public.api.bsky.app"
    bluesky_jetstream_url: str = "wss://jetstream2.us-east.bsky.network/subscribe"
    bluesky_tally: bool = True  # hold Jetstream open for the census even when nothing is tracked
    db_path: str = "hashtag-bot.db"
    port: int = 3000
    http_request_timeout_s: float = 10.0  # a connection must send a whole request within this
    http_max_connections: int = 1000
    ingest_every_minutes: int = 30
    retention_days: int = 90
    digest_hour: int = 13  # UTC: morning in the Americas, afternoon in Europe
    team_timezone: str = "UTC"  # the team's calendar: approvals start and end on its days
    region: str = ""  # ISO 3166-1: answers fit this country unless a channel sets its own
    language: str = ""  # ISO 639-1 besides English: answers add its tags unless a channel says
    log_level: str = "INFO"
    approvers: tuple[str, ...] = ()  # who may add or edit approved messages; () = owners, admins

    def __repr__(self) -> str:  # tokens never reach logs
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if any(s in f.name for s in ("token", "secret", "password")):
                value = "set" if value else "unset"
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dotenv_path: Path | None = None
    ) -> Settings:
        """Build settings from the environment, with a .env file filling what is not set."""
        env: dict[str, str] = {}
        path = dotenv_path if dotenv_path is not None else Path.cwd() / ".env"
        if path.is_file():
            env.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        env.update(os.environ if environ is None else environ)
        level = _text(env, "LOG_LEVEL", "INFO").upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
        return cls(
            slack_bot_token=_token(env, "SLACK_BOT_TOKEN", "xoxb-"),
            slack_app_token=_token(env, "SLACK_APP_TOKEN", "xapp-"),
            slack_signing_secret=_text(env, "SLACK_SIGNING_SECRET"),
            slack_api_url=_url(
                env, "SLACK_API_URL", "https://slack.com/api", ("http://", "https://")
            ),
            x_bearer_token=_text(env, "X_BEARER_TOKEN"),
            x_api_url=_url(env, "X_API_URL", "https://api.twitter.com", ("http://", "https://")),
            x_post_read_usd=_float(env, "X_POST_READ_USD", 0.005),
            x_user_read_usd=_float(env, "X_USER_READ_USD", 0.010),
            x_monthly_budget_usd=_float(env, "X_MONTHLY_BUDGET_USD", 50.0),
            x_counts_request_usd=_price(env, "X_COUNTS_REQUEST_USD"),
            mastodon_instances=_list(env, "MASTODON_INSTANCES", ("https://mastodon.social",)),
            mastodon_access_token=_text(env, "MASTODON_ACCESS_TOKEN"),
            bluesky_handle=_text(env, "BLUESKY_HANDLE").lstrip("@"),
            bluesky_app_password=_text(env, "BLUESKY_APP_PASSWORD"),
            bluesky_api_url=_url(
                env, "BLUESKY_API_URL", "https://bsky.social", ("http://", "https://")
            ),
            bluesky_appview_url=_url(
                env, "BLUESKY_APPVIEW_URL", "https://public.api.bsky.app", ("http://", "https://")
            ),
            bluesky_jetstream_url=_url(
                env,
                "BLUESKY_JETSTREAM_URL",
                "wss://jetstream2.us-east.bsky.network/subscribe",
                ("ws://", "wss://"),
            ),
            bluesky_tally=_switch(env, "BLUESKY_TALLY", True),
            db_path=_text(env, "HASHTAG_BOT_DB", "hashtag-bot.db"),
            port=_int(env, "PORT", 3000, minimum=1),
            http_request_timeout_s=_positive(
                _float(env, "HTTP_REQUEST_TIMEOUT_S", 10.0), "HTTP_REQUEST_TIMEOUT_S"
            ),
            http_max_connections=_int(env, "HTTP_MAX_CONNECTIONS", 1000, minimum=1),
            ingest_every_minutes=_int(env, "INGEST_EVERY_MINUTES", 30, minimum=1),
            retention_days=_int(env, "RETENTION_DAYS", 90, minimum=1),
            digest_hour=_int(env, "DIGEST_HOUR", 13, minimum=0, maximum=23),
            team_timezone=_zone(env, "HASHTAG_BOT_TIMEZONE", "UTC"),
            region=_code(env, "HASHTAG_BOT_REGION", read_region),
            language=_code(env, "HASHTAG_BOT_LANGUAGE", read_language),
            log_level=level,
            approvers=_approvers(env),
        )

    def require(self, *names: str, notes: Mapping[str, str] | None = None) -> None:
        """Fail fast, naming each missing setting and where to get it (and `notes` on it)."""
        missing = [n for n in names if not getattr(self, n.lower())]
        if missing:
            lines = [
                f"  {n}: {HOW_TO_GET.get(n, 'see the README settings table')}"
                + (f" ({notes[n]})" if notes and n in notes else "")
                for n in missing
            ]
            raise ConfigError("Missing settings:\n" + "\n".join(lines))

    def require_to_run(self, *, http: bool) -> None:
        """What `run` needs: the bot token, and the app token for Socket Mode (the default, what
        the manifest sets up) or the signing secret for HTTP mode."""
        if http or (self.slack_signing_secret and not self.slack_app_token):
            self.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
            return
        self.require(
            "SLACK_BOT_TOKEN",
            "SLACK_APP_TOKEN",
            notes={
                "SLACK_APP_TOKEN": "for Socket Mode, the default; for HTTP mode set "
                "SLACK_SIGNING_SECRET instead and run `hashtag-bot run --http`"
            },
        )
