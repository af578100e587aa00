"""Approved outreach in Slack, end to end: the form in a modal (errors inline), drafts, tag checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.models.views import View

from bot.config import Settings
from bot.services import Services, build_services
from bot.slack.blocks import COMPOSE_ACTION
from bot.storage import Store
from tests.factories import APPROVED_TEXT, APPROVED_URL, NOW, approval
from tests.slack.slack_messages import assert_valid_message, block_text, buttons
from tests.slack.slack_payloads import Bot, post, signed
from tests.slack.slack_standins import BOT_TOKEN, SIGNING_SECRET, TEAM, USER, SlackStandIn
from tests.sources.standins_bluesky import XrpcStandIn
from tests.sources.standins_mastodon import MastodonStandIn, status

TEXT, URL = APPROVED_TEXT, APPROVED_URL


@pytest.fixture
def networks() -> Iterator[tuple[XrpcStandIn, MastodonStandIn]]:
    with XrpcStandIn() as xrpc, MastodonStandIn() as mastodon:
        yield xrpc, mastodon


@pytest.fixture
def settings(slack_api: SlackStandIn, networks: tuple[XrpcStandIn, MastodonStandIn]) -> Settings:
    """The suite's Slack settings, with Bluesky and Mastodon on loopback too."""
    xrpc, mastodon = networks
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api.api_url,
        bluesky_appview_url=xrpc.url,
        mastodon_instances=(mastodon.url,),
        approvers=(USER,),  # Alice keeps the library here ("Who may do what" has its own tests)
    )


def services_over(store: Store, settings: Settings) -> Services:
    return build_services(settings, store, clock=lambda: NOW)


def opened_modal(bot: Bot, text: str = "messages") -> dict[str, Any]:
    status_code, _, _ = bot.command(text)
    assert status_code == 200
    call = bot.slack.wait_for(lambda: bot.slack.api_calls("views.open"))[0].params
    assert call["trigger_id"]
    view = call["view"]
    View(**view).validate_json()  # Slack would accept it
    return view


def form(**overrides: str) -> dict[str, Any]:
    """The state a filled-in form sends, as Slack shapes each element's value."""
    typed = {
        "study": "LUNG-01",
        "irb": "IRB-2026-114",
        "conditions": "lung cancer; NSCLC",
        "text": TEXT,
        "url": URL,
    } | {k: v for k, v in overrides.items() if k not in ("approved", "expires", "hashtags")}
    values: dict[str, Any] = {
        field: {"value": {"type": "plain_text_input", "value": value}}
        for field, value in typed.items()
    }
    for field in ("approved", "expires"):
        day = overrides.get(field, "2026-01-05" if field == "approved" else "2027-01-05")
        values[field] = {"value": {"type": "datepicker", "selected_date": day or None}}
    choice = overrides.get("hashtags", "allowed")
    values["hashtags"] = {
        "value": {
            "type": "radio_buttons",
            "selected_option": {"value": choice, "text": {"type": "plain_text", "text": choice}}
            if choice
            else None,
        }
    }
    return values


def submit(bot: Bot, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Press Save: a signed view_submission; Slack shows what the ack's body says."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "trials"},
        "user": {"id": USER, "username": "alice", "name": "alice", "team_id": TEAM},
        "api_app_id": "A0HASHTAG",
        "token": "legacy-verification-token",
        "trigger_id": "1.2.submit",
        "view": {
            "id": "V0MODAL",
            "team_id": TEAM,
            "type": "modal",
            "blocks": view["blocks"],
            "private_metadata": view["private_metadata"],
            "callback_id": view["callback_id"],
            "state": {"values": values},
            "hash": "1795000000.abc",
            "title": view["title"],
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }
    body = urlencode({"payload": json.dumps(payload)})
    status_code, answer, _ = post(bot.url + "/slack/events", body, signed(body))
    assert status_code == 200
    return json.loads(answer)


def test_messages_opens_the_form_and_saving_shows_the_version_and_wording_check(
    bot: Bot, store: Store, settings: Settings
) -> None:
    view = opened_modal(bot)
    assert view["callback_id"] == "outreach_message"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels[:3] == ["Study", "IRB reference", "Approved on"] and "Approved text" in labels
    answer = submit(bot, view, form(text="Get free treatment with a new drug."))
    assert answer["response_action"] == "update"
    View(**answer["view"]).validate_json()
    shown = block_text(answer["view"])
    assert "Saved message 1, version 1: LUNG-01." in shown
    assert "“free treatment”" in shown and "“new drug”" in shown
    saved = services_over(store, settings).outreach.message(1)
    assert saved is not None and saved.changed_by == f"<@{USER}>"
    assert saved.approval.text == "Get free treatment with a new drug."  # warned, not rewritten


def test_mistakes_are_shown_inline_under_their_fields(bot: Bot) -> None:
    view = opened_modal(bot)
    answer = submit(
        bot, view, form(study="", url="trials.example.org", expires="2026-01-01", hashtags="")
    )
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"study", "url", "expires", "hashtags"}
    assert answer["errors"]["url"] == "Give the approved study link, starting with https://"
    block_ids = {b.get("block_id") for b in view["blocks"]}
    assert set(answer["errors"]) <= block_ids  # each error lands under its own field


