"""Congresses on now for a condition: their tag is worth hearing only while the meeting runs.

Only meetings whose exact dates the knowledge base holds count: "usually in June" is not enough
to listen to #ASCO26 beside a topic, or to give a digest a "From #ASCO26" section.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.calendar import Window
from bot.domain.candidates import link_weight
from bot.domain.knowledge import Condition, KnowledgeBase

DIGEST_DAYS_AFTER = 1  # the morning after the last day, the digest still shows what was said


@dataclass(frozen=True)
class LiveCongress:
    """A meeting on its known dates, with the tag its attendees post under."""

    name: str  # "ASCO Annual Meeting 2026"
    tag: str  # "ASCO26", no '#'
    window: Window


def congresses_on(
    kb: KnowledgeBase, conditions: Iterable[Condition], today: date, *, days_after: int = 0
) -> list[LiveCongress]:
    """Meetings serving these conditions (or their area) whose known dates cover `today`, or
    ended at most `days_after` days before; meetings named for the condition come first."""
    found: dict[str, tuple[float, LiveCongress]] = {}
    for condition in conditions:
        lineage = {c.id for c in kb.lineage(condition.id)}
        for meeting in kb.conferences:
            weight = link_weight(meeting.conditions, meeting.areas, lineage, condition.area)
            if not weight:
                continue
            year, window = meeting.current_or_next(today - timedelta(days=days_after))
            if year not in meeting.dates:
                continue
            if window.start <= today <= window.end + timedelta(days=days_after):
                live = LiveCongress(f"{meeting.name} {year}", meeting.tag(year), window)
                if weight > found.get(live.tag, (0.0, live))[0]:
                    found[live.tag] = (weight, live)
    ranked = sorted(found.values(), key=lambda item: (-item[0], item[1].window.start, item[1].tag))
    return [live for _weight, live in ranked]
