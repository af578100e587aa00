"""`/hashtag` sub-commands and bad input, as the person who types them sees the answer."""

from __future__ import annotations

import json
import re

import pytest

from bot.domain.posts import Post
from bot.slack.blocks import SHARE_ACTION, TRACK_ACTION
from bot.storage import Store
from tests.factories import NOW, author, heard_alone
from tests.slack.slack_messages import assert_valid_message, block_text, buttons
from tests.slack.slack_payloads import Bot
from tests.slack.slack_standins import CHANNEL, TEAM, USER


@pytest.mark.parametrize("text", ["", "help", "  HELP  "])
def test_empty_text_and_help_explain_every_sub_command(bot: Bot, text: str) -> None:
    reply = bot.ask(text)
    assert reply["response_type"] == "ephemeral"
    assert_valid_message(reply)
    usage = block_text(reply)
    for example in (
        "/hashtag lung cancer",
        "/hashtag track",
        "/hashtag untrack",
        "/hashtag list",
        "/hashtag digest",
    ):
        assert example in usage


def test_track_list_untrack_manage_the_channels_topics(bot: Bot, store: Store) -> None:
    reply = bot.ask("track lung cancer", "r1")
    assert f"<#{CHANNEL}> now tracks *Lung cancer*" in block_text(reply)
    [topic] = store.topics(CHANNEL)
    assert (topic.topic, topic.condition_id, topic.created_by, topic.team_id) == (
        "Lung cancer",
        "lung-cancer",
        USER,
        TEAM,
    )
    assert "already tracks *Lung cancer*" in block_text(bot.ask("track Lung Cancer", "r2"))
    listed = bot.ask("list", "r3")
    assert_valid_message(listed)
    assert "tracks 1 topic" in block_text(listed) and "• Lung cancer" in block_text(listed)
    assert "no longer tracks *Lung cancer*" in block_text(bot.ask("untrack lung cancer", "r4"))
    assert store.topics(CHANNEL) == []
    assert "tracks nothing yet" in block_text(bot.ask("list", "r5"))
    assert "doesn't track" in block_text(bot.ask("untrack lung cancer", "r6"))


def test_untrack_understands_the_condition_however_it_is_typed(bot: Bot, store: Store) -> None:
    bot.ask("track crohns", "r1")
    assert store.topics(CHANNEL)[0].topic == "Crohn's disease"
    assert "no longer tracks" in block_text(bot.ask("untrack Crohn's", "r2"))
    assert store.topics(CHANNEL) == []


def test_tracking_words_no_condition_matches_says_so(bot: Bot, store: Store) -> None:
    text = block_text(bot.ask("track glorbitis", "r1"))
    assert "listen for these words as typed" in text
    assert [t.topic for t in store.topics(CHANNEL)] == ["glorbitis"]
    assert "Say what to track" in block_text(bot.ask("track", "r2"))


def test_direct_messages_get_answers_but_no_tracking_or_share_button(
    bot: Bot, store: Store
) -> None:
    where = {"channel": "D0DIRECT", "channel_name": "directmessage"}
    refused = block_text(bot.ask("track lung cancer", "r1", **where))
    assert "never message people directly" in refused
    assert store.topics() == []
    reply = bot.ask("lung cancer", "r2", **where)
    assert "#LCSM" in block_text(reply)
    assert SHARE_ACTION not in buttons(reply) and TRACK_ACTION not in buttons(reply)


def test_unknown_words_get_the_best_answer_and_an_honest_note(bot: Bot) -> None:
    reply = bot.ask("glorbitis")
    assert_valid_message(reply)
    assert "No condition in the knowledge base matches “glorbitis”" in block_text(reply)


