"""X (Twitter) recent search through tweepy, paid per read, so every read is planned and counted.

X bills a user read for every profile it sends, including the author profiles a search page
expands. Most posts in a community come from accounts already stored, so search asks for posts
only (each carries its `author_id`), and profiles are read with the users lookup (100 ids a
request) for the authors not stored or whose stored profile is older than PROFILE_MAX_AGE.
Consent lives in the profile: a post is stored only once its author's profile has been read
live within that time and doesn't opt out.

tweepy hard-codes https://api.twitter.com; `XApiAdapter` re-addresses each request to
`X_API_URL` so a proxy or a local stand-in really receives the traffic.

An answer in a shape the X API doesn't give (a list where the answer's object belongs, a
maintenance page, an empty body) is not stored in part: X is reported as failing, the cursor
stays, and the next cycle asks again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

from bot.clock import Clock, utc_now
from bot.config import HOW_TO_GET, Settings
from bot.domain.topic_plan import TopicPlan
from bot.sources.base import (
    CursorLookup,
    Page,
    Reads,
    SourceAuthError,
    SourceError,
    SourceStopped,
    UnexpectedShape,
)
from bot.sources.x_checks import search_problem, shown, users_problem
from bot.sources.x_payload import TWEET_FIELDS, USER_FIELDS, PageContent, read_page
from bot.sources.x_plan import Batch, TermState, plan, terms_for

log = logging.getLogger(__name__)

TWEEPY_HOST = "https://api.twitter.com"
PAGE_SIZE = 100
MAX_PAGES = 20  # per query per cycle; what is left is owed and fetched next cycle
FIRST_RUN_PAGES = 3  # a new term reads its newest 300 posts, not seven days of them
RETRIES = 2
PROFILE_MAX_AGE = timedelta(days=1)  # a stored profile older than this is read again
USERS_PER_LOOKUP = 100  # GET /2/users?ids=


class XApiAdapter(HTTPAdapter):
    """Sends requests tweepy addresses to api.twitter.com to the configured base URL, with a timeout."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0) -> None:
        super().__init__(max_retries=0)
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = request.url or ""
        if url.startswith(TWEEPY_HOST) and self.base_url != TWEEPY_HOST:
            request.url = self.base_url + url[len(TWEEPY_HOST) :]
            kwargs["proxies"] = get_environ_proxies(request.url)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout_s
        return super().send(request, **kwargs)


def make_client(settings: Settings, *, timeout_s: float = 30.0) -> tweepy.Client:
    """A tweepy Client answering with plain dicts (the same shape archives hold) at X_API_URL."""
    client = tweepy.Client(
        bearer_token=settings.x_bearer_token, return_type=dict, wait_on_rate_limit=False
    )
    client.session.mount(TWEEPY_HOST, XApiAdapter(settings.x_api_url, timeout_s=timeout_s))
    return client


Spend = Callable[[], tuple[float, float]]  # (spent this month, monthly budget) in USD
# Stored X accounts among these whose profile was read live at or after the moment: id -> handle.
FreshProfiles = Callable[[Collection[str], datetime], dict[str, str]]
# Of these X post ids, those already billed on the UTC day: X bills a post once a day.
BilledToday = Callable[[Collection[str], date], set[str]]


