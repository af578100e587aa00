"""Schema, as sqlite-utils Migrations applied at start-up: each all or nothing (a savepoint), all
of them in the one write transaction connection.py opens for them.

Migrations are frozen history: each carries its own SQL and imports nothing of the bot, whose
code changes under them. `migrations.pending(db)`, `applied(db)` and `apply(db, stop_before=...)`
(sqlite-utils' public API) say and do what a database still needs.
"""

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
    # Tags get small integer ids: the aggregates below are read in hot paths at millions of posts.
    "CREATE TABLE tags (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE)",
    """CREATE TABLE post_hashtags (
        post_id TEXT NOT NULL, tag_id INTEGER NOT NULL, tag TEXT NOT NULL,
        PRIMARY KEY (post_id, tag_id)) WITHOUT ROWID""",
    # FTS5 over post text, kept in step with posts by triggers.
    "CREATE VIRTUAL TABLE posts_fts USING fts5(text, content='posts', content_rowid='rowid')",
    """CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
        INSERT INTO posts_fts(rowid, text) VALUES (new.rowid, new.text); END""",
    """CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
        INSERT INTO posts_fts(posts_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END""",
    # Aggregates, kept when posts expire so trends survive retention. Days are date ordinals.
    """CREATE TABLE hashtag_daily (
        tag_id INTEGER NOT NULL, day INTEGER NOT NULL, posts INTEGER NOT NULL,
        engagement INTEGER NOT NULL, PRIMARY KEY (tag_id, day)) WITHOUT ROWID""",
    """CREATE TABLE hashtag_forms (
        tag_id INTEGER NOT NULL, form TEXT NOT NULL, posts INTEGER NOT NULL,
        PRIMARY KEY (tag_id, form)) WITHOUT ROWID""",
    """CREATE TABLE hashtag_authors (
        tag_id INTEGER NOT NULL, author_id TEXT NOT NULL, last_day INTEGER NOT NULL,
        posts INTEGER NOT NULL, PRIMARY KEY (tag_id, author_id)) WITHOUT ROWID""",
    "CREATE INDEX hashtag_authors_author ON hashtag_authors(author_id)",
    # How many of a tag's authors were last active on each day: unique authors over any
    # recent window is a short range sum instead of a count over every author of the tag.
    """CREATE TABLE hashtag_author_days (
        tag_id INTEGER NOT NULL, last_day INTEGER NOT NULL, authors INTEGER NOT NULL,
        PRIMARY KEY (tag_id, last_day)) WITHOUT ROWID""",
    """CREATE TRIGGER hashtag_authors_insert AFTER INSERT ON hashtag_authors BEGIN
        INSERT INTO hashtag_author_days VALUES (new.tag_id, new.last_day, 1)
        ON CONFLICT DO UPDATE SET authors = authors + 1; END""",
    """CREATE TRIGGER hashtag_authors_move AFTER UPDATE OF last_day ON hashtag_authors
        WHEN old.last_day != new.last_day BEGIN
        UPDATE hashtag_author_days SET authors = authors - 1
        WHERE tag_id = old.tag_id AND last_day = old.last_day;
        INSERT INTO hashtag_author_days VALUES (new.tag_id, new.last_day, 1)
        ON CONFLICT DO UPDATE SET authors = authors + 1; END""",
    """CREATE TRIGGER hashtag_authors_delete AFTER DELETE ON hashtag_authors BEGIN
        UPDATE hashtag_author_days SET authors = authors - 1
        WHERE tag_id = old.tag_id AND last_day = old.last_day; END""",
    """CREATE TABLE cooccur_daily (
        tag_id INTEGER NOT NULL, day INTEGER NOT NULL, other_id INTEGER NOT NULL,
        posts INTEGER NOT NULL, PRIMARY KEY (tag_id, day, other_id)) WITHOUT ROWID""",
    # The same pairs summed over the 30 days up to window_state.last_day, kept current as posts
    # arrive and rebuilt when the day turns: co-occurrence reads don't grow with history.
    """CREATE TABLE cooccur_window (
        tag_id INTEGER NOT NULL, other_id INTEGER NOT NULL, posts INTEGER NOT NULL,
        PRIMARY KEY (tag_id, other_id)) WITHOUT ROWID""",
    "CREATE TABLE window_state (id INTEGER PRIMARY KEY CHECK (id = 1), last_day INTEGER NOT NULL)",
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


