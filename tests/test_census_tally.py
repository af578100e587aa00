"""The Jetstream tally behind Bluesky's figures: every hashtag counted per day and language as
`run` listens, held open for the census with nothing tracked, counted once across a restart, and
search asked only for the days the stream didn't cover."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.services import Services, build_services
from bot.services.bluesky_stream import BlueskyListener
from bot.sources.bluesky import BlueskySource
from bot.sources.jetstream import Jetstream
from bot.storage import Store
from tests.census_world import BLUESKY_PASSWORD
from tests.sources.source_standins import LIVE_NOW
from tests.sources.standins_bluesky import JetstreamStandIn, XrpcStandIn, commit

ALICE = "did:plc:alice"
US = 1_000_000
MINUTE = 60 * US
START = datetime.combine(LIVE_NOW.date() - timedelta(days=6), datetime.min.time(), UTC)


def micros(moment: datetime) -> int:
    return int(moment.timestamp() * US)


def week_of_events(first: datetime, *, every_minutes: int = 4) -> list[dict]:
    """A stream from `first` to now: a post every few minutes (the network never goes quiet),
    some of them tagged."""
    events = []
    moment = micros(first - timedelta(minutes=2))
    n = 0
    while moment <= micros(LIVE_NOW):
        n += 1
        text = "an ordinary post"
        langs = ["en"]
        if n % 40 == 0:
            text = "Our #LCSM chat tonight"
        elif n % 40 == 1:
            text, langs = "Charla #LCSM esta noche", ["es"]
        elif n % 40 == 2:
            text = "Living with multiple sclerosis #MS"
        elif n % 40 == 3:
            text = "#MS Teams is down again"
        events.append(commit(ALICE, f"3k{n:08d}", moment, text, langs=langs))
        moment += every_minutes * MINUTE
    return events


def eventually(check: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def xrpc() -> Iterator[XrpcStandIn]:
    with XrpcStandIn(BLUESKY_PASSWORD) as standin:
        yield standin


def census_services(store: Store, kb: KnowledgeBase, xrpc: XrpcStandIn, url: str) -> Services:
    settings = Settings(
        bluesky_jetstream_url=url,
        bluesky_api_url=xrpc.url,
        bluesky_appview_url=xrpc.url,
        bluesky_handle="bot.bsky.social",
        bluesky_app_password=BLUESKY_PASSWORD,
        mastodon_instances=(),
    )
    return build_services(settings, store, kb=kb, clock=lambda: LIVE_NOW)


def listen(services: Services, url: str, *, started: datetime) -> BlueskyListener:
    """`run`'s listener, its clock at `started` so the stream is read from there."""
    source = BlueskySource(
        services.settings,
        known_authors=services.store.known_authors,
        checked_since=services.store.profiles_checked_since,
        jetstream=Jetstream(url, idle_s=0.1, sleep=lambda s: None, max_failures=1),
        clock=lambda: started,
    )
    listener = BlueskyListener(
        services.settings,
        services.store,
        planner=services.planner,
        source=source,
        clock=lambda: started,
        tally_guards=services.census.guards,
        tally_flush_s=0.0,
        idle_check_s=0.05,
    )
    listener.start()
    return listener


def tally_reaches(store: Store, events: list[dict]) -> Callable[[], bool]:
    return lambda: store.tally_cursor() == events[-1]["time_us"]


def test_the_tally_counts_every_tag_by_day_and_language_with_nothing_tracked(
    store: Store, kb: KnowledgeBase, xrpc: XrpcStandIn
) -> None:
    events = week_of_events(START)
    with JetstreamStandIn(events) as stream:
        services = census_services(store, kb, xrpc, stream.url)
        assert store.topics() == []  # nothing tracked: the stream is held for the census
        listener = listen(services, stream.url, started=START)
        try:
            assert eventually(tally_reaches(store, events))
        finally:
            listener.stop()
    counted = store.tally_posts(["lcsm", "ms", "ms+"], START.date(), LIVE_NOW.date())
    by_lang: dict[str, int] = {}
    for day in counted["lcsm"].values():
        for lang, n in day.items():
            by_lang[lang] = by_lang.get(lang, 0) + n
    tagged = [
        e
        for e in events
        if "#LCSM" in e["commit"]["record"]["text"] and e["time_us"] >= micros(START)
    ]
    assert by_lang == {
        "en": sum(e["commit"]["record"]["langs"] == ["en"] for e in tagged),
        "es": sum(e["commit"]["record"]["langs"] == ["es"] for e in tagged),
    }
    total = lambda key: sum(sum(day.values()) for day in counted[key].values())  # noqa: E731
    ms = [
        e["commit"]["record"]["text"]
        for e in events
        if "#MS" in e["commit"]["record"]["text"] and e["time_us"] >= micros(START)
    ]
    assert total("ms") == len(ms)
    # #MS beside "multiple sclerosis" is counted apart: the guarded figure, not Microsoft Teams
    assert total("ms+") == sum("multiple sclerosis" in text for text in ms) < len(ms)

    report = services.census.run(["bluesky"], ["lung cancer", "multiple sclerosis"])
    figures = {f.tag: f.measurement for f in report.figures}
    assert figures["LCSM"].posts_7d == len(tagged) and figures["LCSM"].via == "stream"
    assert figures["MS"].posts_7d == total("ms+") and figures["MS"].guarded
    assert xrpc.searches == []  # every day was covered: no search


