"""How long the PIM cost model takes on a million alignments (the issue's goal: < 10 s).

    python benchmarks/bench_pim_model.py [PAIRS.tsv[.gz]] [--alignments N] [--repeats R]

Profiles the pairs once (the exact per-pass workload of the adaptive band), repeats that workload
up to N alignments and times ``pim_estimate`` on it (medians of R runs). Prints one line.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from pimalign.pim.device import DEFAULT
from pimalign.pim.estimate import pim_estimate
from pimalign.pim.workload import profile_workload, read_pairs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "pairs", nargs="?", default=os.path.join(ROOT, "data", "pairs_reads_demo.tsv.gz")
    )
    ap.add_argument("--alignments", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    _, *enc = read_pairs(args.pairs)
    small = profile_workload(*enc, "NW", False, 8)[0]
    reps = args.alignments // len(small) + 1
    big = small.subset(np.arange(reps * len(small)) % len(small))
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        est = pim_estimate(big, DEFAULT)
        times.append(time.perf_counter() - start)
    print(
        f"pim_estimate on {est['alignments']:,} alignments: {statistics.median(times):.2f} s "
        f"(median of {args.repeats})"
    )


if __name__ == "__main__":
    main()
