from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import Settings
from bot.domain.topic_plan import TopicPlan
from bot.services.collection import SourceReport, drain
from bot.sources.bluesky import BlueskySource
from bot.sources.bluesky_records import record_tags
from bot.sources.jetstream import Jetstream
from bot.storage import Store
from tests.sources.source_standins import LIVE_NOW, Answer
from tests.sources.standins_bluesky import (
    JetstreamStandIn,
    XrpcStandIn,
    account_event,
    bsky_record,
    commit,
    profile,
)

LCSM = TopicPlan("lung cancer", tags=("LCSM", "LungCancer"))
T0 = int((LIVE_NOW - timedelta(minutes=10)).timestamp() * 1_000_000)
ALICE, BOB = "did:plc:alice", "did:plc:bob"


def bluesky_cycle(
    store: Store,
    jetstream: JetstreamStandIn,
    xrpc: XrpcStandIn,
    *,
    logged_in: bool = False,
    query: TopicPlan = LCSM,
    now: datetime = LIVE_NOW,
) -> SourceReport:
    """One `ingest` cycle; profiles come from `xrpc` as the public AppView, or through the
    bot's session there when `logged_in`."""
    settings = Settings(
        bluesky_jetstream_url=jetstream.url,
        bluesky_api_url=xrpc.url,
        bluesky_appview_url=xrpc.url,
        bluesky_handle="recruit-bot.bsky.social" if logged_in else "",
        bluesky_app_password=xrpc.password if logged_in else "",
    )
    source = BlueskySource(
        settings,
        known_authors=store.known_authors,
        checked_since=store.profiles_checked_since,
        jetstream=Jetstream(settings.bluesky_jetstream_url, idle_s=0.3, sleep=lambda s: None),
        clock=lambda: now,
    )
    try:
        return drain(store, source, [query], clock=lambda: now)
    finally:
        source.close()


def people(xrpc: XrpcStandIn, *dids: str) -> None:
    """Accounts with plain public profiles that say nothing about bots."""
    for did in dids:
        xrpc.profiles[did] = profile(did, f"{did.rsplit(':', 1)[1]}.bsky.social", "Here to learn")


def backfilled(store: Store) -> None:
    """Both of LCSM's tags were backfilled before: a cycle only reads the stream."""
    for key in ("lcsm", "lungcancer"):
        store.set_cursor("bluesky", f"search #{key}", "done", now=LIVE_NOW)


