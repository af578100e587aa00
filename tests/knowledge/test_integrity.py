from __future__ import annotations

import re
from collections import Counter
from datetime import date

from bot.domain.hashtags import is_valid_tag
from bot.domain.knowledge import AREAS, KnowledgeBase
from bot.knowledge.loader import DATA_DIR, read_knowledge


def test_the_shipped_knowledge_base_has_no_integrity_problems() -> None:
    _, problems = read_knowledge()
    assert problems == []


def test_it_covers_at_least_150_conditions_across_every_therapeutic_area(kb: KnowledgeBase) -> None:
    assert len(kb.conditions) >= 150
    per_area = Counter(c.area for c in kb.conditions.values())
    for area in AREAS[:-1]:  # every named area, not "other"
        assert per_area[area] >= 8, area


def test_every_tag_is_a_valid_hashtag_with_a_source(kb: KnowledgeBase) -> None:
    for condition in kb.conditions.values():
        assert any(t.kind in ("community", "condition") for t in condition.tags), condition.id
        for tag in condition.tags:
            assert is_valid_tag(tag.tag) and tag.source, (condition.id, tag.tag)
    for event in kb.awareness:
        assert event.source and all(is_valid_tag(t) for t in event.tags), event.id
    for conference in kb.conferences:
        assert conference.source and is_valid_tag(conference.tag(2026)), conference.id


def test_every_calendar_entry_gives_real_dates_for_the_coming_years(kb: KnowledgeBase) -> None:
    for event in kb.awareness:
        for year in (2026, 2027, 2028):
            window = event.rule.window(year)
            assert window.start.year == year and window.start <= window.end, event.id
    for conference in kb.conferences:
        year, window = conference.current_or_next(date(2026, 11, 27))
        assert conference.held_in(year) and window.start <= window.end, conference.id


def test_the_anchor_facts_from_the_brief_are_present(kb: KnowledgeBase) -> None:
    lung = {t.tag for t in kb.conditions["lung-cancer"].tags}
    assert {"LCSM", "LungCancer"} <= lung
    lcam = [e for e in kb.awareness if "LCAM" in e.tags]
    assert lcam and lcam[0].rule.window(2026).start == date(2026, 11, 1)
    asco = [c for c in kb.conferences if c.tag_prefix == "ASCO"]
    assert asco and asco[0].tag(2026) == "ASCO26"


def test_no_note_or_source_is_cut_short_by_an_unquoted_yaml_comment() -> None:
    cut = re.compile(r"^\s*(- )?(note|source|name): [^\"'\[{#][^#]* #")
    for path in DATA_DIR.glob("*.yaml"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not cut.match(line), f"{path.name}:{number} needs quotes: {line.strip()}"


def test_an_event_without_a_verified_tag_stays_in_the_calendar_and_suggests_nothing(
    kb: KnowledgeBase,
) -> None:
    from bot.domain.upcoming import upcoming_for

    epilepsy = next(e for e in kb.awareness if e.id == "epilepsy-awareness-month")
    assert epilepsy.tags == () and "no hashtag" in epilepsy.source
    coming = upcoming_for(kb, kb.conditions["epilepsy"], date(2026, 11, 2))
    assert any(u.name.startswith("National Epilepsy Awareness Month") for u in coming)


def test_an_event_without_a_verified_tag_offers_tags_for_a_census_to_measure(
    kb: KnowledgeBase,
) -> None:
    prostate = next(e for e in kb.awareness if e.id == "prostate-cancer-awareness-month")
    assert prostate.tags == ()
    assert prostate.candidate_tags() == (
        "EatItToBeatIt",  # the Prostate Cancer Foundation's own, named in the source
        "ProstateCancerAwarenessMonth",
        "ProstateCancerMonth",
    )
    for event in kb.awareness:
        assert all(is_valid_tag(t) for t in event.candidate_tags()), event.id
        if event.candidates:
            assert event.source, event.id
