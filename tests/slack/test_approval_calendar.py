"""Approvals by the team's own calendar, in Slack: a Sydney team saves an approval dated today
and composes on its last day, whatever day it is in UTC."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner

from bot.app import close_app, create_app
from bot.cli import main
from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.server import HttpServer, health_of, wsgi_app
from bot.services import Services, build_services
from bot.slack.installation import Installation
from bot.storage import Store
from tests.factories import approval
from tests.slack.slack_messages import assert_valid_message, block_text
from tests.slack.slack_payloads import Bot
from tests.slack.slack_standins import SIGNING_SECRET, USER, SlackStandIn
from tests.slack.test_slack_outreach import form, opened_modal, submit

SYDNEY = "Australia/Sydney"
MORNING_8_DEC = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)  # 09:30 on 8 December in Sydney
AFTERNOON_8_DEC = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)  # 15:00 on 8 December in Sydney
MORNING_9_DEC = datetime(2026, 12, 8, 21, 0, tzinfo=UTC)  # 08:00 on 9 December in Sydney


@dataclass
class Team:
    bot: Bot
    services: Services
    clock: list[datetime]


@pytest.fixture
def sydney(
    settings: Settings,
    store: Store,
    kb: KnowledgeBase,
    installation: Installation,
    slack_api: SlackStandIn,
) -> Iterator[Team]:
    """The bot over signed HTTP for a team in Sydney, with a clock the test moves."""
    clock = [MORNING_8_DEC]
    team = replace(settings, team_timezone=SYDNEY, approvers=(USER,))  # Alice approves
    services = build_services(team, store, kb=kb, clock=lambda: clock[0])
    app = create_app(services, installation=installation)
    server = HttpServer(
        wsgi_app(app, health_of(store), SIGNING_SECRET), host="127.0.0.1", port=0, threads=4
    )
    try:
        with server.running():
            yield Team(Bot(server.url, slack_api), services, clock)
    finally:
        close_app(app)


def test_a_sydney_team_saves_an_approval_dated_its_today(sydney: Team) -> None:
    view = opened_modal(sydney.bot)
    shown = block_text(view)
    assert "Australia/Sydney (today is 2026-12-08 there)" in shown  # UTC is still 7 December
    assert "through its expiry day" in shown
    answer = submit(sydney.bot, view, form(approved="2026-12-08", expires="2027-06-30"))
    assert answer["response_action"] == "update", answer
    assert "Saved message 1, version 1" in block_text(answer["view"])


def test_a_message_is_composed_through_its_last_day_on_the_teams_calendar(
    sydney: Team,
) -> None:
    last_day = approval(approved_on=date(2026, 6, 1), expires_on=date(2026, 12, 8))
    sydney.services.outreach.save(last_day, by="U0COORD", now=MORNING_8_DEC)

    sydney.clock[0] = AFTERNOON_8_DEC  # 8 December in Sydney and in UTC: its last day
    drafts = sydney.bot.ask("compose lung cancer", "r1")
    assert_valid_message(drafts)
    shown = block_text(drafts)
    assert "*X*" in shown and "LUNG-01" in shown
    assert "the approval's last day is 2026-12-08 (today)" in shown

    sydney.clock[0] = MORNING_9_DEC  # still 8 December in UTC, but the team's 9th
    after = block_text(sydney.bot.ask("compose lung cancer", "r2"))
    assert "*X*" not in after
    assert "its approval's last day was 2026-12-08, so it is not composed" in after


def test_compose_and_doctor_on_the_command_line_use_the_teams_calendar(store: Store) -> None:
    services = build_services(Settings(), store, clock=lambda: MORNING_8_DEC)
    services.outreach.save(approval(expires_on=date(2026, 12, 8)), by="U0COORD", now=MORNING_8_DEC)
    env = {"HASHTAG_BOT_DB": store.path, "HASHTAG_BOT_TIMEZONE": SYDNEY}
    composed = CliRunner().invoke(
        main, ["compose", "lung cancer", "--as-of", "2026-12-08", "--json"], env=env
    )
    assert composed.exit_code == 0, composed.output
    assert len(json.loads(composed.output)["drafts"]) == 3  # the last day is a day in use
    doctor = CliRunner().invoke(main, ["doctor"], env=env)
    assert "team zone     Australia/Sydney (HASHTAG_BOT_TIMEZONE)" in doctor.output
    bad = CliRunner().invoke(main, ["doctor"], env=env | {"HASHTAG_BOT_TIMEZONE": "Sydny"})
    assert "HASHTAG_BOT_TIMEZONE: “Sydny” isn't a time zone I know. Did you mean Sydney?" in (
        bad.output
    )
