"""Bluesky's XRPC answering searchPosts or getProfiles in a shape its lexicon doesn't allow:
Bluesky is reported as failing in words and tried again next cycle; the stream and the other
sources are still read, and no post is lost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.domain.topic_plan import TopicPlan
from bot.services.collection import CycleReport, run_cycle
from bot.storage import Store
from tests.sources.source_standins import (
    JSON,
    LIVE_NOW,
    Answer,
    assert_plain,
    empty_body,
    web_page,
)
from tests.sources.standins_bluesky import JetstreamStandIn, XrpcStandIn, commit, profile
from tests.sources.standins_mastodon import MastodonStandIn, status

LCSM = TopicPlan("lung cancer", tags=("LCSM",))
T0 = int((LIVE_NOW - timedelta(minutes=10)).timestamp() * 1_000_000)
NOW_US = int(LIVE_NOW.timestamp() * 1_000_000)
ALICE, BOB = "did:plc:alice", "did:plc:bob"
Bend = Callable[[list[dict[str, Any]]], Answer]

# app.bsky.feed.searchPosts answers {"posts": [PostView], "cursor"?, "hitsTotal"?}.
SEARCH_BENDS: dict[str, Bend] = {
    "an object where the list of posts belongs": lambda views: Answer(
        200, {"posts": {v["uri"]: v for v in views}, "hitsTotal": len(views)}
    ),
    "a list where the answer's object belongs": lambda views: Answer(200, views),
    "a maintenance page": lambda views: web_page(),
    "a maintenance page labelled as JSON": lambda views: web_page(labelled=JSON),
    "an empty body": lambda views: empty_body(),
}
# app.bsky.actor.getProfiles answers {"profiles": [ProfileViewDetailed]}.
PROFILE_BENDS: dict[str, Bend] = {
    "an object where the list of profiles belongs": lambda profiles: Answer(
        200, {"profiles": {p["did"]: p for p in profiles}}
    ),
    "a list where the answer's object belongs": lambda profiles: Answer(200, profiles),
    "a maintenance page": lambda profiles: web_page(),
    "a maintenance page labelled as JSON": lambda profiles: web_page(labelled=JSON),
    "an empty body": lambda profiles: empty_body(),
}


def caught_up(stream: JetstreamStandIn, n: int) -> None:
    """An unrelated post at the cycle's moment: the replay knows it has caught up."""
    stream.events.append(commit(BOB, f"3kz{n}", NOW_US + n, "Lunch #food"))


def cycle(store: Store, settings: Settings) -> CycleReport:
    return run_cycle(settings, store, [LCSM], names=("mastodon", "bluesky"), clock=lambda: LIVE_NOW)


def settings_for(
    xrpc: XrpcStandIn, stream: JetstreamStandIn, mastodon: MastodonStandIn, *, logged_in: bool
) -> Settings:
    return Settings(
        mastodon_instances=(mastodon.url,),
        bluesky_jetstream_url=stream.url,
        bluesky_api_url=xrpc.url,
        bluesky_appview_url=xrpc.url,
        bluesky_handle="recruit-bot.bsky.social" if logged_in else "",
        bluesky_app_password=xrpc.password if logged_in else "",
    )


def bluesky_failed_in_words(store: Store, report: CycleReport, said: str) -> None:
    mastodon, bluesky = report.sources
    assert mastodon.new_posts == 1 and not mastodon.error  # the other source was read
    assert said in bluesky.error and "tried again next cycle" in bluesky.error
    assert_plain(report.summary())
    healthy, shown, _ = store.health()["bluesky"]  # what doctor and the App Home show
    assert not healthy and said in shown


