"""`run` and `doctor`: the bot and its scheduler, and what to fix before it runs."""

from __future__ import annotations

import logging
import sys

import click

from bot.cli.common import friendly_errors, main
from bot.config import Settings


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
    settings.require_to_run(http=use_http)
    logging.getLogger().setLevel(settings.log_level)
    run_bot(settings, http=use_http, port=port)


@main.command()
def doctor() -> None:
    """Check settings, Slack token and scopes, database and sources; say what to fix."""
    from bot.doctor import report, run_checks

    checks = run_checks()
    click.echo(report(checks))
    sys.exit(1 if any(check.failed for check in checks) else 0)
