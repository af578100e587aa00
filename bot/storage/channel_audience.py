"""The country and language each channel's answers fit (migration 0015)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.connection import Connections
from bot.storage.sql import named


@dataclass(frozen=True)
class ChannelAudience:
    """What a channel set: "" where it set nothing (the defaults apply)."""

    region: str = ""  # ISO 3166-1 alpha-2
    language: str = ""  # ISO 639-1, besides English


class ChannelAudiences:
    conns: Connections

    def set_channel_audience(
        self,
        channel_id: str,
        *,
        region: str | None = None,
        language: str | None = None,
        by: str,
        now: datetime,
    ) -> None:
        """Set the channel's region or language ("" clears it; None leaves it as it is)."""
        changes = {k: v for k, v in (("region", region), ("language", language)) if v is not None}
        if not changes:
            return
        columns = ", ".join(changes)
        updates = ", ".join(f"{c}=excluded.{c}" for c in changes)
        with self.conns.write() as db:
            db.conn.execute(
                f"INSERT INTO channel_settings (channel_id, {columns}, updated_by, updated_at)"
                f" VALUES (?, {', '.join('?' for _ in changes)}, ?, ?) ON CONFLICT DO UPDATE SET"
                f" {updates}, updated_by=excluded.updated_by, updated_at=excluded.updated_at",
                (channel_id, *(v or None for v in changes.values()), by, now.isoformat()),
            )

    def channel_audiences(self) -> dict[str, ChannelAudience]:
        """Every channel that set a region or a language."""
        rows = named(self.conns.db().conn).execute(
            "SELECT channel_id, region, language FROM channel_settings"
            " WHERE region IS NOT NULL OR language IS NOT NULL"
        )
        return {
            row["channel_id"]: ChannelAudience(row["region"] or "", row["language"] or "")
            for row in rows
        }

    def channel_audience(self, channel_id: str) -> ChannelAudience:
        row = (
            named(self.conns.db().conn)
            .execute(
                "SELECT region, language FROM channel_settings WHERE channel_id=?", (channel_id,)
            )
            .fetchone()
        )
        if row is None:
            return ChannelAudience()
        return ChannelAudience(row["region"] or "", row["language"] or "")
