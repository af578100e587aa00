"""Slack transport only: thin listeners (`register(app, services)`) and Block Kit builders.

Nothing here writes SQL, calls tweepy or renders Jinja: listeners ack, parse, call the
suggestion service or the Store's public methods, render blocks and respond.
"""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack import actions, answers, commands, home, outreach

__all__ = ["register_all"]


def register_all(app: App, services: Services) -> None:
    """Every listener the bot has, in match order (Bolt runs the first that matches)."""
    outreach.register(app, services)  # before commands: it takes messages, compose, available
    commands.register(app, services)
    answers.register(app, services)
    actions.register(app, services)  # last of the buttons: it answers any it doesn't know
    home.register(app, services)
