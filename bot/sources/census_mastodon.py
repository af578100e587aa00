"""Mastodon's side of a census: GET /api/v1/tags/:name (Mastodon.py's `tag`) on each configured
instance. Its `history` gives the last 7 days' `uses` and `accounts`, today first, as strings.

Each instance sees only its own slice of the federation (its users' posts and what reached
them), so the figures are not added up: the busiest instance's figure is the tag's, and it is
named. An ambiguous tag (#MS) can't be asked beside its condition's words, so it is not counted
here, as listening leaves it out of tag timelines.

Mastodon allows 300 requests per 5 minutes: the counter keeps to that on its own, follows the
instance's X-RateLimit-* headers, and waits (or stops, to resume) when an instance says 429.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlparse

from mastodon import (
    Mastodon,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.census_plan import CensusTerm
from bot.domain.reach import Measurement
from bot.sources.base import SourceAuthError, SourceError, SourceStopped
from bot.sources.census_window import CensusWindow

log = logging.getLogger(__name__)

WINDOW_REQUESTS, WINDOW_SECONDS = 300, 300.0  # Mastodon's default limit for the API
RATE_LIMIT_WAITS = 3


def history_days(history: object) -> dict[date, tuple[int, int]]:
    """{day: (uses, accounts)} from a tag's history; numbers come as strings ("12"), days as
    UNIX times ("1764201600"), or as Mastodon.py's datetimes."""
    found: dict[date, tuple[int, int]] = {}
    for entry in history if isinstance(history, list) else ():
        if not isinstance(entry, Mapping):
            continue
        day = _day(entry.get("day"))
        uses, accounts = _number(entry.get("uses")), _number(entry.get("accounts"))
        if day is not None and uses is not None:
            found[day] = (uses, accounts or 0)
    return found


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value), tz=UTC).date()
    return None


def _number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


class MastodonCounts:
    """A tag's last 7 days on every configured instance; the busiest instance's figure."""

    network = "mastodon"

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        max_wait_s: float = 60.0,
        timeout_s: float = 20.0,
        window_requests: int = WINDOW_REQUESTS,
    ) -> None:
        self.instances = list(settings.mastodon_instances)
        if not self.instances:
            raise SourceAuthError(
                "MASTODON_INSTANCES lists no instance, so Mastodon is not counted"
            )
        self.token = settings.mastodon_access_token or None
        self.clock = clock
        self.sleep = sleep
        self.monotonic = monotonic
        self.max_wait_s = max_wait_s
        self.timeout_s = timeout_s
        self.window_requests = window_requests  # per instance per 5 minutes
        self.requests = 0
        self.refused: dict[str, str] = {}  # instance -> why it won't answer
        self._apis: dict[str, Mastodon] = {}
        self._sent: dict[str, deque[float]] = {}

    def close(self) -> None:
        for api in self._apis.values():
            api.session.close()

    def _api(self, instance: str) -> Mastodon:
        if instance not in self._apis:
            self._apis[instance] = Mastodon(
                api_base_url=instance,
                access_token=self.token,
                ratelimit_method="throw",
                request_timeout=self.timeout_s,
                version_check_mode="none",
            )
        return self._apis[instance]

    def count(self, term: CensusTerm, window: CensusWindow) -> Measurement | None:
        if term.guarded:
            return None  # a tag history can't be asked beside the condition's words
        best: tuple[int, int, str] | None = None
        problems: list[str] = []
        for instance in self.instances:
            if instance in self.refused:
                continue
            try:
                uses, accounts = self._figure(instance, term.tag, window)
            except MastodonUnauthorizedError:
                self.refused[instance] = (
                    f"{_host(instance)} needs a token for tag figures: set MASTODON_ACCESS_TOKEN"
                )
                continue
            except (MastodonNetworkError, MastodonServerError) as err:
                problems.append(f"{_host(instance)} unavailable ({type(err).__name__})")
                continue
            if best is None or uses > best[0]:
                best = (uses, accounts, instance)
        if best is None:
            if len(self.refused) == len(self.instances):
                raise SourceAuthError("Mastodon: " + "; ".join(self.refused.values()))
            raise SourceError(
                "Mastodon: "
                + "; ".join(problems or ["no instance answered"])
                + "; the census goes on from there next time"
            )
        uses, accounts, instance = best
        return Measurement(
            "mastodon",
            uses,
            window.last_day,
            accounts_7d=accounts,
            instance=instance,
            via="tag history",
        )

    def _figure(self, instance: str, tag: str, window: CensusWindow) -> tuple[int, int]:
        """(uses, accounts) over the window's days on one instance; a tag it never saw is 0."""
        api = self._api(instance)
        for attempt in range(RATE_LIMIT_WAITS + 1):
            self._pace(instance, api)
            try:
                self.requests += 1
                self._sent.setdefault(instance, deque()).append(self.monotonic())
                found: Any = api.tag(tag)
                break
            except MastodonNotFoundError:
                return 0, 0
            except MastodonRatelimitError:
                if attempt == RATE_LIMIT_WAITS:
                    raise SourceStopped(
                        f"Mastodon: {_host(instance)} keeps answering 429; the census goes on "
                        "from there next time."
                    ) from None
                self._wait_until(api.ratelimit_reset, instance)
            except MastodonError as err:
                if isinstance(err, MastodonUnauthorizedError | MastodonNetworkError):
                    raise
                raise SourceError(f"Mastodon: {_host(instance)} answered {err}") from None
        days = history_days(found.get("history") if isinstance(found, Mapping) else None)
        counted = [days[d] for d in window.days if d in days]
        return sum(u for u, _ in counted), sum(a for _, a in counted)

    def _pace(self, instance: str, api: Mastodon) -> None:
        """Keep within 300 requests per 5 minutes, and within what the instance says is left."""
        sent = self._sent.setdefault(instance, deque())
        while sent and self.monotonic() - sent[0] > WINDOW_SECONDS:
            sent.popleft()
        if len(sent) >= self.window_requests:
            wait = WINDOW_SECONDS - (self.monotonic() - sent[0])
            self._wait(wait, instance)
        remaining = getattr(api, "ratelimit_remaining", None)
        reset = getattr(api, "ratelimit_reset", None)
        if (
            isinstance(remaining, int)
            and remaining <= 0
            and isinstance(reset, int | float)
            and reset > self.clock().timestamp()
        ):
            self._wait_until(reset, instance)

    def _wait_until(self, reset: object, instance: str) -> None:
        if isinstance(reset, int | float):
            self._wait(float(reset) - self.clock().timestamp(), instance)
        else:
            self._wait(WINDOW_SECONDS, instance)

    def _wait(self, seconds: float, instance: str) -> None:
        if seconds > self.max_wait_s:
            raise SourceStopped(
                f"Mastodon: {_host(instance)}'s rate limit (300 requests per 5 minutes) is used "
                "up; the census goes on from there next time."
            )
        log.info("census: waiting %.0f s for %s's rate limit", max(seconds, 0), _host(instance))
        self.sleep(max(seconds, 0.0))


def _host(instance: str) -> str:
    return urlparse(instance).netloc or instance
