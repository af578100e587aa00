"""Bluesky search (XRPC, logged in): searchPosts to backfill a new tag.

Search needs a login and Bluesky means it for people, not bots; so it runs once per newly
tracked tag, a few pages deep. Its posts carry only a basic profile of their authors (no
description), so bluesky_profiles reads each author's full profile before anything is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from atproto import Client
from atproto_client.exceptions import UnauthorizedError
from atproto_client.models.utils import get_model_as_dict

from bot.config import HOW_TO_GET, Settings
from bot.domain.hashtags import tag_key
from bot.sources.base import Post
from bot.sources.bluesky_records import to_post

SEARCH_PAGE = 100
BACKFILL_PAGES = 3
PROFILES_PER_CALL = 25


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
            try:
                self._client.login(
                    self.settings.bluesky_handle,
                    self.settings.bluesky_app_password,
                    fetch_bsky_profile=False,
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
        answer = self.client().app.bsky.feed.search_posts(params=params)
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