@migrations(name="0002_fts_rows_added_per_batch")
def fts_rows_added_per_batch(db: Database) -> None:
    """A per-row trigger makes FTS5 flush its pending terms at every row (imports ran 4x slower);
    save_posts adds each batch's rows to posts_fts with one INSERT … SELECT instead."""
    db.execute("DROP TRIGGER IF EXISTS posts_fts_insert")


@migrations(name="0003_leaner_rows_for_faster_imports")
def leaner_rows(db: Database) -> None:
    """Fewer and smaller rows per post, for imports at tens of thousands of posts a second.

    - Co-occurrence is stored once per pair and day, day first: a batch of recent posts touches
      a few days' pages instead of pages all over the table (the 30-day window table still
      holds both directions for the reads).
    - The full-text index keeps which posts hold a word, not where (queries are plain words).
    - post_hashtags drops the spelling column; hashtag_forms has every spelling.
    - No indexes by author on posts and hashtag_authors: every imported post paid for them, and
      only forgetting an account that opts out reads by author (a scan, once per account).
    """
    db.execute(
        """CREATE TABLE cooccur_days (
        day INTEGER NOT NULL, tag_id INTEGER NOT NULL, other_id INTEGER NOT NULL,
        posts INTEGER NOT NULL, PRIMARY KEY (day, tag_id, other_id)) WITHOUT ROWID"""
    )
    db.execute(
        "INSERT INTO cooccur_days SELECT day, tag_id, other_id, posts FROM cooccur_daily"
        " WHERE tag_id < other_id"
    )
    db.execute("DROP TABLE cooccur_daily")
    db.execute("DROP TABLE posts_fts")
    db.execute(
        "CREATE VIRTUAL TABLE posts_fts USING fts5(text, content='posts', content_rowid='rowid',"
        " detail=none, columnsize=0)"
    )
    db.execute("INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')")
    db.execute("ALTER TABLE post_hashtags DROP COLUMN tag")
    db.execute("DROP INDEX posts_author")
    db.execute("DROP INDEX hashtag_authors_author")


@migrations(name="0004_digest_deliveries")
def digest_deliveries(db: Database) -> None:
    """What each channel's digests have already said: one digest a day, each account introduced once.

    Advocates are kept by channel and topic so a later digest names only accounts not yet
    introduced there; an account that opts out is removed from here too. A channel's mute list
    holds handles its digests never name or show.
    """
    db.execute(
        """CREATE TABLE digest_deliveries (
        channel_id TEXT NOT NULL, day TEXT NOT NULL, delivered_at TEXT NOT NULL,
        topics INTEGER NOT NULL, message_ts TEXT, PRIMARY KEY (channel_id, day))"""
    )
    db.execute(
        """CREATE TABLE digest_advocates (
        channel_id TEXT NOT NULL, topic_key TEXT NOT NULL, author_id TEXT NOT NULL,
        delivered_at TEXT NOT NULL, PRIMARY KEY (channel_id, topic_key, author_id)) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE digest_mutes (
        channel_id TEXT NOT NULL, handle_key TEXT NOT NULL, handle TEXT NOT NULL,
        created_by TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (channel_id, handle_key))"""
    )


@migrations(name="0005_digest_parts")
def digest_parts(db: Database) -> None:
    """Each message of a channel's daily digest, claimed before it is posted and confirmed with
    Slack's ts after, so a restart posts only what Slack has not taken (see services/delivery)."""
    db.execute(
        """CREATE TABLE digest_parts (
        channel_id TEXT NOT NULL, day TEXT NOT NULL, part INTEGER NOT NULL,
        payload TEXT NOT NULL, introduced TEXT NOT NULL, state TEXT NOT NULL,
        ts TEXT, claimed_by TEXT, updated_at TEXT NOT NULL,
        PRIMARY KEY (channel_id, day, part))"""
    )


