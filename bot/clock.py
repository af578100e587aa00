"""The one reader of the wall clock: everything else is handed `now` or a Clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current moment in UTC, the bot's only time zone for storage and scheduling."""
    return datetime.now(UTC)


def utc_today() -> date:
    return utc_now().date()
