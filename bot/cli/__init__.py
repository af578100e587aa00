"""The `hashtag-bot` command: a thin click layer over the services, one module per group of
commands. Each module registers its commands on `main` when imported, and `main` imports a
command's module only when that command is asked for (cli/common.py: COMMAND_MODULES)."""

from bot.cli.common import main

__all__ = ["main"]
