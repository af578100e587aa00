from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner

from bot.app import create_web_client
from bot.cli import main
from bot.config import Settings
from bot.domain.hashtags import tag_key
from bot.domain.knowledge import KnowledgeBase
from bot.domain.schedules import parse_schedule
from bot.domain.topic_plan import TopicPlan
from bot.scheduling import create_scheduler, ingest_job, retention_job, window_job
from bot.services import build_services
from bot.services.archive_import import import_archive
from bot.services.collection import run_cycle
from bot.sources.base import CursorLookup, Page
from bot.sources.mastodon import MastodonSource
from bot.sources.x_plan import query_text, terms_for
from bot.storage import Store
from tests.factories import TODAY, author, heard_alone, plans_for, post
from tests.slack.slack_standins import BOT_TOKEN, CHANNEL, SlackStandIn
from tests.sources.source_standins import FIRST_ID, GOOD_TOKEN, LIVE_NOW, Answer, assert_plain
from tests.sources.standins_bluesky import JetstreamStandIn, XrpcStandIn, commit, profile
from tests.sources.standins_mastodon import MastodonStandIn, status
from tests.sources.standins_x import XStandIn, tweet, x_user


@pytest.fixture
def x_api() -> Iterator[XStandIn]:
    with XStandIn() as standin:
        yield standin


def test_a_condition_is_heard_through_its_unambiguous_community_and_condition_tags(
    kb: KnowledgeBase, store: Store
) -> None:
    (lung,) = plans_for(store, kb, [("lung cancer", None)], today=TODAY)
    tags = {t.casefold() for t in lung.tags}
    assert "lungcancer" in tags
    assert "LCSM" in lung.guarded and "lcsm" not in tags  # a short acronym: not yet measured
    [query] = query_text(terms_for([lung])).split(" OR (")[-1:]
    assert query.startswith("#LCSM (") and '"Lung cancer"' in query  # only beside the words
    heard_alone(store, "LCSM")  # a weekly sample showed it mostly means lung cancer
    (lung,) = plans_for(store, kb, [("lung cancer", None)], today=TODAY)
    tags = {t.casefold() for t in lung.tags}
    assert "lcsm" in tags and "lungcancer" in tags
    curated = {t.tag.casefold(): t for t in kb.conditions["lung-cancer"].tags}
    assert all(
        curated[t].kind in ("community", "condition") and not curated[t].ambiguous
        for t in tags
        if t in curated
    )


def test_a_guarded_tag_is_heard_beside_the_words_posts_use_not_the_names_brackets(
    kb: KnowledgeBase, store: Store
) -> None:
    (als,) = plans_for(store, kb, [("ALS", None)], today=TODAY)
    assert "ALS" in als.guarded
    query = query_text(terms_for([als]))
    assert '"amyotrophic lateral sclerosis"' in query.casefold()
    assert "(als)" not in query.casefold()  # "Amyotrophic lateral sclerosis (ALS)" as a phrase
    assert "Amyotrophic lateral sclerosis (ALS)" not in als.context_words


def test_ambiguous_tags_are_left_out_and_unknown_topics_use_the_users_words(
    kb: KnowledgeBase, store: Store
) -> None:
    ms, typed, words = plans_for(
        store,
        kb,
        [("MS", None), ("#MyOwnTag", None), ("zebrafish husbandry", None)],
        today=TODAY,
    )
    ambiguous = {t.tag for c in kb.conditions.values() for t in c.tags if t.ambiguous}
    assert ms.tags and not set(ms.tags) & ambiguous
    assert typed.tags == ("MyOwnTag",) and typed.keywords == ()
    assert words.tags == () and words.keywords == ("zebrafish husbandry",)


def test_the_same_topic_from_two_channels_is_one_query(kb: KnowledgeBase, store: Store) -> None:
    assert (
        len(
            plans_for(
                store, kb, [("Lung cancer", "lung-cancer"), ("lung  cancer", None)], today=TODAY
            )
        )
        == 1
    )


