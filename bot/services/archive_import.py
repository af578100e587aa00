"""`hashtag-bot import`: archive files into the Store, parsing beside the writer.

A reader process parses and stages batch N+1 (bot.sources.archive, bot.storage.staging) while
this process writes batch N, so on two cores the import runs at the speed of the slower half
instead of the sum of both. Small files, stdin, and platforms without fork are read in-process.
A reader watches this process and exits as soon as it is gone.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path

from bot.clock import utc_now
from bot.sources.archive import BATCH_POSTS, MAX_PROBLEMS_KEPT, ArchiveError, Problem, read_archive
from bot.sources.archive_input import GZIP_MAGIC, GZIP_RATIO, STDIN, shown_name
from bot.storage import Store
from bot.storage.staging import stage

READER_PROCESS_FROM_BYTES = 4 << 20  # below this a process costs more than it saves
MAX_READERS = 2  # with the writer that is three processes; more only adds contention
WATCH_WRITER_SECONDS = 0.2  # how often a reader checks that the writer is still there

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
    replaced: int = 0  # earlier versions of edited posts, left out or deleted
    pages: int = 0  # lines (or document items) that were X's
    bad_lines: int = 0  # not JSON, or not X's
    rejected: int = 0  # posts with a missing or wrongly typed field
    rejected_users: int = 0  # profiles the same (their posts are stored)
    problems: list[Problem] = field(default_factory=list)  # the first few
    error: str = ""
    interrupted: bool = False  # Ctrl-C: the caller stops too

    @property
    def skipped(self) -> int:
        return self.bad_lines + self.rejected + self.rejected_users

    @property
    def complete(self) -> bool:
        """Every line was read and stored (retweets and opted-out accounts aside)."""
        return not self.error and not self.interrupted and not self.skipped

    @property
    def name(self) -> str:
        """The file as the user named it ("stdin" for -)."""
        return shown_name(self.path)

    def summary(self) -> str:
        name = self.name
        if self.error:
            lines = [f"{name}: {self.error}"]
        else:
            parts = [
                f"{self.posts_read:,} posts read",
                f"{self.new_posts:,} stored new",
                f"{self.already_stored:,} already stored",
                f"{self.new_authors:,} new authors",
            ]
            if self.replaced:
                parts.append(_count(self.replaced, "earlier version") + " of edited posts replaced")
            for count, what, many in (
                (self.reposts, "retweet", ""),
                (self.opted_out, "post by an opted-out account", "posts by opted-out accounts"),
                (self.bad_lines, "unreadable line", ""),
                (self.rejected, "invalid post", ""),
                (self.rejected_users, "invalid profile", ""),
            ):
                if count:
                    parts.append(_count(count, what, many) + " skipped")
            lines = [f"{name}: " + ", ".join(parts)]
        lines += [
            f"  line {p.line}: {p.message}" if p.line else f"  {p.message}" for p in self.problems
        ]
        if self.skipped > len(self.problems):
            lines.append(f"  … and {self.skipped - len(self.problems):,} more")
        if self.skipped and not self.error:
            lines.append("  the rest is stored")
        return "\n".join(lines)


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


@dataclass(frozen=True)
class Staged:
    """One batch, staged (a database image), and what reading it found."""

    image: bytes
    posts_read: int
    pages: int
    reposts: int
    replaced: int
    bad_lines: int
    rejected: int
    rejected_users: int
    problems: list[Problem]
    superseded: list[str]
    bytes_read: int
    bytes_total: int
    ends_block: bool = True


# An archive's profiles are as old as the archive: live collection reads them again before it
# stores what their accounts post (see XSource), so their consent is checked live.
NOT_READ_LIVE = "1970-01-01T00:00:00+00:00"


def import_archive(
    store: Store,
    path: Path,
    *,
    include_reposts: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
    batch_posts: int = BATCH_POSTS,
    readers: int | None = None,
    superseded: set[str] | None = None,
) -> ImportReport:
    """Store every good post in one archive file; safe to repeat, since each post is stored once.

    `readers`: processes that parse and stage batches while this one writes (0: parse here;
    None: one per core when the file is big enough and the platform can fork cheaply).
    `superseded`: earlier versions of edited posts met so far (pass one set for several files,
    so an edit in one replaces an earlier version in another).
    """
    report = ImportReport(path)
    fetched_at = (now or utc_now()).isoformat()
    earlier = set() if superseded is None else superseded
    if readers is None or path == STDIN:
        readers = 0 if path == STDIN else _readers_worth_having(path)
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
                report.pages += batch.pages
                report.reposts += batch.reposts
                report.replaced += batch.replaced
                report.bad_lines += batch.bad_lines
                report.rejected += batch.rejected
                report.rejected_users += batch.rejected_users
                room = MAX_PROBLEMS_KEPT - len(report.problems)
                report.problems += batch.problems[: max(room, 0)]
                fresh = [i for i in batch.superseded if i not in earlier]
                if fresh:  # stored before, by collection or an earlier line: replaced now
                    earlier.update(fresh)
                    report.replaced += store.delete_posts(fresh)
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
    if earlier and not report.interrupted:
        # An earlier version that came after its edit (further on, or in another reader's
        # block) was stored meanwhile: only the latest version stays.
        report.replaced += store.delete_posts(sorted(earlier))
    if not report.error and not report.pages:
        report.error = f"no posts found: {shown_name(path)} is not an X archive" + (
            "" if report.skipped else " (it is empty)"
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
        earlier: set[str] = set()  # edits met by this reader: their earlier versions are left out
        for batch in read_archive(
            self.path,
            include_reposts=self.include_reposts,
            batch_posts=self.batch_posts,
            share=share,
        ):
            earlier.update(batch.superseded)
            posts = batch.posts
            if earlier:
                posts = [p for p in posts if p.id not in earlier]
            staged = Staged(
                stage(
                    posts, batch.authors.values(), self.fetched_at, profiles_read_at=NOT_READ_LIVE
                ),
                len(batch.posts) + batch.reposts + batch.rejected,
                batch.pages,
                batch.reposts,
                len(batch.posts) - len(posts),
                batch.bad_lines,
                batch.rejected,
                batch.rejected_users,
                batch.problems,
                batch.superseded,
                batch.bytes_read,
                batch.bytes_total,
                batch.ends_block,
            )
            batch.posts.clear()  # the image holds them now; don't keep both while it waits
            batch.authors.clear()
            yield staged


def _readers_worth_having(path: Path) -> int:
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            if file.read(2) == GZIP_MAGIC:
                size *= GZIP_RATIO
    except OSError:
        return 0  # read_archive says what is wrong with it
    big = size >= READER_PROCESS_FROM_BYTES
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
    writer = os.getpid()
    for mine in range(count):
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(
            target=_read_into,
            args=(sending, read, (mine, count), writer, [*pipes, receiving]),
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


def _read_into(
    sending: Connection,
    read: Reading,
    share: tuple[int, int],
    writer: int,
    inherited: list[Connection],
) -> None:
    """A reader process: stage blocks and hand them to a sending thread, so the next block is
    being staged while the last one waits for the writer (one waiting, one in the making)."""
    gc.disable()  # a short-lived process that only builds batches
    for end in inherited:  # the writer's ends of the pipes: only the writer may hold them open
        end.close()
    threading.Thread(target=_exit_without, args=(writer,), daemon=True).start()
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


def _exit_without(writer: int) -> None:
    """A reader works for one writer: once the writer is gone (killed, say), nobody will take
    what it reads, so it ends at once instead of parsing on to the end of the file."""
    while os.getppid() == writer:
        time.sleep(WATCH_WRITER_SECONDS)
    os._exit(1)


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
