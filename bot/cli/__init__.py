"""The `hashtag-bot` command: a thin click layer over the services, one module per group of
commands; importing them registers their commands on `main`."""

from bot.cli import answers, census, data, digests, outreach, running  # noqa: F401  (registers them)
from bot.cli.common import main

__all__ = ["main"]
