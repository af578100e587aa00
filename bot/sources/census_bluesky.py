"""Bluesky's side of a census: the Jetstream tally first, search for the days it didn't cover.

`hashtag-bot run` counts every hashtag on Jetstream per day and language (bluesky_tally.py), at
no extra request. A tag's figure is the tally's for the days the stream covered whole; for the
others it falls back to `app.bsky.feed.searchPosts` with the `tag` parameter and `since`/`until`,
counting a bounded number of pages (search is meant for people, and bots should listen).

The AppView stopped returning `hitsTotal` in 2025; it is used only when present. A count cut
off by the page bound says `at_least`. Search needs a login (BLUESKY_HANDLE) more often than
not: without one the public AppView is tried, and a refusal is said once; days the tally covered
still count, as a floor.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any, Protocol

from atproto import Client
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    RateLimitExceededError,
    UnauthorizedError,
)
from atproto_client.models.utils import get_model_as_dict

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.census_plan import CensusTerm
from bot.domain.hashtags import tag_key
from bot.domain.reach import Measurement
from bot.sources.base import SourceError, SourceStopped
from bot.sources.bluesky_records import record_tags
from bot.sources.bluesky_search import SEARCH_PAGE, BlueskySearch
from bot.sources.census_window import CensusWindow, TermSkipped

log = logging.getLogger(__name__)

SEARCH_PAGES = 3  # per tag: up to 300 posts counted from search, "at least" past that
RATE_LIMIT_WAITS = 3


class Tally(Protocol):
    """What the stream counted (backed by the Store): the window's days it covered whole, and a
    tag's posts on some of them."""

    def covered_days(self, window: CensusWindow) -> set[date]: ...

    def posts(self, term: CensusTerm, days: Collection[date]) -> int: ...


