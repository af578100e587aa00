"""What alerts read and keep: the tagged posts of a few hours, how far a topic's history reaches,
and the log that sends each alert to a channel once, at most a few a day."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from datetime import UTC, date, datetime

from bot.domain.bursts import TaggedPost
from bot.domain.channel_alerts import SENT
from bot.storage.accounts import INACTIVE_AUTHORS
from bot.storage.connection import Connections
from bot.storage.sql import marks, named, rows_in
from bot.storage.tag_ids import TagIds


def _stored(moment: datetime) -> str:
    """A moment as posts store created_at (UTC ISO text), so the text compares as time does."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "+00:00"


class AlertReads:
    conns: Connections
    tag_ids: TagIds

    def tagged_posts_between(self, since: datetime, until: datetime) -> list[TaggedPost]:
        """Every stored post with a hashtag created after `since` up to `until`, with all its tags.

        Read through the index by creation time (migration 0011): a few hours cost their own
        posts, not their days'. The posts of opted-out accounts are gone, accounts inactive at
        their source are left out, and hours older than RETENTION_DAYS hold nothing (deleted).
        """
        first, last = since.astimezone(UTC), until.astimezone(UTC)
        rows: dict[str, sqlite3.Row] = {}
        tag_ids: dict[str, list[int]] = {}
        forms: dict[str, list[str]] = {}
        conn = self.conns.db().conn
        for row in named(conn).execute(
            "SELECT p.id, p.author_id, p.created_at, p.conversation_id, p.reply_to != '' AS is_reply,"
            " p.replies + p.quotes AS answers,"
            " p.likes + p.reposts + p.replies + p.quotes AS engagement, ph.tag_id, ph.form"
            " FROM posts p JOIN post_hashtags ph ON ph.post_id = p.id"
            " WHERE p.created_at > ? AND p.created_at <= ?"
            f" AND p.author_id NOT IN {INACTIVE_AUTHORS}",
            [_stored(first), _stored(last)],
        ):
            post_id = row["id"]
            if post_id not in rows:
                rows[post_id], tag_ids[post_id], forms[post_id] = row, [], []
            tag_ids[post_id].append(row["tag_id"])
            forms[post_id].append(row["form"])
        # Keys for the few thousand tag ids at once: cheaper than joining tags for every use.
        key_of = {
            row["id"]: row["key"]
            for row in rows_in(
                conn,
                "SELECT id, key FROM tags WHERE id IN ({in_list})",
                {tag_id for ids in tag_ids.values() for tag_id in ids},
            )
        }
        return [
            TaggedPost(
                id=post_id,
                author_id=row["author_id"],
                created_at=_moment(row["created_at"]),
                conversation_id=row["conversation_id"] or "",
                is_reply=bool(row["is_reply"]),
                answers=int(row["answers"] or 0),
                engagement=int(row["engagement"] or 0),
                tags=tuple(key_of[tag_id] for tag_id in tag_ids[post_id]),
                forms=tuple(
                    form or key_of[tag_id]
                    for form, tag_id in zip(forms[post_id], tag_ids[post_id], strict=True)
                ),
            )
            for post_id, row in rows.items()
        ]

    def tags_first_seen(self, keys: Collection[str]) -> date | None:
        """The first day any of these tags was counted (counts outlive retention)."""
        conn = self.conns.db().conn
        ids = sorted(self.tag_ids.existing(conn, set(keys)).values())
        if not ids:
            return None
        row = conn.execute(
            f"SELECT MIN(day) FROM hashtag_daily WHERE tag_id IN ({marks(ids)}) AND posts > 0", ids
        ).fetchone()
        return date.fromordinal(row[0]) if row and row[0] else None

    # Each alert once per channel, a few a day ---------------------------------------------
    def alert_log(
        self, channel_id: str, since: datetime, keys: Collection[str] = ()
    ) -> dict[str, str]:
        """The channel's alert log since `since`, and its entries for these keys whenever they
        were made: event key -> state."""
        rows = self.conns.db().conn.execute(
            "SELECT event_key, state FROM alert_log WHERE channel_id=?"
            f" AND (created_at >= ? OR event_key IN ({marks(keys) if keys else 'NULL'}))",
            [channel_id, since.astimezone(UTC).isoformat(), *keys],
        )
        return {row[0]: row[1] for row in rows}

    def alerts_on_day(self, channel_id: str, local_day: date) -> int:
        """Alerts sent to the channel on its local day, toward the daily cap."""
        row = (
            self.conns.db()
            .conn.execute(
                f"SELECT COUNT(*) FROM alert_log WHERE channel_id=? AND local_day=?"
                f" AND state IN ({marks(SENT)})",
                [channel_id, local_day.isoformat(), *SENT],
            )
            .fetchone()
        )
        return int(row[0])

    def claim_alert(
        self,
        channel_id: str,
        event_key: str,
        *,
        topic_key: str,
        kind: str,
        summary: str,
        local_day: date,
        cap: int,
        claimer: str,
        now: datetime,
        same_since: datetime | None = None,
    ) -> bool:
        """Mark an alert as being sent by `claimer`. False when the channel had this event
        before (or another run is sending it), or its cap for the day is reached: then post
        nothing. A refused earlier try (state pending) may be claimed again. `same_since`: an
        entry for the same event stamped otherwise (`key@moment`) since then counts as this one
        (two processes stamping one burst at different minutes)."""
        at = now.isoformat()
        with self.conns.write() as db:
            sent = db.conn.execute(
                f"SELECT COUNT(*) FROM alert_log WHERE channel_id=? AND local_day=?"
                f" AND state IN ({marks(SENT)})",
                [channel_id, local_day.isoformat(), *SENT],
            ).fetchone()[0]
            if sent >= cap:
                return False
            if same_since is not None:
                event = event_key.split("@", 1)[0] + "@"
                if db.conn.execute(
                    "SELECT 1 FROM alert_log WHERE channel_id=? AND event_key != ?"
                    " AND substr(event_key, 1, length(?)) = ? AND created_at >= ?"
                    f" AND state IN ({marks(SENT)})",
                    [
                        channel_id,
                        event_key,
                        event,
                        event,
                        same_since.astimezone(UTC).isoformat(),
                        *SENT,
                    ],
                ).fetchone():
                    return False
            return (
                db.conn.execute(
                    "INSERT INTO alert_log VALUES (?,?,?,?,?,?,'sending',NULL,?,?,?)"
                    " ON CONFLICT (channel_id, event_key) DO UPDATE SET state='sending',"
                    " claimed_by=excluded.claimed_by, local_day=excluded.local_day,"
                    " updated_at=excluded.updated_at WHERE alert_log.state='pending'",
                    (
                        channel_id,
                        event_key,
                        topic_key,
                        kind,
                        local_day.isoformat(),
                        summary,
                        claimer,
                        at,
                        at,
                    ),
                ).rowcount
                == 1
            )

    def settle_alert(
        self, channel_id: str, event_key: str, state: str, *, now: datetime, ts: str | None = None
    ) -> None:
        """What became of a claimed alert: posted (with Slack's ts), pending (Slack refused it:
        it may go out on a later check) or uncertain (it may have reached Slack: never again)."""
        with self.conns.write() as db:
            db.conn.execute(
                "UPDATE alert_log SET state=?, ts=COALESCE(?, ts), updated_at=?"
                " WHERE channel_id=? AND event_key=?",
                (state, ts, now.isoformat(), channel_id, event_key),
            )


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
