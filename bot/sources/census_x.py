"""X's side of a census: GET /2/tweets/counts/recent (tweepy's get_recent_tweets_count) with the
app's bearer token, one tag a request, by day. It counts posts without reading any: no post,
profile or text comes back, only `data[].tweet_count` and `meta.total_tweet_count`.

X shows the price of a counts request only in its developer console, so it is a setting of its
own (X_COUNTS_REQUEST_USD), and the census stops before a request could take the month's X spend
past X_MONTHLY_BUDGET_USD. X's `x-rate-limit-*` headers are read on every answer: when the
window's requests are used up the census waits for its reset, or stops there (to resume) when
that is further off than it may wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.census_plan import CensusTerm
from bot.domain.reach import Measurement
from bot.sources.base import SourceAuthError, SourceError, SourceStopped
from bot.sources.census_window import CensusWindow, TermSkipped
from bot.sources.x import describe_error, error_detail, make_client, token_refused
from bot.sources.x_plan import MAX_QUERY_CHARS, NO_RETWEETS

log = logging.getLogger(__name__)

RETRIES = 2
COUNTS_PATH = "/2/tweets/counts/recent"
Spend = Callable[[], tuple[float, float]]  # (spent this month, monthly budget) in USD


def counts_query(term: CensusTerm) -> str:
    """'#LCSM -is:retweet'; an ambiguous tag only beside its condition's words:
    '(#MS ("multiple sclerosis" OR #MSWarrior)) -is:retweet'; a tag in another language with
    X's `lang:` operator."""
    body = f"#{term.tag}"
    if term.context:
        words = [c if c.startswith("#") else _quoted(c) for c in term.context]
        body = f"(#{term.tag} ({' OR '.join(w for w in words if w)}))"
    lang = f" lang:{term.lang}" if term.lang else ""
    return f"{body} {NO_RETWEETS}{lang}"


def _quoted(words: str) -> str:
    plain = " ".join(words.replace('"', " ").split())
    return f'"{plain}"' if " " in plain else plain


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def total_count(answer: Mapping[str, Any]) -> int:
    """`meta.total_tweet_count`, else the sum of the days' `tweet_count`s."""
    meta = answer.get("meta")
    total = _count(meta.get("total_tweet_count")) if isinstance(meta, Mapping) else None
    if total is not None:
        return total
    data = answer.get("data")
    days = data if isinstance(data, list) else []
    return sum(_count(d.get("tweet_count")) or 0 for d in days if isinstance(d, Mapping))


class XCounts:
    """Counts one tag at a time on X, within the rate limit and the monthly budget."""

    network = "x"

    def __init__(
        self,
        settings: Settings,
        *,
        spend: Spend = lambda: (0.0, float("inf")),
        counted: Callable[[], None] = lambda: None,
        client: tweepy.Client | None = None,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_s: float = 60.0,
    ) -> None:
        if not settings.x_bearer_token:
            raise SourceAuthError("X_BEARER_TOKEN is not set, so X is not counted")
        self.price = settings.x_counts_request_usd
        self.spend = spend
        self.counted = counted  # told of each request X answered, for the spend meter
        self.client = client or make_client(settings)
        self.client.session.hooks["response"].append(self._read_limits)
        self.clock = clock
        self.sleep = sleep
        self.max_wait_s = max_wait_s
        self.requests = 0
        self.remaining: int | None = None  # requests left in X's current window
        self.reset: float | None = None  # when it resets (epoch seconds)

    def close(self) -> None:
        self.client.session.close()

    def _read_limits(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """A session hook: X's x-rate-limit-* headers, read off every answer."""
        if COUNTS_PATH not in (response.url or ""):
            return
        remaining = response.headers.get("x-rate-limit-remaining", "")
        reset = response.headers.get("x-rate-limit-reset", "")
        if remaining.isdigit():
            self.remaining = int(remaining)
        if reset.isdigit():
            self.reset = float(reset)

    def count(self, term: CensusTerm, window: CensusWindow) -> Measurement:
        query = counts_query(term)
        if len(query) > MAX_QUERY_CHARS:
            raise TermSkipped(f"#{term.tag} with its guard words is longer than an X query allows")
        self._check_budget()
        answer = self._request(query, window)
        self.requests += 1
        self.counted()
        return Measurement(
            "x",
            total_count(answer),
            window.last_day,
            guarded=term.guarded,
            lang=term.lang,
            via="counts",
        )

    def _check_budget(self) -> None:
        if self.price is None:
            return  # unpriced: counted in requests, shown as such in the spend meter
        spent, budget = self.spend()
        if spent + self.price > budget:
            raise SourceStopped(
                f"X monthly budget reached: about ${spent:,.2f} of X_MONTHLY_BUDGET_USD "
                f"${budget:,.2f} spent, and another counts request (X_COUNTS_REQUEST_USD "
                f"${self.price:,.4f}) could pass it; X is counted again next month."
            )

    def _wait_for(self, reset: float | None, why: str) -> None:
        """Wait for X's window to reset, or stop the census on X until then."""
        wait = (reset or 0) - self.clock().timestamp() + 1
        if reset and wait <= self.max_wait_s:
            log.info("census: %s; waiting %.0f s for X's window to reset", why, max(wait, 0))
            self.sleep(max(wait, 0.0))
            self.remaining = None
            return
        resets = datetime.fromtimestamp(reset, tz=UTC).strftime("%H:%M UTC") if reset else "later"
        raise SourceStopped(
            f"X's rate limit for counts is used up until {resets}; the census goes on from "
            "there next time."
        )

    def _request(self, query: str, window: CensusWindow) -> dict[str, Any]:
        if self.remaining is not None and self.remaining <= 0:
            self._wait_for(self.reset, "X's counts requests for this window are used up")
        failures = waits = 0
        while True:
            try:
                answer = self.client.get_recent_tweets_count(
                    query, granularity="day", start_time=window.start_iso
                )
                if isinstance(answer, dict):
                    return answer
                raise ValueError("the answer is not a JSON object")
            except tweepy.TooManyRequests as err:
                waits += 1
                reset = err.response.headers.get("x-rate-limit-reset", "")
                if waits > 3:
                    reset = ""
                self._wait_for(float(reset) if reset.isdigit() else None, "X answered 429")
            except tweepy.Unauthorized:
                raise token_refused() from None
            except tweepy.Forbidden as err:
                raise SourceAuthError(
                    f"X refused counts for this app's access (403 Forbidden{error_detail(err)}): "
                    "the counts endpoint needs a plan that includes it (check the app's project "
                    "in the X developer console); the census goes on without X."
                ) from None
            except tweepy.BadRequest as err:
                raise TermSkipped(
                    f"X rejected the query {query!r} (400{error_detail(err)})"
                ) from None
            except (tweepy.TwitterServerError, requests.RequestException, ValueError) as err:
                failures += 1
                if failures > RETRIES:
                    raise SourceError(
                        f"X API unavailable ({describe_error(err)}) after {failures} tries; the "
                        "census goes on from there next time."
                    ) from None
                self.sleep(2.0**failures)
            except tweepy.HTTPException as err:
                status = getattr(err.response, "status_code", "?")
                hint = " X says the account has no credits left." if status == 402 else ""
                raise SourceError(f"X answered {status}{error_detail(err)}.{hint}") from None
