"""Opening an archive: a file or stdin (`-`), gunzipped when it starts with gzip's magic bytes,
and readable from the top again after a look at its first lines (files seek back; a stream
replays what was read)."""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

STDIN = Path("-")
GZIP_MAGIC = b"\x1f\x8b"
GZIP_RATIO = 6  # about how well X's JSON compresses: sizes blocks when gzip can't say
MAX_LINE_BYTES = 64 << 20  # a page of 100 longest posts, every character escaped, is ~15 MB
_READ_ERRORS = (OSError, EOFError, zlib.error)  # gzip.BadGzipFile is an OSError


class ArchiveError(ValueError):
    """The file can't be read at all (missing, unreadable), or stops being readable part-way."""


def is_too_long(line: bytes) -> bool:
    """lines() cut this line short: it is longer than any X API page."""
    return len(line) >= MAX_LINE_BYTES and not line.endswith(b"\n")


def shown_name(path: Path) -> str:
    return "stdin" if path == STDIN else str(path)


class ArchiveInput:
    """An opened archive: its lines from the top, and how far through the file they are."""

    def __init__(
        self,
        stream: io.BufferedIOBase,
        raw: io.BufferedIOBase,
        *,
        size: int,
        size_hint: int,
        seekable: bool,
    ) -> None:
        self._stream = stream  # the lines (gunzipped when need be)
        self._raw = raw  # the bytes on disk or in the pipe
        self._gzipped = stream is not raw
        self._seekable = seekable
        self._replay = b""  # a stream's bytes read before lines() asked for them
        self.size = size  # bytes on disk; 0 for a stream
        self.size_hint = size_hint  # about how many bytes of lines; 0 when unknown
        self.failed = ""  # why head() stopped early, if it did

    def head(self, count: int) -> list[bytes]:
        """The first `count` non-blank lines (fewer when the file is shorter)."""
        found: list[bytes] = []
        read = bytearray()
        try:
            while len(found) < count:
                line = self._stream.readline(MAX_LINE_BYTES)
                if not line:
                    break
                read += line
                if line.strip():
                    found.append(bytes(line))
        except _READ_ERRORS as err:
            self.failed = _why(err)
        self._rewind(bytes(read))
        return found

    def document(self, limit: int) -> bytes | None:
        """The whole file when it is at most `limit` bytes, else None."""
        if self.size_hint > limit:
            return None
        try:
            if self._seekable:
                data = self._stream.read(limit + 1)
                self._rewind(b"")
            else:
                data = self._replay + self._stream.read(limit + 1 - len(self._replay))
                self._replay = data
        except _READ_ERRORS:
            self._rewind(b"")
            return None  # lines() meets the same fault and says where
        return data if len(data) <= limit else None

    def lines(self) -> Iterator[bytes]:
        """Every line from the top. A line over MAX_LINE_BYTES comes as its first bytes alone
        (see is_too_long), the rest skipped; a fault part-way raises ArchiveError."""
        replay, self._replay = self._replay, b""
        pending = b""
        for line in io.BytesIO(replay).readlines():
            if line.endswith(b"\n"):
                yield line
            else:
                pending = line  # the replay stopped in the middle of this line
        try:
            while True:
                line = self._stream.readline(MAX_LINE_BYTES - len(pending))
                if pending:
                    line, pending = pending + line, b""
                if not line:
                    return
                if is_too_long(line):
                    self._skip_rest_of_line()
                yield line
        except _READ_ERRORS as err:
            raise ArchiveError(f"can't be read from here on: {_why(err)}") from None

    def _skip_rest_of_line(self) -> None:
        while True:
            chunk = self._stream.readline(1 << 20)
            if not chunk or chunk.endswith(b"\n"):
                return

    def position(self, offset: int) -> int:
        """How far through the file `offset` bytes of lines are, as progress counts it."""
        return self._raw.tell() if self._gzipped and self._seekable else offset

    def end(self, offset: int) -> int:
        """How far progress has come when the lines ran out after `offset` bytes."""
        return self.size or offset

    def _rewind(self, read: bytes) -> None:
        if self._seekable:
            self._stream.seek(0)
        else:
            self._replay = read


@contextmanager
def opened(path: Path) -> Iterator[ArchiveInput]:
    """The archive at `path` (`-`: stdin), opened for reading; ArchiveError when it can't be."""
    if path == STDIN:
        yield _stream(getattr(sys.stdin, "buffer", None), "stdin")
        return
    try:
        raw = path.open("rb")
    except OSError as err:
        raise ArchiveError(f"can't read {path}: {err.strerror or err}") from err
    with raw:
        if not raw.seekable():  # a named pipe, say
            yield _stream(raw, str(path))
            return
        try:
            size = os.fstat(raw.fileno()).st_size
            magic = raw.read(2)
            raw.seek(0)
        except OSError as err:
            raise ArchiveError(f"can't read {path}: {err.strerror or err}") from err
        if magic == GZIP_MAGIC:
            gunzipped = gzip.GzipFile(fileobj=raw, mode="rb")
            yield ArchiveInput(
                gunzipped, raw, size=size, size_hint=_gunzipped_size(raw, size), seekable=True
            )
        else:
            yield ArchiveInput(raw, raw, size=size, size_hint=size, seekable=True)


def _stream(raw: IO[bytes] | None, name: str) -> ArchiveInput:
    if raw is None:
        raise ArchiveError(f"can't read {name}: it is closed")
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(Any, raw))
    try:
        magic = buffered.peek(2)[:2]
    except (OSError, ValueError) as err:
        raise ArchiveError(f"can't read {name}: {err}") from err
    stream: io.BufferedIOBase = buffered
    if magic == GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=buffered, mode="rb")
    return ArchiveInput(stream, buffered, size=0, size_hint=0, seekable=False)


def _gunzipped_size(raw: io.BufferedIOBase, size: int) -> int:
    """gzip's own record of the size (modulo 4 GiB), or a guess when that can't be right."""
    try:
        raw.seek(-4, os.SEEK_END)
        recorded = int.from_bytes(raw.read(4), "little")
    except OSError:
        recorded = 0
    finally:
        raw.seek(0)
    return recorded if recorded >= size else size * GZIP_RATIO


def _why(err: BaseException) -> str:
    if isinstance(err, EOFError):
        return "the file ends part-way (cut off?)"
    if isinstance(err, gzip.BadGzipFile):
        return f"not a gzip file ({err})"
    if isinstance(err, zlib.error):
        return f"the compressed data is damaged ({err})"
    return str(getattr(err, "strerror", None) or err)
