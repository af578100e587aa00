"""Another version of the bot, measured in the same run: its `bot` package under this `bench`.

A suite that compares versions runs the same measurement, written once here in bench/, in child
processes whose PYTHONPATH puts this checkout's `bench` first and then one version's `bot`: this
one, or the version an issue is measured against, checked out for the run with `git worktree`
into a scratch folder and removed afterwards. Both run back to back on the same machine in the
same minutes, so a slow spell of the machine slows both.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The version issue 24 ("Fast at a million posts") is measured against. `python -m bench --against
# REV` measures against another, `--against ''` against none.
STARTING_VERSION = "427af39"
_against: str | None = STARTING_VERSION


@dataclass(frozen=True)
class Version:
    """A version of the bot to run the measurement with: its name in the figures and its code."""

    name: str  # "this version" or the commit's short id
    code: Path  # the folder holding its `bot` package

    def environment(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for a child process that imports this version's `bot` under this `bench`."""
        env = dict(os.environ if base is None else base)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(_bench_only()), str(self.code), *filter(None, [env.get("PYTHONPATH")])]
        )
        return env

    def workdir(self) -> Path:
        """Where to run the child: not a checkout, whose `bot` `python -m` would put first."""
        return _bench_only()


THIS = Version("this version", ROOT)


def measure_against(rev: str | None) -> None:
    """Set the version compared with (None or "" for none); `python -m bench --against`."""
    global _against
    _against = rev or None


@contextmanager
def versions() -> Iterator[list[Version]]:
    """This version, then the one compared with if there is one and git can check it out."""
    if _against is None:
        yield [THIS]
        return
    with checkout(_against) as other:
        yield [THIS] if other is None else [THIS, other]


@contextmanager
def checkout(rev: str) -> Iterator[Version | None]:
    """`rev` checked out (detached, nothing committed) for the length of the block; None, and a
    note on stderr, when it can't be."""
    scratch = Path(tempfile.mkdtemp(prefix="hashtag-bot-version-"))
    folder = scratch / rev.replace("/", "_")
    added = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(folder), rev],
        capture_output=True,
        text=True,
    )
    try:
        if added.returncode != 0:
            print(f"not measured against {rev}: {added.stderr.strip()}", flush=True)
            yield None
        else:
            yield Version(rev, folder)
    finally:
        if added.returncode == 0:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)],
                capture_output=True,
            )
        shutil.rmtree(scratch, ignore_errors=True)


_BENCH_ONLY: Path | None = None


def _bench_only() -> Path:
    """A folder holding nothing but a link to this `bench`, so a child finds this `bench` first
    and the `bot` of the version it runs next."""
    global _BENCH_ONLY
    if _BENCH_ONLY is None:
        _BENCH_ONLY = Path(tempfile.mkdtemp(prefix="hashtag-bot-bench-path-"))
        atexit.register(shutil.rmtree, _BENCH_ONLY, ignore_errors=True)
        (_BENCH_ONLY / "bench").symlink_to(ROOT / "bench", target_is_directory=True)
    return _BENCH_ONLY
