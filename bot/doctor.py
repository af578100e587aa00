"""`hashtag-bot doctor`: every check a person setting the bot up needs, each with what to fix."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app import create_web_client
from bot.clock import utc_now, utc_today
from bot.config import HOW_TO_GET, ConfigError, Settings
from bot.domain.conditions import ConditionMatcher
from bot.domain.reach import NETWORK_NAMES
from bot.knowledge import load_knowledge
from bot.services.census import census_state
from bot.services.integrity import REPAIR_HINT, quick_check
from bot.services.outbox import maybe_sent
from bot.services.tag_health import listening_lines
from bot.services.topics import TopicPlanner
from bot.services.x_spend import Spend, x_spend
from bot.slack.people import is_group, needed_scopes
from bot.storage import Store, StoreError

T = TypeVar("T")

NEEDED_SCOPES = ("commands", "chat:write")  # /hashtag; answers and Share. Home needs no scope.
# and slack/people.py's: users:read (who is a guest, an owner or admin), usergroups:read (groups)
REINSTALL = "add it under OAuth & Permissions (or in manifest.yml) and reinstall the app"


@dataclass(frozen=True)
class Check:
    """One line of the report: status is 'ok', 'FAIL', 'off' (optional and not set up) or 'note'
    (nothing to fix, something to look at)."""

    name: str
    status: str
    detail: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"


def header(headers: Mapping[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return ""


def slack_checks(settings: Settings, client: WebClient) -> list[Check]:
    """auth.test, the scopes Slack granted the token, and the app-level token for Socket Mode."""
    try:
        auth = client.auth_test()
    except SlackApiError as err:
        code = err.response.get("error", "unknown_error")
        return [
            Check(
                "slack token",
                "FAIL",
                f"Slack rejected SLACK_BOT_TOKEN ({code})",
                f"set SLACK_BOT_TOKEN to {HOW_TO_GET['SLACK_BOT_TOKEN']}",
            )
        ]
    except (SlackClientError, OSError) as err:
        return [
            Check(
                "slack token",
                "FAIL",
                f"can't reach {settings.slack_api_url}: {err}",
                "check the network, or SLACK_API_URL if you set it",
            )
        ]
    checks = [Check("slack token", "ok", f"bot @{auth.get('user')} in {auth.get('team')}")]
    granted = {s.strip() for s in header(auth.headers, "x-oauth-scopes").split(",") if s.strip()}
    roles = needed_scopes(settings.approvers)
    needed = (*NEEDED_SCOPES, *roles)
    missing = [s for s in needed if s not in granted]
    extra = sorted(granted - set(needed))
    if missing:
        why = f"missing {', '.join(missing)}"
        if set(missing) & set(roles):
            why += ": until then nobody can change a channel's settings or approve messages"
        checks.append(Check("slack scopes", "FAIL", why, f"{REINSTALL} to grant them"))
    else:
        note = f" (also granted, not needed: {', '.join(extra)})" if extra else ""
        checks.append(Check("slack scopes", "ok", ", ".join(needed) + note))
    checks.append(approvers_check(settings, client))
    if settings.slack_app_token:
        try:
            client.apps_connections_open(app_token=settings.slack_app_token)
            checks.append(Check("socket mode", "ok", "SLACK_APP_TOKEN opens a connection"))
        except SlackApiError as err:
            code = err.response.get("error", "unknown_error")
            checks.append(
                Check(
                    "socket mode",
                    "FAIL",
                    f"Slack rejected SLACK_APP_TOKEN ({code})",
                    f"set SLACK_APP_TOKEN to {HOW_TO_GET['SLACK_APP_TOKEN']}, and turn "
                    "Socket Mode on",
                )
            )
        except (SlackClientError, OSError) as err:
            checks.append(
                Check("socket mode", "FAIL", f"can't reach Slack: {err}", "check the network")
            )
    return checks


def approvers_check(settings: Settings, client: WebClient) -> Check:
    """Who may add or edit approved messages, and whether Slack can tell who is in each group."""
    if not settings.approvers:
        return Check(
            "approvers",
            "off",
            "HASHTAG_BOT_APPROVERS is not set: the workspace's owners and admins approve messages",
            "set HASHTAG_BOT_APPROVERS to the Slack user ids (U…) or user-group ids (S…) of the "
            "people who may declare a message IRB-approved",
        )
    for group in (a for a in settings.approvers if is_group(a)):
        try:
            client.usergroups_users_list(usergroup=group)
        except SlackApiError as err:
            code = err.response.get("error", "unknown_error")
            if code == "plan_upgrade_required":
                fix = "Slack's free plan has no user groups: list the approvers' user ids instead"
            elif code == "missing_scope":
                fix = "reinstall the app to grant usergroups:read"
            else:
                fix = "check the group's id (S…) in Slack"
            return Check("approvers", "FAIL", f"user group {group}: Slack said {code}", fix)
        except (SlackClientError, OSError) as err:
            return Check("approvers", "FAIL", f"user group {group}: {err}", "check the network")
    people = ", ".join(settings.approvers)
    return Check("approvers", "ok", f"{people} add and edit approved messages")


def team_zone(settings: Settings, now: datetime | None = None) -> Check:
    """The team's calendar, which approvals are dated and end by: worth seeing when it is UTC."""
    zone = settings.team_timezone
    today = (now or utc_now()).astimezone(ZoneInfo(zone)).date()
    return Check(
        "team zone",
        "ok",
        f"{zone} (HASHTAG_BOT_TIMEZONE): approvals start and end on its days; today is "
        f"{today.isoformat()} there",
    )


