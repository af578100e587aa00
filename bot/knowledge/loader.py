"""Load the YAML data files once and check their integrity; problems are named, file by file."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec

from bot.clock import utc_today
from bot.domain.calendar import AnnualRule
from bot.domain.hashtags import is_valid_tag, tag_key
from bot.domain.knowledge import (
    AREAS,
    CONDITION_TAG_KINDS,
    Awareness,
    Condition,
    Conference,
    ConferenceDates,
    CuratedTag,
    GeneralTag,
    KnowledgeBase,
)
from bot.domain.text import normalize_term
from bot.knowledge import fields

DATA_DIR = Path(__file__).parent / "data"
KNOWLEDGE_VERSION = "2026-11"
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SECTIONS = {"conditions", "awareness", "conferences", "general", "ambiguous"}
# Text a person reads: a plain YAML value there must not contain " #", which starts a comment.
_READ_KEYS = ("name", "note", "source", "also_means")
_UNQUOTED_HASH = re.compile(rf"^\s*(?:- )?(?:{'|'.join(_READ_KEYS)}):\s+[^\s\"'|>\[{{].*?\s#")
_FILE_NAME = re.compile(r"[\w./-]*\w\.(?:md|ya?ml|py|txt|json)\b", re.IGNORECASE)
_CIRCULAR = re.compile(r"\b(?:x|twitter)\.com/hashtag/", re.IGNORECASE)
_CLOSING = {")": "(", "]": "[", "}": "{", "”": "“"}


class KnowledgeError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("Knowledge base problems:\n  " + "\n  ".join(problems))
        self.problems = problems


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.conditions: dict[str, Condition] = {}
        self.awareness: list[Awareness] = []
        self.conferences: list[Conference] = []
        self.general: list[GeneralTag] = []
        self.also_means: dict[str, str] = {}
        self._where: dict[str, str] = {}
        self.today = utc_today()

    def reporter(self, where: str) -> fields.Report:
        return lambda text: self.problem(where, text)

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"{where}: {text}")

    def text(self, where: str, entry: dict[str, Any], key: str, *, required: bool = True) -> str:
        value = entry.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(where, f"missing {key!r}")
            return ""
        text = str(value).strip()
        if key in _READ_KEYS:
            self.readable(where, key, text)
        return text

    def readable(self, where: str, key: str, text: str) -> None:
        """Text people read is whole, names real sources and never points back at the tag itself."""
        why = cut_short(text)
        if why:
            self.problem(where, f"{key} looks cut short ({why}): {text!r}")
        named = _FILE_NAME.search(text)
        if named:
            self.problem(where, f"{key} names an internal file ({named.group()}); name the source")
        if key == "source" and _CIRCULAR.search(text):
            self.problem(where, "a hashtag's own search page is not a source; name who uses it")

    def strings(self, where: str, entry: dict[str, Any], key: str) -> tuple[str, ...]:
        value = entry.get(key) or []
        if not isinstance(value, list):
            self.problem(where, f"{key!r} must be a list")
            return ()
        return tuple(str(v).strip() for v in value if str(v).strip())

    def tag(self, where: str, value: object) -> str:
        tag = str(value).strip().lstrip("#")
        if not is_valid_tag(tag):
            self.problem(where, f"{value!r} is not a valid hashtag")
        return tag

    def areas(
        self, where: str, entry: dict[str, Any], *, allow_all: bool = False
    ) -> tuple[str, ...]:
        areas = self.strings(where, entry, "areas")
        for area in areas:
            if area not in AREAS and not (allow_all and area == "all"):
                self.problem(where, f"unknown area {area!r}")
        return areas

    def read_file(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if _UNQUOTED_HASH.match(line):
                self.problem(
                    f"{path.name}:{number}",
                    "quote this value: ' #' starts a YAML comment and cuts it",
                )
        import yaml  # only when the compiled copy is stale: importing it costs a third of a load

        # libyaml's parser is about ten times faster than the pure-Python one; both read the same YAML.
        loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            data = yaml.load(text, Loader=loader) or {}
        except yaml.YAMLError as err:
            self.problem(path.name, f"not valid YAML: {err}")
            return
        if not isinstance(data, dict):
            self.problem(path.name, "must be a mapping of sections")
            return
        for section in set(data) - _SECTIONS:
            self.problem(path.name, f"unknown section {section!r}")
        for entry in data.get("conditions") or []:
            self.condition(path.name, entry)
        for entry in data.get("awareness") or []:
            self.awareness_entry(path.name, entry)
        for entry in data.get("conferences") or []:
            self.conference(path.name, entry)
        for entry in data.get("general") or []:
            self.general_entry(path.name, entry)
        for entry in data.get("ambiguous") or []:
            self.ambiguous_entry(path.name, entry)

    def condition(self, file: str, entry: dict[str, Any]) -> None:
        cid = str(entry.get("id", ""))
        where = f"{file} condition {cid or '?'}"
        fields.unknown_keys(entry, "condition", self.reporter(where))
        if not _ID.match(cid):
            self.problem(where, "id must be kebab-case")
        if cid in self.conditions:
            self.problem(where, f"duplicate id (also in {self._where[cid]})")
        area = self.text(where, entry, "area")
        if area and area not in AREAS:
            self.problem(where, f"unknown area {area!r}")
        tags = []
        for raw in entry.get("tags") or []:
            tag_where = f"{where} tag {raw.get('tag') if isinstance(raw, dict) else raw!r}"
            if not isinstance(raw, dict):
                self.problem(tag_where, "each tag is a mapping")
                continue
            report = self.reporter(tag_where)
            fields.unknown_keys(raw, "tag", report)
            kind = self.text(tag_where, raw, "kind")
            if kind and kind not in CONDITION_TAG_KINDS:
                self.problem(tag_where, f"kind must be one of {', '.join(CONDITION_TAG_KINDS)}")
            plain = fields.flag(raw, "plain", report)
            if plain and kind not in ("condition", "community"):
                self.problem(tag_where, "plain is for the condition's own name, not a " + kind)
            common_word = fields.flag(raw, "common_word", report)
            tag = self.tag(tag_where, raw.get("tag", ""))
            if common_word and not fields.one_word(tag):
                self.problem(tag_where, "common_word is for a single everyday word (#Stroke)")
            since = raw.get("since")
            if since is not None and not (
                isinstance(since, int) and 1990 <= since <= utc_today().year
            ):
                self.problem(tag_where, f"since must be a year, got {since!r}")
            tags.append(
                CuratedTag(
                    tag=tag,
                    kind=kind,
                    note=self.text(tag_where, raw, "note", required=kind != "condition"),
                    source=self.text(tag_where, raw, "source"),
                    since=since,
                    ambiguous=fields.flag(raw, "ambiguous", report),
                    verified=fields.flag(raw, "verified", report, default=True),
                    regions=fields.regions(raw, report),
                    lang=fields.lang(raw, report),
                    plain=plain,
                    common_word=common_word,
                    checked=fields.checked(raw, report, self.today),
                )
            )
        if not any(t.kind in ("community", "condition") for t in tags):
            self.problem(where, "needs at least one community or condition tag")
        if len({tag_key(t.tag) for t in tags}) != len(tags):
            self.problem(where, "lists a tag twice")
        parent = entry.get("parent") or None
        self.conditions[cid] = Condition(
            id=cid,
            name=self.text(where, entry, "name"),
            area=area,
            tags=tuple(tags),
            synonyms=self.strings(where, entry, "synonyms"),
            abbreviations=self.strings(where, entry, "abbreviations"),
            misspellings=self.strings(where, entry, "misspellings"),
            parent=str(parent) if parent else None,
            alone=self.strings(where, entry, "alone"),
            names=fields.names(entry, self.reporter(where)),
        )
        self._where[cid] = file

    def awareness_entry(self, file: str, entry: dict[str, Any]) -> None:
        where = f"{file} awareness {entry.get('id', '?')}"
        report = self.reporter(where)
        fields.unknown_keys(entry, "awareness", report)
        try:
            rule = AnnualRule.parse(entry.get("when"))  # type: ignore[arg-type]
        except ValueError as err:
            self.problem(where, str(err))
            rule = AnnualRule(month=1)
        if "tags" not in entry:
            self.problem(where, "needs `tags` (an empty list when no tag is verified)")
        # An event with no verified tag still belongs in the calendar (digests' "Coming up").
        tags = tuple(self.tag(where, t) for t in self.strings(where, entry, "tags"))
        candidates = tuple(self.tag(where, t) for t in self.strings(where, entry, "candidates"))
        for twice in {tag_key(t) for t in tags} & {tag_key(t) for t in candidates}:
            self.problem(where, f"#{twice} is a verified tag and a candidate: keep it in one")
        self.awareness.append(
            Awareness(
                id=self.text(where, entry, "id"),
                name=self.text(where, entry, "name"),
                tags=tags,
                rule=rule,
                source=self.text(where, entry, "source"),
                conditions=self.strings(where, entry, "conditions"),
                areas=self.areas(where, entry, allow_all=True),
                regions=fields.regions(entry, report),
                lang=fields.lang(entry, report),
                candidates=candidates,
                checked=fields.checked(entry, report, self.today),
            )
        )

    def conference(self, file: str, entry: dict[str, Any]) -> None:
        where = f"{file} conference {entry.get('id', '?')}"
        report = self.reporter(where)
        fields.unknown_keys(entry, "conference", report)
        self.text(where, entry, "organizer", required=False)  # documentation only, not kept
        months = entry.get("months") or []
        if not months or not all(isinstance(m, int) and 1 <= m <= 12 for m in months):
            self.problem(where, "months must be a list of month numbers 1-12")
            months = [1]
        digits = entry.get("year_digits", 2)
        if digits not in (2, 4):
            self.problem(where, "year_digits must be 2 or 4")
        fixed = "tag" in entry
        if fixed == ("tag_prefix" in entry):
            self.problem(
                where, "needs exactly one of `tag_prefix` (plus the year) or `tag` (fixed)"
            )
        elif fixed and "year_digits" in entry:
            self.problem(where, "year_digits goes with tag_prefix, not with a fixed `tag`")
        dates: dict[int, ConferenceDates] = {}
        for year, known in (entry.get("dates") or {}).items():
            try:
                if set(known) != {"start", "end"}:
                    raise ValueError("give start and end only (name the city in the source)")
                start, end = _as_date(known["start"]), _as_date(known["end"])
                if end < start or start.year != int(year):
                    raise ValueError("dates out of order or in another year")
                dates[int(year)] = ConferenceDates(start, end)
            except (KeyError, TypeError, ValueError) as err:
                self.problem(where, f"dates for {year}: {err}")
        prefix = "" if fixed else self.tag(where, entry.get("tag_prefix", ""))
        fixed_tag = self.tag(where, entry.get("tag", "")) if fixed else ""
        years = str(entry.get("years", "every"))
        if years not in ("every", "even", "odd"):
            self.problem(where, "years must be every, even or odd")
        numbered = self.numbered_until(where, entry, fixed=fixed, yearly=years == "every")
        self.conferences.append(
            Conference(
                id=self.text(where, entry, "id"),
                name=self.text(where, entry, "name"),
                tag_prefix=prefix,
                source=self.text(where, entry, "source"),
                months=tuple(months),
                year_digits=digits if digits in (2, 4) else 2,
                conditions=self.strings(where, entry, "conditions"),
                areas=self.areas(where, entry),
                dates=dates,
                years=years if years in ("even", "odd") else "every",
                fixed_tag=fixed_tag,
                numbered_until=numbered,
                regions=fields.regions(entry, report),
                checked=fields.checked(entry, report, self.today),
            )
        )

    def numbered_until(
        self, where: str, entry: dict[str, Any], *, fixed: bool, yearly: bool
    ) -> tuple[int, int] | None:
        """`numbered_until: {year: 2020, edition: 25}`: tags carried the edition number till then."""
        value = entry.get("numbered_until")
        if value is None:
            return None
        if fixed or not yearly:
            self.problem(where, "numbered_until needs tag_prefix and a meeting every year")
            return None
        if not isinstance(value, dict) or set(value) != {"year", "edition"}:
            self.problem(where, "numbered_until is {year: YYYY, edition: N}")
            return None
        year, edition = value["year"], value["edition"]
        if not (isinstance(year, int) and isinstance(edition, int) and 1 <= edition < year):
            self.problem(where, f"numbered_until needs whole numbers, got {value!r}")
            return None
        return year, edition

    def general_entry(self, file: str, entry: dict[str, Any]) -> None:
        where = f"{file} general {entry.get('tag', '?')}"
        report = self.reporter(where)
        fields.unknown_keys(entry, "general", report)
        self.general.append(
            GeneralTag(
                tag=self.tag(where, entry.get("tag", "")),
                note=self.text(where, entry, "note"),
                source=self.text(where, entry, "source"),
                areas=self.areas(where, entry, allow_all=True) or ("all",),
                conditions=self.strings(where, entry, "conditions"),
                regions=fields.regions(entry, report),
                checked=fields.checked(entry, report, self.today),
            )
        )

    def ambiguous_entry(self, file: str, entry: dict[str, Any]) -> None:
        where = f"{file} ambiguous {entry.get('tag', '?') if isinstance(entry, dict) else entry!r}"
        if not isinstance(entry, dict):
            self.problem(where, "each entry is a mapping of tag, also_means and source")
            return
        fields.unknown_keys(entry, "ambiguous", self.reporter(where))
        key = tag_key(self.tag(where, entry.get("tag", "")))
        also_means = self.text(where, entry, "also_means")
        self.text(where, entry, "source")
        if key in self.also_means:
            self.problem(where, "listed twice")
        self.also_means[key] = also_means

    def cross_checks(self) -> None:
        for condition in self.conditions.values():
            if condition.parent and condition.parent not in self.conditions:
                self.problem(f"condition {condition.id}", f"unknown parent {condition.parent!r}")
        seen: dict[str, str] = {}
        for condition in self.conditions.values():
            for term in _terms(condition):
                owner = seen.setdefault(term, condition.id)
                if owner != condition.id:
                    self.problem(
                        f"condition {condition.id}", f"{term!r} also names condition {owner}"
                    )
        for event in self.awareness:
            for cid in event.conditions:
                if cid not in self.conditions:
                    self.problem(f"awareness {event.id}", f"unknown condition {cid!r}")
            if not event.conditions and not event.areas:
                self.problem(f"awareness {event.id}", "needs conditions or areas")
        for conference in self.conferences:
            for cid in conference.conditions:
                if cid not in self.conditions:
                    self.problem(f"conference {conference.id}", f"unknown condition {cid!r}")
            if not conference.conditions and not conference.areas:
                self.problem(f"conference {conference.id}", "needs conditions or areas")
        fixed = [tag_key(c.fixed_tag) for c in self.conferences if c.fixed_tag]
        for dup in {k for k in fixed if fixed.count(k) > 1}:
            self.problem(f"conference #{dup}", "the same fixed tag names two congresses")
        ids = [e.id for e in self.awareness] + [c.id for c in self.conferences]
        for dup in {i for i in ids if ids.count(i) > 1}:
            self.problem(f"id {dup}", "used twice")
        for entry in self.general:
            for cid in entry.conditions:
                if cid not in self.conditions:
                    self.problem(f"general #{entry.tag}", f"unknown condition {cid!r}")
        for condition in self.conditions.values():
            for tag in condition.tags:
                if tag.ambiguous and tag_key(tag.tag) not in self.also_means:
                    self.problem(
                        f"condition {condition.id} tag {tag.tag}",
                        "ambiguous: needs an `ambiguous:` entry saying what else it means",
                    )
        general = [tag_key(g.tag) for g in self.general]
        for dup in {k for k in general if general.count(k) > 1}:
            self.problem(f"general #{dup}", "listed twice")


def cut_short(text: str) -> str | None:
    """Why a text a person reads looks cut off (an unclosed bracket or quote), or None."""
    open_marks: list[str] = []
    for char in text:
        if char in "([{“":
            open_marks.append(char)
        elif char in _CLOSING and (not open_marks or open_marks.pop() != _CLOSING[char]):
            return f"{char!r} closes nothing"
    if open_marks:
        return f"{open_marks[-1]!r} is never closed"
    if text.count('"') % 2:
        return "a '\"' is never closed"
    return None


def _terms(condition: Condition) -> Iterable[str]:
    names = (
        condition.name,
        *condition.synonyms,
        *condition.other_names,
        *condition.misspellings,
        *condition.abbreviations,
        *condition.alone,
    )
    return {normalize_term(n) for n in names if normalize_term(n)}


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def read_knowledge(data_dir: Path = DATA_DIR) -> tuple[KnowledgeBase, list[str]]:
    """Every data file read, with the list of integrity problems found (empty when sound)."""
    reader = _Reader()
    for path in sorted(data_dir.glob("*.yaml")):
        reader.read_file(path)
    reader.cross_checks()
    kb = KnowledgeBase(
        conditions=reader.conditions,
        awareness=tuple(reader.awareness),
        conferences=tuple(reader.conferences),
        general=tuple(reader.general),
        version=KNOWLEDGE_VERSION,
        also_means=reader.also_means,
    )
    return kb, reader.problems


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "hashtag-bot"


def _fingerprint(data_dir: Path) -> str:
    """Changes whenever a data file, or the code that reads them, changes."""
    digest = hashlib.sha256(KNOWLEDGE_VERSION.encode())
    domain = Path(__file__).parent.parent / "domain"
    readers = sorted(Path(__file__).parent.glob("*.py"))
    for path in (*readers, domain / "knowledge.py", domain / "calendar.py"):
        digest.update(path.read_bytes())
    for path in sorted(data_dir.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


_Compiled = tuple[KnowledgeBase, list[str]]


def read_compiled(data_dir: Path = DATA_DIR, cache_dir: Path | None = None) -> _Compiled:
    """read_knowledge, kept compiled (msgpack, no code runs on reading it) until a file changes."""
    if cache_dir is None:
        return read_knowledge(data_dir)
    cached = cache_dir / f"knowledge-{_fingerprint(data_dir)}.msgpack"
    try:
        return msgspec.msgpack.decode(cached.read_bytes(), type=_Compiled)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        pass  # not compiled yet, or written by another version: read the YAML
    compiled = read_knowledge(data_dir)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_dir, delete=False) as out:
            out.write(msgspec.msgpack.encode(compiled))
        os.replace(out.name, cached)
    except OSError:
        pass  # a read-only home still gets the knowledge base, just not faster next time
    return compiled


@lru_cache(maxsize=4)
def load_knowledge(data_dir: Path = DATA_DIR, cache_dir: Path | None = None) -> KnowledgeBase:
    """The knowledge base, loaded once; KnowledgeError lists every problem when it isn't sound."""
    kb, problems = read_compiled(data_dir, cache_dir or default_cache_dir())
    if problems:
        raise KnowledgeError(problems)
    return kb
