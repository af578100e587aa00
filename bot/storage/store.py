"""The Store: one SQLite file, migrations at start-up, safe across threads."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bot.storage.accounts import AccountStates
from bot.storage.alert_reads import AlertReads
from bot.storage.approved_messages import ApprovedMessages
from bot.storage.audit import AuditTrail
from bot.storage.census import CensusRecords
from bot.storage.channel_audience import ChannelAudiences
from bot.storage.channels import ChannelState
from bot.storage.connection import Connections, StoreError
from bot.storage.deliveries import DeliveryRecords
from bot.storage.digest_reads import DigestReads
from bot.storage.outbox import OutboxRecords
from bot.storage.posts import PostWriter, SaveResult
from bot.storage.recount import Recounts
from bot.storage.source_state import SourceState
from bot.storage.stats import StatsReader
from bot.storage.tag_health import TagHealthRecords
from bot.storage.tag_ids import TagIds
from bot.storage.tag_usage import TagUsageReads

__all__ = ["SaveResult", "Store", "StoreError"]


class Store(
    PostWriter,
    StatsReader,
    DigestReads,
    ChannelState,
    SourceState,
    AccountStates,
    Recounts,
    ApprovedMessages,
    TagUsageReads,
    TagHealthRecords,
    AlertReads,
    OutboxRecords,
    DeliveryRecords,
    CensusRecords,
    AuditTrail,
    ChannelAudiences,
):
    """Every read and write the bot makes; nothing outside storage/ writes SQL.

    Where each part lives:
    - posts.py `PostWriter`: saving posts and authors with their aggregates, deletions,
      opt-outs, retention (removal.py undoes a post's share of the aggregates);
    - recount.py `Recounts`: every aggregate recounted from stored posts, drift reported and
      repaired (`hashtag-bot check`); the per-post shares removal and retention use;
    - stats.py `StatsReader`: what suggestions read: `tag_activity`, `cooccurring`,
      `seed_pair_posts`, `tags_in_text_matches`, `recent_posts` (cooccur.py keeps the
      30-day co-occurrence window they read);
    - digest_reads.py `DigestReads`: what digests read: recent posts by tag, volume, voices,
      posts and profiles to show;
    - channels.py `ChannelState`: tracked topics, mutes, digests delivered and accounts introduced;
    - source_state.py `SourceState`: cursors, read counts, source health, known authors;
    - accounts.py `AccountStates`: accounts inactive at their source, how fresh a profile is;
    - approved_messages.py `ApprovedMessages`: IRB-approved messages, every change a new version;
    - tag_usage.py `TagUsageReads`: how stored posts use one tag (vetting a campaign tag);
    - tag_health.py `TagHealthRecords`: listened tags' recent posts, the tags demoted as
      mostly off topic, and what samples of guarded tags' unguarded posts showed.
    - alert_reads.py `AlertReads`: the tagged posts of a few hours, and the alert log.
    - outbox.py `OutboxRecords`: channel posts claimed for sending and not settled, and those
      that may have been sent (the crash rule, and what doctor and the App Home show);
    - deliveries.py `DeliveryRecords`: Slack deliveries already taken, and each shared answer.
    - audit.py `AuditTrail`: who changed a channel's settings or the approved messages, when,
      before and after.
    - outbox.py `OutboxRecords`: digest messages and alerts claimed for sending, not settled.
    - census.py `CensusRecords`: census runs and figures, and the Jetstream hashtag tally.
    - channel_audience.py `ChannelAudiences`: the country and language each channel's answers fit.
    """

    def __init__(self, path: str | Path) -> None:
        self.conns = Connections(path)
        self.tag_ids = TagIds()
        self.path = str(path)

    def close(self) -> None:
        self.conns.close()

    def backup(self, target: str | Path) -> int:
        """A consistent copy of the whole database while it is in use (SQLite's online backup),
        written beside the target and renamed over it only when complete; returns its size."""
        target = Path(target)
        if target.resolve() == Path(self.path).resolve():
            raise StoreError("The backup must go to another file than the database itself.")
        if not target.parent.is_dir():
            raise StoreError(f"The folder for the backup does not exist: {target.parent}")
        partial = target.with_name(target.name + ".partial")
        copy = sqlite3.connect(partial)
        try:
            self.conns.db().conn.backup(copy, pages=4096)  # others may write between steps
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
        os.replace(partial, target)
        return target.stat().st_size

    def counts(self) -> dict[str, int]:
        conn = self.conns.db().conn
        return {
            table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in ("posts", "authors", "topics", "post_hashtags")
        }
