"""The order an answer's tags are shown in: the rules that hold whatever the scores say.

A recruiter pastes the top five. So the condition's own community and plain-name tags come
first; at most one cross-cutting tag (#ClinicalTrials) and one of two near-twins (#ClinicalTrial)
take a place there; a tag of another country or language never does (it shows lower down, saying
where it belongs); and a team working in a language gets its best tag in that language there.
"""

from __future__ import annotations

from dataclasses import replace

from bot.domain.audience import LOCAL, Audience
from bot.domain.suggestion import TOP, Suggestion, near_twins

MAX_GENERAL_ON_TOP = 1  # cross-cutting tags in the top five
MAX_GENERAL = 3  # cross-cutting tags in the whole answer: they fill in, they don't crowd out
BELOW = 0.001  # how far below the tag before it a tag's score is put, when a rule moved it


def answer_order(ranked: list[Suggestion], audience: Audience, limit: int) -> list[Suggestion]:
    """`ranked` (best score first) in the order shown, at most `limit`, with each score lowered
    where needed so the scores read in the order shown. The top (`on_top`) holds at most five,
    fewer when fewer fit: the rest are shown below it."""
    general = 0
    kept: list[Suggestion] = []
    for suggestion in ranked:
        if suggestion.kind == "general":
            general += 1
            if general > MAX_GENERAL:
                continue
        kept.append(suggestion)
    own = [s for s in kept if s.own and not s.held and s.grade != "unused"]
    top: list[Suggestion] = list(own[:TOP])
    later: list[Suggestion] = [s for s in own[TOP:]]
    for suggestion in kept:
        if suggestion in top or suggestion in later:
            continue
        if len(top) < TOP and _may_top(suggestion, top):
            top.append(suggestion)
        else:
            later.append(suggestion)
    top = _with_language(top, later, audience)
    later = [s for s in kept if s not in top]
    leading = [replace(s, on_top=True) for s in top]
    return _scored_in_order([*leading, *later][:limit])


def _may_top(suggestion: Suggestion, top: list[Suggestion]) -> bool:
    if suggestion.held:
        return False
    if suggestion.kind == "general" and sum(s.kind == "general" for s in top) >= MAX_GENERAL_ON_TOP:
        return False
    return not any(near_twins(s.tag, suggestion.tag) for s in top)


def _with_language(
    top: list[Suggestion], later: list[Suggestion], audience: Audience
) -> list[Suggestion]:
    """A team working in a language sees its best tag in it among the top five, in place of the
    last tag that is not the condition's own."""
    if not audience.langs or any(s.lang in audience.langs for s in top):
        return top
    best = next((s for s in later if s.lang in audience.langs and s.fit == LOCAL), None)
    if best is None:
        return top
    if len(top) < TOP:
        return [*top, best]
    replaceable = [i for i, s in enumerate(top) if not s.own]
    if not replaceable:
        return top
    i = replaceable[-1]
    return [*top[:i], *top[i + 1 :], best]


def _scored_in_order(shown: list[Suggestion]) -> list[Suggestion]:
    ordered: list[Suggestion] = []
    for suggestion in shown:
        if ordered and suggestion.score >= ordered[-1].score:
            suggestion = replace(suggestion, score=max(0.0, ordered[-1].score - BELOW))
        ordered.append(suggestion)
    return ordered