def test_ingest_then_suggest_shows_the_observed_hashtags(
    x_api: XStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_API_URL", x_api.url)
    monkeypatch.setenv("X_BEARER_TOKEN", GOOD_TOKEN)
    x_api.tweets = [
        tweet(n, f"Join tonight's #LCSM chat #LungCancer #ClinicalTrials {n}", user=n % 4)
        for n in range(1, 31)
    ]
    runner = CliRunner()
    first = runner.invoke(main, ["ingest", "--source", "x", "--topic", "#LCSM"])
    assert first.exit_code == 0, first.output
    assert (
        "x: 30 new posts" in first.output and "estimated X spend this month: $0.19" in first.output
    )
    again = runner.invoke(main, ["ingest", "--source", "x", "--topic", "#LCSM"])
    assert "x: 0 new posts" in again.output
    assert x_api.searches[-1]["since_id"] == str(FIRST_ID + 30)
    shown = runner.invoke(
        main, ["suggest", "#LCSM", "--json", "--as-of", LIVE_NOW.date().isoformat()]
    )
    stats = {s["tag"].casefold(): s["stats"] for s in json.loads(shown.output)["suggestions"]}
    assert stats["lcsm"]["posts"] == 30 and stats["lcsm"]["authors"] == 4


def test_ingest_without_a_topic_says_how_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(main, ["ingest"])
    assert result.exit_code == 0 and "--topic" in result.output


def test_without_an_x_token_x_is_skipped_saying_why(store: Store, kb: KnowledgeBase) -> None:
    report = run_cycle(
        Settings(), store, plans_for(store, kb, [("lung cancer", None)], today=TODAY), names=("x",)
    )
    assert "set X_BEARER_TOKEN" in report.summary() and not report.failed


def test_a_post_imported_and_then_fetched_live_is_stored_once(
    store: Store, x_api: XStandIn, tmp_path: Path, kb: KnowledgeBase
) -> None:
    tweets = [tweet(n, "#LCSM lung cancer overlap", user=1) for n in range(1, 6)]
    archive = tmp_path / "old.jsonl"
    archive.write_text(
        json.dumps({"data": tweets, "includes": {"users": [x_user(1)]}}) + "\n", encoding="utf-8"
    )
    import_archive(store, archive, now=LIVE_NOW)
    x_api.tweets = [*tweets, tweet(6, "#LCSM lung cancer news")]
    settings = Settings(x_bearer_token=GOOD_TOKEN, x_api_url=x_api.url)
    report = run_cycle(
        settings,
        store,
        plans_for(store, kb, [("lung cancer", None)], today=TODAY),
        names=("x",),
        clock=lambda: LIVE_NOW,
    )
    (x,) = report.sources
    assert (x.new_posts, x.updated_posts, store.counts()["posts"]) == (1, 5, 6)


def test_a_short_acronym_not_yet_measured_is_heard_only_beside_the_conditions_words(
    store: Store, x_api: XStandIn, kb: KnowledgeBase
) -> None:
    x_api.tweets = [
        tweet(1, "#LCSM match report: Lancashire v Somerset"),
        tweet(2, "#LCSM chat tonight on lung cancer screening"),
        tweet(3, "New #LungCancer trial opens"),
    ]
    settings = Settings(x_bearer_token=GOOD_TOKEN, x_api_url=x_api.url)
    plans = plans_for(store, kb, [("lung cancer", None)], today=TODAY)
    run_cycle(settings, store, plans, names=("x",), clock=lambda: LIVE_NOW)
    stored = {row[0] for row in store.conns.db().conn.execute("SELECT text FROM posts")}
    assert stored == {  # the cricket post never came back from X
        "#LCSM chat tonight on lung cancer screening",
        "New #LungCancer trial opens",
    }


def test_the_scheduler_collects_tracked_topics_and_keeps_retention(
    store: Store, x_api: XStandIn, kb: KnowledgeBase
) -> None:
    settings = Settings(
        x_bearer_token=GOOD_TOKEN,
        x_api_url=x_api.url,
        ingest_every_minutes=15,
        mastodon_instances=(),
    )
    services = build_services(settings, store, kb=kb, clock=lambda: LIVE_NOW)
    scheduler = create_scheduler(services)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) >= {"ingest", "retention", "cooccur-window"}
    assert jobs["ingest"].trigger.interval == timedelta(minutes=15)
    store.track("C1", "lung cancer", condition_id="lung-cancer", created_by="U1", now=LIVE_NOW)
    x_api.tweets = [tweet(1, "#LCSM lung cancer clinic")]
    report = ingest_job(services, names=("x",))
    assert report is not None and store.counts()["posts"] == 1


