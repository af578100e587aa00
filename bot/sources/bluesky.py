"""Bluesky: listen to Jetstream from the stored time cursor; search only to backfill a new tag.

`hashtag-bot run` keeps one Jetstream connection open (`listen`, driven by bot.services.bluesky_stream);
`hashtag-bot ingest` replays the stream from the cursor to now (`collect`). Either way a tag
tracked since last time is backfilled through searchPosts once, posts that carry a tracked tag
are kept, and every deletion seen on the stream is honoured.

Consent comes first: before a post is stored its author's current profile is read
(bluesky_profiles), unless it was read within PROFILE_MAX_AGE. An account that opts out is
forgotten with everything it posted; one whose profile can't be read is not stored; when the
profiles can't be read at all, the page waits at the stored cursor. Stored accounts that are
deactivated, suspended or taken down are hidden until they are active again, and deleted ones
are forgotten.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from atproto_client.exceptions import AtProtocolError, BadRequestError

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.hashtags import tag_key
from bot.domain.topic_plan import TopicPlan
from bot.sources.base import Author, CursorLookup, Page, Post, Reads, SourceError, UnexpectedShape
from bot.sources.bluesky_profiles import ProfileReader
from bot.sources.bluesky_records import (
    POST_COLLECTION,
    TagMatcher,
    author_opt_out,
    post_uri,
    to_post,
)
from bot.sources.bluesky_search import BlueskySearch, backfill_pages, describe
from bot.sources.bluesky_tally import HashtagTally
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
PROFILE_MAX_AGE = timedelta(days=1)  # a stored profile older than this is read again
UNREADABLE_RETRY = timedelta(minutes=15)  # an account the AppView won't show is asked again after

Checked = Callable[[Collection[str], datetime], set[str]]  # accounts whose profile was read since


@dataclass(frozen=True)
class _Consent:
    """A batch of posts after their authors' profiles were checked."""

    posts: list[Post]
    authors: list[Author]  # the profiles just read, of accounts that don't opt out
    opt_outs: list[tuple[str, str]]
    unreadable: int  # posts whose author's profile couldn't be read
    reads: Reads | None


