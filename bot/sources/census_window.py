"""What every network's census counter shares: the 7 days counted, and a tag it can't count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from bot.domain.census_plan import CensusTerm
from bot.domain.reach import MEASURED_DAYS, Measurement
from bot.sources.base import SourceError


class TermSkipped(SourceError):
    """This one tag can't be counted on this network (a query X refuses, a tag history that
    can't be asked beside words); the census goes on with the next."""


@dataclass(frozen=True)
class CensusWindow:
    """The day a census runs and the six before it, UTC, as every network counts them: X's
    counts by day, Mastodon's tag history (today first) and the Jetstream tally's days."""

    now: datetime

    @property
    def last_day(self) -> date:
        return self.now.astimezone(UTC).date()

    @property
    def first_day(self) -> date:
        return self.last_day - timedelta(days=MEASURED_DAYS - 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=UTC)

    @property
    def start_iso(self) -> str:
        return self.start.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(MEASURED_DAYS)]


class TagCounter(Protocol):
    """One network's counter: `count` returns the figure, None when the tag is not counted
    there, or raises SourceAuthError (refused: said once, the network is left), SourceStopped
    (a limit: the census resumes there later), SourceError (the network failed) or TermSkipped."""

    network: str
    requests: int

    def count(self, term: CensusTerm, window: CensusWindow) -> Measurement | None: ...

    def close(self) -> None: ...