def mode_check(settings: Settings) -> Check:
    if settings.slack_app_token:
        http = "ready too" if settings.slack_signing_secret else "needs SLACK_SIGNING_SECRET"
        return Check("mode", "ok", f"Socket Mode (SLACK_APP_TOKEN is set); `run --http` {http}")
    if settings.slack_signing_secret:
        return Check("mode", "ok", "HTTP mode: `hashtag-bot run --http` (no SLACK_APP_TOKEN)")
    return Check(
        "mode",
        "FAIL",
        "neither SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET is set",
        f"for Socket Mode set SLACK_APP_TOKEN to {HOW_TO_GET['SLACK_APP_TOKEN']}; for HTTP "
        f"set SLACK_SIGNING_SECRET to {HOW_TO_GET['SLACK_SIGNING_SECRET']}",
    )


def _reading(settings: Settings, read: Callable[[Store], T]) -> T | None:
    """What `read` finds in the database, or None when it can't be opened (`database_check`
    says why, once)."""
    try:
        store = Store(settings.db_path)
    except (StoreError, sqlite3.Error):
        return None
    try:
        return read(store)
    finally:
        store.close()


def database_check(settings: Settings) -> Check:
    try:
        store = Store(settings.db_path)
    except (StoreError, sqlite3.Error) as err:
        return Check("database", "FAIL", str(err), "point HASHTAG_BOT_DB at a writable file")
    try:
        counts = store.counts()
    finally:
        store.close()
    return Check(
        "database",
        "ok",
        f"{settings.db_path}: migrations applied; {counts['posts']:,} posts, "
        f"{counts['topics']:,} tracked topics",
    )


def counts_check(settings: Settings, today: date) -> list[Check]:
    """A recount of the last days' hashtag counts; `hashtag-bot check` does all of them."""
    found = _reading(settings, lambda store: quick_check(store, today))
    if found is None:
        return []  # the database check has said what is wrong
    if found.clean:
        return [Check("counts", "ok", f"{found.scope} add up")]
    wrong = sum(d.rows for d in found.drifts) or sum(found.negative.values())
    return [
        Check(
            "counts",
            "FAIL",
            f"{wrong:,} hashtag count rows differ from a recount ({found.scope})",
            f"{REPAIR_HINT} (it recounts every table and rewrites what differs)",
        )
    ]


def source_checks(settings: Settings) -> list[Check]:
    checks = []
    if settings.x_bearer_token:
        checks.append(
            Check("X", "ok", f"token set; budget ${settings.x_monthly_budget_usd:,.2f} a month")
        )
    else:
        checks.append(
            Check(
                "X",
                "off",
                "X_BEARER_TOKEN not set: no posts from X",
                f"set X_BEARER_TOKEN to {HOW_TO_GET['X_BEARER_TOKEN']}",
            )
        )
    checks.append(Check("Mastodon", "ok", ", ".join(settings.mastodon_instances) or "no instances"))
    handle, password = settings.bluesky_handle, settings.bluesky_app_password
    if handle and password:
        checks.append(
            Check("Bluesky", "ok", f"search backfill as @{handle}; Jetstream for new posts")
        )
    elif handle or password:
        missing = "BLUESKY_APP_PASSWORD" if handle else "BLUESKY_HANDLE"
        checks.append(
            Check(
                "Bluesky",
                "FAIL",
                f"{missing} is not set",
                f"set {missing} to {HOW_TO_GET[missing]}, or unset both",
            )
        )
    else:
        checks.append(
            Check(
                "Bluesky",
                "off",
                "no login: Jetstream only, no search backfill",
                "set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD for backfill",
            )
        )
    return checks


