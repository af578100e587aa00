"""X answering recent search or the users lookup in a shape the X API v2 doesn't: X is reported
as failing and read again next cycle from the same position; the other sources are still read,
and no post is lost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from bot.config import Settings
from bot.domain.topic_plan import TopicPlan
from bot.services.collection import CycleReport, run_cycle
from bot.sources.base import Source
from bot.sources.mastodon import MastodonSource
from bot.sources.x import XSource
from bot.storage import Store
from tests.sources.source_standins import (
    LIVE_NOW,
    Answer,
    assert_plain,
    empty_body,
    web_page,
)
from tests.sources.standins_mastodon import MastodonStandIn, status
from tests.sources.standins_x import XStandIn, tweet, x_user

LCSM = TopicPlan("lung cancer", tags=("LCSM",))
Bend = Callable[[list[dict[str, Any]]], Answer]


def _meta(posts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"newest_id": posts[0]["id"], "oldest_id": posts[-1]["id"], "result_count": len(posts)}


# GET /2/tweets/search/recent answers {"data": [posts], "meta": {...}}.
SEARCH_BENDS: dict[str, Bend] = {
    "an object where the list of posts belongs": lambda posts: Answer(
        200, {"data": {p["id"]: p for p in posts}, "meta": _meta(posts)}
    ),
    "a list where the answer's object belongs": lambda posts: Answer(200, posts),
    "a list where meta belongs": lambda posts: Answer(200, {"data": posts, "meta": [_meta(posts)]}),
    "an object where the newest id belongs": lambda posts: Answer(
        200, {"data": posts, "meta": {**_meta(posts), "newest_id": {"id": posts[0]["id"]}}}
    ),
    "a maintenance page": lambda posts: web_page(),
    "an empty body": lambda posts: empty_body(),
}
# GET /2/users?ids= answers {"data": [users]}.
USERS_BENDS: dict[str, Bend] = {
    "an object where the list of users belongs": lambda users: Answer(
        200, {"data": {u["id"]: u for u in users}}
    ),
    "a list where the answer's object belongs": lambda users: Answer(200, users),
    "a maintenance page": lambda users: web_page(),
    "an empty body": lambda users: empty_body(),
}


def cycle(store: Store, settings: Settings) -> CycleReport:
    """One cycle over X and a Mastodon instance, as `ingest` runs it (without waiting to retry)."""
    sources: list[Source] = [
        XSource(
            settings,
            fresh_profiles=store.handles_checked_since,
            clock=lambda: LIVE_NOW,
            sleep=lambda seconds: None,
        ),
        MastodonSource(settings),
    ]
    try:
        return run_cycle(settings, store, [LCSM], sources=sources, clock=lambda: LIVE_NOW)
    finally:
        for source in sources:
            source.close()


def x_failed_alone(store: Store, report: CycleReport, what: str) -> None:
    x, mastodon = report.sources
    assert mastodon.new_posts == 1 and not mastodon.error  # the other source was read
    assert x.new_posts == 0 and store.counts()["posts"] == 1  # the Mastodon post alone
    assert list(store.platform_ids("x", "posts")) == []
    assert f"X answered {what} in an unexpected shape" in x.error
    assert "tried again next cycle" in x.error
    assert_plain(report.summary())
    healthy, said, _ = store.health()["x"]  # what doctor and the App Home show
    assert not healthy and "unexpected shape" in said
    assert store.cursor("x", "#lcsm") is None  # nothing stored, so nothing skipped


@pytest.mark.parametrize("bend", SEARCH_BENDS.values(), ids=list(SEARCH_BENDS))
def test_recent_search_in_an_unexpected_shape_fails_x_alone_and_loses_nothing(
    store: Store, x_api: XStandIn, x_settings: Settings, mastodon_api: MastodonStandIn, bend: Bend
) -> None:
    settings = replace(x_settings, mastodon_instances=(mastodon_api.url,))
    mastodon_api.statuses = [status(1, "#LCSM on Mastodon")]
    x_api.tweets = [tweet(n, f"#LCSM on X {n}", user=n) for n in (3, 2, 1)]
    x_api.bend("/2/tweets/search/recent", bend(x_api.tweets))
    x_failed_alone(store, cycle(store, settings), "recent search")
    x_api.unbend()
    again = cycle(store, settings)
    assert again.sources[0].new_posts == 3 and not again.failed  # every post, none lost
    assert store.cursor("x", "#lcsm") is not None
    assert store.health()["x"][0] is True


@pytest.mark.parametrize("bend", USERS_BENDS.values(), ids=list(USERS_BENDS))
def test_a_users_lookup_in_an_unexpected_shape_stores_no_post_and_skips_none(
    store: Store, x_api: XStandIn, x_settings: Settings, mastodon_api: MastodonStandIn, bend: Bend
) -> None:
    settings = replace(x_settings, mastodon_instances=(mastodon_api.url,))
    mastodon_api.statuses = [status(1, "#LCSM on Mastodon")]
    x_api.tweets = [tweet(n, f"#LCSM on X {n}", user=n) for n in (2, 1)]
    x_api.bend("/2/users", bend([x_user(1), x_user(2)]))
    x_failed_alone(store, cycle(store, settings), "the users lookup")
    x_api.unbend()
    again = cycle(store, settings)
    assert again.sources[0].new_posts == 2 and not again.failed
