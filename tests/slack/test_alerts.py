"""Alerts between digests, as a channel sees them: nothing on ordinary days, one message when the
community lights up, never the same event twice, none at night, a few a day at most."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from bot.app import create_web_client
from bot.cli import main
from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.domain.posts import Author, Post
from bot.domain.schedules import parse_schedule
from bot.scheduling import alert_job, create_scheduler
from bot.services import build_services
from bot.services.alerts import alerter_for
from bot.services.tag_health import review_listened_tags
from bot.storage import Store
from bot.storage.migrations import migrations
from tests.factories import author, heard_alone
from tests.slack.slack_messages import assert_valid_message, block_text
from tests.slack.slack_standins import BOT_TOKEN, CHANNEL, SlackStandIn

TUESDAY = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a busy hour of an ordinary afternoon
HISTORY = timedelta(weeks=4)
LUNG = ("Lung cancer", "lung-cancer")


def hourly_rate(at: datetime) -> float:
    """#Crohns on an ordinary day: quiet at night, busiest in the afternoon, less at weekends."""
    daily = 1 + 6 * max(0.0, math.sin(math.pi * (at.hour - 6) / 16))
    return daily * (0.6 if at.weekday() >= 5 else 1.0)


def poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Community:
    """A store filled with four ordinary weeks of a Crohn's community, tracked by one channel."""

    def __init__(
        self,
        store: Store,
        seed: int = 3,
        *,
        tag: str = "Crohns",
        topic: tuple[str, str] = ("Crohn's disease", "crohns-disease"),
    ) -> None:
        self.store = store
        self.n = 0
        rng = random.Random(seed)
        posts: list[Post] = []
        hour = TUESDAY - HISTORY
        while hour < TUESDAY - timedelta(hours=1):
            for _ in range(poisson(rng, hourly_rate(hour))):
                at = hour + timedelta(seconds=rng.randrange(3600))
                extra = rng.choice(["", "", " #IBD", " #ClinicalTrials"])
                posts.append(self.post(f"#{tag} clinic day{extra}", at, by=rng.randrange(300)))
            hour += timedelta(hours=1)
        self.save(posts)
        store.track(
            CHANNEL,
            topic[0],
            condition_id=topic[1],
            created_by="U1",
            now=TUESDAY - HISTORY,
        )

    def post(self, text: str, at: datetime, *, by: int, likes: int = 0, thread: str = "") -> Post:
        self.n += 1
        return Post(
            id=f"x:{self.n}",
            source="x",
            author_id=f"x:u{by}",
            text=text,
            created_at=at,
            url=f"https://x.com/i/status/{self.n}",
            hashtags=tuple(w[1:] for w in text.split() if w.startswith("#")),
            likes=likes,
            conversation_id=thread,
            reply_to=thread,
        )

    def save(self, posts: list[Post]) -> None:
        authors: list[Author] = [author(int(p.author_id[3:])) for p in posts]
        self.store.save_posts(posts, list({a.id: a for a in authors}.values()), now=TUESDAY)

    def burst(self, now: datetime, *, posts: int = 40, tags: tuple[str, ...] = ()) -> str:
        """Many people post about Crohn's in the hour before `now`; the busiest post's id."""
        batch = []
        for n in range(posts):
            extra = f" #{tags[n % len(tags)]}" if tags else ""
            at = now - timedelta(minutes=55) + timedelta(seconds=80 * n)
            batch.append(self.post(f"#Crohns new trial news{extra}", at, by=1000 + n, likes=n))
        self.save(batch)
        return batch[-1].id


@pytest.fixture
def settings(slack_api: SlackStandIn) -> Settings:
    return Settings(slack_bot_token=BOT_TOKEN, slack_api_url=slack_api.api_url)


def check(store: Store, kb: KnowledgeBase, settings: Settings, now: datetime) -> int:
    """One alert check after a collection cycle at `now`: how many alerts it posted."""
    services = build_services(settings, store, kb=kb, clock=lambda: now)
    return alert_job(services, create_web_client(settings)).posted


def posted(slack_api: SlackStandIn) -> list[dict]:
    return [c.params for c in slack_api.api_calls("chat.postMessage")]