def missing_ranges(
    days: Sequence[date], covered: Collection[date], now: datetime
) -> list[tuple[datetime, datetime]]:
    """The stretches (start, end) of the window the stream didn't cover, a run of days each."""
    ranges: list[tuple[datetime, datetime]] = []
    for day in days:
        if day in covered:
            continue
        start = datetime.combine(day, day_time(0), tzinfo=UTC)
        end = min(start + timedelta(days=1), now)
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class BlueskyCounts:
    """A tag's last 7 days on Bluesky, from the tally and, for the rest, a few search pages."""

    network = "bluesky"

    def __init__(
        self,
        settings: Settings,
        tally: Tally,
        *,
        client: Client | None = None,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_s: float = 60.0,
        max_pages: int = SEARCH_PAGES,
    ) -> None:
        self.settings = settings
        self.tally = tally
        self.search = BlueskySearch(settings, client if settings.bluesky_handle else None)
        self._public = None if settings.bluesky_handle else client
        self.clock = clock
        self.sleep = sleep
        self.max_wait_s = max_wait_s
        self.max_pages = max_pages
        self.requests = 0
        self.refusal: str | None = None  # search refused: said once, the tally still counts

    def close(self) -> None:
        self.search.close()
        if self._public is not None:
            self._public.request.close()

    def _client(self) -> Client:
        if self.search.configured:
            return self.search.client()
        if self._public is None:
            self._public = Client(base_url=self.settings.bluesky_appview_url)
        return self._public

    def count(self, term: CensusTerm, window: CensusWindow) -> Measurement | None:
        covered = self.tally.covered_days(window)
        tallied = self.tally.posts(term, covered) if covered else 0
        missing = missing_ranges(window.days, covered, window.now)
        if not missing:
            return self._figure(term, window, tallied, False, "stream")
        if self.refusal is None:
            try:
                searched, cut = self._searched(term, missing)
            except PermissionError as err:
                self.refusal = str(err)
            else:
                via = "stream and search" if covered else "search"
                return self._figure(term, window, tallied + searched, cut, via)
        if not covered:
            return None  # search refused and the stream covered no day: nothing to say
        return self._figure(term, window, tallied, True, "stream")

    @staticmethod
    def _figure(
        term: CensusTerm, window: CensusWindow, posts: int, at_least: bool, via: str
    ) -> Measurement:
        return Measurement(
            "bluesky",
            posts,
            window.last_day,
            at_least=at_least,
            guarded=term.guarded,
            lang=term.lang,
            via=via,
        )

    def _searched(
        self, term: CensusTerm, ranges: list[tuple[datetime, datetime]]
    ) -> tuple[int, bool]:
        """Posts carrying the tag in these stretches, counted page by page; (count, cut off)."""
        total, pages = 0, 0
        for start, end in ranges:
            cursor: str | None = None
            while True:
                if pages >= self.max_pages:
                    return total, True
                answer = self._page(term, start, end, cursor)
                pages += 1
                hits = getattr(answer, "hits_total", None)
                if isinstance(hits, int) and hits >= 0 and not term.guarded:
                    total += hits  # the AppView's own count, when it still gives one
                    break
                total += sum(_carries(term, get_model_as_dict(view)) for view in answer.posts)
                cursor = answer.cursor
                if not cursor or not answer.posts:
                    break
        return total, False

    def _page(self, term: CensusTerm, start: datetime, end: datetime, cursor: str | None) -> Any:
        params: dict[str, Any] = {
            "q": f"#{term.tag}",
            "tag": [term.tag],
            "since": _iso(start),
            "until": _iso(end),
            "sort": "latest",
            "limit": SEARCH_PAGE,
        }
        if cursor:
            params["cursor"] = cursor
        if term.lang:
            params["lang"] = term.lang
        for attempt in range(RATE_LIMIT_WAITS + 1):
            try:
                client = self._client()
                self.requests += 1
                return client.app.bsky.feed.search_posts(params=params)
            except UnauthorizedError as err:
                raise PermissionError(self._refused(err)) from None
            except RateLimitExceededError as err:
                if attempt == RATE_LIMIT_WAITS:
                    break
                self._wait(err)
            except BadRequestError as err:
                raise TermSkipped(f"Bluesky search rejected #{term.tag} ({_detail(err)})") from None
            except AtProtocolError as err:
                raise SourceError(
                    f"Bluesky search failed ({type(err).__name__}); the census goes on from "
                    "there next time."
                ) from None
        raise SourceStopped(
            "Bluesky search keeps answering 429; the census goes on from there next time."
        )

    def _refused(self, err: UnauthorizedError) -> str:
        if self.search.configured:
            return (
                f"Bluesky refused search for @{self.settings.bluesky_handle} ({_detail(err)}); "
                "only days the Jetstream tally covered are counted"
            )
        return (
            f"Bluesky's AppView ({self.settings.bluesky_appview_url}) refused search without a "
            f"login ({_detail(err)}): set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD; until then "
            "only days the Jetstream tally covered are counted"
        )

    def _wait(self, err: RateLimitExceededError) -> None:
        headers = getattr(err.response, "headers", None) or {}
        reset = str(headers.get("ratelimit-reset") or headers.get("RateLimit-Reset") or "")
        wait = float(reset) - self.clock().timestamp() if reset.isdigit() else self.max_wait_s + 1
        if wait > self.max_wait_s:
            raise SourceStopped(
                "Bluesky's rate limit for search is used up; the census goes on from there "
                "next time."
            )
        log.info("census: waiting %.0f s for Bluesky's rate limit", max(wait, 0))
        self.sleep(max(wait, 0.0))


def _carries(term: CensusTerm, view: dict[str, Any]) -> bool:
    """Search matches words too: count a post only when it carries the tag (and, for an
    ambiguous tag, says the condition's words or carries one of its tags)."""
    record = view.get("record")
    if not isinstance(record, dict):
        return False
    keys = {tag_key(t) for t in record_tags(record)}
    if term.key not in keys:
        return False
    return not term.guarded or term.guard.matches(str(record.get("text") or ""), keys)


def _detail(err: AtProtocolError) -> str:
    response = getattr(err, "response", None)
    content = getattr(response, "content", None)
    status = getattr(response, "status_code", "?")
    said = getattr(content, "error", "") or ""
    return f"{status} {said}".strip()
