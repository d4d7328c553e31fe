"""Start-up benchmark: what a first run costs (Numba compiling) against a second (cache loads).

Each command runs twice with a fresh, empty ``NUMBA_CACHE_DIR``: the first run compiles every
kernel it calls (and is timed while a Numba event listener records each compilation: seconds,
type signature, ``parallel=True`` or not), the second loads them from that cache. Then
``--help`` and ``--version``. Every command runs in its own temporary folder on copies of the
bundled demo data; both runs' outputs are checked to be equal (BAM records without ``@PG``,
editdist TSV lines, the estimate's JSON keys).

The compile table gives, for each kernel Numba compiled (entry points and the functions they
call), the signatures compiled, the seconds with the functions it called excluded ("self") and
included (for a top-level entry point: what calling it the first time costs), and which of the
commands compiled it.

Usage:
    python benchmarks/bench_startup.py [--python PY] [--pimalign EXE] [--commands align,editdist,
        estimate] [--out benchmarks/results/startup.md]

``--python`` is the interpreter whose pimalign is measured (a fresh ``pip install .`` venv is the
issue's setting; default: this one). With ``--shared-cache`` the runs use the install's own
cache location instead of a fresh folder (clear it first to measure a first run).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "data")

COMMANDS = {
    "align": [
        "align",
        "demo_ref.fa.gz",
        "demo_R1.fq.gz",
        "demo_R2.fq.gz",
        "-o",
        "out.bam",
        "-t",
        "2",
    ],
    "editdist": ["editdist", "pairs_reads_demo.tsv.gz", "-o", "out.tsv"],
    "estimate": ["pim", "estimate", "--pairs", "pairs_reads_demo.tsv.gz", "--json", "out.json"],
}
OUTPUT = {"align": "out.bam", "editdist": "out.tsv", "estimate": "out.json"}


def child(events_path: str, argv: list[str]) -> int:
    """Run ``pimalign argv`` in this process, recording every Numba compilation."""
    from numba.core import event

    records: list[dict] = []
    stack: list[list] = []

    class Recorder(event.Listener):
        def on_start(self, ev):
            stack.append([time.perf_counter(), 0.0])

        def on_end(self, ev):
            start, children = stack.pop()
            took = time.perf_counter() - start
            if stack:
                stack[-1][1] += took
            disp = ev.data["dispatcher"]
            py = disp.py_func
            records.append(
                {
                    "name": f"{py.__module__}.{py.__qualname__}",
                    "sig": str(tuple(ev.data["args"])),
                    "total": took,
                    "self": took - children,
                    "depth": len(stack),
                    "parallel": bool(disp.targetoptions.get("parallel")),
                }
            )

    event.register("numba:compile", Recorder())
    from pimalign.cli.main import main

    code = 1
    try:
        code = main(argv)
    finally:
        with open(events_path, "w") as fh:
            json.dump(records, fh)
    return code


def run(cmd: list[str], cwd: str, env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return wall, proc.stderr


def output_text(path: str) -> str:
    """What must stay identical: BAM records and header without @PG; text otherwise."""
    if path.endswith(".bam"):
        import pysam

        with pysam.AlignmentFile(path, "rb") as bam:
            header = [ln for ln in str(bam.header).splitlines() if not ln.startswith("@PG")]
            return "\n".join(header + [rec.to_string() for rec in bam])
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as fh:
        return fh.read()


def measure(name: str, python: str, exe: list[str], shared: bool, keep: str | None) -> dict:
    work = tempfile.mkdtemp(prefix=f"startup-{name}-")
    cache = os.path.join(work, "numba-cache")
    env = dict(os.environ)
    env.pop("NUMBA_CACHE_DIR", None)
    if not shared:
        os.makedirs(cache)
        env["NUMBA_CACHE_DIR"] = cache
    for f in os.listdir(DATA):
        if f.endswith(".gz"):
            shutil.copy(os.path.join(DATA, f), work)
    argv = COMMANDS[name]
    events = os.path.join(work, "events.json")
    me = os.path.abspath(__file__)
    first, err1 = run([python, me, "--child", events, "--", *argv], work, env)
    out1 = output_text(os.path.join(work, OUTPUT[name]))
    second, err2 = run([*exe, *argv], work, env)
    out2 = output_text(os.path.join(work, OUTPUT[name]))
    if name != "estimate" and out1 != out2:
        raise RuntimeError(f"{name}: the second run's output differs from the first's")
    if keep:
        shutil.copy(os.path.join(work, OUTPUT[name]), os.path.join(keep, f"{name}.{OUTPUT[name]}"))
    with open(events) as fh:
        records = json.load(fh)
    said = "compiling kernels" in err1, "compiling kernels" in err2
    shutil.rmtree(work, ignore_errors=True)
    return {"first": first, "second": second, "records": records, "said": said}


def tiny(exe: list[str], args: list[str], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([*exe, *args], capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def table(results: dict) -> list[str]:
    kernels: dict[str, dict] = {}
    seen: set[tuple[str, str]] = set()
    for cmd, res in results.items():
        for r in res["records"]:
            k = kernels.setdefault(
                r["name"],
                {"sigs": set(), "self": 0.0, "top": 0.0, "par": r["parallel"], "cmds": []},
            )
            if cmd not in k["cmds"]:
                k["cmds"].append(cmd)
            if (r["name"], r["sig"]) in seen:
                continue  # compiled again by another command (its own fresh cache): once here
            seen.add((r["name"], r["sig"]))
            k["sigs"].add(r["sig"])
            k["self"] += r["self"]
            if r["depth"] == 0:
                k["top"] += r["total"]
    lines = [
        "| kernel | signatures | parallel | self s | entry-point s (callees included) "
        "| compiled by |",
        "|---|---|---|---|---|---|",
    ]
    order = sorted(kernels.items(), key=lambda kv: -kv[1]["self"])
    for name, k in order:
        top = f"{k['top']:.2f}" if k["top"] else "-"
        lines.append(
            f"| `{name.removeprefix('pimalign.')}` | {len(k['sigs'])} | "
            f"{'yes' if k['par'] else ''} | {k['self']:.2f} | {top} | {', '.join(k['cmds'])} |"
        )
    total = sum(k["self"] for k in kernels.values())
    sigs = sum(len(k["sigs"]) for k in kernels.values())
    lines.append(f"| **all ({len(kernels)} functions)** | {sigs} | | {total:.2f} | | |")
    return lines


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        return child(sys.argv[2], sys.argv[4:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", default=sys.executable, help="interpreter whose pimalign runs")
    ap.add_argument("--pimalign", help="the pimalign program (default: beside --python)")
    ap.add_argument("--commands", default="align,editdist,estimate")
    ap.add_argument("--shared-cache", action="store_true", help="the install's own cache")
    ap.add_argument("--keep", help="copy each command's output into this folder")
    ap.add_argument("--out", help="write the markdown here (default: print it)")
    args = ap.parse_args()
    exe = [args.pimalign or os.path.join(os.path.dirname(args.python), "pimalign")]
    if not os.path.exists(exe[0]):
        exe = [args.python, "-m", "pimalign"]
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    results = {}
    for name in args.commands.split(","):
        results[name] = measure(name, args.python, exe, args.shared_cache, args.keep)
        r = results[name]
        print(f"{name}: first {r['first']:.2f} s, second {r['second']:.2f} s", file=sys.stderr)
    version = subprocess.run(
        [*exe, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    lines = [
        f"# Start-up: first run (fresh Numba cache) and second run, {version}",
        "",
        f"`python benchmarks/bench_startup.py` on {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores, interpreter `{args.python}`; wall seconds of the whole "
        "command, the bundled demo (2,000 pairs).",
        "",
        "| command | first run s | second run s | first / second | said 'compiling' (1st, 2nd) |",
        "|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| `pimalign {' '.join(COMMANDS[name])}` | {r['first']:.2f} | {r['second']:.2f} | "
            f"{r['first'] / r['second']:.1f}x | {'yes' if r['said'][0] else 'no'}, "
            f"{'yes' if r['said'][1] else 'no'} |"
        )
    for flag in ("--help", "--version"):
        lines.append(f"| `pimalign {flag}` (best of 5) | {tiny(exe, [flag]):.3f} | | | |")
    lines += ["", "Numba compilations of the first runs:", "", *table(results), ""]
    text = "\n".join(lines)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
