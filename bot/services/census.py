"""The census: the last 7 days' use of every tag on X, Mastodon and Bluesky, measured.

Sources say who uses a tag; only a measurement says how much it is used now, and where. A census
covers every knowledge-base tag, every candidate tag of an awareness event without a verified
one, and the tags seen most with each tracked topic (`--topic` limits it to some conditions'
tags). Each network is counted on its own thread within its own limits, and every figure is
stored as it comes, in a run: a census killed half-way goes on where it stopped, asking nothing
it already has. Inside `run`, the first census is a full pass; then every hour the stalest
tags are measured again, spread so each is measured about once a week.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.calendar import day_label
from bot.domain.census_plan import CensusTerm, census_terms
from bot.domain.hashtags import display_form, tag_key
from bot.domain.knowledge import KnowledgeBase
from bot.domain.reach import NETWORK_NAMES, NETWORKS, Guard, Measurement
from bot.domain.topic_plan import TopicPlan
from bot.services.topics import TopicPlanner, TopicSpec
from bot.services.x_spend import COUNTS_SOURCE, x_spend
from bot.sources.base import SourceAuthError, SourceError, SourceStopped
from bot.sources.bluesky_tally import MAX_QUIET_US, tally_key
from bot.sources.census_window import CensusWindow, TagCounter, TermSkipped
from bot.storage import Store
from bot.storage.census import CensusFigure, CensusRun

log = logging.getLogger(__name__)

REFRESH_DAYS = 7  # a tag is measured again once its figure is this old
REFRESHES_A_WEEK = 7 * 24  # the refresh job runs hourly
SEEN_PER_TOPIC = 10  # tags seen with a tracked topic that are measured too
TALLY_KEEP_DAYS = 8  # the census keeps its figures; the tally is needed for a week
CLI_MAX_WAIT_S = 16 * 60.0  # `census` waits out X's 15-minute windows
JOB_MAX_WAIT_S = 60.0  # inside `run` a longer wait ends the refresh; the next one resumes
RESUME_WITHIN = timedelta(days=1)  # an unfinished run older than this starts afresh
ASK_AGAIN_AFTER = timedelta(days=1)  # a network that refused is asked again after a day


@dataclass
class NetworkReport:
    """What one network's part of a census did."""

    network: str
    measured: int = 0
    not_counted: int = 0  # tags this network can't count as the census needs (#MS on Mastodon)
    skipped: list[str] = field(default_factory=list)
    requests: int = 0
    refused: str = ""  # said once; the census goes on without it
    stopped: str = ""  # a limit: the census resumes there later
    error: str = ""
    not_set_up: str = ""
    via: Counter[str] = field(default_factory=Counter)

    @property
    def complete(self) -> bool:
        return not (self.stopped or self.error)

    def line(self, terms: int) -> str:
        name = NETWORK_NAMES[self.network]
        if self.not_set_up:
            return f"{name}: not counted ({self.not_set_up})"
        text = f"{name}: {self.measured:,} of {terms:,} tags measured, {self.requests:,} requests"
        if self.via:
            text += " (" + ", ".join(f"{n:,} from {how}" for how, n in self.via.most_common()) + ")"
        if self.not_counted:
            text += f"; {self.not_counted:,} ambiguous tags not counted here"
        lines = [text]
        lines += [f"  refused: {self.refused}"] * bool(self.refused)
        lines += [f"  stopped: {self.stopped}"] * bool(self.stopped)
        lines += [f"  failed: {self.error}"] * bool(self.error)
        lines += [f"  skipped {s}" for s in self.skipped[:5]]
        return "\n".join(lines)


@dataclass
class CensusReport:
    run_id: int
    resumed: bool
    terms: int
    networks: list[NetworkReport]
    figures: list[CensusFigure]
    left_out: list[str]
    seconds: float
    spend_line: str = ""

    @property
    def refused(self) -> list[dict[str, str]]:
        return [{"network": r.network, "why": r.refused} for r in self.networks if r.refused]

    @property
    def measured_anything(self) -> bool:
        return bool(self.figures)

    def as_json(self) -> dict[str, Any]:
        """`census --json`: every figure of this run, and who refused."""
        return {
            "tags": [
                {
                    "tag": f.tag,
                    "network": f.measurement.network,
                    "posts_7d": f.measurement.posts_7d,
                    "accounts_7d": f.measurement.accounts_7d,
                    "at_least": f.measurement.at_least,
                    "instance": f.measurement.instance or None,
                    "as_of": f.measurement.as_of.isoformat(),
                }
                for f in self.figures
            ],
            "refused": self.refused,
        }

    def summary(self) -> str:
        head = f"Census of {self.terms:,} tags, the last 7 days"
        if self.figures:
            last = max(f.measurement.as_of for f in self.figures)
            head += f" to {day_label(last)}"
        head += f" ({'resumed, ' if self.resumed else ''}{self.seconds:,.0f} s)"
        lines = [head, *(r.line(self.terms) for r in self.networks)]
        if self.spend_line:
            lines.append(f"X spend this month: {self.spend_line}")
        if self.left_out:
            shown = " ".join(f"#{t}" for t in self.left_out[:8])
            lines.append(
                f"Not measured: {shown} mean other things too and no condition's words guard them"
            )
        busiest = _busiest(self.figures)
        if busiest:
            lines += ["", "Busiest this week:"] + [
                f"  #{tag}  {posts:,} posts" for tag, posts in busiest
            ]
        return "\n".join(lines)


