"""The audit trail: who changed a channel's settings or the approved-message library, when, what,
and the setting before and after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from bot.storage.connection import Connections
from bot.storage.sql import named

LIBRARY = ""  # the channel id of changes to the approved-message library, which has no channel


@dataclass(frozen=True)
class Change:
    at: str
    actor: str  # a Slack user id, or the name the CLI was given
    channel_id: str  # LIBRARY for the approved-message library
    what: str  # track, untrack, mute, unmute, schedule, alerts, region, language, approval
    before: str
    after: str

    def as_json(self) -> dict[str, str]:
        return {
            "at": self.at,
            "by": self.actor,
            "channel": self.channel_id or None,  # type: ignore[dict-item]
            "what": self.what,
            "before": self.before,
            "after": self.after,
        }


class AuditTrail:
    conns: Connections

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction for a change and its audit entry: both land, or neither does."""
        with self.conns.write():
            yield

    def record_change(
        self,
        channel_id: str,
        what: str,
        *,
        actor: str,
        before: str,
        after: str,
        now: datetime,
    ) -> None:
        with self.conns.write() as db:
            db.conn.execute(
                "INSERT INTO audit_log (at, actor, channel_id, what, before, after)"
                " VALUES (?,?,?,?,?,?)",
                (now.isoformat(), actor, channel_id, what, before, after),
            )

    def changes(self, channel_id: str | None = None, *, limit: int = 500) -> list[Change]:
        """The newest changes first (one channel's, or everything)."""
        where, values = (
            ("WHERE channel_id = ?", [channel_id]) if channel_id is not None else ("", [])
        )
        rows = named(self.conns.db().conn).execute(
            f"SELECT at, actor, channel_id, what, before, after FROM audit_log {where}"
            " ORDER BY id DESC LIMIT ?",
            [*values, limit],
        )
        return [
            Change(r["at"], r["actor"], r["channel_id"], r["what"], r["before"], r["after"])
            for r in rows
        ]
