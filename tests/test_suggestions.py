from __future__ import annotations

from datetime import date

import pytest

from bot.domain.suggestion import copy_tags
from bot.services.suggestions import Suggester
from bot.storage import Store
from tests.factories import NOW, TODAY, author, post


def tags(result) -> list[str]:
    return [s.tag.casefold() for s in result.suggestions]


def test_lung_cancer_on_an_empty_database_puts_lcsm_in_the_top_three(suggester: Suggester) -> None:
    result = suggester.suggest("lung cancer", today=TODAY)
    answer = result.as_json()
    assert answer["condition"]["id"] == "lung-cancer"
    top3 = [s["tag"] for s in answer["suggestions"][:3]]
    assert "LCSM" in top3
    lcsm = next(s for s in answer["suggestions"] if s["tag"] == "LCSM")
    assert lcsm["kind"] == "community" and lcsm["stats"] is None
    assert any("2013" in reason for reason in lcsm["reasons"])


def test_lcam_carries_novembers_window_and_says_it_is_on_now(suggester: Suggester) -> None:
    answer = suggester.suggest("lung cancer", today=TODAY).as_json()
    lcam = next(s for s in answer["suggestions"] if s["tag"] == "LCAM")
    assert lcam["kind"] == "awareness"
    assert lcam["window"] == {"start": "2026-11-01", "end": "2026-11-30"}
    assert any("happening now" in r for r in lcam["reasons"])


def test_after_november_the_window_is_next_years(suggester: Suggester) -> None:
    answer = suggester.suggest("lung cancer", today=date(2026, 12, 5), limit=25).as_json()
    lcam = next(s for s in answer["suggestions"] if s["tag"] == "LCAM")
    assert lcam["window"]["start"] == "2027-11-01"
    assert answer["suggestions"][0]["tag"] != "LCAM"


def test_the_lung_cancer_answer_names_subtype_and_congress_tags(suggester: Suggester) -> None:
    answer = suggester.suggest("lung cancer", today=TODAY, limit=25).as_json()
    found = {s["tag"]: s for s in answer["suggestions"]}
    assert "NSCLC" in found
    assert any(s["kind"] == "conference" and s["tag"].startswith("WCLC") for s in found.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lung cancer", "lcsm"),
        ("breast cancer", "bcsm"),
        ("multiple myeloma", "mmsm"),
        ("brain tumour", "btsm"),
        ("prostate cancer", "pcsm"),
        ("colorectal cancer", "crcsm"),
        ("pancreatic cancer", "pancsm"),
        ("head and neck cancer", "headandneckcancer"),
        ("ovarian cancer", "gyncsm"),
        ("type 1 diabetes", "t1d"),
        ("crohn's", "ibd"),
        ("ulcerative colitis", "ibd"),
        ("multiple sclerosis", "multiplesclerosis"),
        ("lupus", "lupus"),
        ("rheumatoid arthritis", "rheumatoidarthritis"),
        ("asthma", "asthma"),
        ("COPD", "copd"),
        ("HIV", "hiv"),
        ("endometriosis", "endometriosis"),
        ("sickle cell disease", "sicklecell"),
        ("cystic fibrosis", "cysticfibrosis"),
        ("parkinson's", "parkinsons"),
        ("depression", "depression"),
    ],
)
def test_major_conditions_name_their_established_tags(
    suggester: Suggester, text: str, expected: str
) -> None:
    result = suggester.suggest(text, today=TODAY)
    assert result.understanding.primary is not None, text
    assert expected in tags(result), (text, tags(result))


