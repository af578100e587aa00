"""What every source shares: the pages it yields, the topic plans it answers, the faults it names.

A source talks to one platform and yields `Page`s; `bot.services.collection` stores each page and only then
moves the page's cursors, so a crash between the two re-reads a page instead of losing one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.domain.posts import Author, Post
from bot.domain.topic_plan import TopicPlan

__all__ = [
    "Author",
    "CursorLookup",
    "Page",
    "Post",
    "Reads",
    "Source",
    "SourceAuthError",
    "SourceError",
    "SourceStopped",
    "UnexpectedShape",
    "opt_out_reason",
    "parse_time",
    "shape_of",
]

CursorLookup = Callable[[str], "str | None"]  # query_key -> stored position, read when needed

# An account opts out of bots and indexing by saying so in its own profile.
_OPT_OUT_TAG = re.compile(r"(?<![\w&/])[#＃](nobot|noindex|nobots)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Reads:
    """What a platform bills for: posts and user profiles returned, and requests made."""

    posts: int = 0
    users: int = 0
    requests: int = 0
    # The posts counted in `posts`: a platform that bills a post once a day (X) is not billed
    # again for them that day, whichever cycle reads them next.
    post_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Page:
    """One unit of work for the store: save these, honour these deletions, then move the cursors."""

    posts: tuple[Post, ...] = ()
    authors: tuple[Author, ...] = ()
    deleted: tuple[str, ...] = ()  # post ids deleted at the source
    superseded: tuple[str, ...] = ()  # earlier versions of edited posts in this page
    opt_outs: tuple[tuple[str, str], ...] = ()  # (author_id, reason)
    # (author_id, status) of stored accounts whose status changed at the source: "deactivated",
    # "suspended", "takendown"… hide them; "" says the account is active again.
    account_status: tuple[tuple[str, str], ...] = ()
    unreadable: int = 0  # posts left out because their author's profile couldn't be read
    cursors: tuple[tuple[str, str], ...] = ()  # (query_key, position), set after the page is saved
    reads: Reads | None = None
    skipped_reposts: int = 0
    notes: tuple[str, ...] = ()  # what a person should know about how this page was read


class Source(Protocol):
    """A platform the bot listens to; `collect` yields pages lazily so the caller stores each first."""

    name: str

    def collect(self, queries: Sequence[TopicPlan], cursor: CursorLookup) -> Iterator[Page]: ...

    def close(self) -> None: ...


class SourceError(RuntimeError):
    """A source can't go on this cycle; the message says what happened and what to do."""


class SourceAuthError(SourceError):
    """Credentials were refused: the source is unhealthy until someone fixes them."""


class SourceStopped(SourceError):
    """A deliberate stop (rate limit, budget): healthy, and the next cycle resumes from the cursor."""


class UnexpectedShape(SourceError):
    """The platform answered, but not in the shape its API documents (an object where a list
    belongs, a web page, an empty body): nothing from that answer is stored, so the cursor
    stays and the next cycle asks again. The message says what was wrong, in words."""


def shape_of(value: object) -> str:
    """What came instead, as a person would say it: "an object", "a list", "text"…"""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str | bytes):
        return "text" if value else "empty text"
    if isinstance(value, int | float):
        return "a number"
    return "something else"


def opt_out_reason(description: str) -> str | None:
    """'#nobot in profile' when an account's own description asks bots to leave it alone."""
    found = _OPT_OUT_TAG.search(description or "")
    return f"#{found.group(1).lower()} in profile" if found else None


def parse_time(value: object) -> datetime | None:
    """Timezone-aware UTC datetime from an ISO string (with 'Z') or a datetime; None if unreadable."""
    if type(value) is str and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    elif isinstance(value, datetime):
        moment = value
    else:
        return None
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
