"""Digests on each team's own clock: set in Slack, shown by `schedule`, posted once per local day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from click.testing import CliRunner

from bot.app import create_web_client
from bot.cli import main
from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.domain.schedules import parse_schedule
from bot.scheduling import digest_job
from bot.services import build_services
from bot.storage import Store
from tests.factories import NOW, post
from tests.slack.slack_messages import block_text
from tests.slack.slack_payloads import Bot
from tests.slack.slack_standins import BOT_TOKEN, CHANNEL, SlackStandIn


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def new_york_channel(store: Store) -> None:
    store.save_posts([post("#Crohns clinic", at=NOW, likes=9)], [], now=NOW)
    store.track("C1", "Crohn's disease", condition_id="crohns-disease", created_by="U1", now=NOW)
    schedule = parse_schedule("daily 09:00 America/New_York")
    store.set_schedule("C1", schedule, by="U1", now=NOW)


def test_a_digest_comes_at_the_channels_nine_once_even_across_a_restart(
    store: Store, kb: KnowledgeBase, slack_api: SlackStandIn
) -> None:
    new_york_channel(store)
    settings = Settings(slack_bot_token=BOT_TOKEN, slack_api_url=slack_api.api_url)
    client = create_web_client(settings)

    def tick(moment: str) -> int:
        services = build_services(settings, store, kb=kb, clock=lambda: at(moment))
        return sum(d.messages for d in digest_job(services, client))

    assert tick("2026-11-27T13:00") == 0  # 08:00 in New York; DIGEST_HOUR is UTC 13
    assert tick("2026-11-27T13:59") == 0
    # the bot was down at 09:00 New York time
    assert tick("2026-11-27T16:30") >= 1  # 11:30 local: the missed run goes out after a restart
    assert tick("2026-11-27T16:31") == 0
    assert tick("2026-11-27T20:00") == 0  # another restart the same day: never twice
    assert tick("2026-11-28T06:00") == 0  # 01:00 the next day in New York
    assert store.digest_delivered("C1", date(2026, 11, 27))


def test_schedule_lists_every_channels_next_run_in_utc(store: Store) -> None:
    new_york_channel(store)
    store.track("C2", "lung cancer", condition_id="lung-cancer", created_by="U1", now=NOW)
    result = CliRunner().invoke(
        main,
        ["schedule", "--json", "--as-of", "2026-11-27T15:00Z"],
        env={"HASHTAG_BOT_DB": store.path, "DIGEST_HOUR": "13"},
    )
    assert result.exit_code == 0, result.output
    rows = {row["channel"]: row for row in json.loads(result.output)["channels"]}
    assert rows["C1"] == {
        "channel": "C1",
        "cadence": "daily",
        "time": "09:00",
        "timezone": "America/New_York",
        "next_utc": "2026-11-28T14:00:00Z",
    }
    assert rows["C2"]["timezone"] == "UTC" and rows["C2"]["next_utc"] == "2026-11-28T13:00:00Z"
    bad = CliRunner().invoke(main, ["schedule", "--as-of", "yesterday"])
    assert bad.exit_code == 2 and "is not a moment" in bad.output


def test_a_channel_sets_its_schedule_and_alerts_in_slack(bot: Bot, store: Store) -> None:
    store.track(CHANNEL, "Lung cancer", condition_id="lung-cancer", created_by="U1", now=NOW)
    said = block_text(bot.ask("digest weekdays 08:00 asia/tokyo", "r1"))
    assert "weekdays at 08:00 Asia/Tokyo; next Mon 30 Nov 2026 08:00 (23:00 UTC)" in said
    assert "isn't a time zone" in block_text(bot.ask("digest daily 09:00 Mars/Olympus", "r2"))
    assert "no alerts" in block_text(bot.ask("alerts off", "r3"))
    listed = block_text(bot.ask("list", "r4"))
    assert "Digest: weekdays at 08:00 Asia/Tokyo" in listed and "alerts off" in listed
    assert "gets no digest now" in block_text(bot.ask("digest off", "r5"))
    where = {"channel": "D0DIRECT", "channel_name": "directmessage"}
    assert "never message people" in block_text(bot.ask("digest daily 09:00", "r6", **where))
