"""Writing posts and authors once, and keeping the hashtag aggregates in step."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from bot.domain.posts import Author, Post
from bot.storage.connection import PAGE_CACHE_KIB, Connections
from bot.storage.cooccur import CooccurWindow
from bot.storage.recount import expire_shares, ordinal
from bot.storage.removal import delete_posts
from bot.storage.sql import chunks, marks, named
from bot.storage.staging import AUTHOR_COLUMNS, POST_COLUMNS, SCHEMA, stage, summarize

BULK_CHECKPOINT_PAGES = 10_000  # ~40 MB of write-ahead log between copy-backs during an import
BULK_CACHE_KIB = 64 * 1024  # the writer's page cache during an import, as its speed was measured


@dataclass(frozen=True)
class SaveResult:
    new_posts: int = 0
    updated_posts: int = 0
    new_authors: int = 0  # stored for the first time
    skipped_opted_out: int = 0

    def __add__(self, other: SaveResult) -> SaveResult:
        return SaveResult(
            self.new_posts + other.new_posts,
            self.updated_posts + other.updated_posts,
            self.new_authors + other.new_authors,
            self.skipped_opted_out + other.skipped_opted_out,
        )


class PostWriter(CooccurWindow):
    conns: Connections

    def save_posts(
        self, posts: Sequence[Post], authors: Sequence[Author], *, now: datetime
    ) -> SaveResult:
        """Store new posts once, refresh metrics of known ones, upsert authors; one transaction."""
        return self.save_staged(stage(posts, authors, now.isoformat()))

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """For an import: the write-ahead log is copied back every ~40 MB instead of every 4 MB
        (each batch rewrites the aggregates' pages, and every copy-back syncs the disk), then
        once at the end; the writer keeps a larger page cache meanwhile."""
        conn = self.conns.db().conn
        conn.execute(f"PRAGMA wal_autocheckpoint={BULK_CHECKPOINT_PAGES}")
        conn.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
            conn.execute("PRAGMA wal_autocheckpoint=1000")  # SQLite's default
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def save_staged(self, image: bytes) -> SaveResult:
        """Write a batch `staging.stage` made (perhaps in another process); one transaction."""
        db = self.conns.db()
        conn = db.conn
        with self.conns.write_lock:
            conn.execute(f"ATTACH DATABASE ':memory:' AS {SCHEMA}")
            try:
                conn.deserialize(image, name=SCHEMA)
                with self.conns.write():
                    return self._merge(conn)
            finally:
                conn.execute(f"DETACH DATABASE {SCHEMA}")

    def _merge(self, conn: sqlite3.Connection) -> SaveResult:
        s = SCHEMA
        skipped = 0
        opted_out = named(conn).execute(f"SELECT author_id, posts, at FROM {s}.opted_out")
        for row in opted_out.fetchall():
            self._forget_authors(conn, [(row["author_id"], "profile opts out")], row["at"])
            skipped += row["posts"]
        blocked = "(SELECT author_id FROM main.opt_outs)"
        skipped += conn.execute(f"DELETE FROM {s}.posts WHERE author_id IN {blocked}").rowcount
        conn.execute(f"DELETE FROM {s}.authors WHERE id IN {blocked}")
        self._refresh_engagement(conn)
        updated = conn.execute(
            "UPDATE main.posts SET likes = b.likes, reposts = b.reposts, replies = b.replies,"
            f" quotes = b.quotes, fetched_at = b.fetched_at FROM {s}.posts AS b"
            " WHERE main.posts.id = b.id"
        ).rowcount
        if updated:
            conn.execute(
                f"DELETE FROM {s}.posts WHERE EXISTS"
                f" (SELECT 1 FROM main.posts p WHERE p.id = {s}.posts.id)"
            )
        if skipped or updated:  # the rare path: sum the aggregates again without those posts
            conn.execute(f"DELETE FROM {s}.uses WHERE post_id NOT IN (SELECT id FROM {s}.posts)")
            summarize(conn, s)
        last_rowid = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM main.posts").fetchone()[0]
        new = conn.execute(
            f"INSERT INTO main.posts ({POST_COLUMNS}) SELECT {POST_COLUMNS} FROM {s}.posts"
        ).rowcount
        # Full-text rows for the whole batch in one statement (see migration 0002).
        conn.execute(
            "INSERT INTO posts_fts(rowid, text) SELECT rowid, text FROM main.posts WHERE rowid > ?",
            (last_rowid,),
        )
        self._add_aggregates(conn)
        new_authors = conn.execute(
            f"SELECT COUNT(*) FROM {s}.authors b"
            " WHERE NOT EXISTS (SELECT 1 FROM main.authors a WHERE a.id = b.id)"
        ).fetchone()[0]
        conn.execute(
            f"INSERT INTO main.authors ({AUTHOR_COLUMNS}) SELECT {AUTHOR_COLUMNS}"
            f" FROM {s}.authors WHERE true ON CONFLICT(id) DO UPDATE SET"
            " handle=excluded.handle, name=excluded.name, description=excluded.description,"
            " url=excluded.url, followers=excluded.followers, following=excluded.following,"
            " posts_count=excluded.posts_count, verified=excluded.verified,"
            " updated_at=excluded.updated_at"
        )
        return SaveResult(new, updated, new_authors, skipped)

    @staticmethod
    def _refresh_engagement(conn: sqlite3.Connection) -> None:
        """Posts stored before and read again bring new likes and reposts: their tags' daily
        engagement moves by the difference, so a later removal takes away what is counted."""
        engagement = "{0}.likes + {0}.reposts + {0}.replies + {0}.quotes"
        conn.execute(
            "UPDATE main.hashtag_daily SET engagement = engagement + c.change FROM ("
            f" SELECT h.tag_id, {ordinal('p.day')} AS day,"
            f" SUM(({engagement.format('b')}) - ({engagement.format('p')})) AS change"
            f" FROM {SCHEMA}.posts b JOIN main.posts p ON p.id = b.id"
            " JOIN main.post_hashtags h ON h.post_id = p.id GROUP BY 1, 2) AS c"
            " WHERE c.change != 0 AND hashtag_daily.tag_id = c.tag_id AND hashtag_daily.day = c.day"
        )

    def _add_aggregates(self, conn: sqlite3.Connection) -> None:
        """Tag rows and every aggregate, the batch's key numbers swapped for tag ids, in each
        table's key order."""
        s = SCHEMA
        conn.execute(f"INSERT OR IGNORE INTO main.tags (key) SELECT key FROM {s}.keys ORDER BY key")
        conn.execute(f"CREATE TABLE {s}.ids (kid INTEGER PRIMARY KEY, id INTEGER NOT NULL)")
        conn.execute(
            f"INSERT INTO {s}.ids SELECT k.kid, t.id FROM {s}.keys k JOIN main.tags t ON t.key = k.key"
        )
        tag = f"JOIN {s}.ids t ON t.kid = b.kid"
        conn.execute(
            "INSERT OR IGNORE INTO main.post_hashtags (post_id, tag_id, form) SELECT b.post_id, t.id, b.form"
            f" FROM {s}.uses b {tag} ORDER BY 1, 2"
        )
        conn.execute(
            "INSERT INTO main.hashtag_daily (tag_id, day, posts, engagement) SELECT t.id, b.day, b.posts, b.engagement"
            f" FROM {s}.daily b {tag} WHERE true ORDER BY 1, 2 ON CONFLICT DO UPDATE SET"
            " posts = posts + excluded.posts, engagement = engagement + excluded.engagement"
        )
        conn.execute(
            "INSERT INTO main.hashtag_forms (tag_id, form, posts)"
            f" SELECT t.id, b.form, b.posts FROM {s}.forms b {tag}"
            " WHERE true ORDER BY 1, 2 ON CONFLICT DO UPDATE SET posts = posts + excluded.posts"
        )
        conn.execute(
            "INSERT INTO main.hashtag_authors (tag_id, author_id, last_day, posts) SELECT t.id, b.author_id, b.last_day, b.posts"
            f" FROM {s}.tag_authors b {tag} WHERE true ORDER BY 1, 2 ON CONFLICT DO UPDATE SET"
            " last_day = max(last_day, excluded.last_day), posts = posts + excluded.posts"
        )
        # Each pair once a day, the lower tag id first (see migration 0003).
        pairs = (
            "SELECT b.day, min(t.id, o.id) AS tag_id, max(t.id, o.id) AS other_id, b.posts"
            f" FROM {s}.pairs b {tag} JOIN {s}.ids o ON o.kid = b.other"
        )
        conn.execute(
            "INSERT INTO main.cooccur_days (day, tag_id, other_id, posts)"
            f" {pairs} WHERE true ORDER BY 1, 2, 3"
            " ON CONFLICT DO UPDATE SET posts = posts + excluded.posts"
        )
        self._add_to_window(conn, pairs, self.window_day(conn))

    def _forget_authors(
        self, conn: sqlite3.Connection, reasons: Sequence[tuple[str, str]], when: str
    ) -> int:
        """Record each (account, reason) as opted out and delete what it posted; how many were new."""
        forgotten = [
            author_id
            for author_id, reason in reasons
            if conn.execute(
                "INSERT OR IGNORE INTO opt_outs (author_id, reason, created_at) VALUES (?,?,?)",
                (author_id, reason, when),
            ).rowcount
        ]  # forgotten before: nothing of theirs has been stored since
        for group in chunks(forgotten):
            # No index by author (imports would pay for it on every post): one scan per group.
            who = marks(group)
            posts = conn.execute(f"SELECT id FROM posts WHERE author_id IN ({who})", group)
            delete_posts(conn, [row[0] for row in posts], self.window_day(conn))
            for table, column in (
                ("authors", "id"),
                ("hashtag_authors", "author_id"),
                ("digest_advocates", "author_id"),
            ):
                conn.execute(f"DELETE FROM {table} WHERE {column} IN ({who})", group)
        return len(forgotten)

    def forget_authors(self, reasons: Sequence[tuple[str, str]], *, now: datetime) -> int:
        """Forget each (account, reason) and everything it posted, and never store it again; one
        transaction for all of them. How many had not been forgotten yet."""
        with self.conns.write() as db:
            return self._forget_authors(db.conn, reasons, now.isoformat())

    def delete_posts(self, post_ids: Sequence[str]) -> int:
        """Honour deletions at the source: the posts go, and their part of every aggregate."""
        with self.conns.write() as db:
            return delete_posts(db.conn, post_ids, self.window_day(db.conn))

    def expire_posts(self, *, before: datetime) -> int:
        """Retention: drop posts created before the cut-off, but not their counts (trends survive
        retention): their share of each aggregate becomes that row's expired share."""
        cutoff = before.date().isoformat()
        with self.conns.write() as db:
            expire_shares(db.conn, cutoff)
            db.conn.execute(
                "DELETE FROM post_hashtags WHERE post_id IN (SELECT id FROM posts WHERE day < ?)",
                (cutoff,),
            )
            return int(db.conn.execute("DELETE FROM posts WHERE day < ?", (cutoff,)).rowcount)
