"""Bluesky: listen to Jetstream from the stored time cursor; search only to backfill a new tag.

`hashtag-bot run` keeps one Jetstream connection open (`listen`, driven by bot.services.bluesky_stream);
`hashtag-bot ingest` replays the stream from the cursor to now (`collect`). Either way a tag
tracked since last time is backfilled through searchPosts once, posts that carry a tracked tag
are kept, and every deletion and deleted account seen on the stream is honoured.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from atproto_client.exceptions import AtProtocolError

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.hashtags import tag_key
from bot.sources.base import Author, CursorLookup, Page, Post, Query, Reads, SourceError
from bot.sources.bluesky_records import (
    POST_COLLECTION,
    TagMatcher,
    author_opt_out,
    bare_author,
    post_uri,
    to_post,
)
from bot.sources.bluesky_search import BlueskySearch, backfill_pages
from bot.sources.jetstream import Jetstream

log = logging.getLogger(__name__)

JETSTREAM_KEY = "jetstream"
FLUSH_POSTS = 200
FLUSH_EVENTS = 5000
FLUSH_SECONDS = 2.0
CATCH_UP_MAX_S = 300.0  # a cycle replays at most five minutes; the cursor carries the rest
REFRESH_SECONDS = 60.0  # how often a listener reads the tracked tags again
# Jetstream replays only a recent window (36 hours by default since v2). A listener that was
# away longer than a day starts afresh instead of replaying a day of the whole network.
MAX_RESUME_GAP = timedelta(hours=24)


@dataclass
class _Pending:
    posts: dict[str, Post] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # DIDs of deleted accounts
    events: int = 0
    last_us: int | None = None
    since: float = field(default_factory=time.monotonic)

    def due(self) -> bool:
        return (
            len(self.posts) >= FLUSH_POSTS
            or len(self.deleted) >= FLUSH_EVENTS
            or self.events >= FLUSH_EVENTS
            or time.monotonic() - self.since >= FLUSH_SECONDS
        )


class BlueskySource:
    name = "bluesky"

    def __init__(
        self,
        settings: Settings,
        *,
        known_authors: Callable[[Collection[str]], set[str]] = lambda ids: set(),
        jetstream: Jetstream | None = None,
        search: BlueskySearch | None = None,
        clock: Clock = utc_now,
        catch_up_max_s: float = CATCH_UP_MAX_S,
    ) -> None:
        self.settings = settings
        self.known_authors = known_authors
        self.jetstream = jetstream or Jetstream(settings.bluesky_jetstream_url)
        self.search = search or BlueskySearch(settings)
        self.clock = clock
        self.catch_up_max_s = catch_up_max_s

    def close(self) -> None:
        self.search.close()

    def collect(self, queries: Sequence[Query], cursor: CursorLookup) -> Iterator[Page]:
        """Backfill new tags, then replay Jetstream from the stored cursor up to now."""
        matcher = TagMatcher(queries)
        problem = None
        if matcher.keys:
            try:
                yield from self._backfill(queries, cursor)
            except PermissionError as err:
                problem = str(err)
            except AtProtocolError as err:
                problem = (
                    f"Bluesky search failed ({type(err).__name__}); backfill retries next cycle"
                )
        stored = cursor(JETSTREAM_KEY)
        if matcher or stored:
            now = self.clock()
            start = (
                int(stored) if stored and stored.isdigit() else _micros(now - self._first_window())
            )
            yield from self._replay(
                matcher, start, until_us=_micros(now), max_seconds=self.catch_up_max_s
            )
        if problem:
            raise SourceError(problem)

    def listen(
        self,
        queries: Callable[[], Sequence[Query]],
        cursor: CursorLookup,
        stop: threading.Event,
        *,
        refresh_s: float = REFRESH_SECONDS,
    ) -> Iterator[Page]:
        """Follow Jetstream until `stop`, a page of matching posts every few seconds.

        The tracked tags are read again every `refresh_s`; a tag new since then is backfilled
        through search and matched from then on. Connection faults past Jetstream's own retries
        end the iterator with SourceError; the caller waits and calls again, and the stored
        cursor makes it resume where it stopped.
        """
        tracked = list(queries())
        matcher = TagMatcher(tracked)
        yield from self._backfill_logged(tracked, cursor)
        stored = cursor(JETSTREAM_KEY)
        start = int(stored) if stored and stored.isdigit() else None
        if start is None or start < _micros(self.clock() - MAX_RESUME_GAP):
            start = _micros(self.clock() - self._first_window())
        pending = _Pending()
        checked = time.monotonic()
        for event in self.jetstream.events(start, stop=stop, heartbeat=True):
            if event:
                self._take(event, matcher, pending)
            if pending.due():
                if pending.events:
                    yield self._flush(pending)
                pending = _Pending()
            if time.monotonic() - checked >= refresh_s:
                checked = time.monotonic()
                now_tracked = list(queries())
                fresh = TagMatcher(now_tracked)
                if not fresh:
                    break  # nothing tracked any more: the caller stops holding the stream open
                if fresh.signature != matcher.signature:
                    matcher = fresh
                    yield from self._backfill_logged(now_tracked, cursor)
        if pending.events:
            yield self._flush(pending)

    def _backfill_logged(self, queries: Sequence[Query], cursor: CursorLookup) -> Iterator[Page]:
        """Backfill while listening: a search failure is logged and retried at the next change."""
        try:
            yield from self._backfill(queries, cursor)
        except (PermissionError, AtProtocolError) as err:
            log.warning(
                "bluesky: backfill failed (%s); listening goes on", err or type(err).__name__
            )

    def _first_window(self) -> timedelta:
        return timedelta(minutes=self.settings.ingest_every_minutes)

    def _backfill(self, queries: Sequence[Query], cursor: CursorLookup) -> Iterator[Page]:
        tags = {tag_key(t): t for q in queries for t in q.tags}
        owed = {key: tag for key, tag in tags.items() if cursor(f"search {key}") != "done"}
        if not owed:
            return
        if not self.search.configured:
            log.info(
                "bluesky: backfill of %d new tag(s) skipped: set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD",
                len(owed),
            )
            return
        for key, tag in owed.items():
            start = cursor(f"search {key}")
            for posts, authors, position, read in backfill_pages(self.search, tag, start):
                yield Page(
                    posts=tuple(posts),
                    authors=tuple(authors),
                    opt_outs=tuple((a.id, author_opt_out(a)) for a in authors if a.opted_out),
                    cursors=((f"search {key}", position),),
                    reads=Reads(posts=read, requests=1),
                )

    def _replay(
        self, matcher: TagMatcher, start_us: int, *, until_us: int, max_seconds: float
    ) -> Iterator[Page]:
        """Replay to until_us, flushing a page every few seconds so the cursor keeps up."""
        pending = _Pending()
        for event in self.jetstream.events(start_us, until_us=until_us, max_seconds=max_seconds):
            self._take(event, matcher, pending)
            if pending.due():
                yield self._flush(pending)
                pending = _Pending()
        if pending.events:
            yield self._flush(pending)

    @staticmethod
    def _take(event: dict[str, Any], matcher: TagMatcher, pending: _Pending) -> None:
        pending.events += 1
        moment = event.get("time_us")
        if isinstance(moment, int):
            pending.last_us = moment
        did = event.get("did")
        if not isinstance(did, str):
            return
        kind = event.get("kind")
        commit = event.get("commit")
        if (
            kind == "commit"
            and isinstance(commit, dict)
            and commit.get("collection") == POST_COLLECTION
        ):
            uri = post_uri(did, str(commit.get("rkey")))
            if commit.get("operation") == "delete":
                pending.deleted.append(f"bluesky:{uri}")
                pending.posts.pop(f"bluesky:{uri}", None)
            elif commit.get("operation") in ("create", "update") and isinstance(
                commit.get("record"), dict
            ):
                post = to_post(uri, commit["record"])
                if post is not None and matcher.matches(post):
                    pending.posts[post.id] = post
        elif kind == "account":
            account = event.get("account") or {}
            if isinstance(account, dict) and account.get("status") == "deleted":
                pending.gone.append(did)

    def _flush(self, pending: _Pending) -> Page:
        authors = self._authors({p.author_id for p in pending.posts.values()})
        opt_outs = [(a.id, author_opt_out(a)) for a in authors if a.opted_out]
        opt_outs += [(f"bluesky:{did}", "account deleted on Bluesky") for did in pending.gone]
        return Page(
            posts=tuple(pending.posts.values()),
            authors=tuple(authors),
            deleted=tuple(pending.deleted),
            opt_outs=tuple(opt_outs),
            cursors=((JETSTREAM_KEY, str(pending.last_us)),) if pending.last_us else (),
        )

    def _authors(self, author_ids: set[str]) -> list[Author]:
        """Profiles for authors not stored yet: looked up when logged in, else just the DID."""
        unknown = sorted(author_ids - self.known_authors(author_ids))
        if not unknown:
            return []
        dids = [a.removeprefix("bluesky:") for a in unknown]
        if self.search.configured:
            try:
                found = {a.id: a for a in self.search.profiles(dids)}
                return [found.get(a) or bare_author(a.removeprefix("bluesky:")) for a in unknown]
            except (PermissionError, AtProtocolError) as err:
                log.info(
                    "bluesky: profile look-up failed (%s); storing DIDs only", type(err).__name__
                )
        return [bare_author(did) for did in dids]


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)
