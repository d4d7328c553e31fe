"""Where a mapping run spends its time: seconds per stage and work per read, one genome at a time.

    python benchmarks/bench_stages.py INDEX.pmi R1.fq [R2.fq] [--label NAME] [--out FILE.md]

The whole ``pimalign align`` run (SAM out, unsorted, as the peers write it; one thread so the
stages add up) runs in this process under ``cProfile``; the table gives each stage's cumulative
seconds. Reading the FASTQ happens on a helper thread, overlapped with mapping: it is timed
separately by reading the files once more. Inside the Numba kernel ``map_batch`` the stages are
replayed on the same reads (seeding, table lookup, clustering: ``seeding``'s own functions, in a
loop of this file) and the rest of ``map_batch`` is extension; the work counts come from the
candidate slots the run kept (``passes`` 0: proven ungapped, else dynamic programming).
Index load and JIT compile are not in the stage seconds (a warm-up run compiles first).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time

import numba
import numpy as np
from numba import njit

from pimalign.alphabet import encode_many
from pimalign.io.reads import read_chunks
from pimalign.kernels.seeding import SEED_MINIMIZERS, _hit_keys, clusters, seed_capacity, seeds
from pimalign.mapper import candidates as cand_mod
from pimalign.mapper.params import preset
from pimalign.mapper.run import open_index, run_align

# (row label, function name, file suffix): cumulative seconds of that function
STAGES = [
    ("encode reads (2-bit)", "encode", "pipeline.py"),
    ("map_batch: seed, cluster, extend", "map_batch", "mapping.py"),
    ("choose best / runner-up", "choose", "candidates.py"),
    ("mate rescue", "_rescue", "pipeline.py"),
    ("pair choice", "choose_pairs", "pairing.py"),
    ("wide re-search of doubtful pairs", "_wide_sub", "pipeline.py"),
    ("placement (CIGAR, MD, NM, MAPQ)", "place", "placement.py"),
    ("SAM text", "sam_lines", "records.py"),
    ("restyle (XA, comments)", "restyle", "records.py"),
    ("write", "write", "sam.py"),
]


@njit(cache=False)
def _replay(flat, off, index, k, w, mid_occ, max_occ, max_gap, upto, counts):
    """Seed (upto 0), look up (1) or cluster (2) every read; counts the seeds, hits, clusters."""
    for r in range(off.shape[0] - 1):
        read = flat[off[r] : off[r + 1]]
        m = read.shape[0]
        cap = seed_capacity(m, k, SEED_MINIMIZERS)
        sh = np.empty(cap, dtype=np.uint64)
        sp = np.empty(cap, dtype=np.int64)
        ss = np.empty(cap, dtype=np.uint8)
        ns = seeds(read, k, w, SEED_MINIMIZERS, 0, m, sh, sp, ss)
        counts[0] += ns
        if upto == 1:
            hk, _ = _hit_keys(m, k, sh, sp, ss, ns, index, mid_occ, max_occ)
            counts[1] += hk.shape[0]
        elif upto == 2:
            cs = clusters(m, k, sh, sp, ss, ns, index, mid_occ, max_occ, max_gap)[0]
            counts[2] += cs.shape[0]


def _reads(paths):
    """Every read's sequence (ends one after the other) and the seconds reading took."""
    t = time.perf_counter()
    seqs = [s for p in paths for chunk in read_chunks(p, 100_000) for s in chunk.seqs]
    return seqs, time.perf_counter() - t


def stage_table(index_path, reads, label):
    numba.set_num_threads(1)
    t = time.perf_counter()
    index = open_index(index_path)
    load = time.perf_counter() - t  # memory-mapped: the pages load as the run touches them
    kept = []
    real = cand_mod.find_candidates

    def keeping(*a, **kw):  # the candidate slots of the run, for the work counts
        c = real(*a, **kw)
        kept.append(c)
        return c

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.sam")
        run = dict(output=out, params=preset("sr"), threads=1, sort="none", progress=False)
        run_align(index_path, reads[0], reads[1] if len(reads) > 1 else None, **run)  # compile
        cand_mod.find_candidates = keeping
        import pimalign.mapper.pipeline as pipe

        pipe.find_candidates = keeping
        prof = cProfile.Profile()
        t = time.perf_counter()
        prof.enable()
        run_align(index_path, reads[0], reads[1] if len(reads) > 1 else None, **run)
        prof.disable()
        total = time.perf_counter() - t
        cand_mod.find_candidates = pipe.find_candidates = real
    stats = pstats.Stats(prof).stats
    cum = {}
    for (path, _, name), (_, _, _, ct, _) in stats.items():
        for row, fn, suffix in STAGES:
            if name == fn and path.endswith(suffix):
                cum[row] = cum.get(row, 0.0) + ct
    seqs, read_s = _reads(reads)
    flat, off = encode_many(seqs, iupac=True)
    p = preset("sr")
    search = p.search(index.occ_threshold)
    replay = []
    for upto in range(3):
        counts = np.zeros(3, dtype=np.int64)
        args = (index.seeds, index.k, index.w, search.mid_occ, search.max_occ, search.max_gap)
        _replay(flat[: off[2]], off[:3], *args, upto, counts)  # compile
        t = time.perf_counter()
        _replay(flat, off, *args, upto, counts)
        replay.append((time.perf_counter() - t, counts))
    n = len(seqs)
    filled = [c.score > cand_mod.NEG for c in kept]
    slots = sum(f.sum() for f in filled)
    dp = sum(((c.passes > 0) & f).sum() for c, f in zip(kept, filled))
    cells = sum(np.where((c.passes > 0) & f, c.cells, 0).sum() for c, f in zip(kept, filled))
    seed_s = replay[0][0]
    lookup_s = max(replay[1][0] - seed_s, 0.0)
    cluster_s = max(replay[2][0] - replay[1][0], 0.0)
    kernel = cum.get(STAGES[1][0], 0.0)
    rows = [
        ("read FASTQ (helper thread, overlapped)", read_s),
        ("  minimizers of the reads", seed_s),
        ("  table lookup of the minimizers", lookup_s),
        ("  clustering of the hits", cluster_s),
        ("  extension (ungapped proof or DP) and re-seeding", kernel - replay[2][0]),
    ]
    lines = [
        f"### {label}: {n:,} reads, {total:.2f} s on 1 thread (index open {load:.2f} s apart)",
        "",
        "| stage | s | % of run |",
        "|---|---|---|",
    ]
    for row, _, _ in STAGES:
        if row in cum:
            lines.append(f"| {row} | {cum[row]:.2f} | {cum[row] / total:.0%} |")
            if row == STAGES[1][0]:
                lines += [f"| {r} | {s:.2f} | {s / total:.0%} |" for r, s in rows[1:]]
    lines.append(f"| {rows[0][0]} | {read_s:.2f} | - |")
    lines += [
        "",
        f"Per read: {replay[0][1][0] / n:.1f} minimizers, {replay[1][1][1] / n:.1f} kept hits, "
        f"{replay[2][1][2] / n:.2f} clusters; {slots / n:.2f} candidates kept, "
        f"{dp / n:.3f} of them by DP ({cells / max(dp, 1):,.0f} band cells each), "
        f"{(slots - dp) / n:.3f} proven ungapped.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("index")
    ap.add_argument("reads", nargs="+")
    ap.add_argument("--label", default=None)
    ap.add_argument("--out", default=None, help="append the table to this Markdown file")
    args = ap.parse_args(argv)
    text = stage_table(args.index, args.reads, args.label or os.path.basename(args.index))
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
