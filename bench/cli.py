"""`hashtag-bot suggest "lung cancer"` end to end: a fresh process each time, as a person runs it.

Timed from fork to exit, interpreter start-up and imports included, against a database that
already exists (a person's second question, not their first). Python's compiled bytecode is
allowed and kept in a scratch folder, as an installed package has it. "Warm": the knowledge
base's compiled cache is in place; "cold": a home folder without it, so the YAML is read and
the cache written during the run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 15
COMMAND = [sys.executable, "-m", "bot", "suggest", "lung cancer"]


def _environment(workdir: Path, home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "X_", "MASTODON_", "BLUESKY_", "PYTHON"))
    }
    env.update(
        HOME=str(home),
        HASHTAG_BOT_DB=str(workdir / "suggest.db"),
        PYTHONPATH=str(ROOT),  # this checkout, whatever is installed
        PYTHONPYCACHEPREFIX=str(workdir / "pycache"),
    )
    return env


def _timed(env: dict[str, str], workdir: Path) -> float:
    started = time.perf_counter()
    subprocess.run(COMMAND, env=env, cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def end_to_end(runs: int = RUNS) -> tuple[list[float], list[float], float]:
    """(warm samples, cold samples, bare interpreter start-up) in milliseconds."""
    with tempfile.TemporaryDirectory(prefix="hashtag-bot-cli-") as scratch:
        workdir = Path(scratch)
        home = workdir / "home"
        home.mkdir()
        env = _environment(workdir, home)
        _timed(env, workdir)  # creates the database, the bytecode and the compiled cache
        warm = [_timed(env, workdir) for _ in range(runs)]
        cold = []
        for n in range(runs):
            empty = workdir / f"home-{n}"
            empty.mkdir()
            cold.append(_timed({**env, "HOME": str(empty)}, workdir))
        bare = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
            bare.append((time.perf_counter() - started) * 1000)
    return warm, cold, statistics.median(bare)


def run(quick: bool) -> list[dict[str, Any]]:
    warm, cold, bare = end_to_end(RUNS if not quick else 7)
    warm_p50 = statistics.median(warm)
    return [
        {
            "name": 'hashtag-bot suggest "lung cancer" end to end, compiled cache warm, median',
            "value": round(warm_p50),
            "unit": "ms",
            "target": "well under 300",
            "met": warm_p50 < 250,
        },
        {
            "name": "the same, fastest run (the machine at its quietest)",
            "value": round(min(warm)),
            "unit": "ms",
        },
        {
            "name": 'hashtag-bot suggest "lung cancer" end to end, compiled cache cold, median',
            "value": round(statistics.median(cold)),
            "unit": "ms",
        },
        {"name": "python3 -c pass on this machine, median", "value": round(bare), "unit": "ms"},
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']}: {row['value']} {row['unit']}")