@migrations(name="0006_account_status_and_content_warnings")
def account_status_and_content_warnings(db: Database) -> None:
    """Accounts inactive at their source, and the content warning a post was written behind.

    A Bluesky account deactivated, suspended or taken down may come back, so it is kept but
    hidden from digests while a row here says it is inactive; the row goes when it is active
    again, or when the account is forgotten (a trigger on opt_outs). A Mastodon post's content
    warning is shown in place of the text it hides.
    """
    db.execute(
        """CREATE TABLE account_status (
        author_id TEXT PRIMARY KEY, status TEXT NOT NULL, updated_at TEXT NOT NULL) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TRIGGER account_status_forgotten AFTER INSERT ON opt_outs BEGIN
        DELETE FROM account_status WHERE author_id = new.author_id; END"""
    )
    db.execute("ALTER TABLE posts ADD COLUMN content_warning TEXT NOT NULL DEFAULT ''")
    # Bluesky authors stored as a bare DID had no profile read: their consent is checked again
    # the next time they post.
    db.execute(
        "UPDATE authors SET updated_at = '1970-01-01T00:00:00+00:00'"
        " WHERE source = 'bluesky' AND handle LIKE 'did:%'"
    )


@migrations(name="0007_counts_a_recount_can_check")
def counts_a_recount_can_check(db: Database) -> None:
    """Every aggregate can be recounted from stored posts (see bot/storage/recount.py).

    - Each tag row of a post keeps the spelling counted, so removing the post takes away
      exactly that spelling (the text doesn't always say it: Bluesky's extra tags, say).
    - Each aggregate row keeps the share of posts that have expired: retention drops posts but
      keeps their counts, and a recount adds that share back.

    A database written before has neither. What its aggregates hold beyond a recount of its
    posts (expired posts, older spellings) becomes the expired share; a shortfall (counts the
    old code lost) is left for `hashtag-bot check --repair` to find and mend.

    The recount below is recount.py's as it stood when this migration was written, frozen
    here: today's recount may change, and this must keep doing to old data what it did.
    """
    db.execute("ALTER TABLE post_hashtags ADD COLUMN form TEXT NOT NULL DEFAULT ''")
    for table, columns in (
        ("hashtag_daily", ("expired_posts", "expired_engagement")),
        ("hashtag_forms", ("expired_posts",)),
        ("hashtag_authors", ("expired_last_day", "expired_posts")),
        ("cooccur_days", ("expired_posts",)),
    ):
        for column in columns:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
    if db.execute("SELECT 1 FROM hashtag_daily LIMIT 1").fetchone() is None:
        return  # a new database: nothing has expired
    # Each tag of each stored post; its day as a date ordinal (Python's date.toordinal).
    uses = (
        "SELECT p.id AS post_id, p.author_id, CAST(julianday(p.day) - 1721424.5 AS INTEGER) AS day,"
        " p.likes + p.reposts + p.replies + p.quotes AS engagement, h.tag_id, h.form"
        " FROM main.posts p JOIN main.post_hashtags h ON h.post_id = p.id"
    )
    recounts = {
        "daily": (
            "SELECT tag_id, day, COUNT(*) AS posts, SUM(engagement) AS engagement"
            f" FROM ({uses}) GROUP BY tag_id, day",
            "tag_id, day",
        ),
        # Every form is '' here (the column was just added): all spellings become history.
        "forms": (
            f"SELECT tag_id, form, COUNT(*) AS posts FROM ({uses}) WHERE form != ''"
            " GROUP BY tag_id, form",
            "tag_id, form",
        ),
        "authors": (
            "SELECT tag_id, author_id, MAX(day) AS last_day, COUNT(*) AS posts"
            f" FROM ({uses}) GROUP BY tag_id, author_id",
            "tag_id, author_id",
        ),
        # A post's first 10 tags in key order (10 was MAX_TAGS_PAIRED), each pair once, the
        # lower tag id first.
        "pairs": (
            "WITH ranked AS MATERIALIZED (SELECT u.post_id, u.day, u.tag_id,"
            " ROW_NUMBER() OVER (PARTITION BY u.post_id ORDER BY t.key) AS n"
            f" FROM ({uses}) u JOIN main.tags t ON t.id = u.tag_id)"
            " SELECT a.day, a.tag_id, b.tag_id AS other_id, COUNT(*) AS posts FROM ranked a"
            " JOIN ranked b ON b.post_id = a.post_id AND b.tag_id > a.tag_id"
            " WHERE a.n <= 10 AND b.n <= 10 GROUP BY a.day, a.tag_id, b.tag_id",
            "day, tag_id, other_id",
        ),
    }
    try:
        for name, (recount, keys) in recounts.items():
            db.execute(f"DROP TABLE IF EXISTS temp.seed_{name}")
            db.execute(f"CREATE TEMP TABLE seed_{name} AS {recount}")
            db.execute(f"CREATE UNIQUE INDEX temp.seed_{name}_key ON seed_{name} ({keys})")
        # What a row holds beyond the recount is the expired share, none below zero; a last
        # day no stored post reaches came from expired posts.
        db.execute(
            "UPDATE hashtag_daily SET"
            " expired_posts = max(0, posts - coalesce((SELECT r.posts FROM temp.seed_daily r"
            " WHERE r.tag_id = hashtag_daily.tag_id AND r.day = hashtag_daily.day), 0)),"
            " expired_engagement = max(0, engagement - coalesce((SELECT r.engagement"
            " FROM temp.seed_daily r"
            " WHERE r.tag_id = hashtag_daily.tag_id AND r.day = hashtag_daily.day), 0))"
        )
        db.execute(
            "UPDATE hashtag_forms SET"
            " expired_posts = max(0, posts - coalesce((SELECT r.posts FROM temp.seed_forms r"
            " WHERE r.tag_id = hashtag_forms.tag_id AND r.form = hashtag_forms.form), 0))"
        )
        db.execute(
            "UPDATE hashtag_authors SET"
            " expired_last_day = CASE WHEN last_day > coalesce((SELECT r.last_day"
            " FROM temp.seed_authors r WHERE r.tag_id = hashtag_authors.tag_id"
            " AND r.author_id = hashtag_authors.author_id), 0) THEN last_day ELSE 0 END,"
            " expired_posts = max(0, posts - coalesce((SELECT r.posts FROM temp.seed_authors r"
            " WHERE r.tag_id = hashtag_authors.tag_id"
            " AND r.author_id = hashtag_authors.author_id), 0))"
        )
        db.execute(
            "UPDATE cooccur_days SET"
            " expired_posts = max(0, posts - coalesce((SELECT r.posts FROM temp.seed_pairs r"
            " WHERE r.day = cooccur_days.day AND r.tag_id = cooccur_days.tag_id"
            " AND r.other_id = cooccur_days.other_id), 0))"
        )
    finally:
        for name in recounts:
            db.execute(f"DROP TABLE IF EXISTS temp.seed_{name}")


