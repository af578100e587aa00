"""Channel posts in flight, and those that may have been sent: digest messages, alerts and
shared answers.

Each is claimed (state 'sending', with the claiming process) before it is posted and settled
after. One left 'sending' by a process that is gone may have reached Slack: the crash rule
(services/outbox.py) marks it 'uncertain', never to be sent again, and says so. Uncertain posts
are what `doctor` and the App Home list as "maybe sent".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.storage.connection import Connections
from bot.storage.sql import named

_TABLES = {"digest": "digest_parts", "alert": "alert_log", "share": "shares"}


@dataclass(frozen=True)
class ChannelPost:
    """One post's record: a digest message (`day`, `part`), an alert (`key` is its event) or a
    shared answer (`key` is the press)."""

    kind: str  # digest | alert | share
    channel_id: str
    claimed_by: str | None
    updated_at: str = ""
    day: date | None = None
    part: int | None = None
    key: str = ""

    def describe(self) -> str:
        if self.kind == "digest":
            return f"message {(self.part or 0) + 1} of <#{self.channel_id}>'s digest for {self.day}"
        if self.kind == "alert":
            return f"an alert in <#{self.channel_id}> ({self.key.split(':', 1)[0]})"
        return f"an answer shared in <#{self.channel_id}>"

    def _where(self) -> tuple[str, tuple[object, ...]]:
        if self.kind == "digest":
            assert self.day is not None
            return "channel_id=? AND day=? AND part=?", (
                self.channel_id,
                self.day.isoformat(),
                self.part,
            )
        if self.kind == "alert":
            return "channel_id=? AND event_key=?", (self.channel_id, self.key)
        return "press=?", (self.key,)


class OutboxRecords:
    conns: Connections

    def _posts(self, state: str, since: str = "") -> list[ChannelPost]:
        """Every kind of post in `state`, updated since `since` (ISO), oldest first."""
        rows = named(self.conns.db().conn).execute(
            "SELECT 'digest' AS kind, channel_id, day, part, '' AS key, claimed_by, updated_at"
            " FROM digest_parts WHERE state = :state AND updated_at >= :since"
            " UNION ALL SELECT 'alert', channel_id, NULL, NULL, event_key, claimed_by, updated_at"
            " FROM alert_log WHERE state = :state AND updated_at >= :since"
            " UNION ALL SELECT 'share', channel_id, NULL, NULL, press, claimed_by, updated_at"
            " FROM shares WHERE state = :state AND updated_at >= :since"
            " ORDER BY updated_at",
            {"state": state, "since": since},
        )
        return [
            ChannelPost(
                row["kind"],
                row["channel_id"],
                row["claimed_by"],
                row["updated_at"],
                day=date.fromisoformat(row["day"]) if row["day"] else None,
                part=row["part"],
                key=row["key"],
            )
            for row in rows
        ]

    def sends_in_flight(self) -> list[ChannelPost]:
        """Every channel post claimed for sending and not yet settled."""
        return self._posts("sending")

    def maybe_sent(self, since: datetime) -> list[ChannelPost]:
        """Posts that may have reached Slack but were never confirmed (a run killed mid-send, a
        connection that broke after the request left), oldest first: they are never sent again,
        so someone should look in the channel."""
        return self._posts("uncertain", since.isoformat())

    def settle_in_flight(self, post: ChannelPost, state: str, *, now: datetime) -> bool:
        """Settle a claimed post left by `post.claimed_by`; False if it moved on meanwhile."""
        where, values = post._where()
        with self.conns.write() as db:
            changed = db.conn.execute(
                f"UPDATE {_TABLES[post.kind]} SET state=?, updated_at=? WHERE {where}"
                " AND state='sending' AND claimed_by IS ?",
                (state, now.isoformat(), *values, post.claimed_by),
            )
            return changed.rowcount == 1
