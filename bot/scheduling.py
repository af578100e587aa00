"""APScheduler 3.x jobs that run beside the bot: retention now; ingest cycles and digests join it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.config import Settings
from bot.storage import Store

log = logging.getLogger(__name__)


def retention_job(store: Store, settings: Settings, clock: Callable[[], datetime]) -> int:
    """Delete posts older than RETENTION_DAYS; aggregates stay, so trends survive."""
    cutoff = clock() - timedelta(days=settings.retention_days)
    removed = store.expire_posts(before=cutoff)
    log.info("retention: removed %d posts from before %s", removed, cutoff.date())
    return removed


def create_scheduler(
    settings: Settings, store: Store, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> BackgroundScheduler:
    """A scheduler with every periodic job registered; the caller starts and stops it."""
    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    scheduler.add_job(
        retention_job,
        "cron",
        hour=3,
        minute=17,
        args=[store, settings, clock],
        id="retention",
        name="delete posts past RETENTION_DAYS",
    )
    return scheduler
