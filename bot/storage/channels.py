"""What each channel asked for and was given: tracked topics, muted accounts, digests delivered."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.domain.schedules import Schedule
from bot.domain.text import topic_key
from bot.storage.connection import Connections
from bot.storage.sql import named


@dataclass(frozen=True)
class DigestPart:
    """One message of a channel's digest for a day, and how far its delivery got.

    state: pending (not sent), sending (claimed; a run is posting it now, or died doing so),
    posted (Slack answered with its ts), uncertain (a run died mid-send: never sent again).
    """

    channel_id: str
    day: date
    part: int
    payload: dict[str, Any]
    introduced: dict[str, list[str]]
    state: str
    ts: str | None
    claimed_by: str | None = None  # the process that claimed it, while it is being sent


@dataclass(frozen=True)
class Topic:
    id: int
    channel_id: str
    topic: str
    condition_id: str | None
    created_by: str
    created_at: str
    team_id: str = ""


class ChannelState:
    conns: Connections

    # Tracked topics -------------------------------------------------------------------------
    def track(
        self,
        channel_id: str,
        topic: str,
        *,
        condition_id: str | None,
        created_by: str,
        now: datetime,
        team_id: str = "",
    ) -> bool:
        """Track a topic in a channel; False when the channel already tracks it."""
        with self.conns.write() as db:
            cursor = db.conn.execute(
                "INSERT OR IGNORE INTO topics (team_id, channel_id, topic, topic_key, condition_id,"
                " created_by, created_at) VALUES (?,?,?,?,?,?,?)",
                (
                    team_id,
                    channel_id,
                    topic,
                    topic_key(topic),
                    condition_id,
                    created_by,
                    now.isoformat(),
                ),
            )
            return cursor.rowcount == 1

    def untrack(self, channel_id: str, topic: str) -> bool:
        with self.conns.write() as db:
            cursor = db.conn.execute(
                "DELETE FROM topics WHERE channel_id=? AND topic_key=?",
                (channel_id, topic_key(topic)),
            )
            return cursor.rowcount > 0

    def topics(self, channel_id: str | None = None) -> list[Topic]:
        sql = "SELECT id, channel_id, topic, condition_id, created_by, created_at, team_id FROM topics"
        args: list[str] = []
        if channel_id is not None:
            sql += " WHERE channel_id=?"
            args.append(channel_id)
        rows = named(self.conns.db().conn).execute(sql + " ORDER BY channel_id, id", args)
        return [
            Topic(
                id=row["id"],
                channel_id=row["channel_id"],
                topic=row["topic"],
                condition_id=row["condition_id"],
                created_by=row["created_by"],
                created_at=row["created_at"],
                team_id=row["team_id"],
            )
            for row in rows
        ]

    # A channel's mute list ------------------------------------------------------------------
    def mute(self, channel_id: str, handle: str, *, created_by: str, now: datetime) -> bool:
        """Digests in this channel never name or show this handle; False when already muted."""
        with self.conns.write() as db:
            return (
                db.conn.execute(
                    "INSERT OR IGNORE INTO digest_mutes VALUES (?,?,?,?,?)",
                    (channel_id, handle.casefold(), handle, created_by, now.isoformat()),
                ).rowcount
                == 1
            )

    def unmute(self, channel_id: str, handle: str) -> bool:
        with self.conns.write() as db:
            return (
                db.conn.execute(
                    "DELETE FROM digest_mutes WHERE channel_id=? AND handle_key=?",
                    (channel_id, handle.casefold()),
                ).rowcount
                > 0
            )

    def muted(self, channel_id: str) -> list[str]:
        """The handles this channel muted, as typed, oldest first."""
        rows = self.conns.db().conn.execute(
            "SELECT handle FROM digest_mutes WHERE channel_id=? ORDER BY created_at, handle",
            (channel_id,),
        )
        return [row[0] for row in rows]

    # What digests already said -------------------------------------------------------------
    def introduced(self, channel_id: str, topic_key: str) -> set[str]:
        """Accounts a digest has already introduced to this channel for this topic."""
        rows = self.conns.db().conn.execute(
            "SELECT author_id FROM digest_advocates WHERE channel_id=? AND topic_key=?",
            (channel_id, topic_key),
        )
        return {row[0] for row in rows}

    def last_digests(self) -> dict[str, date]:
        """The day each channel last had its digest."""
        rows = named(self.conns.db().conn).execute(
            "SELECT channel_id, MAX(day) AS last_day FROM digest_deliveries GROUP BY channel_id"
        )
        return {row["channel_id"]: date.fromisoformat(row["last_day"]) for row in rows}

    def digest_delivered(self, channel_id: str, day: date) -> bool:
        row = (
            self.conns.db()
            .conn.execute(
                "SELECT 1 FROM digest_deliveries WHERE channel_id=? AND day=?",
                (channel_id, day.isoformat()),
            )
            .fetchone()
        )
        return row is not None

    def record_digest(
        self,
        channel_id: str,
        day: date,
        introduced: Mapping[str, Iterable[str]],
        *,
        now: datetime,
        message_ts: str | None = None,
    ) -> None:
        """Mark a digest delivered: the day's one digest, and the accounts it introduced."""
        at = now.isoformat()
        with self.conns.write() as db:
            db.conn.execute(
                "INSERT INTO digest_deliveries VALUES (?,?,?,?,?) ON CONFLICT DO UPDATE SET"
                " delivered_at=excluded.delivered_at, topics=excluded.topics,"
                " message_ts=COALESCE(excluded.message_ts, message_ts)",
                (channel_id, day.isoformat(), at, len(introduced), message_ts),
            )
            db.conn.executemany(
                "INSERT OR IGNORE INTO digest_advocates VALUES (?,?,?,?)",
                [
                    (channel_id, topic_key, author_id, at)
                    for topic_key, authors in introduced.items()
                    for author_id in authors
                ],
            )

    # Each part of a digest, exactly once ---------------------------------------------------
    def digest_parts(self, channel_id: str, day: date) -> list[DigestPart]:
        rows = named(self.conns.db().conn).execute(
            "SELECT part, payload, introduced, state, ts, claimed_by FROM digest_parts"
            " WHERE channel_id=? AND day=? ORDER BY part",
            (channel_id, day.isoformat()),
        )
        return [
            DigestPart(
                channel_id,
                day,
                row["part"],
                json.loads(row["payload"]),
                json.loads(row["introduced"]),
                row["state"],
                row["ts"],
                row["claimed_by"],
            )
            for row in rows
        ]

    def digest_last_try(self, channel_id: str, day: date) -> datetime | None:
        """When the day's digest was last planned, sent or refused (None: never tried)."""
        row = (
            self.conns.db()
            .conn.execute(
                "SELECT MAX(updated_at) FROM digest_parts WHERE channel_id=? AND day=?",
                (channel_id, day.isoformat()),
            )
            .fetchone()
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def plan_digest_parts(
        self,
        channel_id: str,
        day: date,
        parts: Sequence[tuple[dict[str, Any], Mapping[str, list[str]]]],
        *,
        now: datetime,
    ) -> list[DigestPart]:
        """Keep a digest's messages before any is sent. A plan nothing was sent from is replaced;
        one that is under way stays, so every run finishes the same digest."""
        with self.conns.write() as db:
            started = db.conn.execute(
                "SELECT 1 FROM digest_parts WHERE channel_id=? AND day=? AND state != 'pending'",
                (channel_id, day.isoformat()),
            ).fetchone()
            if not started:
                db.conn.execute(
                    "DELETE FROM digest_parts WHERE channel_id=? AND day=?",
                    (channel_id, day.isoformat()),
                )
                db.conn.executemany(
                    "INSERT INTO digest_parts VALUES (?,?,?,?,?,'pending',NULL,NULL,?)",
                    [
                        (
                            channel_id,
                            day.isoformat(),
                            n,
                            json.dumps(payload, ensure_ascii=False),
                            json.dumps(dict(introduced)),
                            now.isoformat(),
                        )
                        for n, (payload, introduced) in enumerate(parts)
                    ],
                )
        return self.digest_parts(channel_id, day)

    def claim_digest_part(self, part: DigestPart, claimer: str, *, now: datetime) -> bool:
        """Mark a part as being sent by `claimer`; False when another run claimed or sent it."""
        with self.conns.write() as db:
            return (
                db.conn.execute(
                    "UPDATE digest_parts SET state='sending', claimed_by=?, updated_at=?"
                    " WHERE channel_id=? AND day=? AND part=? AND state='pending'",
                    (claimer, now.isoformat(), part.channel_id, part.day.isoformat(), part.part),
                ).rowcount
                == 1
            )

    def settle_digest_part(
        self, part: DigestPart, state: str, *, now: datetime, ts: str | None = None
    ) -> None:
        """Record what became of a claimed part. Posted parts introduce their accounts."""
        at = now.isoformat()
        with self.conns.write() as db:
            db.conn.execute(
                "UPDATE digest_parts SET state=?, ts=COALESCE(?, ts), updated_at=?"
                " WHERE channel_id=? AND day=? AND part=?",
                (state, ts, at, part.channel_id, part.day.isoformat(), part.part),
            )
            if state == "posted":
                db.conn.executemany(
                    "INSERT OR IGNORE INTO digest_advocates VALUES (?,?,?,?)",
                    [
                        (part.channel_id, topic_key, author_id, at)
                        for topic_key, authors in part.introduced.items()
                        for author_id in authors
                    ],
                )

    # Each channel's own clock -------------------------------------------------------------
    def set_schedule(
        self, channel_id: str, schedule: Schedule | None, *, by: str, now: datetime
    ) -> None:
        """The channel's digest schedule; None goes back to the default."""
        values = (
            (schedule.cadence, schedule.at.strftime("%H:%M"), schedule.weekday, schedule.timezone)
            if schedule
            else (None, None, None, None)
        )
        with self.conns.write() as db:
            db.conn.execute(
                "INSERT INTO channel_settings (channel_id, cadence, at, weekday, timezone,"
                " updated_by, updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET"
                " cadence=excluded.cadence, at=excluded.at, weekday=excluded.weekday,"
                " timezone=excluded.timezone, updated_by=excluded.updated_by,"
                " updated_at=excluded.updated_at",
                (channel_id, *values, by, now.isoformat()),
            )

    def set_alerts(self, channel_id: str, on: bool, *, by: str, now: datetime) -> None:
        with self.conns.write() as db:
            db.conn.execute(
                "INSERT INTO channel_settings (channel_id, alerts, updated_by, updated_at)"
                " VALUES (?,?,?,?) ON CONFLICT DO UPDATE SET alerts=excluded.alerts,"
                " updated_by=excluded.updated_by, updated_at=excluded.updated_at",
                (channel_id, int(on), by, now.isoformat()),
            )

    def channel_settings(self) -> dict[str, tuple[Schedule | None, bool]]:
        """Each channel that set something: its schedule (None: the default) and alerts on/off."""
        rows = named(self.conns.db().conn).execute(
            "SELECT channel_id, cadence, at, weekday, timezone, alerts FROM channel_settings"
        )
        settings: dict[str, tuple[Schedule | None, bool]] = {}
        for row in rows:
            schedule = None
            if row["cadence"]:
                hour, minute = (int(part) for part in row["at"].split(":"))
                schedule = Schedule(
                    row["cadence"], time(hour, minute), row["timezone"], row["weekday"]
                )
            settings[row["channel_id"]] = (schedule, bool(row["alerts"]))
        return settings
