"""What every `hashtag-bot` command shares: the group, friendly errors, the database, dates."""

from __future__ import annotations

import importlib
import logging
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import wraps
from typing import Any, TypeVar

import click

from bot.config import ConfigError, Settings
from bot.knowledge import KnowledgeError
from bot.log_redaction import redact_logs, secrets_of
from bot.storage import Store, StoreError

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
        except sqlite3.Error as err:
            logging.getLogger(__name__).debug("database error", exc_info=True)
            click.echo(
                f"hashtag-bot: the database could not be used ({err}). "
                "Run `hashtag-bot doctor` to check HASHTAG_BOT_DB.",
                err=True,
            )
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@contextmanager
def opened_store(settings: Settings) -> Iterator[Store]:
    store = Store(settings.db_path)
    try:
        yield store
    finally:
        store.close()


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # dates the bot can reason about


def parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    """--as-of DATE: a real calendar day between 2000 and 2100 (a usage error otherwise)."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-27") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise click.BadParameter(f"{value!r} is outside {FIRST_DAY.year}–{LAST_DAY.year}")
    return day


def parse_code(
    read: Callable[[str], str],
) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """--region CC / --lang xx: a code checked against its ISO list (a usage error otherwise)."""

    def parse(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return read(value)
        except ValueError as err:
            raise click.BadParameter(str(err)) from None

    return parse


def parse_moment(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> datetime | None:
    """--as-of DATETIME: ISO 8601, UTC unless it names an offset; a bare date means its start."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a moment like 2026-11-27T09:00 or 2026-11-27T09:00+01:00"
        ) from None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise click.BadParameter(f"{value!r} is outside {FIRST_DAY.year}–{LAST_DAY.year}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Which module of bot/cli registers each command. A command's module, and what it imports, loads
# only when that command runs or help lists them all: `suggest` starts without the outreach
# drafts, digests or the sources (tests/test_cli_imports.py keeps this table and the modules in
# step).
COMMAND_MODULES = {
    "suggest": "answers",
    "census": "census",
    "audit": "audit",
    "ingest": "data",
    "compliance": "data",
    "check": "data",
    "import": "data",
    "backup": "data",
    "digest": "digests",
    "schedule": "digests",
    "alerts": "digests",
    "messages": "outreach",
    "compose": "outreach",
    "available": "outreach",
    "run": "running",
    "doctor": "running",
}


class CommandsByModule(click.Group):
    """A click group whose commands are imported on first use, by name (COMMAND_MODULES)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"bot.cli.{COMMAND_MODULES[cmd_name]}")  # registers it
        return self.commands.get(cmd_name)


@click.group(cls=CommandsByModule, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hashtag-bot")
def main() -> None:
    """hashtag-bot: the hashtags patient communities really use, with the evidence."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        secrets = secrets_of(Settings.from_env())
    except ConfigError:  # the command itself says what is wrong; token shapes are still hidden
        secrets = []
    redact_logs(secrets)
