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


def schedule_json(store: Store, as_of: str) -> dict[str, dict]:
    result = CliRunner().invoke(
        main,
        ["schedule", "--json", "--as-of", as_of],
        env={"HASHTAG_BOT_DB": store.path, "DIGEST_HOUR": "13"},
    )
    assert result.exit_code == 0, result.output
    return {row["channel"]: row for row in json.loads(result.output)["channels"]}


def test_schedule_lists_every_channels_next_run_in_utc(store: Store) -> None:
    new_york_channel(store)
    store.record_digest("C1", date(2026, 11, 27), {}, now=NOW)
    store.track("C2", "lung cancer", condition_id="lung-cancer", created_by="U1", now=NOW)
    rows = schedule_json(store, "2026-11-27T15:00Z")
    assert rows["C1"] == {
        "channel": "C1",
        "cadence": "daily",
        "time": "09:00",
        "timezone": "America/New_York",
        "next_utc": "2026-11-28T14:00:00Z",  # today's went out: tomorrow's
        "catching_up": False,
    }
    # C2's 13:00 UTC passed two hours ago and nothing went out: the scheduler posts it now
    assert rows["C2"]["timezone"] == "UTC" and rows["C2"]["catching_up"] is True
    assert rows["C2"]["next_utc"] == "2026-11-27T15:00:00Z"
    said = CliRunner().invoke(
        main, ["schedule", "--as-of", "2026-11-27T15:00Z"], env={"HASHTAG_BOT_DB": store.path}
    )
    assert "C2: daily at 13:00 UTC; next now (catching up on today's)" in said.output
    bad = CliRunner().invoke(main, ["schedule", "--as-of", "yesterday"])
    assert bad.exit_code == 2 and "is not a moment" in bad.output


def test_a_channel_sets_its_schedule_and_alerts_in_slack(bot: Bot, store: Store) -> None:
    store.track(CHANNEL, "Lung cancer", condition_id="lung-cancer", created_by="U1", now=NOW)
    store.record_digest(CHANNEL, NOW.date(), {}, now=NOW)  # Friday's is out
    said = block_text(bot.ask("digest weekdays 08:00 asia/tokyo", "r1"))
    assert "weekdays at 08:00 Asia/Tokyo; next Mon 30 Nov 2026 08:00 (23:00 UTC)" in said
    assert "isn't a time zone" in block_text(bot.ask("digest daily 09:00 Mars/Olympus", "r2"))
    assert "no alerts" in block_text(bot.ask("alerts off", "r3"))
    listed = block_text(bot.ask("list", "r4"))
    assert "Digest: weekdays at 08:00 Asia/Tokyo" in listed and "alerts off" in listed
    assert "gets no digest now" in block_text(bot.ask("digest off", "r5"))
    where = {"channel": "D0DIRECT", "channel_name": "directmessage"}
    assert "never message people" in block_text(bot.ask("digest daily 09:00", "r6", **where))


def test_what_the_schedule_promises_is_what_the_scheduler_does(
    bot: Bot, store: Store, settings: Settings, kb: KnowledgeBase, slack_api: SlackStandIn
) -> None:
    """Set at 12:00 UTC for 11:44 UTC: the answer says the digest comes now, and it does; once
    it has gone out, every place that shows the schedule says tomorrow."""
    store.save_posts([post("#LCSM chat tonight", at=NOW, likes=9)], [], now=NOW)
    store.track(CHANNEL, "Lung cancer", condition_id="lung-cancer", created_by="U1", now=NOW)
    said = block_text(bot.ask("digest daily 11:44 UTC", "r1"))
    assert "daily at 11:44 UTC; now (catching up on today's)" in said
    assert "now (catching up on today's)" in block_text(bot.ask("list", "r2"))
    row = schedule_json(store, NOW.isoformat())[CHANNEL]
    assert row["catching_up"] is True and row["next_utc"] == "2026-11-27T12:00:00Z"

    services = build_services(settings, store, kb=kb, clock=lambda: NOW)
    (delivery,) = digest_job(services, create_web_client(settings))
    assert delivery.messages >= 1  # it did come now

    tomorrow = "daily at 11:44 UTC; next Sat 28 Nov 2026 11:44"
    assert tomorrow in block_text(bot.ask("list", "r3"))
    assert bot.open_home()[0] == 200
    home = slack_api.wait_for(lambda: slack_api.api_calls("views.publish"))[0].params["view"]
    assert f"_Digest {tomorrow} · last digest 27 Nov_" in block_text(home)
    row = schedule_json(store, NOW.isoformat())[CHANNEL]
    assert row["catching_up"] is False and row["next_utc"] == "2026-11-28T11:44:00Z"
    assert digest_job(services, create_web_client(settings)) == []


