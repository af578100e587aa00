"""Candidate tags for a condition from the knowledge base, each with its standing and reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.domain.calendar import Window
from bot.domain.hashtags import tag_key
from bot.domain.knowledge import Awareness, Condition, KnowledgeBase

UNVERIFIED = (
    "No organisation, chat or study was found using it: suggested only because collected posts "
    "or a census show it in use"
)
PLAIN_UNVERIFIED = (
    "The condition's plain name or usual acronym: shown although no organisation, chat or study "
    "was found using it, since the name is often what a community uses"
)
EVENT_CANDIDATE = (
    "No tag of the event is verified yet: suggested while the event runs because a census "
    "measured it in use"
)
KIND_SUMMARY = {
    "community": "community tag",
    "condition": "disease-name tag",
    "treatment": "treatment tag",
    "research": "research tag",
}
# How much a curated kind counts before any data is seen.
STANDING = {
    "community": 1.0,
    "condition": 0.9,
    "awareness": 0.8,
    "conference": 0.75,
    "treatment": 0.6,
    "research": 0.55,
    "general": 0.35,
}
PARENT_FACTOR, CHILD_FACTOR, AREA_FACTOR = 0.75, 0.7, 0.6
AMBIGUOUS_FACTOR = 0.6
# Timing of a calendar tag: 1.0 on now, then by how far off its next run is.
SOON, WITHIN_A_QUARTER, FAR_OFF = 0.6, 0.3, 0.1  # within 30 days, 90 days, later
SECOND_TAG_FACTOR = 0.85  # an event's second tag, below the organiser's main one
AREA_OWN_FACTOR = 1.15  # a general tag named for this area or condition beats all-area ones
FILE_ORDER_STEP = 0.001  # ties between general tags keep the knowledge base's order


@dataclass
class Candidate:
    key: str
    form: str
    kind: str
    standing: float
    reasons: list[str] = field(default_factory=list)
    window: Window | None = None
    timing: float = 1.0  # 1.0 happening now … 0.1 far off; 1.0 for tags without a calendar
    happening_now: bool = False
    ambiguous: bool = False
    curated: bool = True
    summary: str = ""  # what it is, in a few words: "Lung Cancer Awareness Month (US)"
    source: str = ""  # where that can be checked
    event: str = ""  # the awareness event or congress it stands for: one tag per event is copied
    verified: bool = True  # False: no organiser, chat or study found using it
    also_means: str = ""  # what else the tag is used for (#TTC: Toronto's transit)
    plain: bool = False  # the condition's plain name or usual acronym: never hidden
    needs_measure: bool = False  # an event's candidate tag: suggested only once measured in use
    regions: tuple[str, ...] = ()  # ISO 3166-1 codes where it belongs; () everywhere
    lang: str = ""  # ISO 639-1 of a tag in a language other than English
    own: bool = False  # the asked condition's own community or plain-name tag: it goes first

    def absorb(self, other: Candidate) -> None:
        """One tag reached two ways (own and child condition, two events): keep the best of both."""
        if other.standing * other.timing > self.standing * self.timing:
            self.kind, self.standing, self.timing = other.kind, other.standing, other.timing
            self.window, self.happening_now = other.window, other.happening_now
            self.form, self.summary, self.source = other.form, other.summary, other.source
            self.event = other.event
        self.ambiguous = self.ambiguous and other.ambiguous
        self.verified = self.verified or other.verified
        self.plain = self.plain or other.plain
        self.own = self.own or other.own
        # Reached as a world tag one way and a national one the other, it belongs everywhere.
        both = self.regions and other.regions
        self.regions = tuple(dict.fromkeys((*self.regions, *other.regions))) if both else ()
        self.lang = self.lang if self.lang == other.lang else ""
        self.needs_measure = self.needs_measure and other.needs_measure
        self.reasons += [r for r in other.reasons if r not in self.reasons]


@dataclass
class Plan:
    """What the knowledge base says for one condition: candidates, and seed tags that define it."""

    condition: Condition | None
    candidates: dict[str, Candidate]
    seeds: set[str]
    about: str  # what the posts are about, in words: "lung cancer"
    seen_with: str = "the condition's own tags"
    min_shared: int = 3  # posts shared with the seeds before an observed tag is suggested

    def add(self, candidate: Candidate) -> None:
        known = self.candidates.get(candidate.key)
        if known:
            known.absorb(candidate)
        else:
            self.candidates[candidate.key] = candidate


def timing_of(window: Window, today: date) -> tuple[float, bool, str]:
    """How much a calendar tag matters today, and words that say when it is."""
    if window.contains(today):
        return 1.0, True, f"happening now ({window.describe()})"
    days = (window.start - today).days
    when = f"next {window.describe()}, in {days} days"
    if days <= 30:
        return SOON, False, when
    if days <= 90:
        return WITHIN_A_QUARTER, False, when
    return FAR_OFF, False, when


def link_weight(
    conditions: tuple[str, ...], areas: tuple[str, ...], lineage: set[str], area: str
) -> float:
    """An event or meeting named for conditions serves those; one named for areas serves them all."""
    if conditions:
        return 1.0 if lineage & set(conditions) else 0.0
    return AREA_FACTOR if area in areas or "all" in areas else 0.0


def _other_meaning(kb: KnowledgeBase, key: str) -> tuple[str, float, list[str]]:
    """What else a tag means, what that does to its standing, and the reason that warns of it."""
    also_means = kb.also_means.get(key, "")
    if not also_means:
        return "", 1.0, []
    return also_means, AMBIGUOUS_FACTOR, [_ambiguity(also_means)]


def _ambiguity(also_means: str) -> str:
    if also_means:
        return f"Also used for {also_means}: check recent posts before using it"
    return "Often used for other things: check recent posts before using it"


def _first_clause(note: str) -> str:
    """A general tag's note up to its first aside: what it is, not everything about it."""
    for stop in ("; ", " (", " — ", ". "):
        note = note.split(stop, 1)[0]
    return note


