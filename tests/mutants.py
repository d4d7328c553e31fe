"""Seeded mutation testing: how many small plausible bugs the tests of a module catch.

    python tests/mutants.py pimalign/mapper/pairing.py [more modules] [--sample 40] [--seed 1]

Each mutant changes one operator or number on one line of the module (``<`` <-> ``<=``,
``>`` <-> ``>=``, ``==`` <-> ``!=``, ``+`` <-> ``-``, ``*`` -> ``//``, ``and`` <-> ``or``, ``not x``
-> ``x``, ``-x`` -> ``x``, an int ``n`` -> ``n + 1`` and ``n - 1``, ``+=`` <-> ``-=``), in a copy of
the repository (``--workdir``, made once), and runs the module's test files (``TESTS`` below, or
``--tests``) with ``pytest -x``: the mutant is killed when they fail. Lines marked
``# no mutate`` and docstrings are left alone. A module holding Numba kernels runs each mutant
with a fresh Numba cache (a cached caller in another file would keep the unmutated code), so
its mutants cost a compile each; pure-Python modules share one cache.

Prints one line per survivor (``file:line: original -> mutant``) and a table of scores; the
sample is drawn from all mutants of each module with ``--seed``.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TESTS = {
    "pimalign/mapper/candidates.py": [
        "tests/test_candidates.py",
        "tests/test_mapq.py",
        "tests/test_golden.py",
    ],
    "pimalign/mapper/pairing.py": [
        "tests/test_pairing.py",
        "tests/test_mapq.py",
        "tests/test_golden.py",
        "tests/test_parity.py",
    ],
    "pimalign/io/atomic.py": ["tests/test_atomic.py", "tests/test_output_paths.py"],
    "pimalign/io/reads.py": ["tests/test_reads.py"],
    "pimalign/kernels/packed.py": ["tests/test_packed.py", "tests/test_golden.py"],
    "pimalign/kernels/samtext.py": ["tests/test_golden.py", "tests/test_mapper.py"],
    "pimalign/kernels/scoring.py": ["tests/test_golden.py", "tests/test_affine.py"],
    "pimalign/kernels/edit.py": ["tests/test_band_exhaustive.py", "tests/test_edit.py"],
    "pimalign/pim/model.py": ["tests/test_pim.py", "tests/test_pim_bounds.py"],
}

SWAP_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
            ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}  # fmt: skip
SWAP_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv}


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                lines.update(range(value.lineno, value.end_lineno + 1))
    return lines


def _variants(node: ast.AST):
    """Mutated copies of ``node`` (each differing in one operator or number)."""
    import copy

    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in SWAP_CMP:
                new = copy.deepcopy(node)
                new.ops[i] = SWAP_CMP[type(op)]()
                yield new
    elif isinstance(node, ast.BinOp) and type(node.op) in SWAP_BIN:
        new = copy.deepcopy(node)
        new.op = SWAP_BIN[type(node.op)]()
        yield new
    elif isinstance(node, ast.AugAssign) and type(node.op) in (ast.Add, ast.Sub):
        new = copy.deepcopy(node)
        new.op = SWAP_BIN[type(node.op)]()
        yield new
    elif isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield new
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        yield copy.deepcopy(node.operand)
    elif (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    ):
        for delta in (1, -1):
            yield ast.Constant(node.value + delta)


def mutants(source: str) -> list[tuple[int, str, str]]:
    """``(line, original line, mutated line)`` of every single-line mutant of ``source``."""
    tree = ast.parse(source)
    lines = source.splitlines()
    skip = _docstring_lines(tree)
    out = []
    for node in ast.walk(tree):
        if not hasattr(node, "lineno") or node.lineno != node.end_lineno or node.lineno in skip:
            continue
        text = lines[node.lineno - 1]
        if "# no mutate" in text or text.lstrip().startswith(("@", "def ", "class ")):
            continue
        a, b = node.col_offset, node.end_col_offset
        for new in _variants(node):
            piece = ast.unparse(new)
            if not isinstance(node, (ast.AugAssign, ast.Constant)):
                piece = f"({piece})"  # the operator's precedence may differ
            mutated = text[:a] + piece + text[b:]
            if mutated != text and _compiles(lines, node.lineno, mutated):
                out.append((node.lineno, text, mutated))
    return out


def _compiles(lines: list[str], line: int, mutated: str) -> bool:
    """Whether the module still parses with ``line`` replaced (positions inside f-strings can
    point elsewhere)."""
    try:
        ast.parse("\n".join(lines[: line - 1] + [mutated] + lines[line:]))
    except SyntaxError:
        return False
    return True


def has_kernels(source: str) -> bool:
    return "@njit" in source or "register_jitable" in source or "cuda.jit" in source


def copy_repository(workdir: str) -> str:
    """A copy of what the tests need (package, tests, data, workflow) under ``workdir``."""
    dest = os.path.join(workdir, "repo")
    if not os.path.isdir(dest):
        for part in ("pimalign", "tests", "data", "workflow", "pyproject.toml"):
            src = os.path.join(ROOT, part)
            ignore = shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc")
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(dest, part), ignore=ignore)
            else:
                shutil.copy(src, os.path.join(dest, part))
    return dest


def run_tests(repo: str, tests: list[str], cache: str, timeout: float) -> str:
    """``killed``, ``survived`` or ``timeout`` for the tests as the repository copy stands."""
    env = dict(os.environ, PYTHONPATH=repo, NUMBA_CACHE_DIR=cache)
    argv = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    try:
        res = subprocess.run(argv, cwd=repo, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    return "survived" if res.returncode == 0 else "killed"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("modules", nargs="+", help="module files, relative to the repository")
    ap.add_argument("--tests", nargs="*", help="test files (default: the module's in TESTS)")
    ap.add_argument("--sample", type=int, default=40, help="mutants per module (0: all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "pimalign-mutants"))
    args = ap.parse_args(argv)
    repo = copy_repository(args.workdir)
    shared_cache = os.path.join(args.workdir, "numba-cache")
    rows = []
    for module in args.modules:
        tests = args.tests or TESTS.get(module)
        if not tests:
            print(f"{module}: no test files known; give --tests", file=sys.stderr)
            return 2
        path = os.path.join(repo, module)
        with open(path) as fh:
            original = fh.read()
        kernels = has_kernels(original)
        start = time.time()
        baseline = run_tests(repo, tests, shared_cache, 3600)
        if baseline != "survived":
            print(
                f"{module}: the unmutated tests fail ({baseline}); fix them first", file=sys.stderr
            )
            return 1
        limit = 3 * (time.time() - start) + (120 if kernels else 30)
        found = mutants(original)
        chosen = random.Random(args.seed).sample(found, min(len(found), args.sample or len(found)))
        lines = original.splitlines(keepends=True)
        counts = {"killed": 0, "survived": 0, "timeout": 0}
        try:
            for line, old, new in sorted(chosen):
                edited = lines.copy()
                edited[line - 1] = new + "\n"
                with open(path, "w") as fh:
                    fh.write("".join(edited))
                if kernels:
                    cache = tempfile.mkdtemp(prefix="cache-", dir=args.workdir)
                    outcome = run_tests(repo, tests, cache, limit)
                    shutil.rmtree(cache, ignore_errors=True)
                else:
                    outcome = run_tests(repo, tests, shared_cache, limit)
                counts[outcome] += 1
                if outcome == "survived":
                    print(f"{module}:{line}: {old.strip()}  ->  {new.strip()}", flush=True)
        finally:
            with open(path, "w") as fh:
                fh.write(original)
        done = sum(counts.values())
        score = (counts["killed"] + counts["timeout"]) / max(done, 1)
        rows.append((module, len(found), done, counts["killed"], counts["timeout"], score))
    print("\n| module | mutants | run | killed | timeout | score |\n|---|---|---|---|---|---|")
    for module, total, done, killed, timeout, score in rows:
        print(f"| {module} | {total} | {done} | {killed} | {timeout} | {score:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
