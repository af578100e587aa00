"""Answers rest on the census: on a fresh database, one census makes the knowledge base's
answers rank by measured use, with figures, grades and the Copy line a recruiter would paste."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.census_world import World, census_world

CONDITIONS = ["lung cancer", "alzheimers", "ulcerative colitis", "celiac disease"]
# The tags everyone expects, for each: the complaints, turned around. A US team's.
EXPECTED = {
    "lung cancer": ["LungCancer", "LCSM", "NSCLC"],
    "alzheimers": ["Alzheimers", "Dementia"],
    "ulcerative colitis": ["UlcerativeColitis"],
    "celiac disease": ["Celiac", "CeliacDisease"],
}
US = ("--region", "US")


@pytest.fixture(scope="module")
def measured() -> Iterator[tuple[World, dict[str, str]]]:
    """One census of the four conditions on a fresh database, shared by the tests below."""
    with census_world() as world, pytest.MonkeyPatch.context() as patch:
        import tempfile

        folder = tempfile.mkdtemp(prefix="census-answers-")
        env = world.env() | {"HASHTAG_BOT_DB": f"{folder}/hashtag-bot.db"}
        patch.chdir(folder)
        args = ["census"] + [a for text in CONDITIONS for a in ("--topic", text)]
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 0, result.output
        yield world, env


def answer(env: dict[str, str], text: str, *args: str) -> Any:
    result = CliRunner().invoke(main, ["suggest", text, *args], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


@pytest.mark.parametrize("text", CONDITIONS)
def test_the_tags_everyone_expects_are_in_the_top_five_with_their_figures(
    measured: tuple[World, dict[str, str]], text: str
) -> None:
    _, env = measured
    top = answer(env, text, "--json", *US)["suggestions"][:5]
    shown = {s["tag"]: s for s in top}
    for tag in EXPECTED[text]:
        assert tag in shown, f"#{tag} not in the top five for {text}: {list(shown)}"
        assert shown[tag]["measured"]["x"]["posts_7d"] > 0
        assert shown[tag]["grade"] in ("hot", "steady")
    lines = answer(env, text, *US).splitlines()
    for tag in EXPECTED[text]:
        line = next(line for line in lines if f". #{tag} " in line)
        assert "posts a week on X" in line


def test_the_measured_field_has_the_documented_shape(
    measured: tuple[World, dict[str, str]],
) -> None:
    world, env = measured
    lung = {
        s["tag"]: s for s in answer(env, "lung cancer", "--json", "--limit", "25")["suggestions"]
    }
    today = lung["LungCancer"]["measured"]["x"]["as_of"]
    assert lung["LungCancer"]["measured"] == {
        "x": {"posts_7d": 24_000, "as_of": today},
        "mastodon": {
            "posts_7d": 310,
            "accounts_7d": 140,
            "instance": world.mastodon.url,
            "as_of": today,
        },
        "bluesky": {"posts_7d": 240, "at_least": False, "as_of": today},
    }
    assert lung["LungCancer"]["grade"] == "hot"
    assert lung["LCSM"]["grade"] == "steady"  # 2,400 + 70 + 60 against #LungCancer's 24,550


def test_a_tag_nobody_uses_is_graded_unused_ranked_below_and_kept_off_the_copy_line(
    measured: tuple[World, dict[str, str]],
) -> None:
    _, env = measured
    alzheimers = answer(env, "alzheimers", "--json", "--limit", "25")["suggestions"]
    by_tag = {s["tag"]: s for s in alzheimers}
    unused = by_tag["DementiaFriends"]  # a sourced community tag nobody used this week
    assert unused["grade"] == "unused"
    assert unused["measured"]["x"]["posts_7d"] == 0
    used = [s for s in alzheimers if s["kind"] == "community" and s["grade"] != "unused"]
    assert used and all(s["score"] > unused["score"] for s in used)
    text = answer(env, "alzheimers", "--limit", "25")
    line = next(line for line in text.splitlines() if ". #DementiaFriends " in line)
    assert "no posts in the last 7 days on X, Mastodon or Bluesky" in line
    copy = next(line for line in text.splitlines() if line.startswith("Copy: "))
    assert "#DementiaFriends" not in copy.split()
    assert "#Alzheimers" in copy.split()  # measured, a plain-name tag is pasted like any other


def test_a_community_mostly_on_another_network_says_so(
    measured: tuple[World, dict[str, str]],
) -> None:
    _, env = measured
    lines = answer(env, "ulcerative colitis", "--limit", "25").splitlines()
    spoonie = next(line for line in lines if ". #Spoonie " in line)
    assert spoonie.endswith(
        "250 posts a week on Bluesky · 60 on X · most of this week's use is on Bluesky"
    )
    chronic = next(line for line in lines if ". #ChronicIllness " in line)
    assert "most of this week's use" not in chronic  # X carries most of it
    assert "≈6,000 posts a week on X · 400 on Mastodon · 150 on Bluesky" in chronic


def test_explain_gives_each_networks_figure_and_the_day_it_was_measured(
    measured: tuple[World, dict[str, str]],
) -> None:
    _, env = measured
    explained = answer(env, "ulcerative colitis", "--explain", "--limit", "25")
    block = explained.split(". #UlcerativeColitis ", 1)[1].split("\n 2.", 1)[0]
    assert "Measured on X: 720 posts in the 7 days to" in block
    assert "Measured on Mastodon: 35 posts by 20 accounts in the 7 days to" in block
    assert ", the busiest instance asked (counted from the instance's tag history)" in block
    assert "Measured on Bluesky: 40 posts in the 7 days to" in block
    assert "Graded hot: the busiest of the condition's own tags" in block


def test_calendar_tags_are_not_graded_far_from_their_window(
    measured: tuple[World, dict[str, str]],
) -> None:
    _, env = measured
    lung = {
        s["tag"]: s for s in answer(env, "lung cancer", "--json", "--limit", "25")["suggestions"]
    }
    world_day = lung["WorldLungCancerDay"]  # 1 August: months away
    assert world_day["measured"] is not None and world_day["grade"] is None
    assert any(r.startswith("Not graded: a calendar tag") for r in world_day["reasons"])