def _source(text: str) -> str:
    return f"source: {text}" if text else ""


def _reason(*parts: str) -> str:
    return " — ".join(p for p in parts if p)


def plan_condition(
    kb: KnowledgeBase, condition: Condition, today: date, factor: float = 1.0
) -> Plan:
    """Every knowledge-base tag that can serve this condition, scored for standing and timing."""
    plan = Plan(condition, {}, set(), about=condition.name.lower())
    lineage_ids = {c.id for c in kb.lineage(condition.id)}
    _add_condition_tags(plan, kb, condition, factor)
    _add_awareness_tags(plan, kb, condition, lineage_ids, today, factor)
    _add_conference_tags(plan, kb, condition, lineage_ids, today, factor)
    _add_general_tags(plan, kb, condition, lineage_ids, factor)
    return plan


def _add_condition_tags(plan: Plan, kb: KnowledgeBase, condition: Condition, factor: float) -> None:
    """The condition's own tags, its broader conditions' and its subtypes'; its own are the seeds."""
    lineage = kb.lineage(condition.id)
    related = [(c, 1.0 if c.id == condition.id else PARENT_FACTOR, "") for c in lineage]
    related[1:] = [(c, f, f"From {c.name}") for c, f, _ in related[1:]]
    related += [(c, CHILD_FACTOR, f"For {c.name}") for c in kb.children(condition.id)]
    for owner, weight, prefix in related:
        for tag in owner.tags:
            key = tag_key(tag.tag)
            note = tag.note or f"The plain tag for {owner.name.lower()}"
            if tag.since and str(tag.since) not in note:
                note += f" (since {tag.since})"
            reasons = [_reason(f"{prefix}: {note}" if prefix else note, _source(tag.source))]
            also_means = kb.also_means.get(key, "")
            ambiguous = tag.ambiguous or bool(also_means)
            if ambiguous:
                reasons.append(_ambiguity(also_means))
            if not tag.verified:
                reasons.append(PLAIN_UNVERIFIED if tag.plain else UNVERIFIED)
            own = owner.id == condition.id and (tag.kind == "community" or tag.plain)
            summary = KIND_SUMMARY[tag.kind] + (f" since {tag.since}" if tag.since else "")
            if prefix:
                summary += f", {prefix[0].lower()}{prefix[1:]}"
            plan.add(
                Candidate(
                    key=key,
                    form=tag.tag,
                    kind=tag.kind,
                    standing=STANDING[tag.kind]
                    * weight
                    * factor
                    * (AMBIGUOUS_FACTOR if ambiguous else 1.0),
                    reasons=reasons,
                    ambiguous=ambiguous,
                    summary=summary,
                    source=tag.source,
                    verified=tag.verified,
                    also_means=also_means,
                    plain=tag.plain,
                    regions=tag.regions,
                    lang=tag.lang,
                    own=own,
                )
            )
            own_or_narrower = owner.id == condition.id or weight == CHILD_FACTOR
            if own_or_narrower and tag.kind in ("community", "condition") and not ambiguous:
                plan.seeds.add(key)
    if not plan.seeds:  # only ambiguous tags: they are all we have to listen with
        plan.seeds = {tag_key(t.tag) for t in condition.tags}


def _add_awareness_tags(
    plan: Plan,
    kb: KnowledgeBase,
    condition: Condition,
    lineage_ids: set[str],
    today: date,
    factor: float,
) -> None:
    """Awareness events for the condition or its area, weighted by how soon they run."""
    for event in kb.awareness:
        weight = link_weight(event.conditions, event.areas, lineage_ids, condition.area)
        if not weight:
            continue
        window = event.rule.current_or_next(today)
        timing, now, when = timing_of(window, today)
        region = "" if event.region == "global" else f" ({event.region})"

        name = f"{event.name}{region}"
        wanted = [
            (tag, SECOND_TAG_FACTOR if rank else 1.0, name, False)
            for rank, tag in enumerate(event.tags)
        ]
        if now and measures_candidates(event):  # measured ones suggested while it runs
            wanted += [
                (tag, SECOND_TAG_FACTOR, f"{name}, candidate tag", True)
                for tag in event.candidate_tags()
            ]
        for tag, choice, summary, candidate_only in wanted:
            candidate = _calendar_candidate(
                kb,
                tag,
                "awareness",
                STANDING["awareness"] * weight * factor * choice,
                f"{name}: {when}",
                window=window,
                timing=timing,
                happening_now=now,
                summary=summary,
                source=event.source,
                event=event.id,
                regions=event.regions,
                lang=event.lang,
            )
            if candidate_only:  # no source names it: it stands only on its measured use
                candidate.reasons.append(EVENT_CANDIDATE)
                candidate.verified, candidate.needs_measure = False, True
                if candidate.key in plan.candidates:
                    continue
            plan.add(candidate)


