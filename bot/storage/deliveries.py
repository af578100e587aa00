"""Slack deliveries already taken, and each shared answer's post: kept in SQLite so a restart
forgets neither (a replay after a restart is not applied; a Share is never posted twice)."""

from __future__ import annotations

from datetime import datetime

from bot.storage.connection import Connections


class DeliveryRecords:
    conns: Connections

    def first_delivery(self, key: str, *, now: float, keep_s: float) -> bool:
        """True the first time `key` is seen while remembered (until `now + keep_s`, wall time);
        it is remembered from now on. Expired keys are dropped as new ones come."""
        with self.conns.write() as db:
            db.conn.execute("DELETE FROM seen_deliveries WHERE expires_at <= ?", (now,))
            return (
                db.conn.execute(
                    "INSERT OR IGNORE INTO seen_deliveries VALUES (?, ?)", (key, now + keep_s)
                ).rowcount
                == 1
            )

    def forget_delivery(self, key: str) -> None:
        """Let `key` through again (what it stood for did not happen)."""
        with self.conns.write() as db:
            db.conn.execute("DELETE FROM seen_deliveries WHERE key = ?", (key,))

    # Shared answers ---------------------------------------------------------------------------
    def claim_share(
        self, press: str, *, channel_id: str, shared_by: str, claimer: str, now: datetime
    ) -> bool:
        """Claim one press's post; False when it was posted, may have been, or is being sent.
        A press Slack refused (pending) may be claimed again."""
        at = now.isoformat()
        with self.conns.write() as db:
            return (
                db.conn.execute(
                    "INSERT INTO shares VALUES (?,?,?,'sending',NULL,?,?,?) ON CONFLICT (press)"
                    " DO UPDATE SET state='sending', claimed_by=excluded.claimed_by,"
                    " updated_at=excluded.updated_at WHERE shares.state='pending'",
                    (press, channel_id, shared_by, claimer, at, at),
                ).rowcount
                == 1
            )

    def settle_share(self, press: str, state: str, *, now: datetime, ts: str | None = None) -> None:
        with self.conns.write() as db:
            db.conn.execute(
                "UPDATE shares SET state=?, ts=COALESCE(?, ts), updated_at=? WHERE press=?",
                (state, ts, now.isoformat(), press),
            )
