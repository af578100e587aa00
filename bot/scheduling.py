"""APScheduler 3.x jobs that run beside the bot: ingest cycles and retention; digests join them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.ingest import SOURCE_NAMES, CycleReport, run_cycle, tracked_queries
from bot.knowledge import KnowledgeError, load_knowledge
from bot.storage import Store

log = logging.getLogger(__name__)


def retention_job(store: Store, settings: Settings, clock: Callable[[], datetime]) -> int:
    """Delete posts older than RETENTION_DAYS; aggregates stay, so trends survive."""
    cutoff = clock() - timedelta(days=settings.retention_days)
    removed = store.expire_posts(before=cutoff)
    log.info("retention: removed %d posts from before %s", removed, cutoff.date())
    return removed


def window_job(store: Store, clock: Callable[[], datetime]) -> bool:
    """Roll the 30-day co-occurrence window on once the UTC day turns, before anyone asks."""
    rolled = store.rebuild_cooccur_window(clock().date())
    if rolled:
        log.info("co-occurrence window now ends %s", clock().date())
    return rolled


def ingest_job(
    settings: Settings,
    store: Store,
    clock: Callable[[], datetime],
    knowledge: Callable[[], KnowledgeBase] = load_knowledge,
    names: Sequence[str] = SOURCE_NAMES,
) -> CycleReport | None:
    """One collection cycle over the tracked topics; each source's outcome logged once."""
    try:
        queries = tracked_queries(store, knowledge())
    except KnowledgeError as err:
        log.error("ingest: the knowledge base can't be read, so nothing was collected: %s", err)
        return None
    report = run_cycle(settings, store, queries, names=names, clock=clock)
    report.log()
    return report


def create_scheduler(
    settings: Settings,
    store: Store,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sources: Sequence[str] = SOURCE_NAMES,
) -> BackgroundScheduler:
    """A scheduler with every periodic job registered; the caller starts and stops it.

    `sources`: what the collection cycles read (`run` leaves Bluesky to its listener).
    """
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
    scheduler.add_job(
        window_job,
        "cron",
        hour=0,
        minute=5,
        args=[store, clock],
        id="cooccur-window",
        name="roll the 30-day co-occurrence window",
    )
    scheduler.add_job(
        ingest_job,
        "interval",
        minutes=settings.ingest_every_minutes,
        next_run_time=clock() + timedelta(minutes=1),  # soon after start, not an interval later
        args=[settings, store, clock],
        kwargs={"names": tuple(sources)},
        id="ingest",
        name="collect posts every INGEST_EVERY_MINUTES",
    )
    return scheduler
