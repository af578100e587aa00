"""Who may do what, as signed requests from each kind of person get it: guests ask, members
change a channel's settings and share, approvers keep the approved-message library."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from bot.app import close_app, create_app
from bot.cli import main
from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.server import HttpServer, check_bot_token, health_of, wsgi_app
from bot.services import build_services
from bot.slack.blocks import EXPLAIN_ACTION, SHARE_ACTION, TRACK_ACTION, AnswerRef
from bot.slack.installation import Installation
from bot.storage import Store
from tests.factories import NOW
from tests.slack.slack_messages import block_text, buttons
from tests.slack.slack_payloads import Bot, action_payload, post, signed, slash_body
from tests.slack.slack_standins import (
    BOT_TOKEN,
    CHANNEL,
    SIGNING_SECRET,
    TEAM,
    SlackStandIn,
)
from tests.slack.test_slack_outreach import form

GUEST, OUTSIDER, MEMBER, APPROVER = "U0GUEST", "U0PARTNER", "U0MEMBER", "U0APPROVER"
CHANGES = [  # every channel setting a slash command changes, with what it leaves behind
    ("track lung cancer", lambda store: [t.topic for t in store.topics(CHANNEL)]),
    ("mute @spammy", lambda store: store.muted(CHANNEL)),
    ("digest daily 09:00 Europe/London", lambda store: store.channel_settings()),
    ("alerts off", lambda store: store.channel_settings()),
    ("region GB", lambda store: store.channel_audience(CHANNEL)),
    ("language es", lambda store: store.channel_audience(CHANNEL)),
]


@pytest.fixture
def settings(slack_api: SlackStandIn) -> Settings:
    slack_api.users = {
        GUEST: {"is_restricted": True},  # a multi-channel guest (an agency, say)
        OUTSIDER: {"team_id": "T0PARTNER"},  # a partner organisation's member, via Slack Connect
    }
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api.api_url,
        approvers=(APPROVER,),
    )


def typed(user: str, text: str, bot: Bot, reply: str) -> None:
    """`user` types `/hashtag text` in the channel (an outsider is in it through Slack Connect:
    the request names the channel's workspace; Slack's users.info says where they belong)."""
    body = slash_body(text, bot.slack.response_url(reply), user=user, team=TEAM)
    status, _, _ = bot.send(body, signed(body))
    assert status == 200


def as_(user: str, text: str, bot: Bot, reply: str) -> str:
    """What `user` reads after typing `/hashtag text`."""
    typed(user, text, bot, reply)
    return block_text(bot.slack.reply(reply))


def press_as(user: str, action_id: str, value: str, bot: Bot, reply: str) -> str:
    press = action_payload(action_id, value, bot.slack.response_url(reply))
    press["user"]["id"] = user
    if user == OUTSIDER:
        press["user"]["team_id"] = "T0PARTNER"
    body = urlencode({"payload": json.dumps(press)})
    assert bot.send(body, signed(body))[0] == 200
    return block_text(bot.slack.reply(reply))


def save_as(user: str, bot: Bot, view: dict[str, Any]) -> dict[str, Any]:
    """Save on the approved-message form, as `user` (a form that reached them anyway)."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "trials"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0HASHTAG",
        "trigger_id": f"1.2.submit-{user}",  # each press of Save is its own delivery
        "view": {
            "id": "V0MODAL",
            "type": "modal",
            "blocks": view["blocks"],
            "private_metadata": view["private_metadata"],
            "callback_id": view["callback_id"],
            "state": {"values": form()},
            "title": view["title"],
        },
    }
    body = urlencode({"payload": json.dumps(payload)})
    status, answer, _ = post(bot.url + "/slack/events", body, signed(body))
    assert status == 200
    return dict(json.loads(answer))