def recorded_checks(settings: Settings, today: date) -> list[Check]:
    """What the last collection cycles recorded: each source's health, what measurement changed
    in what is heard (tags demoted as mostly off topic, tags a sample cleared), and X spend this
    month."""

    def read(store: Store) -> tuple[dict[str, tuple[bool, str, str]], Spend, list[str], list[str]]:
        kb = load_knowledge()
        return (
            store.health(),
            x_spend(store, settings, today),
            listening_lines(TopicPlanner(kb, store, ConditionMatcher(kb)), today=today),
            maybe_sent(store, now=utc_now()),
        )

    found = _reading(settings, read)
    if found is None:
        return []  # the database check has said what is wrong
    health, spend, drifted, unconfirmed = found
    checks = []
    for source, (healthy, message, when) in sorted(health.items()):
        if healthy and source == "x compliance":  # worth seeing when all is well, too
            checks.append(Check("X compliance", "ok", f"{message} ({when[:16]})"))
        elif not healthy:
            checks.append(
                Check(
                    f"{source} health",
                    "FAIL",
                    f"{message} (last cycle {when[:16]})",
                    "fix what it says; the next cycle tries again",
                )
            )
    # The bot has acted on these already; they are worth knowing when reading a digest.
    checks += [Check("listening", "ok", line) for line in drifted]
    checks += [
        Check("maybe sent", "note", line, "look in the channel: if it is missing, say so there")
        for line in unconfirmed
    ]
    if settings.x_bearer_token or spend.post_reads or spend.counts_requests:
        detail = (
            f"${spend.usd:,.2f} of ${spend.budget_usd:,.2f} this month "
            f"({spend.post_reads:,} post reads, {spend.user_reads:,} user reads) · "
            f"{spend.counts_line()}"
        )
        if spend.reached:
            checks.append(
                Check(
                    "X spend",
                    "off",
                    detail + ": fetching paused",
                    "raise X_MONTHLY_BUDGET_USD, or wait for the next month",
                )
            )
        else:
            checks.append(Check("X spend", "ok", detail))
    return checks


REFUSED_FIX = {
    "x": "X's counts endpoint needs a plan that includes it: check the app's project in the X "
    "developer console; the census counts Mastodon and Bluesky meanwhile",
    "mastodon": "set MASTODON_ACCESS_TOKEN, or list instances that answer without one",
    "bluesky": "set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (search needs a login); days the "
    "Jetstream tally covered still count",
}


def census_checks(settings: Settings, today: date) -> list[Check]:
    """When the last census ran, how many tags it measured, and each network that refused it
    (said once, whatever the number of tags)."""
    state = _reading(settings, lambda store: census_state(store, today))
    if state is None:
        return []  # the database check has said what is wrong
    if state.last is None:
        return [
            Check(
                "census",
                "off",
                "no census yet: answers rank without measured use",
                "run `hashtag-bot census` (`run` makes a first full pass by itself)",
            )
        ]
    first, *_ = state.lines()
    checks = [Check("census", "ok", first)]
    for network, why in state.last.refused.items():
        checks.append(
            Check(
                f"census {NETWORK_NAMES.get(network, network)}",
                "off",
                f"refused: {why}",
                REFUSED_FIX.get(network, "fix what it says"),
            )
        )
    return checks


def run_checks(
    load_settings: Callable[[], Settings] = Settings.from_env,
    client_for: Callable[[Settings], WebClient] = create_web_client,
) -> list[Check]:
    """Every check in order; a broken setting stops there, since nothing after it can be trusted."""
    try:
        settings = load_settings()
    except ConfigError as err:
        return [Check("settings", "FAIL", str(err), "fix the setting named above")]
    checks = [Check("settings", "ok", "read from the environment and .env"), team_zone(settings)]
    if not settings.slack_bot_token:
        checks.append(
            Check(
                "slack token",
                "FAIL",
                "SLACK_BOT_TOKEN is not set",
                f"set it to {HOW_TO_GET['SLACK_BOT_TOKEN']}",
            )
        )
    else:
        checks += slack_checks(settings, client_for(settings))
    checks.append(mode_check(settings))
    checks.append(database_check(settings))
    today = utc_today()
    return (
        checks
        + counts_check(settings, today)
        + source_checks(settings)
        + recorded_checks(settings, today)
        + census_checks(settings, today)
    )


def report(checks: list[Check]) -> str:
    lines = []
    for check in checks:
        lines.append(f"{check.status:<5} {check.name:<13} {check.detail}")
        if check.fix and check.status != "ok":
            lead = {"FAIL": "fix", "off": "to turn on"}.get(check.status, "then")
            lines.append(f"{'':<19} {lead}: {check.fix}")
    failed = sum(c.failed for c in checks)
    lines.append("")
    lines.append(f"{failed} problem{'s' if failed != 1 else ''} to fix." if failed else "All good.")
    return "\n".join(lines)
