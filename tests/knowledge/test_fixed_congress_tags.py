"""A congress whose tag carries no year (#ESCCongress) beside the prefix-plus-year kind (#ASCO26)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.domain.knowledge import Conference, ConferenceDates, KnowledgeBase
from bot.knowledge.loader import read_knowledge

CONDITION = """
conditions:
  - id: heart-failure
    name: Heart failure
    area: cardiometabolic
    tags:
      - tag: HeartFailure
        kind: condition
        source: heart.org
"""

CONGRESS = """
conferences:
  - id: test-congress
    name: Test Congress
{naming}
    conditions: [heart-failure]
    months: [8, 9]
    source: escardio.org
"""


def _read(tmp_path: Path, naming: str, extra: str = "") -> tuple[KnowledgeBase, list[str]]:
    text = CONDITION + CONGRESS.format(naming=naming) + extra
    (tmp_path / "data.yaml").write_text(text, encoding="utf-8")
    return read_knowledge(tmp_path)


def test_a_fixed_tag_is_the_same_every_year() -> None:
    esc = Conference("esc", "ESC Congress", "", "escardio.org", (8, 9), fixed_tag="ESCCongress")
    assert esc.tag(2026) == esc.tag(2027) == "ESCCongress"
    dated = Conference("asco", "ASCO", "ASCO", "asco.org", (5, 6))
    assert dated.tag(2026) == "ASCO26"


def test_a_fixed_tag_keeps_the_usual_months_and_known_dates() -> None:
    known = {2026: ConferenceDates(date(2026, 8, 28), date(2026, 8, 31))}
    esc = Conference(
        "esc", "ESC Congress", "", "escardio.org", (8, 9), dates=known, fixed_tag="ESCCongress"
    )
    year, window = esc.current_or_next(date(2026, 8, 1))
    assert (year, window.start, window.end) == (2026, date(2026, 8, 28), date(2026, 8, 31))
    year, window = esc.current_or_next(date(2026, 9, 1))
    assert (year, window.start, window.end) == (2027, date(2027, 8, 1), date(2027, 9, 30))


def test_the_loader_reads_a_fixed_tag(tmp_path: Path) -> None:
    kb, problems = _read(tmp_path, "    tag: '#ESCCongress'")
    assert problems == []
    (congress,) = kb.conferences
    assert congress.fixed_tag == "ESCCongress" and congress.tag_prefix == ""
    assert congress.tag(2030) == "ESCCongress"


@pytest.mark.parametrize(
    ("naming", "complaint"),
    [
        ("    tag: ESCCongress\n    tag_prefix: ESC", "exactly one of"),
        ("    organizer: European Society of Cardiology", "exactly one of"),
        ("    tag: ESCCongress\n    year_digits: 4", "year_digits goes with tag_prefix"),
        ("    tag: ESC Congress", "not a valid hashtag"),
    ],
)
def test_a_congress_names_its_tag_exactly_one_way(
    tmp_path: Path, naming: str, complaint: str
) -> None:
    _, problems = _read(tmp_path, naming)
    assert any("test-congress" in p and complaint in p for p in problems), problems


def test_one_fixed_tag_cannot_name_two_congresses(tmp_path: Path) -> None:
    twin = CONGRESS.format(naming="    tag: escCONGRESS").replace("test-congress", "twin")
    _, problems = _read(tmp_path, "    tag: ESCCongress", twin.replace("conferences:", ""))
    assert any("two congresses" in p for p in problems), problems


def test_the_shipped_congresses_include_fixed_and_year_tags(kb: KnowledgeBase) -> None:
    by_id = {c.id: c for c in kb.conferences}
    assert by_id["esc-congress"].tag(2026) == "ESCCongress"
    assert by_id["era-congress"].tag(2026) == "ERA26"
    for conference in kb.conferences:
        assert bool(conference.fixed_tag) != bool(conference.tag_prefix), conference.id