def _add_conference_tags(
    plan: Plan,
    kb: KnowledgeBase,
    condition: Condition,
    lineage_ids: set[str],
    today: date,
    factor: float,
) -> None:
    """This or next year's congress tag; "on now" only when the meeting's own dates are known."""
    for conference in kb.conferences:
        weight = link_weight(conference.conditions, conference.areas, lineage_ids, condition.area)
        if not weight:
            continue
        year, window = conference.current_or_next(today)
        if year in conference.dates:
            timing, now, when = timing_of(window, today)
            caveat = ""
        else:  # only the usual months are known: never claim it is on now
            timing, _, when = timing_of(window, today)
            timing, now = min(timing, SOON), False
            when = f"usually {window.months()}" + ("" if timing < SOON else ", around now")
            caveat = " (check the meeting's own dates)"
        plan.add(
            _calendar_candidate(
                kb,
                conference.tag(year),
                "conference",
                STANDING["conference"] * weight * factor,
                f"{conference.name} {year}: {when}{caveat}",
                window=window,
                timing=timing,
                happening_now=now,
                summary=f"{conference.name} {year}",
                source=conference.source,
                event=conference.id,
                regions=conference.regions,
            )
        )


def _calendar_candidate(
    kb: KnowledgeBase,
    tag: str,
    kind: str,
    standing: float,
    when: str,
    *,
    window: Window,
    timing: float,
    happening_now: bool,
    summary: str,
    source: str,
    event: str,
    regions: tuple[str, ...] = (),
    lang: str = "",
) -> Candidate:
    """An awareness event's or a congress's tag: when it runs, where that is written, and a
    warning (and a lower standing) when the tag also means something else."""
    also_means, unsure, warned = _other_meaning(kb, tag_key(tag))
    return Candidate(
        key=tag_key(tag),
        form=tag,
        kind=kind,
        standing=standing * unsure,
        reasons=[_reason(when, _source(source)), *warned],
        window=window,
        timing=timing,
        happening_now=happening_now,
        summary=summary,
        source=source,
        event=event,
        ambiguous=bool(also_means),
        also_means=also_means,
        regions=regions,
        lang=lang,
    )


def _add_general_tags(
    plan: Plan, kb: KnowledgeBase, condition: Condition, lineage_ids: set[str], factor: float
) -> None:
    """Cross-cutting tags: the area's own first (#RareDisease), then the files' order."""
    for order, general in enumerate(kb.general):
        if general.applies_to(condition.area, lineage_ids):
            specific = (
                AREA_OWN_FACTOR if general.conditions or condition.area in general.areas else 1.0
            )
            also_means, unsure, warned = _other_meaning(kb, tag_key(general.tag))
            reasons = [_reason(general.note, _source(general.source)), *warned]
            plan.add(
                Candidate(
                    key=tag_key(general.tag),
                    form=general.tag,
                    kind="general",
                    standing=STANDING["general"] * factor * specific * unsure
                    - FILE_ORDER_STEP * order,
                    reasons=reasons,
                    summary=_first_clause(general.note),
                    source=general.source,
                    ambiguous=bool(also_means),
                    also_means=also_means,
                    regions=general.regions,
                )
            )


def measures_candidates(event: Awareness) -> bool:
    """Whether a census measures the event's candidate tags (and answers suggest them, once
    measured in use, while it runs): it has no verified tag, or the organiser's own candidates."""
    return not event.tags or bool(event.candidates)


def events_with_candidates(kb: KnowledgeBase) -> list[Awareness]:
    return [e for e in kb.awareness if measures_candidates(e)]


def curated_index(kb: KnowledgeBase) -> dict[str, tuple[str, str, str]]:
    """Every curated tag key -> (display form, kind, what it is for), for tags seen in data."""
    index: dict[str, tuple[str, str, str]] = {}
    for condition in kb.conditions.values():
        for tag in condition.tags:
            index.setdefault(tag_key(tag.tag), (tag.tag, tag.kind, condition.name))
    for event in kb.awareness:
        for event_tag in event.tags:
            index.setdefault(tag_key(event_tag), (event_tag, "awareness", event.name))
    for general in kb.general:
        index.setdefault(tag_key(general.tag), (general.tag, "general", general.note))
    return index