def test_ordinary_days_post_nothing_and_a_burst_posts_one_alert_once(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn
) -> None:
    community = Community(store)
    day = [TUESDAY - timedelta(hours=8) + timedelta(minutes=30 * n) for n in range(17)]
    assert sum(check(store, kb, settings, now) for now in day) == 0  # 07:00 to 15:00
    busiest = community.burst(TUESDAY)
    assert check(store, kb, settings, TUESDAY) == 1
    (message,) = posted(slack_api)
    assert message["channel"] == CHANNEL
    assert_valid_message(message)
    text = block_text(message)
    assert "Crohn" in text and "busier than usual" in text
    assert "posts in the last hour" in text and "weeks' baseline" in text
    assert f"https://x.com/i/status/{busiest[2:]}" in text  # the most liked post, linked
    assert "/hashtag alerts off" in text
    # the next cycles see the same burst: the channel already knows
    assert check(store, kb, settings, TUESDAY + timedelta(minutes=30)) == 0
    assert check(store, kb, settings, TUESDAY + timedelta(minutes=31)) == 0
    assert len(posted(slack_api)) == 1


def test_a_tag_demoted_as_mostly_off_topic_raises_no_alert(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn, tmp_path: Path
) -> None:
    def fantasy_league(community: Community) -> None:
        """#LCSM taken over by a fantasy football league: 40 posts over the past weeks."""
        community.save(
            [
                community.post("#LCSM draft night, pick your keepers", at, by=500 + n % 9)
                for n, at in enumerate(TUESDAY - timedelta(days=2 + n % 20) for n in range(40))
            ]
        )

    def draft_burst(community: Community) -> None:
        start = TUESDAY - timedelta(minutes=55)
        community.save(
            [
                community.post(
                    "#LCSM trade deadline!", start + timedelta(seconds=80 * n), by=700 + n
                )
                for n in range(40)
            ]
        )

    trusting = Store(tmp_path / "trusting.db")  # the same weeks, the tag never measured
    try:
        heard_alone(trusting, "LCSM", on=TUESDAY.date() - timedelta(days=30))  # a month ago
        trusted = Community(trusting, tag="LungCancer", topic=LUNG)
        fantasy_league(trusted)
        draft_burst(trusted)
        assert check(trusting, kb, settings, TUESDAY) == 1  # heard alone, the league is a burst
    finally:
        trusting.close()
    slack_api.calls.clear()

    heard_alone(store, "LCSM", on=TUESDAY.date() - timedelta(days=30))
    community = Community(store, tag="LungCancer", topic=LUNG)
    fantasy_league(community)
    services = build_services(settings, store, kb=kb, clock=lambda: TUESDAY)
    measured = {h.tag: h for h in review_listened_tags(services.planner, TUESDAY.date())}
    assert measured["LCSM"].drifted  # the daily measurement demotes it
    draft_burst(community)
    assert check(store, kb, settings, TUESDAY) == 0
    assert posted(slack_api) == []


def test_nothing_is_posted_in_the_channels_night_hours(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn
) -> None:
    community = Community(store)
    tokyo = parse_schedule("daily 09:00 Asia/Tokyo")  # 15:00 UTC is midnight in Tokyo
    store.set_schedule(CHANNEL, tokyo, by="U1", now=TUESDAY)
    community.burst(TUESDAY)
    assert check(store, kb, settings, TUESDAY) == 0
    assert posted(slack_api) == []


def test_a_channel_that_turned_alerts_off_gets_none(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn
) -> None:
    community = Community(store)
    store.set_alerts(CHANNEL, False, by="U1", now=TUESDAY)
    community.burst(TUESDAY)
    assert check(store, kb, settings, TUESDAY) == 0
    store.set_alerts(CHANNEL, True, by="U1", now=TUESDAY)
    assert check(store, kb, settings, TUESDAY + timedelta(minutes=10)) == 1


def test_at_most_three_alerts_a_day_reach_a_channel(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn
) -> None:
    community = Community(store)
    community.burst(TUESDAY, posts=48, tags=("DDW26", "IBDtrial", "CrohnsStudy", "GutHealthNow"))
    assert check(store, kb, settings, TUESDAY) == 3  # a burst and four tags: five events
    assert check(store, kb, settings, TUESDAY + timedelta(minutes=30)) == 0
    kinds = [block_text(m).splitlines()[0] for m in posted(slack_api)]
    assert kinds[0] == "Crohn's disease is busier than usual"
    assert all("is taking off with Crohn's disease" in k for k in kinds[1:])


def test_muted_accounts_are_not_shown_in_an_alert(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn
) -> None:
    community = Community(store)
    busiest = community.burst(TUESDAY)
    handle = "user1039"  # the author of the most liked post of the burst
    store.mute(CHANNEL, handle, created_by="U1", now=TUESDAY)
    assert check(store, kb, settings, TUESDAY) == 1
    text = block_text(posted(slack_api)[0])
    assert handle not in text and busiest[2:] not in text
    assert "@user1038" in text


