"""`hashtag-bot import`: archive files into the Store, parsing beside the writer.

A reader process parses and stages batch N+1 (bot.sources.archive, bot.storage.staging) while
this process writes batch N, so on two cores the import runs at the speed of the slower half
instead of the sum of both. Small files, and platforms without fork, are read in-process.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path

from bot.clock import utc_now
from bot.sources.archive import BATCH_POSTS, ArchiveError, Problem, read_archive
from bot.storage import Store
from bot.storage.staging import stage

MAX_PROBLEMS_KEPT = 50  # a wholly broken file shouldn't flood the terminal
READER_PROCESS_FROM_BYTES = 4 << 20  # below this a process costs more than it saves
MAX_READERS = 2  # with the writer that is three processes; more only adds contention

Progress = Callable[["ImportReport", int, int], None]  # report so far, bytes read, file size


@dataclass
class ImportReport:
    path: Path
    posts_read: int = 0
    new_posts: int = 0
    already_stored: int = 0
    new_authors: int = 0
    opted_out: int = 0
    reposts: int = 0
    incomplete: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    error: str = ""
    interrupted: bool = False  # Ctrl-C: the caller stops too

    def summary(self) -> str:
        if self.error:
            return f"{self.path}: {self.error}"
        parts = [
            f"{self.posts_read:,} posts read",
            f"{self.new_posts:,} stored new",
            f"{self.already_stored:,} already stored",
            f"{self.new_authors:,} new authors",
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


@dataclass(frozen=True)
class Staged:
    """One batch, staged (a database image), and what reading it found."""

    image: bytes
    posts_read: int
    reposts: int
    incomplete: int
    problems: list[Problem]
    bytes_read: int
    bytes_total: int
    ends_block: bool = True


def import_archive(
    store: Store,
    path: Path,
    *,
    include_reposts: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
    batch_posts: int = BATCH_POSTS,
    readers: int | None = None,
) -> ImportReport:
    """Store every post in one archive file; safe to repeat, since each post is stored once.

    `readers`: processes that parse and stage batches while this one writes (0: parse here;
    None: one per core when the file is big enough and the platform can fork cheaply).
    """
    report = ImportReport(path)
    fetched_at = (now or utc_now()).isoformat()
    if readers is None:
        readers = _readers_worth_having(path)
    read = Reading(path, include_reposts, fetched_at, batch_posts)
    batches = _from_readers(read, readers) if readers else read.staged((0, 1))
    try:
        # Bulk work makes no reference cycles: collections would only cost time.
        with _gc_paused(), store.bulk_writes():
            for batch in batches:
                saved = store.save_staged(batch.image)
                report.posts_read += batch.posts_read
                report.new_posts += saved.new_posts
                report.already_stored += saved.updated_posts
                report.new_authors += saved.new_authors
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
    except KeyboardInterrupt:
        report.interrupted = True
        report.error = (
            f"stopped part-way, {report.new_posts:,} new posts stored and kept;"
            " import the file again to finish (what is stored already is skipped)"
        )
    return report


@dataclass(frozen=True)
class Reading:
    """What a reader needs to parse and stage its share of a file."""

    path: Path
    include_reposts: bool
    fetched_at: str
    batch_posts: int

    def staged(self, share: tuple[int, int]) -> Iterator[Staged]:
        for batch in read_archive(
            self.path,
            include_reposts=self.include_reposts,
            batch_posts=self.batch_posts,
            share=share,
        ):
            staged = Staged(
                stage(batch.posts, batch.authors.values(), self.fetched_at),
                len(batch.posts) + batch.reposts + batch.incomplete,
                batch.reposts,
                batch.incomplete,
                batch.problems,
                batch.bytes_read,
                batch.bytes_total,
                batch.ends_block,
            )
            batch.posts.clear()  # the image holds them now; don't keep both while it waits
            batch.authors.clear()
            yield staged


def _readers_worth_having(path: Path) -> int:
    try:
        big = path.stat().st_size >= READER_PROCESS_FROM_BYTES
    except OSError:
        return 0  # read_archive says what is wrong with it
    # fork copies only the calling thread: with others running it could copy a held lock.
    forks = "fork" in multiprocessing.get_all_start_methods()
    cores = os.cpu_count() or 1
    return (
        min(cores, MAX_READERS)
        if big and forks and cores > 1 and threading.active_count() == 1
        else 0
    )


def _from_readers(read: Reading, count: int) -> Iterator[Staged]:
    """Staged batches from forked readers, block by block in file order. A reader runs at most
    two batches ahead: one waiting to be taken, one being staged."""
    context = multiprocessing.get_context("fork")
    pipes: list[Connection] = []
    processes = []
    for mine in range(count):
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(
            target=_read_into,
            args=(sending, read, (mine, count)),
            name=f"hashtag-bot import reader {mine + 1}",
            daemon=True,
        )
        process.start()
        sending.close()
        pipes.append(receiving)
        processes.append(process)
    try:
        turn = 0
        while True:
            process, pipe = processes[turn % count], pipes[turn % count]
            try:
                kind, payload = pipe.recv()
            except EOFError:
                process.join()
                raise ArchiveError(
                    f"reading stopped part-way (a reader exited with code {process.exitcode});"
                    " what was stored so far is kept, and importing again resumes safely"
                ) from None
            if kind == "done":  # its next block would be past the end: so is every later one
                return
            if kind == "error":
                raise ArchiveError(payload)
            yield dataclasses.replace(payload, image=pipe.recv_bytes())
            if payload.ends_block:
                turn += 1
    finally:
        for pipe in pipes:
            pipe.close()
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()


def _read_into(sending: Connection, read: Reading, share: tuple[int, int]) -> None:
    """A reader process: stage blocks and hand them to a sending thread, so the next block is
    being staged while the last one waits for the writer (one waiting, one in the making)."""
    gc.disable()  # a short-lived process that only builds batches
    outbox: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=1)
    sender = threading.Thread(target=_send_all, args=(outbox, sending), daemon=True)
    sender.start()
    try:
        for batch in read.staged(share):
            outbox.put(("batch", batch))
        outbox.put(("done", None))
    except ArchiveError as err:
        outbox.put(("error", str(err)))
    except KeyboardInterrupt:
        return  # the writer stops too and reports it; the sending thread ends with the process
    except Exception as err:  # anything unexpected still ends as one readable line
        outbox.put(("error", f"can't read it: {type(err).__name__}: {err}"))
    sender.join()


def _send_all(outbox: queue.Queue[tuple[str, object]], sending: Connection) -> None:
    try:
        while True:
            kind, payload = outbox.get()
            if isinstance(payload, Staged):  # the image goes as raw bytes: no pickled copy
                sending.send((kind, dataclasses.replace(payload, image=b"")))
                sending.send_bytes(payload.image)
            else:
                sending.send((kind, payload))
            if kind != "batch":
                return
    except OSError:
        return  # the writer stopped first (it reports why) and ends this process
    finally:
        sending.close()


@contextmanager
def _gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
