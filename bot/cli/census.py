"""`census`: the last 7 days' use of every tag on X, Mastodon and Bluesky, measured and kept."""

from __future__ import annotations

import json
import sys

import click

from bot.cli.common import friendly_errors, main, opened_store
from bot.config import Settings
from bot.domain.reach import NETWORKS
from bot.services import build_services


@main.command()
@click.option(
    "--network",
    "network",
    type=click.Choice([*NETWORKS, "all"]),
    default="all",
    show_default=True,
    help="Which network to count on.",
)
@click.option(
    "--topic",
    "topics",
    multiple=True,
    metavar="TEXT",
    help="Measure only the tags that serve this condition (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
@friendly_errors
def census(network: str, topics: tuple[str, ...], as_json: bool) -> None:
    """Measure the last 7 days' use of every knowledge-base tag on each network; resumable."""
    settings = Settings.from_env()
    networks = NETWORKS if network == "all" else (network,)
    with opened_store(settings) as store:
        services = build_services(settings, store)
        report = services.census.run(
            networks, topics, progress=lambda line: click.echo(line, err=True)
        )
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.summary())
    sys.exit(0 if report.measured_anything or not report.terms else 1)
