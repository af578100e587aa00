"""Archives: twarc2 JSONL (one X API v2 response page per line) and plain X API v2 JSON files.

Read in batches so a million-post file streams through in bounded memory; a broken line is
reported with its number and skipped, never allowed to stop the rest of the file. Storing the
batches is `bot.services.archive_import`'s job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.sources.base import Author, Post
from bot.sources.x_payload import (
    PageContent,
    decode_page,
    is_flat_tweet,
    is_response_page,
    read_flat_tweet,
    read_page,
)

BATCH_POSTS = 30_000  # at most, per transaction: each commit rewrites the aggregates' hot pages
MIN_BLOCKS = 4


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
    ends_block: bool = True  # False: the block goes on in the next batch (see read_archive)

    def add(self, content: PageContent) -> None:
        self.posts += content.posts  # authors are already in self.authors: read_page shares it
        self.reposts += content.reposts
        self.incomplete += content.incomplete


class ArchiveError(ValueError):
    """The file can't be read at all (missing, unreadable, not JSON)."""


def read_archive(
    path: Path,
    *,
    include_reposts: bool = False,
    batch_posts: int = BATCH_POSTS,
    share: tuple[int, int] = (0, 1),
) -> Iterator[ArchiveBatch]:
    """Yield batches of posts from a twarc2 JSONL file or an X API v2 JSON file.

    A JSON-lines file is cut into blocks of lines holding about `batch_posts` posts each (sized
    from the first line); a block that turns out to hold more is split into batches of
    `batch_posts`, all but the last with `ends_block` False. `share=(k, n)` reads only blocks
    k, k + n, k + 2n, … so n readers can split a file, still numbering every line; a reader ends
    each of its blocks with a batch (maybe empty) whose `ends_block` is True, so a consumer
    taking blocks in turn from each reader keeps file order.
    """
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
        posts = _posts_in(first)
        if posts is not None:
            bytes_per_post = max(len(first) // max(posts, 1), 1)
            # At least MIN_BLOCKS blocks, so readers and the writer overlap even on a small
            # file; at most batch_posts posts in each, which is one transaction.
            block_posts = min(batch_posts, max(total // bytes_per_post // MIN_BLOCKS, 1_000))
            block_bytes = block_posts * bytes_per_post
            yield from _read_lines(handle, total, include_reposts, block_bytes, share, batch_posts)
        elif share[0] == 0:
            yield _read_whole(handle.read(), total, include_reposts)


def _posts_in(line: bytes) -> int | None:
    """How many posts a first line holds (to size blocks), or None when it isn't JSON."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    data = obj.get("data") if isinstance(obj, dict) else None
    return len(data) if isinstance(data, list) else 1


def _read_lines(
    handle: Any,
    total: int,
    include_reposts: bool,
    block_bytes: int,
    share: tuple[int, int],
    batch_posts: int,
) -> Iterator[ArchiveBatch]:
    mine, readers = share
    batch = ArchiveBatch(bytes_total=total)
    block = offset = 0
    block_end = _block_size(0, block_bytes)
    for number, line in enumerate(handle, 1):
        start, offset = offset, offset + len(line)
        while start >= block_end:  # a block ends: hand it over if it is ours (even if empty)
            if block % readers == mine:
                batch.bytes_read = start
                yield batch
                batch = ArchiveBatch(bytes_total=total)
            block += 1
            block_end += _block_size(block, block_bytes)
        if block % readers != mine or not line.strip():
            continue
        if len(batch.posts) >= batch_posts:  # the first line misjudged this file's lines
            batch.bytes_read, batch.ends_block = start, False
            yield batch
            batch = ArchiveBatch(bytes_total=total)
        fast = decode_page(line, include_reposts=include_reposts, authors=batch.authors)
        if fast is not None:
            batch.add(fast)
            continue
        try:
            obj = json.loads(line)
        except ValueError as err:
            batch.problems.append(Problem(number, f"not valid JSON ({_short(err)})"))
            continue
        problem = _add(batch, obj, include_reposts)
        if problem:
            batch.problems.append(Problem(number, problem))
    if block % readers == mine:
        batch.bytes_read = offset
        yield batch


def _block_size(block: int, full: int) -> int:
    """Blocks start small and double up to full size, so the writer starts almost at once."""
    return max(full >> max(0, 3 - block), 1)


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
