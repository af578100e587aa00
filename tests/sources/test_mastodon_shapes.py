"""Mastodon instances that answer in a shape Mastodon's API doesn't: that instance is reported by
name and read again next cycle; the other instances are still read, and no post is lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest

from bot.config import Settings
from bot.domain.topic_plan import TopicPlan
from bot.services.collection import CycleReport, run_cycle
from bot.storage import Store
from tests.sources.source_standins import (
    LIVE_NOW,
    Answer,
    assert_plain,
    empty_body,
    web_page,
)
from tests.sources.standins_mastodon import MastodonStandIn, status

LCSM = TopicPlan("lung cancer", tags=("LCSM",))
Bend = Callable[[list[dict[str, Any]]], Answer]

# GET /api/v1/timelines/tag/:hashtag answers a list of statuses.
TIMELINE_BENDS: dict[str, Bend] = {
    "an object where the list belongs": lambda posts: Answer(200, {"statuses": posts}),
    "lists where the posts belong": lambda posts: Answer(200, [list(p.items()) for p in posts]),
    "posts without ids": lambda posts: Answer(200, [{**p, "id": None} for p in posts]),
    "a maintenance page": lambda posts: web_page(),
    "an empty body": lambda posts: empty_body(),
}
# GET /api/v1/statuses/:id/context answers {"ancestors": [...], "descendants": [...]}.
CONTEXT_BENDS: dict[str, Bend] = {
    "a list where the object belongs": lambda posts: Answer(200, posts),
    "an object where the ancestors belong": lambda posts: Answer(
        200, {"ancestors": {p["id"]: p for p in posts}, "descendants": []}
    ),
    "a maintenance page": lambda posts: web_page(),
    "an empty body": lambda posts: empty_body(),
}


def cycle(store: Store, *instances: str) -> CycleReport:
    settings = Settings(mastodon_instances=instances)
    return run_cycle(settings, store, [LCSM], names=("mastodon",), clock=lambda: LIVE_NOW)


@pytest.mark.parametrize("bend", TIMELINE_BENDS.values(), ids=list(TIMELINE_BENDS))
def test_an_instance_answering_its_timeline_in_an_unexpected_shape_fails_on_its_own(
    store: Store, mastodon_api: MastodonStandIn, bend: Bend
) -> None:
    mastodon_api.statuses = [status(1, "#LCSM from the instance that answers well")]
    posts = [status(n, f"#LCSM from the bent instance {n}", acct="bo") for n in (10, 11)]
    with MastodonStandIn(posts) as bent:
        host = urlparse(bent.url).netloc
        bent.bend("/api/v1/timelines/tag/*", bend(posts))
        report = cycle(store, bent.url, mastodon_api.url)  # the bent instance is read first
        (mastodon,) = report.sources
        assert mastodon.new_posts == 1  # the other instance was read
        assert f"{host} answered in an unexpected shape" in mastodon.error
        assert "tried again next cycle" in mastodon.error
        assert_plain(report.summary())
        healthy, said, _ = store.health()["mastodon"]  # what doctor and the App Home show
        assert not healthy and f"{host} answered in an unexpected shape" in said
        assert store.cursor("mastodon", f"{host} lcsm") is None  # nothing read, nothing skipped
        bent.unbend()
        again = cycle(store, bent.url, mastodon_api.url)
    assert again.sources[0].new_posts == 2 and not again.failed  # nothing was lost
    assert store.cursor("mastodon", f"{host} lcsm") == "11"
    assert store.health()["mastodon"][0] is True


@pytest.mark.parametrize("bend", CONTEXT_BENDS.values(), ids=list(CONTEXT_BENDS))
def test_thread_look_ups_in_an_unexpected_shape_leave_replies_standing_alone(
    store: Store, mastodon_api: MastodonStandIn, bend: Bend
) -> None:
    openings = [status(n, "What helped you most after treatment?", acct="carol") for n in (8, 9)]
    mastodon_api.statuses = [
        *openings,
        status(130, "Our #LCSM chat starts now", acct="carol"),
        status(131, "Walking, every day #LCSM", acct="dave", in_reply_to=9),
        status(132, "Breathing exercises #LCSM", acct="erin", in_reply_to=8),
    ]
    mastodon_api.bend("/api/v1/statuses/*/context", bend(openings))
    host = urlparse(mastodon_api.url).netloc
    report = cycle(store, mastodon_api.url)
    (mastodon,) = report.sources
    assert mastodon.new_posts == 3 and not mastodon.error  # every post stored
    assert len(mastodon_api.context_calls) == 1  # not asked again this cycle
    assert f"{host} answered a thread look-up in an unexpected shape" in report.summary()
    assert "replies stand alone" in report.summary()
    assert_plain(report.summary())
    assert store.health()["mastodon"][0] is True
