"""Answers that fit the team: a US, a UK and a Spanish-speaking team asking about the same
conditions each get a top five they would paste: the condition's own community and plain tags
first, their country's and language's tags, at most one cross-cutting tag, nothing of another
country or language (shown lower down, saying where it belongs)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.domain.knowledge import KnowledgeBase

AS_OF = ("--as-of", "2026-12-07")  # Crohn's & Colitis Awareness Week (US) runs 1-7 December
TEAMS = {
    "US": ("--region", "US"),
    "GB": ("--region", "GB"),
    "ES": ("--region", "ES", "--lang", "es"),  # a team in Spain, recruiting in Spanish
}
# condition asked -> (its id, {team: its own country's or language's tag in the top five})
TABLE: dict[str, tuple[str, dict[str, str]]] = {
    "type 2 diabetes": ("type-2-diabetes", {"GB": "GBDOC", "ES": "Implica2DM2"}),
    "dementia": ("dementia", {"GB": "DementiaFriends"}),
    "multiple sclerosis": ("multiple-sclerosis", {"ES": "EsclerosisMúltiple"}),
    "breast cancer": ("breast-cancer", {"ES": "CáncerDeMama"}),
    "celiac disease": ("celiac-disease", {"US": "Celiac", "GB": "Coeliac"}),
    "ulcerative colitis": ("ulcerative-colitis", {"US": "CCAwarenessWeek"}),
    "parkinson's": ("parkinsons-disease", {"ES": "LaOtraCaraDelParkinson"}),
    "rare disease": ("rare-diseases", {}),
    "lung cancer": ("lung-cancer", {}),
}


def ask(text: str, *args: str, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(main, ["suggest", text, *AS_OF, *args], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def _fits(suggestion: dict[str, Any], team: str) -> bool:
    region, lang = suggestion["region"], suggestion.get("lang")
    return (region is None or team in region) and (lang is None or (lang == "es" and team == "ES"))


def _twins(a: str, b: str) -> bool:
    return a.casefold().removesuffix("s") == b.casefold().removesuffix("s")


def _own_tags(kb: KnowledgeBase, condition_id: str, team: str) -> set[str]:
    """The condition's own community and plain-name tags that belong to this team."""
    return {
        t.tag
        for t in kb.conditions[condition_id].tags
        if (t.plain or (t.kind == "community" and t.verified))  # shown before any census
        and (not t.regions or team in t.regions)
        and (not t.lang or (t.lang == "es" and team == "ES"))
    }


@pytest.mark.parametrize("team", list(TEAMS))
@pytest.mark.parametrize("text", list(TABLE))
def test_each_teams_top_five_is_one_it_would_paste(kb: KnowledgeBase, text: str, team: str) -> None:
    condition_id, local = TABLE[text]
    answer = ask(text, "--json", *TEAMS[team])
    top = [s for s in answer["suggestions"] if s["top"]]
    assert 0 < len(top) <= 5 and answer["suggestions"][: len(top)] == top
    tags = [s["tag"] for s in top]
    own = _own_tags(kb, condition_id, team)
    first = tags[: min(len(own), 5)]
    assert set(first) <= own, f"{team} {text}: {tags} should lead with its own tags {own}"
    assert sum(s["kind"] == "general" for s in top) <= 1, (team, text, tags)
    assert all(_fits(s, team) for s in top), (team, text, [(s["tag"], s["region"]) for s in top])
    assert not any(_twins(a, b) for i, a in enumerate(tags) for b in tags[i + 1 :]), tags
    if team in local:
        assert local[team] in tags, f"#{local[team]} not in {team}'s top five for {text}: {tags}"


@pytest.mark.parametrize("team", list(TEAMS))
@pytest.mark.parametrize("text", list(TABLE))
def test_the_copy_line_holds_only_the_teams_own_tags(text: str, team: str) -> None:
    answer = ask(text, "--json", *TEAMS[team], "--limit", "25")
    fits = {s["tag"] for s in answer["suggestions"] if _fits(s, team)}
    [copy] = [line for line in ask(text, *TEAMS[team]).splitlines() if line.startswith("Copy: ")]
    copied = [tag.lstrip("#") for tag in copy.removeprefix("Copy: ").split()]
    assert copied and set(copied) <= fits, (team, text, copied)


