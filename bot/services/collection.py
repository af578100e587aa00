"""Collection cycles: tracked topics become per-source queries, and one cycle stores what the
sources find (X and Mastodon on the schedule; `hashtag-bot ingest` reads Bluesky too).

Every page is stored before its cursors move, so a crash re-reads a page instead of losing one,
and the Store keeps each post once however many topics or sources bring it in. X is paid per
read, so its spend is counted per day and fetching stops before the monthly budget is passed.

One source never takes a cycle down: whatever stops it (a refused token, an answer in an
unexpected shape, a fault nobody foresaw) becomes that source's error, and the other sources,
and the alerts after the cycle, go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.topic_plan import TopicPlan
from bot.services.x_spend import x_spend
from bot.sources.base import CursorLookup, Page, Source, SourceError, SourceStopped
from bot.storage import Store

log = logging.getLogger(__name__)

SOURCE_NAMES = ("x", "mastodon", "bluesky")


@dataclass
class SourceReport:
    source: str
    new_posts: int = 0
    updated_posts: int = 0
    new_authors: int = 0
    deleted: int = 0
    edited: int = 0  # earlier versions replaced by the edited post
    opted_out: int = 0
    unreadable: int = 0  # posts not stored: their author's profile couldn't be read
    accounts_hidden: int = 0  # stored accounts deactivated, suspended or taken down at the source
    reposts_skipped: int = 0
    pages: int = 0
    post_reads: int = 0
    user_reads: int = 0
    requests: int = 0
    stopped: str = ""  # a deliberate stop (rate limit, budget): resumes next cycle
    error: str = ""  # something to fix or wait out; the source is marked unhealthy
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{self.new_posts:,} new posts",
            f"{self.updated_posts:,} already stored (metrics refreshed)",
        ]
        parts.append(f"{self.new_authors:,} new authors")
        if self.deleted:
            parts.append(f"{self.deleted:,} deleted at the source")
        if self.edited:
            parts.append(f"{self.edited:,} replaced by their edited version")
        if self.opted_out:
            parts.append(f"{self.opted_out:,} accounts opted out and forgotten")
        if self.unreadable:
            parts.append(f"{self.unreadable:,} posts not stored (author's profile unreadable)")
        if self.accounts_hidden:
            parts.append(f"{self.accounts_hidden:,} accounts hidden while inactive at the source")
        if self.reposts_skipped:
            parts.append(f"{self.reposts_skipped:,} reposts skipped")
        if self.requests:
            parts.append(f"{self.requests:,} requests")
        line = f"{self.source}: " + ", ".join(parts)
        for extra in (*self.notes, self.stopped, self.error):
            line += f"\n  {extra}" if extra else ""
        return line


def apply_page(
    store: Store, source: str, page: Page, *, now: datetime, report: SourceReport
) -> None:
    """Count what was read, honour opt-outs, deletions and accounts gone inactive, store the page,
    and only then move cursors."""
    if page.reads is not None:
        store.count_reads(
            source,
            now.date(),
            posts=page.reads.posts,
            users=page.reads.users,
            requests=page.reads.requests,
            post_ids=page.reads.post_ids,
        )
        report.post_reads += page.reads.posts
        report.user_reads += page.reads.users
        report.requests += page.reads.requests
    if page.opt_outs:
        report.opted_out += store.forget_authors(page.opt_outs, now=now)
    if page.account_status:
        store.set_account_status(page.account_status, now=now)
        report.accounts_hidden += sum(1 for _, status in page.account_status if status)
    report.unreadable += page.unreadable
    if page.deleted:
        report.deleted += store.delete_posts(page.deleted)
    if page.superseded:
        report.edited += store.delete_posts(page.superseded)
    if page.posts or page.authors:
        saved = store.save_posts(page.posts, page.authors, now=now)
        report.new_posts += saved.new_posts
        report.updated_posts += saved.updated_posts
        report.new_authors += saved.new_authors
    report.reposts_skipped += page.skipped_reposts
    report.notes += [note for note in page.notes if note not in report.notes]
    report.pages += 1
    for query_key, position in page.cursors:
        store.set_cursor(source, query_key, position, now=now)


def drain(
    store: Store, source: Source, queries: Sequence[TopicPlan], *, clock: Callable[[], datetime]
) -> SourceReport:
    """Run one source to the end of its cycle; a failure ends it and is recorded for `doctor`.

    The caller shows the report once (the CLI prints it, the scheduler logs it), so nothing here
    logs the same failure again, except the traceback of one nobody foresaw.
    """
    report = SourceReport(source.name)
    for page in _pages(source, queries, lambda key: store.cursor(source.name, key), report):
        apply_page(store, source.name, page, now=clock(), report=report)
    healthy = not report.error
    message = report.error or report.stopped or f"ok: {report.new_posts} new posts"
    if healthy and report.notes:
        message += "; " + "; ".join(report.notes)
    store.set_health(source.name, healthy, message, now=clock())
    return report


def _pages(
    source: Source, queries: Sequence[TopicPlan], cursor: CursorLookup, report: SourceReport
) -> Iterator[Page]:
    """The source's pages until it ends or stops; why it stopped goes into the report.

    Only reading from the source is guarded here: storing a page is the caller's, and a fault
    there (the database) is not the source's to report.
    """
    try:
        yield from source.collect(queries, cursor)
    except SourceStopped as err:
        report.stopped = str(err)
    except SourceError as err:
        report.error = str(err)
    except Exception:  # the last resort: one source's surprise must not end the cycle
        log.exception("ingest %s: stopped on something unforeseen", source.name)
        report.error = (
            "stopped on an answer the bot could not read (the log has the details); nothing "
            "after it was stored, and it is tried again next cycle from the stored position."
        )


def build_sources(
    settings: Settings, store: Store, names: Sequence[str], *, clock: Callable[[], datetime]
) -> list[Source]:
    """The configured sources, X with its budget guard, X and Bluesky told which authors are
    stored and whose profiles were read lately."""
    sources: list[Source] = []
    # Imported here: atproto alone takes over a second to import, and `suggest` needs none of them.
    for name in names:
        if name == "x":
            from bot.sources.x import XSource

            def spend() -> tuple[float, float]:
                current = x_spend(store, settings, clock().date())
                return current.usd, current.budget_usd

            sources.append(
                XSource(
                    settings,
                    spend=spend,
                    fresh_profiles=store.handles_checked_since,
                    billed_today=lambda ids, day: store.billed_posts("x", ids, day),
                    clock=clock,
                )
            )
        elif name == "mastodon":
            from bot.sources.mastodon import MastodonSource

            sources.append(MastodonSource(settings))
        elif name == "bluesky":
            from bot.sources.bluesky import BlueskySource

            sources.append(
                BlueskySource(
                    settings,
                    known_authors=store.known_authors,
                    checked_since=store.profiles_checked_since,
                    clock=clock,
                )
            )
        else:
            raise ValueError(f"unknown source {name!r}: choose from {', '.join(SOURCE_NAMES)}")
    return sources


@dataclass
class CycleReport:
    queries: list[TopicPlan]
    sources: list[SourceReport]

    @property
    def failed(self) -> bool:
        return any(r.error for r in self.sources)

    def summary(self) -> str:
        terms = sorted(
            {f"#{t}" for q in self.queries for t in q.tags}
            | {f"“{k}”" for q in self.queries for k in q.keywords}
        )
        head = f"Listening for {len(self.queries)} topic(s): {' '.join(terms) or 'nothing'}"
        return "\n".join([head, *(r.summary() for r in self.sources)])

    def log(self) -> None:
        """One line per source; failures at warning level, once, with what to do."""
        for report in self.sources:
            level = logging.WARNING if report.error or report.stopped else logging.INFO
            log.log(level, "ingest %s", report.summary().replace("\n  ", " · "))


def run_cycle(
    settings: Settings,
    store: Store,
    queries: Sequence[TopicPlan],
    *,
    names: Sequence[str] = SOURCE_NAMES,
    sources: Sequence[Source] | None = None,
    clock: Clock = utc_now,
) -> CycleReport:
    """One collection cycle over the given queries; X is skipped, saying why, without a token."""
    reports: list[SourceReport] = []
    owned = sources is None
    if sources is None:
        wanted = [n for n in names if n != "x" or settings.x_bearer_token]
        if "x" in names and "x" not in wanted:
            skipped = SourceReport("x", notes=["skipped: set X_BEARER_TOKEN to collect from X"])
            reports.append(skipped)
        sources = build_sources(settings, store, wanted, clock=clock)
    for source in sources:
        try:
            if queries or source.name == "bluesky":
                reports.append(drain(store, source, queries, clock=clock))
        finally:
            if owned:
                source.close()
    if "x" in {s.name for s in sources}:
        spend = x_spend(store, settings, clock().date())
        for report in reports:
            if report.source == "x":
                report.notes.append(
                    f"estimated X spend this month: ${spend.usd:,.2f} of ${spend.budget_usd:,.2f} "
                    f"({spend.post_reads:,} post reads, {spend.user_reads:,} user reads"
                    + (f"; {spend.counts_line()})" if spend.counts_requests else ")")
                )
    store.rebuild_cooccur_window(clock().date())  # a no-op unless the day turned
    return CycleReport(list(queries), reports)
