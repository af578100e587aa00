"""Each Slack delivery is applied once, and only for the workspace and app the bot serves."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from urllib.parse import urlencode

import pytest

from bot.app import close_app, create_app
from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.server import HttpServer, health_of, wsgi_app
from bot.services import build_services
from bot.slack.blocks import SHARE_ACTION, TRACK_ACTION
from bot.slack.installation import Installation
from bot.slack.request_gate import ELSEWHERE, NO_TEAM
from bot.storage import Store
from tests.factories import NOW
from tests.slack.slack_messages import buttons
from tests.slack.slack_payloads import (
    Bot,
    action_payload,
    home_opened_body,
    signed,
    slash_body,
    slash_payload,
)
from tests.slack.slack_standins import APP_ID, CHANNEL, SIGNING_SECRET, SlackStandIn

JSON = "application/json"


def test_a_replayed_mute_after_unmute_does_not_mute_again(
    bot: Bot, store: Store, drain: Callable[[], None], caplog: pytest.LogCaptureFixture
) -> None:
    mute = slash_body("mute @Spammy_Acct", bot.slack.response_url("mute"))
    captured = signed(mute)
    assert bot.send(mute, captured)[0] == 200
    assert "won't name *@Spammy_Acct*" in bot.slack.reply("mute")["text"]
    assert "may show" in bot.ask("unmute @Spammy_Acct", "unmute")["text"]
    status, answer, _ = bot.send(mute, captured)  # the same bytes and headers, a minute later
    assert (status, answer) == (200, "")
    drain()
    assert store.muted(CHANNEL) == []
    assert len(bot.slack.replies("mute")) == 1
    assert "ignored a replayed request" in caplog.text


def test_a_command_slack_delivers_again_is_applied_and_answered_once(
    bot: Bot, store: Store, drain: Callable[[], None]
) -> None:
    mute = slash_body("mute @Spammy_Acct", bot.slack.response_url("mute"))
    assert bot.send(mute, signed(mute))[0] == 200
    bot.slack.reply("mute")
    bot.ask("unmute @Spammy_Acct", "unmute")
    for attempt in (1, 2):  # re-signed, as Slack signs every delivery afresh
        assert bot.send(mute, signed(mute, retry=attempt))[0] == 200
    drain()
    assert store.muted(CHANNEL) == []
    assert len(bot.slack.replies("mute")) == 1


def test_an_event_slack_retries_publishes_the_home_tab_once(
    bot: Bot, drain: Callable[[], None]
) -> None:
    event = home_opened_body(event_id="Ev0RETRIED")
    assert bot.send(event, signed(event, kind=JSON))[0] == 200
    bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))
    assert bot.send(event, signed(event, kind=JSON, retry=1))[0] == 200
    drain()
    assert len(bot.slack.api_calls("views.publish")) == 1


def test_one_share_press_posts_once_however_often_slack_delivers_it(
    bot: Bot, drain: Callable[[], None]
) -> None:
    value = buttons(bot.ask("lung cancer", "ask"))[SHARE_ACTION]["value"]
    press = action_payload(SHARE_ACTION, value, bot.slack.response_url("share"))
    body = urlencode({"payload": json.dumps(press)})
    assert bot.send(body, signed(body))[0] == 200
    assert bot.slack.reply("share")["text"].startswith(f"Shared in <#{CHANNEL}>.")
    assert bot.send(body, signed(body, retry=1))[0] == 200  # Slack's retry
    assert bot.send(body, signed(body))[0] == 200  # the same payload again, freshly signed
    # The same press reaching the bot by another route, under another trigger_id.
    again = urlencode({"payload": json.dumps(press | {"trigger_id": "9.9.elsewhere"})})
    assert bot.send(again, signed(again))[0] == 200
    drain()
    assert len(bot.slack.api_calls("chat.postMessage")) == 1
    assert len(bot.slack.replies("share")) == 1


def test_two_presses_of_share_post_twice(bot: Bot) -> None:
    value = buttons(bot.ask("lung cancer", "ask"))[SHARE_ACTION]["value"]
    bot.press(SHARE_ACTION, value, "first")
    bot.slack.reply("first")
    bot.press(SHARE_ACTION, value, "second")  # a person pressing again is a new press
    bot.slack.reply("second")
    assert len(bot.slack.api_calls("chat.postMessage")) == 2


def test_a_share_slack_refused_can_be_delivered_again(bot: Bot) -> None:
    value = buttons(bot.ask("lung cancer", "ask"))[SHARE_ACTION]["value"]
    press = action_payload(SHARE_ACTION, value, bot.slack.response_url("share"))
    bot.slack.fail("chat.postMessage", "not_in_channel")
    body = urlencode({"payload": json.dumps(press)})
    bot.send(body, signed(body))
    assert "/invite @hashtag-bot" in bot.slack.reply("share")["text"]
    bot.slack.canned.pop("chat.postMessage")
    again = urlencode({"payload": json.dumps(press | {"trigger_id": "9.9.after-invite"})})
    bot.send(again, signed(again))
    bot.slack.wait_for(lambda: len(bot.slack.replies("share")) == 2)
    assert bot.slack.replies("share")[1]["text"].startswith(f"Shared in <#{CHANNEL}>.")


@pytest.mark.parametrize(
    "elsewhere", [{"team": "T0OTHERORG"}, {"app": "A0IMPOSTOR"}], ids=["team", "app"]
)
def test_a_command_for_another_workspace_or_app_is_acknowledged_but_not_applied(
    bot: Bot,
    store: Store,
    drain: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
    elsewhere: dict[str, str],
) -> None:
    body = urlencode(slash_payload("track lung cancer", bot.slack.response_url(), **elsewhere))
    status, answer, _ = bot.send(body, signed(body))
    assert status == 200
    assert json.loads(answer) == {"response_type": "ephemeral", "text": ELSEWHERE}
    drain()
    assert store.topics() == []
    assert bot.slack.since_start() == []  # not even its response_url is called
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    ignored = [m for m in said if m.startswith("ignored a Slack request for")]
    assert len(ignored) == 1, said
    assert next(iter(elsewhere.values())) in ignored[0]


def test_a_share_press_from_another_workspace_posts_nothing(
    bot: Bot, drain: Callable[[], None]
) -> None:
    value = buttons(bot.ask("lung cancer", "ask"))[SHARE_ACTION]["value"]
    press = action_payload(SHARE_ACTION, value, bot.slack.response_url("share"), team="T0OTHER")
    body = urlencode({"payload": json.dumps(press)})
    assert bot.send(body, signed(body))[0] == 200
    drain()
    assert bot.slack.api_calls("chat.postMessage") == []
    assert bot.slack.replies("share") == []


def test_a_command_that_names_no_team_is_acknowledged_told_why_and_not_applied(
    bot: Bot, store: Store, drain: Callable[[], None]
) -> None:
    payload = slash_payload("track lung cancer", bot.slack.response_url())
    del payload["team_id"]
    body = urlencode(payload)
    status, answer, _ = bot.send(body, signed(body))
    assert status == 200
    assert json.loads(answer) == {"response_type": "ephemeral", "text": NO_TEAM}
    drain()
    assert store.topics() == []  # nothing stored under an empty team


def test_a_track_press_whose_team_is_null_is_not_applied(
    bot: Bot, store: Store, drain: Callable[[], None]
) -> None:
    value = buttons(bot.ask("lung cancer", "ask"))[TRACK_ACTION]["value"]
    press = action_payload(TRACK_ACTION, value, bot.slack.response_url("track"))
    press["team"] = None  # as some interaction payloads of org-wide installs have it
    del press["user"]["team_id"]
    body = urlencode({"payload": json.dumps(press)})
    status, answer, _ = bot.send(body, signed(body))
    assert status == 200 and json.loads(answer)["text"] == NO_TEAM
    drain()
    assert store.topics() == []


def test_an_org_wide_install_takes_the_org_from_a_press_whose_team_is_null(
    settings: Settings, store: Store, kb: KnowledgeBase, slack_api: SlackStandIn
) -> None:
    org = Installation(team_id="", enterprise_id="E0ORG", org_wide=True, app_id=APP_ID)
    services = build_services(settings, store, kb=kb, clock=lambda: NOW)
    app = create_app(services, installation=org)
    server = HttpServer(wsgi_app(app, health_of(store), SIGNING_SECRET), host="127.0.0.1", port=0)
    with server.running():
        bot = Bot(server.url, slack_api)
        value = buttons(bot.ask("lung cancer", "ask"))[TRACK_ACTION]["value"]
        press = action_payload(TRACK_ACTION, value, slack_api.response_url("track"))
        press |= {"team": None, "enterprise": {"id": "E0ORG"}, "is_enterprise_install": True}
        del press["user"]["team_id"]
        body = urlencode({"payload": json.dumps(press)})
        assert bot.send(body, signed(body))[0] == 200
        assert "now tracks *Lung cancer*" in slack_api.reply("track")["text"]
    close_app(app)
    assert [(t.topic, t.team_id) for t in store.topics()] == [("Lung cancer", "E0ORG")]
