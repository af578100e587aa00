from __future__ import annotations

from datetime import timedelta

from bot.config import Settings
from bot.services.collection import SourceReport, drain
from bot.sources.base import Query
from bot.sources.bluesky import BlueskySource
from bot.sources.bluesky_records import record_tags
from bot.sources.jetstream import Jetstream
from bot.storage import Store
from tests.sources.source_standins import LIVE_NOW
from tests.sources.standins_bluesky import (
    JetstreamStandIn,
    XrpcStandIn,
    bsky_record,
    commit,
    profile,
)

LCSM = Query("lung cancer", tags=("LCSM", "LungCancer"))
T0 = int((LIVE_NOW - timedelta(minutes=10)).timestamp() * 1_000_000)
ALICE, BOB = "did:plc:alice", "did:plc:bob"


def bluesky_cycle(
    store: Store,
    jetstream: JetstreamStandIn,
    *,
    xrpc: XrpcStandIn | None = None,
    query: Query = LCSM,
) -> SourceReport:
    settings = Settings(
        bluesky_jetstream_url=jetstream.url,
        bluesky_api_url=xrpc.url if xrpc else "http://127.0.0.1:9",
        bluesky_handle="recruit-bot.bsky.social" if xrpc else "",
        bluesky_app_password=xrpc.password if xrpc else "",
    )
    source = BlueskySource(
        settings,
        known_authors=store.known_authors,
        jetstream=Jetstream(settings.bluesky_jetstream_url, idle_s=0.3, sleep=lambda s: None),
        clock=lambda: LIVE_NOW,
    )
    try:
        return drain(store, source, [query], clock=lambda: LIVE_NOW)
    finally:
        source.close()


def test_jetstream_posts_with_a_tracked_tag_are_kept_and_the_rest_ignored(
    store: Store, jetstream_factory: list[JetstreamStandIn]
) -> None:
    events = [
        commit(ALICE, "3kaaa", T0 + 1, "Our #LCSM chat starts now"),
        commit(BOB, "3kbbb", T0 + 2, "Lunch was good #food"),
        commit(BOB, "3kccc", T0 + 3, "Screening matters #lungcancer"),
        {
            "did": BOB,
            "time_us": T0 + 4,
            "kind": "identity",
            "identity": {"did": BOB, "handle": "bob.test"},
        },
    ]
    jetstream = JetstreamStandIn(events)
    jetstream_factory.append(jetstream)
    report = bluesky_cycle(store, jetstream)
    assert report.new_posts == 2 and not report.error
    assert store.cursor("bluesky", "jetstream") == str(T0 + 4)
    assert store.tag_activity(["lcsm"], LIVE_NOW.date())["lcsm"].posts == 1
    assert jetstream.cursors()[0] is not None  # a first cycle starts from a recent time, not live


def test_a_restart_resumes_from_the_stored_cursor(
    store: Store, jetstream_factory: list[JetstreamStandIn]
) -> None:
    events = [commit(ALICE, f"3k{n}", T0 + n, f"#LCSM post {n}") for n in range(1, 6)]
    first = JetstreamStandIn(events[:3])
    jetstream_factory.append(first)
    bluesky_cycle(store, first)
    second = JetstreamStandIn(events)
    jetstream_factory.append(second)
    report = bluesky_cycle(store, second)
    assert second.cursors() == [T0 + 3]
    assert (report.new_posts, report.updated_posts) == (2, 0) and store.counts()["posts"] == 5


def test_a_dropped_connection_reconnects_from_the_last_event(
    store: Store, jetstream_factory: list[JetstreamStandIn]
) -> None:
    events = [commit(ALICE, f"3k{n}", T0 + n, f"#LCSM post {n}") for n in range(1, 9)]
    jetstream = JetstreamStandIn(events, drop_after=3)
    jetstream_factory.append(jetstream)
    report = bluesky_cycle(store, jetstream)
    assert len(jetstream.paths) == 2 and jetstream.cursors()[1] == T0 + 3
    assert report.new_posts == 8 and not report.error


