"""Collection cycles: tracked topics become per-source queries, and one cycle stores what the
sources find (X and Mastodon on the schedule; `hashtag-bot ingest` reads Bluesky too).

Every page is stored before its cursors move, so a crash re-reads a page instead of losing one,
and the Store keeps each post once however many topics or sources bring it in. X is paid per
read, so its spend is counted per day and fetching stops before the monthly budget is passed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.conditions import ConditionMatcher
from bot.domain.congresses import congresses_on
from bot.domain.hashtags import tag_key
from bot.domain.knowledge import KnowledgeBase
from bot.domain.text import topic_key
from bot.services.x_spend import x_spend
from bot.sources.base import Page, Query, Source, SourceError, SourceStopped
from bot.storage import Store

log = logging.getLogger(__name__)

SOURCE_NAMES = ("x", "mastodon", "bluesky")
LISTENED_KINDS = ("community", "condition")
MAX_CONTEXT_WORDS, CONTEXT_TAGS, MAX_CONTEXT = 5, 3, 8  # X queries have 512 characters


def topic_query(
    text: str,
    kb: KnowledgeBase,
    matcher: ConditionMatcher,
    condition_id: str | None = None,
    *,
    today: date,
    drifted: Collection[str] = (),
) -> Query | None:
    """A condition's unambiguous community and condition tags, or the user's own tags or words.

    A tag that also means something else (flagged in the knowledge base, or with an
    `also_means`), or that collected posts showed to be mostly off topic (`drifted` tag keys,
    see tag_health.py), is never listened to alone: it is guarded, heard only with the
    condition's own words or tags. So is the tag of a congress serving the condition while it
    runs on its known dates (#ASCO26 beside "lung cancer" or #LCSM, not all of ASCO).
    """
    understanding = matcher.understand(text)
    if condition_id in kb.conditions:
        conditions = [kb.conditions[str(condition_id)]]
    else:
        conditions = [m.condition for m in understanding.matches]

    def ambiguous(tag: str) -> bool:
        return tag_key(tag) in kb.also_means or tag_key(tag) in drifted

    tags = [t for t in understanding.typed_tags if not ambiguous(t)]
    guarded = [t for t in understanding.typed_tags if ambiguous(t)]
    keywords: list[str] = []
    context: list[str] = []
    for condition in conditions:
        listened = [t for t in condition.tags if t.kind in LISTENED_KINDS]
        own = [t.tag for t in listened if not (t.ambiguous or ambiguous(t.tag))]
        guarded += [t.tag for t in listened if t.ambiguous or ambiguous(t.tag)]
        guarded += [live.tag for live in congresses_on(kb, [condition], today)]
        tags += own
        if not own:  # every tag means other things too (#MS): the name says it plainly
            keywords.append(condition.name)
        context += condition_words(condition.name, condition.synonyms, guarded)
        context += [f"#{t}" for t in own[:CONTEXT_TAGS]]
    if not conditions and not tags and not guarded:
        words = " ".join(understanding.unmatched) or understanding.text
        keywords += [words] if words.strip() else []
    unique = list({tag_key(t): t for t in reversed(tags)}.values())[::-1]
    guarded = [g for g in dict.fromkeys(guarded) if tag_key(g) not in {tag_key(t) for t in unique}]
    context = list({c.casefold(): c for c in reversed(context)}.values())[::-1][:MAX_CONTEXT]
    if not context:
        guarded = []  # nothing to pair them with: not listened to at all
    if not (unique or keywords or guarded):
        return None
    return Query(text, tuple(unique), tuple(keywords), tuple(guarded), tuple(context))


def condition_words(name: str, synonyms: Iterable[str], guarded: Iterable[str]) -> list[str]:
    """The condition's name and synonyms that don't just repeat a guarded tag (#Stroke's
    context is "brain attack", not "stroke"), as context words."""
    skip = {tag_key(g) for g in guarded}
    words = []
    for word in (name, *synonyms):
        plain = " ".join(word.split())
        if plain and tag_key(plain.replace(" ", "")) not in skip:
            words.append(plain)
    return words[:MAX_CONTEXT_WORDS]


def queries_for(
    topics: Iterable[tuple[str, str | None]],
    kb: KnowledgeBase,
    matcher: ConditionMatcher | None = None,
    *,
    today: date,
    drifted: Collection[str] = (),
) -> list[Query]:
    """One query per distinct topic, (text, condition id) pairs from the command line or
    channels, as heard on `today` (a congress's tag only while it runs)."""
    matcher = matcher or ConditionMatcher(kb)
    seen: dict[str, Query] = {}
    for text, condition_id in topics:
        key = topic_key(text)
        if key and key not in seen:
            query = topic_query(text, kb, matcher, condition_id, today=today, drifted=drifted)
            if query is not None:
                seen[key] = query
    return list(seen.values())


def tracked_queries(store: Store, kb: KnowledgeBase, *, today: date) -> list[Query]:
    """The tracked topics' queries, tags demoted as mostly off topic heard only with context."""
    topics = ((t.topic, t.condition_id) for t in store.topics())
    return queries_for(topics, kb, today=today, drifted=store.drifted_keys())


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
    report.pages += 1
    for query_key, position in page.cursors:
        store.set_cursor(source, query_key, position, now=now)


def drain(
    store: Store, source: Source, queries: Sequence[Query], *, clock: Callable[[], datetime]
) -> SourceReport:
    """Run one source to the end of its cycle; a failure ends it and is recorded for `doctor`.

    The caller shows the report once (the CLI prints it, the scheduler logs it), so nothing here
    logs the same failure again.
    """
    report = SourceReport(source.name)
    try:
        for page in source.collect(queries, lambda key: store.cursor(source.name, key)):
            apply_page(store, source.name, page, now=clock(), report=report)
    except SourceStopped as err:
        report.stopped = str(err)
    except SourceError as err:
        report.error = str(err)
    healthy = not report.error
    message = report.error or report.stopped or f"ok: {report.new_posts} new posts"
    store.set_health(source.name, healthy, message, now=clock())
    return report


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
                    settings, spend=spend, fresh_profiles=store.handles_checked_since, clock=clock
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
    queries: list[Query]
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
    queries: Sequence[Query],
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
                    f"({spend.post_reads:,} post reads, {spend.user_reads:,} user reads)"
                )
    store.rebuild_cooccur_window(clock().date())  # a no-op unless the day turned
    return CycleReport(list(queries), reports)
