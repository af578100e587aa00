"""`hashtag-bot suggest "lung cancer"` end to end: a fresh process each time, as a person runs it.

Timed from fork to exit, interpreter start-up and imports included, against a database that
already exists (a person's second question, not their first). Python's compiled bytecode is
allowed and kept in a scratch folder, as an installed package has it. "Warm": the knowledge
base's compiled cache is in place; "cold": a home folder without it, so the YAML is read and
the cache written during the run.

sqlite-utils imports numpy when it finds it installed (about 0.1 s). numpy is no dependency of
hashtag-bot, but other software put it on this machine, so each figure is also measured as a
clean install runs: numpy made unimportable (a stub that raises ImportError, as a missing
package does).
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


NO_NUMPY = 'raise ImportError("numpy is not installed with hashtag-bot")\n'


def _environment(workdir: Path, home: Path, *, clean: bool = False) -> dict[str, str]:
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
    if clean:
        stub = workdir / "clean" / "numpy"
        stub.mkdir(parents=True, exist_ok=True)
        (stub / "__init__.py").write_text(NO_NUMPY)
        env["PYTHONPATH"] += os.pathsep + str(stub.parent)
    return env


def _timed(env: dict[str, str], workdir: Path) -> float:
    started = time.perf_counter()
    subprocess.run(COMMAND, env=env, cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def end_to_end(runs: int = RUNS, *, clean: bool = False) -> tuple[list[float], list[float], float]:
    """(warm samples, cold samples, bare interpreter start-up) in milliseconds."""
    with tempfile.TemporaryDirectory(prefix="hashtag-bot-cli-") as scratch:
        workdir = Path(scratch)
        home = workdir / "home"
        home.mkdir()
        env = _environment(workdir, home, clean=clean)
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
    runs = 7 if quick else RUNS
    rows: list[dict[str, Any]] = []
    for clean, where in ((True, "clean install"), (False, "this machine, numpy installed")):
        warm, cold, bare = end_to_end(runs, clean=clean)
        warm_p50 = statistics.median(warm)
        command = f'hashtag-bot suggest "lung cancer" end to end, {where}'
        rows += [
            {
                "name": f"{command}, compiled cache warm, median",
                "value": round(warm_p50),
                "unit": "ms",
                "target": "well under 300" if clean else "",
                "met": warm_p50 < 250 if clean else None,
            },
            {"name": f"{command}, warm, fastest run", "value": round(min(warm)), "unit": "ms"},
            {
                "name": f"{command}, compiled cache cold, median",
                "value": round(statistics.median(cold)),
                "unit": "ms",
            },
        ]
    rows.append({"name": "python3 -c pass, median", "value": round(bare), "unit": "ms"})
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']}: {row['value']} {row['unit']}")
