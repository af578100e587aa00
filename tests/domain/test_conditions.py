from __future__ import annotations

import pytest

from bot.domain.conditions import ConditionMatcher
from bot.domain.knowledge import KnowledgeBase


@pytest.fixture(scope="module")
def matcher() -> ConditionMatcher:
    from bot.knowledge import load_knowledge

    return ConditionMatcher(load_knowledge())


@pytest.mark.parametrize(
    ("text", "condition_id"),
    [
        ("lung cancer", "lung-cancer"),
        ("  LUNG   Cancer ", "lung-cancer"),
        ("lung cancers", "lung-cancer"),
        ("#LCSM", "lung-cancer"),
        ("lung cancr", "lung-cancer"),
        ("NSCLC", "non-small-cell-lung-cancer"),
        ("Crohn’s", "crohns-disease"),
        ("crohns", "crohns-disease"),
        ("Crohn's disease patients", "crohns-disease"),
        ("T1D", "type-1-diabetes"),
        ("AFib", "atrial-fibrillation"),
        ("MS", "multiple-sclerosis"),
        ("ms", "multiple-sclerosis"),
        ("alzheimers", "alzheimers-disease"),
        ("Parkinson’s", "parkinsons-disease"),
        ("schizophernia", "schizophrenia"),
        ("leukaemia", "leukemia"),
    ],
)
def test_what_a_recruiter_types_finds_the_condition(
    matcher: ConditionMatcher, text: str, condition_id: str
) -> None:
    understood = matcher.understand(text)
    assert understood.primary is not None, text
    assert understood.primary.condition.id == condition_id


def test_typos_are_read_and_said_to_be_guesses(matcher: ConditionMatcher) -> None:
    match = matcher.understand("multiple sclerosys").primary
    assert match is not None and match.how == "fuzzy" and match.score < 100


def test_short_abbreviations_that_are_words_need_capitals(matcher: ConditionMatcher) -> None:
    assert matcher.understand("trials for all cancers of the lung").primary is None or all(
        m.condition.id != "acute-lymphoblastic-leukemia"
        for m in matcher.understand("all cancers").matches
    )
    caps = matcher.understand("ALL in children").primary
    assert caps is not None and caps.condition.id == "acute-lymphoblastic-leukemia"


def test_several_conditions_in_one_text_keep_their_order(matcher: ConditionMatcher) -> None:
    understood = matcher.understand("breast cancer, lupus and T2D")
    assert [m.condition.id for m in understood.matches] == [
        "breast-cancer",
        "systemic-lupus-erythematosus",
        "type-2-diabetes",
    ]


def test_words_that_name_nothing_are_reported(matcher: ConditionMatcher) -> None:
    understood = matcher.understand("lung cancer zorblax")
    assert understood.unmatched == ("zorblax",)
    assert matcher.understand("hashtags for patients").unmatched == ()


def test_long_text_is_cut_and_says_so(matcher: ConditionMatcher) -> None:
    understood = matcher.understand("lung cancer " * 1000)
    assert understood.truncated and understood.primary is not None


def test_every_condition_is_found_by_its_own_name(
    kb: KnowledgeBase, matcher: ConditionMatcher
) -> None:
    misses = [
        c.id
        for c in kb.conditions.values()
        if c.id not in {m.condition.id for m in matcher.understand(c.name).matches}
    ]
    assert misses == []


def test_cancer_on_its_own_means_any_cancer_but_not_inside_a_typo(
    matcher: ConditionMatcher,
) -> None:
    alone = matcher.understand("cancer").primary
    assert alone is not None and alone.condition.id == "cancer"
    typo = matcher.understand("panceatic cancer").primary
    assert typo is not None and typo.condition.id == "pancreatic-cancer"
