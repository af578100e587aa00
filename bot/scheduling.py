"""APScheduler 3.x jobs that run beside the bot: ingest cycles, daily digests, retention, X
compliance checks and the census. Every job takes the one `Services` the bot built."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from bot.services import Services
from bot.services.alerts import AlertCheck, alerter_for
from bot.services.census import CensusReport
from bot.services.collection import SOURCE_NAMES, CycleReport, run_cycle
from bot.services.compliance import ComplianceReport, compliance_step
from bot.services.digest_delivery import Delivery, deliver_digests
from bot.services.schedules import due as due_channels
from bot.services.tag_health import review_listened_tags, sample_guarded_tags
from bot.slack.posting import SlackPublisher

log = logging.getLogger(__name__)


def retention_job(services: Services) -> int:
    """Delete posts older than RETENTION_DAYS; aggregates stay, so trends survive."""
    cutoff = services.now() - timedelta(days=services.settings.retention_days)
    removed = services.store.expire_posts(before=cutoff)
    log.info("retention: removed %d posts from before %s", removed, cutoff.date())
    return removed


def compliance_job(services: Services) -> ComplianceReport:
    """The next piece of the daily X compliance check (start a job, or apply X's answer)."""
    report = compliance_step(services.settings, services.store, clock=services.clock)
    level = logging.WARNING if report.error else logging.INFO
    if report.error or any(k.done for k in report.kinds):
        log.log(level, "%s", report.summary().replace("\n", " · "))
    return report


def window_job(services: Services) -> bool:
    """Roll the 30-day co-occurrence window on once the UTC day turns, before anyone asks,
    measure the listened tags against their topics (a tag found mostly off topic is demoted)
    and sample the guarded tags due (a tag found mostly on topic is heard on its own)."""
    today = services.today()
    rolled = services.store.rebuild_cooccur_window(today)
    if rolled:
        log.info("co-occurrence window now ends %s", today)
    for health in review_listened_tags(services.planner, today):
        if health.drifted:
            log.warning("listening: %s", health.line())
    from bot.sources.tag_lookups import sample_posts  # atproto: imported when first used

    sample = partial(sample_posts, services.settings)
    for health in sample_guarded_tags(services.planner, sample, today):
        log.info("listening: %s", health.sample_line())
    return rolled


def ingest_job(
    services: Services, names: Sequence[str] = SOURCE_NAMES, slack: WebClient | None = None
) -> CycleReport:
    """One collection cycle over the tracked topics; each source's outcome logged once. With
    Slack, the alerts the new posts call for go out right after."""
    queries = services.planner.listening(today=services.today())
    report = run_cycle(
        services.settings, services.store, queries, names=names, clock=services.clock
    )
    report.log()
    if slack is not None:
        alert_job(services, slack)
    return report


def alert_job(services: Services, client: WebClient) -> AlertCheck:
    """Alerts between digests: each channel hears once about a burst, a tag taking off or a
    conversation gathering people, a few a day at most, never at night."""
    alerter = alerter_for(services)
    check = alerter.deliver(SlackPublisher(client), alerter.check(services.now()))
    if check.posted or check.errors:
        log.info("alerts: %d posted; %s", check.posted, check.errors or "no errors")
    return check


def census_job(services: Services) -> CensusReport | None:
    """Hourly: the first census in full when the database has none, then the tags never
    measured and the stalest few, so each tag is measured again about once a week."""
    report = services.census.refresh()
    if report is not None:
        for network in report.networks:
            level = logging.WARNING if network.refused or network.error else logging.INFO
            log.log(level, "census %s", network.line(report.terms).replace("\n  ", " · "))
    return report


RETRY_AFTER = timedelta(hours=1)  # a digest Slack refused is tried again an hour later


def digest_job(services: Services, client: WebClient) -> list[Delivery]:
    """Every minute: the digests whose time has come on their channel's own clock, once each.

    A digest Slack refused waits an hour before the next try instead of a minute, across
    restarts too: when it was last tried is read from its stored messages.
    """
    store, now = services.store, services.now()
    due = {
        channel: day
        for channel, day in due_channels(store, services.settings.digest_hour, now).items()
        if not _tried_within(store.digest_last_try(channel, day), now, RETRY_AFTER)
    }
    if not due:
        return []
    deliveries = deliver_digests(
        store, services.digester, SlackPublisher(client), now=now, days=due
    )
    for delivery in deliveries:
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
        store.set_health("digests", not failed, said, now=now)
    return deliveries


def _tried_within(tried: datetime | None, now: datetime, span: timedelta) -> bool:
    return tried is not None and now - tried < span


def create_scheduler(
    services: Services,
    *,
    sources: Sequence[str] = SOURCE_NAMES,
    slack: WebClient | None = None,
) -> BackgroundScheduler:
    """A scheduler with every periodic job registered; the caller starts and stops it.

    `sources`: what the collection cycles read (`run` leaves Bluesky to its listener).
    `slack`: where digests and alerts are posted; without it there is no digest job, and
    collection cycles raise no alerts.
    """
    settings, clock = services.settings, services.clock
    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    scheduler.add_job(
        retention_job,
        "cron",
        hour=3,
        minute=17,
        args=[services],
        id="retention",
        name="delete posts past RETENTION_DAYS",
    )
    scheduler.add_job(
        window_job,
        "cron",
        hour=0,
        minute=5,
        args=[services],
        id="cooccur-window",
        name="roll the 30-day co-occurrence window; measure listened tags against their topics",
    )
    scheduler.add_job(
        ingest_job,
        "interval",
        minutes=settings.ingest_every_minutes,
        next_run_time=clock() + timedelta(minutes=1),  # soon after start, not an interval later
        args=[services],
        kwargs={"names": tuple(sources), "slack": slack},
        id="ingest",
        name="collect posts every INGEST_EVERY_MINUTES",
    )
    scheduler.add_job(
        census_job,
        "interval",
        hours=1,
        next_run_time=clock() + timedelta(minutes=2),  # a first full pass soon after start
        args=[services],
        id="census",
        name="measure every tag's use on X, Mastodon and Bluesky: a full pass, then weekly",
    )
    if settings.x_bearer_token:
        scheduler.add_job(
            compliance_job,
            "interval",
            hours=1,
            next_run_time=clock() + timedelta(minutes=5),
            args=[services],
            id="x-compliance",
            name="check stored X posts and accounts with X's batch compliance jobs, daily",
        )
    if slack is not None:
        scheduler.add_job(
            digest_job,
            "interval",  # each channel's own clock is read every minute: see services/schedules
            minutes=1,
            next_run_time=clock() + timedelta(seconds=20),  # a missed run goes out soon after start
            args=[services, slack],
            id="digest",
            name="post each tracking channel's digest at its own time",
        )
    return scheduler
