"""Reads a digest needs: a topic's recent posts, its volume and voices, posts and profiles to show.

The digest's values are imported when first read, not with the Store: every command opens the
Store, and most never build a digest (`hashtag-bot suggest` starts without the digest rules).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Collection
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from bot.storage.accounts import INACTIVE_AUTHORS
from bot.storage.connection import Connections
from bot.storage.sql import chunks, marks, named, rows_in
from bot.storage.stats import rows_saying
from bot.storage.tag_ids import TagIds

if TYPE_CHECKING:
    from bot.domain.digest import PostView, TaggedPost, TopicPost, Volume
    from bot.domain.voices import Profile, Voice, VoicePost

_POST_FIELDS = (
    "p.id, p.author_id, p.day, p.created_at, p.conversation_id,"
    " p.likes + p.reposts + p.replies + p.quotes AS engagement, p.reply_to != '' AS is_reply"
)

# "@jamie_speaks", "@jamie.bsky.social", "@ana@mastodon.social": a handle as posts write it.
_MENTION = re.compile(r"(?<![\w@])@([\w][\w.-]*(?:@[\w-]+(?:\.[\w-]+)+)?)")


def _topic_post(row: sqlite3.Row) -> TopicPost:
    """A post from a row of `_POST_FIELDS`."""
    from bot.domain.digest import TopicPost

    created = datetime.fromisoformat(row["created_at"])
    return TopicPost(
        id=row["id"],
        author_id=row["author_id"],
        day=date.fromisoformat(row["day"]),
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
        conversation_id=row["conversation_id"] or "",
        engagement=int(row["engagement"] or 0),
        is_reply=bool(row["is_reply"]),
    )


def _profile(row: sqlite3.Row) -> Profile:
    from bot.domain.voices import Profile

    return Profile(
        id=row["id"],
        source=row["source"],
        handle=row["handle"] or "",
        name=row["name"] or "",
        description=row["description"] or "",
        url=row["url"] or "",
        followers=row["followers"] or 0,
    )


class DigestReads:
    conns: Connections
    tag_ids: TagIds

    def posts_with_tags(
        self, keys: Collection[str], since: datetime, until: datetime
    ) -> tuple[list[TopicPost], dict[str, list[str]]]:
        """Posts from `since` to `until` carrying any of these tags, and which of them each carries.

        Found by day and then by post, the way both are indexed, so this reads each post of those
        days once: callers ask once for every topic's tags (a day or two of posts, not weeks).
        Posts by accounts inactive at their source are left out while they are.
        """
        conn = self.conns.db().conn
        ids = self.tag_ids.existing(conn, set(keys))
        if not ids:
            return [], {}
        key_of = {tag_id: key for key, tag_id in ids.items()}
        posts: dict[str, TopicPost] = {}
        tags_of: dict[str, list[str]] = {}
        first, last = since.astimezone(UTC), until.astimezone(UTC)
        for row in named(conn).execute(
            f"SELECT {_POST_FIELDS}, ph.tag_id FROM posts p"
            " JOIN post_hashtags ph ON ph.post_id = p.id"
            f" WHERE p.day >= ? AND p.day <= ? AND ph.tag_id IN ({marks(key_of)})"
            f" AND p.author_id NOT IN {INACTIVE_AUTHORS}",
            [first.date().isoformat(), last.date().isoformat(), *key_of],
        ):
            post_id = row["id"]
            if post_id not in posts:
                post = _topic_post(row)
                if not first <= post.created_at <= last:
                    continue
                posts[post_id] = post
                tags_of[post_id] = []
            tags_of[post_id].append(key_of[row["tag_id"]])
        return list(posts.values()), tags_of

    def posts_tagged(
        self, keys: Collection[str], since: datetime, until: datetime
    ) -> list[TaggedPost]:
        """Posts from `since` to `until` carrying any of these tags (a congress's), each with its
        text and every tag it carries, so a digest can tell which speak of its topic. Only
        read while a congress runs; none by accounts inactive at their source."""
        from bot.domain.digest import TaggedPost

        conn = self.conns.db().conn
        ids = self.tag_ids.existing(conn, set(keys))
        if not ids:
            return []
        first, last = since.astimezone(UTC), until.astimezone(UTC)
        found: dict[str, tuple[TopicPost, str]] = {}
        for row in named(conn).execute(
            f"SELECT {_POST_FIELDS}, p.text FROM posts p"
            " JOIN post_hashtags ph ON ph.post_id = p.id"
            f" WHERE p.day >= ? AND p.day <= ? AND ph.tag_id IN ({marks(ids)})"
            f" AND p.author_id NOT IN {INACTIVE_AUTHORS}",
            [first.date().isoformat(), last.date().isoformat(), *ids.values()],
        ):
            post = _topic_post(row)
            if first <= post.created_at <= last:
                found[post.id] = (post, row["text"] or "")
        tags: dict[str, set[str]] = {post_id: set() for post_id in found}
        for row in rows_in(
            conn,
            "SELECT ph.post_id, t.key FROM post_hashtags ph JOIN tags t ON t.id = ph.tag_id"
            " WHERE ph.post_id IN ({in_list})",
            found,
        ):
            tags[row["post_id"]].add(row["key"])
        return [TaggedPost(post, text, frozenset(tags[i])) for i, (post, text) in found.items()]

    def topic_volume(self, keys: Collection[str], today: date) -> Volume:
        """Posts carrying any of these tags over the last 7 days and the 7 before, from the daily
        aggregates (a post with two of them counts once), and the accounts behind the last 7."""
        from bot.domain.digest import VOLUME_DAYS, Volume

        conn = self.conns.db().conn
        ids = sorted(self.tag_ids.existing(conn, set(keys)).values())
        if not ids:
            return Volume(0, 0, 0, 0)
        end = today.toordinal()
        d7, d14 = end - (VOLUME_DAYS - 1), end - (2 * VOLUME_DAYS - 1)
        in_ids = marks(ids)
        per_day = Counter(
            {
                row["day"]: row["posts"]
                for row in named(conn).execute(
                    "SELECT day, SUM(posts) AS posts FROM hashtag_daily"
                    f" WHERE tag_id IN ({in_ids}) AND day >= ? AND day <= ? GROUP BY day",
                    [*ids, d14, end],
                )
            }
        )
        if len(ids) > 1:  # each pair is stored once a day: take the posts counted twice off
            per_day.subtract(
                {
                    row["day"]: row["posts"]
                    for row in named(conn).execute(
                        "SELECT day, SUM(posts) AS posts FROM cooccur_days"
                        " WHERE day >= ? AND day <= ?"
                        f" AND tag_id IN ({in_ids}) AND other_id IN ({in_ids}) GROUP BY day",
                        [d14, end, *ids, *ids],
                    )
                }
            )
        authors = conn.execute(
            "SELECT COUNT(DISTINCT author_id) AS authors FROM hashtag_authors"
            f" WHERE tag_id IN ({in_ids}) AND last_day >= ?",
            [*ids, d7],
        ).fetchone()[0]
        return Volume(
            posts_7d=max(0, sum(n for day, n in per_day.items() if day >= d7)),
            posts_prev_7d=max(0, sum(n for day, n in per_day.items() if day < d7)),
            authors_7d=int(authors),
            posts_last_day=max(0, per_day.get(end, 0)),
        )

    def newest_post_day(self) -> date | None:
        """The day of the newest stored post: a digest built for an earlier day must not count
        what came after it."""
        row = self.conns.db().conn.execute("SELECT MAX(day) FROM posts").fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def topic_voices(
        self, keys: Collection[str], today: date, *, limit: int, min_posts: int
    ) -> list[Voice]:
        """Accounts that used these tags in the last 7 days, most posts with them first."""
        from bot.domain.voices import ADVOCATE_DAYS, Voice

        conn = self.conns.db().conn
        ids = self.tag_ids.existing(conn, set(keys))
        if not ids:
            return []
        key_of = {tag_id: key for key, tag_id in ids.items()}
        in_ids = marks(key_of)
        since = today.toordinal() - (ADVOCATE_DAYS - 1)
        busiest = (
            named(conn)
            .execute(
                "SELECT author_id, SUM(posts) AS n, MAX(last_day) AS last_day FROM hashtag_authors"
                f" WHERE tag_id IN ({in_ids}) AND last_day >= ? GROUP BY author_id"
                " HAVING n >= ? ORDER BY n DESC, author_id LIMIT ?",
                [*key_of, since, min_posts, limit],
            )
            .fetchall()
        )
        tags: dict[str, dict[str, int]] = {row["author_id"]: {} for row in busiest}
        authors = list(tags)
        for chunk in chunks(authors, 400):
            for row in named(conn).execute(
                "SELECT tag_id, author_id, posts FROM hashtag_authors"
                f" WHERE tag_id IN ({in_ids}) AND author_id IN ({marks(chunk)})",
                [*key_of, *chunk],
            ):
                tags[row["author_id"]][key_of[row["tag_id"]]] = int(row["posts"])
        return [
            Voice(
                author_id=row["author_id"],
                posts=int(row["n"]),
                tags=tags[row["author_id"]],
                last_day=date.fromordinal(row["last_day"]),
            )
            for row in busiest
        ]

    def voice_posts(
        self, keys: Collection[str], first: date, last: date, authors: Collection[str]
    ) -> dict[str, list[VoicePost]]:
        """These accounts' posts from `first` to `last` with any of these tags: on which days,
        and how often the platform says they were reposted or quoted. One read for every
        topic's candidates, by day the way posts are indexed."""
        from bot.domain.voices import VoicePost

        conn = self.conns.db().conn
        ids = self.tag_ids.existing(conn, set(keys))
        wanted = set(authors)
        if not ids or not wanted:
            return {}
        key_of = {tag_id: key for key, tag_id in ids.items()}
        found: dict[str, list[VoicePost]] = {}
        for row in named(conn).execute(
            "SELECT p.id, p.author_id, p.day, p.reposts + p.quotes AS echoes, ph.tag_id"
            " FROM posts p JOIN post_hashtags ph ON ph.post_id = p.id"
            " WHERE p.day >= ? AND p.day <= ? AND p.author_id IN (SELECT value FROM json_each(?))"
            f" AND ph.tag_id IN ({marks(key_of)})",
            [first.isoformat(), last.isoformat(), json.dumps(sorted(wanted)), *key_of],
        ):
            post = VoicePost(
                id=row["id"],
                day=date.fromisoformat(row["day"]),
                echoes=int(row["echoes"] or 0),
                tag=key_of[row["tag_id"]],
            )
            found.setdefault(row["author_id"], []).append(post)
        return found

    def engaged_by_others(
        self, author_ids: Collection[str], first: date, last: date
    ) -> dict[str, int]:
        """How many other accounts replied to, quoted or mentioned (@handle) each of these
        accounts in the posts stored from `first` to `last`; accounts inactive at their source
        don't count, and neither does an account answering itself."""
        conn = self.conns.db().conn
        wanted = set(author_ids)
        if not wanted:
            return {}
        handle_of: dict[tuple[str, str], str] = {}  # (source, handle) -> author id
        for row in rows_in(
            conn, "SELECT id, source, handle FROM authors WHERE id IN ({in_list})", wanted
        ):
            handle_of[(row["source"], (row["handle"] or "").lstrip("@").casefold())] = row["id"]
        others: dict[str, set[str]] = {}
        answering: dict[str, set[str]] = {}  # post id -> accounts that replied to or quoted it
        for row in named(conn).execute(
            "SELECT author_id, source, reply_to, quote_of, text FROM posts"
            " WHERE day >= ? AND day <= ?"
            " AND (reply_to != '' OR quote_of != '' OR instr(text, '@') > 0)"
            f" AND author_id NOT IN {INACTIVE_AUTHORS}",
            [first.isoformat(), last.isoformat()],
        ):
            author_id = row["author_id"]
            for parent in (row["reply_to"], row["quote_of"]):
                if parent:
                    answering.setdefault(parent, set()).add(author_id)
            for handle in _MENTION.findall(row["text"] or ""):
                mentioned = handle_of.get((row["source"], handle.rstrip(".").casefold()))
                if mentioned and mentioned != author_id:
                    others.setdefault(mentioned, set()).add(author_id)
        for row in rows_in(
            conn, "SELECT id, author_id FROM posts WHERE id IN ({in_list})", answering
        ):
            parent_author = row["author_id"]
            if parent_author in wanted:
                replied = answering[row["id"]] - {parent_author}
                others.setdefault(parent_author, set()).update(replied)
        return {author_id: len(accounts) for author_id, accounts in others.items() if accounts}

    def posts_saying(
        self, text: str, first: date, last: date, *, max_posts: int = 5_000
    ) -> tuple[list[TopicPost], dict[str, list[str]]]:
        """Recent posts whose text says these words (topics no condition matched), newest first;
        none by accounts inactive at their source."""
        conn = self.conns.db().conn
        rows = rows_saying(conn, text, first, last, columns=_POST_FIELDS, max_posts=max_posts)
        inactive = {
            row["author_id"]
            for row in rows_in(
                conn,
                "SELECT author_id FROM account_status WHERE author_id IN ({in_list})",
                {row["author_id"] for row in rows},
            )
        }
        posts = [_topic_post(row) for row in rows if row["author_id"] not in inactive]
        tags_of: dict[str, list[str]] = {post.id: [] for post in posts}
        for row in rows_in(
            conn,
            "SELECT ph.post_id, t.key FROM post_hashtags ph JOIN tags t ON t.id = ph.tag_id"
            " WHERE ph.post_id IN ({in_list})",
            tags_of,
        ):
            tags_of[row["post_id"]].append(row["key"])
        return posts, tags_of

    def post_views(self, ids: Collection[str]) -> dict[str, PostView]:
        """Posts to show, with their authors' handles; posts since deleted, and posts by accounts
        inactive at their source, are simply absent."""
        from bot.domain.digest import PostView

        rows = rows_in(
            self.conns.db().conn,
            "SELECT p.id, p.url, p.text, p.created_at, a.handle, a.name, p.content_warning"
            " FROM posts p JOIN authors a ON a.id = p.author_id WHERE p.id IN ({in_list})"
            f" AND p.author_id NOT IN {INACTIVE_AUTHORS}",
            ids,
        )
        return {
            row["id"]: PostView(
                id=row["id"],
                url=row["url"] or "",
                text=row["text"] or "",
                created_at=row["created_at"] or "",
                author_handle=row["handle"] or "",
                author_name=row["name"] or "",
                content_warning=row["content_warning"] or "",
            )
            for row in rows
        }

    def profiles(self, author_ids: Collection[str]) -> dict[str, Profile]:
        """Stored public profiles; accounts that opted out are gone from the authors table, and
        accounts inactive at their source are left out until they are active again."""
        rows = rows_in(
            self.conns.db().conn,
            "SELECT id, source, handle, name, description, url, followers FROM authors"
            f" WHERE id IN ({{in_list}}) AND id NOT IN {INACTIVE_AUTHORS}",
            author_ids,
        )
        return {row["id"]: _profile(row) for row in rows}
