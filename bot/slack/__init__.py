"""Slack transport only: thin listeners (`register(app, services)`), Block Kit builders, and the
one posting path (posting.py).

Nothing here writes SQL, calls tweepy or renders Jinja: listeners ack, parse, call a service,
render blocks and respond.
"""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack import actions, answers, commands, home, outreach
from bot.slack.people import People

__all__ = ["register_all"]


def register_all(app: App, services: Services, people: People) -> None:
    """Every listener the bot has, in match order (Bolt runs the first that matches). `people`
    says who is asking, for what only members or approvers may do."""
    commands.register(app, services, people)  # `/hashtag`: one listener, a table of sub-commands
    outreach.register(app, services, people)
    answers.register(app, services)
    actions.register(app, services, people)  # last of the buttons: it answers any it doesn't know
    home.register(app, services, people)
