"""X spend this month, estimated from the reads the Store counted and the configured prices.

Listening stops at the budget; `doctor` and the App Home show the figure. One place computes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.config import Settings
from bot.storage import Store


@dataclass(frozen=True)
class Spend:
    """Estimated X spend this month from counted reads and the configured prices."""

    post_reads: int
    user_reads: int
    usd: float
    budget_usd: float

    @property
    def reached(self) -> bool:
        return self.usd >= self.budget_usd


def x_spend(store: Store, settings: Settings, today: date) -> Spend:
    posts, users, _ = store.reads_between("x", today.replace(day=1), today)
    usd = posts * settings.x_post_read_usd + users * settings.x_user_read_usd
    return Spend(posts, users, usd, settings.x_monthly_budget_usd)
