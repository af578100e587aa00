"""What the bot posts in a channel, each at most once: digest messages, alerts and shared answers.

Every channel post is an `Outgoing`: claimed before it is sent and settled after, so a restart
or a second process never sends it twice. The Slack layer's `Publisher` does the sending, the
one way a post reaches a channel. The crash rule is here, once for every kind: a send left
claimed by a process that is gone may have reached Slack, so it becomes 'uncertain' (maybe
sent), is never sent again, and is logged as possibly missing.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.domain.channel_alerts import ChannelAlert
from bot.domain.digest import Digest, TopicDigest
from bot.storage import Store

log = logging.getLogger(__name__)

Message = dict[str, Any]  # Slack's text and blocks, as the Slack layer rendered them


@dataclass(frozen=True)
class Outgoing:
    """One post for one channel, with the record that keeps it to once."""

    channel: str
    payload: Message
    what: str  # for the log: "alert volume:… for C0LUNG"
    claim: Callable[[str], bool]  # (claim token) False: sent before, or another run sends it
    settle: Callable[[str, str | None], None]  # (posted | pending | uncertain, Slack's ts)


@dataclass(frozen=True)
class Outcome:
    """What became of one post."""

    posted: bool = False
    ts: str = ""
    problem: str = ""  # what went wrong, for the operator; the post is 'pending' or 'uncertain'
    for_person: str = ""  # the same, for whoever pressed the button that posts it
    maybe_sent: bool = False  # it may have reached Slack: recorded uncertain, never sent again
    taken: bool = False  # claimed before (sent, or being sent by another run): nothing done


class Publisher(Protocol):
    """The Slack layer, as the use cases see it: it renders what only Slack shows, and posts."""

    def digest_pages(self, digest: Digest) -> list[tuple[Message, list[TopicDigest]]]: ...

    def alert_message(self, found: ChannelAlert) -> Message: ...

    def post(self, item: Outgoing, *, thread_ts: str | None = None) -> Outcome: ...


_live: set[str] = set()  # this process's claims whose sends are under way
_live_lock = threading.Lock()


@contextmanager
def claiming() -> Iterator[str]:
    """A claim token for one send, known to be live while the block runs: the process id (other
    processes check it is running) and a unique part (this process checks `_live`)."""
    token = f"{os.getpid()}:{uuid.uuid4().hex[:12]}"
    with _live_lock:
        _live.add(token)
    try:
        yield token
    finally:
        with _live_lock:
            _live.discard(token)


def shared_answer(
    store: Store, press: str, *, channel: str, user: str, payload: Message, now: datetime
) -> Outgoing:
    """One Share press's post: at most once per press, however often Slack delivers it or
    the bot restarts; a press Slack refused may post once it is let in."""
    return Outgoing(
        channel,
        payload,
        f"an answer shared by {user} in {channel}",
        claim=lambda token: store.claim_share(
            press, channel_id=channel, shared_by=user, claimer=token, now=now
        ),
        settle=lambda state, ts: store.settle_share(press, state, now=now, ts=ts),
    )


def settle_abandoned(store: Store, *, now: datetime) -> int:
    """The crash rule: sends claimed by a process that is gone become 'uncertain' (maybe sent);
    they are never sent again. Returns how many."""
    settled = 0
    for send in store.sends_in_flight():
        if _alive(send.claimed_by):
            continue
        if store.settle_in_flight(send, "uncertain", now=now):
            settled += 1
            log.warning(
                "%s was being sent when the bot stopped; it is not sent again, so it may be "
                "missing from the channel",
                send.describe(),
            )
    return settled


MAYBE_SENT_DAYS = 7  # how long a "maybe sent" post stays listed in doctor and the App Home


def maybe_sent(store: Store, *, now: datetime) -> list[str]:
    """What may be missing from a channel, or in it unconfirmed, in the last week: posts that may
    have reached Slack and are never sent again (and sends cut off by a process that is gone,
    before the crash rule has run), one line each for doctor and the App Home."""
    posts = store.maybe_sent(now - timedelta(days=MAYBE_SENT_DAYS))
    posts += [p for p in store.sends_in_flight() if not _alive(p.claimed_by)]
    return [
        f"{post.describe()}, {post.updated_at[:16].replace('T', ' ')} UTC: may or may not be "
        "there; it is not sent again"
        for post in sorted(posts, key=lambda p: p.updated_at)
    ]


def _alive(claimed_by: str | None) -> bool:
    """Whether the claim's send may still be under way (same host: SQLite)."""
    pid, _, _ = (claimed_by or "").partition(":")
    if not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        with _live_lock:
            return claimed_by in _live
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
