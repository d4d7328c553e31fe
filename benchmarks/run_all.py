"""The whole comparison in one command: mappers, edit-distance libraries, CPU vs GPU vs PIM.

    python benchmarks/run_all.py [--ref REF.fa.gz --r1 R1.fq.gz --r2 R2.fq.gz]
        [--pairs P.tsv.gz ...]
        [--threads 2] [--repeats 3] [--out-dir benchmarks/results]

Defaults are the bundled demo (data/). Runs, one after the other (never two timings at once):
``bench_mapper.py`` (pimalign against bwa mem, minimap2 -ax sr, bowtie2 and mappy, whichever are
found, with a 1..threads sweep and plots), ``bench_editdist.py`` (against edlib, rapidfuzz,
pywfa and parasail when importable) and ``bench_devices.py`` (CPU measured, GPU measured where one
exists, PIM estimated, on the first pair file). Each writes its markdown table and plots into
``--out-dir``; a missing peer is left out of the tables, never given a number.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", default=os.path.join(ROOT, "data", "demo_ref.fa.gz"))
    ap.add_argument("--r1", default=os.path.join(ROOT, "data", "demo_R1.fq.gz"))
    ap.add_argument("--r2", default=os.path.join(ROOT, "data", "demo_R2.fq.gz"))
    ap.add_argument(
        "--pairs", nargs="+", default=[os.path.join(ROOT, "data", "pairs_reads_demo.tsv.gz")]
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    out = args.out_dir
    os.makedirs(out, exist_ok=True)
    sweep = ",".join(str(t) for t in range(1, args.threads + 1))
    steps = [
        [
            "bench_mapper.py",
            "--ref",
            args.ref,
            "--r1",
            args.r1,
            "--r2",
            args.r2,
            "--threads",
            str(args.threads),
            "--threads-list",
            sweep,
            "--repeats",
            str(args.repeats),
            "--out",
            os.path.join(out, "mapper.md"),
        ],
        [
            "bench_editdist.py",
            *args.pairs,
            "--threads",
            str(args.threads),
            "--repeats",
            str(args.repeats),
            "--out",
            os.path.join(out, "editdist.md"),
        ],
        ["bench_devices.py", args.pairs[0], "--out", os.path.join(out, "devices.md")],
    ]
    for step in steps:
        print(f"== {step[0]}", flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, step[0]), *step[1:]], check=True)


if __name__ == "__main__":
    main()
