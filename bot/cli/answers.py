"""`suggest`, `run` and `doctor`: the answer, the bot, and what to fix before it runs."""

from __future__ import annotations

import json
import logging
import sys
from datetime import date

import click

from bot.cli.common import (
    friendly_errors,
    main,
    opened_store,
    parse_day,
)
from bot.clock import utc_today
from bot.config import Settings
from bot.render.text import suggestion_text
from bot.services import build_services
from bot.services.suggestions import DEFAULT_LIMIT, MAX_LIMIT


@main.command()
@click.argument("text", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_LIMIT),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="How many hashtags.",
)
@click.option(
    "--as-of", callback=parse_day, metavar="DATE", help="Answer as on this day (YYYY-MM-DD)."
)
@click.option("--explain", is_flag=True, help="Print every reason behind each tag.")
@friendly_errors
def suggest(
    text: tuple[str, ...], as_json: bool, limit: int, as_of: date | None, explain: bool
) -> None:
    """Suggest hashtags for TEXT: exactly the answer `/hashtag TEXT` gives."""
    settings = Settings.from_env()
    with opened_store(settings) as store:
        services = build_services(settings, store)
        result = services.suggester.suggest(" ".join(text), today=as_of or utc_today(), limit=limit)
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(suggestion_text(result, explain=explain))


@main.command()
@click.option(
    "--http",
    "use_http",
    is_flag=True,
    help="Serve HTTP at /slack/events even if SLACK_APP_TOKEN is set.",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="HTTP port (default: PORT or 3000)."
)
@friendly_errors
def run(use_http: bool, port: int | None) -> None:
    """Run the bot and its scheduler: Socket Mode with SLACK_APP_TOKEN, else HTTP."""
    from bot.server import run_bot  # Slack and waitress load only for the commands that serve

    settings = Settings.from_env()
    logging.getLogger().setLevel(settings.log_level)
    run_bot(settings, http=use_http, port=port)


@main.command()
def doctor() -> None:
    """Check settings, Slack token and scopes, database and sources; say what to fix."""
    from bot.doctor import report, run_checks

    checks = run_checks()
    click.echo(report(checks))
    sys.exit(1 if any(check.failed for check in checks) else 0)
