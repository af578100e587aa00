"""`hashtag-bot run` listens to Bluesky as it happens: one Jetstream connection, held open.

A background thread follows the stream for the tracked topics, storing a page every few
seconds (posts whose authors' consent was checked, deletions, opted-out, deleted and inactive
accounts) and moving the cursor only after each page is stored. When the connection fails past Jetstream's own retries it records the
source as unhealthy for `doctor`, waits (doubling up to five minutes) and resumes from the
cursor. The scheduled collection cycles leave Bluesky to it.

The same stream feeds the census's tally of every hashtag per day and language (see
sources/bluesky_tally.py), stored every TALLY_FLUSH_S with its own cursor; with BLUESKY_TALLY on
(the default) the stream is held open for it even when nothing is tracked.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.reach import Guard
from bot.domain.topic_plan import TopicPlan
from bot.services.collection import SourceReport, apply_page
from bot.services.topics import TopicPlanner
from bot.sources.base import SourceError
from bot.sources.bluesky_tally import MAX_QUIET_US, HashtagTally
from bot.storage import Store

if TYPE_CHECKING:
    from bot.sources.bluesky import BlueskySource

log = logging.getLogger(__name__)

FIRST_RETRY_S = 5.0
MAX_RETRY_S = 300.0
IDLE_CHECK_S = 60.0  # with nothing tracked, how often to look again
HEARTBEAT_S = 2.0  # a quiet stream still lets the listener store what it holds, or stop
TALLY_FLUSH_S = 30.0  # how often the census tally is stored


class BlueskyListener:
    """Runs BlueskySource.listen on a thread until stop()."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        planner: TopicPlanner,
        source: BlueskySource | None = None,  # built on first use when None
        clock: Clock = utc_now,
        refresh_s: float = 60.0,
        idle_check_s: float = IDLE_CHECK_S,
        first_retry_s: float = FIRST_RETRY_S,
        tally_guards: Callable[[], Mapping[str, Guard]] | None = None,
        tally_flush_s: float = TALLY_FLUSH_S,
    ) -> None:
        self.settings = settings
        self.store = store
        self.planner = planner
        self.source = source
        self.clock = clock
        self.refresh_s = refresh_s
        self.idle_check_s = idle_check_s
        self.first_retry_s = first_retry_s
        self.tally_guards = tally_guards  # None: no census tally
        self.tally_flush_s = tally_flush_s
        self.stopping = threading.Event()
        self.report = SourceReport("bluesky")  # running totals since start, for logs and tests
        self._healthy = False
        self._thread = threading.Thread(target=self._run, name="bluesky-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Store what is held, close the connection and end the thread."""
        self.stopping.set()
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _queries(self) -> Sequence[TopicPlan]:
        return self.planner.listening(today=self.clock().date())

    @property
    def holds_for_tally(self) -> bool:
        """The stream stays open for the census tally even with nothing tracked."""
        return self.tally_guards is not None and self.settings.bluesky_tally

    def _run(self) -> None:
        retry = self.first_retry_s
        while not self.stopping.is_set():
            tracked = any(q.tags or q.keywords for q in self._queries())
            if not tracked and not self.holds_for_tally:
                self.stopping.wait(self.idle_check_s)  # nothing tracked: no stream to hold open
                continue
            source = self._source()
            tally = self._tally()
            stored = time.monotonic()
            try:
                for page in source.listen(
                    self._queries,
                    lambda key: self.store.cursor("bluesky", key),
                    self.stopping,
                    refresh_s=self.refresh_s,
                    tally=tally,
                ):
                    apply_page(self.store, "bluesky", page, now=self.clock(), report=self.report)
                    if tally is not None and time.monotonic() - stored >= self.tally_flush_s:
                        self._store_tally(tally)
                        stored = time.monotonic()
                    if not self._healthy:
                        self._set_health(True, "listening to Jetstream")
                    retry = self.first_retry_s
            except SourceError as err:
                problem = str(err)
            except Exception:  # a listener must outlive one bad page; the log has the traceback
                log.exception("bluesky: listening stopped on something unforeseen")
                problem = (
                    "listening stopped on an answer the bot could not read (the log has the "
                    "details); nothing after it was stored"
                )
            else:
                continue  # stopped on purpose
            finally:
                if tally is not None:
                    self._store_tally(tally)
            log.warning(
                "bluesky: %s; listening again in %.0f s from the stored cursor", problem, retry
            )
            self._set_health(False, problem)
            self.stopping.wait(retry)
            retry = min(retry * 2, MAX_RETRY_S)

    def _tally(self) -> HashtagTally | None:
        if self.tally_guards is None:
            return None
        return HashtagTally(self.tally_guards(), cursor_us=self.store.tally_cursor())

    def _store_tally(self, tally: HashtagTally) -> None:
        batch = tally.drain()
        if batch is not None:
            self.store.add_tally(
                batch.counts, batch.span, join_gap_us=MAX_QUIET_US, now=self.clock()
            )

    def _source(self) -> BlueskySource:
        if self.source is None:
            from bot.sources.bluesky import BlueskySource  # atproto takes a second to import
            from bot.sources.jetstream import Jetstream

            self.source = BlueskySource(
                self.settings,
                known_authors=self.store.known_authors,
                checked_since=self.store.profiles_checked_since,
                jetstream=Jetstream(self.settings.bluesky_jetstream_url, idle_s=HEARTBEAT_S),
                clock=self.clock,
            )
        return self.source

    def _set_health(self, healthy: bool, message: str) -> None:
        self._healthy = healthy
        self.store.set_health("bluesky", healthy, message, now=self.clock())