def test_an_alert_slack_refused_goes_out_once_when_the_channel_lets_the_bot_in(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn
) -> None:
    community = Community(store)
    community.burst(TUESDAY)
    slack_api.fail("chat.postMessage", "not_in_channel")
    assert check(store, kb, settings, TUESDAY) == 0
    slack_api.canned.pop("chat.postMessage")
    assert check(store, kb, settings, TUESDAY + timedelta(minutes=10)) == 1
    assert check(store, kb, settings, TUESDAY + timedelta(minutes=20)) == 0


def test_a_conversation_gathering_people_fast_is_one_alert(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn
) -> None:
    community = Community(store)
    opening = community.post(
        "#Crohns who else is on the new trial?", TUESDAY - timedelta(hours=2), by=2000
    )
    replies = [
        community.post(
            f"#Crohns me too, week {n}",
            TUESDAY - timedelta(minutes=100 - 10 * n),
            by=2001 + n,
            thread=opening.id,
        )
        for n in range(9)
    ]
    community.save([opening, *replies])
    assert check(store, kb, settings, TUESDAY) == 1
    message = posted(slack_api)[0]
    assert_valid_message(message)
    text = block_text(message)
    assert "conversation is gathering people" in text
    assert "who else is on the new trial" in text and "10 people" in text


def test_alerts_command_previews_as_json_then_posts_once(
    store: Store, slack_api: SlackStandIn
) -> None:
    community = Community(store)
    community.burst(TUESDAY)
    env = {
        "HASHTAG_BOT_DB": store.path,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack_api.api_url,
    }
    moment = ["--as-of", "2026-11-24T15:00"]
    preview = CliRunner().invoke(main, ["alerts", *moment, "--preview", "--json"], env=env)
    assert preview.exit_code == 0, preview.output
    (alert,) = json.loads(preview.stdout)["alerts"]
    assert set(alert) == {"channel", "topic", "kind", "summary", "evidence"}
    assert (alert["channel"], alert["kind"]) == (CHANNEL, "volume")
    assert alert["evidence"]["posts"][0]["url"].startswith("https://x.com/i/status/")
    assert posted(slack_api) == []
    sent = CliRunner().invoke(main, ["alerts", "--channel", CHANNEL, *moment], env=env)
    assert sent.exit_code == 0, sent.output
    assert len(posted(slack_api)) == 1
    again = CliRunner().invoke(main, ["alerts", "--channel", CHANNEL, *moment, "--json"], env=env)
    assert json.loads(again.stdout) == {"alerts": []}
    assert len(posted(slack_api)) == 1


def test_alerts_follow_each_collection_cycle_when_the_bot_can_post(
    store: Store, kb: KnowledgeBase, settings: Settings
) -> None:
    services = build_services(settings, store, kb=kb, clock=lambda: TUESDAY)
    client = create_web_client(settings)
    with_slack = create_scheduler(services, slack=client).get_job("ingest")
    assert with_slack is not None and with_slack.kwargs["slack"] is client
    without = create_scheduler(services).get_job("ingest")
    assert without is not None and without.kwargs["slack"] is None