@dataclass
class _Pending:
    posts: dict[str, Post] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # DIDs of deleted accounts
    status: dict[str, str] = field(default_factory=dict)  # DID -> latest status ("" active)
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
        checked_since: Checked = lambda ids, since: set(),
        jetstream: Jetstream | None = None,
        search: BlueskySearch | None = None,
        profiles: ProfileReader | None = None,
        clock: Clock = utc_now,
        catch_up_max_s: float = CATCH_UP_MAX_S,
    ) -> None:
        self.settings = settings
        self.known_authors = known_authors  # stored accounts: status changes matter for these
        self.checked_since = checked_since
        self.jetstream = jetstream or Jetstream(settings.bluesky_jetstream_url)
        self.search = search or BlueskySearch(settings)
        self.profiles = profiles or ProfileReader(settings, self.search)
        self.clock = clock
        self.catch_up_max_s = catch_up_max_s
        self._unreadable: dict[str, datetime] = {}  # author id -> when its profile wasn't shown

    def close(self) -> None:
        self.search.close()
        self.profiles.close()

    def collect(self, queries: Sequence[TopicPlan], cursor: CursorLookup) -> Iterator[Page]:
        """Backfill new tags, then replay Jetstream from the stored cursor up to now."""
        matcher = TagMatcher(queries)
        problem = None
        if matcher.keys:
            try:
                yield from self._backfill(queries, cursor)
            except (PermissionError, SourceError) as err:
                problem = str(err)
            except AtProtocolError as err:
                problem = f"Bluesky search failed ({describe(err)}); backfill retries next cycle"
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
        queries: Callable[[], Sequence[TopicPlan]],
        cursor: CursorLookup,
        stop: threading.Event,
        *,
        refresh_s: float = REFRESH_SECONDS,
        tally: HashtagTally | None = None,
    ) -> Iterator[Page]:
        """Follow Jetstream until `stop`, a page of matching posts every few seconds.

        With a `tally`, every event is counted for the census too (bluesky_tally.py), and the
        stream stays open when nothing is tracked.

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
                if tally is not None:
                    tally.take(event)
            if pending.due():
                if pending.events:
                    yield self._flush(pending)
                pending = _Pending()
            if time.monotonic() - checked >= refresh_s:
                checked = time.monotonic()
                now_tracked = list(queries())
                fresh = TagMatcher(now_tracked)
                if not fresh and tally is None:
                    break  # nothing tracked any more: the caller stops holding the stream open
                if fresh.signature != matcher.signature:
                    matcher = fresh
                    yield from self._backfill_logged(now_tracked, cursor)
        if pending.events:
            yield self._flush(pending)

    def _backfill_logged(
        self, queries: Sequence[TopicPlan], cursor: CursorLookup
    ) -> Iterator[Page]:
        """Backfill while listening: a search failure is logged and retried at the next change."""
        try:
            yield from self._backfill(queries, cursor)
        except (PermissionError, SourceError) as err:
            log.warning("bluesky: backfill failed (%s); listening goes on", err)
        except AtProtocolError as err:
            log.warning("bluesky: backfill failed (%s); listening goes on", describe(err))

    def _first_window(self) -> timedelta:
        return timedelta(minutes=self.settings.ingest_every_minutes)

    def _backfill(self, queries: Sequence[TopicPlan], cursor: CursorLookup) -> Iterator[Page]:
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
            for posts, position, read in backfill_pages(self.search, tag, start):
                checked = self._consent(posts)
                looked_up = checked.reads or Reads()
                yield Page(
                    posts=tuple(checked.posts),
                    authors=tuple(checked.authors),
                    opt_outs=tuple(checked.opt_outs),
                    unreadable=checked.unreadable,
                    cursors=((f"search {key}", position),),
                    reads=Reads(posts=read, users=looked_up.users, requests=1 + looked_up.requests),
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
            account = event.get("account")
            if not isinstance(account, dict):
                return
            if account.get("active") is True:
                pending.status[did] = ""
            elif account.get("status") == "deleted":
                pending.gone.append(did)
                pending.status.pop(did, None)
                author_id = f"bluesky:{did}"
                for post_id in [k for k, p in pending.posts.items() if p.author_id == author_id]:
                    del pending.posts[post_id]
            elif account.get("active") is False:
                pending.status[did] = str(account.get("status") or "inactive")

    def _flush(self, pending: _Pending) -> Page:
        checked = self._consent(list(pending.posts.values()))
        changed = {f"bluesky:{did}" for did in (*pending.status, *pending.gone)}
        stored = self.known_authors(changed) if changed else set()
        opt_outs = list(checked.opt_outs)
        opt_outs += [
            (f"bluesky:{did}", "account deleted on Bluesky")
            for did in dict.fromkeys(pending.gone)
            if f"bluesky:{did}" in stored
        ]
        for did, status in pending.status.items():
            if not status:
                self._unreadable.pop(f"bluesky:{did}", None)  # back: its profile can be read
        return Page(
            posts=tuple(checked.posts),
            authors=tuple(checked.authors),
            deleted=tuple(pending.deleted),
            opt_outs=tuple(opt_outs),
            account_status=tuple(
                (f"bluesky:{did}", status)
                for did, status in pending.status.items()
                if f"bluesky:{did}" in stored
            ),
            unreadable=checked.unreadable,
            cursors=((JETSTREAM_KEY, str(pending.last_us)),) if pending.last_us else (),
            reads=checked.reads,
        )

    def _consent(self, posts: list[Post]) -> _Consent:
        """Keep the posts whose authors' current profiles were read and don't opt out.

        A profile read within PROFILE_MAX_AGE stands; the others are read now. Raises
        SourceError when no profile can be read, so the posts wait at the stored cursor.
        """
        author_ids = {p.author_id for p in posts}
        if not author_ids:
            return _Consent(posts, [], [], 0, None)
        now = self.clock()
        fresh = self.checked_since(author_ids, now - PROFILE_MAX_AGE)
        wanted = {
            a
            for a in author_ids - fresh
            if now - self._unreadable.get(a, now - UNREADABLE_RETRY) >= UNREADABLE_RETRY
        }
        found: dict[str, Author] = {}
        requests = self.profiles.requests
        if wanted:
            try:
                found = {
                    a.id: a
                    for a in self.profiles.read(sorted(a.removeprefix("bluesky:") for a in wanted))
                }
            except BadRequestError:
                log.info("bluesky: %d profile(s) refused by the AppView; not stored", len(wanted))
            except (PermissionError, AtProtocolError, UnexpectedShape) as err:
                raise self._profiles_unread(err) from None
        for author_id in wanted - set(found):
            self._unreadable[author_id] = now
        opt_outs = [(a.id, author_opt_out(a)) for a in found.values() if a.opted_out]
        consenting = [a for a in found.values() if not a.opted_out]
        allowed = fresh | {a.id for a in consenting}
        unread = author_ids - allowed - {author_id for author_id, _ in opt_outs}
        calls = self.profiles.requests - requests
        return _Consent(
            [p for p in posts if p.author_id in allowed],
            consenting,
            opt_outs,
            sum(p.author_id in unread for p in posts),
            Reads(users=len(found), requests=calls) if calls else None,
        )

    def _profiles_unread(self, err: Exception) -> SourceError:
        """Why no profile could be read, and that the posts wait for it; never an error's name."""
        where = (
            "through BLUESKY_HANDLE's session"
            if self.search.configured
            else f"from BLUESKY_APPVIEW_URL {self.settings.bluesky_appview_url}"
        )
        consent = "posts are stored only once their authors' consent is checked"
        if isinstance(err, UnexpectedShape):
            return UnexpectedShape(
                f"Bluesky profiles could not be read {where}: {err}. As {consent}, they wait at "
                "the stored cursor and are tried again next cycle."
            )
        reason = describe(err) if isinstance(err, AtProtocolError) else str(err)
        return SourceError(
            f"Bluesky profiles could not be read {where} ({reason}); {consent}, so they wait at "
            "the stored cursor."
        )


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)
