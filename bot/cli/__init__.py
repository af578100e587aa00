"""The `hashtag-bot` command: a thin click layer over the services, one module per group of
commands; importing them registers their commands on `main`."""

from bot.cli import (  # noqa: F401  (importing them registers their commands)
    answers,
    audit,
    census,
    data,
    digests,
    outreach,
    running,
)
from bot.cli.common import main

__all__ = ["main"]