def seed_lung_cancer_posts(store: Store) -> None:
    posts = []
    for n in range(30):  # the community talking, with a support tag it really uses
        posts.append(
            post(
                "Tonight's chat #LCSM #LungCancer #LungCancerSurvivor",
                at=NOW,
                by=n,
                likes=3,
                days_ago=n % 10,
            )
        )
    for n in range(8):
        posts.append(post("new data #LCSM #lungcancersurvivor", at=NOW, by=100 + n, days_ago=1))
    for n in range(400):  # a generic tag, hugely used, mostly about other things
        posts.append(post("#Cancer news", at=NOW, by=1000 + n, likes=20, days_ago=n % 20))
    for n in range(6):
        posts.append(post("#LungCancer #Cancer", at=NOW, by=2000 + n))
    store.save_posts(posts, [author(n) for n in range(5)], now=NOW)


def test_observed_tags_appear_with_stats_and_generic_tags_stay_below(
    suggester: Suggester, store: Store
) -> None:
    seed_lung_cancer_posts(store)
    answer = suggester.suggest("lung cancer", today=TODAY, limit=25).as_json()
    found = {s["tag"].casefold(): (i, s) for i, s in enumerate(answer["suggestions"])}
    _, survivor = found["lungcancersurvivor"]
    assert survivor["tag"] == "LungCancerSurvivor"  # CamelCase shown though lowercase exists
    assert survivor["stats"]["posts"] == 38 and survivor["stats"]["authors"] == 38
    assert survivor["stats"]["relevance"] == 1.0
    assert any("Seen with" in r for r in survivor["reasons"])
    lcsm_rank, lcsm = found["lcsm"]
    assert lcsm["stats"]["posts"] == 38
    if "cancer" in found:
        cancer_rank, cancer = found["cancer"]
        assert cancer_rank > lcsm_rank and cancer_rank > found["lungcancer"][0]
        assert cancer["stats"]["relevance"] < 0.1
    assert answer["evidence_posts"] >= 38


def test_a_tag_seen_by_one_account_only_is_not_suggested(
    suggester: Suggester, store: Store
) -> None:
    store.save_posts([post("#LCSM #BuyMyProduct", at=NOW, by=9) for _ in range(20)], [], now=NOW)
    assert "buymyproduct" not in tags(suggester.suggest("lung cancer", today=TODAY, limit=25))


def test_an_ambiguous_tag_is_flagged_by_its_observed_relevance(
    suggester: Suggester, store: Store
) -> None:
    posts = [post("#MS #Microsoft #Azure outage", at=NOW, by=n) for n in range(50)]
    posts += [post("#MS #MultipleSclerosis relapse", at=NOW, by=100 + n) for n in range(5)]
    store.save_posts(posts, [], now=NOW)
    answer = suggester.suggest("multiple sclerosis", today=TODAY, limit=25).as_json()
    ms = next(s for s in answer["suggestions"] if s["tag"] == "MS")
    assert ms["stats"]["relevance"] < 0.2
    assert any("mostly used for other things" in r for r in ms["reasons"])
    ranks = [s["tag"] for s in answer["suggestions"]]
    assert ranks.index("MultipleSclerosis") < ranks.index("MS")


def test_text_no_condition_matches_is_answered_from_posts_with_an_honest_note(
    suggester: Suggester, store: Store
) -> None:
    store.save_posts(
        [
            post(f"living with xyzosis today #XyzWarriors #rare{n % 2}", at=NOW, by=n)
            for n in range(6)
        ],
        [],
        now=NOW,
    )
    result = suggester.suggest("xyzosis", today=TODAY)
    assert result.understanding.primary is None
    assert tags(result)[0] == "xyzwarriors"
    assert any(
        "No condition in the knowledge base matches" in n and "6 stored posts" in n
        for n in result.notes
    )


