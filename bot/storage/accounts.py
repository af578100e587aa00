"""Accounts as their source last described them: inactive ones, and how fresh a stored profile is.

An account deactivated, suspended or taken down at its source may come back: it stays stored but
digests neither show nor introduce it while it is inactive. A deleted account is not kept here;
it is forgotten with everything it posted (PostWriter.forget_authors).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from bot.storage.connection import Connections
from bot.storage.sql import rows_in

# For reads that leave out what inactive accounts posted or said about themselves.
INACTIVE_AUTHORS = "(SELECT author_id FROM account_status)"


class AccountStates:
    conns: Connections

    def set_account_status(self, changes: Sequence[tuple[str, str]], *, now: datetime) -> None:
        """(account, status) pairs, in the order the source reported them: a status such as
        'deactivated' hides the account, an empty one says it is active again."""
        with self.conns.write() as db:
            for author_id, status in changes:
                if status:
                    db.conn.execute(
                        "INSERT INTO account_status VALUES (?,?,?) ON CONFLICT DO UPDATE SET"
                        " status=excluded.status, updated_at=excluded.updated_at",
                        (author_id, status, now.isoformat()),
                    )
                else:
                    db.conn.execute("DELETE FROM account_status WHERE author_id=?", (author_id,))

    def profiles_checked_since(self, author_ids: Collection[str], since: datetime) -> set[str]:
        """The accounts among these whose stored profile was read from the source at `since` or
        later: their consent was checked recently enough to store what they post now."""
        rows = rows_in(
            self.conns.db().conn,
            "SELECT id, updated_at FROM authors WHERE id IN ({in_list})",
            author_ids,
        )
        return {row["id"] for row in rows if _moment(row["updated_at"]) >= since}

    def handles_checked_since(self, author_ids: Collection[str], since: datetime) -> dict[str, str]:
        """`profiles_checked_since` with each account's handle (X builds post links from it)."""
        rows = rows_in(
            self.conns.db().conn,
            "SELECT id, handle, updated_at FROM authors WHERE id IN ({in_list})",
            author_ids,
        )
        return {row["id"]: row["handle"] for row in rows if _moment(row["updated_at"]) >= since}


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