def test_an_alert_killed_mid_send_is_logged_as_maybe_missing_and_never_sent_again(
    store: Store,
    kb: KnowledgeBase,
    settings: Settings,
    slack_api: SlackStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    community = Community(store)
    community.burst(TUESDAY)
    found = alerter_for(build_services(settings, store, kb=kb, clock=lambda: TUESDAY)).check(
        TUESDAY
    )
    [alert] = found.alerts
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = f"{gone.pid}:killed"  # the claim of a process that is no more
    assert store.claim_alert(
        CHANNEL,
        alert.alert.key,
        topic_key=alert.alert.topic_key,
        kind=alert.alert.kind,
        summary=alert.alert.summary,
        local_day=alert.day,
        cap=3,
        claimer=dead,
        now=TUESDAY,
    )  # the bot was killed while Slack took it
    assert check(store, kb, settings, TUESDAY + timedelta(minutes=30)) == 0
    assert posted(slack_api) == []  # it may be in the channel: never sent again
    assert "may be missing from the channel" in caplog.text
    assert "an alert in <#" in caplog.text


@pytest.mark.parametrize("fault", ["drop", "500"])
def test_an_alert_that_may_have_reached_slack_is_sent_once_and_never_again(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn, fault: str
) -> None:
    community = Community(store)
    community.burst(TUESDAY)
    slack_api.at_call("chat.postMessage", 1, fault)  # Slack read it, then the line broke
    slack_api.at_call("chat.postMessage", 2, fault)
    assert check(store, kb, settings, TUESDAY) == 0
    assert check(store, kb, settings, TUESDAY + timedelta(minutes=30)) == 0
    assert len(posted(slack_api)) == 1  # asked of Slack once: it may be there, so not again


NEW_YORK = "daily 09:00 America/New_York"


def test_a_channel_with_digests_off_keeps_its_night_and_its_day(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn
) -> None:
    community = Community(store)
    services = build_services(settings, store, kb=kb, clock=lambda: TUESDAY)
    services.channels.set_schedule(CHANNEL, parse_schedule(NEW_YORK), user="U1", now=TUESDAY)
    services.channels.set_schedule(CHANNEL, parse_schedule("off"), user="U1", now=TUESDAY)
    assert services.channels.zone(CHANNEL) == "America/New_York"

    three_am = TUESDAY - timedelta(hours=7)  # 08:00 UTC is 03:00 in New York
    community.burst(three_am)
    assert check(store, kb, settings, three_am) == 0
    env = {"HASHTAG_BOT_DB": store.path}
    held = CliRunner().invoke(
        main, ["alerts", "--preview", "--as-of", three_am.isoformat()], env=env
    )
    assert "it is night there (21:00–07:00 America/New_York)" in held.stderr

    # 18:30 and 19:30 in New York: one local day, though 00:00 UTC falls between them
    evening = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    community.burst(evening, posts=48, tags=("DDW26", "IBDtrial", "CrohnsStudy", "GutHealthNow"))
    assert check(store, kb, settings, evening) == 3
    later = evening + timedelta(hours=1)
    community.burst(later, posts=48, tags=("ECCO27", "IBDnurse", "CrohnsCare", "GutFeeling"))
    assert check(store, kb, settings, later) == 0  # the cap is New York's day, not UTC's
    assert len(posted(slack_api)) == 3


def test_a_burst_across_midnight_utc_is_one_alert_and_leaves_the_cap_to_new_events(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn
) -> None:
    community = Community(store)
    store.set_schedule(CHANNEL, parse_schedule(NEW_YORK), by="U1", now=TUESDAY)
    before = datetime(2026, 11, 23, 23, 50, tzinfo=UTC)  # 18:50 in New York
    community.burst(before)
    assert check(store, kb, settings, before) == 1
    after = before + timedelta(minutes=30)  # 00:20 UTC: the same burst, still going
    community.burst(after, posts=48, tags=("DDW26", "IBDtrial", "CrohnsStudy"))
    assert check(store, kb, settings, after) == 2  # two of the three new tags: the cap of 3
    headlines = [block_text(m).splitlines()[0] for m in posted(slack_api)]
    assert sum("busier than usual" in h for h in headlines) == 1
    assert sum("is taking off" in h for h in headlines) == 2


def test_a_burst_alerted_before_an_upgrade_is_not_alerted_again_after_it(
    tmp_path: Path, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn
) -> None:
    # The version before logged a burst once per UTC day; it alerted this one 20 minutes ago.
    path = tmp_path / "older.db"
    older = Database(path)
    migrations.apply(older, stop_before="0019_burst_keys_by_minute")
    alerted = TUESDAY - timedelta(minutes=20)
    older.execute(
        "INSERT INTO alert_log VALUES (?,?,?,?,?,?,'posted','1700000000.000100','run-1',?,?)",
        [
            CHANNEL,
            "volume:crohn's disease:2026-11-24",
            "crohn's disease",
            "volume",
            "2026-11-24",
            "Crohn's disease: 40 posts in the last hour",
            alerted.isoformat(),
            alerted.isoformat(),
        ],
    )
    older.conn.commit()
    older.close()

    store = Store(path)  # the upgrade
    try:
        community = Community(store)
        community.burst(TUESDAY)
        assert check(store, kb, settings, TUESDAY) == 0  # the channel had it already
        assert posted(slack_api) == []
        assert check(store, kb, settings, TUESDAY + timedelta(hours=25)) == 0  # quiet again
        community.burst(TUESDAY + timedelta(hours=26))  # a new burst, a day on
        assert check(store, kb, settings, TUESDAY + timedelta(hours=26)) == 1
    finally:
        store.close()
