"""The library of IRB-approved messages: each change a new version, nothing overwritten."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime

from bot.domain.approvals import Approval, ApprovedMessage
from bot.storage.connection import Connections
from bot.storage.sql import named

_COLUMNS = (
    "message_id, version, study, irb_ref, approved_on, expires_on, conditions, text, url,"
    " hashtags_allowed, changed_by, changed_at"
)


def _message(row: sqlite3.Row) -> ApprovedMessage:
    approval = Approval(
        study=row["study"],
        irb_ref=row["irb_ref"],
        approved_on=date.fromisoformat(row["approved_on"]),
        expires_on=date.fromisoformat(row["expires_on"]),
        conditions=tuple(json.loads(row["conditions"])),
        text=row["text"],
        url=row["url"],
        hashtags_allowed=bool(row["hashtags_allowed"]),
    )
    return ApprovedMessage(
        id=row["message_id"],
        version=row["version"],
        approval=approval,
        changed_by=row["changed_by"],
        changed_at=row["changed_at"],
    )


class ApprovedMessages:
    conns: Connections

    def save_message(
        self,
        approval: Approval,
        *,
        by: str,
        now: datetime,
        message_id: int | None = None,
        expected_version: int | None = None,
    ) -> tuple[ApprovedMessage, bool]:
        """Add a message (no id) or a new version of one; (the newest version, whether saved).

        Nothing is saved when the approval is the same as the newest version's. With
        `expected_version`, a message someone else changed since raises StaleVersion.
        """
        with self.conns.write() as db:
            conn = db.conn
            if message_id is None:
                row = conn.execute(
                    "SELECT COALESCE(MAX(message_id), 0) + 1 AS next_id FROM approved_message_versions"
                ).fetchone()
                message_id, version = int(row[0]), 1
            else:
                latest = self.message(message_id)
                if latest is None:
                    raise KeyError(message_id)
                if expected_version is not None and latest.version != expected_version:
                    raise StaleVersion(latest)
                if latest.approval == approval:
                    return latest, False
                version = latest.version + 1
            conn.execute(
                f"INSERT INTO approved_message_versions ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    message_id,
                    version,
                    approval.study,
                    approval.irb_ref,
                    approval.approved_on.isoformat(),
                    approval.expires_on.isoformat(),
                    json.dumps(list(approval.conditions), ensure_ascii=False),
                    approval.text,
                    approval.url,
                    int(approval.hashtags_allowed),
                    by,
                    now.isoformat(timespec="seconds"),
                ),
            )
        saved = self.message(message_id)
        assert saved is not None
        return saved, True

    def message(self, message_id: int) -> ApprovedMessage | None:
        """The newest version of a message, or None for an id the library doesn't have."""
        row = (
            named(self.conns.db().conn)
            .execute(
                f"SELECT {_COLUMNS} FROM approved_message_versions WHERE message_id=?"
                " ORDER BY version DESC LIMIT 1",
                (message_id,),
            )
            .fetchone()
        )
        return _message(row) if row else None

    def messages(self) -> list[ApprovedMessage]:
        """The newest version of every message, oldest message first."""
        rows = named(self.conns.db().conn).execute(
            f"SELECT {_COLUMNS} FROM approved_message_versions AS v WHERE version ="
            " (SELECT MAX(version) FROM approved_message_versions WHERE message_id = v.message_id)"
            " ORDER BY message_id"
        )
        return [_message(row) for row in rows]

    def message_versions(self, message_id: int) -> list[ApprovedMessage]:
        """Every version of a message, first first: what changed, who changed it and when."""
        rows = named(self.conns.db().conn).execute(
            f"SELECT {_COLUMNS} FROM approved_message_versions WHERE message_id=? ORDER BY version",
            (message_id,),
        )
        return [_message(row) for row in rows]


class StaleVersion(RuntimeError):
    """Someone saved a newer version since this one was read; it holds that version."""

    def __init__(self, latest: ApprovedMessage) -> None:
        super().__init__(f"message {latest.id} is at version {latest.version}")
        self.latest = latest
