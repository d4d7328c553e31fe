"""The package's rooms: which top-level modules there are, and no import circle among modules.

Every import statement counts, at module level or inside a function (read with ``ast``, nothing
is imported). ``from X import a`` is an import of the module ``X.a`` when that is one, else of
``X``; the implicit import of a module's parent packages is not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pimalign"
TOP_LEVEL = {"__init__.py", "__main__.py", "alphabet.py", "interrupt.py"}


def module_files() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["pimalign", *path.relative_to(PACKAGE).with_suffix("").parts]
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def import_graph(files: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                mod = ".".join(base + ([node.module] if node.module else []))
                targets.update(f"{mod}.{a.name}" if f"{mod}.{a.name}" in files else mod
                               for a in node.names)  # fmt: skip
        graph[name] = set()
        for t in targets:
            while t and t not in files:  # a name inside a module: that module
                t = t.rpartition(".")[0]
            if t and t != name:
                graph[name].add(t)
    return graph


def circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle (its modules in order, the first repeated last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(v):
        state[v] = 1
        path.append(v)
        for w in sorted(graph[v]):
            if state.get(w) == 1:
                return path[path.index(w) :] + [w]
            if w not in state and (found := visit(w)):
                return found
        state[v] = 2
        path.pop()
        return None

    for v in sorted(graph):
        if v not in state and (found := visit(v)):
            return found
    return None


def test_top_level_holds_only_the_face_the_encoding_and_the_signals():
    assert {p.name for p in PACKAGE.glob("*.py")} == TOP_LEVEL


def test_no_import_circle_among_modules():
    graph = import_graph(module_files())
    assert graph["pimalign.alphabet"] and graph["pimalign.cli.main"]  # the walk sees imports
    assert circle(graph) is None, " -> ".join(circle(graph))


def test_the_circle_finder_finds_one():
    assert circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert circle({"a": {"b"}, "b": set()}) is None