def test_jetstream_posts_with_a_tracked_tag_are_kept_and_the_rest_ignored(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    people(xrpc, ALICE, BOB)
    events = [
        commit(ALICE, "3kaaa", T0 + 1, "Our #LCSM chat starts now"),
        commit(BOB, "3kbbb", T0 + 2, "Lunch was good #food"),
        commit(BOB, "3kccc", T0 + 3, "Screening matters #lungcancer"),
        {
            "did": BOB,
            "time_us": T0 + 4,
            "kind": "identity",
            "identity": {
                "did": BOB,
                "handle": "bob.test",
                "seq": 1,
                "time": "2024-09-05T06:11:04.870Z",
            },
        },
    ]
    jetstream = JetstreamStandIn(events)
    jetstream_factory.append(jetstream)
    report = bluesky_cycle(store, jetstream, xrpc)
    assert report.new_posts == 2 and not report.error
    assert store.cursor("bluesky", "jetstream") == str(T0 + 4)
    assert store.tag_activity(["lcsm"], LIVE_NOW.date())["lcsm"].posts == 1
    assert jetstream.cursors()[0] is not None  # a first cycle starts from a recent time, not live


def test_the_stream_hears_a_guarded_tag_only_beside_its_topics_words(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    people(xrpc, ALICE, BOB)
    diabetes = TopicPlan(
        "type 1 diabetes",
        tags=("Type1Diabetes",),
        guarded=("T1D",),  # a short acronym no sample has cleared yet
        context=("type 1 diabetes", "#WeAreNotWaiting"),
    )
    events = [
        commit(ALICE, "3kaaa", T0 + 1, "New pump, same old type 1 diabetes #T1D"),
        commit(BOB, "3kbbb", T0 + 2, "#T1D openers walk out at Lord's"),
        commit(BOB, "3kccc", T0 + 3, "Looping since May #T1D #WeAreNotWaiting"),
    ]
    jetstream = JetstreamStandIn(events)
    jetstream_factory.append(jetstream)
    store.set_cursor("bluesky", "search #type1diabetes", "done", now=LIVE_NOW)
    report = bluesky_cycle(store, jetstream, xrpc, query=diabetes)
    assert report.new_posts == 2 and not report.error  # the cricket post is left out
    assert store.tag_activity(["t1d"], LIVE_NOW.date())["t1d"].posts == 2


def test_a_restart_resumes_from_the_stored_cursor(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    people(xrpc, ALICE)
    events = [commit(ALICE, f"3k{n}", T0 + n, f"#LCSM post {n}") for n in range(1, 6)]
    first = JetstreamStandIn(events[:3])
    jetstream_factory.append(first)
    bluesky_cycle(store, first, xrpc)
    second = JetstreamStandIn(events)
    jetstream_factory.append(second)
    report = bluesky_cycle(store, second, xrpc)
    assert second.cursors() == [T0 + 3]
    assert (report.new_posts, report.updated_posts) == (2, 0) and store.counts()["posts"] == 5
    assert len(xrpc.profile_calls) == 1  # Alice's profile, read today, stands for the day


def test_a_dropped_connection_reconnects_from_the_last_event(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    people(xrpc, ALICE)
    events = [commit(ALICE, f"3k{n}", T0 + n, f"#LCSM post {n}") for n in range(1, 9)]
    jetstream = JetstreamStandIn(events, drop_after=3)
    jetstream_factory.append(jetstream)
    report = bluesky_cycle(store, jetstream, xrpc)
    assert len(jetstream.paths) == 2 and jetstream.cursors()[1] == T0 + 3
    assert report.new_posts == 8 and not report.error


def test_deletions_and_deleted_accounts_on_the_stream_are_honoured(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    people(xrpc, ALICE, BOB)
    first = JetstreamStandIn(
        [
            commit(ALICE, "3kaaa", T0 + 1, "#LCSM one"),
            commit(ALICE, "3kbbb", T0 + 2, "#LCSM two"),
            commit(BOB, "3kccc", T0 + 3, "#LCSM three"),
        ]
    )
    jetstream_factory.append(first)
    bluesky_cycle(store, first, xrpc)
    second = JetstreamStandIn(
        [
            commit(ALICE, "3kaaa", T0 + 4, operation="delete"),
            account_event(BOB, T0 + 5, active=False, status="deleted"),
            account_event("did:plc:stranger", T0 + 6, active=False, status="deleted"),
        ]
    )
    jetstream_factory.append(second)
    report = bluesky_cycle(store, second, xrpc)
    assert report.deleted == 1 and report.opted_out == 1  # a stranger's deletion isn't recorded
    assert store.counts()["posts"] == 1  # only Alice's second post is left
    assert store.known_authors({f"bluesky:{BOB}"}) == set()


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
    first = bluesky_cycle(store, jetstream, xrpc, logged_in=True)
    searches = [a.params for a in xrpc.asked if a.path.endswith("searchPosts")]
    assert [s["q"] for s in searches] == ["#LCSM", "#LCSM", "#LungCancer"]
    assert searches[0]["sort"] == "latest" and searches[1]["cursor"] == "100"
    assert first.new_posts == 150 and store.counts()["posts"] == 150
    assert store.profiles([f"bluesky:{ALICE}"])[f"bluesky:{ALICE}"].handle == "alice.bsky.social"
    quiet = JetstreamStandIn([])
    jetstream_factory.append(quiet)
    again = bluesky_cycle(store, quiet, xrpc, logged_in=True)
    assert again.new_posts == 0
    assert len([a for a in xrpc.asked if a.path.endswith("searchPosts")]) == 3  # never again


def test_search_backfill_reads_full_profiles_and_leaves_out_authors_who_opted_out(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    xrpc.profiles[BOB] = profile(BOB, "bob.bsky.social", "Caregiver. Please no bots #nobot")
    for n in range(30):  # 30 people: getProfiles takes 25 actors a request
        did = BOB if n == 0 else f"did:plc:person{n:02d}"
        xrpc.add(did, f"p{n}.bsky.social", f"3s{n:03d}", f"#LCSM backfill {n}")
    quiet = JetstreamStandIn([])
    jetstream_factory.append(quiet)
    report = bluesky_cycle(store, quiet, xrpc, logged_in=True)
    assert report.new_posts == 29 and report.opted_out == 1
    assert [len(a.multi["actors"]) for a in xrpc.profile_calls] == [25, 5]
    assert all(a.headers.get("Authorization", "").startswith("Bearer ") for a in xrpc.profile_calls)
    assert store.known_authors({f"bluesky:{BOB}"}) == set()
    # Bob posts later on the stream: still forgotten, never stored
    later = JetstreamStandIn([commit(BOB, "3kbob", T0 + 1, "#LCSM me again")])
    jetstream_factory.append(later)
    again = bluesky_cycle(store, later, xrpc, logged_in=True)
    assert again.new_posts == 0 and store.counts()["posts"] == 29


def test_without_credentials_profiles_come_from_the_public_appview_and_opt_outs_hold(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    carol = "did:plc:carol"
    people(xrpc, ALICE)
    xrpc.profiles[BOB] = profile(BOB, "bob.bsky.social", "Just me", labels=["!no-unauthenticated"])
    xrpc.profiles[carol] = profile(carol, "carol.bsky.social", "Writer ＃NoBot")
    backfilled(store)
    jetstream = JetstreamStandIn(
        [
            commit(ALICE, "3kaaa", T0 + 1, "#LCSM from Alice"),
            commit(BOB, "3kbbb", T0 + 2, "#LCSM from Bob"),
            commit(carol, "3kccc", T0 + 3, "#LCSM from Carol"),
            commit("did:plc:unknown", "3kddd", T0 + 4, "#LCSM from an account the AppView hides"),
        ]
    )
    jetstream_factory.append(jetstream)
    report = bluesky_cycle(store, jetstream, xrpc)
    assert report.new_posts == 1 and report.opted_out == 2 and report.unreadable == 1
    (call,) = xrpc.profile_calls
    assert "Authorization" not in call.headers  # the public AppView needs no session
    assert sorted(call.multi["actors"]) == sorted([ALICE, BOB, carol, "did:plc:unknown"])
    shown = store.profiles([f"bluesky:{d}" for d in (ALICE, BOB, carol, "did:plc:unknown")])
    assert (
        list(shown) == [f"bluesky:{ALICE}"]
        and shown[f"bluesky:{ALICE}"].handle == "alice.bsky.social"
    )


def test_an_unreachable_appview_stores_nothing_and_the_posts_wait_at_the_cursor(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    people(xrpc, ALICE)
    backfilled(store)
    events = [commit(ALICE, "3kaaa", T0 + 1, "#LCSM from Alice")]
    xrpc.faults = [Answer(503, {"error": "InternalServerError", "message": "down"})]
    down = JetstreamStandIn(events)
    jetstream_factory.append(down)
    report = bluesky_cycle(store, down, xrpc)
    assert "BLUESKY_APPVIEW_URL" in report.error and store.counts()["posts"] == 0
    assert store.cursor("bluesky", "jetstream") is None
    back = JetstreamStandIn(events)
    jetstream_factory.append(back)
    assert bluesky_cycle(store, back, xrpc).new_posts == 1


def test_a_profile_is_read_again_after_a_day_and_a_new_nobot_forgets_its_posts(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    people(xrpc, ALICE)
    backfilled(store)
    first = JetstreamStandIn([commit(ALICE, "3kaaa", T0 + 1, "#LCSM one")])
    jetstream_factory.append(first)
    bluesky_cycle(store, first, xrpc)
    xrpc.profiles[ALICE] = profile(ALICE, "alice.bsky.social", "Taking a break #noindex")
    same_day = JetstreamStandIn([commit(ALICE, "3kbbb", T0 + 2, "#LCSM two")])
    jetstream_factory.append(same_day)
    bluesky_cycle(store, same_day, xrpc, now=LIVE_NOW + timedelta(hours=2))
    assert store.counts()["posts"] == 2 and len(xrpc.profile_calls) == 1  # read today: it stands
    next_day = JetstreamStandIn([commit(ALICE, "3kccc", T0 + 3, "#LCSM three")])
    jetstream_factory.append(next_day)
    report = bluesky_cycle(store, next_day, xrpc, now=LIVE_NOW + timedelta(days=1, hours=1))
    assert len(xrpc.profile_calls) == 2 and report.opted_out == 1
    assert store.counts()["posts"] == 0 and store.known_authors({f"bluesky:{ALICE}"}) == set()


def test_accounts_inactive_at_the_source_are_hidden_until_they_come_back(
    store: Store, xrpc: XrpcStandIn, jetstream_factory: list[JetstreamStandIn]
) -> None:
    people(xrpc, ALICE, BOB)
    backfilled(store)
    first = JetstreamStandIn(
        [commit(ALICE, "3kaaa", T0 + 1, "#LCSM one"), commit(BOB, "3kbbb", T0 + 2, "#LCSM two")]
    )
    jetstream_factory.append(first)
    bluesky_cycle(store, first, xrpc)
    alice, bob = f"bluesky:{ALICE}", f"bluesky:{BOB}"
    away = JetstreamStandIn(
        [
            account_event(ALICE, T0 + 3, active=False, status="deactivated"),
            account_event(BOB, T0 + 4, active=False, status="suspended"),
            account_event("did:plc:stranger", T0 + 5, active=False, status="takendown"),
        ]
    )
    jetstream_factory.append(away)
    report = bluesky_cycle(store, away, xrpc)
    assert report.accounts_hidden == 2 and store.counts()["posts"] == 2  # kept, not shown
    alices_post = f"bluesky:at://{ALICE}/app.bsky.feed.post/3kaaa"
    assert store.profiles([alice, bob]) == {}
    assert store.post_views([alices_post]) == {}
    back = JetstreamStandIn([account_event(ALICE, T0 + 6, active=True)])
    jetstream_factory.append(back)
    bluesky_cycle(store, back, xrpc)
    assert list(store.profiles([alice, bob])) == [alice]  # bob is still suspended
    assert list(store.post_views([alices_post])) == [alices_post]


def test_tags_come_from_facets_and_the_text_only_without_them() -> None:
    with_facets = bsky_record("#LCSM and a #LungCancer tag")
    with_facets["text"] += " #NotAFacet"
    assert record_tags(with_facets) == ["LCSM", "LungCancer"]
    assert record_tags(bsky_record("#LCSM plain", facets=False)) == ["LCSM"]
    assert record_tags({**bsky_record("x", facets=True), "tags": ["ExtraTag"]}) == ["ExtraTag"]
