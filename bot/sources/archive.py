"""Archives: twarc2 JSONL (one X API v2 response page per line), flattened twarc2 output and
whole X API v2 JSON documents; plain or gzipped, from a file or from stdin (`-`).

Every line is read on its own. A line that isn't JSON, or isn't X's, costs that line; a post with
a missing or wrongly typed field costs that post; each is reported with its line number and what
was wrong, and the rest of the file is read. Read in batches so a million-post file streams
through in bounded memory; storing the batches is `bot.services.archive_import`'s job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.sources.archive_input import (
    MAX_LINE_BYTES,
    ArchiveError,
    ArchiveInput,
    is_too_long,
    opened,
)
from bot.sources.base import Author, Post
from bot.sources.x_payload import (
    PageContent,
    decode_page,
    is_flat_tweet,
    is_response_page,
    read_flat_tweet,
    read_page,
)

__all__ = ["ArchiveBatch", "ArchiveError", "Problem", "read_archive"]

BATCH_POSTS = 30_000  # at most, per transaction: each commit rewrites the aggregates' hot pages
MIN_BLOCKS = 4
SNIFF_LINES = 8  # the first non-blank lines that tell JSON lines from one JSON document
MAX_DOCUMENT_BYTES = 256 << 20  # bigger than any one X API response: read it as lines instead
MAX_PROBLEMS_KEPT = 10  # the first few say what is wrong; the counts say how much
BYTES_PER_POST = 2_000  # a guess for sizing blocks when no line could be read to measure


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 for the whole file
    message: str


@dataclass
class ArchiveBatch:
    """Posts and authors ready to store, with what was skipped since the previous batch."""

    posts: list[Post] = field(default_factory=list)
    authors: dict[str, Author] = field(default_factory=dict)
    pages: int = 0  # lines (or document items) that are X's: pages or flattened posts
    reposts: int = 0
    rejected: int = 0  # posts refused for a missing or wrongly typed field
    rejected_users: int = 0  # profiles refused the same way
    bad_lines: int = 0  # lines that are not JSON, or not X's
    superseded: list[str] = field(default_factory=list)  # earlier versions of edited posts
    problems: list[Problem] = field(default_factory=list)  # the first few of them
    bytes_read: int = 0
    bytes_total: int = 0
    ends_block: bool = True  # False: the block goes on in the next batch (see read_archive)

    @property
    def skipped(self) -> int:
        """Everything left out for being malformed (each has a problem message)."""
        return self.bad_lines + self.rejected + self.rejected_users

    def add(self, content: PageContent, line: int, where: str = "") -> None:
        self.pages += 1
        self.posts += content.posts  # authors are already in self.authors: the readers share it
        self.reposts += content.reposts
        self.rejected += content.rejected
        self.rejected_users += content.rejected_users
        self.superseded += content.superseded
        for message in content.problems:
            self.note(line, where + message)

    def skip_line(self, line: int, message: str) -> None:
        self.bad_lines += 1
        self.note(line, message)

    def note(self, line: int, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(Problem(line, message))


def read_archive(
    path: Path,
    *,
    include_reposts: bool = False,
    batch_posts: int = BATCH_POSTS,
    share: tuple[int, int] = (0, 1),
) -> Iterator[ArchiveBatch]:
    """Yield batches of posts from an archive file (see the module docstring); `-` is stdin.

    A JSON-lines file is cut into blocks of lines holding about `batch_posts` posts each (sized
    from the first readable line); a block that turns out to hold more is split into batches of
    `batch_posts`, all but the last with `ends_block` False. `share=(k, n)` reads only blocks
    k, k + n, k + 2n, … so n readers can split a file, still numbering every line; a reader ends
    each of its blocks with a batch (maybe empty) whose `ends_block` is True, so a consumer
    taking blocks in turn from each reader keeps file order.
    """
    with opened(path) as archive:
        head = archive.head(SNIFF_LINES)
        if not head and not archive.failed:  # empty, or only blank lines
            if share[0] == 0:
                yield ArchiveBatch(bytes_read=archive.size, bytes_total=archive.size)
            return
        # The first line that is JSON on its own (usually the first): it sizes the blocks.
        first = next(((line, obj) for line in head if (obj := _alone(line)) is not None), None)
        opens = bool(head) and head[0].rstrip().endswith((b"[", b"{"))  # '{' or '{"data": ['
        if head and (first is None or (opens and first[0] is not head[0])):
            whole = _read_document(archive, include_reposts)  # pretty-printed, most likely
            if whole is not None:
                if share[0] == 0:
                    yield whole
                return
        bytes_per_post = BYTES_PER_POST
        if first is not None:
            bytes_per_post = max(len(first[0]) // max(_posts_in(first[1]), 1), 1)
        if archive.size_hint:
            # At least MIN_BLOCKS blocks, so readers and the writer overlap even on a small
            # file; at most batch_posts posts in each, which is one transaction.
            per_block = archive.size_hint // bytes_per_post // MIN_BLOCKS
            block_posts = min(batch_posts, max(per_block, 1_000))
        else:  # stdin: one reader, so blocks only cut batches
            block_posts = batch_posts
        yield from _read_lines(
            archive, include_reposts, block_posts * bytes_per_post, share, batch_posts
        )


def _alone(line: bytes) -> object | None:
    """A line's JSON object or array when it is one on its own, else None."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, (dict, list)) and obj else None


