"""What's coming up for a condition: awareness events and congresses on now or soon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.domain.calendar import Window
from bot.domain.candidates import link_weight
from bot.domain.knowledge import Condition, KnowledgeBase

UPCOMING_DAYS = 60
MAX_UPCOMING = 4


@dataclass(frozen=True)
class Upcoming:
    name: str
    kind: str  # awareness | conference
    tags: tuple[str, ...]
    window: Window
    happening_now: bool
    source: str

    @property
    def dates_confirmed(self) -> bool:
        """False for a meeting known only by its usual months."""
        return not self.window.usual

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "tags": list(self.tags),
            "window": self.window.as_json(),
            "happening_now": self.happening_now,
            "dates_confirmed": self.dates_confirmed,
            "source": self.source,
        }


def upcoming_for(kb: KnowledgeBase, condition: Condition | None, today: date) -> list[Upcoming]:
    """Awareness events and meetings that serve the condition, on now or starting within 60 days."""
    if condition is None:
        return []
    lineage = {c.id for c in kb.lineage(condition.id)}
    horizon = today + timedelta(days=UPCOMING_DAYS)
    found: list[Upcoming] = []
    for event in kb.awareness:
        if link_weight(event.conditions, event.areas, lineage, condition.area):
            window = event.rule.current_or_next(today)
            if window.start <= horizon:
                region = "" if event.region == "global" else f" ({event.region})"
                found.append(
                    Upcoming(
                        f"{event.name}{region}",
                        "awareness",
                        event.tags,
                        window,
                        window.contains(today),
                        event.source,
                    )
                )
    for meeting in kb.conferences:
        if link_weight(meeting.conditions, meeting.areas, lineage, condition.area):
            year, window = meeting.current_or_next(today)
            if window.start <= horizon:
                found.append(
                    Upcoming(
                        f"{meeting.name} {year}",
                        "conference",
                        (meeting.tag(year),),
                        window,
                        not window.usual and window.contains(today),
                        meeting.source,
                    )
                )
    found.sort(key=lambda u: (not u.happening_now, u.window.start, u.name))
    return found[:MAX_UPCOMING]
