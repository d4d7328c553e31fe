"""GPU batch edit distance (pimalign.gpu) against the CPU batch kernel, on one pair file.

    python benchmarks/bench_gpu.py [PAIRS.tsv[.gz]] [--modes NW,SHW,HW]
        [--tasks distance,locations,path]
        [--limit N] [--tile R] [--threads 2] [--repeats 3] [--out table.md]

Both run on the same pre-encoded pairs (flat uint8 codes plus offsets), in the same process,
alternating; medians of the repeats. The GPU is timed twice: the whole ``edit_batch_gpu`` call
(host-to-device transfers, kernels, device-to-host transfers and any CPU fallback) and the kernels
alone. JIT compilation of both is done before timing. Every GPU answer (distance, start, end, and
the CIGAR for task path) is checked against the CPU's; a disagreement makes the exit status 1.

Where numba.cuda finds no GPU it prints "no CUDA GPU: skipped" and exits 0. Under Numba's CUDA
simulator (``NUMBA_ENABLE_CUDASIM=1``) it runs only with ``--allow-simulator``, as a smoke test:
the simulator's timings mean nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np

from pimalign import gpu
from pimalign.alphabet import encode_many
from pimalign.editdist.api import batch_encoded
from pimalign.io.pairs import read_tsv_pairs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PAIRS = os.path.join(ROOT, "data", "pairs_reads_demo.tsv.gz")  # the bundled demo pairs


def load(path: str, limit: int) -> tuple[list[str], list[str]]:
    queries, targets = [], []
    for _, qs, ts, _ in read_tsv_pairs(path, 50_000):
        queries += qs
        targets += ts
        if limit and len(queries) >= limit:
            return queries[:limit], targets[:limit]
    return queries, targets


def median_time(fn, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        tic = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - tic)
    return statistics.median(times), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "pairs", nargs="?", default=DEFAULT_PAIRS, help="pair TSV (default: %(default)s)"
    )
    parser.add_argument("--modes", default="NW,SHW,HW")
    parser.add_argument("--tasks", default="distance,locations,path")
    parser.add_argument("--limit", type=int, default=0, help="first N pairs (0: all)")
    parser.add_argument(
        "--tile", type=int, default=1, help="repeat the pairs R times (a GPU wants large batches)"
    )
    parser.add_argument("-k", type=int, default=-1)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--literal-n", action="store_true")
    parser.add_argument(
        "--allow-simulator",
        action="store_true",
        help="run under NUMBA_ENABLE_CUDASIM=1 (a smoke test; its timings mean nothing)",
    )
    parser.add_argument("--out", help="also write the markdown table here")
    args = parser.parse_args(argv)

    if not gpu.available():
        print("no CUDA GPU: skipped")
        return 0
    if gpu.simulator_enabled():
        if not args.allow_simulator:
            print("CUDA simulator is not a GPU: skipped (--allow-simulator runs it anyway)")
            return 0
        warnings.simplefilter("ignore", RuntimeWarning)  # Myers' additions wrap on purpose
    device = gpu.device_name()
    if gpu.simulator_enabled():
        print(f"device: {device} (a smoke test: these timings mean nothing)", flush=True)
    else:
        print(f"device: {device} (real GPU)", flush=True)

    queries, targets = load(args.pairs, args.limit)
    queries, targets = queries * args.tile, targets * args.tile
    q_flat, q_off = encode_many(queries)
    t_flat, t_off = encode_many(targets)
    n_pairs = len(queries)
    name = os.path.basename(args.pairs).split(".")[0]
    rows = [
        f"GPU: {device}; CPU: {args.threads} threads; {n_pairs:,} pairs of {name}; k={args.k}",
        "",
        "| pairs | mode | task | CPU pairs/s | GPU pairs/s (with transfers) | "
        "GPU pairs/s (kernels only) | GPU / CPU | GPU / CPU (kernels) | CPU fallback | "
        "checked |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(rows), flush=True)
    all_agree = True
    for mode in args.modes.split(","):
        for task in args.tasks.split(","):

            def cpu():
                return batch_encoded(
                    q_flat,
                    q_off,
                    t_flat,
                    t_off,
                    mode,
                    task,
                    args.k,
                    threads=args.threads,
                    literal_n=args.literal_n,
                )

            kernel_times = []

            def on_gpu():
                stats = {}
                res = batch_encoded(
                    q_flat,
                    q_off,
                    t_flat,
                    t_off,
                    mode,
                    task,
                    args.k,
                    threads=args.threads,
                    literal_n=args.literal_n,
                    device="gpu",
                    stats=stats,
                )
                kernel_times.append(stats["kernel"])
                out = {
                    "distance": res.distance,
                    "start": res.start,
                    "end": res.end,
                    "cigars": res.cigars,
                    "cpu_pairs": stats["cpu_pairs"],
                }
                return out

            cpu()
            on_gpu()  # compile outside the timings
            kernel_times.clear()
            t_cpu, want = median_time(cpu, args.repeats)
            t_gpu, got = median_time(on_gpu, args.repeats)
            t_kernel = statistics.median(kernel_times)
            same = (
                (got["distance"] == want.distance)
                & (got["start"] == want.start)
                & (got["end"] == want.end)
            )
            if task == "path":
                same &= np.array([a == b for a, b in zip(got["cigars"], want.cigars)], dtype=bool)
            agree = int(np.sum(same))
            all_agree &= agree == n_pairs
            cpu_rate, gpu_rate = n_pairs / t_cpu, n_pairs / t_gpu
            kernel_rate = n_pairs / t_kernel if t_kernel > 0 else float("inf")
            rows.append(
                f"| {name} | {mode} | {task} | {cpu_rate:,.0f} | {gpu_rate:,.0f} | "
                f"{kernel_rate:,.0f} | {gpu_rate / cpu_rate:.2f} | "
                f"{kernel_rate / cpu_rate:.2f} | {got['cpu_pairs']} | "
                f"{agree}/{n_pairs} agree |"
            )
            print(rows[-1], flush=True)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write("\n".join(rows) + "\n")
    if not all_agree:
        print("GPU and CPU answers differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
