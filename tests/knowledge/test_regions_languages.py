"""Where a fact belongs, which language a tag is in, when it was checked: read, or refused by name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.domain.calendar import AnnualRule
from bot.domain.knowledge import Awareness, Conference, KnowledgeBase
from bot.knowledge.loader import read_knowledge

TAG = """\
conditions:
  - id: celiac-disease
    name: Celiac disease
    area: immunology
    tags:
      - tag: Celiac
        kind: condition
        source: beyondceliac.org
{extra}
"""

EVENT = """\
conditions:
  - id: prostate-cancer
    name: Prostate cancer
    area: oncology
    tags:
      - tag: ProstateCancer
        kind: condition
        source: pcf.org
awareness:
  - id: pcam
    name: Prostate Cancer Awareness Month
    conditions: [prostate-cancer]
    tags: []
    when: {{month: 9}}
    source: pcf.org
{extra}
"""


def _read(tmp_path: Path, text: str) -> tuple[KnowledgeBase, list[str]]:
    (tmp_path / "data.yaml").write_text(text, encoding="utf-8")
    return read_knowledge(tmp_path)


def _tag(tmp_path: Path, extra: str) -> tuple[KnowledgeBase, list[str]]:
    indented = "\n".join(f"        {line}" for line in extra.splitlines())
    return _read(tmp_path, TAG.format(extra=indented))


@pytest.mark.parametrize(
    ("extra", "regions"),
    [
        ("region: US", ("US",)),
        ("region: [US, CA]", ("US", "CA")),
        ("region: global", ()),
        ("", ()),
    ],
)
def test_a_region_is_one_iso_code_or_a_list(
    tmp_path: Path, extra: str, regions: tuple[str, ...]
) -> None:
    kb, problems = _tag(tmp_path, extra)
    assert problems == []
    assert kb.conditions["celiac-disease"].tags[0].regions == regions


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        ("region: UK", "region 'UK' is not an ISO 3166-1 alpha-2 country code; write GB"),
        ("region: [US, EU]", "region 'EU' is not an ISO 3166-1 alpha-2 country code"),
        ("region: us", "in capitals (US)"),
        ("region: USA", "'USA' is not an ISO 3166-1 alpha-2"),
        ("region: [global, US]", "'global' stands alone"),
        ("regions: [US]", "unknown key 'regions' (write 'region')"),
        ("lang: en", "only for a language other than English"),
        ("lang: spanish", "'spanish' is not an ISO 639-1 language code"),
        ("checked: 2999-01-01", "in the future"),
        ("checked: last week", "checked must be a date"),
        ("plain: yes please", "plain must be true or false"),
    ],
)
def test_a_bad_region_language_or_date_is_refused_naming_the_file_and_the_tag(
    tmp_path: Path, extra: str, complaint: str
) -> None:
    _, problems = _tag(tmp_path, extra)
    assert any(
        p.startswith("data.yaml condition celiac-disease tag 'Celiac':") and complaint in p
        for p in problems
    ), problems


def test_a_tag_in_another_language_keeps_its_code_and_the_date_it_was_checked(
    tmp_path: Path,
) -> None:
    kb, problems = _tag(tmp_path, "lang: es\nregion: [ES, MX]\nchecked: 2026-12-07")
    assert problems == []
    tag = kb.conditions["celiac-disease"].tags[0]
    assert (tag.lang, tag.regions, tag.checked) == ("es", ("ES", "MX"), date(2026, 12, 7))


def test_plain_is_for_the_conditions_own_name_not_a_treatment(tmp_path: Path) -> None:
    text = TAG.format(extra="").replace("kind: condition", "kind: treatment")
    _, problems = _read(tmp_path, text + "        plain: true\n")
    assert any("plain is for the condition's own name" in p for p in problems), problems


def test_common_word_is_for_one_everyday_word(tmp_path: Path) -> None:
    _, problems = _tag(tmp_path, "common_word: true")
    assert problems == []
    text = TAG.format(extra="").replace("tag: Celiac", "tag: CeliacLife")
    _, problems = _read(tmp_path, text + "        common_word: true\n")
    assert any("single everyday word" in p for p in problems), problems


def test_an_events_region_reads_as_the_display_form_answers_show(tmp_path: Path) -> None:
    kb, problems = _read(tmp_path, EVENT.format(extra="    region: [US, CA]"))
    assert problems == []
    (event,) = kb.awareness
    assert event.regions == ("US", "CA") and event.region == "US, CA"
    world = Awareness("d", "World Day", (), AnnualRule(month=1), "who.int")
    assert world.region == "global"


def test_an_event_observed_in_another_language_carries_its_code(tmp_path: Path) -> None:
    extra = "    lang: pt\n    region: [BR, PT]"
    kb, problems = _read(tmp_path, EVENT.format(extra=extra))
    assert problems == []
    assert (kb.awareness[0].lang, kb.awareness[0].region) == ("pt", "BR, PT")


def test_candidate_tags_put_the_organisers_own_first_then_the_forms_built_from_the_name() -> None:
    month = Awareness(
        "pcam", "Prostate Cancer Awareness Month", (), AnnualRule(month=9), "pcf.org",
        candidates=("ProstateCancerAwarenessMonth", "PCAM"),
    )  # fmt: skip
    assert month.candidate_tags() == ("ProstateCancerAwarenessMonth", "PCAM", "ProstateCancerMonth")
    week = Awareness("w", "Crohn's & Colitis Awareness Week", (), AnnualRule(month=12), "x.org")
    assert week.candidate_tags() == ("CrohnsAndColitisAwarenessWeek", "CrohnsAndColitisWeek")
    day = Awareness("d", "World MS Day", ("WorldMSDay",), AnnualRule(month=5), "msif.org")
    assert day.candidate_tags() == ()  # its own verified tag is not a candidate
    bracketed = Awareness("o", "Octobre Rose (France)", (), AnnualRule(month=10), "x.fr")
    assert bracketed.candidate_tags() == ("OctobreRose",)


def test_a_candidate_must_not_also_be_a_verified_tag(tmp_path: Path) -> None:
    text = EVENT.format(extra="    candidates: [PCSM]").replace("tags: []", "tags: [pcsm]")
    _, problems = _read(tmp_path, text)
    assert any("verified tag and a candidate" in p for p in problems), problems


def test_a_congress_numbered_by_edition_until_a_year_tags_years_after_it() -> None:
    eha = Conference(
        "eha", "EHA Congress", "EHA", "ehaweb.org", (6,), year_digits=4, numbered_until=(2020, 25)
    )
    assert [eha.tag(y) for y in (2019, 2020, 2021, 2026)] == [
        "EHA24",
        "EHA25",
        "EHA2021",
        "EHA2026",
    ]


@pytest.mark.parametrize(
    ("lines", "complaint"),
    [
        (
            "    dates:\n      2026: {start: 2026-06-11, end: 2026-06-14, city: Stockholm}",
            "start and end only",
        ),
        ("    numbered_until: {year: 2020}", "numbered_until is {year: YYYY, edition: N}"),
        ("    years: even\n    numbered_until: {year: 2020, edition: 25}", "every year"),
    ],
)
def test_congress_dates_and_editions_are_checked(
    tmp_path: Path, lines: str, complaint: str
) -> None:
    text = EVENT.format(extra="").split("awareness:")[0] + (
        "conferences:\n  - id: eha\n    name: EHA\n    tag_prefix: EHA\n    year_digits: 4\n"
        f"    conditions: [prostate-cancer]\n    months: [6]\n    source: ehaweb.org\n{lines}\n"
    )
    _, problems = _read(tmp_path, text)
    assert any("conference eha" in p and complaint in p for p in problems), problems


@pytest.mark.parametrize(
    ("condition", "tag", "regions"),
    [
        ("diabetes", "GBDOC", ("GB",)),
        ("diabetes", "OzDOC", ("AU",)),
        ("leukemia", "Leukaemia", ("GB", "IE", "AU", "NZ")),
        ("amyotrophic-lateral-sclerosis", "MND", ("GB", "IE", "AU", "NZ")),
        ("leukemia", "Leukemia", ()),
    ],
)
def test_national_communities_and_spellings_carry_their_countries(
    kb: KnowledgeBase, condition: str, tag: str, regions: tuple[str, ...]
) -> None:
    found = next(t for t in kb.conditions[condition].tags if t.tag == tag)
    assert found.regions == regions


def test_uk_events_are_listed_under_gb_and_world_days_everywhere(kb: KnowledgeBase) -> None:
    by_id = {e.id: e for e in kb.awareness}
    assert by_id["mouth-cancer-action-month"].regions == ("GB",)
    assert by_id["world-cancer-day"].regions == () and by_id["world-cancer-day"].region == "global"
    assert all("UK" not in e.regions for e in kb.awareness)
