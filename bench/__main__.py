"""`python -m bench [--quick] [--json] [--only NAME ...] [--against REV] [--profile]`: every figure
with its unit and target; suites that compare versions also measure REV (bench/versions.py)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import sys
import time
from typing import Any

from bench import slack_ack, versions

SUITES = (
    "suggest",
    "cli",
    "ingest",
    "x_spend",
    "slack_ack",
    "digest",
    "alerts",
    "memory",
    "census",
)


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| figure | value | unit | target | met |", "|---|---:|---|---|---|"]
    for row in rows:
        value = row["value"]
        shown = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
        met = {True: "yes", False: "**no**", None: ""}[row.get("met")]
        lines.append(
            f"| {row['name']} | {shown} | {row['unit']} | {row.get('target', '')} | {met} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="stop at 100k posts")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--only", nargs="*", choices=SUITES, help="run only these suites")
    parser.add_argument(
        "--against",
        default=versions.STARTING_VERSION,
        metavar="REV",
        help="the version measured beside this one (default: %(default)s; '' for none)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="slack_ack: where the bot's CPU goes per request (needs py-spy: the bench extra)",
    )
    args = parser.parse_args()
    versions.measure_against(args.against)
    slack_ack.profile_rounds(args.profile)
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for name in args.only or SUITES:
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name}…", file=sys.stderr, flush=True)
        rows += module.run(quick=args.quick)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(  # the bot's own processes are measured apart: memory, slack_ack, ingest
        {
            "name": "peak RSS of the benchmark's own process (it imports the corpus itself)",
            "value": round(peak_mb, 1),
            "unit": "MB",
        }
    )
    report = {
        "machine": machine(),
        "quick": args.quick,
        "seconds": round(time.perf_counter() - started, 1),
        "figures": rows,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"Machine: {report['machine']}\n")
        print(table(rows))
        print(f"\n{report['seconds']} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
