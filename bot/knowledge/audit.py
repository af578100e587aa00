"""What the knowledge base's facts rest on: organisations, societies, papers, chats, or nothing yet."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from bot.domain.knowledge import KnowledgeBase

# Kinds of source, in the order they are reported; a source can name several.
SOURCE_KINDS = {
    "paper": "papers and study abstracts",
    "society": "professional societies and their congresses",
    "chat": "community chats and their organisers",
    "organisation": "patient organisations, charities, agencies and other named sites",
    "seed": "the seed document (The power of hashtags for clinical research)",
    "unverified": "nothing found beyond the tag's own use (suggested only when posts back it)",
}
_PAPER = re.compile(
    r"\bet al\b|\bJAMA\b|\bdoi\b|journal|\bJ Med\b|\bAm J\b|Rheumatology International"
    r"|\babstract\b|pubmed|\b(?:19|20)\d\d;\d+\(\d+\)|research letter|\bLancet\b|\bBMJ\b",
    re.IGNORECASE,
)
_SOCIETY = re.compile(
    r"\bsociety\b|\bsocieties\b|\bcollege\b|\bacademy\b|congress|annual meeting|scientific session"
    r"|\b(?:asco|esmo|astro|aacr|ash|eha|acr|eular|ats|ers|easd|aha|acc|iaslc|ilae|isbd|eado)\b"
    r"|asco\.org|esmo\.org|hematology\.org|thoracic\.org|rheumatology\.org|acc\.org|sgo\.org",
    re.IGNORECASE,
)
_CHAT = re.compile(r"\bchat\b|tweet ?chat|chat\.com|socmed|bcsm\.org|\bcommunity\b", re.IGNORECASE)
_SEED = re.compile(r"power of hashtags for clinical research", re.IGNORECASE)
_NAMED = re.compile(
    r"\w\.(?:org|com|net|gov|int|edu|eu|ie|uk|au|ca|de|fr|es|it|info|life)\b|\b[A-Z]"
)


def source_kinds(source: str) -> set[str]:
    """Which kinds of source a `source` text names (by the words it uses)."""
    kinds = {
        kind
        for kind, pattern in (
            ("paper", _PAPER),
            ("society", _SOCIETY),
            ("chat", _CHAT),
            ("seed", _SEED),
        )
        if pattern.search(source)
    }
    if _NAMED.search(_SEED.sub("", source)) and not kinds - {"seed"}:
        kinds.add("organisation")
    return kinds


@dataclass(frozen=True)
class Fact:
    what: str  # "#LCSM (lung-cancer)", "awareness world-cancer-day"
    source: str
    verified: bool = True
    checked: date | None = None  # when its source was last re-checked
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Audit:
    facts: tuple[Fact, ...]
    per_kind: dict[str, int]

    @property
    def unverified(self) -> list[Fact]:
        return [f for f in self.facts if not f.verified]


def facts_of(kb: KnowledgeBase) -> list[Fact]:
    """Every sourced statement the knowledge base makes."""
    facts = [
        Fact(f"#{tag.tag} ({condition.id})", tag.source, tag.verified, tag.checked, tag.regions)
        for condition in kb.conditions.values()
        for tag in condition.tags
    ]
    facts += [
        Fact(f"awareness {e.id}", e.source, checked=e.checked, regions=e.regions)
        for e in kb.awareness
    ]
    facts += [
        Fact(f"conference {c.id}", c.source, checked=c.checked, regions=c.regions)
        for c in kb.conferences
    ]
    facts += [
        Fact(f"general #{g.tag}", g.source, checked=g.checked, regions=g.regions)
        for g in kb.general
    ]
    return facts


def language_tags(kb: KnowledgeBase) -> Counter[str]:
    """Tags in a language other than English, condition tags and event tags, by ISO 639-1 code."""
    counts: Counter[str] = Counter()
    for condition in kb.conditions.values():
        counts.update(t.lang for t in condition.tags if t.lang)
    for event in kb.awareness:
        if event.lang:
            counts[event.lang] += len(event.tags) + len(event.candidates)
    return counts


def audit(kb: KnowledgeBase) -> Audit:
    facts = facts_of(kb)
    counts: Counter[str] = Counter()
    for fact in facts:
        kinds = {"unverified"} if not fact.verified else source_kinds(fact.source)
        if fact.what.startswith("conference "):
            kinds.add("society")  # a congress's own site is the society's
        counts.update(kinds)
    return Audit(tuple(facts), {kind: counts[kind] for kind in SOURCE_KINDS})


def audit_lines(kb: KnowledgeBase) -> list[str]:
    """The audit as a person reads it: counts per kind of source, then each unverified tag."""
    report = audit(kb)
    lines = [
        f"{len(report.facts)} sourced facts (a fact naming two kinds of source counts under both):"
    ]
    width = max(len(kind) for kind in SOURCE_KINDS)
    for kind, label in SOURCE_KINDS.items():
        lines.append(f"  {kind:<{width}}  {report.per_kind[kind]:>4}  {label}")
    lines.append(f"{len(kb.also_means)} tags that also mean something else")
    checked = [f.checked for f in report.facts if f.checked]
    latest = f" (latest {max(checked)})" if checked else ""
    lines.append(f"Re-checked against their sources: {len(checked)} of {len(report.facts)}{latest}")
    plain = [t for c in kb.conditions.values() for t in c.plain_tags]
    waiting = sum(not t.verified for t in plain)
    lines.append(
        f"Plain tags: {len(plain)} ({len(plain) - waiting} named by a source, "
        f"{waiting} shown as not measured until a census)"
    )
    bare = [c.id for c in kb.conditions.values() if not c.plain_tags]
    lines.append(f"Conditions without a plain tag: {', '.join(bare) or 'none'}")
    languages = language_tags(kb)
    lines.append(
        "Tags in other languages (incl. event tags and candidates): "
        + (", ".join(f"{lang} {n}" for lang, n in sorted(languages.items())) or "none")
    )
    events = Counter(e.lang for e in kb.awareness if e.lang)
    lines.append(
        "Events in other languages: "
        + (", ".join(f"{lang} {n}" for lang, n in sorted(events.items())) or "none")
    )
    countries = Counter(code for f in report.facts for code in f.regions)
    lines.append(
        f"Facts given to countries ({sum(1 for f in report.facts if f.regions)} facts): "
        + ", ".join(f"{code} {n}" for code, n in countries.most_common())
    )
    lines.append(f"Unverified tags ({len(report.unverified)}):")
    lines += [f"  {fact.what}: {fact.source}" for fact in report.unverified]
    return lines
