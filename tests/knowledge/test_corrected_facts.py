"""Facts that were checked against their sources and corrected: what a recruiter now sees."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.conditions import ConditionMatcher
from bot.domain.hashtags import tag_key
from bot.domain.knowledge import Awareness, CuratedTag, KnowledgeBase
from bot.domain.text import normalize_term


def _event(kb: KnowledgeBase, event_id: str) -> Awareness:
    return next(e for e in kb.awareness if e.id == event_id)


@pytest.mark.parametrize(
    ("year", "day"),
    [
        (2020, date(2020, 6, 20)),
        (2024, date(2024, 6, 20)),
        (2025, date(2025, 6, 20)),
        (2026, date(2026, 6, 21)),
    ],
)
def test_the_longest_day_falls_on_the_summer_solstice_not_on_a_fixed_21_june(
    kb: KnowledgeBase, year: int, day: date
) -> None:
    window = _event(kb, "the-longest-day").rule.window(year)
    assert window.start == window.end == day


def _tags(kb: KnowledgeBase, condition_id: str) -> dict[str, CuratedTag]:
    return {t.tag: t for t in kb.conditions[condition_id].tags}


def test_wilson_disease_uses_the_tag_and_the_site_of_the_wilson_disease_association(
    kb: KnowledgeBase,
) -> None:
    tags = _tags(kb, "wilson-disease")
    assert "WilsonsDisease" not in tags
    assert "wilsondisease.org" in tags["WilsonDisease"].source
    assert "wilsonsdisease.org" not in tags["WilsonDisease"].source
    day = _event(kb, "wilson-disease-awareness-day")
    assert day.tags == ("WilsonDiseaseAwarenessDay",)
    assert day.rule.window(2026).start == date(2026, 12, 6)


def test_the_eczema_day_tag_is_the_one_efa_asks_for(kb: KnowledgeBase) -> None:
    day = _event(kb, "world-atopic-eczema-day")
    assert day.tags[0] == "AtopicEczemaDay" and "efanet.org" in day.source
    atopic_eczema = _tags(kb, "atopic-dermatitis")["AtopicEczema"]
    assert not atopic_eczema.verified and "efanet.org" not in atopic_eczema.source.split(";")[0]


def test_hyperemesis_offers_hg_with_what_else_it_means(kb: KnowledgeBase) -> None:
    tags = _tags(kb, "hyperemesis-gravidarum")
    assert tags["HG"].ambiguous and "hyperemesis.org" in tags["HG"].source
    assert "mercury" in kb.also_means[tag_key("HG")].lower()
    assert not tags["Hyperemesis"].verified  # hyperemesis.org writes #HG, not this
    assert _event(kb, "hg-awareness-day").rule.window(2026).start == date(2026, 5, 15)


def test_cancer_survivors_is_plural_as_national_cancer_survivors_day_writes_it(
    kb: KnowledgeBase,
) -> None:
    tags = _tags(kb, "cancer")
    assert "CancerSurvivors" in tags and "CancerSurvivor" not in tags


def test_the_hepatitis_c_trust_is_cited_at_its_own_site(kb: KnowledgeBase) -> None:
    source = _tags(kb, "hepatitis-c")["HepC"].source
    assert "hepctrust.org.uk" in source and "hepatitisc.org.uk" not in source


@pytest.mark.parametrize(
    ("year", "tag"), [(2019, "EHA24"), (2020, "EHA25"), (2021, "EHA2021"), (2026, "EHA2026")]
)
def test_eha_tags_counted_editions_before_2021_and_years_since(
    kb: KnowledgeBase, year: int, tag: str
) -> None:
    eha = next(c for c in kb.conferences if c.id == "eha-congress")
    assert eha.tag(year) == tag


@pytest.mark.parametrize(
    ("text", "condition"),
    [("tumore del rene", "kidney-cancer"), ("tumore della cervice uterina", "cervical-cancer")],
)
def test_the_italian_names_are_understood(kb: KnowledgeBase, text: str, condition: str) -> None:
    primary = ConditionMatcher(kb).understand(text).primary
    assert primary is not None and primary.condition.id == condition


def test_saude_mental_names_no_condition(kb: KnowledgeBase) -> None:
    for condition in kb.conditions.values():
        every = (*condition.synonyms, *condition.other_names, *condition.alone)
        names = {normalize_term(n) for n in every}
        assert normalize_term("saúde mental") not in names, condition.id


def test_dementia_friends_belongs_to_great_britain(kb: KnowledgeBase) -> None:
    assert _tags(kb, "dementia")["DementiaFriends"].regions == ("GB",)


def test_the_als_mnd_day_cites_the_alliance_that_runs_it(kb: KnowledgeBase) -> None:
    assert _event(kb, "global-als-mnd-awareness-day").source.startswith("alsmndalliance.org")