@pytest.mark.parametrize("who", [GUEST, OUTSIDER])
@pytest.mark.parametrize(("text", "state"), CHANGES, ids=[c[0].split()[0] for c in CHANGES])
def test_guests_and_other_organisations_cannot_change_a_channel(
    bot: Bot, store: Store, who: str, text: str, state: Callable[[Store], Any]
) -> None:
    before = state(store)
    said = as_(who, text, bot, "refused")
    assert "is for members of this workspace" in said
    assert ("guest" in said) if who == GUEST else ("another organisation" in said)
    assert state(store) == before and store.changes() == []  # nothing changed, nothing recorded


@pytest.mark.parametrize(("text", "state"), CHANGES, ids=[c[0].split()[0] for c in CHANGES])
def test_members_change_a_channel_and_the_audit_trail_keeps_it(
    bot: Bot, store: Store, text: str, state: Callable[[Store], Any]
) -> None:
    before = state(store)
    said = as_(MEMBER, text, bot, "member")
    assert "members of this workspace" not in said
    assert state(store) != before
    [change] = store.changes(CHANNEL)
    assert change.actor == MEMBER and change.after


def test_undoing_is_a_change_too_and_list_shows_the_last_one(
    bot: Bot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HASHTAG_BOT_DB", store.path)  # `hashtag-bot audit` reads the bot's file
    as_(MEMBER, "track lung cancer", bot, "t")
    as_(MEMBER, "mute @spammy", bot, "m")
    assert "is for members" in as_(GUEST, "untrack lung cancer", bot, "g1")
    assert "is for members" in as_(GUEST, "unmute @spammy", bot, "g2")
    assert [t.topic for t in store.topics(CHANNEL)] == ["Lung cancer"]
    as_(APPROVER, "unmute @spammy", bot, "u")
    listed = as_(GUEST, "list", bot, "list")  # reading is open to guests
    assert f"Last change: <@{APPROVER}> changed unmute (@spammy → none)" in listed
    audit = CliRunner().invoke(main, ["audit", "--channel", CHANNEL, "--json"])
    changes = json.loads(audit.output)["changes"]
    assert [(c["by"], c["what"], c["before"], c["after"]) for c in changes] == [
        (APPROVER, "unmute", "@spammy", ""),
        (MEMBER, "mute", "", "@spammy"),
        (MEMBER, "track", "", "Lung cancer"),
    ]


def test_guests_get_answers_explain_and_drafts_but_cannot_share_or_track(
    bot: Bot, store: Store
) -> None:
    answer = bot.ask("lung cancer", "ask")
    assert "#LCSM" in block_text(answer)
    assert "#LCSM" in as_(GUEST, "lung cancer", bot, "guest-ask")
    value = buttons(answer)[SHARE_ACTION]["value"]
    explain = AnswerRef("lung cancer", NOW.date(), "LCSM").encode()
    assert "#LCSM" in press_as(GUEST, EXPLAIN_ACTION, explain, bot, "why")
    drafts = as_(GUEST, "compose lung cancer", bot, "drafts")
    assert "Lung cancer" in drafts and "members" not in drafts  # drafts are open to guests
    said = press_as(GUEST, SHARE_ACTION, value, bot, "share")
    assert "sharing answers into a channel is for members" in said
    assert bot.slack.api_calls("chat.postMessage") == []
    said = press_as(GUEST, TRACK_ACTION, value, bot, "track")
    assert "changing this channel's settings is for members" in said
    assert store.topics() == []
    assert press_as(MEMBER, SHARE_ACTION, value, bot, "member-share").startswith("Shared in")


def test_only_approvers_open_and_save_the_approved_message_form(bot: Bot, store: Store) -> None:
    said = as_(MEMBER, "messages", bot, "member")
    assert f"Only approvers can add or edit IRB-approved messages: <@{APPROVER}>" in said
    assert bot.slack.api_calls("views.open") == []  # the form does not open for them
    typed(APPROVER, "messages", bot, "approver")
    view = bot.slack.wait_for(lambda: bot.slack.api_calls("views.open"))[0].params["view"]
    refused = save_as(MEMBER, bot, view)  # a form that reached someone else anyway
    assert refused["response_action"] == "errors"
    assert "Only approvers" in json.dumps(refused["errors"])
    assert store.messages() == [] and store.changes() == []
    saved = save_as(APPROVER, bot, view)
    assert saved["response_action"] == "update"
    [message] = store.messages()
    [change] = store.changes()
    assert change.actor == f"<@{APPROVER}>" and change.what == "approved message"
    assert change.before == "" and change.after.startswith(f"message {message.id} v1: LUNG-01")


def test_without_approvers_set_owners_and_admins_approve_and_the_form_says_so(
    slack_api: SlackStandIn, store: Store, kb: KnowledgeBase, installation: Installation
) -> None:
    slack_api.users = {"U0OWNER": {"is_owner": True}}
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api.api_url,
    )
    with serving(settings, store, kb, installation, slack_api) as bot:
        assert "owners and admins (HASHTAG_BOT_APPROVERS is not set)" in as_(
            MEMBER, "messages", bot, "member"
        )
        typed("U0OWNER", "messages", bot, "owner")
        view = slack_api.wait_for(lambda: slack_api.api_calls("views.open"))[0].params["view"]
        assert "HASHTAG_BOT_APPROVERS is not set" in block_text(view)