@migrations(name="0008_approved_messages")
def approved_messages(db: Database) -> None:
    """IRB-approved recruitment messages, every change a new version with who and when.

    A version is never changed or deleted (triggers refuse it): what was approved, and who
    said so, stays on record. The newest version of a message is the one in use.
    """
    db.execute(
        """CREATE TABLE approved_message_versions (
        message_id INTEGER NOT NULL, version INTEGER NOT NULL, study TEXT NOT NULL,
        irb_ref TEXT NOT NULL, approved_on TEXT NOT NULL, expires_on TEXT NOT NULL,
        conditions TEXT NOT NULL, text TEXT NOT NULL, url TEXT NOT NULL,
        hashtags_allowed INTEGER NOT NULL, changed_by TEXT NOT NULL, changed_at TEXT NOT NULL,
        PRIMARY KEY (message_id, version))"""
    )
    db.execute(
        """CREATE TRIGGER approved_message_versions_kept BEFORE UPDATE ON approved_message_versions
        BEGIN SELECT RAISE(ABORT, 'an approved message version is never changed'); END"""
    )
    db.execute(
        """CREATE TRIGGER approved_message_versions_not_deleted BEFORE DELETE
        ON approved_message_versions
        BEGIN SELECT RAISE(ABORT, 'an approved message version is never deleted'); END"""
    )


