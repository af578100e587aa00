"""`messages`, `compose` and `available`: approved messages, their drafts, and campaign tags."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from bot.cli.common import (
    friendly_errors,
    main,
    opened_store,
    parse_day,
)
from bot.clock import utc_now, utc_today
from bot.config import Settings
from bot.services import build_services


@main.group()
def messages() -> None:
    """The library of IRB-approved messages (every change kept as a new version)."""


@messages.command("add")
@click.option("--study", required=True, help="The study, as the team knows it.")
@click.option("--irb", "irb_ref", required=True, metavar="REF", help="The IRB's reference.")
@click.option("--approved", required=True, metavar="DATE", help="Day of approval (YYYY-MM-DD).")
@click.option("--expires", required=True, metavar="DATE", help="Day the approval ends.")
@click.option(
    "--condition", "conditions", multiple=True, required=True, metavar="TEXT", help="Repeatable."
)
@click.option("--url", required=True, help="The approved study link.")
@click.option("--hashtags", type=click.Choice(["allowed", "none"]), required=True)
@click.option("--text", required=True, help="The approved text, word for word.")
@click.option("--by", default="command line", show_default=True, help="Who is adding it.")
@click.option("--edit", "message_id", type=int, metavar="ID", help="Save as a new version of ID.")
@friendly_errors
def messages_add(
    study: str,
    irb_ref: str,
    approved: str,
    expires: str,
    conditions: tuple[str, ...],
    url: str,
    hashtags: str,
    text: str,
    by: str,
    message_id: int | None,
) -> None:
    """Add an approved message (or, with --edit ID, a new version); prints its id and any
    wording warnings."""
    from bot.domain.approvals import read_approval

    settings = Settings.from_env()
    with opened_store(settings) as store:
        services = build_services(settings, store)
        approval, errors = read_approval(
            study=study,
            irb_ref=irb_ref,
            approved=approved,
            expires=expires,
            conditions=tuple(" ".join(c.split()) for c in conditions if c.strip()),
            text=text,
            url=url,
            hashtags=hashtags,
            today=services.team_today(),
        )
        if approval is None:
            for field, problem in errors.items():
                flag = "condition" if field == "conditions" else field
                click.echo(f"hashtag-bot: --{flag}: {problem}", err=True)
            sys.exit(2)
        if message_id is not None and services.outreach.message(message_id) is None:
            raise click.BadParameter(f"there is no message {message_id}", param_hint="--edit")
        saved = services.outreach.save(approval, by=by, now=utc_now(), message_id=message_id)
    m = saved.message
    state = "saved" if saved.saved else "unchanged"
    click.echo(f"Message {m.id}, version {m.version} ({state}): {m.approval.study}")
    for warning in saved.warnings:
        click.echo(f"warning: {warning}")


@messages.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the library as JSON.")
@click.option("--versions", "message_id", type=int, metavar="ID", help="Every version of ID.")
@friendly_errors
def messages_list(as_json: bool, message_id: int | None) -> None:
    """The newest version of every approved message, or every version of one."""
    from bot.domain.approvals import irb_label
    from bot.domain.wording import check_wording

    settings = Settings.from_env()
    with opened_store(settings) as store:
        services = build_services(settings, store)
        today = services.team_today()
        found = (
            services.outreach.versions(message_id)
            if message_id is not None
            else services.outreach.messages()
        )
    if as_json:
        listed = [
            m.as_json(today) | {"warnings": [str(w) for w in check_wording(m.approval.text)]}
            for m in found
        ]
        click.echo(json.dumps({"messages": listed}, ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("No approved messages yet: `hashtag-bot messages add --help`.")
    for m in found:
        a = m.approval
        click.echo(
            f"{m.id} v{m.version}  {a.study}  {irb_label(a.irb_ref)}  {', '.join(a.conditions)}  "
            f"{a.approved_on}–{a.expires_on} ({a.status(today)})  hashtags "
            f"{'allowed' if a.hashtags_allowed else 'none'}  by {m.changed_by} {m.changed_at[:10]}"
        )
        click.echo(f"    {a.text} {a.url}")
        for warning in check_wording(a.text):
            click.echo(f"    warning: {warning}")


@main.command()
@click.argument("topic", nargs=-1, required=True)
@click.option("--as-of", callback=parse_day, metavar="DATE", help="Compose as on this day.")
@click.option("--json", "as_json", is_flag=True, help="Print the drafts as JSON.")
@friendly_errors
def compose(topic: tuple[str, ...], as_of: date | None, as_json: bool) -> None:
    """Per-network drafts of the unexpired approved messages for TOPIC, with today's hashtags."""
    settings = Settings.from_env()
    with opened_store(settings) as store:
        services = build_services(settings, store)
        composition = services.outreach.compose(
            " ".join(topic), as_of or services.team_today(), services.audience()
        )
    if as_json:
        click.echo(json.dumps(composition.as_json(), ensure_ascii=False, indent=2))
        return
    for draft in composition.drafts:
        fits = "" if draft.fits else "  TOO LONG, not cut"
        click.echo(
            f"[{draft.platform}] {draft.study} (message {draft.message_id}) {draft.length}/{draft.limit}{fits}"
        )
        click.echo(f"    {draft.text}")
        for warning in draft.warnings:
            click.echo(f"    warning: {warning}")
    for note in composition.notes:
        click.echo(f"note: {note}")


@main.command()
@click.argument("tag")
@click.option("--json", "as_json", is_flag=True, help="Print the check as JSON.")
@friendly_errors
def available(tag: str, as_json: bool) -> None:
    """Is a new campaign TAG already in use (stored posts, Bluesky, Mastodon), and how it reads."""
    settings = Settings.from_env()
    with opened_store(settings) as store:
        services = build_services(settings, store)
        report = services.outreach.available(tag, utc_today())
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    click.echo(f"#{report.tag}: {report.verdict}")
    stored = report.stored
    click.echo(f"  stored posts: {stored['posts']:,} by {stored['authors']:,} accounts")
    for look in report.live:
        if look["posts"] or not look.get("error"):
            who = ", ".join(f"@{h}" for h in look["accounts"])
            click.echo(
                f"  {look['network']} now: {look['posts']} recent posts"
                + (f" by {who}" if who else "")
            )
        if look.get("error"):  # a look can be partial: one Mastodon instance of several
            click.echo(f"  {look['network']}: couldn't look ({look['error']})")
    for collision in report.collisions:
        click.echo(f"  collides: {collision}")
    for note in report.readability:
        click.echo(f"  reads: {note}")


# Alerts between digests ----------------------------------------------------------------------
