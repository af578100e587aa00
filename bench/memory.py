"""The bot's own peak memory while it builds 300 digest sections and checks alerts for 100 topics,
at the largest size; this version against the one an issue is measured against.

Each measurement is a fresh process, as `hashtag-bot run` is: it imports what `run` imports (the
Slack app, the web server, the scheduler), builds the services, builds every channel's digest
and its Slack messages (bench/digest.py's 100 channels × 3 topics) and then checks the alerts of
100 tracked topics (bench/alerts.py), as the scheduler's jobs do; posting to Slack is left out.
The figure is that process's own peak resident memory (VmHWM), not this one's, which imported
the corpus itself. Target: at most 150 MB.

Run: python3 -m bench.memory [--quick]
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.versions import Version, versions

TARGET_MB = 150
RUNS = 2


def own_peak_mb() -> float:
    """This process's own peak resident memory. Not ru_maxrss, which on Linux also counts the
    parent's resident memory at the fork that started the process (the benchmark's, holding a
    corpus: every child then read 222 MB), but VmHWM, this process's alone."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:  # not Linux: ru_maxrss (bytes there), which counts only this process
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def bot_process(database: str) -> dict[str, float]:
    """The measured process: what the bot's digest and alert jobs do, with what `run` imports."""
    import bot.scheduling
    import bot.server  # noqa: F401  (what `run` has imported by the time its jobs run)
    from bench.alerts import NOW as CHECKED_AT
    from bench.digest import NOW, channels
    from bot.config import Settings
    from bot.services import build_services
    from bot.services.alerts import alerter_for
    from bot.slack.alerts import alert_message
    from bot.slack.digest import digest_messages
    from bot.storage import Store

    imported = own_peak_mb()
    store = Store(database)
    services = build_services(Settings(), store, clock=lambda: NOW)
    started = time.perf_counter()
    digests = services.digester.for_channels(channels(), now=NOW)
    messages = [message for digest in digests.values() for message in digest_messages(digest)]
    digest_s = time.perf_counter() - started
    after_digests = own_peak_mb()
    del digests, messages
    started = time.perf_counter()
    check = alerter_for(services).check(CHECKED_AT)
    for found in check.alerts:
        alert_message(found)
    alert_s = time.perf_counter() - started
    store.close()
    return {
        "imported_mb": imported,
        "after_digests_mb": after_digests,
        "peak_mb": own_peak_mb(),
        "digest_s": digest_s,
        "alert_s": alert_s,
    }


def measure(version: Version, database: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.memory", "--bot", str(database)],
        env=version.environment(),
        cwd=version.workdir(),
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(quick: bool) -> list[dict[str, Any]]:
    from bench.alerts import track_topics
    from bench.suggest import database
    from bot.storage import Store

    n_posts = 100_000 if quick else 1_000_000
    path = database(n_posts)
    store = Store(path)
    try:
        track_topics(
            store
        )  # the 100 topics bench/alerts.py checks (tracking twice changes nothing)
    finally:
        store.close()
    found: dict[Version, list[dict[str, float]]] = {}
    with versions() as compared:
        for _ in range(RUNS):
            for version in compared:
                found.setdefault(version, []).append(measure(version, path))
    rows: list[dict[str, Any]] = []
    for version, runs in found.items():
        ours = version.name == "this version"
        label = "" if ours else f", {version.name}"
        peak = statistics.median(r["peak_mb"] for r in runs)
        rows += [
            {
                "name": f"peak RSS of the bot's process, 300 digest sections and alerts for 100"
                f" topics, {n_posts:,} posts{label}",
                "value": round(peak, 1),
                "unit": "MB",
                "target": f"<= {TARGET_MB}" if ours else "",
                "met": peak <= TARGET_MB if ours else None,
            },
            {
                "name": f"  of which imports (what `run` loads){label}",
                "value": round(statistics.median(r["imported_mb"] for r in runs), 1),
                "unit": "MB",
            },
            {
                "name": f"  digest build in that process{label}",
                "value": round(statistics.median(r["digest_s"] for r in runs), 2),
                "unit": "s",
            },
        ]
    for figure in rows:
        print(f"{figure['name']:<96} {figure['value']:>8} {figure['unit']}", file=sys.stderr)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--bot"]:
        print(json.dumps(bot_process(sys.argv[2])))
    else:
        run(quick="--quick" in sys.argv)
