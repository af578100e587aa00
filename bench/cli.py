"""`hashtag-bot suggest "lung cancer"` end to end: a fresh process each time, as a person runs it;
this version against the one an issue is measured against, and a bare Python start, in turn.

Timed from fork to exit, interpreter start-up and imports included. Python's compiled bytecode is
allowed and kept in a scratch folder, as an installed package has it. Each sample runs every
command once in turn (each version, each case, `python3 -c pass`), so a slow spell of the
machine slows all of them alike; the figures are medians. The cases:

- a database that exists but holds no posts (a person's second question on a new install), with
  the knowledge base's compiled cache in place ("warm") or not ("cold": an empty home folder, so
  the YAML is read and the cache written during the run);
- the corpus database at the largest size, asked on the day its co-occurrence window ends
  (`--as-of`), as on a database a running bot keeps (it rolls the window each day);
- the same database asked days later, a window nobody rolled: every answer sums 30 days of
  co-occurrence rows instead.

sqlite-utils imports numpy when it finds it installed (about 0.1 s). numpy is no dependency of
hashtag-bot, but other software put it on this machine, so each case is measured as a clean
install runs (numpy made unimportable: a stub that raises ImportError, as a missing package
does), and the warm case as this machine runs it too. Target (issue 24): a clean install answers
within 6× a bare Python start, measured in the same run.
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

from bench.suggest import TODAY
from bench.versions import Version, versions

RUNS = 15
COMMAND = [sys.executable, "-m", "bot", "suggest", "lung cancer"]
BARE = [sys.executable, "-c", "pass"]
TARGET_RATIO = 6.0
NO_NUMPY = 'raise ImportError("numpy is not installed with hashtag-bot")\n'
TARGETED = {"empty database, warm", "corpus, as of its window's day"}  # this version's, clean


def _environment(version: Version, workdir: Path, *, clean: bool) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "X_", "MASTODON_", "BLUESKY_", "PYTHON", "HASHTAG_BOT_"))
    }
    env.update(
        HOME=str(workdir / "home"),
        HASHTAG_BOT_DB=str(workdir / "suggest.db"),
        PYTHONPYCACHEPREFIX=str(workdir / "pycache"),
    )
    env = version.environment(env)
    if clean:
        stub = workdir / "clean" / "numpy"
        stub.mkdir(parents=True, exist_ok=True)
        (stub / "__init__.py").write_text(NO_NUMPY)
        env["PYTHONPATH"] += os.pathsep + str(stub.parent)
    return env


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def cases(
    version: Version, workdir: Path, corpus: Path
) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each case's command and environment for this version; the cold case gets a new home
    folder each time it runs (see `run`)."""
    workdir.mkdir(parents=True)
    (workdir / "home").mkdir()
    clean = _environment(version, workdir, clean=True)
    as_installed = _environment(version, workdir, clean=False)
    at_corpus = {**clean, "HASHTAG_BOT_DB": str(corpus)}
    return {
        "empty database, warm": (COMMAND, clean),
        "empty database, cold": (COMMAND, clean),
        "corpus, as of its window's day": ([*COMMAND, "--as-of", TODAY.isoformat()], at_corpus),
        "corpus, a window nobody rolled": (COMMAND, at_corpus),
        "empty database, warm, numpy installed": (COMMAND, as_installed),
    }


def run(quick: bool) -> list[dict[str, Any]]:
    from bench.suggest import database

    runs = 7 if quick else RUNS
    n_posts = 100_000 if quick else 1_000_000
    corpus = database(n_posts)
    samples: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="hashtag-bot-cli-") as scratch, versions() as compared:
        planned = {
            version.name: cases(version, Path(scratch) / f"v{n}", corpus)
            for n, version in enumerate(compared)
        }
        workdir = Path(scratch)
        bare_env = _environment(compared[0], workdir / "v0", clean=True)
        for by_case in planned.values():  # creates the database, the bytecode and the cache
            for command, env in by_case.values():
                _timed(command, env, workdir)
        for n in range(runs):
            samples.setdefault(("bare", ""), []).append(_timed(BARE, bare_env, workdir))
            for name, by_case in planned.items():
                for case, (command, env) in by_case.items():
                    if case.endswith("cold"):
                        home = workdir / f"home-{name}-{n}".replace(" ", "-")
                        home.mkdir()
                        env = {**env, "HOME": str(home)}
                    samples.setdefault((name, case), []).append(_timed(command, env, workdir))
    bare = statistics.median(samples[("bare", "")])
    rows: list[dict[str, Any]] = [
        {"name": "python3 -c pass, median", "value": round(bare), "unit": "ms"}
    ]
    for (name, case), values in samples.items():
        if name == "bare":
            continue
        ours = name == "this version"
        label = f"{case.replace('corpus', f'{n_posts:,} posts')}" + ("" if ours else f", {name}")
        median = statistics.median(values)
        rows.append(
            {
                "name": f'hashtag-bot suggest "lung cancer" end to end, {label}, median',
                "value": round(median),
                "unit": "ms",
            }
        )
        if "numpy" in case or "cold" in case or "nobody" in case:
            continue
        ratio = median / bare
        target = ours and case in TARGETED
        rows.append(
            {
                "name": f"  the same, to a bare Python start (clean install), {label}",
                "value": round(ratio, 2),
                "unit": "×",
                "target": f"<= {TARGET_RATIO:g}" if target else "",
                "met": ratio <= TARGET_RATIO if target else None,
            }
        )
        if ours and case == "empty database, warm":
            rows.append(
                {
                    "name": f"  the same, fastest run, {label}",
                    "value": round(min(values)),
                    "unit": "ms",
                }
            )
    for figure in rows:
        print(f"{figure['name']:<100} {figure['value']:>8} {figure['unit']}", file=sys.stderr)
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']}: {row['value']} {row['unit']}")