@migrations(name="0009_channel_settings")
def channel_settings(db: Database) -> None:
    """Each channel's own digest schedule (no row, or no cadence: daily at DIGEST_HOUR UTC) and
    whether it gets alerts between digests (on unless turned off)."""
    db.execute(
        """CREATE TABLE channel_settings (
        channel_id TEXT PRIMARY KEY, cadence TEXT, at TEXT, weekday INTEGER, timezone TEXT,
        alerts INTEGER NOT NULL DEFAULT 1, updated_by TEXT NOT NULL, updated_at TEXT NOT NULL)"""
    )


@migrations(name="0010_drifted_tags")
def drifted_tags(db: Database) -> None:
    """Listened tags that collected posts showed to be mostly about something else: from the
    measurement on they are listened to only beside their topic's words (tag_health.py)."""
    db.execute(
        """CREATE TABLE drifted_tags (
        tag_key TEXT PRIMARY KEY, tag TEXT NOT NULL, topic TEXT NOT NULL, posts INTEGER NOT NULL,
        on_topic INTEGER NOT NULL, measured_on TEXT NOT NULL) WITHOUT ROWID"""
    )


@migrations(name="0011_alerts")
def alerts(db: Database) -> None:
    """Each alert a channel was sent, once per event: claimed before it is posted and confirmed
    with Slack's ts after (see services/alerts), and counted per local day for the daily cap.
    Only counts and tags are kept here, never a post's text or its author. Posts get an index by
    creation time (about a second to build at a million posts)."""
    db.execute(
        """CREATE TABLE alert_log (
        channel_id TEXT NOT NULL, event_key TEXT NOT NULL, topic_key TEXT NOT NULL,
        kind TEXT NOT NULL, local_day TEXT NOT NULL, summary TEXT NOT NULL, state TEXT NOT NULL,
        ts TEXT, claimed_by TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        PRIMARY KEY (channel_id, event_key))"""
    )
    db.execute("CREATE INDEX alert_log_day ON alert_log(channel_id, local_day)")
    # An alert check reads a few hours of posts at a time; by day it would scan whole days.
    db.execute("CREATE INDEX posts_created ON posts(created_at)")


