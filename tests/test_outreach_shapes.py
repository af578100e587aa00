"""`hashtag-bot available` when a network answers in an unexpected shape: it says which network
(and which instance) could not be checked, never calls the tag free or unused on that account,
and never shows an exception's name."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from tests.sources.source_standins import (
    JSON,
    Answer,
    assert_plain,
    empty_body,
    web_page,
)
from tests.sources.standins_bluesky import XrpcStandIn
from tests.sources.standins_mastodon import MastodonStandIn, status

Bend = Callable[[list[dict[str, Any]]], Answer]

# The tag timeline answers a list of statuses.
TIMELINE_BENDS: dict[str, Bend] = {
    "an object where the list belongs": lambda posts: Answer(200, {"statuses": posts}),
    "lists where the posts belong": lambda posts: Answer(200, [list(p.items()) for p in posts]),
    "a maintenance page": lambda posts: web_page(),
    "an empty body": lambda posts: empty_body(),
}
# searchPosts answers {"posts": [PostView]}.
SEARCH_BENDS: dict[str, Bend] = {
    "an object where the list belongs": lambda views: Answer(
        200, {"posts": {v["uri"]: v for v in views}}
    ),
    "a list where the answer's object belongs": lambda views: Answer(200, views),
    "a maintenance page": lambda views: web_page(),
    "a maintenance page labelled as JSON": lambda views: web_page(labelled=JSON),
    "an empty body": lambda views: empty_body(),
}
FREE = ("free", "not seen in use", "unused")


@pytest.fixture
def xrpc() -> Iterator[XrpcStandIn]:
    """Bluesky, where the bot's session searches and finds nothing unless a test adds posts."""
    with XrpcStandIn() as standin:
        yield standin


def available(monkeypatch: pytest.MonkeyPatch, *instances: str, xrpc: XrpcStandIn) -> Result:
    """`available #LungStudy26 --json`, with Bluesky searched through the bot's session."""
    monkeypatch.setenv("MASTODON_INSTANCES", ",".join(instances))
    monkeypatch.setenv("BLUESKY_API_URL", xrpc.url)
    monkeypatch.setenv("BLUESKY_HANDLE", "recruit-bot.bsky.social")
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", xrpc.password)
    result = CliRunner().invoke(main, ["available", "#LungStudy26", "--json"])
    assert result.exit_code == 0, result.output
    assert_plain(result.output)
    return result


def not_called_free(verdict: str) -> None:
    assert not any(word in verdict for word in FREE), verdict


@pytest.mark.parametrize("bend", TIMELINE_BENDS.values(), ids=list(TIMELINE_BENDS))
def test_an_instance_in_an_unexpected_shape_is_named_and_the_tag_not_called_free(
    monkeypatch: pytest.MonkeyPatch, xrpc: XrpcStandIn, bend: Bend
) -> None:
    posts = [status(5, "Walk with us #LungStudy26", acct="ana")]
    with MastodonStandIn(posts) as bent:
        bent.bend("/api/v1/timelines/tag/*", bend(posts))
        report = json.loads(available(monkeypatch, bent.url, xrpc=xrpc).output)
        host = urlparse(bent.url).netloc
    bluesky, mastodon = report["live"]
    assert bluesky["error"] is None and bluesky["posts"] == 0  # Bluesky was checked
    assert mastodon["error"] == f"{host} answered in an unexpected shape"
    assert report["in_use"] is False
    not_called_free(report["verdict"])
    assert "not checked on Mastodon" in report["verdict"]
    assert "not seen in stored posts or on Bluesky" in report["verdict"]


@pytest.mark.parametrize("bend", TIMELINE_BENDS.values(), ids=list(TIMELINE_BENDS))
def test_the_other_instances_are_still_read(
    monkeypatch: pytest.MonkeyPatch, xrpc: XrpcStandIn, bend: Bend
) -> None:
    posts = [status(5, "Walk with us #LungStudy26 #LCSM", acct="ana")]
    with MastodonStandIn(posts) as bent, MastodonStandIn(posts) as good:
        bent.bend("/api/v1/timelines/tag/*", bend(posts))
        report = json.loads(available(monkeypatch, bent.url, good.url, xrpc=xrpc).output)
        text = CliRunner().invoke(main, ["available", "#LungStudy26"]).output
        host = urlparse(bent.url).netloc
    assert "mastodon now: 1 recent posts by @ana@" in text  # what was read is shown
    assert f"mastodon: couldn't look ({host} answered in an unexpected shape;" in text
    mastodon = report["live"][1]
    assert report["in_use"] is True and report["verdict"].startswith("in use")
    assert mastodon["posts"] == 1 and mastodon["with_tags"] == ["LCSM"]
    assert (
        mastodon["error"]
        == f"{host} answered in an unexpected shape; the other instances were read"
    )


@pytest.mark.parametrize("bend", SEARCH_BENDS.values(), ids=list(SEARCH_BENDS))
def test_bluesky_search_in_an_unexpected_shape_is_said_plainly(
    monkeypatch: pytest.MonkeyPatch, xrpc: XrpcStandIn, bend: Bend
) -> None:
    xrpc.add("did:plc:a", "ana.bsky.social", "r1", "Walk with us #LungStudy26")
    xrpc.bend("/xrpc/app.bsky.feed.searchPosts", bend(xrpc.posts))
    with MastodonStandIn() as mastodon:
        report = json.loads(available(monkeypatch, mastodon.url, xrpc=xrpc).output)
    bluesky, masto = report["live"]
    assert bluesky["error"] == "Bluesky search answered in an unexpected shape"
    assert masto["error"] is None and masto["posts"] == 0
    not_called_free(report["verdict"])
    assert "not checked on Bluesky" in report["verdict"]


def test_the_text_answer_says_what_could_not_be_checked(
    monkeypatch: pytest.MonkeyPatch, xrpc: XrpcStandIn
) -> None:
    with MastodonStandIn() as bent:
        bent.bend("/api/v1/timelines/tag/*", web_page())
        monkeypatch.setenv("MASTODON_INSTANCES", bent.url)
        monkeypatch.setenv("BLUESKY_APPVIEW_URL", "http://127.0.0.1:9")  # nothing listens
        result = CliRunner().invoke(main, ["available", "#LungStudy26"])
        host = urlparse(bent.url).netloc
    assert result.exit_code == 0, result.output
    assert_plain(result.output)
    first = result.output.splitlines()[0]
    assert first.startswith("#LungStudy26: ") and "not checked on Bluesky or Mastodon" in first
    not_called_free(first)
    assert f"mastodon: couldn't look ({host} answered in an unexpected shape)" in result.output
    assert "bluesky: couldn't look (Bluesky search did not answer (can't connect))" in (
        result.output
    )