def _busiest(figures: Sequence[CensusFigure], count: int = 10) -> list[tuple[str, int]]:
    totals: Counter[str] = Counter()
    for figure in figures:
        totals[figure.tag] += figure.measurement.posts_7d
    return [(tag, n) for tag, n in totals.most_common(count) if n]


class StoredTally:
    """The Jetstream tally as the Bluesky counter reads it: which of a window's days the stream
    covered whole (stretches within MAX_QUIET_US of each day's ends), and a tag's posts."""

    def __init__(self, store: Store, quiet_us: int) -> None:
        self.store = store
        self.quiet_us = quiet_us
        self._covered: dict[datetime, set[date]] = {}

    def covered_days(self, window: CensusWindow) -> set[date]:
        if window.now not in self._covered:
            self._covered[window.now] = self._days(window)
        return self._covered[window.now]

    def _days(self, window: CensusWindow) -> set[date]:
        first = int(window.start.timestamp() * 1_000_000)
        last = int(window.now.timestamp() * 1_000_000)
        spans = self.store.tally_spans(first, last)
        covered: set[date] = set()
        for day in window.days:
            begin = int(datetime.combine(day, dt_time(0), tzinfo=UTC).timestamp()) * 1_000_000
            end = min(begin + 86_400_000_000, last)
            if any(s <= begin + self.quiet_us and e >= end - self.quiet_us for s, e in spans):
                covered.add(day)
        return covered

    def posts(self, term: CensusTerm, days: Collection[date]) -> int:
        key = tally_key(term)
        found = self.store.tally_posts([key], min(days), max(days)).get(key, {})
        wanted = {d.isoformat() for d in days}
        return sum(
            n
            for day, by_lang in found.items()
            if day in wanted
            for lang, n in by_lang.items()
            if not term.lang or lang == term.lang
        )


CounterFactory = Callable[[str, float], TagCounter]


