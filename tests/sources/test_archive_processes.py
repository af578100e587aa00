"""`hashtag-bot import` as people run it: a real process with its reader processes, killed."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sources.standins_x import tweet, x_user

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds reader processes through /proc"
)


def _big_archive(path: Path, pages: int = 1_200) -> Path:
    users = [x_user(u, "patient advocate #LCSM") for u in range(50)]
    with path.open("w", encoding="utf-8") as out:
        for n in range(pages):
            tweets = [
                tweet(n * 100 + i, f"#LCSM #LungCancer post {n * 100 + i}", user=i % 50)
                for i in range(100)
            ]
            page = {"data": tweets, "includes": {"users": users}, "meta": {"result_count": 100}}
            out.write(json.dumps(page) + "\n")
    return path


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running still (an exited process waiting to be reaped by init is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HASHTAG_BOT_DB": str(tmp_path / "bot.db"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }


def test_a_gzipped_archive_piped_to_stdin_is_imported(tmp_path: Path) -> None:
    archive = _big_archive(tmp_path / "small.jsonl", pages=3)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", "-"],
        input=gzip.compress(archive.read_bytes()),
        env=_env(tmp_path),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert b"stdin: 300 posts read, 300 stored new" in done.stdout


def test_killing_the_writer_leaves_no_reader_running(tmp_path: Path) -> None:
    archive = _big_archive(tmp_path / "big.jsonl")
    env = _env(tmp_path)
    writer = subprocess.Popen(
        [sys.executable, "-m", "bot", "import", str(archive)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    readers: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while len(readers) < 2 and writer.poll() is None and time.monotonic() < deadline:
            readers = [pid for pid in _children(writer.pid) if _alive(pid)]
            time.sleep(0.01)
        assert len(readers) == 2, "the import should read a file this big in two reader processes"
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in readers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in readers if _alive(pid)] == []
    finally:
        if writer.poll() is None:
            writer.kill()
        for pid in readers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
