"""The `hashtag-bot` command: a thin click layer over the library."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import wraps
from typing import Any, TypeVar

import click

from bot.config import ConfigError, Settings
from bot.domain.suggest import SuggestionResult
from bot.knowledge import KnowledgeError, load_knowledge
from bot.storage import Store, StoreError
from bot.suggestions import DEFAULT_LIMIT, MAX_LIMIT, Suggester

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(command: F) -> F:
    """Configuration and database problems end the command with what to fix, not a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ConfigError, StoreError, KnowledgeError) as err:
            click.echo(f"hashtag-bot: {err}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@contextmanager
def opened_store(settings: Settings) -> Iterator[Store]:
    store = Store(settings.db_path)
    try:
        yield store
    finally:
        store.close()


def today_utc() -> date:
    return datetime.now(UTC).date()


def parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-27") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hashtag-bot")
def main() -> None:
    """hashtag-bot: the hashtags patient communities really use, with the evidence."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
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
@friendly_errors
def suggest(text: tuple[str, ...], as_json: bool, limit: int, as_of: date | None) -> None:
    """Suggest hashtags for TEXT: exactly the answer `/hashtag TEXT` gives."""
    settings = Settings.from_env()
    with opened_store(settings) as store:
        result = Suggester(load_knowledge(), store).suggest(
            " ".join(text), today=as_of or today_utc(), limit=limit
        )
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_result(result))


def format_result(result: SuggestionResult) -> str:
    """The answer as a person reads it in a terminal."""
    matches = result.understanding.matches
    if matches:
        names = ", ".join(f"{m.condition.name} (from “{m.matched}”)" for m in matches)
        head = f"Hashtags for {names}"
    else:
        head = (
            f"Hashtags for “{result.understanding.text}”"
            if result.understanding.text
            else "hashtag-bot"
        )
    lines = [
        head,
        f"as of {result.as_of.isoformat()} · knowledge base {result.knowledge_version}",
        "",
    ]
    for n, suggestion in enumerate(result.suggestions, 1):
        lines.append(
            f"{n:>2}. #{suggestion.tag}  [{suggestion.kind}]  score {suggestion.score:.2f}"
        )
        lines += [f"      {reason}" for reason in suggestion.reasons]
    if result.suggestions:
        lines += ["", "Copy: " + " ".join(f"#{s.tag}" for s in result.suggestions[:5])]
    if result.notes:
        lines += [""] + [f"Note: {note}" for note in result.notes]
    return "\n".join(lines)
