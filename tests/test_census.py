"""`hashtag-bot census` against loopback X, Mastodon and Bluesky in their wire formats: what it
measures, how it keeps each network's limits, and what it says when a network refuses."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from tests.census_world import World, census_world
from tests.sources.source_standins import LIVE_NOW, Answer
from tests.sources.standins_x import TOO_MANY_REQUESTS

ROOT = Path(__file__).parents[1]
LUNG_CANCER_TAGS = 25  # what `--topic "lung cancer"` measures (the answer's every candidate)


@pytest.fixture
def world() -> Iterator[World]:
    with census_world() as standing:
        yield standing


def census(world: World, *args: str, login: bool = True) -> Result:
    return CliRunner().invoke(main, ["census", *args], env=world.env(login=login))


def figures(result: Result) -> dict[tuple[str, str], dict[str, Any]]:
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    return {(row["tag"], row["network"]): row for row in found["tags"]}


def test_census_json_gives_every_networks_figure_in_the_documented_shape(world: World) -> None:
    result = census(world, "--topic", "lung cancer", "--json")
    rows = figures(result)
    assert json.loads(result.stdout)["refused"] == []
    for row in rows.values():
        assert set(row) == {
            "tag",
            "network",
            "posts_7d",
            "accounts_7d",
            "at_least",
            "instance",
            "as_of",
        }
        assert row["as_of"] == LIVE_NOW.date().isoformat()
    assert rows[("LungCancer", "x")]["posts_7d"] == 24_000
    assert rows[("LungCancer", "x")]["accounts_7d"] is None
    # Mastodon: the busiest instance's figure, named, not the two added up
    mastodon = rows[("LungCancer", "mastodon")]
    assert (mastodon["posts_7d"], mastodon["accounts_7d"]) == (310, 140)
    assert mastodon["instance"] == world.mastodon.url
    assert rows[("LCSM", "mastodon")]["posts_7d"] == 70  # here the small instance sees more
    assert rows[("LCSM", "mastodon")]["instance"] == world.small_mastodon.url
    # Bluesky: three search pages of 100 at most; a count cut off there is "at least"
    assert rows[("LungCancer", "bluesky")] | {"as_of": ""} == {
        "tag": "LungCancer",
        "network": "bluesky",
        "posts_7d": 240,
        "accounts_7d": None,
        "at_least": False,
        "instance": None,
        "as_of": "",
    }
    assert rows[("LCSM", "bluesky")]["posts_7d"] == 60
    assert {network for _, network in rows} == {"x", "mastodon", "bluesky"}
    assert len({tag for tag, _ in rows}) == LUNG_CANCER_TAGS


def test_a_count_cut_off_by_the_page_bound_says_at_least(world: World) -> None:
    world.bluesky.add_week("NSCLC", 450)
    rows = figures(census(world, "--network", "bluesky", "--topic", "lung cancer", "--json"))
    assert (rows[("NSCLC", "bluesky")]["posts_7d"], rows[("NSCLC", "bluesky")]["at_least"]) == (
        300,
        True,
    )
    pages = [a for a in world.bluesky.searches if a.multi.get("tag") == ["NSCLC"]]
    assert len(pages) == 3  # the bound: never the whole tag
    assert all(a.params["since"] <= a.params["until"] for a in pages)


def test_hits_total_is_used_only_when_the_appview_gives_it(world: World) -> None:
    world.bluesky.hits_total = True
    world.bluesky.add_week("NSCLC", 450)
    rows = figures(census(world, "--network", "bluesky", "--topic", "lung cancer", "--json"))
    assert (rows[("NSCLC", "bluesky")]["posts_7d"], rows[("NSCLC", "bluesky")]["at_least"]) == (
        450,
        False,
    )
    assert len([a for a in world.bluesky.searches if a.multi.get("tag") == ["NSCLC"]]) == 1


def test_x_counts_ask_for_each_tag_without_retweets_by_day_from_six_days_ago(
    world: World,
) -> None:
    figures(census(world, "--network", "x", "--topic", "lung cancer", "--json"))
    asked = [a for a in world.x.asked if a.path == "/2/tweets/counts/recent"]
    assert len(asked) == LUNG_CANCER_TAGS
    assert all(a.params["granularity"] == "day" for a in asked)
    start = datetime.fromisoformat(asked[0].params["start_time"].replace("Z", "+00:00"))
    assert (LIVE_NOW.date() - start.date()).days == 6 and start.hour == 0
    assert "#LCSM -is:retweet" in world.x.count_queries
    assert all(a.headers["Authorization"].startswith("Bearer ") for a in asked)
    assert world.x.billed_reads("posts") == 0  # counting reads no post


def test_an_ambiguous_tag_is_counted_only_beside_its_conditions_words(world: World) -> None:
    world.bluesky.add_week("MS", 30, text="Microsoft Teams is down again")
    world.bluesky.add_week("MS", 20, text="Living with multiple sclerosis:")
    world.x.weekly["ms"] = 90_000  # mostly Microsoft
    world.x.guarded_weekly["ms"] = 1_200
    rows = figures(census(world, "--topic", "multiple sclerosis", "--json"))
    [query] = [q for q in world.x.count_queries if q.startswith("(#MS ")]
    assert '"Multiple sclerosis"' in query and query.endswith(") -is:retweet")
    assert rows[("MS", "x")]["posts_7d"] == 1_200
    assert rows[("MS", "bluesky")]["posts_7d"] == 20  # the Microsoft posts are not counted
    assert ("MS", "mastodon") not in rows  # a tag history can't be asked beside words
    assert "ms" not in world.mastodon.tag_calls


def test_x_refusing_counts_is_said_once_and_the_census_goes_on(world: World) -> None:
    world.x.counts_forbidden = True
    result = census(world, "--topic", "lung cancer", "--json")
    rows = figures(result)
    [refused] = json.loads(result.stdout)["refused"]
    assert refused["network"] == "x" and "403 Forbidden" in refused["why"]
    assert len(world.x.count_queries) == 1  # not asked again for every tag
    assert not any(network == "x" for _, network in rows)
    assert {network for _, network in rows} == {"mastodon", "bluesky"}
    text = census(world, "--topic", "lung cancer")
    assert text.output.count("refused: X refused counts for this app's access") == 1


def test_x_answering_429_is_waited_out_and_no_tag_is_counted_twice(world: World) -> None:
    reset = {"x-rate-limit-reset": str(int(time.time()) + 1), "x-rate-limit-remaining": "0"}
    world.x.faults = [Answer(429, TOO_MANY_REQUESTS, reset)]
    rows = figures(census(world, "--network", "x", "--topic", "lung cancer", "--json"))
    assert len(rows) == LUNG_CANCER_TAGS
    repeats = Counter(world.x.count_queries)
    assert sum(repeats.values()) == LUNG_CANCER_TAGS + 1  # only the refused request again


def test_x_rate_limit_headers_are_kept_to_before_x_has_to_say_429(world: World) -> None:
    world.x.counts_limit, world.x.counts_window_s = 10, 1
    rows = figures(census(world, "--network", "x", "--topic", "lung cancer", "--json"))
    assert len(rows) == LUNG_CANCER_TAGS
    assert len(world.x.count_queries) == LUNG_CANCER_TAGS  # every request within the limit


def test_mastodon_answering_429_is_waited_out(world: World) -> None:
    reset = datetime.fromtimestamp(time.time() + 1, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    world.small_mastodon.faults = [
        Answer(429, {"error": "Too many requests"}, {"X-RateLimit-Reset": reset})
    ]
    rows = figures(census(world, "--network", "mastodon", "--topic", "lung cancer", "--json"))
    assert rows[("LungCancer", "mastodon")]["posts_7d"] == 310
    assert Counter(world.small_mastodon.tag_calls).most_common(1)[0][1] == 2  # asked again once


def test_bluesky_search_answering_429_is_waited_out_and_no_tag_is_counted_twice(
    world: World,
) -> None:
    reset = str(int(time.time()) + 1)
    world.bluesky.fault_on(
        "/xrpc/app.bsky.feed.searchPosts",
        Answer(
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            {"RateLimit-Reset": reset, "RateLimit-Remaining": "0"},
        ),
    )
    rows = figures(census(world, "--network", "bluesky", "--topic", "lung cancer", "--json"))
    assert len(rows) == LUNG_CANCER_TAGS
    asked = Counter(a.params.get("tag") for a in world.bluesky.searches)
    assert asked.most_common(1)[0][1] >= 2  # the refused page, asked again after the wait
    assert rows[("LungCancer", "bluesky")]["posts_7d"] > 0


def test_mastodon_saying_its_limit_is_used_up_is_waited_for_before_asking(world: World) -> None:
    reset = datetime.fromtimestamp(time.time() + 1, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    world.small_mastodon.fault_on(
        "/api/v1/tags/*",
        Answer(
            404,
            {"error": "Record not found"},
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        ),
    )  # a tag the instance never saw, and no requests left until the reset
    started = time.monotonic()
    rows = figures(census(world, "--network", "mastodon", "--topic", "lung cancer", "--json"))
    assert rows[("LungCancer", "mastodon")]["posts_7d"] == 310  # the census went on, whole
    assert time.monotonic() - started >= 0.5  # after waiting for the reset, not asking on


def test_search_refused_without_a_login_is_said_and_nothing_made_up(world: World) -> None:
    result = census(world, "--network", "bluesky", "--topic", "lung cancer", "--json", login=False)
    assert result.exit_code == 1  # nothing could be counted
    answer = json.loads(result.stdout)
    assert answer["tags"] == []
    [refused] = answer["refused"]
    assert refused["network"] == "bluesky" and "refused search without a login" in refused["why"]
    assert len(world.bluesky.searches) == 1
    assert not world.bluesky.searches[0].headers.get("Authorization")


def test_without_an_x_token_x_is_left_out_and_said_so(world: World) -> None:
    env = world.env() | {"X_BEARER_TOKEN": ""}
    result = CliRunner().invoke(main, ["census", "--topic", "lung cancer"], env=env)
    assert result.exit_code == 0
    assert "X: not counted (X_BEARER_TOKEN is not set" in result.output
    assert world.x.count_queries == []


def test_counts_requests_have_their_own_unpriced_line_in_the_spend_meter(world: World) -> None:
    result = census(world, "--network", "x", "--topic", "lung cancer")
    assert (
        f"X spend this month: {LUNG_CANCER_TAGS} counts requests for the census, unpriced "
        "(set X_COUNTS_REQUEST_USD)" in result.output
    )
    # Priced, the month's counts requests count towards the budget, and X stops inside it.
    env = world.env() | {"X_COUNTS_REQUEST_USD": "0.01", "X_MONTHLY_BUDGET_USD": "0.30"}
    priced = CliRunner().invoke(
        main, ["census", "--network", "x", "--topic", "alzheimers"], env=env
    )
    assert "X monthly budget reached" in priced.output
    assert "X spend this month: 30 counts requests for the census, about $0.30" in priced.output
    assert len(world.x.count_queries) == 30  # $0.30 at $0.01: X stops at the budget


def _census_process(world: World, db: str) -> subprocess.Popen[str]:
    env = os.environ | world.env() | {"HASHTAG_BOT_DB": db, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "census",
            "--network",
            "x",
            "--topic",
            "lung cancer",
            "--json",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_census_killed_half_way_goes_on_where_it_stopped(world: World, tmp_path: Path) -> None:
    db = str(tmp_path / "killed.db")
    world.x.hold_at = 11  # X holds the 11th request: the census is killed while it waits
    first = _census_process(world, db)
    assert world.x.held.wait(60), first.stderr.read() if first.stderr else ""
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)
    assert first.returncode == -signal.SIGKILL
    world.x.released.set()
    asked_before = list(world.x.count_queries)
    assert len(asked_before) == 11
    world.x.hold_at = None
    second = _census_process(world, db)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    answer = json.loads(out)
    tags = [row["tag"] for row in answer["tags"]]
    assert len(tags) == len(set(tags)) == LUNG_CANCER_TAGS  # every tag once in the resumed census
    asked_after = world.x.count_queries[len(asked_before) :]
    assert len(asked_after) == LUNG_CANCER_TAGS - 10  # the ten done were not asked again
    assert set(asked_before[:10]).isdisjoint(asked_after)
    assert asked_before[10] in asked_after  # the one killed mid-request is asked again
    with sqlite3.connect(db) as conn:
        stored = conn.execute(
            "SELECT tag_key, COUNT(*) FROM census_counts GROUP BY tag_key, network"
        ).fetchall()
        runs = conn.execute("SELECT COUNT(*), COUNT(finished_at) FROM census_runs").fetchone()
    assert len(stored) == LUNG_CANCER_TAGS and all(n == 1 for _, n in stored)
    assert runs == (1, 1)  # one census, resumed and finished


def test_a_tag_in_another_language_is_counted_in_that_language_and_answers_show_it(
    world: World,
) -> None:
    world.x.weekly["esclerosismúltiple"] = 640
    world.bluesky.add_week("EsclerosisMúltiple", 25, langs=["es"])
    world.bluesky.add_week("EsclerosisMúltiple", 15, langs=["pt"])  # Portuguese: not this tag's
    rows = figures(census(world, "--topic", "multiple sclerosis", "--json"))
    assert "#EsclerosisMúltiple -is:retweet lang:es" in world.x.count_queries
    assert "#MultipleSclerosis -is:retweet" in world.x.count_queries  # English: no lang
    asked = [a for a in world.bluesky.searches if a.params.get("tag") == "EsclerosisMúltiple"]
    assert asked and all(a.params["lang"] == "es" for a in asked)
    assert rows[("EsclerosisMúltiple", "bluesky")]["posts_7d"] == 25
    env = world.env()
    answer = CliRunner().invoke(main, ["suggest", "esclerosis múltiple", "--region", "ES"], env=env)
    lines = answer.output.splitlines()
    first_five = [line for line in lines if line[:3].strip().rstrip(".").isdigit()][:5]
    [spanish] = [line for line in first_five if "#EsclerosisMúltiple " in line]
    assert "640 posts a week on X · 25 on Bluesky" in spanish
