"""What a recruiter can rely on: sources that hold up, tags that say what else they mean, and an audit."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

from bot.domain.hashtags import tag_key
from bot.domain.knowledge import KnowledgeBase
from bot.knowledge.loader import DATA_DIR, load_knowledge, read_knowledge

CONDITION = """\
conditions:
  - id: lung-cancer
    name: Lung cancer
    area: oncology
    tags:
      - tag: LCSM
        kind: community
        note: Lung cancer social media
        source: {source}
"""


def _data_dir(tmp_path: Path, text: str) -> Path:
    (tmp_path / "data.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "source",
    [
        "the-rheumatologist.org (#ACR18, #ACR22 official meeting hashtags)",  # unquoted: cut at ' #'
        '"lcsmchat.com (coined June 2013"',
        "'lcsmchat.com [resources'",
        "'lcsmchat.com \"registered tag'",
    ],
)
def test_a_source_cut_short_is_rejected_with_the_file_and_tag_named(
    tmp_path: Path, source: str
) -> None:
    _, problems = read_knowledge(_data_dir(tmp_path, CONDITION.format(source=source)))
    assert problems, source
    assert all("data.yaml" in p for p in problems)
    assert any("cut short" in p or "quote this value" in p for p in problems)


def test_internal_file_names_and_hashtag_pages_are_not_sources(tmp_path: Path) -> None:
    for source, complaint in [
        ("FACTS.md awareness calendar", "internal file"),
        ("x.com/hashtag/LCSM", "not a source"),
    ]:
        _, problems = read_knowledge(_data_dir(tmp_path, CONDITION.format(source=source)))
        assert any(complaint in p for p in problems), source


def test_a_whole_source_loads(tmp_path: Path) -> None:
    kb, problems = read_knowledge(_data_dir(tmp_path, CONDITION.format(source="lcsmchat.com")))
    assert problems == []
    assert kb.conditions["lung-cancer"].tags[0].verified


def test_the_shipped_data_cites_no_hashtag_page_and_no_internal_file() -> None:
    for path in DATA_DIR.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "x.com/hashtag/" not in text, path.name
        assert "FACTS.md" not in text and "seeds/" not in text, path.name


def test_what_else_a_tag_means_is_loaded_for_every_kind_of_tag(kb: KnowledgeBase) -> None:
    assert "Toronto Transit Commission" in kb.also_means[tag_key("TTC")]
    assert "zodiac" in kb.also_means[tag_key("cancer")]
    assert "Golf" in kb.also_means[tag_key("#Stroke")]
    assert "Microsoft" in kb.also_means[tag_key("ms")]
    for condition in kb.conditions.values():
        for tag in condition.tags:
            if tag.ambiguous:
                assert kb.also_means.get(tag_key(tag.tag)), (condition.id, tag.tag)


def test_an_ambiguous_tag_without_its_other_meaning_is_a_problem(tmp_path: Path) -> None:
    text = CONDITION.format(source="lcsmchat.com") + "        ambiguous: true\n"
    _, problems = read_knowledge(_data_dir(tmp_path, text))
    assert any("what else it means" in p for p in problems)
    text += "ambiguous:\n  - tag: LCSM\n    also_means: Something else\n    source: example.org\n"
    kb, problems = read_knowledge(_data_dir(tmp_path, text))
    assert problems == [] and kb.also_means == {"lcsm": "Something else"}


def _python_m_bot_knowledge(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> str:
    monkeypatch.setattr("sys.argv", ["python -m bot.knowledge", *args])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("bot.knowledge", run_name="__main__")
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_the_audit_counts_sources_by_kind_and_lists_the_unverified_tags(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _python_m_bot_knowledge(monkeypatch, capsys, "--audit")
    for kind in ("organisation", "society", "paper", "chat", "seed", "unverified"):
        assert f"  {kind} " in out, kind
    assert "Unverified tags (" in out
    assert "#Type2Diabetes (type-2-diabetes): No organiser" in out
    assert "#LCSM" not in out.split("Unverified tags")[1]  # a documented community tag


def test_the_audit_counts_checked_facts_plain_tags_languages_and_countries(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _python_m_bot_knowledge(monkeypatch, capsys, "--audit")
    checked = re.search(r"Re-checked against their sources: (\d+) of (\d+) \(latest (\S+)\)", out)
    assert checked and 0 < int(checked[1]) <= int(checked[2]) and checked[3] == "2026-12-07"
    assert re.search(r"Plain tags: \d+ \(\d+ named by a source, \d+ shown as not measured", out)
    languages = re.search(r"Tags in other languages[^:]*: (.*)", out)
    assert languages and all(f"{lang} " in languages[1] for lang in ("de", "es", "fr", "it", "pt"))
    assert re.search(r"Facts given to countries \(\d+ facts\): US \d+, GB \d+", out)
    assert "Conditions without a plain tag: cancer" in out


def test_plain_python_m_bot_knowledge_still_reports_the_counts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _python_m_bot_knowledge(monkeypatch, capsys)
    assert "conditions:" in out and "Unverified" not in out


def test_unverified_tags_say_why_in_their_source(kb: KnowledgeBase) -> None:
    unverified = [t for c in kb.conditions.values() for t in c.tags if not t.verified]
    assert len(unverified) > 50
    assert all(t.source.startswith("No organiser") for t in unverified)


def test_the_compiled_copy_gives_the_same_knowledge_and_survives_an_unwritable_cache(
    tmp_path: Path,
) -> None:
    fresh, _ = read_knowledge()
    cache = tmp_path / "cache"
    load_knowledge.cache_clear()
    first = load_knowledge(DATA_DIR, cache)
    assert list(cache.glob("knowledge-*.msgpack"))
    load_knowledge.cache_clear()
    assert load_knowledge(DATA_DIR, cache) == first == fresh
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    load_knowledge.cache_clear()
    assert load_knowledge(DATA_DIR, blocked / "cache") == fresh
    load_knowledge.cache_clear()


def test_everyday_words_are_marked_so_listening_can_guard_them(kb: KnowledgeBase) -> None:
    common = {t.tag for c in kb.conditions.values() for t in c.tags if t.common_word}
    assert {"Stroke", "Depression", "Anxiety", "Bipolar", "Shingles"} <= common
    assert all(t.isalpha() and t[1:].islower() for t in common)


@pytest.mark.parametrize("tag", ["HCM", "HG", "GCAM"])
def test_short_acronyms_heavily_used_for_other_things_say_what(kb: KnowledgeBase, tag: str) -> None:
    assert kb.also_means.get(tag_key(tag))
