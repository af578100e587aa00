"""The answer's buttons (block_actions) and the App Home tab (app_home_opened)."""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import date
from urllib.parse import urlencode

import pytest

from bot.slack.blocks import (
    EXPLAIN_ACTION,
    MORE_ACTION,
    REMOVE_ACTION,
    SHARE_ACTION,
    TRACK_ACTION,
    AnswerRef,
)
from bot.storage import Store
from tests.factories import NOW
from tests.slack.slack_messages import assert_valid_message, block_text, buttons
from tests.slack.slack_payloads import Bot, action_payload, signed
from tests.slack.slack_standins import BOT_TOKEN, CHANNEL, USER


def share_value(bot: Bot) -> str:
    return buttons(bot.ask("lung cancer", "ask"))[SHARE_ACTION]["value"]


def test_share_posts_the_answer_in_the_channel_attributed_to_who_pressed(bot: Bot) -> None:
    status, _, seconds = bot.press(SHARE_ACTION, share_value(bot))
    assert status == 200 and seconds < 1.0
    posted = bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postMessage"))[0]
    assert posted.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    message = posted.params
    assert message["channel"] == CHANNEL
    assert message["text"].startswith(f"Shared by <@{USER}>: Hashtags for Lung cancer")
    assert_valid_message(message)
    assert f"Shared by <@{USER}>" in block_text(message) and "#LCSM" in block_text(message)
    assert list(buttons(message)) == [REMOVE_ACTION]  # for its sharer only: nothing else
    reply = bot.slack.reply()
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert reply["text"].startswith(f"Shared in <#{CHANNEL}>.")


def suggestion_lines(message: dict) -> list[str]:
    return [line for line in block_text(message).splitlines() if re.match(r"\*\d+\. #", line)]


def test_share_posts_the_lines_its_sharer_saw_and_all_of_them_after_show_more(bot: Bot) -> None:
    private = bot.ask("lung cancer", "ask")
    seen = suggestion_lines(private)
    assert len(seen) == 5 and MORE_ACTION in buttons(private)
    bot.press(SHARE_ACTION, buttons(private)[SHARE_ACTION]["value"], "share")
    bot.slack.reply("share")
    shared = bot.slack.api_calls("chat.postMessage")[0].params
    assert suggestion_lines(shared) == seen  # what was seen, not the ten behind Show more
    bot.press(MORE_ACTION, buttons(private)[MORE_ACTION]["value"], "more")
    everything = bot.slack.reply("more")
    assert len(suggestion_lines(everything)) > 5
    bot.press(SHARE_ACTION, buttons(everything)[SHARE_ACTION]["value"], "share-all")
    bot.slack.reply("share-all")
    shared_all = bot.slack.api_calls("chat.postMessage")[1].params
    assert suggestion_lines(shared_all) == suggestion_lines(everything)


def test_only_the_sharer_can_remove_a_shared_answer(bot: Bot) -> None:
    bot.press(SHARE_ACTION, share_value(bot), "share")
    bot.slack.reply("share")
    shared = bot.slack.api_calls("chat.postMessage")[0].params
    remove = buttons(shared)[REMOVE_ACTION]["value"]
    someone_else = action_payload(REMOVE_ACTION, remove, bot.slack.response_url("other"))
    someone_else["user"]["id"] = "U0BOB"
    body = urlencode({"payload": json.dumps(someone_else)})
    bot.send(body, signed(body))
    assert f"Only <@{USER}>, who shared it, can remove" in bot.slack.reply("other")["text"]
    assert bot.slack.api_calls("chat.delete") == []
    bot.press(REMOVE_ACTION, remove, "mine")
    assert "Removed your shared answer" in bot.slack.reply("mine")["text"]
    (deleted,) = bot.slack.api_calls("chat.delete")
    assert deleted.params["channel"] == CHANNEL and deleted.params["ts"] == "1795000000.000200"


