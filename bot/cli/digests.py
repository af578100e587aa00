"""`digest`, `schedule` and `alerts`: what channels are told, and when."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import Any

import click

from bot.cli.common import (
    friendly_errors,
    main,
    opened_store,
    parse_day,
    parse_moment,
)
from bot.clock import utc_now
from bot.config import Settings
from bot.services import build_services


@main.command()
@click.option(
    "--channel", "channel_id", metavar="ID", help="The digest of the topics this channel tracks."
)
@click.option(
    "--topic", "topics", multiple=True, metavar="TEXT", help="A topic to digest (repeatable)."
)
@click.option(
    "--as-of",
    callback=parse_day,
    metavar="DATE",
    help="Build it as at the end of this day (YYYY-MM-DD).",
)
@click.option("--preview", is_flag=True, help="Print the channel's digest instead of posting it.")
@click.option("--json", "as_json", is_flag=True, help="Print the digest as JSON.")
@click.option("--blocks", "as_blocks", is_flag=True, help="Print the Slack message payloads.")
@click.option(
    "--record",
    is_flag=True,
    help="Mark a --preview as delivered, so later digests don't repeat its accounts.",
)
@friendly_errors
def digest(
    channel_id: str | None,
    topics: tuple[str, ...],
    as_of: date | None,
    preview: bool,
    as_json: bool,
    as_blocks: bool,
    record: bool,
) -> None:
    """Build a digest for a channel's tracked topics (posting it) or for the topics given."""
    from bot.domain.text import clean_text
    from bot.render.text import digest_text
    from bot.services.digest_delivery import deliver_digests, introduced_by
    from bot.services.digests import as_of_moment
    from bot.services.schedules import channel_clocks
    from bot.services.topics import MAX_TOPIC_CHARS, TopicSpec, tracked_topics

    if bool(channel_id) == bool(topics):
        raise click.UsageError(
            'Give either --channel ID or --topic TEXT (e.g. --topic "lung cancer").'
        )
    if as_json and as_blocks:
        raise click.UsageError("Choose one of --json and --blocks.")
    if record and not (channel_id and preview):
        raise click.UsageError(
            "--record goes with --channel ID --preview: it marks that preview as delivered."
        )
    settings = Settings.from_env()
    now = utc_now()
    if as_of is not None and as_of != now.date():
        now = as_of_moment(as_of)
    posting = bool(channel_id) and not preview
    if posting:
        settings.require("SLACK_BOT_TOKEN")
    with opened_store(settings) as store:
        services = build_services(settings, store, clock=lambda: now)
        if posting and channel_id:
            from bot.app import create_web_client
            from bot.slack.posting import SlackPublisher

            clock = channel_clocks(store, settings.digest_hour).get(channel_id)
            day = as_of or (clock.schedule.local_day(now) if clock else now.date())
            (delivery,) = deliver_digests(
                store,
                services.digester,
                SlackPublisher(create_web_client(settings)),
                now=now,
                days={channel_id: day},
            )
            if delivery.digest is not None and (as_json or as_blocks):
                click.echo(_digest_output(delivery.digest, as_json=as_json))
            click.echo(delivery.summary(), err=bool(as_json or as_blocks))
            sys.exit(1 if delivery.error else 0)
        if channel_id:
            specs = tracked_topics(store, channel_id).get(channel_id, [])
        else:
            specs = [TopicSpec(clean_text(t, limit=MAX_TOPIC_CHARS)[0]) for t in topics]
        built = services.digester.for_topics(specs, now=now, channel_id=channel_id)
        if as_json or as_blocks:
            click.echo(_digest_output(built, as_json=as_json))
        else:
            click.echo(digest_text(built))
        if record and channel_id and built.topics:
            store.record_digest(channel_id, built.as_of, introduced_by(built), now=now)
            click.echo(f"Recorded as {channel_id}'s digest for {built.as_of}.", err=True)


def _digest_output(built: Any, *, as_json: bool) -> str:
    """A digest as JSON, or as the Slack message payloads a channel would get."""
    from bot.slack.digest import digest_messages

    if as_json:
        return json.dumps(built.as_json(), ensure_ascii=False, indent=2)
    channel = {"channel": built.channel_id} if built.channel_id else {}
    payloads = [channel | payload for payload in digest_messages(built)]
    return json.dumps(payloads, ensure_ascii=False, indent=2)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the schedules as JSON.")
@click.option(
    "--as-of",
    callback=parse_moment,
    metavar="DATETIME",
    help="Next runs after this moment (ISO 8601; UTC unless it names an offset).",
)
@friendly_errors
def schedule(as_json: bool, as_of: datetime | None) -> None:
    """Each tracking channel's digest schedule and its next run."""
    from bot.services.schedules import channel_clocks

    settings = Settings.from_env()
    now = as_of or utc_now()
    with opened_store(settings) as store:
        clocks = channel_clocks(store, settings.digest_hour)
    rows = [clock.as_json(now) for clock in clocks.values()]
    if as_json:
        click.echo(json.dumps({"channels": rows}, indent=2))
        return
    if not rows:
        click.echo("No channel tracks a topic yet, so no digest is scheduled.")
        return
    for clock, row in zip(clocks.values(), rows, strict=True):
        chosen = "" if clock.chosen else " (the default: set one with /hashtag digest …)"
        when = clock.schedule.describe()
        upcoming = "now (catching up on today's)" if row["catching_up"] else row["next_utc"]
        click.echo(f"{row['channel']}: {when}; next {upcoming or '-'}{chosen}")


@main.command()
@click.option("--channel", "channel_id", metavar="ID", help="Only this channel's alerts.")
@click.option(
    "--as-of",
    callback=parse_moment,
    metavar="DATETIME",
    help="Check as at this moment (ISO 8601; UTC unless it names an offset).",
)
@click.option("--preview", is_flag=True, help="Show what would fire; post nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as JSON.")
@friendly_errors
def alerts(channel_id: str | None, as_of: datetime | None, preview: bool, as_json: bool) -> None:
    """The alerts due now (a burst, a tag taking off, a conversation gathering people), posted
    to their channels unless --preview; each event reaches a channel once."""
    from bot.services.alerts import alerter_for

    settings = Settings.from_env()
    now = as_of or utc_now()
    if not preview:
        settings.require("SLACK_BOT_TOKEN")
    with opened_store(settings) as store:
        services = build_services(settings, store, clock=lambda: now)
        alerter = alerter_for(services)
        check = alerter.check(now, channel_id)
        if not preview:
            from bot.app import create_web_client
            from bot.slack.posting import SlackPublisher

            check = alerter.deliver(SlackPublisher(create_web_client(settings)), check)
    if as_json:
        click.echo(json.dumps({"alerts": [a.as_json() for a in check.alerts]}, indent=2))
    else:
        for found in check.alerts:
            click.echo(f"{found.channel_id} · {found.alert.kind} · {found.alert.summary}")
            for post in found.posts:
                click.echo(f"    @{post.author_handle}: {post.url}")
        if not check.alerts:
            click.echo("No alerts due.")
    for channel, why in check.held.items():
        click.echo(f"{channel}: nothing now, {why}", err=True)
    if not preview:
        click.echo(f"Posted {check.posted} alert{'s' * (check.posted != 1)}.", err=True)
    for channel, error in check.errors.items():
        click.echo(f"{channel}: {error}", err=True)
    sys.exit(1 if check.errors else 0)
