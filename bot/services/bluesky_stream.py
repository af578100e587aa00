"""`hashtag-bot run` listens to Bluesky as it happens: one Jetstream connection, held open.

A background thread follows the stream for the tracked topics, storing a page every few
seconds (posts whose authors' consent was checked, deletions, opted-out, deleted and inactive
accounts) and moving the cursor only after each page is stored. When the connection fails past Jetstream's own retries it records the
source as unhealthy for `doctor`, waits (doubling up to five minutes) and resumes from the
cursor. The scheduled collection cycles leave Bluesky to it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.topic_plan import TopicPlan
from bot.services.collection import SourceReport, apply_page
from bot.services.topics import TopicPlanner
from bot.sources.base import SourceError
from bot.storage import Store

if TYPE_CHECKING:
    from bot.sources.bluesky import BlueskySource

log = logging.getLogger(__name__)

FIRST_RETRY_S = 5.0
MAX_RETRY_S = 300.0
IDLE_CHECK_S = 60.0  # with nothing tracked, how often to look again
HEARTBEAT_S = 2.0  # a quiet stream still lets the listener store what it holds, or stop


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
    ) -> None:
        self.settings = settings
        self.store = store
        self.planner = planner
        self.source = source
        self.clock = clock
        self.refresh_s = refresh_s
        self.idle_check_s = idle_check_s
        self.first_retry_s = first_retry_s
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

    def _run(self) -> None:
        retry = self.first_retry_s
        while not self.stopping.is_set():
            if not any(q.tags or q.keywords for q in self._queries()):
                self.stopping.wait(self.idle_check_s)  # nothing tracked: no stream to hold open
                continue
            source = self._source()
            try:
                for page in source.listen(
                    self._queries,
                    lambda key: self.store.cursor("bluesky", key),
                    self.stopping,
                    refresh_s=self.refresh_s,
                ):
                    apply_page(self.store, "bluesky", page, now=self.clock(), report=self.report)
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
            log.warning(
                "bluesky: %s; listening again in %.0f s from the stored cursor", problem, retry
            )
            self._set_health(False, problem)
            self.stopping.wait(retry)
            retry = min(retry * 2, MAX_RETRY_S)

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