class XSource:
    name = "x"

    def __init__(
        self,
        settings: Settings,
        *,
        spend: Spend = lambda: (0.0, float("inf")),
        fresh_profiles: FreshProfiles = lambda ids, since: {},
        billed_today: BilledToday = lambda ids, day: set(),
        client: tweepy.Client | None = None,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_s: float = 60.0,
        include_retweets: bool = False,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.settings = settings
        self.client = client or make_client(settings)
        self.spend = spend
        self.fresh_profiles = fresh_profiles
        self.billed_today = billed_today
        self.clock = clock
        self.sleep = sleep
        self.max_wait_s = max_wait_s
        self.include_retweets = include_retweets
        self.max_pages = max_pages
        self.page_cost = PAGE_SIZE * (settings.x_post_read_usd + settings.x_user_read_usd)
        self._seen_posts: set[str] = set()
        self._seen_users: set[str] = set()

    def close(self) -> None:
        self.client.session.close()

    def collect(self, queries: Sequence[TopicPlan], cursor: CursorLookup) -> Iterator[Page]:
        """Owed gaps first, then every term from its since_id; a post is billed once a UTC day."""
        if not self.settings.x_bearer_token:
            raise SourceAuthError(
                f"X is not configured: set X_BEARER_TOKEN to {HOW_TO_GET['X_BEARER_TOKEN']}"
            )
        self._seen_posts, self._seen_users = set(), set()
        terms = terms_for(queries)
        for phase in ("gaps", "rest"):
            states = {t.key: TermState.loads(cursor(t.key)) for t in terms}
            batches, too_long = plan(
                terms, states, now=self.clock(), include_retweets=self.include_retweets
            )
            if phase == "gaps":
                for term in too_long:
                    log.warning(
                        "x: %s is longer than a whole X query allows; it is skipped", term.text
                    )
            for batch in batches:
                if (phase == "gaps") == batch.state.in_gap:
                    yield from self._run(batch)

    def _run(self, batch: Batch) -> Iterator[Page]:
        since, until, newest = batch.state.since_id, batch.state.until_id, batch.state.newest_id
        cap = FIRST_RUN_PAGES if batch.is_new else self.max_pages
        token: str | None = None
        for pages in range(1, cap + 1):
            self._check_budget()
            response = self._search(batch.query, since, until, token)
            meta = response.get("meta")
            if not isinstance(meta, dict):
                meta = {}
            if newest is None:
                newest = meta.get("newest_id")
            token, oldest = meta.get("next_token"), meta.get("oldest_id")
            if token and oldest and (pages < cap or not batch.is_new):
                state = TermState(since, oldest, newest)  # (since, oldest) still owed
            else:
                state = TermState(since_id=newest or since)
            content, reads = self._with_profiles(response)
            if response.get("errors"):
                log.debug("x: partial page, %d errors alongside data", len(response["errors"]))
            yield Page(
                posts=tuple(content.posts),
                authors=tuple(content.authors),
                unreadable=content.rejected,
                cursors=tuple((t.key, state.dumps()) for t in batch.terms),
                reads=reads,
                skipped_reposts=content.reposts,
                superseded=tuple(content.superseded),
            )
            if not state.in_gap:
                return

    def _with_profiles(self, response: Mapping[str, Any]) -> tuple[PageContent, Reads]:
        """The page's posts whose authors' consent is known: a profile stored and read live
        within PROFILE_MAX_AGE, or read now with the users lookup. A post whose author X won't
        show (suspended, protected) or whose profile couldn't be read is not stored; its count
        is `rejected`."""
        content = read_page(response, include_reposts=self.include_retweets)
        authors = {p.author_id for p in content.posts}
        fresh = self.fresh_profiles(authors, self.clock() - PROFILE_MAX_AGE) if authors else {}
        wanted = sorted(a.removeprefix("x:") for a in authors - fresh.keys())
        users: list[Any] = []
        lookups = 0
        for start in range(0, len(wanted), USERS_PER_LOOKUP):  # within the page's budget check
            chunk = wanted[start : start + USERS_PER_LOOKUP]
            lookup = partial(self.client.get_users, ids=chunk, user_fields=USER_FIELDS)
            answer = self._request(
                lookup, "the users lookup", answered="the users lookup", problem=users_problem
            )
            lookups += 1
            users += answer.get("data") or []
        profiles = read_page({"includes": {"users": users}})
        handles = {**fresh, **{a.id: a.handle for a in profiles.authors}}
        posts = [
            p
            if "/i/status/" not in p.url
            else replace(p, url=_post_url(p.id, handles[p.author_id]))
            for p in content.posts
            if p.author_id in handles
        ]
        content.rejected = len(content.posts) - len(posts)
        content.posts, content.authors = posts, profiles.authors
        return content, self._reads(response, users, lookups)

    def _reads(self, response: Mapping[str, Any], users: list[Any], lookups: int) -> Reads:
        data = response.get("data") or []
        posts = {str(t.get("id")) for t in data if isinstance(t, Mapping)}
        read = {str(u.get("id")) for u in users if isinstance(u, Mapping)}
        billed = posts - self._seen_posts
        if billed:  # a post an earlier cycle read today is not billed again
            billed -= self.billed_today(billed, self.clock().astimezone(UTC).date())
        reads = Reads(
            len(billed), len(read - self._seen_users), 1 + lookups, post_ids=frozenset(billed)
        )
        self._seen_posts |= posts
        self._seen_users |= read
        return reads

    def _check_budget(self) -> None:
        spent, budget = self.spend()
        if spent + self.page_cost > budget:
            raise SourceStopped(
                f"X monthly budget reached: about ${spent:,.2f} of X_MONTHLY_BUDGET_USD ${budget:,.2f} "
                "spent this month, and another page could pass it. Fetching from X resumes next month, "
                "or raise X_MONTHLY_BUDGET_USD."
            )

    def _search(
        self, query: str, since: str | None, until: str | None, token: str | None
    ) -> dict[str, Any]:
        """Posts only: their authors' profiles are read by `_with_profiles` when needed."""
        params: dict[str, Any] = {"max_results": PAGE_SIZE, "tweet_fields": TWEET_FIELDS}
        for name, value in (("since_id", since), ("until_id", until), ("next_token", token)):
            if value:
                params[name] = value
        return self._request(
            lambda: self.client.search_recent_tweets(query, **params),
            f"the query {query!r}",
            answered="recent search",
            problem=search_problem,
        )

    def _request(
        self,
        call: Callable[[], Any],
        what: str,
        *,
        answered: str,
        problem: Callable[[dict[str, Any]], str | None],
    ) -> dict[str, Any]:
        """One X API call: a short rate limit waited out, a server fault or a body that isn't
        JSON retried, the rest said in words (SourceStopped to resume next cycle, SourceError
        to fix, UnexpectedShape for an answer the X API doesn't give)."""
        failures = waits = 0
        while True:
            try:
                response = call()
            except requests.JSONDecodeError:  # a cut-off body, a proxy's page: maybe passing
                failures += 1
                if failures > RETRIES:
                    raise unexpected_shape(answered, f"not JSON, {failures} times") from None
                self.sleep(2.0**failures)
                continue
            except tweepy.TooManyRequests as err:
                wait = (err.reset_time or 0) - self.clock().timestamp() + 1
                if err.reset_time and wait <= self.max_wait_s and waits < 2:
                    waits += 1
                    log.info("x: rate limited; waiting %.0f s for the limit to reset", wait)
                    self.sleep(max(wait, 0.0))
                    continue
                resets = (
                    datetime.fromtimestamp(err.reset_time, tz=UTC).strftime("%H:%M UTC")
                    if err.reset_time
                    else "later"
                )
                raise SourceStopped(
                    f"X rate limit reached (resets {resets}); the next cycle resumes where this one stopped."
                ) from None
            except tweepy.Unauthorized:
                raise token_refused() from None
            except tweepy.Forbidden as err:
                raise SourceAuthError(
                    f"X refused {what} (403 Forbidden{error_detail(err)}): check in the X developer "
                    "portal that the app belongs to a project with recent-search and users-lookup "
                    "access."
                ) from None
            except tweepy.BadRequest as err:
                raise SourceError(f"X rejected {what} (400{error_detail(err)}).") from None
            except (tweepy.TwitterServerError, requests.RequestException) as err:
                failures += 1
                if failures > RETRIES:
                    raise SourceError(
                        f"X API unavailable ({describe_error(err)}) after {failures} tries; "
                        "the next cycle resumes from the stored position."
                    ) from None
                self.sleep(2.0**failures)
            except tweepy.HTTPException as err:
                status = getattr(err.response, "status_code", "?")
                hint = (
                    " X says the account has no credits left; add credits." if status == 402 else ""
                )
                raise SourceError(f"X API answered {status}{error_detail(err)}.{hint}") from None
            else:
                wrong = (
                    problem(response)
                    if isinstance(response, dict)
                    else f"{shown(response)}, not a JSON object"
                )
                if wrong:
                    raise unexpected_shape(answered, wrong)
                return response


def unexpected_shape(answered: str, problem: str) -> UnexpectedShape:
    return UnexpectedShape(
        f"X answered {answered} in an unexpected shape ({problem}); nothing from it was stored, "
        "and it is tried again next cycle from the stored position."
    )


def _post_url(post_id: str, handle: str) -> str:
    return f"https://x.com/{handle or 'i'}/status/{post_id.removeprefix('x:')}"


def token_refused() -> SourceAuthError:
    return SourceAuthError(
        "X refused X_BEARER_TOKEN (401 Unauthorized): set it to "
        f"{HOW_TO_GET['X_BEARER_TOKEN']}, then run `hashtag-bot doctor`."
    )


def error_detail(err: tweepy.HTTPException) -> str:
    return f": {'; '.join(err.api_messages)}" if err.api_messages else ""


def describe_error(err: Exception) -> str:
    if isinstance(err, tweepy.HTTPException):
        return f"HTTP {getattr(err.response, 'status_code', '?')}"
    if isinstance(err, requests.Timeout):
        return "timed out"
    if isinstance(err, requests.ConnectionError):
        return "can't connect"
    return "no reason given"