class Census:
    """Measures tags on every network the bot can reach and keeps the figures."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        kb: KnowledgeBase,
        planner: TopicPlanner,
        *,
        clock: Clock = utc_now,
        counters: CounterFactory | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.kb = kb
        self.planner = planner
        self.clock = clock
        self.counters = counters or self.counter_for

    # What to measure ----------------------------------------------------------------------------
    def _plans(self, today: date) -> dict[str, TopicPlan]:
        specs = {c.id: TopicSpec(c.name, c.id) for c in self.kb.conditions.values()}
        plans = self.planner.plans(specs.values(), today=today)
        return {cid: plans[spec.key] for cid, spec in specs.items() if spec.key in plans}

    def terms(self, topics: Sequence[str] = ()) -> tuple[list[CensusTerm], list[str]]:
        """Every tag a census measures (or those serving these topics), and the tags left out."""
        today = self.clock().date()
        plans = self._plans(today)
        conditions = None
        seen_for: list[TopicSpec] = []
        typed: list[tuple[str, tuple[str, ...]]] = []
        if topics:
            conditions = []
            for text in topics:
                understood = self.planner.matcher.understand(text)
                conditions += [m.condition for m in understood.matches]
                typed += [(t, ()) for t in understood.typed_tags]
                seen_for.append(TopicSpec(text))
        else:
            seen_for = [
                TopicSpec(plan.topic, plan.condition.id if plan.condition else None)
                for plan in self.planner.tracked(today=today).values()
            ]
        seen = typed + self._seen_with(seen_for, today)
        return census_terms(self.kb, today, plans, conditions=conditions, seen=seen)

    def _seen_with(
        self, specs: Sequence[TopicSpec], today: date
    ) -> list[tuple[str, tuple[str, ...]]]:
        """The tags collected posts show most often with each topic, with the topic's words."""
        found: list[tuple[str, tuple[str, ...]]] = []
        for plan in self.planner.plans(specs, today=today).values():
            seeds = set(plan.tag_keys)
            if not seeds:
                continue
            shared = self.store.cooccurring(seeds, today)
            top = [k for k in sorted(shared, key=lambda k: -shared[k]) if k not in seeds]
            top = top[:SEEN_PER_TOPIC]
            activity = self.store.tag_activity(set(top), today)
            for key in top:
                forms = activity[key].forms if key in activity else {}
                found.append((display_form(forms, key), plan.context))
        return found

    def guards(self) -> dict[str, Guard]:
        """Tag key -> the words an ambiguous tag is counted beside (for the Jetstream tally)."""
        terms, _ = self.terms()
        return {t.key: t.guard for t in terms if t.guarded}

    def set_up(self) -> list[str]:
        """The networks the settings let a census count on (Bluesky always: the tally)."""
        return [
            n
            for n in NETWORKS
            if (n != "x" or self.settings.x_bearer_token)
            and (n != "mastodon" or self.settings.mastodon_instances)
        ]

    # Counting ---------------------------------------------------------------------------------
    def counter_for(self, network: str, max_wait_s: float) -> TagCounter:
        """A network's counter, built when a census needs it (atproto takes a second to import)."""
        if network == "x":
            from bot.sources.census_x import XCounts

            def spend() -> tuple[float, float]:
                current = x_spend(self.store, self.settings, self.clock().date())
                return current.usd, current.budget_usd

            def counted() -> None:
                self.store.count_reads(COUNTS_SOURCE, self.clock().date(), requests=1)

            return XCounts(
                self.settings,
                spend=spend,
                counted=counted,
                clock=self.clock,
                max_wait_s=max_wait_s,
            )
        if network == "mastodon":
            from bot.sources.census_mastodon import MastodonCounts

            return MastodonCounts(self.settings, clock=self.clock, max_wait_s=max_wait_s)
        if network == "bluesky":
            from bot.sources.census_bluesky import BlueskyCounts

            return BlueskyCounts(
                self.settings,
                StoredTally(self.store, MAX_QUIET_US),
                clock=self.clock,
                max_wait_s=max_wait_s,
            )
        raise ValueError(f"unknown network {network!r}: choose from {', '.join(NETWORKS)}")

    def run(
        self,
        networks: Sequence[str] = NETWORKS,
        topics: Sequence[str] = (),
        *,
        max_wait_s: float = CLI_MAX_WAIT_S,
        progress: Callable[[str], None] | None = None,
    ) -> CensusReport:
        """`hashtag-bot census`: every term on every network asked, resuming the same census
        when one was killed or stopped within the last day."""
        terms, left_out = self.terms(topics)
        scope = json.dumps(
            {"networks": sorted(networks), "topics": sorted(tag_key(t) for t in topics)}
        )
        return self._run(
            {n: terms for n in networks},
            scope,
            left_out,
            resume=True,
            max_wait_s=max_wait_s,
            progress=progress,
        )

    def refresh(self, *, max_wait_s: float = JOB_MAX_WAIT_S) -> CensusReport | None:
        """Inside `run`, hourly: a full pass when the database has no census yet; then every tag
        never measured, and the stalest few due again, so each is measured about weekly."""
        today = self.clock().date()
        self.store.prune_tally(today - timedelta(days=TALLY_KEEP_DAYS))
        if not self.store.has_census():
            return self.run(self.set_up(), max_wait_s=max_wait_s)
        terms, left_out = self.terms()
        share = math.ceil(len(terms) / REFRESHES_A_WEEK)
        due: dict[str, list[CensusTerm]] = {}
        refused = self.store.census_refused_since(self.clock() - ASK_AGAIN_AFTER)
        for network in self.set_up():
            if network in refused:
                continue
            last = self.store.last_measured(network)
            never = [t for t in terms if t.key not in last]
            stale = sorted(
                (t for t in terms if t.key in last and (today - last[t.key]).days >= REFRESH_DAYS),
                key=lambda t: last[t.key],
            )
            if never or stale:
                due[network] = never + stale[:share]
        if not due:
            return None
        return self._run(due, "refresh", left_out, resume=False, max_wait_s=max_wait_s)

    def _run(
        self,
        plan: Mapping[str, Sequence[CensusTerm]],
        scope: str,
        left_out: list[str],
        *,
        resume: bool,
        max_wait_s: float,
        progress: Callable[[str], None] | None = None,
    ) -> CensusReport:
        started = time.monotonic()
        now = self.clock()
        window = CensusWindow(now)
        terms = max((len(t) for t in plan.values()), default=0)
        run_id, resumed = self.store.start_census(
            scope, list(plan), terms, now=now, resume_since=now - RESUME_WITHIN if resume else None
        )
        reports = {n: NetworkReport(n) for n in plan}
        threads = [
            threading.Thread(
                target=self._network,
                args=(run_id, reports[n], plan[n], window, max_wait_s, progress),
                name=f"census-{n}",
                daemon=True,
            )
            for n in plan
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for report in reports.values():
            if report.refused:
                self.store.refuse_census(run_id, report.network, report.refused, now=self.clock())
        if all(r.complete for r in reports.values()):
            self.store.finish_census(run_id, now=self.clock())
        spend_line = ""
        if "x" in plan and self.settings.x_bearer_token:
            spend_line = x_spend(self.store, self.settings, self.clock().date()).counts_line()
        return CensusReport(
            run_id,
            resumed,
            terms,
            [reports[n] for n in NETWORKS if n in reports],
            self.store.census_figures_of_run(run_id),
            left_out,
            time.monotonic() - started,
            spend_line,
        )

    def _network(
        self,
        run_id: int,
        report: NetworkReport,
        terms: Sequence[CensusTerm],
        window: CensusWindow,
        max_wait_s: float,
        progress: Callable[[str], None] | None,
    ) -> None:
        """One network's share of a census; whatever happens is said in its report."""
        try:
            counter = self.counters(report.network, max_wait_s)
        except SourceAuthError as err:
            report.not_set_up = str(err)
            return
        done = self.store.census_done(run_id, report.network)
        report.measured = len(done)
        try:
            for n, term in enumerate(terms, 1):
                if term.key in done:
                    continue
                try:
                    figure = counter.count(term, window)
                except TermSkipped as err:
                    report.skipped.append(str(err))
                    continue
                if figure is None:
                    report.not_counted += 1
                    continue
                self.store.save_figure(run_id, term.tag, term.key, figure, now=self.clock())
                done.add(term.key)
                report.measured += 1
                report.via[_how(figure)] += 1
                if progress and n % 50 == 0:
                    progress(f"{NETWORK_NAMES[report.network]}: {n:,} of {len(terms):,} tags")
        except SourceAuthError as err:
            report.refused = str(err)
        except SourceStopped as err:
            report.stopped = str(err)
        except SourceError as err:
            report.error = str(err)
        finally:
            report.requests = counter.requests
            report.refused = report.refused or _refusal(counter)
            counter.close()
        if report.stopped or report.error:  # the caller reports it; the log keeps it too
            log.info("census %s: %s", report.network, report.stopped or report.error)


def _how(figure: Measurement) -> str:
    return {"stream": "the Jetstream tally", "stream and search": "the tally and search"}.get(
        figure.via, figure.via
    )


def _refusal(counter: TagCounter) -> str:
    """A refusal a counter noted and got past (Bluesky search, a Mastodon instance)."""
    refusal = getattr(counter, "refusal", None)
    if isinstance(refusal, str) and refusal:
        return refusal
    refused = getattr(counter, "refused", None)
    if isinstance(refused, dict) and refused:
        return "; ".join(str(v) for v in refused.values())
    return ""


@dataclass(frozen=True)
class CensusState:
    """What doctor and the App Home say about the census."""

    last: CensusRun | None
    measured_this_week: int

    def lines(self) -> list[str]:
        if self.last is None:
            return [
                "No census yet: `hashtag-bot census` measures every tag's use (`run` does it by itself)."
            ]
        run = self.last
        when = run.started_at.strftime("%d %b %Y %H:%M UTC").lstrip("0")
        measured = ", ".join(
            f"{NETWORK_NAMES[n]} {run.measured.get(n, 0):,}" for n in NETWORKS if n in run.networks
        )
        state = "" if run.finished_at else " (not finished: it goes on next time)"
        lines = [
            f"Last census {when}{state}: {run.tags_measured:,} tags measured ({measured}); "
            f"{self.measured_this_week:,} tags have a figure from the last 7 days."
        ]
        lines += [f"{NETWORK_NAMES.get(n, n)} refused: {why}" for n, why in run.refused.items()]
        return lines


def census_state(store: Store, today: date) -> CensusState:
    return CensusState(
        store.census_run(), store.census_measured_since(today - timedelta(days=REFRESH_DAYS - 1))
    )