def test_unknown_text_with_no_posts_says_what_to_try(suggester: Suggester) -> None:
    result = suggester.suggest("qwertyuiop", today=TODAY)
    assert result.suggestions == ()
    assert "lung cancer" in result.notes[0] and "track" in result.notes[0]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "lung cancer " * 500,
        'NEAR("lung" "cancer")',
        'lung* AND "cancer',
        "'; DROP TABLE posts; --",
        "🫁 lung cancer 🎗️",
        "lung\x00cancer\x1b[31m",
        "#",
        "####",
        "\u202eregnac gnul",
    ],
)
def test_bad_input_gets_a_helpful_answer_never_an_error(
    suggester: Suggester, store: Store, text: str
) -> None:
    seed_lung_cancer_posts(store)
    result = suggester.suggest(text, today=TODAY)
    assert result.suggestions or result.notes
    assert store.counts()["posts"] > 0


def test_two_conditions_in_one_text_are_both_answered(suggester: Suggester) -> None:
    result = suggester.suggest("lung cancer and Crohn’s disease", today=TODAY, limit=25)
    assert [m.condition.id for m in result.understanding.matches] == [
        "lung-cancer",
        "crohns-disease",
    ]
    assert {"lcsm", "crohns"} <= set(tags(result))


def test_limit_is_respected(suggester: Suggester) -> None:
    assert len(suggester.suggest("breast cancer", today=TODAY, limit=3).suggestions) == 3


def test_answering_for_another_day_leaves_the_co_occurrence_window_alone(
    suggester: Suggester, store: Store
) -> None:
    seed_lung_cancer_posts(store)
    store.rebuild_cooccur_window(TODAY)
    later = date(2027, 12, 1)
    suggester.suggest("lung cancer", today=later)
    assert store.window_day() == TODAY.toordinal()
    today_answer = suggester.suggest("lung cancer", today=TODAY, limit=25).as_json()
    assert any(s["tag"] == "LungCancerSurvivor" for s in today_answer["suggestions"])


def test_the_copy_line_takes_one_tag_per_event_and_no_near_twins(suggester: Suggester) -> None:
    june = suggester.suggest("breast cancer", today=TODAY.replace(month=6, day=1), limit=25)
    copied = copy_tags(june.suggestions, count=25)
    events = [s.event for s in june.suggestions if s.tag in copied and s.event]
    assert len(events) == len(set(events))  # #NCSD or #NationalCancerSurvivorsDay, not both
    keys = [t.casefold().removesuffix("s") for t in copied]
    assert len(keys) == len(set(keys))  # #ClinicalTrials or #ClinicalTrial, not both
    assert {"ClinicalTrials", "ClinicalTrial"} & {s.tag for s in june.suggestions}


def test_a_tag_that_means_something_else_is_flagged_and_never_copied(suggester: Suggester) -> None:
    result = suggester.suggest("trying to conceive", today=TODAY, limit=25)
    ttc = next(s for s in result.suggestions if s.tag == "TTC")
    assert "Toronto" in ttc.warning
    assert "TTC" not in copy_tags(result.suggestions)
    assert ttc.as_json()["warning"] == ttc.warning


def test_a_calendar_tag_months_off_is_shown_but_not_copied_until_its_month_nears(
    suggester: Suggester,
) -> None:
    def answer(day: date) -> tuple[dict[str, str], list[str]]:
        result = suggester.suggest("celiac disease", today=day, limit=25)
        shown = {s.tag: s.evidence for s in result.suggestions if s.event}
        return shown, copy_tags(result.suggestions, count=25)

    shown, copied = answer(TODAY)  # late November: the congress and the day are in May
    assert shown["DDW2027"] == "usually May–Jun 2027; check the meeting's own dates"
    assert shown["ClinicalTrialsDay"] == "next 20 May 2027"
    assert "CeliacDisease" in copied
    assert not {"DDW2027", "ClinicalTrialsDay"} & set(copied)

    shown, copied = answer(date(2027, 5, 10))  # ten days before Clinical Trials Day
    assert {"DDW2027", "ClinicalTrialsDay"} <= set(copied)
    as_json = suggester.suggest("celiac disease", today=date(2027, 5, 10), limit=25).as_json()
    assert as_json["copy"] == copied[:5]  # --json carries the Copy line too