def test_deletions_and_deleted_accounts_on_the_stream_are_honoured(
    store: Store, jetstream_factory: list[JetstreamStandIn]
) -> None:
    first = JetstreamStandIn(
        [
            commit(ALICE, "3kaaa", T0 + 1, "#LCSM one"),
            commit(ALICE, "3kbbb", T0 + 2, "#LCSM two"),
            commit(BOB, "3kccc", T0 + 3, "#LCSM three"),
        ]
    )
    jetstream_factory.append(first)
    bluesky_cycle(store, first)
    second = JetstreamStandIn(
        [
            commit(ALICE, "3kaaa", T0 + 4, operation="delete"),
            {
                "did": BOB,
                "time_us": T0 + 5,
                "kind": "account",
                "account": {"active": False, "did": BOB, "status": "deleted"},
            },
        ]
    )
    jetstream_factory.append(second)
    report = bluesky_cycle(store, second)
    assert report.deleted == 1 and report.opted_out == 1
    assert store.counts()["posts"] == 1  # only Alice's second post is left


def test_a_new_tag_is_backfilled_once_through_search(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    for n in range(150):
        xrpc.add(
            ALICE if n % 2 else BOB,
            "alice.bsky.social" if n % 2 else "bob.bsky.social",
            f"3s{n:03d}",
            f"#LCSM backfill {n}",
            likes=n,
        )
    xrpc.add(BOB, "bob.bsky.social", "3sword", "not a tag: LCSM #LCSMx", likes=1)
    jetstream = JetstreamStandIn([commit(ALICE, "3s001", T0 + 1, "#LCSM backfill 1")])
    jetstream_factory.append(jetstream)
    first = bluesky_cycle(store, jetstream, xrpc=xrpc)
    searches = [a.params for a in xrpc.asked if a.path.endswith("searchPosts")]
    assert [s["q"] for s in searches] == ["#LCSM", "#LCSM", "#LungCancer"]
    assert searches[0]["sort"] == "latest" and searches[1]["cursor"] == "100"
    assert first.new_posts == 150 and store.counts()["posts"] == 150
    assert store.known_authors({f"bluesky:{ALICE}"}) == {f"bluesky:{ALICE}"}
    quiet = JetstreamStandIn([])
    jetstream_factory.append(quiet)
    again = bluesky_cycle(store, quiet, xrpc=xrpc)
    assert again.new_posts == 0
    assert len([a for a in xrpc.asked if a.path.endswith("searchPosts")]) == 3  # never again


def test_jetstream_authors_are_looked_up_when_logged_in_and_opt_outs_honoured(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    xrpc.profiles = {
        ALICE: profile(ALICE, "alice.bsky.social", "Lung cancer nurse"),
        BOB: profile(BOB, "bob.bsky.social", "Just me", labels=["!no-unauthenticated"]),
    }
    store.set_cursor("bluesky", "search #lcsm", "done", now=LIVE_NOW)
    store.set_cursor("bluesky", "search #lungcancer", "done", now=LIVE_NOW)
    jetstream = JetstreamStandIn(
        [
            commit(ALICE, "3kaaa", T0 + 1, "#LCSM from Alice"),
            commit(BOB, "3kbbb", T0 + 2, "#LCSM from Bob"),
        ]
    )
    jetstream_factory.append(jetstream)
    report = bluesky_cycle(store, jetstream, xrpc=xrpc)
    assert report.new_posts == 1 and report.opted_out == 1
    looked_up = [a.multi["actors"] for a in xrpc.asked if a.path.endswith("getProfiles")]
    assert looked_up == [[ALICE, BOB]]


def test_tags_come_from_facets_and_the_text_only_without_them() -> None:
    with_facets = bsky_record("#LCSM and a #LungCancer tag")
    with_facets["text"] += " #NotAFacet"
    assert record_tags(with_facets) == ["LCSM", "LungCancer"]
    assert record_tags(bsky_record("#LCSM plain", facets=False)) == ["LCSM"]
    assert record_tags({**bsky_record("x", facets=True), "tags": ["ExtraTag"]}) == ["ExtraTag"]
