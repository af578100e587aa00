"""`python -m bot.knowledge [--audit]`: check the data files and print what they hold."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from bot.knowledge.audit import audit_lines
from bot.knowledge.loader import read_knowledge

parser = argparse.ArgumentParser(prog="python -m bot.knowledge", description=__doc__)
parser.add_argument(
    "--audit", action="store_true", help="what the facts rest on, and the unverified tags"
)
args = parser.parse_args()

kb, problems = read_knowledge()
areas = Counter(c.area for c in kb.conditions.values())
print(
    f"{len(kb.conditions)} conditions: " + ", ".join(f"{a} {n}" for a, n in sorted(areas.items()))
)
tags = sum(len(c.tags) for c in kb.conditions.values())
print(
    f"{tags} condition tags, {len(kb.awareness)} awareness events, "
    f"{len(kb.conferences)} conferences, {len(kb.general)} general tags"
)
if args.audit:
    print("\n".join(audit_lines(kb)))
for problem in problems:
    print("PROBLEM", problem)
sys.exit(1 if problems else 0)
