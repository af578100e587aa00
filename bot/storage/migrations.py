"""Schema, as sqlite-utils Migrations applied at start-up, each in its own transaction."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("hashtag-bot")

_INITIAL = [
    """CREATE TABLE authors (
        id TEXT PRIMARY KEY, source TEXT NOT NULL, handle TEXT NOT NULL, name TEXT,
        description TEXT, url TEXT, followers INTEGER DEFAULT 0, following INTEGER DEFAULT 0,
        posts_count INTEGER DEFAULT 0, verified INTEGER DEFAULT 0, created_at TEXT,
        updated_at TEXT NOT NULL)""",
    """CREATE TABLE posts (
        id TEXT PRIMARY KEY, source TEXT NOT NULL, author_id TEXT NOT NULL, text TEXT NOT NULL,
        created_at TEXT NOT NULL, day TEXT NOT NULL, url TEXT, lang TEXT, conversation_id TEXT,
        reply_to TEXT, repost_of TEXT, quote_of TEXT, likes INTEGER DEFAULT 0,
        reposts INTEGER DEFAULT 0, replies INTEGER DEFAULT 0, quotes INTEGER DEFAULT 0,
        fetched_at TEXT NOT NULL)""",
    "CREATE INDEX posts_day ON posts(day)",
    "CREATE INDEX posts_author ON posts(author_id)",
    """CREATE TABLE post_hashtags (
        post_id TEXT NOT NULL, tag_key TEXT NOT NULL, tag TEXT NOT NULL,
        PRIMARY KEY (post_id, tag_key)) WITHOUT ROWID""",
    "CREATE INDEX post_hashtags_tag ON post_hashtags(tag_key)",
    # FTS5 over post text, kept in step with posts by triggers.
    "CREATE VIRTUAL TABLE posts_fts USING fts5(text, content='posts', content_rowid='rowid')",
    """CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
        INSERT INTO posts_fts(rowid, text) VALUES (new.rowid, new.text); END""",
    """CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
        INSERT INTO posts_fts(posts_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END""",
    # Aggregates: kept when posts expire, so suggestions stay fast at millions of posts.
    """CREATE TABLE hashtag_daily (
        tag_key TEXT NOT NULL, day TEXT NOT NULL, posts INTEGER NOT NULL,
        engagement INTEGER NOT NULL, PRIMARY KEY (tag_key, day)) WITHOUT ROWID""",
    """CREATE TABLE hashtag_forms (
        tag_key TEXT NOT NULL, form TEXT NOT NULL, posts INTEGER NOT NULL,
        PRIMARY KEY (tag_key, form)) WITHOUT ROWID""",
    """CREATE TABLE hashtag_authors (
        tag_key TEXT NOT NULL, author_id TEXT NOT NULL, last_day TEXT NOT NULL,
        posts INTEGER NOT NULL, PRIMARY KEY (tag_key, author_id)) WITHOUT ROWID""",
    "CREATE INDEX hashtag_authors_recent ON hashtag_authors(tag_key, last_day)",
    "CREATE INDEX hashtag_authors_author ON hashtag_authors(author_id)",
    """CREATE TABLE cooccur_daily (
        tag_key TEXT NOT NULL, other_key TEXT NOT NULL, day TEXT NOT NULL, posts INTEGER NOT NULL,
        PRIMARY KEY (tag_key, day, other_key)) WITHOUT ROWID""",
    # Channels' tracked topics, collection cursors, spend and source health.
    """CREATE TABLE topics (
        id INTEGER PRIMARY KEY, team_id TEXT NOT NULL DEFAULT '', channel_id TEXT NOT NULL,
        topic TEXT NOT NULL, topic_key TEXT NOT NULL, condition_id TEXT, created_by TEXT,
        created_at TEXT NOT NULL, UNIQUE (channel_id, topic_key))""",
    """CREATE TABLE cursors (
        source TEXT NOT NULL, query_key TEXT NOT NULL, position TEXT NOT NULL,
        updated_at TEXT NOT NULL, PRIMARY KEY (source, query_key))""",
    """CREATE TABLE reads (
        source TEXT NOT NULL, day TEXT NOT NULL, posts INTEGER NOT NULL DEFAULT 0,
        users INTEGER NOT NULL DEFAULT 0, requests INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (source, day))""",
    """CREATE TABLE source_health (
        source TEXT PRIMARY KEY, healthy INTEGER NOT NULL, message TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    """CREATE TABLE opt_outs (
        author_id TEXT PRIMARY KEY, reason TEXT NOT NULL, created_at TEXT NOT NULL)""",
]


@migrations(name="0001_initial")
def initial(db: Database) -> None:
    for statement in _INITIAL:
        db.execute(statement)
