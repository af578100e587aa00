"""Tags in Spanish, French, German, Portuguese and Italian: each carries its language and a real source."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from bot.domain.conditions import ConditionMatcher
from bot.domain.hashtags import tag_key
from bot.domain.knowledge import KnowledgeBase
from bot.knowledge.codes import LANGUAGE_CODES
from bot.knowledge.loader import read_knowledge


def _sourced_by_language(kb: KnowledgeBase) -> dict[str, set[str]]:
    """Language -> the tags in it that an organiser, a study or a campaign page names."""
    found: dict[str, set[str]] = defaultdict(set)
    for condition in kb.conditions.values():
        for tag in condition.tags:
            if tag.lang and tag.verified:
                found[tag.lang].add(tag.tag)
    for event in kb.awareness:
        if event.lang:
            found[event.lang].update(event.tags)
    return found


def test_every_language_tag_names_a_language_other_than_english_and_a_real_source(
    kb: KnowledgeBase,
) -> None:
    tags = [t for c in kb.conditions.values() for t in c.tags if t.lang]
    events = [e for e in kb.awareness if e.lang]
    assert tags and events
    for tag in tags:
        assert tag.lang in LANGUAGE_CODES and tag.lang != "en", tag.tag
        assert tag.verified and tag.source and not tag.source.startswith("No organiser"), tag.tag
        assert tag.checked, tag.tag
    for event in events:
        assert event.lang in LANGUAGE_CODES and event.lang != "en", event.id
        assert event.source and event.checked, event.id


@pytest.mark.parametrize("lang", ["es", "fr", "de", "pt", "it"])
def test_each_language_has_a_sourced_tag(kb: KnowledgeBase, lang: str) -> None:
    assert _sourced_by_language(kb)[lang]


@pytest.mark.parametrize(
    ("event_id", "tag", "regions"),
    [
        ("outubro-rosa", "OutubroRosa", ("BR", "PT")),
        ("novembro-azul", "NovembroAzul", ("BR",)),
        ("giornata-malattie-rare", "RariMaiSoli", ("IT",)),
    ],
)
def test_national_campaigns_carry_their_language_and_countries(
    kb: KnowledgeBase, event_id: str, tag: str, regions: tuple[str, ...]
) -> None:
    event = next(e for e in kb.awareness if e.id == event_id)
    assert tag in event.tags and event.regions == regions and event.lang in ("pt", "it")


def test_a_french_acronym_says_what_else_it_means(kb: KnowledgeBase) -> None:
    sep = next(t for t in kb.conditions["multiple-sclerosis"].tags if t.tag == "SEP")
    assert sep.lang == "fr" and sep.ambiguous and "September" in kb.also_means[tag_key("SEP")]


@pytest.mark.parametrize(
    ("question", "condition", "lang"),
    [
        ("cáncer de mama", "breast-cancer", "es"),
        ("câncer de mama", "breast-cancer", "pt"),
        ("cancer du sein", "breast-cancer", "fr"),
        ("Morbus Crohn", "crohns-disease", "de"),
        ("tumore del rene", "kidney-cancer", "it"),
        ("esclerosis multiple", "multiple-sclerosis", "es"),  # accents left out, still Spanish
        ("cancer de mama", "breast-cancer", ""),  # Spanish or Portuguese without the accent
        ("linfoma", "lymphoma", ""),  # Spanish, Italian and Portuguese alike
        ("breast cancer", "breast-cancer", ""),
    ],
)
def test_a_question_asked_with_a_name_in_another_language_says_which(
    kb: KnowledgeBase, question: str, condition: str, lang: str
) -> None:
    understood = ConditionMatcher(kb).understand(question)
    assert understood.primary is not None and understood.primary.condition.id == condition
    assert understood.languages == ((lang,) if lang else ())


@pytest.mark.parametrize(
    ("names", "complaint"),
    [
        ("en: [breast cancer]", "put English ones in synonyms"),
        ("spanish: [cáncer de mama]", "'spanish' is not an ISO 639-1 language code"),
        ("es: cáncer de mama", "names es must be a list"),
    ],
)
def test_names_in_other_languages_are_read_by_iso_code(
    tmp_path: Path, names: str, complaint: str
) -> None:
    (tmp_path / "data.yaml").write_text(
        "conditions:\n  - id: breast-cancer\n    name: Breast cancer\n    area: oncology\n"
        f"    names:\n      {names}\n"
        "    tags:\n      - tag: BCSM\n        kind: community\n        source: bcsm.org\n",
        encoding="utf-8",
    )
    _, problems = read_knowledge(tmp_path)
    assert any(
        p.startswith("data.yaml condition breast-cancer:") and complaint in p for p in problems
    ), problems