def test_share_where_the_bot_is_not_a_member_says_how_to_invite_it(bot: Bot) -> None:
    bot.slack.fail("chat.postMessage", "not_in_channel")
    bot.press(SHARE_ACTION, share_value(bot))
    assert "`/invite @hashtag-bot`" in bot.slack.reply()["text"]


def test_share_when_slack_rate_limits_asks_to_try_again_later(bot: Bot) -> None:
    bot.slack.fail("chat.postMessage", "ratelimited", status=429, **{"Retry-After": "0"})
    bot.press(SHARE_ACTION, share_value(bot))
    assert "try again in a minute" in bot.slack.reply(timeout=10)["text"]
    assert len(bot.slack.api_calls("chat.postMessage")) == 2  # retried once, after Retry-After


@pytest.mark.parametrize("fault", ["drop", "500"])
def test_a_share_that_may_have_reached_slack_is_posted_once_and_said_so(
    bot: Bot, fault: str
) -> None:
    value = share_value(bot)
    bot.slack.at_call("chat.postMessage", 1, fault)  # Slack read it, then the line broke
    bot.press(SHARE_ACTION, value, "share")
    reply = bot.slack.reply("share", timeout=10)
    assert "may have been posted" in reply["text"] and "won't post it again" in reply["text"]
    bot.press(SHARE_ACTION, value, "again")  # pressed again: a new press, a new post
    assert bot.slack.reply("again")["text"].startswith(f"Shared in <#{CHANNEL}>.")
    assert len(bot.slack.api_calls("chat.postMessage")) == 2  # one per press, never resent


def test_an_answer_whose_connection_drops_after_slack_read_it_is_not_sent_twice(
    bot: Bot,
) -> None:
    bot.slack.at_call("r1", 1, "drop")
    status, _, _ = bot.command("lung cancer")
    assert status == 200
    bot.slack.wait_for(lambda: bot.slack.replies("r1"))
    time.sleep(0.5)  # a client that resends would do so at once
    assert len(bot.slack.replies("r1")) == 1


