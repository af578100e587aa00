"""`python -m bot.knowledge`: check the data files and print what they hold."""

from __future__ import annotations

import sys
from collections import Counter

from bot.knowledge.loader import read_knowledge

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
for problem in problems:
    print("PROBLEM", problem)
sys.exit(1 if problems else 0)
