"""Edit-distance throughput of pimalign against edlib, rapidfuzz, pywfa and parasail, in one run.

    python benchmarks/bench_editdist.py PAIRS.tsv[.gz] [...] [--threads 2] [--repeats 3]
        [--out t.md]

Every tool runs on the same pairs in the same process, alternating, and the median of the repeats
is kept. Every tool's distances (and CIGAR costs) are checked against pimalign's, so a run is also a
correctness run. pimalign is timed twice: from Python strings (encoding included, like the peers'
calls) and on pre-encoded arrays (the kernel alone). JIT compilation is excluded from the tables
and reported separately: a cold start of `pimalign editdist` on one pair with a warm cache.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time

import pimalign
from pimalign.alphabet import encode_many
from pimalign.editdist.api import batch_encoded


def load_pairs(path: str, limit: int) -> tuple[list[str], list[str]]:
    opener = gzip.open if path.endswith(".gz") else open
    queries, targets = [], []
    with opener(path, "rt") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            queries.append(fields[-2])
            targets.append(fields[-1])
            if len(queries) >= limit:
                break
    return queries, targets


def cigar_cost(cigar: str) -> int:
    import re

    return sum(int(n) for n, op in re.findall(r"(\d+)([XIDM=])", cigar) if op in "XID")


def peers(queries, targets, mode, task, threads):
    """Yield (name, callable returning distances) for every installed peer of (mode, task)."""
    try:
        import edlib

        if task == "distance":
            yield (
                "edlib",
                lambda: [
                    edlib.align(q, t, mode=mode)["editDistance"] for q, t in zip(queries, targets)
                ],
            )
        else:
            yield (
                "edlib path",
                lambda: [
                    cigar_cost(edlib.align(q, t, mode=mode, task="path")["cigar"])
                    for q, t in zip(queries, targets)
                ],
            )
    except ImportError:
        pass
    if mode == "NW":
        try:
            from rapidfuzz import process
            from rapidfuzz.distance import Levenshtein

            if task == "distance":
                yield (
                    f"rapidfuzz cpdist workers={threads}",
                    lambda: process.cpdist(
                        queries, targets, scorer=Levenshtein.distance, workers=threads
                    ).tolist(),
                )
                yield (
                    "rapidfuzz distance loop",
                    lambda: [Levenshtein.distance(q, t) for q, t in zip(queries, targets)],
                )
            else:
                yield (
                    "rapidfuzz editops",
                    lambda: [len(Levenshtein.editops(q, t)) for q, t in zip(queries, targets)],
                )
        except ImportError:
            pass
    try:
        from pywfa import WavefrontAligner

        scope = "score" if task == "distance" else "full"
        if mode == "NW":
            aligner = WavefrontAligner(distance="levenshtein", span="end-to-end", scope=scope)
        else:
            free = min(len(t) for t in targets)
            aligner = WavefrontAligner(
                distance="levenshtein",
                span="ends-free",
                scope=scope,
                pattern_begin_free=0,
                pattern_end_free=0,
                text_begin_free=free,
                text_end_free=free,
            )

        def run_wfa():
            out = []
            for q, t in zip(queries, targets):
                aligner.wavefront_align(t, q)
                out.append(abs(aligner.score))
            return out

        yield f"pywfa {'score' if task == 'distance' else 'CIGAR'}", run_wfa
    except ImportError:
        pass
    if mode == "NW" and task == "path":
        try:
            import parasail

            matrix = parasail.matrix_create("ACGTN", 0, -1)

            def run_parasail():
                return [
                    -parasail.nw_trace_scan_16(q, t, 1, 1, matrix).score
                    for q, t in zip(queries, targets)
                ]

            yield "parasail nw_trace_scan_16", run_parasail
        except ImportError:
            pass


def timed(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def cold_start_seconds() -> float:
    """Wall time of `pimalign editdist` on one pair in a fresh process (cache already warm)."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as handle:
        handle.write("ACGTACGT\tACGTTCGT\n")
    cmd = [sys.executable, "-m", "pimalign", "editdist", handle.name, "--task", "path"]
    subprocess.run(cmd, capture_output=True, check=True)  # fills the cache if needed
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True)
    elapsed = time.perf_counter() - start
    os.unlink(handle.name)
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "pairs",
        nargs="*",
        default=[os.path.join(os.path.dirname(__file__), "..", "data", "pairs_reads_demo.tsv.gz")],
    )
    parser.add_argument("--limit", type=int, default=100_000, help="pairs per file")
    parser.add_argument(
        "--slow-limit",
        type=int,
        default=20_000,
        help="pairs for peers slower than 200k pairs/s (edlib path, parasail)",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--modes", default="NW,HW")
    parser.add_argument("--out", help="also write the markdown table here")
    args = parser.parse_args(argv)

    rows = [
        "| pairs | mode | task | tool | pairs/s | pimalign (str) / tool | checked |",
        "|---|---|---|---|---|---|---|",
    ]
    for path in args.pairs:
        queries, targets = load_pairs(path, args.limit)
        name = os.path.basename(path).split(".")[0]
        for mode in args.modes.split(","):
            for task in ("distance", "path"):
                n_pairs = len(queries)

                def ours():
                    res = pimalign.batch_align(queries, targets, mode, task, threads=args.threads)
                    return res.distance.tolist()

                q_flat, q_off = encode_many(queries)
                t_flat, t_off = encode_many(targets)

                def kernel():
                    return batch_encoded(
                        q_flat, q_off, t_flat, t_off, mode, task, threads=args.threads
                    ).distance.tolist()

                ours()  # compile / load the cache outside the timings
                t_ours, truth = timed(ours, args.repeats)
                t_kernel, _ = timed(kernel, args.repeats)
                ours_rate = n_pairs / t_ours
                rows.append(
                    f"| {name} | {mode} | {task} | pimalign t={args.threads} (from str) | "
                    f"{ours_rate:,.0f} | 1.00 | - |"
                )
                rows.append(
                    f"| {name} | {mode} | {task} | pimalign t={args.threads} (pre-encoded) "
                    f"| {n_pairs / t_kernel:,.0f} | {t_kernel / t_ours:.2f} | - |"
                )
                print(rows[-2], rows[-1], sep="\n", flush=True)
                for tool, fn in peers(queries, targets, mode, task, args.threads):
                    slow = tool == "edlib path" or tool.startswith("parasail")
                    # a slow peer is timed on at most --slow-limit pairs, and its rate is
                    # computed from the pairs it really ran
                    sub = min(args.slow_limit, n_pairs) if slow else n_pairs
                    if sub < n_pairs:
                        fn = next(
                            f
                            for t, f in peers(
                                queries[:sub], targets[:sub], mode, task, args.threads
                            )
                            if t == tool
                        )
                    t_peer, got = timed(fn, args.repeats if not slow else 1)
                    agree = sum(int(a == b) for a, b in zip(got, truth[:sub]))
                    rows.append(
                        f"| {name} | {mode} | {task} | {tool} | {sub / t_peer:,.0f} | "
                        f"{ours_rate / (sub / t_peer):.2f} | {agree}/{sub} agree |"
                    )
                    print(rows[-1], flush=True)
    cold = cold_start_seconds()
    rows.append("")
    rows.append(f"Cold start, `pimalign editdist` on one pair with a warm JIT cache: {cold:.2f} s.")
    table = "\n".join(rows)
    print(table)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
