"""Bluesky profiles, read before anything an account posted is stored: consent lives there.

An account opts out with #nobot or #noindex in its description, or with the
`!no-unauthenticated` label (hide me from logged-out viewers). Jetstream and searchPosts carry
no description, so every author is looked up with app.bsky.actor.getProfiles, 25 a request:
through the bot's own session when BLUESKY_HANDLE is set, else from the public AppView
(BLUESKY_APPVIEW_URL), which answers without one. The AppView leaves out accounts that are
deactivated, suspended or taken down, so an account it doesn't return is not stored.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import partial

from atproto import Client
from atproto_client.models.utils import get_model_as_dict

from bot.config import Settings
from bot.sources.base import Author
from bot.sources.bluesky_records import to_author
from bot.sources.bluesky_search import PROFILES_PER_CALL, BlueskySearch, xrpc_answer


class ProfileReader:
    """getProfiles through the logged-in session when there is one, else the public AppView."""

    def __init__(self, settings: Settings, search: BlueskySearch, client: Client | None = None):
        self.settings = settings
        self.search = search
        self._public = client
        self.requests = 0  # how many getProfiles calls were made: logs and tests want to know

    def client(self) -> Client:
        if self.search.configured:
            return self.search.client()
        if self._public is None:
            self._public = Client(base_url=self.settings.bluesky_appview_url)
        return self._public

    def read(self, dids: Collection[str]) -> list[Author]:
        """The current profiles of these accounts; accounts the AppView won't show are absent.

        Raises AtProtocolError (or PermissionError for a refused login) when it can't answer,
        UnexpectedShape when it answers in a shape getProfiles doesn't have.
        """
        found: list[Author] = []
        wanted = sorted(set(dids))
        for start in range(0, len(wanted), PROFILES_PER_CALL):
            actors = {"actors": wanted[start : start + PROFILES_PER_CALL]}
            answer = xrpc_answer(
                partial(self.client().app.bsky.actor.get_profiles, params=actors),
                "Bluesky" if self.search.configured else "Bluesky's AppView",
            )
            self.requests += 1
            found += [to_author(get_model_as_dict(profile)) for profile in answer.profiles]
        return found

    def close(self) -> None:
        if self._public is not None:
            self._public.request.close()