def test_a_weekly_digest_is_titled_weekly(
    bot: Bot, store: Store, settings: Settings, kb: KnowledgeBase, slack_api: SlackStandIn
) -> None:
    store.save_posts([post("#LCSM chat tonight", at=NOW, likes=9)], [], now=NOW)
    store.track(CHANNEL, "Lung cancer", condition_id="lung-cancer", created_by="U1", now=NOW)
    assert "weekly on Fridays at 11:00 UTC" in block_text(bot.ask("digest weekly friday 11:00 UTC"))
    preview = block_text(bot.ask("digest", "r2"))
    assert preview.startswith("Weekly digest · 27 Nov 2026") and "Daily" not in preview
    services = build_services(settings, store, kb=kb, clock=lambda: NOW)
    digest_job(services, create_web_client(settings))
    first = slack_api.api_calls("chat.postMessage")[0].params
    assert block_text(first).startswith("Weekly digest · 27 Nov 2026")
    assert first["text"].startswith("Weekly digest")


def test_a_zone_moved_west_right_after_a_delivery_never_serves_a_day_twice(
    store: Store, kb: KnowledgeBase, slack_api: SlackStandIn
) -> None:
    store.save_posts([post("#Crohns clinic", at=NOW, likes=9)], [], now=NOW)
    store.track("C1", "Crohn's disease", condition_id="crohns-disease", created_by="U1", now=NOW)
    store.set_schedule("C1", parse_schedule("daily 08:00 Asia/Tokyo"), by="U1", now=NOW)
    settings = Settings(slack_bot_token=BOT_TOKEN, slack_api_url=slack_api.api_url)
    client = create_web_client(settings)

    def tick(moment: str) -> int:
        services = build_services(settings, store, kb=kb, clock=lambda: at(moment))
        return sum(d.messages for d in digest_job(services, client))

    assert tick("2026-11-26T23:01") >= 1  # 08:01 on Friday the 27th in Tokyo
    moved = parse_schedule("daily 09:00 America/New_York")  # 18:01 on the 26th there
    store.set_schedule("C1", moved, by="U1", now=at("2026-11-26T23:01"))
    assert schedule_json(store, "2026-11-26T23:02Z")["C1"]["next_utc"] == "2026-11-28T14:00:00Z"
    assert tick("2026-11-26T23:02") == 0  # not the 26th again: its digest went out as the 27th
    assert tick("2026-11-27T14:30") == 0  # nor the 27th, already served in Tokyo
    assert tick("2026-11-28T14:00") >= 1  # Saturday the 28th at 09:00 in New York
    assert len({c.params["text"] for c in slack_api.api_calls("chat.postMessage")}) >= 2


def test_zones_people_type_are_read_or_asked_for_and_kept_when_digests_go_off(
    bot: Bot, store: Store
) -> None:
    store.track(CHANNEL, "Lung cancer", condition_id="lung-cancer", created_by="U1", now=NOW)
    asked = block_text(bot.ask("digest daily 09:00", "r1"))
    assert "Which time zone?" in asked and "America/New_York" in asked
    assert "Digest: daily at 13:00 UTC" in block_text(bot.ask("list", "r2"))  # nothing saved

    est = block_text(bot.ask("digest daily 09:00 EST", "r3"))
    assert "daily at 09:00 America/New_York; next Fri 27 Nov 2026 09:00 (14:00 UTC)" in est
    assert "“EST” read as America/New_York (US Eastern time: EST in winter, EDT in summer)" in est

    off = bot.ask("digest off", "r4")
    said = block_text(off)
    assert "gets no digest now" in said and "<your zone>" not in said
    assert "`/hashtag digest daily 09:00` turns it back on, at 09:00 America/New_York" in said
    assert "<" not in said.replace(f"<#{CHANNEL}>", "")  # no markup Slack would swallow

    again = block_text(bot.ask("digest weekdays 08:30", "r5"))
    assert "weekdays at 08:30 America/New_York" in again
    assert "No zone given, so this channel's own: America/New_York" in again

    for n, (typed, says) in enumerate(
        [
            ("digest daily 123 UTC", "“123” isn't a time: type the time as HH:MM"),
            ("digest daily 09:00 Factory", "“Factory” isn't a time zone a channel can keep"),
            ("digest daily 09:00 localtime", "“localtime” isn't a time zone a channel can keep"),
            ("digest daily 09:00 America/New_Yrok", "Did you mean America/New_York?"),
            ("digest daily 09:00 New York", "read as America/New_York"),
        ]
    ):
        assert says in block_text(bot.ask(typed, f"z{n}")), typed
