"""What the listeners may use: settings, the Store, the suggestion service and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from bot.config import Settings
from bot.digests import Digester
from bot.storage import Store
from bot.suggestions import Suggester


@dataclass(frozen=True)
class Services:
    """Passed to every `register(app, services)`; tests build it with a fixed clock."""

    settings: Settings
    store: Store
    suggester: Suggester
    digester: Digester
    clock: Callable[[], datetime]

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()
