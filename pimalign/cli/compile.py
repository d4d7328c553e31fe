"""``pimalign compile``: compile every kernel ahead, once per installation.

Each command compiles the kernels it calls on its first run (Numba, kept in the cache that
``runtime.jitcache`` picks). This command runs every command once on a small made-up genome,
reads and pairs (in a temporary folder) so that later runs, and a workflow's parallel jobs, only
load the compiled code; then it stamps every command as compiled. ``-j 2`` compiles the mapper
and the edit-distance kernels in two processes at once.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import subprocess
import sys
import tempfile
import time

from .args import EXIT_OK, log, ranged

# What each step runs (``main``'s argv, in the step's folder), in lanes that share no kernels.
STEPS = {
    "index": [["index", "ref.fa", "-o", "ref.pmi"]],
    "align": [
        ["align", "ref.pmi", "r1.fq", "r2.fq", "-o", "pe.bam", "--workload", "w.tsv.gz"],
        ["align", "ref.fa", "r1.fq", "-o", "se.sam", "--sort", "none"],
    ],
    "editdist": [
        ["editdist", "pairs.tsv", "-o", "d.tsv"],
        ["editdist", "pairs.tsv", "-o", "l.tsv", "--task", "locations", "--mode", "HW"],
        ["editdist", "pairs.tsv", "-o", "p.tsv", "--task", "path"],
        ["editdist", "pairs.tsv", "-o", "h.tsv", "--task", "path", "--mode", "HW"],
    ],
    "pim estimate": [["pim", "estimate", "--pairs", "pairs.tsv", "--json", "e.json"]],
}
LANES = [["index", "align"], ["editdist", "pim estimate"]]
STAMPS = {"pim estimate": ["pim estimate", "pim sweep"]}  # sweep runs estimate's kernels


def add_compile(sub, run) -> None:
    """The ``compile`` command; ``run(argv)`` runs one command line and returns its exit code
    (``main.main``, handed over so that this module does not import it back)."""
    p = sub.add_parser(
        "compile",
        help="compile every kernel ahead (once per installation; later runs start at once)",
        description="Compile every Numba kernel now, by running each command once on a small "
        "made-up data set, so that no later run (nor a workflow's parallel jobs) compiles. "
        "The compiled code goes beside the package, or under NUMBA_CACHE_DIR, or (when the "
        "package folder is read-only) under the user cache folder.",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=ranged(1, 2),
        default=min(2, os.cpu_count() or 1),
        help="processes compiling at once (1..2: the mapper's and the edit distance's kernels)",
    )
    p.add_argument("--only", action="append", choices=list(STEPS), help="only these commands")
    p.set_defaults(func=functools.partial(run_compile, run=run))


def make_data(folder: str, seed: int = 7) -> None:
    """A two-contig reference (a repeat, a run of N), 2x150 read pairs from it (mismatches, an
    indel, unmappable mates) and query/target pairs, written into ``folder``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)
    c1 = bases[rng.integers(0, 4, 30_000)]
    c2 = bases[rng.integers(0, 4, 12_000)].copy()
    c2[2_000:4_000] = c1[10_000:12_000]  # a repeat
    c2[6_000:6_050] = ord("N")
    contigs = {"chrA": c1.tobytes().decode(), "chrB": c2.tobytes().decode()}
    with open(os.path.join(folder, "ref.fa"), "w") as fh:
        for name, seq in contigs.items():
            fh.write(f">{name}\n")
            fh.writelines(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60))
    comp = str.maketrans("ACGTN", "TGCAN")

    def mutate(s: str) -> str:
        s = list(s)
        for i in rng.integers(0, len(s), 2):
            s[i] = "ACGT"[(("ACGT".find(s[i]) + 1) % 4)]
        if rng.random() < 0.2:
            i = int(rng.integers(20, len(s) - 20))
            s = s[:i] + s[i + 2 :] if rng.random() < 0.5 else s[:i] + ["A", "C"] + s[i:]
        return "".join(s)

    r1, r2, pairs = [], [], []
    names = list(contigs)
    for x in range(300):
        seq = contigs[names[x % 2]]
        insert = int(rng.normal(400, 30))
        start = int(rng.integers(0, len(seq) - insert))
        frag = seq[start : start + insert]
        a, b = frag[:150], frag[-150:].translate(comp)[::-1]
        if x % 2:
            a, b = b, a
        if x % 37 == 0:  # a mate from nowhere: rescue and unpaired rules
            b = "".join(rng.choice(list("ACGT"), 150))
        r1.append(mutate(a))
        r2.append(mutate(b))
        pairs.append((r1[-1], frag[:150] if not x % 2 else a))
    for path, reads in (("r1.fq", r1), ("r2.fq", r2)):
        with open(os.path.join(folder, path), "w") as fh:
            for x, s in enumerate(reads):
                fh.write(f"@p{x}\n{s}\n+\n{'I' * len(s)}\n")
    with open(os.path.join(folder, "pairs.tsv"), "w") as fh:
        fh.writelines(f"{q}\t{t}\n" for q, t in pairs)


def _run_steps(commands: list[str], folder: str, total: int, done: int, run) -> int:
    """Run the steps of ``commands`` in ``folder`` through ``run``, one progress line each."""
    from ..runtime import jitcache

    for command in commands:
        done += 1
        tic = time.perf_counter()
        for argv in STEPS[command]:
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = run(argv)
            if code != EXIT_OK:
                sys.stderr.write(err.getvalue())
                raise OSError(f"`pimalign {' '.join(argv)}` failed (exit {code})")
        jitcache.mark(*STAMPS.get(command, [command]))
        log(f"compile: {command} ({done}/{total}) in {time.perf_counter() - tic:.1f} s")
    return done


def run_compile(args, run) -> int:
    from ..runtime import jitcache

    wanted = args.only or list(STEPS)
    lanes = [[c for c in lane if c in wanted] for lane in LANES]
    lanes = [lane for lane in lanes if lane]
    total = sum(map(len, lanes))
    log(f"compile: {total} commands' kernels into {jitcache.cache_dir()}")
    tic = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pimalign-compile-") as folder:
        make_data(folder)
        here = os.getcwd()
        os.chdir(folder)
        try:
            if args.jobs > 1 and len(lanes) > 1:
                # The other lanes in child processes (their progress lines go to our stderr).
                children = [
                    subprocess.Popen(
                        [sys.executable, "-m", "pimalign", "compile", "-j", "1"]
                        + [x for c in lane for x in ("--only", c)]
                    )
                    for lane in lanes[1:]
                ]
                _run_steps(lanes[0], folder, total, 0, run)
                if any(child.wait() != 0 for child in children):
                    raise OSError("a compiling process failed")
            else:
                done = 0
                for lane in lanes:
                    done = _run_steps(lane, folder, total, done, run)
        finally:
            os.chdir(here)
    log(f"compile: done in {time.perf_counter() - tic:.1f} s")
    return EXIT_OK
