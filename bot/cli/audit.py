"""`audit`: who changed a channel's settings or the approved-message library, when, and how."""

from __future__ import annotations

import json

import click

from bot.cli.common import friendly_errors, main, opened_store
from bot.config import Settings


@main.command()
@click.option("--channel", "channel_id", metavar="ID", help="Only this channel's changes.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@friendly_errors
def audit(channel_id: str | None, as_json: bool) -> None:
    """Every change to a channel's settings and every approval saved, newest first: who, when,
    what, before and after."""
    settings = Settings.from_env()
    with opened_store(settings) as store:
        changes = store.changes(channel_id)
    if as_json:
        click.echo(json.dumps({"changes": [c.as_json() for c in changes]}, indent=2))
        return
    if not changes:
        click.echo("No changes recorded" + (f" for {channel_id}." if channel_id else "."))
        return
    for change in changes:
        where = change.channel_id or "approved messages"
        when = change.at[:16].replace("T", " ")
        before, after = change.before or "(none)", change.after or "(none)"
        click.echo(f"{when} UTC  {where}  {change.actor}  {change.what}: {before} → {after}")
