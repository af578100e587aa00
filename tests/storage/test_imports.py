"""Storage's modules import one way: no module of bot/storage reaches itself through others (an
import circle breaks as soon as someone imports the modules in another order), and migrations,
frozen history, import nothing of the bot at all."""

from __future__ import annotations

import ast
from pathlib import Path

STORAGE = Path(__file__).resolve().parents[2] / "bot" / "storage"


def imported(path: Path) -> set[str]:
    """The bot modules a storage module imports when it runs (not those only a type checker
    reads, under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checking_only = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
        for statement in branch.body
        for node in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in checking_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if not node.level else f"bot.storage.{node.module}"
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "bot" or name.startswith("bot.")}


def storage_imports() -> dict[str, set[str]]:
    """Each storage module and the storage modules it imports."""
    modules = {f"bot.storage.{path.stem}": path for path in STORAGE.glob("*.py")}
    modules["bot.storage"] = modules.pop("bot.storage.__init__")
    return {
        name: {other for other in imported(path) if other in modules and other != name}
        for name, path in modules.items()
    }


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every path from a module back to itself, found by walking imports depth first."""
    found = []
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            module, path = stack.pop()
            for other in sorted(edges[module]):
                if other == start:
                    found.append([*path, start])
                elif other not in path and other > start:  # each circle once, from its least
                    stack.append((other, [*path, other]))
    return found


def test_no_storage_module_imports_itself_through_others() -> None:
    edges = storage_imports()
    assert "bot.storage.connection" in edges and edges["bot.storage.store"]
    assert circles(edges) == []


def test_the_check_finds_a_circle_when_there_is_one() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(edges) == [["a", "b", "c", "a"]]


def test_migrations_import_nothing_of_the_bot() -> None:
    assert imported(STORAGE / "migrations.py") == set()
