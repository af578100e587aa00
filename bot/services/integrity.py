"""`hashtag-bot check`: do the hashtag counts add up? Recount, say where not, mend on request.

Every figure an answer or a digest shows (posts, people, engagement, spellings, tags seen
together) is read from aggregates kept up to date as posts arrive and leave. This recounts them
from the stored posts (plus what expired posts contributed, see bot/storage/recount.py) and
says, table by table, where they differ; `doctor` runs a cheap version over the last days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.storage import Store
from bot.storage.recount import Drift

DOCTOR_DAYS = (
    7  # doctor recounts this many recent days: seconds at most, and where drift shows first
)
REPAIR_HINT = "run `hashtag-bot check --repair`"


@dataclass(frozen=True)
class CountsReport:
    drifts: list[Drift]
    scope: str  # what was recounted, in words
    negative: dict[str, int] = field(default_factory=dict)  # table title -> rows below zero

    @property
    def clean(self) -> bool:
        return not self.drifts and not self.negative

    @property
    def unrepaired(self) -> bool:
        """Drift found and left as it was: the command's exit status says so."""
        return any(not d.repaired for d in self.drifts) or (bool(self.negative) and not self.drifts)

    def summary(self) -> str:
        if self.clean:
            return (
                f"Counts add up: {self.scope} equal a recount of the stored posts"
                " (plus what expired posts contributed)."
            )
        repaired = all(d.repaired for d in self.drifts)
        lines = [
            f"Counts that did not add up ({self.scope}), now rewritten from the recount:"
            if repaired
            else f"Counts that don't add up ({self.scope}):"
        ]
        for drift in self.drifts:
            rows = f"{drift.rows:,} row{'s' if drift.rows != 1 else ''}"
            lines.append(f"  {drift.aggregate.title}: {rows} differ")
            lines += [f"    {describe(drift, example)}" for example in drift.examples]
            if drift.rows > len(drift.examples):
                lines.append(f"    … and {drift.rows - len(drift.examples):,} more")
        for title, below in self.negative.items():
            if not any(d.aggregate.title == title for d in self.drifts):
                lines.append(f"  {title}: {below:,} rows below zero")
        if not repaired:
            lines.append(f"To rewrite them from the recount, {REPAIR_HINT}.")
        return "\n".join(lines)


def describe(
    drift: Drift, example: tuple[dict[str, object], tuple[object, ...], tuple[object, ...]]
) -> str:
    """One differing row in words: '#lcsm on 2026-11-27: stored 1 post, -7 engagement;
    recounted 1 post, 0 engagement'."""
    key, stored, recounted = example
    where = []
    for name, value in key.items():
        if name in ("tag", "other tag"):
            where.append(f"{'with ' if name == 'other tag' else ''}#{value}")
        elif name == "day":
            where.append(f"on {value}")
        elif name == "last day":
            where.append(f"last active {value}")
        elif name == "author":
            where.append(f"by {value}")
        elif name == "form":
            where.append(f"spelled {value}")
    values = drift.aggregate.values

    def figures(row: tuple[object, ...]) -> str:
        if not row:
            return "nothing"
        parts = []
        for name, value in zip(values, row, strict=True):
            if name == "last_day" and isinstance(value, int) and value > 0:
                parts.append(f"last day {date.fromordinal(value).isoformat()}")
            else:
                word = name.replace("_", " ")
                parts.append(f"{value} {word[:-1] if value == 1 and word.endswith('s') else word}")
        return ", ".join(parts)

    return f"{' '.join(where)}: stored {figures(stored)}; recounted {figures(recounted)}"


def check_counts(store: Store, *, repair: bool = False) -> CountsReport:
    """Recount every aggregate; with `repair`, rewrite what differs in one write transaction."""
    drifts = store.recount(repair=repair)
    negative = {} if repair else store.negative_counts()
    return CountsReport(drifts, "all hashtag counts", negative)


def quick_check(store: Store, today: date, days: int = DOCTOR_DAYS) -> CountsReport:
    """What `doctor` runs: the per-day counts of the last `days` days, and any count below
    zero anywhere; cheap enough to run whenever someone asks."""
    since = (today - timedelta(days=days - 1)).toordinal()
    return CountsReport(
        store.recount(since=since),
        f"posts, engagement and pairs of the last {days} days",
        store.negative_counts(),
    )
