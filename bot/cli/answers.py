"""`suggest`: exactly the answer `/hashtag TEXT` gives, in the terminal."""

from __future__ import annotations

import json
from datetime import date

import click

from bot.cli.common import (
    friendly_errors,
    main,
    opened_store,
    parse_code,
    parse_day,
)
from bot.clock import utc_today
from bot.config import Settings
from bot.knowledge.codes import read_language, read_region
from bot.render.text import suggestion_text
from bot.services import build_services
from bot.services.suggestions import DEFAULT_LIMIT, MAX_LIMIT

REGION_PROMPT = (
    "No region set: add --region US (or GB, CA, AU, IE…), or set HASHTAG_BOT_REGION, and tags "
    "that belong to that country come first; those that belong to one country only wait below "
    "the top five until then."
)


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
@click.option(
    "--region",
    callback=parse_code(read_region),
    metavar="CC",
    help="The team's country (ISO 3166-1: US, GB, CA…; global for none). "
    "Default: HASHTAG_BOT_REGION.",
)
@click.option(
    "--lang",
    callback=parse_code(read_language),
    metavar="xx",
    help="A language the team works in besides English (ISO 639-1: es, fr, de…). "
    "Default: HASHTAG_BOT_LANGUAGE.",
)
@friendly_errors
def suggest(
    text: tuple[str, ...],
    as_json: bool,
    limit: int,
    as_of: date | None,
    explain: bool,
    region: str | None,
    lang: str | None,
) -> None:
    """Suggest hashtags for TEXT: exactly the answer `/hashtag TEXT` gives."""
    settings = Settings.from_env()
    with opened_store(settings) as store:
        services = build_services(settings, store)
        audience = services.audience(region=region, lang=lang)
        result = services.suggester.suggest(
            " ".join(text), today=as_of or utc_today(), limit=limit, audience=audience
        )
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(suggestion_text(result, explain=explain, asks_region=REGION_PROMPT))