def test_when_slack_cant_say_who_asks_changes_are_refused_and_answers_given(
    bot: Bot, store: Store
) -> None:
    bot.slack.fail("users.info", "fatal_error")
    assert "couldn't check your account" in as_(MEMBER, "track lung cancer", bot, "t")
    assert store.topics() == []
    assert "#LCSM" in as_(MEMBER, "lung cancer", bot, "ask")  # open for answers
    bot.slack.fail("users.info", "missing_scope")
    said = as_(MEMBER, "alerts off", bot, "scope")
    assert "reinstall the app to grant users:read" in said
    assert store.channel_settings() == {}


class serving:
    """The bot over real HTTP with its own settings, for a test that needs other ones."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        kb: KnowledgeBase,
        installation: Installation,
        slack: SlackStandIn,
    ) -> None:
        self.app = create_app(
            build_services(settings, store, kb=kb, clock=lambda: NOW), installation=installation
        )
        self.server = HttpServer(
            wsgi_app(self.app, health_of(store), SIGNING_SECRET), host="127.0.0.1", port=0
        )
        self.slack = slack

    def __enter__(self) -> Bot:
        self._context = self.server.running()
        self._context.__enter__()
        return Bot(self.server.url, self.slack)

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(None, None, None)
        close_app(self.app)


def test_a_guest_over_socket_mode_is_refused_the_same_way(
    settings: Settings, slack_api: SlackStandIn, store: Store, tmp_path: Any
) -> None:
    from tests.slack.slack_payloads import slash_payload
    from tests.slack.slack_standins import APP_TOKEN, socket_mode_server
    from tests.slack.test_slack_runner import running

    run_settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_app_token=APP_TOKEN,
        slack_api_url=slack_api.api_url,
        db_path=str(tmp_path / "run.db"),
        approvers=(APPROVER,),
    )
    envelope = {
        "envelope_id": "guest-track",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": slash_payload("track lung cancer", slack_api.response_url("guest"), user=GUEST),
    }
    with socket_mode_server([envelope], slack_api.changed) as (ws_url, _received):
        slack_api.ws_url = ws_url
        with running(run_settings, http=False):
            said = slack_api.reply("guest", timeout=15)["text"]
    assert "is for members of this workspace" in said
    ran = Store(run_settings.db_path)
    try:
        assert ran.topics() == [] and ran.changes() == []
    finally:
        ran.close()


def test_the_app_home_names_the_approvers_and_asks_an_old_install_to_reinstall(
    slack_api: SlackStandIn, store: Store, kb: KnowledgeBase, settings: Settings
) -> None:
    slack_api.scopes = "commands,chat:write"  # installed before the bot told people apart
    with serving(settings, store, kb, check_bot_token(settings), slack_api) as bot:
        bot.open_home()
        view = slack_api.wait_for(lambda: slack_api.api_calls("views.publish"))[0].params["view"]
    home = block_text(view)
    assert f"Who approves messages:* <@{APPROVER}>" in home
    assert "Reinstall the app to grant users:read" in home