def test_editing_makes_a_new_version_and_an_old_copy_cannot_overwrite(
    bot: Bot, store: Store, settings: Settings
) -> None:
    services = services_over(store, settings)
    services.outreach.save(approval(), by="U0BOB", now=NOW)
    view = opened_modal(bot, "messages 1")
    assert "Editing message 1, version 1" in block_text(view)
    initial = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert initial["text"]["initial_value"] == TEXT
    assert initial["hashtags"]["initial_option"]["value"] == "allowed"
    services.outreach.save(approval(irb_ref="IRB-2026-114-A1"), by="U0BOB", now=NOW, message_id=1)
    stale = submit(bot, view, form(conditions="lung cancer"))
    assert stale["response_action"] == "errors"
    assert "Version 2 was saved by someone else" in stale["errors"]["text"]
    assert [m.version for m in services.outreach.versions(1)] == [1, 2]


def test_an_unknown_message_number_is_said_so(bot: Bot) -> None:
    reply = bot.ask("messages 42")
    assert "There is no message 42 in the library" in reply["text"]
    assert bot.slack.api_calls("views.open") == []


def test_compose_shows_each_networks_draft_with_its_count(
    bot: Bot, store: Store, settings: Settings
) -> None:
    services_over(store, settings).outreach.save(approval(), by="U0BOB", now=NOW)
    bot.ask("region US", "us")  # a US team: November's awareness month is theirs
    reply = bot.ask("compose lung cancer")
    assert_valid_message(reply)
    shown = block_text(reply)
    assert reply["blocks"][0]["text"]["text"] == "Drafts for Lung cancer"
    for network in ("*X*", "*Bluesky*", "*Mastodon*"):
        assert network in shown
    assert f"```{TEXT} {URL} #LCSM #LungCancer #LCAM```" in shown
    assert "/280" in shown and "/300" in shown and "/500" in shown
    assert "never posts to social networks" in shown


def test_the_answers_compose_post_button_brings_the_drafts(
    bot: Bot, store: Store, settings: Settings
) -> None:
    services_over(store, settings).outreach.save(approval(), by="U0BOB", now=NOW)
    answer = bot.ask("lung cancer", "ask")
    button = buttons(answer)[COMPOSE_ACTION]
    assert button["text"]["text"] == "Compose post"
    assert bot.press(COMPOSE_ACTION, button["value"], "drafts")[0] == 200
    drafts = bot.slack.reply("drafts")
    assert_valid_message(drafts)
    assert "LUNG-01" in block_text(drafts) and drafts["response_type"] == "ephemeral"


def test_available_checks_stored_posts_and_both_networks(
    bot: Bot, networks: tuple[XrpcStandIn, MastodonStandIn]
) -> None:
    _, mastodon = networks
    mastodon.statuses.append(status(7, "Walking for #LungStudy26 #LCSM", acct="ana"))
    reply = bot.ask("available #LungStudy26")
    assert_valid_message(reply)
    shown = block_text(reply)
    assert "#LungStudy26: in use" in shown
    assert "*Mastodon now:* 1 recent posts, by @ana@" in shown and "Used with #LCSM" in shown
    assert "Bluesky: couldn't look (Bluesky search wants a login" in shown
    assert "Lung Study 26" in shown


def test_home_lists_approvals_expiring_within_30_days(
    bot: Bot, store: Store, settings: Settings
) -> None:
    services = services_over(store, settings)
    services.outreach.save(approval(expires_on=date(2026, 12, 10)), by="U0BOB", now=NOW)
    services.outreach.save(approval(study="LATER"), by="U0BOB", now=NOW)
    assert bot.open_home()[0] == 200
    view = bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))[0].params["view"]
    assert_valid_message({"text": "home", "blocks": view["blocks"]})
    shown = block_text(view)
    assert "Approvals expiring within 30 days" in shown
    assert "*LUNG-01* (message 1, IRB-2026-114): last day 2026-12-10, in 13 days" in shown
    assert "LATER" not in shown


