"""`run` listens to Bluesky as it happens: posts stored within seconds, faults recorded, resumed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.domain.conditions import ConditionMatcher
from bot.domain.knowledge import KnowledgeBase
from bot.services.bluesky_stream import BlueskyListener
from bot.services.topics import TopicPlanner
from bot.sources.bluesky import BlueskySource
from bot.sources.jetstream import Jetstream
from bot.storage import Store, Topic
from tests.sources.source_standins import JSON, LIVE_NOW, Answer, assert_plain, web_page
from tests.sources.standins_bluesky import (
    JetstreamStandIn,
    XrpcStandIn,
    account_event,
    commit,
    profile,
)

T0 = int((LIVE_NOW - timedelta(minutes=10)).timestamp() * 1_000_000)
ALICE = "did:plc:alice"


def listener(
    store: Store, kb: KnowledgeBase, url: str, appview: XrpcStandIn, **options: Any
) -> BlueskyListener:
    settings = Settings(bluesky_jetstream_url=url, bluesky_appview_url=appview.url)
    source = BlueskySource(
        settings,
        known_authors=store.known_authors,
        checked_since=store.profiles_checked_since,
        jetstream=Jetstream(url, idle_s=0.1, sleep=lambda s: None, max_failures=1),
        clock=lambda: LIVE_NOW,
    )
    planner = TopicPlanner(kb, store, ConditionMatcher(kb))
    return BlueskyListener(
        settings, store, planner=planner, source=source, clock=lambda: LIVE_NOW, **options
    )


@pytest.fixture
def appview() -> Iterator[XrpcStandIn]:
    """The public AppView, where Alice's profile says nothing about bots."""
    with XrpcStandIn() as standin:
        standin.profiles[ALICE] = profile(ALICE, "alice.bsky.social", "Lung cancer survivor")
        yield standin


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def track_lung_cancer(store: Store) -> None:
    store.track("C1", "#LCSM", condition_id=None, created_by="U1", now=LIVE_NOW)


def test_posts_are_stored_as_they_arrive_and_a_restart_resumes(
    store: Store, kb: KnowledgeBase, appview: XrpcStandIn
) -> None:
    track_lung_cancer(store)
    with JetstreamStandIn([commit(ALICE, "3ka1", T0 + 1, "Our #LCSM chat")]) as stream:
        running = listener(store, kb, stream.url, appview)
        running.start()
        try:
            assert eventually(lambda: store.counts()["posts"] == 1)
            stream.events.append(commit(ALICE, "3ka2", T0 + 2, "Later, live: #lcsm"))
            stream.events.append(commit(ALICE, "3ka3", T0 + 3, "Not ours #food"))
            assert eventually(lambda: store.cursor("bluesky", "jetstream") == str(T0 + 3))
            assert store.counts()["posts"] == 2 and len(stream.paths) == 1  # one connection
            assert store.health()["bluesky"][:2] == (True, "listening to Jetstream")
        finally:
            running.stop()
        assert not running.running
    with JetstreamStandIn([commit(ALICE, "3ka4", T0 + 4, "#LCSM after a restart")]) as stream:
        again = listener(store, kb, stream.url, appview)
        again.start()
        try:
            assert eventually(lambda: store.counts()["posts"] == 3)
            assert stream.cursors() == [T0 + 3]
        finally:
            again.stop()


def test_with_nothing_tracked_no_connection_is_held_open(
    store: Store, kb: KnowledgeBase, appview: XrpcStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    looks: list[int] = []
    topics = store.topics

    def looked(channel_id: str | None = None) -> list[Topic]:
        looks.append(1)
        return topics(channel_id)

    monkeypatch.setattr(store, "topics", looked)
    with JetstreamStandIn([commit(ALICE, "3kb1", T0 + 1, "#LCSM")]) as stream:
        idle = listener(store, kb, stream.url, appview, idle_check_s=0.05)
        idle.start()
        assert eventually(lambda: len(looks) >= 3)  # it looked for tracked topics, and waited
        assert stream.paths == []
        track_lung_cancer(store)
        try:
            assert eventually(lambda: store.counts()["posts"] == 1)
        finally:
            idle.stop()


def test_an_unreachable_stream_is_recorded_for_doctor_and_retried(
    store: Store, kb: KnowledgeBase, appview: XrpcStandIn
) -> None:
    track_lung_cancer(store)
    down = listener(store, kb, "ws://127.0.0.1:9/subscribe", appview, first_retry_s=0.05)
    down.start()
    try:
        assert eventually(lambda: "bluesky" in store.health())
        healthy, message, _ = store.health()["bluesky"]
        assert not healthy and "Jetstream" in message and "BLUESKY_JETSTREAM_URL" in message
        assert down.running  # it keeps trying
    finally:
        down.stop()
    assert not down.running


def test_a_listener_checks_consent_first_and_hides_an_account_that_deactivates(
    store: Store, kb: KnowledgeBase, appview: XrpcStandIn
) -> None:
    bob = "did:plc:bob"
    appview.profiles[bob] = profile(bob, "bob.bsky.social", "Patient voices. #NoBot please")
    track_lung_cancer(store)
    events = [
        commit(bob, "3kb1", T0 + 1, "#LCSM from someone who said no"),
        commit(ALICE, "3ka1", T0 + 2, "#LCSM from Alice"),
    ]
    with JetstreamStandIn(events) as stream:
        running = listener(store, kb, stream.url, appview)
        running.start()
        try:
            assert eventually(lambda: store.counts()["posts"] == 1)
            assert store.known_authors({f"bluesky:{bob}"}) == set()
            assert list(store.profiles([f"bluesky:{ALICE}"])) == [f"bluesky:{ALICE}"]
            stream.events.append(account_event(ALICE, T0 + 3, active=False, status="deactivated"))
            assert eventually(lambda: store.profiles([f"bluesky:{ALICE}"]) == {})
            assert store.counts()["posts"] == 1  # kept while away, in case Alice comes back
        finally:
            running.stop()


@pytest.mark.parametrize(
    "bent",
    [
        Answer(200, {"profiles": {ALICE: profile(ALICE, "alice.bsky.social")}}),
        web_page(),
        web_page(labelled=JSON),
    ],
    ids=["an object where the list belongs", "a maintenance page", "one labelled as JSON"],
)
def test_profiles_in_an_unexpected_shape_are_said_plainly_and_the_post_waits(
    store: Store, kb: KnowledgeBase, appview: XrpcStandIn, bent: Answer
) -> None:
    track_lung_cancer(store)
    appview.bend("/xrpc/app.bsky.actor.getProfiles", bent)
    with JetstreamStandIn([commit(ALICE, "3ka1", T0 + 1, "Our #LCSM chat")]) as stream:
        running = listener(store, kb, stream.url, appview, first_retry_s=0.05)
        running.start()
        try:
            assert eventually(lambda: "bluesky" in store.health())
            healthy, message, _ = store.health()["bluesky"]  # what doctor and the App Home show
            assert not healthy and "AppView answered in an unexpected shape" in message
            assert "wait at the stored cursor" in message
            assert_plain(message)
            assert store.counts()["posts"] == 0 and store.cursor("bluesky", "jetstream") is None
            appview.unbend()
            assert eventually(lambda: store.counts()["posts"] == 1)  # it waited, not lost
            assert eventually(lambda: store.health()["bluesky"][0] is True)
        finally:
            running.stop()