@migrations(name="0012_delivery_memory_and_shares")
def delivery_memory_and_shares(db: Database) -> None:
    """What Slack delivered, kept across restarts, and each shared answer's post.

    `seen_deliveries`: the ids of deliveries already taken (an event's id, a command's or
    press's trigger_id), each until it can no longer come back (Slack's retries, a signed
    request's five minutes); a replay after a restart is acknowledged and not applied.
    `shares`: one row per Share press, claimed before its post and settled after, like a
    digest message; it also says who shared a post, for its Remove button.
    """
    db.execute(
        """CREATE TABLE seen_deliveries (
        key TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX seen_deliveries_expiry ON seen_deliveries(expires_at)")
    db.execute(
        """CREATE TABLE shares (
        press TEXT PRIMARY KEY, channel_id TEXT NOT NULL, shared_by TEXT NOT NULL,
        state TEXT NOT NULL, ts TEXT, claimed_by TEXT, created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX shares_posted ON shares(channel_id, ts)")


@migrations(name="0013_census")
def census(db: Database) -> None:
    """Measured reach (services/census.py): each census run, its refusals, and every figure by
    tag, network, language and the day it was measured, kept for trends; the Jetstream tally of
    every hashtag per day and language, with the stretches of time the stream covered. Counts
    only: never a post's text or its author."""
    db.execute(
        """CREATE TABLE census_runs (
        id INTEGER PRIMARY KEY, scope TEXT NOT NULL, networks TEXT NOT NULL,
        started_at TEXT NOT NULL, finished_at TEXT, terms INTEGER NOT NULL DEFAULT 0)"""
    )
    db.execute(
        """CREATE TABLE census_refusals (
        run_id INTEGER NOT NULL, network TEXT NOT NULL, why TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (run_id, network))"""
    )
    db.execute(
        """CREATE TABLE census_counts (
        tag_key TEXT NOT NULL, network TEXT NOT NULL, lang TEXT NOT NULL, measured_on TEXT NOT NULL,
        tag TEXT NOT NULL, posts_7d INTEGER NOT NULL, accounts_7d INTEGER,
        at_least INTEGER NOT NULL, instance TEXT, guarded INTEGER NOT NULL, via TEXT NOT NULL,
        run_id INTEGER NOT NULL, measured_at TEXT NOT NULL,
        PRIMARY KEY (tag_key, network, lang, measured_on)) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX census_counts_run ON census_counts(run_id, network)")
    db.execute(
        """CREATE TABLE bluesky_tally (
        tag_key TEXT NOT NULL, day TEXT NOT NULL, lang TEXT NOT NULL, posts INTEGER NOT NULL,
        PRIMARY KEY (tag_key, day, lang)) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX bluesky_tally_day ON bluesky_tally(day)")
    db.execute(
        """CREATE TABLE bluesky_tally_spans (
        start_us INTEGER PRIMARY KEY, end_us INTEGER NOT NULL)"""
    )


@migrations(name="0015_channel_region_language")
def channel_region_language(db: Database) -> None:
    """The country (ISO 3166-1) and language besides English (ISO 639-1) a channel's answers fit
    (`/hashtag region`, `/hashtag language`); NULL: the defaults (HASHTAG_BOT_REGION and
    HASHTAG_BOT_LANGUAGE)."""
    db.execute("ALTER TABLE channel_settings ADD COLUMN region TEXT")
    db.execute("ALTER TABLE channel_settings ADD COLUMN language TEXT")


@migrations(name="0016_tag_samples")
def tag_samples(db: Database) -> None:
    """What each weekly sample of a guarded tag's unguarded posts showed (tag_health.py): how
    many posts were read and how many were about the topic. Counts only, never a post."""
    db.execute(
        """CREATE TABLE tag_samples (
        tag_key TEXT NOT NULL, sampled_on TEXT NOT NULL, tag TEXT NOT NULL, topic TEXT NOT NULL,
        posts INTEGER NOT NULL, on_topic INTEGER NOT NULL,
        PRIMARY KEY (tag_key, sampled_on)) WITHOUT ROWID"""
    )


@migrations(name="0017_audit_log")
def audit_log(db: Database) -> None:
    """Every change to a channel's settings and every approval saved: who, when, what, before and
    after. Kept for good; nothing here is a person's post or profile."""
    db.execute(
        """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, channel_id TEXT NOT NULL,
        what TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX audit_log_channel ON audit_log(channel_id, id)")


@migrations(name="0018_cooccur_by_other")
def cooccur_by_other(db: Database) -> None:
    """Co-occurrence by its second tag too. Each pair and day is stored once, the lower tag id
    first, so an answer on a day its 30-day window wasn't rolled for (an `--as-of` answer, the CLI
    on a database no running bot keeps) found a seed's pairs where it came second only by reading
    every pair of the 30 days. With the posts in the index, the sum never reads the table."""
    db.execute("CREATE INDEX cooccur_days_other ON cooccur_days(other_id, day, posts)")


@migrations(name="0019_burst_keys_by_minute")
def burst_keys_by_minute(db: Database) -> None:
    """A volume or tag burst is one event for 24 hours from its alert, logged as `event@minute`
    (domain/channel_alerts.logged_key); before, it was logged per UTC day (`event:YYYY-MM-DD`).
    Restamp those with the minute they were claimed, so a burst alerted just before an upgrade
    is known as the same event after it, not alerted again."""
    db.execute(
        "UPDATE OR IGNORE alert_log"
        " SET event_key = substr(event_key, 1, length(event_key) - 11) || '@'"
        " || strftime('%Y-%m-%dT%H:%MZ', created_at)"
        " WHERE kind IN ('volume', 'tag') AND instr(event_key, '@') = 0"
        " AND event_key GLOB '*:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
    )


@migrations(name="0020_billed_posts")
def billed_posts(db: Database) -> None:
    """The posts X billed today, so the spend meter counts a post once a UTC day, as X bills it,
    across cycles and restarts (before, once a cycle). Only ids, kept for the day they were read."""
    db.execute(
        """CREATE TABLE billed_posts (
        source TEXT NOT NULL, day TEXT NOT NULL, post_id TEXT NOT NULL,
        PRIMARY KEY (source, day, post_id)) WITHOUT ROWID"""
    )
