"""The Jetstream tally: every hashtag on every new Bluesky post, counted per UTC day and language.

The connection `run` holds to Jetstream already carries every post on the network, so counting
their hashtags costs no request. Only counts are kept: no text, no author. An ambiguous tag the
census counts beside its condition's words (#MS) is also counted as "ms+" when the post says
them. The tally remembers the stretch of time it saw, so a census knows which days it covered
whole, and its cursor, so a restart that replays the stream counts nothing twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain.census_plan import CensusTerm
from bot.domain.hashtags import tag_key
from bot.domain.reach import Guard
from bot.sources.bluesky_records import POST_COLLECTION, record_tags

# A stream quiet this long was not covering Bluesky (the network posts every second); stretches
# closer than this are one stretch.
MAX_QUIET_US = 300 * 1_000_000
GUARDED = "+"  # suffix of a guarded tag's key in the tally: "ms+" is #MS beside MS's words
MAX_LANG = 3


def tally_key(term: CensusTerm) -> str:
    return term.key + GUARDED if term.guarded else term.key


def day_of(time_us: int) -> str:
    return datetime.fromtimestamp(time_us / 1_000_000, tz=UTC).date().isoformat()


def language(record: Mapping[str, Any]) -> str:
    """The post's first language as its primary subtag ('pt' for 'pt-BR'); '' when unsaid."""
    langs = record.get("langs")
    if not isinstance(langs, list) or not langs or not isinstance(langs[0], str):
        return ""
    primary = langs[0].split("-")[0].strip().lower()
    return primary if primary.isalpha() and len(primary) <= MAX_LANG else ""


@dataclass(frozen=True)
class TallyBatch:
    counts: dict[tuple[str, str, str], int]  # (tag key, day, language) -> posts
    span: tuple[int, int]  # the stream time it covered, µs


class HashtagTally:
    """Counts as events arrive; `drain` hands over what was counted since the last drain."""

    def __init__(self, guards: Mapping[str, Guard] | None = None, cursor_us: int | None = None):
        self.guards = dict(guards or {})
        self.cursor_us = cursor_us  # events up to this time are already counted
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._first: int | None = None
        self._last: int | None = None

    def take(self, event: Mapping[str, Any]) -> None:
        moment = event.get("time_us")
        if not isinstance(moment, int) or isinstance(moment, bool):
            return
        if self.cursor_us is not None and moment <= self.cursor_us:
            return  # replayed after a restart: counted before
        if self._first is None:
            self._first = moment
        self._last = max(moment, self._last or moment)
        commit = event.get("commit")
        if (
            event.get("kind") != "commit"
            or not isinstance(commit, Mapping)
            or commit.get("collection") != POST_COLLECTION
            or commit.get("operation") != "create"
            or not isinstance(commit.get("record"), Mapping)
        ):
            return
        record = commit["record"]
        keys = {tag_key(t) for t in record_tags(record)}
        if not keys:
            return
        day, lang = day_of(moment), language(record)
        for key in keys:
            self._counts[(key, day, lang)] += 1
        for key in keys.intersection(self.guards):
            if self.guards[key].matches(str(record.get("text") or ""), keys):
                self._counts[(key + GUARDED, day, lang)] += 1

    def drain(self) -> TallyBatch | None:
        """What was counted since the last drain, and the stretch of stream time it covered."""
        if self._first is None or self._last is None:
            return None
        batch = TallyBatch(dict(self._counts), (self._first, self._last))
        self.cursor_us = self._last
        self._counts = Counter()
        self._first = self._last = None
        return batch
