"""APScheduler 3.x jobs that run beside the bot: ingest cycles, daily digests, retention and
X compliance checks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from bot.compliance import ComplianceReport, compliance_step
from bot.config import Settings
from bot.delivery import Delivery, deliver_due
from bot.digests import Digester
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


def compliance_job(
    settings: Settings, store: Store, clock: Callable[[], datetime]
) -> ComplianceReport:
    """The next piece of the daily X compliance check (start a job, or apply X's answer)."""
    report = compliance_step(settings, store, clock=clock)
    level = logging.WARNING if report.error else logging.INFO
    if report.error or any(k.done for k in report.kinds):
        log.log(level, "%s", report.summary().replace("\n", " · "))
    return report


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


def digest_job(
    store: Store,
    client: WebClient,
    clock: Callable[[], datetime],
    knowledge: Callable[[], KnowledgeBase] = load_knowledge,
) -> list[Delivery]:
    """Today's digest to every channel that tracks a topic and hasn't had it yet."""
    try:
        digester = Digester(knowledge(), store)
    except KnowledgeError as err:
        log.error("digest: the knowledge base can't be read, so no digest was built: %s", err)
        return []
    deliveries = deliver_due(store, digester, client, clock=clock)
    for delivery in deliveries:  # hourly re-runs skip channels served already: no news there
        level = (
            logging.WARNING
            if delivery.error
            else logging.DEBUG
            if delivery.skipped
            else logging.INFO
        )
        log.log(level, "digest %s", delivery.summary())
    posted = [d for d in deliveries if d.messages]
    failed = [d for d in deliveries if d.error and not d.messages]
    if posted or failed:  # what doctor and the App Home show until the next run
        said = f"posted to {len(posted)} channel{'s' * (len(posted) != 1)}"
        if failed:
            said += "; not posted to " + "; ".join(f"{d.channel_id}: {d.error}" for d in failed)
        store.set_health("digests", not failed, said, now=clock())
    return deliveries


def first_digest_run(settings: Settings, now: datetime) -> datetime:
    """Today's digest hour, or a minute from now when the bot starts after it (a restart
    mid-afternoon still delivers today's digest; channels that had it are skipped)."""
    today_at = now.replace(hour=settings.digest_hour, minute=0, second=0, microsecond=0)
    return today_at if today_at > now else now + timedelta(minutes=1)


def create_scheduler(
    settings: Settings,
    store: Store,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sources: Sequence[str] = SOURCE_NAMES,
    slack: WebClient | None = None,
) -> BackgroundScheduler:
    """A scheduler with every periodic job registered; the caller starts and stops it.

    `sources`: what the collection cycles read (`run` leaves Bluesky to its listener).
    `slack`: where digests are posted; without it there is no digest job.
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
    if settings.x_bearer_token:
        scheduler.add_job(
            compliance_job,
            "interval",
            hours=1,
            next_run_time=clock() + timedelta(minutes=5),
            args=[settings, store, clock],
            id="x-compliance",
            name="check stored X posts and accounts with X's batch compliance jobs, daily",
        )
    if slack is not None:
        scheduler.add_job(
            digest_job,
            "cron",  # hourly until midnight: a channel Slack refused is tried again once fixed
            hour=f"{settings.digest_hour}-23",
            minute=0,
            next_run_time=first_digest_run(settings, clock()),
            misfire_grace_time=3600,
            args=[store, slack, clock],
            id="digest",
            name="post each tracking channel's digest from DIGEST_HOUR (UTC)",
        )
    return scheduler