def test_retention_deletes_old_posts_but_keeps_their_counts(store: Store) -> None:
    old = [post("#LCSM old news", at=LIVE_NOW, by=i, days_ago=20) for i in range(3)]
    fresh = [post("#LCSM today", at=LIVE_NOW, by=9)]
    store.save_posts([*old, *fresh], [author(i) for i in (0, 1, 2, 9)], now=LIVE_NOW)
    removed = retention_job(
        build_services(Settings(retention_days=10), store, clock=lambda: LIVE_NOW)
    )
    assert removed == 3 and store.counts()["posts"] == 1
    assert store.tag_activity(["lcsm"], LIVE_NOW.date())["lcsm"].posts == 4


def test_the_window_job_rolls_co_occurrence_on_when_the_day_turns(store: Store) -> None:
    store.save_posts([post("#LCSM #LungCancer", at=LIVE_NOW, days_ago=29)], [], now=LIVE_NOW)
    assert window_job(build_services(Settings(), store, clock=lambda: LIVE_NOW))
    assert store.cooccurring(["lcsm"], LIVE_NOW.date()) == {"lungcancer": 1}
    assert not window_job(
        build_services(Settings(), store, clock=lambda: LIVE_NOW)
    )  # same day: nothing to do
    tomorrow = LIVE_NOW + timedelta(days=1)
    assert window_job(build_services(Settings(), store, clock=lambda: tomorrow))
    assert store.cooccurring(["lcsm"], tomorrow.date()) == {}


def test_no_tag_that_means_something_else_is_ever_listened_to_alone(
    kb: KnowledgeBase, store: Store
) -> None:
    ambiguous = set(kb.also_means) | {
        tag_key(t.tag) for c in kb.conditions.values() for t in c.tags if t.ambiguous
    }
    assert {"ttc", "stroke", "ms"} <= ambiguous
    for condition in kb.conditions.values():
        for query in plans_for(
            store,
            kb,
            [(condition.name, condition.id), (f"#{condition.name}", None)],
            today=TODAY,
        ):
            assert not {tag_key(t) for t in query.tags} & ambiguous, (condition.id, query)
            for term in terms_for([query]):
                if term.text.startswith("(#"):  # guarded: the tag, and then the topic's words
                    assert " (" in term.text and term.text.endswith("))"), term
                elif term.text.startswith("#"):
                    assert tag_key(term.text) not in ambiguous, term


def test_a_guarded_tag_is_asked_of_x_only_beside_the_topics_words(
    kb: KnowledgeBase, store: Store
) -> None:
    [query] = plans_for(store, kb, [("stroke", None)], today=TODAY)
    assert "Stroke" in query.guarded and "Stroke" not in query.tags
    texts = [t.text for t in terms_for([query])]
    guarded = next(t for t in texts if t.startswith("(#Stroke "))
    assert '"brain attack"' in guarded and " OR " in guarded
    assert "#Stroke" not in [t for t in texts if not t.startswith("(")]
    assert len(query_text(terms_for([query]))) <= 512


def test_an_imported_archive_keeps_its_authors_until_an_opt_out_is_found_live(
    store: Store, x_api: XStandIn, tmp_path: Path, kb: KnowledgeBase
) -> None:
    tweets = [tweet(n, "#LCSM from the archive", user=1 + n % 2) for n in range(1, 7)]
    archive = tmp_path / "team.jsonl"
    users = [x_user(1), x_user(2, "Advocate. #nobot")]
    archive.write_text(
        json.dumps({"data": tweets, "includes": {"users": users}}) + "\n", encoding="utf-8"
    )
    import_archive(store, archive, now=LIVE_NOW)
    assert store.counts()["posts"] == 3  # person 2's #nobot is honoured on import
    x_api.tweets = [tweet(7, "#LCSM lung cancer live", user=1)]
    x_api.users = {"101": x_user(1, "Lung cancer nurse. Bots: #NoBot")}  # person 1 says no later
    settings = Settings(x_bearer_token=GOOD_TOKEN, x_api_url=x_api.url)
    run_cycle(
        settings,
        store,
        plans_for(store, kb, [("lung cancer", None)], today=TODAY),
        names=("x",),
        clock=lambda: LIVE_NOW,
    )
    assert store.counts()["posts"] == 0 and store.known_authors({"x:101", "x:102"}) == set()


