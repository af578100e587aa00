"""Digests reach the channels that track topics: once a day, over Slack's Web API, never twice."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from bot.app import create_web_client
from bot.cli import main
from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.domain.posts import Author
from bot.scheduling import create_scheduler, digest_job
from bot.services import Services, build_services
from bot.services.digest_delivery import deliver_digests
from bot.services.digests import Digester
from bot.services.topics import tracked_topics
from bot.slack.digest import digest_messages
from bot.slack.posting import SlackPublisher
from bot.storage import Store
from tests.factories import NOW, post
from tests.slack.slack_messages import assert_valid_message, block_text
from tests.slack.slack_standins import BOT_TOKEN, SlackStandIn

NURSE = Author("x:u1", "x", "user1", "User 1", "IBD nurse", "https://x.com/user1", 900)


def services_at(
    kb: KnowledgeBase, store: Store, settings: Settings
) -> Callable[[datetime], Services]:
    """The bot's services with the clock stopped at a given moment."""
    return lambda moment: build_services(settings, store, kb=kb, clock=lambda: moment)


def seeded(store: Store, *channels: str) -> None:
    posts = [post("#Crohns clinic day", at=NOW, days_ago=n, by=1, likes=9) for n in range(3)]
    store.save_posts(posts, [NURSE], now=NOW)
    for channel in channels:
        store.track(channel, "Crohn's disease", condition_id="crohns", created_by="U1", now=NOW)


def test_each_tracking_channel_gets_its_digest_once_a_day(
    kb: KnowledgeBase, store: Store, settings: Settings, slack_api: SlackStandIn
) -> None:
    seeded(store, "C1", "C2")
    client = create_web_client(settings)
    deliveries = deliver_digests(store, Digester(kb, store), SlackPublisher(client), now=NOW)
    assert sorted(d.channel_id for d in deliveries if d.messages == 2) == ["C1", "C2"]
    posted = slack_api.api_calls("chat.postMessage")
    summary, details = [c for c in posted if c.params["channel"] == "C1"]
    assert "thread_ts" not in summary.params  # the channel sees one message...
    assert summary.params["text"] == "Daily digest · 27 Nov 2026: Crohn's disease"
    summary_text = json.dumps(summary.params["blocks"], ensure_ascii=False)
    assert "Crohn's disease" in summary_text and "1 newly spotted account" in summary_text
    assert "IBD nurse" not in summary_text
    assert details.params["thread_ts"]  # ...and the details sit in its thread
    assert "IBD nurse" in json.dumps(details.params["blocks"], ensure_ascii=False)
    assert summary.params["unfurl_links"] in (False, "false", "0", 0)
    again = deliver_digests(
        store, Digester(kb, store), SlackPublisher(client), now=NOW + timedelta(hours=2)
    )
    assert all(d.skipped for d in again) and len(slack_api.api_calls("chat.postMessage")) == 4
    tomorrow = deliver_digests(
        store, Digester(kb, store), SlackPublisher(client), now=NOW + timedelta(days=1)
    )
    assert all(d.messages for d in tomorrow)
    blocks = json.dumps([c.params["blocks"] for c in slack_api.api_calls("chat.postMessage")[4:]])
    assert "IBD nurse" not in blocks  # introduced yesterday: not "newly spotted" again


def test_a_channel_the_bot_is_not_in_is_told_what_to_do_and_tried_again(
    kb: KnowledgeBase, store: Store, settings: Settings, slack_api: SlackStandIn
) -> None:
    seeded(store, "C1")
    slack_api.fail("chat.postMessage", "not_in_channel")
    [delivery] = deliver_digests(
        store, Digester(kb, store), SlackPublisher(create_web_client(settings)), now=NOW
    )
    assert delivery.messages == 0 and "/invite @hashtag-bot" in delivery.summary()
    assert not store.digest_delivered("C1", NOW.date())
    assert store.introduced("C1", "crohn's disease") == set()


def test_the_scheduled_job_posts_and_logs_each_channel(
    kb: KnowledgeBase,
    store: Store,
    settings: Settings,
    slack_api: SlackStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seeded(store, "C1")
    at = services_at(kb, store, settings)
    with caplog.at_level(logging.INFO, logger="bot.scheduling"):
        assert digest_job(at(NOW), create_web_client(settings)) == []  # 12:00: not due till 13
        digest_job(at(NOW + timedelta(hours=1)), create_web_client(settings))
    assert store.digest_delivered("C1", NOW.date())
    assert "C1: posted 2 messages covering 1 topic; 1 account introduced" in caplog.text
    assert store.health()["digests"][:2] == (True, "posted to 1 channel")


def test_a_refused_digest_shows_in_health_and_is_retried_later_that_day(
    kb: KnowledgeBase, store: Store, settings: Settings, slack_api: SlackStandIn
) -> None:
    seeded(store, "C1")
    slack_api.fail("chat.postMessage", "not_in_channel")
    client = create_web_client(settings)
    at = services_at(kb, store, settings)
    digest_job(at(NOW + timedelta(hours=1)), client)
    healthy, said, _ = store.health()["digests"]
    assert not healthy and "C1" in said and "/invite @hashtag-bot" in said
    del slack_api.canned["chat.postMessage"]  # someone invited the bot
    assert digest_job(at(NOW + timedelta(hours=1, minutes=1)), client) == []  # waits
    digest_job(at(NOW + timedelta(hours=2)), client)  # an hour on: tried again
    assert store.digest_delivered("C1", NOW.date()) and store.health()["digests"][0]


def test_the_scheduler_reads_every_channels_clock_each_minute(
    kb: KnowledgeBase, store: Store, settings: Settings
) -> None:
    client = create_web_client(settings)
    scheduler = create_scheduler(build_services(settings, store, kb=kb), slack=client)
    job = scheduler.get_job("digest")
    assert job is not None and job.trigger.interval == timedelta(minutes=1)
    assert create_scheduler(build_services(settings, store, kb=kb)).get_job("digest") is None


def cli_env(slack_api: SlackStandIn, db: str) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack_api.api_url, "HASHTAG_BOT_DB": db}


