"""A channel's mute list: the accounts its digests and alerts neither name nor show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MuteList:
    """Handles compared without case: @LungFdn muted hides @lungfdn's posts too."""

    handles: frozenset[str] = frozenset()

    @classmethod
    def of(cls, handles: Iterable[str]) -> MuteList:
        return cls(frozenset(h.casefold() for h in handles))

    def hides(self, handle: str) -> bool:
        """Whether this channel must not see the account (its name, its posts)."""
        return handle.casefold() in self.handles