HOSTILE = [
    "   ",
    "lung cancer " * 420,  # ~5,000 characters
    "x" * 5000,
    "track " + "y" * 5000,
    '" OR 1=1; DROP TABLE topics; --',
    'NEAR(lung cancer, 3) OR text:* AND "unbalanced',
    "untrack ') OR '1'='1",
    "🫁🎗️ lung cancer 💙",
    "\x00\x07\x1b[31m lung\u202e cancer \ufeff",
    "<!channel> <@U0BOB> <https://evil.example|click> &amp; lung cancer",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_or_oversized_text_gets_a_friendly_answer(
    bot: Bot, store: Store, text: str
) -> None:
    status, _, seconds = bot.command(text)
    assert status == 200 and seconds < 1.0
    reply = bot.slack.reply()
    assert reply["response_type"] == "ephemeral"
    assert_valid_message(reply)
    shown = block_text(reply) + reply["text"]
    assert "Traceback" not in shown and "went wrong" not in shown
    assert "<!channel>" not in shown and "<@U0BOB>" not in shown and "<https://evil" not in shown
    store.topics()  # the tables are all still there
    assert len(store.topics()) <= 1


def test_mentions_in_the_text_are_left_out_and_never_echoed(bot: Bot) -> None:
    reply = bot.ask("<!channel> <@U0BOB|bob> lung cancer &amp; <#C0OTHER|lcsm>")
    assert reply["blocks"][0]["text"]["text"] == "Hashtags for Lung cancer"
    assert "U0BOB" not in json.dumps(reply) and "bob" not in block_text(reply)


def test_digest_previews_this_channels_digest_without_recording_it(bot: Bot, store: Store) -> None:
    assert "tracks no topic yet" in block_text(bot.ask("digest", "r1"))
    bot.ask("track lung cancer", "r2")
    reply = bot.ask("digest", "r3")
    assert_valid_message(reply)
    text = block_text(reply)
    assert "Daily digest · 27 Nov 2026" in text and "*Lung cancer*" in text
    assert "A preview only you can see" in text and "Lung Cancer Awareness Month" in text
    assert not store.digest_delivered(CHANNEL, NOW.date())
    where = {"channel": "D0DIRECT", "channel_name": "directmessage"}
    assert "never message people directly" in block_text(bot.ask("digest", "r4", **where))


def test_mute_keeps_an_account_out_of_this_channels_digests(bot: Bot, store: Store) -> None:
    said = block_text(bot.ask("mute @Spammy_Acct", "r1"))
    assert "won't name *@Spammy_Acct*" in said
    assert store.muted(CHANNEL) == ["Spammy_Acct"]
    assert "already muted" in block_text(bot.ask("mute spammy_acct", "r2"))
    assert "Muted in digests here: @Spammy_Acct" in block_text(bot.ask("list", "r3"))
    assert "Say which account to mute" in block_text(bot.ask("mute two words", "r4"))
    assert "Say which account to mute" in block_text(bot.ask("mute <!channel>", "r5"))
    assert "may show *@spammy_acct* again" in block_text(bot.ask("unmute @spammy_acct", "r6"))
    assert store.muted(CHANNEL) == []
    where = {"channel": "D0DIRECT", "channel_name": "directmessage"}
    assert "never message people directly" in block_text(bot.ask("mute @x", "r7", **where))


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        (
            "alerts",
            "`/hashtag alerts` needs other words: try `/hashtag alerts on` or `/hashtag alerts off`.",
        ),
        ("alerts maybe", "`/hashtag alerts` needs other words: try `/hashtag alerts on` or"),
        ("list everything", "`/hashtag list` needs other words: try `/hashtag list`"),
        ("messages lung", "`/hashtag messages` needs other words: try `/hashtag messages`"),
        ("lsit", "Did you mean `/hashtag list`? Nothing was changed."),
        (
            "tracks breast cancer",
            "Did you mean `/hashtag track breast cancer`? Nothing was changed.",
        ),
        ("digets", "Did you mean `/hashtag digest`?"),
        ("compsoe lung cancer", "Did you mean `/hashtag compose lung cancer`?"),
    ],
)
def test_a_sub_command_typed_wrong_gets_its_usage_never_a_hashtag_answer(
    bot: Bot, store: Store, typed: str, says: str
) -> None:
    reply = bot.ask(typed)
    assert_valid_message(reply)
    assert says in block_text(reply)
    assert "Hashtags for" not in block_text(reply)
    assert TRACK_ACTION not in buttons(reply) and SHARE_ACTION not in buttons(reply)
    assert store.topics(CHANNEL) == []  # nothing was tracked, nothing changed


def test_a_real_condition_close_to_a_sub_command_is_still_answered(bot: Bot) -> None:
    """hEDS is two letters from `help`: it names a condition, so it gets its hashtags."""
    reply = bot.ask("hEDS")
    assert "Hashtags for Hypermobile" in block_text(reply)
    assert "Did you mean" not in block_text(reply)
    assert TRACK_ACTION in buttons(reply)


def test_a_posts_markup_never_leaks_into_a_digests_link(bot: Bot, store: Store) -> None:
    quoted = Post(
        id="x:77",
        source="x",
        author_id="x:u1",
        text="*Big* news | see the #LCSM thread ~today~",
        created_at=NOW,
        url="https://x.com/i/status/77",
        hashtags=("LCSM",),
        likes=9,
    )
    store.save_posts([quoted], [author(1)], now=NOW)
    heard_alone(store, "LCSM")  # a weekly sample showed #LCSM means lung cancer
    bot.ask("track lung cancer", "r1")
    bot.command("digest", "r2")
    replies = bot.slack.wait_for(
        lambda: len(bot.slack.replies("r2")) >= 2 and bot.slack.replies("r2")
    )
    details = "\n".join(block_text(r) for r in replies)
    (label,) = re.findall(r"<https://x\.com/i/status/77\|([^>]*)>", details)
    assert "|" not in label and "*" not in label and "~" not in label
    assert "Big" in label and "news" in label and "see the #LCSM thread" in label
