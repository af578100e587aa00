"""Channel posts in flight: digest messages and alerts a run claimed and has not settled.

Each is claimed (state 'sending', with the claiming process) before it is posted and settled
after. One left 'sending' by a process that is gone may have reached Slack: the crash rule
(services/outbox.py) marks it 'uncertain', never to be sent again, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.storage.connection import Connections
from bot.storage.sql import named


@dataclass(frozen=True)
class InFlight:
    """One claimed send: a digest message (`part` set) or an alert (`event_key` set)."""

    kind: str  # digest | alert
    channel_id: str
    claimed_by: str | None
    day: date | None = None
    part: int | None = None
    event_key: str = ""

    def describe(self) -> str:
        if self.kind == "digest":
            return f"message {(self.part or 0) + 1} of {self.channel_id}'s digest for {self.day}"
        return f"alert {self.event_key} for {self.channel_id}"


class OutboxRecords:
    conns: Connections

    def sends_in_flight(self) -> list[InFlight]:
        """Every digest message and alert claimed for sending and not yet settled."""
        cursor = named(self.conns.db().conn)
        found = [
            InFlight(
                "digest",
                row["channel_id"],
                row["claimed_by"],
                day=date.fromisoformat(row["day"]),
                part=row["part"],
            )
            for row in cursor.execute(
                "SELECT channel_id, day, part, claimed_by FROM digest_parts WHERE state='sending'"
            )
        ]
        found += [
            InFlight("alert", row["channel_id"], row["claimed_by"], event_key=row["event_key"])
            for row in cursor.execute(
                "SELECT channel_id, event_key, claimed_by FROM alert_log WHERE state='sending'"
            )
        ]
        return found

    def settle_in_flight(self, send: InFlight, state: str, *, now: datetime) -> bool:
        """Settle a claimed send left by `send.claimed_by`; False if it moved on meanwhile."""
        with self.conns.write() as db:
            if send.kind == "digest":
                assert send.day is not None
                changed = db.conn.execute(
                    "UPDATE digest_parts SET state=?, updated_at=? WHERE channel_id=? AND day=?"
                    " AND part=? AND state='sending' AND claimed_by IS ?",
                    (
                        state,
                        now.isoformat(),
                        send.channel_id,
                        send.day.isoformat(),
                        send.part,
                        send.claimed_by,
                    ),
                )
            else:
                changed = db.conn.execute(
                    "UPDATE alert_log SET state=?, updated_at=? WHERE channel_id=? AND event_key=?"
                    " AND state='sending' AND claimed_by IS ?",
                    (state, now.isoformat(), send.channel_id, send.event_key, send.claimed_by),
                )
            return changed.rowcount == 1