@pytest.mark.parametrize("bend", SEARCH_BENDS.values(), ids=list(SEARCH_BENDS))
def test_search_in_an_unexpected_shape_leaves_the_backfill_for_next_cycle(
    store: Store,
    xrpc: XrpcStandIn,
    mastodon_api: MastodonStandIn,
    jetstream_factory: list[JetstreamStandIn],
    bend: Bend,
) -> None:
    mastodon_api.statuses = [status(1, "#LCSM on Mastodon")]
    xrpc.profiles[ALICE] = profile(ALICE, "alice.bsky.social", "Here to learn")
    xrpc.add(BOB, "bob.bsky.social", "3kb1", "Found through search #LCSM")
    xrpc.bend("/xrpc/app.bsky.feed.searchPosts", bend(xrpc.posts))
    stream = JetstreamStandIn([commit(ALICE, "3ka1", T0 + 1, "Our #LCSM chat starts now")])
    jetstream_factory.append(stream)
    caught_up(stream, 1)
    settings = settings_for(xrpc, stream, mastodon_api, logged_in=True)
    report = cycle(store, settings)
    bluesky_failed_in_words(store, report, "Bluesky search answered in an unexpected shape")
    assert report.sources[1].new_posts == 1  # the stream was still read
    assert store.cursor("bluesky", "search lcsm") is None  # the backfill is still owed
    xrpc.unbend()
    caught_up(stream, 2)
    again = cycle(store, settings)
    assert again.sources[1].new_posts == 1 and not again.failed  # the search's post, not lost
    assert store.cursor("bluesky", "search lcsm") == "done"


@pytest.mark.parametrize("bend", PROFILE_BENDS.values(), ids=list(PROFILE_BENDS))
def test_profiles_in_an_unexpected_shape_keep_posts_waiting_at_the_cursor(
    store: Store,
    xrpc: XrpcStandIn,
    mastodon_api: MastodonStandIn,
    jetstream_factory: list[JetstreamStandIn],
    bend: Bend,
) -> None:
    mastodon_api.statuses = [status(1, "#LCSM on Mastodon")]
    xrpc.profiles[ALICE] = profile(ALICE, "alice.bsky.social", "Here to learn")
    xrpc.bend("/xrpc/app.bsky.actor.getProfiles", bend(list(xrpc.profiles.values())))
    stream = JetstreamStandIn([commit(ALICE, "3ka1", T0 + 1, "Our #LCSM chat starts now")])
    jetstream_factory.append(stream)
    caught_up(stream, 1)
    settings = settings_for(xrpc, stream, mastodon_api, logged_in=False)
    report = cycle(store, settings)
    bluesky_failed_in_words(store, report, "answered in an unexpected shape")
    assert "Bluesky profiles could not be read" in report.sources[1].error
    assert report.sources[1].new_posts == 0 and store.cursor("bluesky", "jetstream") is None
    xrpc.unbend()
    again = cycle(store, settings)  # the stream is replayed from where it was
    assert again.sources[1].new_posts == 1 and not again.failed  # the post waited, not lost
    assert store.cursor("bluesky", "jetstream") == str(NOW_US + 1)


def test_a_stream_record_with_oddly_shaped_fields_is_kept_for_what_it_says(
    store: Store,
    xrpc: XrpcStandIn,
    mastodon_api: MastodonStandIn,
    jetstream_factory: list[JetstreamStandIn],
) -> None:
    for did in (ALICE, BOB):
        xrpc.profiles[did] = profile(did, f"{did[8:]}.bsky.social", "Here to learn")
    odd = commit(ALICE, "3ka1", T0 + 1, "Our #LCSM chat starts now")
    record = odd["commit"]["record"]
    del record["facets"]  # the tags are read from the text
    record |= {"reply": ["at://somewhere"], "embed": "a link", "langs": {"en": True}, "tags": 5}
    stream = JetstreamStandIn([odd, commit(BOB, "3kb1", T0 + 2, "Me too #LCSM")])
    jetstream_factory.append(stream)
    caught_up(stream, 1)
    report = cycle(store, settings_for(xrpc, stream, mastodon_api, logged_in=False))
    assert report.sources[1].new_posts == 2 and not report.failed
    (alice,) = store.post_views(["bluesky:at://did:plc:alice/app.bsky.feed.post/3ka1"]).values()
    assert alice.text == "Our #LCSM chat starts now"
