"""Which X queries to send: topics OR-combined within 512 characters, each resumed from since_id.

X bills every post a query returns, so the plan reads each post once: one term per hashtag or
keyword however many topics share it, terms packed into as few queries as fit, and every term
resumed from the newest post already stored for it. A cycle cut short (rate limit, budget, page
cap) leaves a gap (since_id, until_id) that the next cycle fills before moving on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.domain.hashtags import tag_key
from bot.domain.topic_plan import TopicPlan

MAX_QUERY_CHARS = 512  # recent search on self-serve and pay-per-use access
NO_RETWEETS = "-is:retweet"
SEARCH_WINDOW = timedelta(days=7)  # recent search reaches back seven days
_TWITTER_EPOCH_MS = 1_288_834_974_657


@dataclass(frozen=True)
class Term:
    key: str  # cursor key: "#lcsm" or "kw:lung cancer"
    text: str  # as sent: "#LCSM" or "\"lung cancer\""


@dataclass(frozen=True)
class TermState:
    """Posts up to since_id are stored; when until_id is set, (since_id, until_id) is still owed."""

    since_id: str | None = None
    until_id: str | None = None
    newest_id: str | None = None  # becomes since_id once the gap is filled

    @property
    def in_gap(self) -> bool:
        return self.until_id is not None

    def dumps(self) -> str:
        return json.dumps(
            {"since_id": self.since_id, "until_id": self.until_id, "newest_id": self.newest_id}
        )

    @classmethod
    def loads(cls, raw: str | None) -> TermState:
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
        except ValueError:
            return cls(since_id=raw if raw.isdigit() else None)  # a bare id from an older cursor
        if not isinstance(data, Mapping):
            return cls()
        return cls(data.get("since_id"), data.get("until_id"), data.get("newest_id"))


@dataclass(frozen=True)
class Batch:
    """One X query and the position it resumes from."""

    terms: tuple[Term, ...]
    query: str
    state: TermState

    @property
    def is_new(self) -> bool:
        return self.state.since_id is None and not self.state.in_gap


def terms_for(queries: Iterable[TopicPlan]) -> list[Term]:
    """Every distinct hashtag and keyword, a topic's terms kept together so batches stay coherent."""
    terms: dict[str, Term] = {}
    for query in queries:
        for tag in query.tags:
            terms.setdefault(f"#{tag_key(tag)}", Term(f"#{tag_key(tag)}", f"#{tag}"))
        for keyword in query.keywords:
            plain = " ".join(keyword.replace('"', " ").split())
            if plain:
                key = f"kw:{plain.casefold()}"
                terms.setdefault(key, Term(key, _quoted(plain)))
        context = [c if c.startswith("#") else _quoted(c) for c in query.context]
        context = [c for c in context if c]
        for tag in query.guarded if context else ():
            # "#Stroke (aphasia OR \"brain attack\")": the tag only beside the topic's words
            key = f"#{tag_key(tag)}+" + "|".join(sorted(c.casefold() for c in context))
            together = " OR ".join(context)
            terms.setdefault(key, Term(key, f"(#{tag} ({together}))"))
    return list(terms.values())


def _quoted(keyword: str) -> str:
    words = " ".join(keyword.replace('"', " ").split())
    return f'"{words}"' if " " in words else words


def query_text(terms: Sequence[Term], *, include_retweets: bool = False) -> str:
    body = " OR ".join(t.text for t in terms)
    if len(terms) > 1:
        body = f"({body})"
    return body if include_retweets else f"{body} {NO_RETWEETS}"


def tweet_time(tweet_id: str) -> datetime | None:
    """When a post was created, from its snowflake id (to tell a stale since_id)."""
    if not tweet_id.isdigit():
        return None
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + _TWITTER_EPOCH_MS) / 1000, tz=UTC)


def plan(
    terms: Sequence[Term],
    states: Mapping[str, TermState],
    *,
    now: datetime,
    include_retweets: bool = False,
    max_chars: int = MAX_QUERY_CHARS,
) -> tuple[list[Batch], list[Term]]:
    """Batches to run (owed gaps first, then new terms, then known ones), and terms too long to send."""
    groups: dict[TermState, list[Term]] = {}
    for term in terms:
        state = states.get(term.key, TermState())
        if state.since_id and not state.in_gap:
            created = tweet_time(state.since_id)
            if created is not None and now - created > SEARCH_WINDOW - timedelta(hours=1):
                state = TermState()  # older than recent search reaches: start afresh
            else:
                state = TermState(since_id="known")  # merged below at the oldest since_id
        groups.setdefault(state, []).append(term)
    known = groups.pop(TermState(since_id="known"), [])
    batches: list[Batch] = []
    too_long: list[Term] = []
    ordered = sorted(
        groups.items(), key=lambda item: (not item[0].in_gap, item[0].since_id is not None)
    )
    for state, members in ordered:
        batches += _pack(members, state, include_retweets, max_chars, too_long)
    if known:
        oldest = min((states[t.key].since_id or "" for t in known), key=lambda i: (len(i), i))
        batches += _pack(known, TermState(since_id=oldest), include_retweets, max_chars, too_long)
    return batches, too_long


def _pack(
    terms: Sequence[Term],
    state: TermState,
    include_retweets: bool,
    max_chars: int,
    too_long: list[Term],
) -> list[Batch]:
    batches: list[Batch] = []
    current: list[Term] = []
    for term in terms:
        if len(query_text([term], include_retweets=include_retweets)) > max_chars:
            too_long.append(term)
            continue
        if (
            current
            and len(query_text([*current, term], include_retweets=include_retweets)) > max_chars
        ):
            batches.append(
                Batch(tuple(current), query_text(current, include_retweets=include_retweets), state)
            )
            current = []
        current.append(term)
    if current:
        batches.append(
            Batch(tuple(current), query_text(current, include_retweets=include_retweets), state)
        )
    return batches
