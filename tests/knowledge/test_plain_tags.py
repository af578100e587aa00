"""Every condition's plain name (or usual acronym) is in the data, marked, with its regional spelling."""

from __future__ import annotations

import pytest

from bot.domain.knowledge import KnowledgeBase


def _plain(kb: KnowledgeBase, condition_id: str) -> dict[str, tuple[str, ...]]:
    return {t.tag: t.regions for t in kb.conditions[condition_id].plain_tags}


def test_every_condition_has_a_plain_tag(kb: KnowledgeBase) -> None:
    missing = [c.id for c in kb.conditions.values() if not c.plain_tags]
    # "cancer (any type)": #Cancer is the zodiac sign, and as a tag it would make the bare word
    # match before typos such as "panceatic cancer" reach the specific cancer
    assert missing == ["cancer"]


@pytest.mark.parametrize(
    ("condition", "tags"),
    [
        ("alzheimers-disease", {"Alzheimers"}),
        ("lung-cancer", {"LungCancer"}),
        ("type-2-diabetes", {"Type2Diabetes", "T2D"}),
        ("ulcerative-colitis", {"UlcerativeColitis"}),
        ("celiac-disease", {"Celiac", "Coeliac", "CeliacDisease", "CoeliacDisease"}),
    ],
)
def test_the_plain_names_a_recruiter_expects_are_marked(
    kb: KnowledgeBase, condition: str, tags: set[str]
) -> None:
    assert tags <= set(_plain(kb, condition))


def test_celiac_and_coeliac_carry_the_countries_that_spell_them_so(kb: KnowledgeBase) -> None:
    plain = _plain(kb, "celiac-disease")
    assert plain["Celiac"] == ("US", "CA")
    assert plain["Coeliac"] == plain["CoeliacDisease"] == ("GB", "IE", "AU", "NZ")
    assert plain["CeliacDisease"] == ()


def test_a_plain_tag_may_wait_for_measurement_but_says_why(kb: KnowledgeBase) -> None:
    unmeasured = [t for c in kb.conditions.values() for t in c.plain_tags if not t.verified]
    assert unmeasured, "plain tags no organiser names are kept, not dropped"
    assert all(t.source.startswith("No organiser") for t in unmeasured)