def test_another_countrys_tag_shows_lower_down_saying_where_it_belongs() -> None:
    answer = ask("type 2 diabetes", "--json", "--region", "US")
    tags = [s["tag"] for s in answer["suggestions"]]
    assert "GBDOC" in tags[5:] and "OzDOC" in tags[5:]  # below the top five, still shown
    gbdoc = next(s for s in answer["suggestions"] if s["tag"] == "GBDOC")
    assert gbdoc["region"] == ["GB"]
    text = ask("type 2 diabetes", "--region", "US")
    assert "#GBDOC  community tag, from Diabetes · belongs to GB · " in text
    assert "#SagEsLaut  community tag, from Diabetes · belongs to DE, in German · " in text
    assert "#T2D" in text.splitlines()[3]  # the condition's own tag leads, not #dedoc


def test_a_tag_in_another_language_carries_its_code_and_waits_for_a_team_in_it() -> None:
    english = ask("multiple sclerosis", "--json", "--region", "GB", "--limit", "25")
    spanish_tag = next(s for s in english["suggestions"] if s["tag"] == "EsclerosisMúltiple")
    assert spanish_tag["lang"] == "es"
    assert "EsclerosisMúltiple" not in [s["tag"] for s in english["suggestions"][:5]]
    assert all("lang" not in s for s in english["suggestions"] if s["tag"] == "MultipleSclerosis")
    french = ask("multiple sclerosis", "--json", "--region", "FR", "--lang", "fr")
    assert "SEP" in [s["tag"] for s in french["suggestions"][:10]]


def test_a_question_asked_in_spanish_gets_the_spanish_tags_first() -> None:
    answer = ask("cáncer de mama", "--json", "--region", "ES")
    assert answer["audience"] == {"region": "ES", "languages": ["es"]}
    top = [s["tag"] for s in answer["suggestions"][:5]]
    assert "CáncerDeMama" in top and "laMquefalta" in top
    assert "JaimeMesSeins" not in top  # French: a Spanish question is no French one
    german = ask("Morbus Crohn", "--json", "--region", "DE")
    assert german["audience"]["languages"] == ["de"]


def test_a_team_with_no_region_is_asked_for_one_and_gets_no_countrys_tag_on_top() -> None:
    text = ask("alzheimers")
    assert "No region set: add --region US (or GB, CA, AU, IE…), or set HASHTAG_BOT_REGION" in text
    top = [s["tag"] for s in ask("alzheimers", "--json")["suggestions"][:5]]
    assert "DementiaFriends" not in top and "NonTiScordareDiVolermiBene" not in top
    assert "No region set" not in ask("alzheimers", "--region", "GB")


def test_the_defaults_come_from_the_environment_and_the_flags_win() -> None:
    env = {"HASHTAG_BOT_REGION": "GB", "HASHTAG_BOT_LANGUAGE": "es"}
    answer = ask("multiple sclerosis", "--json", env=env)
    assert answer["audience"] == {"region": "GB", "languages": ["es"]}
    assert "EsclerosisMúltiple" in [s["tag"] for s in answer["suggestions"][:5]]
    us = ask("type 2 diabetes", "--json", "--region", "US", "--lang", "en", env=env)
    assert us["audience"] == {"region": "US", "languages": []}
    assert "GBDOC" not in [s["tag"] for s in us["suggestions"][:5]]


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (("--region", "UK"), {}, "'UK' is not an ISO 3166-1 country code: write GB"),
        (("--lang", "spanish"), {}, "'spanish' is not a language code"),
        ((), {"HASHTAG_BOT_REGION": "Europe"}, "HASHTAG_BOT_REGION: 'Europe' is not a country"),
    ],
)
def test_a_code_that_is_no_country_or_language_is_explained(
    args: tuple[str, ...], env: dict[str, str], said: str
) -> None:
    result = CliRunner().invoke(main, ["suggest", "lupus", *args], env=env)
    assert result.exit_code == 2 and said in result.output


def test_an_own_tag_with_no_source_and_no_measurement_leads_but_says_so_and_is_not_copied() -> None:
    lines = ask("type 2 diabetes", "--region", "US").splitlines()
    first = lines.index(next(line for line in lines if line.startswith(" 1. ")))
    assert lines[first].startswith(" 1. #T2D  community tag · use not measured yet")
    assert lines[first + 1].strip() == (
        "! no organisation, chat or study names it, and its use is not measured yet"
    )
    [copy] = [line for line in lines if line.startswith("Copy: ")]
    assert "#T2D" not in copy.split() and "#Type2Diabetes" not in copy.split()