def test_a_restart_replays_the_stream_without_counting_twice(
    store: Store, kb: KnowledgeBase, xrpc: XrpcStandIn
) -> None:
    events = week_of_events(LIVE_NOW - timedelta(hours=6))
    half = len(events) // 2
    with JetstreamStandIn(events[:half]) as stream:
        services = census_services(store, kb, xrpc, stream.url)
        first = listen(services, stream.url, started=LIVE_NOW - timedelta(hours=7))
        try:
            assert eventually(tally_reaches(store, events[:half]))
        finally:
            first.stop()
    store.set_cursor("bluesky", "jetstream", str(events[half // 2]["time_us"]), now=LIVE_NOW)
    with JetstreamStandIn(events) as stream:  # replays from the stream's older cursor
        again = listen(services, stream.url, started=LIVE_NOW - timedelta(hours=7))
        try:
            assert eventually(tally_reaches(store, events))
        finally:
            again.stop()
    counted = store.tally_posts(["lcsm"], LIVE_NOW.date() - timedelta(days=1), LIVE_NOW.date())
    posts = sum(n for day in counted["lcsm"].values() for n in day.values())
    assert posts == sum("#LCSM" in e["commit"]["record"]["text"] for e in events)
    [(start, end)] = store.tally_spans(0, micros(LIVE_NOW))  # one stretch, gap-free
    assert (start, end) == (events[0]["time_us"], events[-1]["time_us"])


def test_days_the_stream_missed_are_counted_from_search(
    store: Store, kb: KnowledgeBase, xrpc: XrpcStandIn
) -> None:
    covered_from = datetime.combine(LIVE_NOW.date() - timedelta(days=2), datetime.min.time(), UTC)
    events = week_of_events(covered_from)
    xrpc.add_week("LCSM", 70)
    with JetstreamStandIn(events) as stream:
        services = census_services(store, kb, xrpc, stream.url)
        listener = listen(services, stream.url, started=covered_from)
        try:
            assert eventually(tally_reaches(store, events))
        finally:
            listener.stop()
    report = services.census.run(["bluesky"], ["lung cancer"])
    figure = next(f.measurement for f in report.figures if f.tag == "LCSM")
    searched = [a for a in xrpc.searches if a.multi.get("tag") == ["LCSM"]]
    assert len(searched) == 1
    assert searched[0].params["since"] == START.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert searched[0].params["until"] == covered_from.strftime("%Y-%m-%dT%H:%M:%SZ")
    before = [v for v in xrpc.posts if v["record"]["createdAt"] < covered_from.isoformat()[:19]]
    streamed = sum(
        "#LCSM" in e["commit"]["record"]["text"] and e["time_us"] >= micros(covered_from)
        for e in events
    )
    assert figure.posts_7d == len(before) + streamed
    assert figure.via == "stream and search" and not figure.at_least


def test_with_the_tally_off_and_nothing_tracked_no_stream_is_held(
    store: Store, kb: KnowledgeBase, xrpc: XrpcStandIn
) -> None:
    with JetstreamStandIn(week_of_events(LIVE_NOW - timedelta(hours=1))) as stream:
        services = build_services(
            Settings(bluesky_jetstream_url=stream.url, bluesky_tally=False),
            store,
            kb=kb,
            clock=lambda: LIVE_NOW,
        )
        listener = listen(services, stream.url, started=LIVE_NOW)
        try:
            time.sleep(0.3)
            assert stream.paths == []
            assert not listener.holds_for_tally
        finally:
            listener.stop()