def test_digest_command_previews_posts_and_records(store: Store, slack_api: SlackStandIn) -> None:
    seeded(store, "C1")
    env = cli_env(slack_api, store.path)
    runner = CliRunner()
    preview = runner.invoke(
        main, ["digest", "--channel", "C1", "--preview", "--as-of", "2026-11-27"], env=env
    )
    assert preview.exit_code == 0, preview.output
    assert "== Crohn's disease ==" in preview.output and "IBD nurse" in preview.output
    assert slack_api.api_calls("chat.postMessage") == []
    posted = runner.invoke(main, ["digest", "--channel", "C1"], env=env)
    assert posted.exit_code == 0, posted.output
    assert "C1: posted 1 message" in posted.output
    assert len(slack_api.api_calls("chat.postMessage")) == 1
    again = runner.invoke(main, ["digest", "--channel", "C1"], env=env)
    assert "already had its digest" in again.output
    assert len(slack_api.api_calls("chat.postMessage")) == 1


def test_a_recorded_preview_is_not_repeated(store: Store, slack_api: SlackStandIn) -> None:
    seeded(store, "C1")
    env = cli_env(slack_api, store.path)
    args = ["digest", "--channel", "C1", "--preview", "--json", "--as-of", "2026-11-27"]
    first = CliRunner().invoke(main, [*args, "--record"], env=env)
    assert first.exit_code == 0, first.output
    handles = [a["handle"] for a in json.loads(first.stdout)["topics"][0]["new_advocates"]]
    assert handles == ["user1"]
    second = json.loads(CliRunner().invoke(main, args, env=env).stdout)
    assert second["topics"][0]["new_advocates"] == []


def test_digest_blocks_and_topics_without_a_channel(store: Store, slack_api: SlackStandIn) -> None:
    seeded(store)
    env = cli_env(slack_api, store.path)
    result = CliRunner().invoke(
        main, ["digest", "--topic", "crohn's", "--blocks", "--as-of", "2026-11-27"], env=env
    )
    assert result.exit_code == 0, result.output
    summary, *thread = json.loads(result.output)
    assert summary["text"].startswith("Daily digest · 27 Nov 2026")
    assert summary["blocks"][0]["type"] == "header"
    assert len(thread) == 1 and "IBD nurse" in json.dumps(thread[0]["blocks"])
    assert slack_api.api_calls("chat.postMessage") == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["digest"], "Give either --channel ID or --topic TEXT"),
        (["digest", "--channel", "C1", "--topic", "ALS"], "Give either --channel ID or --topic"),
        (["digest", "--topic", "ALS", "--json", "--blocks"], "Choose one of --json and --blocks"),
        (["digest", "--topic", "ALS", "--record"], "--record goes with --channel ID --preview"),
        (["digest", "--channel", "C1"], "SLACK_BOT_TOKEN"),
    ],
)
def test_digest_command_explains_what_is_missing(args: list[str], says: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and says in result.output
    assert "Traceback" not in result.output


def test_a_channel_that_tracks_nothing_posts_nothing(store: Store, slack_api: SlackStandIn) -> None:
    result = CliRunner().invoke(
        main, ["digest", "--channel", "C9"], env=cli_env(slack_api, store.path)
    )
    assert result.exit_code == 0 and "/hashtag track" in result.output
    assert slack_api.api_calls("chat.postMessage") == []


def test_an_unreachable_slack_is_said_plainly_and_nothing_recorded(store: Store) -> None:
    seeded(store, "C1")
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": "http://127.0.0.1:9/api"}
    result = CliRunner().invoke(
        main, ["digest", "--channel", "C1"], env={**env, "HASHTAG_BOT_DB": store.path}
    )
    assert result.exit_code == 1 and "Slack could not be reached" in result.output
    assert "Traceback" not in result.output
    assert not store.digest_delivered("C1", NOW.date())


def test_the_summary_has_a_line_a_topic_and_a_quiet_topic_adds_nothing_to_the_thread(
    kb: KnowledgeBase, store: Store
) -> None:
    seeded(store, "C1")
    store.track("C1", "ALS", condition_id="amyotrophic-lateral-sclerosis", created_by="U1", now=NOW)
    digest = Digester(kb, store).for_channels(tracked_topics(store, "C1"), now=NOW)["C1"]
    summary, *thread = digest_messages(digest)
    for message in (summary, *thread):
        assert_valid_message(message)
    lines = block_text(summary)
    assert "*Crohn's disease* · 3 posts this week" in lines
    assert "· quiet: no posts collected in 14 days, nothing taking off" in lines  # ALS: none
    assert len(thread) == 1 and "ALS" not in json.dumps(thread[0]["blocks"])
