"""Archives: twarc2 JSONL (one X API v2 response page per line) and plain X API v2 JSON files.

Read in batches so a million-post file streams through in bounded memory; a broken line is
reported with its number and skipped, never allowed to stop the rest of the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot.sources.base import Author, Post
from bot.sources.x_payload import (
    PageContent,
    is_flat_tweet,
    is_response_page,
    read_flat_tweet,
    read_page,
)

BATCH_POSTS = (
    20_000  # posts per transaction: fewer commits rewrite the hot aggregate pages less often
)
MAX_PROBLEMS_KEPT = 50  # a wholly broken file shouldn't flood the terminal


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 for the whole file
    message: str


@dataclass
class ArchiveBatch:
    """Posts and authors ready to store, with what was skipped since the previous batch."""

    posts: list[Post] = field(default_factory=list)
    authors: dict[str, Author] = field(default_factory=dict)
    reposts: int = 0
    incomplete: int = 0
    problems: list[Problem] = field(default_factory=list)
    bytes_read: int = 0
    bytes_total: int = 0

    def add(self, content: PageContent) -> None:
        self.posts += content.posts  # authors are already in self.authors: read_page shares it
        self.reposts += content.reposts
        self.incomplete += content.incomplete


class ArchiveError(ValueError):
    """The file can't be read at all (missing, unreadable, not JSON)."""


def read_archive(
    path: Path, *, include_reposts: bool = False, batch_posts: int = BATCH_POSTS
) -> Iterator[ArchiveBatch]:
    """Yield batches of posts from a twarc2 JSONL file or an X API v2 JSON file."""
    try:
        total = path.stat().st_size
        handle = path.open("rb")
    except OSError as err:
        raise ArchiveError(f"can't read {path}: {err.strerror or err}") from err
    with handle:
        first = handle.readline()
        while first and not first.strip():
            first = handle.readline()
        handle.seek(0)
        if _parses(first):
            yield from _read_lines(handle, total, include_reposts, batch_posts)
        else:
            yield _read_whole(handle.read(), total, include_reposts)


def _parses(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _read_lines(
    handle: Any, total: int, include_reposts: bool, batch_posts: int
) -> Iterator[ArchiveBatch]:
    batch = ArchiveBatch(bytes_total=total)
    done = 0
    for number, line in enumerate(handle, 1):
        done += len(line)
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as err:
            batch.problems.append(Problem(number, f"not valid JSON ({_short(err)})"))
            continue
        problem = _add(batch, obj, include_reposts)
        if problem:
            batch.problems.append(Problem(number, problem))
        if len(batch.posts) >= batch_posts:
            batch.bytes_read = done
            yield batch
            batch = ArchiveBatch(bytes_total=total)
    batch.bytes_read = done
    yield batch


def _read_whole(raw: bytes, total: int, include_reposts: bool) -> ArchiveBatch:
    batch = ArchiveBatch(bytes_read=total, bytes_total=total)
    try:
        obj = json.loads(raw)
    except ValueError as err:
        batch.problems.append(Problem(0, f"neither JSON lines nor a JSON document ({_short(err)})"))
        return batch
    items = obj if isinstance(obj, list) else [obj]
    for number, item in enumerate(items, 1):
        problem = _add(batch, item, include_reposts)
        if problem:
            where = f"item {number}: " if isinstance(obj, list) else ""
            batch.problems.append(Problem(0, where + problem))
    return batch


def _add(batch: ArchiveBatch, obj: object, include_reposts: bool) -> str | None:
    """Add one decoded line; a message when it isn't something an X archive holds."""
    if is_response_page(obj):
        assert isinstance(obj, Mapping)
        content = read_page(obj, include_reposts=include_reposts, authors=batch.authors)
    elif is_flat_tweet(obj):
        assert isinstance(obj, Mapping)
        content = read_flat_tweet(obj, include_reposts=include_reposts, authors=batch.authors)
    else:
        return "not an X API v2 response page or tweet (no 'data', 'meta' or 'id'/'text')"
    batch.add(content)
    if content.incomplete:
        return f"{content.incomplete} post(s) without id, text or created_at skipped"
    return None


def _short(err: ValueError) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"{err.msg} at column {err.colno}"
    return str(err)[:80]


class Saved(Protocol):
    """What the Store's save_posts answers (sources don't import storage)."""

    @property
    def new_posts(self) -> int: ...
    @property
    def updated_posts(self) -> int: ...
    @property
    def authors(self) -> int: ...
    @property
    def skipped_opted_out(self) -> int: ...


Save = Callable[[Sequence[Post], Sequence[Author]], Saved]
Progress = Callable[
    ["ImportReport", int, int], None
]  # report so far, bytes read, bytes in the file


@dataclass
class ImportReport:
    path: Path
    posts_read: int = 0
    new_posts: int = 0
    already_stored: int = 0
    authors: int = 0
    opted_out: int = 0
    reposts: int = 0
    incomplete: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    error: str = ""

    def summary(self) -> str:
        if self.error:
            return f"{self.path}: {self.error}"
        parts = [
            f"{self.posts_read:,} posts read",
            f"{self.new_posts:,} stored new",
            f"{self.already_stored:,} already stored",
            f"{self.authors:,} authors",
        ]
        for count, one, many in (
            (self.reposts, "retweet", "retweets"),
            (self.opted_out, "post by an opted-out account", "posts by opted-out accounts"),
            (self.incomplete, "incomplete post", "incomplete posts"),
            (self.problem_count, "malformed line", "malformed lines"),
        ):
            if count:
                parts.append(f"{count:,} {one if count == 1 else many} skipped")
        lines = [f"{self.path}: " + ", ".join(parts)]
        lines += [
            f"  line {p.line}: {p.message}" if p.line else f"  {p.message}" for p in self.problems
        ]
        if self.problem_count > len(self.problems):
            lines.append(f"  … and {self.problem_count - len(self.problems):,} more")
        return "\n".join(lines)


def import_archive(
    path: Path,
    save: Save,
    *,
    include_reposts: bool = False,
    progress: Progress | None = None,
    batch_posts: int = BATCH_POSTS,
) -> ImportReport:
    """Store every post in one archive file; safe to repeat, since each post is stored once."""
    report = ImportReport(path)
    try:
        for batch in read_archive(path, include_reposts=include_reposts, batch_posts=batch_posts):
            saved = save(batch.posts, list(batch.authors.values()))
            report.posts_read += len(batch.posts) + batch.reposts + batch.incomplete
            report.new_posts += saved.new_posts
            report.already_stored += saved.updated_posts
            report.authors += saved.authors
            report.opted_out += saved.skipped_opted_out
            report.reposts += batch.reposts
            report.incomplete += batch.incomplete
            report.problem_count += len(batch.problems)
            room = MAX_PROBLEMS_KEPT - len(report.problems)
            report.problems += batch.problems[: max(room, 0)]
            if progress is not None:
                progress(report, batch.bytes_read, batch.bytes_total)
    except ArchiveError as err:
        report.error = str(err)
    return report
