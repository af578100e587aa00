"""Slack transport only: thin listeners (`register(app, services)`), Block Kit builders, and the
one posting path (posting.py).

Nothing here writes SQL, calls tweepy or renders Jinja: listeners ack, parse, call a service,
render blocks and respond.
"""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack import actions, answers, commands, home, outreach

__all__ = ["register_all"]


def register_all(app: App, services: Services) -> None:
    """Every listener the bot has, in match order (Bolt runs the first that matches)."""
    commands.register(app, services)  # `/hashtag`: the one listener, a table of sub-commands
    outreach.register(app, services)
    answers.register(app, services)
    actions.register(app, services)  # last of the buttons: it answers any it doesn't know
    home.register(app, services)