def _posts_in(obj: object) -> int:
    data = obj.get("data") if isinstance(obj, dict) else None
    return len(data) if isinstance(data, list) else 1


def _read_lines(
    archive: ArchiveInput,
    include_reposts: bool,
    block_bytes: int,
    share: tuple[int, int],
    batch_posts: int,
) -> Iterator[ArchiveBatch]:
    mine, readers = share
    total = archive.size
    batch = ArchiveBatch(bytes_total=total)
    block = offset = number = 0
    block_end = _block_size(0, block_bytes)
    lines = archive.lines()
    while True:
        try:
            line = next(lines, b"")
        except ArchiveError as err:  # cut off, or unreadable part-way: keep what came before
            if block % readers == mine:
                batch.skip_line(number + 1, str(err))
            break
        if not line:
            break
        number += 1
        start, offset = offset, offset + len(line)
        while start >= block_end:  # a block ends: hand it over if it is ours (even if empty)
            if block % readers == mine:
                batch.bytes_read = archive.position(start)
                yield batch
                batch = ArchiveBatch(bytes_total=total)
            block += 1
            block_end += _block_size(block, block_bytes)
        if block % readers != mine or not line.strip():
            continue
        if len(batch.posts) >= batch_posts:  # the first line misjudged this file's lines
            batch.bytes_read, batch.ends_block = archive.position(start), False
            yield batch
            batch = ArchiveBatch(bytes_total=total)
        if is_too_long(line):
            batch.skip_line(number, f"over {MAX_LINE_BYTES >> 20} MB, longer than any X API page")
            continue
        fast = decode_page(line, include_reposts=include_reposts, authors=batch.authors)
        if fast is not None:
            batch.add(fast, number)
            continue
        try:
            obj = json.loads(line.rstrip(b"\r\n"))  # a cut-off line's error is about its end
        except (ValueError, RecursionError) as err:
            batch.skip_line(number, f"not valid JSON ({_short(err)})")
            continue
        _read_item(batch, obj, number, include_reposts)
    if block % readers == mine:
        batch.bytes_read = archive.end(offset)
        yield batch


def _block_size(block: int, full: int) -> int:
    """Blocks start small and double up to full size, so the writer starts almost at once."""
    return max(full >> max(0, 3 - block), 1)


def _read_document(archive: ArchiveInput, include_reposts: bool) -> ArchiveBatch | None:
    """The whole file as one JSON document (a response, or a list of them or of posts); None
    when it isn't one, so it is read line by line instead."""
    raw = archive.document(MAX_DOCUMENT_BYTES)
    if raw is None:
        return None
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    batch = ArchiveBatch(bytes_read=archive.size, bytes_total=archive.size)
    items = obj if isinstance(obj, list) else [obj]
    for number, item in enumerate(items, 1):
        _read_item(batch, item, 0, include_reposts, f"item {number}: " if len(items) > 1 else "")
    return batch


def _read_item(
    batch: ArchiveBatch, obj: object, line: int, include_reposts: bool, where: str = ""
) -> None:
    """One decoded line (or document item): a page, or a flattened post with its author."""
    if is_response_page(obj):
        assert isinstance(obj, Mapping)
        content = read_page(obj, include_reposts=include_reposts, authors=batch.authors)
    elif is_flat_tweet(obj):
        assert isinstance(obj, Mapping)
        content = read_flat_tweet(obj, include_reposts=include_reposts, authors=batch.authors)
    else:
        batch.skip_line(
            line, where + "not an X API v2 response page or post (no 'data', 'meta' or 'id'/'text')"
        )
        return
    batch.add(content, line, where)


def _short(err: ValueError | RecursionError) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"{err.msg.removesuffix(' at')} at column {err.colno}"
    if isinstance(err, RecursionError):
        return "nested too deeply"
    if isinstance(err, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(err)[:80]