def test_a_rejected_token_is_logged_clearly_without_the_token(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    value = share_value(bot)
    bot.slack.fail("chat.postMessage", "invalid_auth")
    bot.press(SHARE_ACTION, value)
    assert "hashtag-bot doctor" in bot.slack.reply()["text"]
    assert "Slack rejected the bot token (invalid_auth)" in caplog.text
    assert BOT_TOKEN not in caplog.text and BOT_TOKEN.split("-")[-1] not in caplog.text


def test_track_button_stores_the_condition_for_this_channel(bot: Bot, store: Store) -> None:
    value = buttons(bot.ask("lung cancer", "ask"))[TRACK_ACTION]["value"]
    bot.press(TRACK_ACTION, value)
    assert f"<#{CHANNEL}> now tracks *Lung cancer*" in bot.slack.reply()["text"]
    assert [(t.channel_id, t.topic, t.condition_id) for t in store.topics()] == [
        (CHANNEL, "Lung cancer", "lung-cancer")
    ]


def test_share_on_an_old_answer_asks_for_a_fresh_one_and_posts_nothing(bot: Bot) -> None:
    old = AnswerRef("lung cancer", date(2026, 11, 1)).encode()
    bot.press(SHARE_ACTION, old)
    text = bot.slack.reply()["text"]
    assert "That answer is from 1 Nov 2026" in text and "`/hashtag lung cancer`" in text
    assert bot.slack.api_calls("chat.postMessage") == []


@pytest.mark.parametrize(
    ("action_id", "value"),
    [(SHARE_ACTION, "not json"), (TRACK_ACTION, '{"v": 0}'), ("button_from_2025", "x")],
)
def test_unknown_or_unreadable_buttons_get_a_friendly_answer(
    bot: Bot, action_id: str, value: str
) -> None:
    status, _, _ = bot.press(action_id, value)
    assert status == 200
    reply = bot.slack.reply()
    assert reply["response_type"] == "ephemeral"
    assert "Run `/hashtag` again" in reply["text"]
    assert bot.slack.api_calls("chat.postMessage") == []


def test_share_in_a_direct_message_is_refused(bot: Bot) -> None:
    value = AnswerRef("lung cancer", NOW.date()).encode()
    bot.press(SHARE_ACTION, value, channel="D0DIRECT", channel_name="directmessage")
    assert "never message people directly" in bot.slack.reply()["text"]
    assert bot.slack.api_calls("chat.postMessage") == []


def test_opening_app_home_publishes_the_tracked_topics_and_usage(bot: Bot, store: Store) -> None:
    store.track(CHANNEL, "Lung cancer", condition_id="lung-cancer", created_by=USER, now=NOW)
    store.track(CHANNEL, "Crohn's disease", condition_id="crohns-disease", created_by=USER, now=NOW)
    store.record_digest("C0OTHER", NOW.date(), {}, now=NOW)
    store.track("C0OTHER", "ALS", condition_id=None, created_by=USER, now=NOW)
    status, _, seconds = bot.open_home()
    assert status == 200 and seconds < 1.0
    published = bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))[0].params
    assert published["user_id"] == USER
    view = published["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert_valid_message({"text": "home", "blocks": view["blocks"]})
    shown = block_text(view)
    assert f"<#{CHANNEL}>: Lung cancer, Crohn's disease" in shown
    assert "_Digest daily at 13:00 UTC; next Fri 27 Nov 2026 13:00 · no digest yet_" in shown
    assert "<#C0OTHER>: ALS\n_Digest daily at 13:00 UTC; next" in shown
    assert "· last digest 27 Nov_" in shown
    assert "/hashtag track lung cancer" in shown and "posts stored from the last 30 days" in shown


def test_a_failing_home_publish_is_logged_and_does_not_break_the_bot(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.slack.fail("views.publish", "not_enabled")
    assert bot.open_home()[0] == 200
    bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))
    logged = "Slack API error not_enabled while publishing the Home tab"
    deadline = time.monotonic() + 5
    while logged not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert logged in caplog.text
    assert bot.ask("lung cancer")["response_type"] == "ephemeral"


def test_show_more_replaces_the_answer_with_every_tag(bot: Bot) -> None:
    first = bot.ask("lung cancer", "ask")
    more = buttons(first)[MORE_ACTION]
    bot.press(MORE_ACTION, more["value"])
    reply = bot.slack.reply()
    assert reply["replace_original"] is True and reply["response_type"] == "ephemeral"
    assert_valid_message(reply)
    assert MORE_ACTION not in buttons(reply)
    assert len(block_text(reply).split("\n*")) > len(block_text(first).split("\n*"))


def test_explain_answers_with_one_tags_reasons_for_the_person_who_asked(bot: Bot) -> None:
    first = bot.ask("lung cancer", "ask")
    explain = buttons(first)[EXPLAIN_ACTION]
    bot.press(EXPLAIN_ACTION, explain["value"])
    reply = bot.slack.reply()
    assert reply["replace_original"] is False and reply["response_type"] == "ephemeral"
    assert "#LCSM" in block_text(reply) and "source: lcsmchat.com" in block_text(reply)


def test_the_app_home_lists_posts_that_may_be_missing(bot: Bot, store: Store) -> None:
    store.track(CHANNEL, "lung cancer", condition_id="lung-cancer", created_by=USER, now=NOW)
    store.plan_digest_parts(
        CHANNEL, NOW.date(), [({"text": "t"}, {}), ({"text": "u"}, {})], now=NOW
    )
    [_first, second] = store.digest_parts(CHANNEL, NOW.date())
    store.claim_digest_part(second, "1:sender", now=NOW)
    store.settle_digest_part(second, "uncertain", now=NOW)  # the line broke after sending
    bot.open_home()
    view = bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))[0].params["view"]
    text = json.dumps(view)
    assert "Maybe sent" in text and f"message 2 of <#{CHANNEL}>'s digest for {NOW.date()}" in text