def test_the_edit_form_names_who_saved_it_as_slack_shows_a_person(
    bot: Bot, store: Store, settings: Settings
) -> None:
    services_over(store, settings).outreach.save(approval(), by="<@U0COORD>", now=NOW)
    shown = block_text(opened_modal(bot, "messages 1"))
    assert "saved by <@U0COORD> on 2026-11-27" in shown and "&lt;@" not in shown


def test_the_wording_check_says_each_rule_once_with_every_passage(
    bot: Bot, store: Store, settings: Settings
) -> None:
    text = "A safe, proven and effective therapy. It is safe for adults."
    answer = submit(bot, opened_modal(bot), form(text=text))
    lines = [line for line in block_text(answer["view"]).splitlines() if ":warning:" in line]
    assert len(lines) == 1
    assert lines[0].startswith(":warning: “safe”, “proven”, “effective”: No claim")


def test_irb_references_and_message_counts_read_as_written(
    bot: Bot, store: Store, settings: Settings
) -> None:
    services = services_over(store, settings)
    services.outreach.save(
        approval(irb_ref="IRB-77", expires_on=date(2026, 11, 20)), by="U0BOB", now=NOW
    )
    ended = bot.ask("compose lung cancer", "r1")
    assert ended["text"] == "Drafts for Lung cancer: no drafts today (the notes say why)"
    assert "(s)" not in block_text(ended)
    services.outreach.save(
        approval(irb_ref="IRB-77", expires_on=date(2026, 12, 10)), by="U0BOB", now=NOW, message_id=1
    )
    assert (
        bot.ask("compose lung cancer", "r2")["text"] == "Drafts for Lung cancer: 1 approved message"
    )
    assert bot.open_home()[0] == 200
    home = block_text(
        bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))[0].params["view"]
    )
    assert "*LUNG-01* (message 1, IRB-77): last day 2026-12-10, in 13 days" in home
    assert "IRB IRB" not in home
    library = block_text(opened_modal(bot))
    assert "· IRB-77 ·" in library and "IRB IRB" not in library


def test_a_long_approved_text_full_of_ampersands_is_split_never_cut(
    bot: Bot, store: Store, settings: Settings
) -> None:
    services = services_over(store, settings)
    long_text = " ".join(f"R&D <{n}> & Q&A" for n in range(130))[:1990]
    for n in range(8):  # as many as one answer composes
        services.outreach.save(approval(study=f"LONG-{n}", text=long_text), by="U0BOB", now=NOW)
    status, _, _ = bot.command("compose lung cancer")
    assert status == 200

    def every_part() -> list[dict[str, Any]]:
        replies = bot.slack.replies("r1")
        last = replies[-1]["text"] if replies else ""
        return replies if last.endswith(f"(part {len(replies)} of {len(replies)})") else []

    replies = bot.slack.wait_for(every_part)
    assert 2 <= len(replies) <= 5  # a response_url takes five
    pieces: dict[tuple[str, str], list[str]] = {}
    study, network = "", ""
    for reply in replies:
        assert_valid_message(reply)
        assert len(reply["blocks"]) <= 50
        for block in reply["blocks"]:
            text = block.get("text", {}).get("text", "")
            assert len(text) <= 3000 and not text.endswith("…")  # nothing clipped
            for line in text.split("\n"):
                if line.startswith("*LONG-"):
                    study = line.split("*")[1]
                elif line.startswith(("*X*", "*Bluesky*", "*Mastodon*")):
                    network = line.split("  (in")[0]
                elif line.startswith("```"):
                    pieces.setdefault((study, network), []).append(line.strip("`"))
    assert len(pieces) == 8  # each approved message's text once: too long for every network
    for _study, networks in pieces:
        assert networks.startswith("*X*  1993/280  :no_entry: too long, not cut · *Bluesky*")
    for (_study, _network), parts in pieces.items():
        assert len(parts) >= 2
        whole = "".join(parts).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        assert whole.startswith(long_text) and URL in whole  # every character, and the link


def test_a_tag_after_an_acronym_is_read_as_screen_readers_say_it(bot: Bot) -> None:
    shown = block_text(bot.ask("available #LCSMchat"))
    assert "CamelCase: screen readers read it as “LCSM chat”" in shown
    assert "LCS Mchat" not in shown


def test_the_home_tabs_source_line_reads_as_one_sentence(bot: Bot, store: Store) -> None:
    store.set_health("x", False, "X refused the token (401).", now=NOW)
    assert bot.open_home()[0] == 200
    home = block_text(
        bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))[0].params["view"]
    )
    assert "x: failing (X refused the token (401), 2026-11-27 12:00 UTC)" in home
    assert ".," not in home
