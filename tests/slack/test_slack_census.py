"""What a census changes in Slack and in `doctor`: each line's measured use, Explain's figures
per network, the App Home's census line, and a network that refused, said once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.services import build_services
from bot.slack.blocks import EXPLAIN_ACTION, MORE_ACTION, AnswerRef
from bot.storage import Store
from tests.census_world import World, census_world
from tests.factories import NOW
from tests.slack.slack_messages import assert_valid_message, block_text, buttons
from tests.slack.slack_payloads import Bot
from tests.slack.slack_standins import APP_TOKEN, BOT_TOKEN, SlackStandIn


@pytest.fixture
def world() -> Iterator[World]:
    with census_world(now=NOW) as standing:  # the suite's Slack answers are as of 27 Nov 2026
        yield standing


@pytest.fixture
def measured(store: Store, kb: KnowledgeBase, world: World) -> Store:
    """A census of four conditions, as `run` would have made it, in the bot's database."""
    services = build_services(Settings.from_env(world.env()), store, kb=kb, clock=lambda: NOW)
    services.census.run(topics=["alzheimers", "ulcerative colitis", "lung cancer"])
    return store


def line_of(text: str, tag: str) -> str:
    return next(line for line in text.splitlines() if f". #{tag}*" in line)


def test_each_line_shows_the_measured_use_when_no_posts_were_collected(
    bot: Bot, measured: Store
) -> None:
    reply = bot.ask("alzheimers")
    assert_valid_message(reply)
    shown = block_text(reply)
    assert "≈5,200 posts a week on X · 120 on Mastodon · 90 on Bluesky" in line_of(
        shown, "Alzheimers"
    )
    copy = shown.split("*Copy:*", 1)[1].split("```")[1].split()
    assert "#Alzheimers" in copy and "#DementiaFriends" not in copy  # nobody used it this week
    colitis = bot.ask("ulcerative colitis", "r2")  # #Spoonie waits behind Show more: one
    more = buttons(colitis)[MORE_ACTION]["value"]  # cross-cutting tag in the top five
    bot.press(MORE_ACTION, more, "r3")
    spoonie = line_of(block_text(bot.slack.reply("r3")), "Spoonie")
    assert "· most of this week's use is on Bluesky" in spoonie


def test_explain_gives_each_networks_figure_and_the_day_it_was_measured(
    bot: Bot, measured: Store, world: World
) -> None:
    value = AnswerRef("alzheimers", NOW.date(), "Alzheimers").encode()
    bot.press(EXPLAIN_ACTION, value)
    reply = bot.slack.reply()
    assert_valid_message(reply)
    text = block_text(reply)
    assert "Measured on X: 5,200 posts in the 7 days to 27 Nov 2026" in text
    host = world.mastodon.url.removeprefix("http://")
    assert (
        f"Measured on Mastodon: 120 posts by 70 accounts in the 7 days to 27 Nov 2026 on {host}, "
        "the busiest instance asked" in text
    )
    assert "Measured on Bluesky: 90 posts in the 7 days to 27 Nov 2026" in text
    assert "Graded hot" in text


def test_the_app_home_says_when_the_census_ran_what_it_measured_and_who_refused(
    bot: Bot, store: Store, kb: KnowledgeBase, world: World
) -> None:
    world.x.counts_forbidden = True
    services = build_services(Settings.from_env(world.env()), store, kb=kb, clock=lambda: NOW)
    services.census.run(topics=["lung cancer"])
    bot.open_home()
    published = bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))[0].params
    shown = block_text(published["view"])
    assert (
        "Last census 27 Nov 2026 12:00 UTC: 25 tags measured (X 0, Mastodon 24, Bluesky 25)"
        in shown
    )
    assert shown.count("X refused: X refused counts for this app's access (403 Forbidden") == 1


def test_doctor_says_when_the_census_ran_and_that_x_refused_once(
    slack_api: SlackStandIn, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.x.counts_forbidden = True
    for name, value in world.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack_api.api_url)
    slack_api.ws_url = "ws://127.0.0.1:9/unused"
    before = CliRunner().invoke(main, ["doctor"])
    assert "off   census" in before.output and "no census yet" in before.output
    CliRunner().invoke(main, ["census", "--topic", "lung cancer"])
    CliRunner().invoke(main, ["census", "--topic", "lung cancer"])  # refused again: said once
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    [census] = [line for line in lines if line.startswith("ok    census ")]
    assert "Last census" in census and "tags measured (X 0, Mastodon 24, Bluesky 25)" in census
    refused = [line for line in lines if "X refused counts" in line]
    assert len(refused) == 1 and refused[0].startswith("off   census X")
    assert "403 Forbidden" in refused[0]
    spend = next(line for line in lines if line.startswith("ok    X spend"))
    assert "0 counts requests for the census, unpriced (set X_COUNTS_REQUEST_USD)" in spend
