"""Tags in Spanish, French, German, Portuguese and Italian: each carries its language and a real source."""

from __future__ import annotations

from collections import defaultdict

import pytest

from bot.domain.hashtags import tag_key
from bot.domain.knowledge import KnowledgeBase
from bot.knowledge.codes import LANGUAGE_CODES


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
