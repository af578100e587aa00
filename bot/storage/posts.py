"""Writing posts and authors once, and keeping the hashtag aggregates in step."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from bot.domain.hashtags import tag_key
from bot.domain.posts import Author, Post
from bot.storage.connection import Connections
from bot.storage.cooccur import CooccurWindow
from bot.storage.sql import chunks, marks, present
from bot.storage.tag_ids import TagIds

MAX_TAGS_PAIRED = 10  # a post stuffed with 30 tags says little about how any two relate


@dataclass(frozen=True)
class SaveResult:
    new_posts: int = 0
    updated_posts: int = 0
    authors: int = 0
    skipped_opted_out: int = 0

    def __add__(self, other: SaveResult) -> SaveResult:
        return SaveResult(
            self.new_posts + other.new_posts,
            self.updated_posts + other.updated_posts,
            self.authors + other.authors,
            self.skipped_opted_out + other.skipped_opted_out,
        )


class PostWriter(CooccurWindow):
    conns: Connections
    tag_ids: TagIds

    def save_posts(
        self, posts: Sequence[Post], authors: Sequence[Author], *, now: datetime
    ) -> SaveResult:
        """Store new posts once, refresh metrics of known ones, upsert authors; one transaction."""
        try:
            return self._save_posts(posts, authors, now.isoformat())
        except BaseException:
            self.tag_ids.forget()
            raise

    def _save_posts(
        self, posts: Sequence[Post], authors: Sequence[Author], fetched: str
    ) -> SaveResult:
        with self.conns.write() as db:
            conn = db.conn
            opted_out = {a.id for a in authors if a.opted_out}
            opted_out |= present(
                conn,
                "opt_outs",
                "author_id",
                {p.author_id for p in posts} | {a.id for a in authors},
            )
            for author_id in {a.id for a in authors if a.opted_out}:
                self._forget_author(conn, author_id, "profile opts out", fetched)
            unique = {p.id: p for p in posts}
            kept = [p for p in unique.values() if p.author_id not in opted_out]
            ids = [p.id for p in kept]
            existing = present(conn, "posts", "id", ids)
            new = [p for p in kept if p.id not in existing]
            old = [p for p in kept if p.id in existing]
            last_rowid = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM posts").fetchone()[0]
            conn.executemany(
                "INSERT INTO posts (id, source, author_id, text, created_at, day, url, lang,"
                " conversation_id, reply_to, repost_of, quote_of, likes, reposts, replies, quotes,"
                " fetched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        p.id,
                        p.source,
                        p.author_id,
                        p.text,
                        created,
                        created[:10],  # the date part of the ISO time is the post's day
                        p.url,
                        p.lang,
                        p.conversation_id,
                        p.reply_to,
                        p.repost_of,
                        p.quote_of,
                        p.likes,
                        p.reposts,
                        p.replies,
                        p.quotes,
                        fetched,
                    )
                    for p in new
                    for created in (p.created_at.isoformat(),)
                ],
            )
            # Full-text rows for the whole batch in one statement (see migration 0002).
            conn.execute(
                "INSERT INTO posts_fts(rowid, text) SELECT rowid, text FROM posts WHERE rowid > ?",
                (last_rowid,),
            )
            conn.executemany(
                "UPDATE posts SET likes=?, reposts=?, replies=?, quotes=?, fetched_at=? WHERE id=?",
                [(p.likes, p.reposts, p.replies, p.quotes, fetched, p.id) for p in old],
            )
            self._add_hashtags(conn, new)
            stored_authors = [a for a in authors if a.id not in opted_out]
            conn.executemany(
                "INSERT INTO authors (id, source, handle, name, description, url, followers,"
                " following, posts_count, verified, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                " handle=excluded.handle, name=excluded.name, description=excluded.description,"
                " url=excluded.url, followers=excluded.followers, following=excluded.following,"
                " posts_count=excluded.posts_count, verified=excluded.verified,"
                " updated_at=excluded.updated_at",
                [
                    (
                        a.id,
                        a.source,
                        a.handle,
                        a.name,
                        a.description,
                        a.url,
                        a.followers,
                        a.following,
                        a.posts_count,
                        int(a.verified),
                        a.created_at.isoformat() if a.created_at else None,
                        fetched,
                    )
                    for a in stored_authors
                ],
            )
        return SaveResult(len(new), len(old), len(stored_authors), len(unique) - len(kept))

    def _add_hashtags(self, conn: sqlite3.Connection, new: Sequence[Post]) -> None:
        """Hashtag rows and every aggregate, summed in Python so each row is written once a batch."""
        keys: dict[str, str] = {}  # tag_key memo: a batch repeats the same few tags
        keyed_posts = []
        for p in new:
            keyed = {}
            for t in reversed(p.hashtags):
                key = keys.get(t)
                if key is None:
                    key = keys[t] = tag_key(t)
                keyed[key] = t
            keyed_posts.append((p, keyed))
        ids = self.tag_ids.create(conn, {k for _, keyed in keyed_posts for k in keyed})
        rows: list[tuple[str, int, str]] = []
        daily: dict[tuple[int, int], list[int]] = {}  # (tag, day) -> [posts, engagement]
        forms: Counter[tuple[int, str]] = Counter()
        authors: dict[tuple[int, str], tuple[int, int]] = {}
        pairs: Counter[tuple[int, int, int]] = Counter()
        for post, keyed in keyed_posts:
            if not keyed:
                continue
            day = post.created_at.toordinal()
            engaged = post.likes + post.reposts + post.replies + post.quotes
            post_id, author_id = post.id, post.author_id
            tag_ids = []
            for key, form in keyed.items():
                tag_id = ids[key]
                tag_ids.append(tag_id)
                rows.append((post_id, tag_id, form))
                sums = daily.get((tag_id, day))
                if sums is None:
                    daily[tag_id, day] = [1, engaged]
                else:
                    sums[0] += 1
                    sums[1] += engaged
                forms[tag_id, form] += 1
                last, count = authors.get((tag_id, author_id), (0, 0))
                authors[tag_id, author_id] = (last if last > day else day, count + 1)
            if len(tag_ids) > 1:
                for a, b in combinations(sorted(tag_ids)[:MAX_TAGS_PAIRED], 2):
                    pairs[a, day, b] += 1
                    pairs[b, day, a] += 1
        conn.executemany("INSERT OR IGNORE INTO post_hashtags VALUES (?,?,?)", rows)
        conn.executemany(
            "INSERT INTO hashtag_daily VALUES (?,?,?,?) ON CONFLICT DO UPDATE SET"
            " posts=posts+excluded.posts, engagement=engagement+excluded.engagement",
            [(t, d, n, engaged) for (t, d), (n, engaged) in daily.items()],
        )
        conn.executemany(
            "INSERT INTO hashtag_forms VALUES (?,?,?) ON CONFLICT DO UPDATE SET"
            " posts=posts+excluded.posts",
            [(t, f, n) for (t, f), n in forms.items()],
        )
        conn.executemany(
            "INSERT INTO hashtag_authors VALUES (?,?,?,?) ON CONFLICT DO UPDATE SET"
            " last_day=max(last_day, excluded.last_day), posts=posts+excluded.posts",
            [(t, a, d, n) for (t, a), (d, n) in authors.items()],
        )
        pair_rows = [(a, d, b, n) for (a, d, b), n in pairs.items()]
        conn.executemany(
            "INSERT INTO cooccur_daily VALUES (?,?,?,?) ON CONFLICT DO UPDATE SET"
            " posts=posts+excluded.posts",
            pair_rows,
        )
        self._add_to_window(conn, pair_rows, self.window_day(conn))

    @staticmethod
    def _forget_author(conn: sqlite3.Connection, author_id: str, reason: str, when: str) -> None:
        conn.execute(
            "INSERT OR IGNORE INTO opt_outs (author_id, reason, created_at) VALUES (?,?,?)",
            (author_id, reason, when),
        )
        conn.execute(
            "DELETE FROM post_hashtags WHERE post_id IN (SELECT id FROM posts WHERE author_id=?)",
            (author_id,),
        )
        conn.execute("DELETE FROM posts WHERE author_id=?", (author_id,))
        conn.execute("DELETE FROM authors WHERE id=?", (author_id,))
        conn.execute("DELETE FROM hashtag_authors WHERE author_id=?", (author_id,))

    def opt_out(self, author_id: str, reason: str, *, now: datetime) -> None:
        """Forget an account and everything it posted, and never store it again."""
        with self.conns.write() as db:
            self._forget_author(db.conn, author_id, reason, now.isoformat())

    def delete_posts(self, post_ids: Sequence[str]) -> int:
        """Honour deletions at the source: the post and its hashtag rows go."""
        deleted = 0
        with self.conns.write() as db:
            for chunk in chunks(list(post_ids)):
                in_list = marks(chunk)
                db.conn.execute(f"DELETE FROM post_hashtags WHERE post_id IN ({in_list})", chunk)
                deleted += db.conn.execute(
                    f"DELETE FROM posts WHERE id IN ({in_list})", chunk
                ).rowcount
        return deleted

    def expire_posts(self, *, before: datetime) -> int:
        """Retention: drop posts (not aggregates) created before the cut-off."""
        cutoff = before.date().isoformat()
        with self.conns.write() as db:
            db.conn.execute(
                "DELETE FROM post_hashtags WHERE post_id IN (SELECT id FROM posts WHERE day < ?)",
                (cutoff,),
            )
            return int(db.conn.execute("DELETE FROM posts WHERE day < ?", (cutoff,)).rowcount)
