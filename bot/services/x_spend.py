"""X spend this month, estimated from the reads the Store counted and the configured prices.

Listening stops at the budget; `doctor` and the App Home show the figure. One place computes it.
Counts requests (the census) have their own line: X shows their price only in its developer
console, so they stay "unpriced" until X_COUNTS_REQUEST_USD is set, and count towards the
budget once it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.config import Settings
from bot.storage import Store

COUNTS_SOURCE = "x counts"  # how the census's counts requests are counted in the reads table


@dataclass(frozen=True)
class Spend:
    """Estimated X spend this month from counted reads and the configured prices."""

    post_reads: int
    user_reads: int
    usd: float  # everything priced: reads, and counts requests once X_COUNTS_REQUEST_USD is set
    budget_usd: float
    counts_requests: int = 0
    counts_usd: float | None = None  # None: unpriced (X_COUNTS_REQUEST_USD not set)

    @property
    def reached(self) -> bool:
        return self.usd >= self.budget_usd

    def counts_line(self) -> str:
        """The census's own line in the spend meter."""
        requests = f"{self.counts_requests:,} counts request{'s' * (self.counts_requests != 1)}"
        if self.counts_usd is None:
            return f"{requests} for the census, unpriced (set X_COUNTS_REQUEST_USD)"
        return f"{requests} for the census, about ${self.counts_usd:,.2f}"


def x_spend(store: Store, settings: Settings, today: date) -> Spend:
    first = today.replace(day=1)
    posts, users, _ = store.reads_between("x", first, today)
    _, _, counts = store.reads_between(COUNTS_SOURCE, first, today)
    counts_usd = (
        None if settings.x_counts_request_usd is None else counts * settings.x_counts_request_usd
    )
    usd = posts * settings.x_post_read_usd + users * settings.x_user_read_usd + (counts_usd or 0.0)
    return Spend(posts, users, usd, settings.x_monthly_budget_usd, counts, counts_usd)
