"""Typed knowledge-base values: conditions, their tags, awareness events and conferences."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from bot.domain.calendar import AnnualRule, Window
from bot.domain.hashtags import tag_key

AREAS = (
    "oncology",
    "neurology",
    "immunology",
    "cardiometabolic",
    "respiratory",
    "infectious-disease",
    "mental-health",
    "womens-health",
    "rare-disease",
    "other",
)
CONDITION_TAG_KINDS = ("community", "condition", "treatment", "research")
GLOBAL = "global"  # how a fact that belongs everywhere (no `regions`) is shown


def region_label(regions: tuple[str, ...]) -> str:
    """'global', or the ISO 3166-1 codes as people read them: 'US', 'BR, PT'."""
    return ", ".join(regions) if regions else GLOBAL


@dataclass(frozen=True)
class CuratedTag:
    tag: str
    kind: str
    note: str
    source: str
    since: int | None = None
    ambiguous: bool = False
    # False: no organiser, chat or study names it; suggested only when collected posts back it
    verified: bool = True
    regions: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 codes where it belongs; () = everywhere
    lang: str = ""  # ISO 639-1, only for a tag in a language other than English
    plain: bool = False  # the condition's plain name or usual acronym (#LungCancer): never hidden
    common_word: bool = False  # one everyday word with many meanings (#Stroke): listen with care
    checked: date | None = None  # when its source was last re-checked


@dataclass(frozen=True)
class Condition:
    id: str
    name: str
    area: str
    tags: tuple[CuratedTag, ...]
    synonyms: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    misspellings: tuple[str, ...] = ()
    parent: str | None = None
    alone: tuple[str, ...] = ()  # words that name it only as the whole query ("cancer")
    names: tuple[tuple[str, str], ...] = ()  # (ISO 639-1 code, name) in languages besides English

    @property
    def other_names(self) -> tuple[str, ...]:
        """Its names in other languages (Brustkrebs, cáncer de mama), understood as synonyms."""
        return tuple(name for _, name in self.names)

    @property
    def plain_tags(self) -> tuple[CuratedTag, ...]:
        """Its plain-name tags (#Alzheimers, #Celiac), verified or not: these are never hidden."""
        return tuple(t for t in self.tags if t.plain)


# The customary endings of an event's own tag (#ProstateCancerAwarenessMonth, #WorldMSDay).
_PERIODS = ("Month", "Week", "Day")
_AWARENESS = "Awareness"
_WORD = re.compile(r"[^\W_]+")


def camel_case(name: str) -> str:
    """'Prostate Cancer Awareness Month' -> 'ProstateCancerAwarenessMonth': the part in brackets,
    apostrophes and punctuation dropped, '&' read as 'and', each word's first letter raised and
    the rest kept (MS, ADHD stay)."""
    text = unicodedata.normalize("NFC", re.sub(r"\(.*?\)", " ", name)).replace("&", " and ")
    text = re.sub(r"['’](?=\w)", "", text)  # Alzheimer's -> Alzheimers
    return "".join(w[0].upper() + w[1:] for w in _WORD.findall(text))


@dataclass(frozen=True)
class Awareness:
    id: str
    name: str
    tags: tuple[str, ...]
    rule: AnnualRule
    source: str
    conditions: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 codes; () = observed everywhere
    lang: str = ""  # ISO 639-1 of its name and tags, only when not English
    # The organiser's own tags not verified in use yet: measured by a census before suggested
    candidates: tuple[str, ...] = ()
    checked: date | None = None

    @property
    def region(self) -> str:
        """'global' or 'US', 'BR, PT': the display form answers and digests show."""
        return region_label(self.regions)

    def candidate_tags(self) -> tuple[str, ...]:
        """Tags worth measuring for this event: the organiser's candidates first, then the forms
        built from its name (see SCHEMA.md), without the verified tags or repeats."""
        full = camel_case(self.name)
        forms = [*self.candidates, full]
        period = next((p for p in _PERIODS if full.endswith(p)), "")
        if period and full.endswith(_AWARENESS + period) and len(full) > len(_AWARENESS + period):
            forms.append(full[: -len(_AWARENESS + period)] + period)  # ProstateCancerMonth
        seen = {tag_key(t) for t in self.tags}
        found: list[str] = []
        for form in forms:
            if form and tag_key(form) not in seen:
                seen.add(tag_key(form))
                found.append(form)
        return tuple(found)


@dataclass(frozen=True)
class ConferenceDates:
    start: date
    end: date


@dataclass(frozen=True)
class Conference:
    id: str
    name: str
    tag_prefix: str
    source: str
    months: tuple[int, ...]
    year_digits: int = 2
    conditions: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    dates: dict[int, ConferenceDates] = field(default_factory=dict)
    years: str = "every"  # every | even | odd: biennial meetings
    fixed_tag: str = ""  # the same tag every year (#ESCCongress); then tag_prefix is ""
    # (year, edition): until that year the tag was the prefix plus the edition number (EHA25 in
    # 2020), counting one edition a year back from it; year tags after it
    numbered_until: tuple[int, int] | None = None
    regions: tuple[str, ...] = ()  # only for a truly national meeting
    checked: date | None = None

    def held_in(self, year: int) -> bool:
        return self.years == "every" or (year % 2 == 0) == (self.years == "even")

    def tag(self, year: int) -> str:
        """The meeting's tag for that year: the fixed tag, or the prefix plus the year."""
        if self.fixed_tag:
            return self.fixed_tag
        if self.numbered_until and year <= self.numbered_until[0]:
            last_year, last_edition = self.numbered_until
            return f"{self.tag_prefix}{last_edition - (last_year - year)}"
        suffix = str(year)[-2:] if self.year_digits == 2 else str(year)
        return f"{self.tag_prefix}{suffix}"

    def window(self, year: int) -> Window:
        """Exact dates when known, else the usual months of that year."""
        known = self.dates.get(year)
        if known:
            return Window(known.start, known.end)
        first, last = min(self.months), max(self.months)
        return Window(
            AnnualRule(month=first).window(year).start,
            AnnualRule(month=last).window(year).end,
            usual=True,
        )

    def current_or_next(self, today: date) -> tuple[int, Window]:
        for year in range(today.year, today.year + 3):
            if self.held_in(year) and self.window(year).end >= today:
                return year, self.window(year)
        raise ValueError(f"{self.id} is never held")


@dataclass(frozen=True)
class GeneralTag:
    tag: str
    note: str
    source: str
    areas: tuple[str, ...] = ("all",)
    conditions: tuple[str, ...] = ()  # when set, only these conditions (and their subtypes)
    regions: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 codes; () = everywhere
    checked: date | None = None

    def applies_to(self, area: str, lineage: set[str]) -> bool:
        if self.conditions:
            return bool(lineage & set(self.conditions))
        return "all" in self.areas or area in self.areas


@dataclass(frozen=True)
class KnowledgeBase:
    conditions: dict[str, Condition]
    awareness: tuple[Awareness, ...]
    conferences: tuple[Conference, ...]
    general: tuple[GeneralTag, ...]
    version: str
    also_means: dict[str, str] = field(default_factory=dict)  # tag_key -> what else the tag means

    def lineage(self, condition_id: str) -> list[Condition]:
        """The condition and its broader parents, nearest first."""
        chain: list[Condition] = []
        current: str | None = condition_id
        while current and current in self.conditions and len(chain) < 10:
            chain.append(self.conditions[current])
            current = self.conditions[current].parent
        return chain

    def children(self, condition_id: str) -> list[Condition]:
        return [c for c in self.conditions.values() if c.parent == condition_id]
