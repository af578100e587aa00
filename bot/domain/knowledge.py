"""Typed knowledge-base values: conditions, their tags, awareness events and conferences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.domain.calendar import AnnualRule, Window

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


@dataclass(frozen=True)
class Awareness:
    id: str
    name: str
    tags: tuple[str, ...]
    rule: AnnualRule
    source: str
    conditions: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    region: str = "global"


@dataclass(frozen=True)
class ConferenceDates:
    start: date
    end: date
    city: str = ""


@dataclass(frozen=True)
class Conference:
    id: str
    name: str
    tag_prefix: str
    source: str
    months: tuple[int, ...]
    organizer: str = ""
    year_digits: int = 2
    conditions: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    dates: dict[int, ConferenceDates] = field(default_factory=dict)
    years: str = "every"  # every | even | odd: biennial meetings
    fixed_tag: str = ""  # the same tag every year (#ESCCongress); then tag_prefix is ""

    def held_in(self, year: int) -> bool:
        return self.years == "every" or (year % 2 == 0) == (self.years == "even")

    def tag(self, year: int) -> str:
        """The meeting's tag for that year: the fixed tag, or the prefix plus the year."""
        if self.fixed_tag:
            return self.fixed_tag
        suffix = str(year)[-2:] if self.year_digits == 2 else str(year)
        return f"{self.tag_prefix}{suffix}"

    def window(self, year: int) -> Window:
        """Exact dates when known, else the usual months of that year."""
        known = self.dates.get(year)
        if known:
            return Window(known.start, known.end)
        first, last = min(self.months), max(self.months)
        return Window(
            AnnualRule(month=first).window(year).start, AnnualRule(month=last).window(year).end
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
