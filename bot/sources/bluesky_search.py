"""Bluesky search (XRPC, logged in): searchPosts to backfill a new tag.

Search needs a login and Bluesky means it for people, not bots; so it runs once per newly
tracked tag, a few pages deep. Its posts carry only a basic profile of their authors (no
description), so bluesky_profiles reads each author's full profile before anything is stored.

Every XRPC call goes through `xrpc_answer`: an answer its lexicon doesn't allow (an object where
the list belongs, a maintenance page, an empty body) is an UnexpectedShape, said in words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from atproto import Client
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    InvokeTimeoutError,
    ModelError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.utils import get_model_as_dict

from bot.config import HOW_TO_GET, Settings
from bot.domain.hashtags import tag_key
from bot.sources.base import Post, UnexpectedShape
from bot.sources.bluesky_records import to_post

Answer = TypeVar("Answer")

SEARCH_PAGE = 100
BACKFILL_PAGES = 3
PROFILES_PER_CALL = 25


def xrpc_answer(call: Callable[[], Answer], service: str) -> Answer:
    """One XRPC call through atproto. An answer the lexicon doesn't allow raises UnexpectedShape
    ("Bluesky search answered in an unexpected shape (not JSON)"), not the client's own error."""
    try:
        return call()
    except ModelError as err:  # atproto's check of the answer against the lexicon
        detail = "not JSON" if "JSON is expected" in str(err) else "not what the lexicon says"
        raise UnexpectedShape(f"{service} answered in an unexpected shape ({detail})") from None
    except ValueError:  # atproto parsing a body labelled JSON that isn't
        raise UnexpectedShape(f"{service} answered in an unexpected shape (not JSON)") from None


def describe(err: AtProtocolError) -> str:
    """Why an XRPC call failed, in words a person can act on (never the exception's name)."""
    if isinstance(err, InvokeTimeoutError):
        return "timed out"
    response = err.response if isinstance(err, RequestErrorBase) else None
    if isinstance(err, NetworkError) and response is None:
        return "can't connect"
    if isinstance(err, RateLimitExceededError):
        return "rate limited"
    if isinstance(err, UnauthorizedError):
        return "refused without a login"
    if isinstance(err, BadRequestError):
        return "refused the request"
    if response is not None:
        return f"HTTP {response.status_code}"
    return "no reason given"


class BlueskySearch:
    """A logged-in XRPC client: searchPosts needs one, and getProfiles uses it when there is one."""

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self.settings = settings
        self._client = client
        self._logged_in = False

    @property
    def configured(self) -> bool:
        return bool(self.settings.bluesky_handle and self.settings.bluesky_app_password)

    def client(self) -> Client:
        if not self._logged_in:
            self._client = self._client or Client(base_url=self.settings.bluesky_api_url)
            api = self._client
            try:
                xrpc_answer(
                    lambda: api.login(
                        self.settings.bluesky_handle,
                        self.settings.bluesky_app_password,
                        fetch_bsky_profile=False,
                    ),
                    "Bluesky's login",
                )
            except UnauthorizedError:
                raise PermissionError(
                    f"Bluesky refused the login for {self.settings.bluesky_handle}: set BLUESKY_APP_PASSWORD "
                    f"to {HOW_TO_GET['BLUESKY_APP_PASSWORD']}"
                ) from None
            self._logged_in = True
        assert self._client is not None
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.request.close()

    def search(self, tag: str, cursor: str | None) -> tuple[list[Post], str | None, int]:
        """One page of the newest posts tagged #tag: the posts, the next cursor, posts read."""
        params: dict[str, Any] = {"q": f"#{tag}", "sort": "latest", "limit": SEARCH_PAGE}
        if cursor:
            params["cursor"] = cursor
        api = self.client()
        try:
            answer = xrpc_answer(
                lambda: api.app.bsky.feed.search_posts(params=params), "Bluesky search"
            )
        except UnexpectedShape as err:
            raise UnexpectedShape(
                f"{err}; the backfill of #{tag} is tried again next cycle from where it stopped"
            ) from None
        posts: list[Post] = []
        for view in answer.posts:
            raw = get_model_as_dict(view)
            record = raw.get("record") or {}
            post = to_post(str(raw.get("uri")), record, raw)
            if post is None or tag_key(tag) not in {tag_key(t) for t in post.hashtags}:
                continue  # search matches words too; keep only posts that carry the tag
            posts.append(post)
        return posts, answer.cursor, len(answer.posts)


def backfill_pages(
    search: BlueskySearch, tag: str, cursor: str | None
) -> Iterator[tuple[list[Post], str, int]]:
    """Up to BACKFILL_PAGES pages; each with the position to store after it ("done" at the end)."""
    for page in range(1, BACKFILL_PAGES + 1):
        posts, cursor, read = search.search(tag, cursor)
        last = page == BACKFILL_PAGES or not cursor or read == 0
        yield posts, "done" if last else str(cursor), read
        if last:
            return
