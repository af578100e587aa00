"""`/hashtag region` and `/hashtag language`: each channel's answers fit its country and
language, the buttons on them too, and `/hashtag list` and the App Home say what it set."""

from __future__ import annotations

import re

from bot.slack.blocks import MORE_ACTION, SHARE_ACTION
from bot.storage import Store
from tests.factories import NOW
from tests.slack.slack_messages import assert_valid_message, block_text, buttons
from tests.slack.slack_payloads import Bot
from tests.slack.slack_standins import CHANNEL, USER

OTHER = "C0MADRID"
ASKS = "No region set for this channel: `/hashtag region US`"


def shown_tags(message: dict) -> list[str]:
    """The tags on the answer's lines, in order, as the person sees them."""
    return re.findall(r"^\*\d+\. #(\S+)\*", block_text(message), re.M)


def test_a_channel_with_a_region_gets_its_countrys_tags_and_no_other_countrys(bot: Bot) -> None:
    set_to = bot.ask("region gb", "set")
    assert set_to["text"].startswith(f"Answers in <#{CHANNEL}> now fit GB")
    answer = bot.ask("type 2 diabetes", "ask")
    assert_valid_message(answer)
    top = shown_tags(answer)
    assert top[:2] == ["T2D", "Type2Diabetes"]  # the condition's own tags first
    assert "GBDOC" in top and "OzDOC" not in top and "SagEsLaut" not in top
    assert ASKS not in block_text(answer)
    bot.press(MORE_ACTION, buttons(answer)[MORE_ACTION]["value"], "more")
    everything = block_text(bot.slack.reply("more"))
    assert "#OzDOC*  ·  community tag, from Diabetes · belongs to AU" in everything


def test_each_channel_keeps_its_own_region_and_one_without_is_asked_for_one(bot: Bot) -> None:
    bot.ask("region US", "set")
    here = bot.ask("dementia", "here")
    there = bot.ask("dementia", "there", channel=OTHER)
    assert ASKS not in block_text(here) and ASKS in block_text(there)
    assert "DementiaFriends" not in shown_tags(here) + shown_tags(there)
    bot.ask("region GB", "gb", channel=OTHER)
    assert "DementiaFriends" in shown_tags(bot.ask("dementia", "again", channel=OTHER))
    assert "DementiaFriends" not in shown_tags(bot.ask("dementia", "us-again"))


def test_a_channel_language_adds_that_languages_tags_to_the_top(bot: Bot) -> None:
    bot.ask("region ES", "region")
    before = shown_tags(bot.ask("multiple sclerosis", "before"))
    said = bot.ask("language es", "lang")
    assert said["text"].startswith(f"Answers in <#{CHANNEL}> now add tags in Spanish (es)")
    after = shown_tags(bot.ask("multiple sclerosis", "after"))
    assert "EsclerosisMúltiple" not in before and "EsclerosisMúltiple" in after
    bot.ask("language en", "english")
    assert "EsclerosisMúltiple" not in shown_tags(bot.ask("multiple sclerosis", "again"))


def test_a_share_posts_the_answer_the_channel_saw(bot: Bot) -> None:
    bot.ask("region GB", "set")
    private = bot.ask("type 2 diabetes", "ask")
    bot.press(SHARE_ACTION, buttons(private)[SHARE_ACTION]["value"], "share")
    bot.slack.reply("share")
    shared = bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postMessage"))[0].params
    assert shown_tags(shared) == shown_tags(private) and "GBDOC" in shown_tags(shared)
    assert ASKS not in block_text(shared)


def test_a_code_that_is_no_country_or_language_changes_nothing(bot: Bot) -> None:
    refused = bot.ask("region UK", "uk")
    assert "'UK' is not an ISO 3166-1 country code: write GB" in refused["text"]
    wrong = bot.ask("language Spanish", "es")
    assert "'Spanish' is not a language code" in wrong["text"]
    assert "needs other words" in bot.ask("region United Kingdom", "words")["text"]
    listed = bot.ask("list", "list")
    assert "Region: not set · language: English." in block_text(listed)
    assert ASKS in block_text(bot.ask("lupus", "answer"))


def test_list_and_the_app_home_say_what_the_channel_set(bot: Bot, store: Store) -> None:
    store.track(CHANNEL, "Lung cancer", condition_id="lung-cancer", created_by=USER, now=NOW)
    store.track(OTHER, "Dementia", condition_id="dementia", created_by=USER, now=NOW)
    bot.ask("region US", "region")
    bot.ask("language es", "lang")
    listed = block_text(bot.ask("list", "list"))
    assert "Region: US · language: Spanish (es) and English." in listed
    assert "Region: US" in bot.ask("region", "ask")["text"]  # with no code: what is set
    cleared = bot.ask("region global", "clear")
    assert cleared["text"] == f"Answers in <#{CHANNEL}> fit no one country now."
    bot.ask("region US", "again")
    bot.open_home()
    view = bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))[0].params["view"]
    home = block_text(view)
    assert f"<#{CHANNEL}>: Lung cancer" in home and "_Answers fit US, with Spanish tags_" in home
    assert "_No region set: `/hashtag region US` (or GB, CA, AU…) there_" in home
