"""The rolling 30-day co-occurrence window: reads stay small however long the bot has listened."""

from __future__ import annotations

import sqlite3
from datetime import date

from bot.domain.activity import WINDOW_DAYS
from bot.storage.connection import Connections


class CooccurWindow:
    conns: Connections

    def window_day(self, conn: sqlite3.Connection | None = None) -> int | None:
        """The day (ordinal) the window ends on, or None before it was first built."""
        conn = conn or self.conns.db().conn
        row = conn.execute("SELECT last_day FROM window_state WHERE id = 1").fetchone()
        return int(row[0]) if row else None

    def rebuild_cooccur_window(self, today: date) -> bool:
        """Sum the 30 days up to today; False when the window already ends today."""
        end = today.toordinal()
        with self.conns.write() as db:
            if self.window_day(db.conn) == end:
                return False
            db.conn.execute("DELETE FROM cooccur_window")
            db.conn.execute(  # each pair is stored once a day; the window holds both directions
                "INSERT INTO cooccur_window SELECT a, b, SUM(posts) FROM ("
                " SELECT tag_id AS a, other_id AS b, posts FROM cooccur_days"
                " WHERE day > ?1 AND day <= ?2 UNION ALL"
                " SELECT other_id, tag_id, posts FROM cooccur_days WHERE day > ?1 AND day <= ?2)"
                " GROUP BY a, b",
                (end - WINDOW_DAYS, end),
            )
            db.conn.execute(
                "INSERT INTO window_state VALUES (1, ?) ON CONFLICT DO UPDATE SET"
                " last_day = excluded.last_day",
                (end,),
            )
        return True

    @staticmethod
    def _add_to_window(conn: sqlite3.Connection, pairs: str, last_day: int | None) -> None:
        """New posts inside the current window count at once (called in the write transaction).

        `pairs` is a SELECT of cooccur_days rows: day, tag_id, other_id, posts; each pair once.
        """
        if last_day is None:
            return
        conn.execute(
            "INSERT INTO cooccur_window SELECT a, b, SUM(posts) FROM ("
            f" SELECT tag_id AS a, other_id AS b, posts FROM ({pairs}) WHERE day > ?1 AND day <= ?2"
            " UNION ALL"
            f" SELECT other_id, tag_id, posts FROM ({pairs}) WHERE day > ?1 AND day <= ?2)"
            " GROUP BY a, b ON CONFLICT DO UPDATE SET posts = posts + excluded.posts",
            (last_day - WINDOW_DAYS, last_day),
        )
