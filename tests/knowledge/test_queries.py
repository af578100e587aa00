"""What people type is understood: community words, umbrellas and other languages."""

from __future__ import annotations

import pytest

from bot.domain.conditions import ConditionMatcher
from bot.domain.knowledge import KnowledgeBase
from bot.domain.suggestion import copy_tags
from bot.services.suggestions import Suggester
from bot.storage import Store
from tests.factories import NOW, TODAY, author, post


def _tags(suggester: Suggester, text: str) -> list[str]:
    return [s.tag for s in suggester.suggest(text, today=TODAY, limit=25).suggestions]


@pytest.mark.parametrize("text", ["Crohnies", "crohnie", "#Crohnies trial"])
def test_crohnies_is_understood_as_crohns_disease(suggester: Suggester, text: str) -> None:
    answer = suggester.suggest(text, today=TODAY).as_json()
    assert answer["condition"]["id"] == "crohns-disease"
    crohnies = next(s for s in answer["suggestions"] if s["tag"] == "Crohnies")
    assert crohnies["kind"] == "community"
    assert any("power of hashtags" in r for r in crohnies["reasons"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rare disease", "RareDisease"),
        ("rare diseases", "RareDisease"),
        ("autoimmune disease", "ChronicIllness"),
        ("mental health", "MentalHealth"),
        ("mental illness", "MentalHealth"),
        ("heart disease", "AmericanHeartMonth"),
        ("cancer", "CancerResearch"),
    ],
)
def test_umbrella_queries_get_the_umbrellas_tags(
    suggester: Suggester, text: str, expected: str
) -> None:
    assert expected in _tags(suggester, text)


def test_an_unsourced_plain_tag_shows_unmeasured_and_off_the_copy_line_until_posts_back_it(
    suggester: Suggester, store: Store
) -> None:
    before = suggester.suggest("autoimmune disease", today=TODAY, limit=25)
    shown = next(s for s in before.suggestions if s.tag == "Autoimmune")  # never hidden
    assert shown.evidence == "use not measured yet"
    assert (
        shown.warning == "no organisation, chat or study names it, and its use is not measured yet"
    )
    assert "Autoimmune" not in copy_tags(before.suggestions)
    posts = [
        post("#Autoimmune #ChronicIllness flare week", at=NOW, by=n, post_id=f"x:ai{n}")
        for n in range(4)
    ]
    store.save_posts(posts, [author(n) for n in range(4)], now=NOW)
    store.rebuild_cooccur_window(TODAY)
    answer = suggester.suggest("autoimmune disease", today=TODAY, limit=25)
    backed = next(s for s in answer.suggestions if s.tag == "Autoimmune")
    assert backed.evidence == "4 posts by 4 people" and not backed.warning
    assert backed.what.endswith("no source names it")


def test_mental_health_is_not_mistaken_for_maternal_health(suggester: Suggester) -> None:
    answer = suggester.suggest("mental health", today=TODAY).as_json()
    assert answer["condition"]["id"] == "mental-health-conditions"


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("cáncer de pulmón", "lung-cancer"),
        ("cancer de pulmon", "lung-cancer"),
        ("Lungenkrebs", "lung-cancer"),
        ("cancer du sein", "breast-cancer"),
        ("câncer de mama", "breast-cancer"),
        ("tumore al seno", "breast-cancer"),
        ("cáncer de próstata", "prostate-cancer"),
        ("Darmkrebs", "colorectal-cancer"),
        ("leucémie", "leukemia"),
        ("diabète de type 2", "type-2-diabetes"),
        ("Typ-1-Diabetes", "type-1-diabetes"),
        ("obesità", "obesity"),
        ("insuficiencia cardíaca", "heart-failure"),
        ("maladie d'Alzheimer", "alzheimers-disease"),
        ("Morbus Parkinson", "parkinsons-disease"),
        ("sclérose en plaques", "multiple-sclerosis"),
        ("depressão", "major-depressive-disorder"),
        ("esquizofrenia", "schizophrenia"),
        ("asthme", "asthma"),
        ("broncopneumopatia cronica ostruttiva", "chronic-obstructive-pulmonary-disease"),
        ("polyarthrite rhumatoïde", "rheumatoid-arthritis"),
        ("Schuppenflechte", "psoriasis"),
        ("maladie de Crohn", "crohns-disease"),
        ("hepatite c", "hepatitis-c"),
        ("drépanocytose", "sickle-cell-disease"),
        ("enfermedades raras", "rare-diseases"),
        ("Krebs", "cancer"),
    ],
)
def test_names_typed_in_other_languages_are_understood(
    kb: KnowledgeBase, text: str, condition: str
) -> None:
    primary = ConditionMatcher(kb).understand(text).primary
    assert primary is not None and primary.condition.id == condition, text


def test_a_non_english_query_gets_the_community_tags(suggester: Suggester) -> None:
    assert "LCSM" in _tags(suggester, "cáncer de pulmón")[:3]


@pytest.mark.parametrize("text", ["crohn's disease", "psoriasis", "ulcerative colitis"])
def test_rheumtwitter_is_not_offered_outside_rheumatology(suggester: Suggester, text: str) -> None:
    assert "RheumTwitter" not in _tags(suggester, text)


def test_rheumtwitter_is_still_offered_for_rheumatic_diseases(suggester: Suggester) -> None:
    assert "RheumTwitter" in _tags(suggester, "rheumatoid arthritis")


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("bladder cancer", "blcsm"),
        ("kidney cancer", "kcsm"),
        ("anal cancer", "ancsm"),
        ("stomach cancer", "stcsm"),
        ("esophageal cancer", "esocsm"),
        ("liver cancer", "hpbcsm"),
        ("head and neck cancer", "hncsm"),
        ("thyroid cancer", "thycsm"),
        ("childhood cancer", "pedcsm"),
        ("lymphoma", "lymsm"),
        ("melanoma", "melsm"),
        ("leukemia", "leusm"),
    ],
)
def test_cancer_tag_ontology_tags_are_offered_with_the_study_behind_them(
    suggester: Suggester, text: str, tag: str
) -> None:
    answer = suggester.suggest(text, today=TODAY, limit=25).as_json()
    found = next(s for s in answer["suggestions"] if s["tag"] == tag)
    assert found["kind"] == "community"
    assert any("JAMA Oncol" in r for r in found["reasons"])


@pytest.mark.parametrize(
    ("text", "tag", "month"),
    [
        ("parkinson's", "ParkinsonsAwareness", "04"),
        ("psoriasis", "PsoriasisAwareness", "08"),
        ("multiple sclerosis", "MSAwarenessWeek", "03"),
    ],
)
def test_awareness_events_carry_their_window(
    suggester: Suggester, text: str, tag: str, month: str
) -> None:
    answer = suggester.suggest(text, today=TODAY, limit=25).as_json()
    event = next(s for s in answer["suggestions"] if s["tag"] == tag)
    assert event["kind"] == "awareness" and event["window"]["start"][5:7] == month