def test_ingest_reads_bluesky_profiles_from_the_appview_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = int((LIVE_NOW - timedelta(minutes=5)).timestamp() * 1_000_000)
    alice, bob = "did:plc:alice", "did:plc:bob"
    events = [
        commit(alice, "3ka", start + 1, "Tonight's #LCSM chat"),
        commit(bob, "3kb", start + 2, "My #LCSM story"),
    ]
    with JetstreamStandIn(events) as stream, XrpcStandIn() as appview:
        appview.profiles[alice] = profile(alice, "alice.bsky.social", "Thoracic oncologist")
        appview.profiles[bob] = profile(bob, "bob.bsky.social", "Survivor. #noindex")
        monkeypatch.setenv("BLUESKY_JETSTREAM_URL", stream.url)
        monkeypatch.setenv("BLUESKY_APPVIEW_URL", appview.url)
        result = CliRunner().invoke(main, ["ingest", "--source", "bluesky", "--topic", "#LCSM"])
        assert result.exit_code == 0, result.output
        assert "bluesky: 1 new posts" in result.output
        assert "1 accounts opted out and forgotten" in result.output
        assert [len(a.multi["actors"]) for a in appview.profile_calls] == [2]


@pytest.mark.parametrize(
    ("day", "heard"),
    [
        (date(2026, 5, 28), False),
        (date(2026, 5, 29), True),
        (date(2026, 6, 2), True),
        (date(2026, 6, 3), False),
    ],
)
def test_a_congress_tag_is_heard_beside_the_topic_only_while_the_meeting_runs(
    kb: KnowledgeBase, day: date, heard: bool, store: Store
) -> None:
    [lung] = plans_for(store, kb, [("lung cancer", None)], today=day)  # ASCO 2026: 29 May – 2 Jun
    assert "ASCO26" not in lung.tags  # never alone: all of ASCO is not the lung cancer community
    assert ("ASCO26" in lung.guarded) is heard
    together = [t.text for t in terms_for([lung]) if t.text.startswith("(#ASCO26 (")]
    assert bool(together) is heard
    if heard:
        assert '"Lung cancer"' in together[0] and "#LungCancer" in together[0]
        assert len(query_text(terms_for([lung]))) <= 512
    [diabetes] = plans_for(store, kb, [("type 1 diabetes", None)], today=day)
    assert "ASCO26" not in (*diabetes.tags, *diabetes.guarded)  # not an oncology condition


def test_a_congress_named_for_the_condition_is_heard_on_its_own_dates(
    kb: KnowledgeBase, store: Store
) -> None:
    [lung] = plans_for(store, kb, [("lung cancer", None)], today=date(2026, 9, 13))
    [breast] = plans_for(store, kb, [("breast cancer", None)], today=date(2026, 9, 13))
    assert "WCLC26" in lung.guarded and "WCLC26" not in breast.guarded


def micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def test_an_instance_answering_in_an_unexpected_shape_fails_alone_and_the_cycle_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = "did:plc:alice"
    start = micros(LIVE_NOW - timedelta(minutes=5))
    later = micros(datetime.now(UTC) + timedelta(minutes=5))  # past the cycle: caught up
    events = [commit(alice, "3ka", start + 1, "Tonight's #LCSM chat"), commit(alice, "3kz", later)]
    bent_posts = [status(7, "#LCSM from the bent instance", acct="bo")]
    with (
        MastodonStandIn(bent_posts) as bent,
        MastodonStandIn([status(1, "#LCSM from the good one")]) as good,
        JetstreamStandIn(events) as stream,
        XrpcStandIn() as appview,
    ):
        bent.bend("/api/v1/timelines/tag/*", Answer(200, {"statuses": bent_posts}))
        appview.profiles[alice] = profile(alice, "alice.bsky.social", "Thoracic oncologist")
        monkeypatch.setenv("MASTODON_INSTANCES", f"{bent.url},{good.url}")
        monkeypatch.setenv("BLUESKY_JETSTREAM_URL", stream.url)
        monkeypatch.setenv("BLUESKY_APPVIEW_URL", appview.url)
        result = CliRunner().invoke(main, ["ingest", "--source", "all", "--topic", "#LCSM"])
        doctor = CliRunner().invoke(main, ["doctor"]).output
        host = urlparse(bent.url).netloc
    assert result.exit_code == 1, result.output  # a source failed, and the run says so
    assert "mastodon: 1 new posts" in result.output  # the other instance was read
    assert f"{host} answered in an unexpected shape" in result.output
    assert "tried again next cycle" in result.output
    assert "bluesky: 1 new posts" in result.output  # and so was Bluesky, after it
    assert_plain(result.output)
    (health,) = [line for line in doctor.splitlines() if "mastodon health" in line]
    assert health.startswith("FAIL") and f"{host} answered in an unexpected shape" in health
    assert_plain(doctor)


def test_alerts_still_follow_a_cycle_in_which_one_source_answered_oddly(
    store: Store, kb: KnowledgeBase
) -> None:
    # Noon wherever the channel is, whenever the suite runs: alerts are never sent at night.
    offset = LIVE_NOW.hour - 12  # Etc/GMT+N is N hours behind UTC
    zone = "Etc/GMT" + (f"{offset:+d}" if offset else "")
    store.track(CHANNEL, "#LCSM", condition_id=None, created_by="U1", now=LIVE_NOW)
    store.set_schedule(CHANNEL, parse_schedule(f"daily 09:00 {zone}"), by="U1", now=LIVE_NOW)
    crowd = status(3, "Who else is on the new trial? #LCSM", acct="carol")
    crowd["replies_count"] = 60  # a crowd of replies in minutes
    slack_api = SlackStandIn()
    try:
        with MastodonStandIn([status(9, "#LCSM")]) as bent, MastodonStandIn([crowd]) as good:
            bent.bend("/api/v1/timelines/tag/*", Answer(200, {"statuses": []}))
            settings = Settings(
                mastodon_instances=(bent.url, good.url),
                slack_bot_token=BOT_TOKEN,
                slack_api_url=slack_api.api_url,
            )
            services = build_services(settings, store, kb=kb, clock=lambda: LIVE_NOW)
            report = ingest_job(services, names=("mastodon",), slack=create_web_client(settings))
        posted = [c.params for c in slack_api.api_calls("chat.postMessage")]
    finally:
        slack_api.close()
    (mastodon,) = report.sources
    assert "answered in an unexpected shape" in mastodon.error and mastodon.new_posts == 1
    (alert,) = posted  # the alert job ran after the cycle, and found the crowd
    assert alert["channel"] == CHANNEL and "gathering people" in json.dumps(alert)


class Unforeseen:
    """A source whose client fails in a way nobody wrote an except clause for."""

    name = "x"

    def collect(self, queries: Sequence[TopicPlan], cursor: CursorLookup) -> Iterator[Page]:
        yield Page(cursors=(("#lcsm", "1"),))
        raise KeyError("data")

    def close(self) -> None:
        pass


def test_a_fault_nobody_foresaw_is_that_sources_error_and_the_next_source_is_read(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with MastodonStandIn([status(1, "#LCSM")]) as mastodon:
        settings = Settings(mastodon_instances=(mastodon.url,))
        lcsm = TopicPlan("lung cancer", tags=("LCSM",))
        with caplog.at_level(logging.WARNING):
            report = run_cycle(
                settings,
                store,
                [lcsm],
                sources=[Unforeseen(), MastodonSource(settings)],
                clock=lambda: LIVE_NOW,
            )
    x, masto = report.sources
    assert masto.new_posts == 1 and not masto.error
    assert x.error.startswith("stopped on an answer the bot could not read")
    assert "tried again next cycle" in x.error
    assert_plain(report.summary())
    assert store.cursor("x", "#lcsm") == "1"  # what came before the fault was kept
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and tracebacks[0].exc_info[0] is KeyError  # type: ignore[index]
