"""Mapper benchmark: pimalign against bwa mem, minimap2 -ax sr, bowtie2 and mappy, side by side.

For a reference and reads (default: the bundled demo in data/), every tool found on PATH is run
``--repeats`` times, alternating tools, at ``--threads`` threads; the table reports medians of wall
time (index loading included), CPU time, peak RSS, reads/s per thread, index build time, and the
accuracy against the truth in dwgsim read names (benchmarks/score_truth.py, the same rule for
every tool). Peers write SAM; pimalign is timed writing SAM (``--sort none``, comparable) and
writing its default coordinate-sorted, indexed BAM.

With ``--threads-list 1,2`` the single-end runs are repeated at each thread count (throughput vs
threads). Plots (matplotlib) go beside the table: accuracy vs throughput per tool and throughput vs
threads. mappy (minimap2's Python binding, when importable) runs single-end in a subprocess.

Usage:
    python benchmarks/bench_mapper.py [--ref REF.fa.gz] [--r1 R1.fq.gz] [--r2 R2.fq.gz]
        [--threads 2] [--threads-list 1,2] [--repeats 3] [--out benchmarks/results/mapper.md]
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from score_truth import score  # noqa: E402


def timed(cmd: list[str], stdout=None) -> dict:
    """Run ``cmd``; wall seconds, CPU seconds (user+sys) and peak RSS (MB) of the child."""
    start = time.perf_counter()
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if stdout:
        out.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024}


MAPPY_SCRIPT = r"""
import sys, mappy
ref, reads, out, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
aligner = mappy.Aligner(ref, preset="sr", n_threads=threads)
names = aligner.seq_names
with open(out, "w") as sam:
    for name in names:
        sam.write(f"@SQ\tSN:{name}\tLN:{len(aligner.seq(name))}\n")
    for name, seq, qual in mappy.fastx_read(reads):
        hits = [h for h in aligner.map(seq) if h.is_primary]
        if not hits:
            sam.write(f"{name}\t4\t*\t0\t0\t*\t*\t0\t0\t{seq}\t{qual}\n")
            continue
        h = hits[0]
        lead, tail = (h.q_st, len(seq) - h.q_en) if h.strand > 0 else (len(seq) - h.q_en, h.q_st)
        cigar = (f"{lead}S" if lead else "") + h.cigar_str + (f"{tail}S" if tail else "")
        s = seq if h.strand > 0 else mappy.revcomp(seq)
        q = qual if h.strand > 0 else qual[::-1]
        flag = 0 if h.strand > 0 else 16
        sam.write(f"{name}\t{flag}\t{h.ctg}\t{h.r_st + 1}\t{h.mapq}\t{cigar}\t*\t0\t0\t{s}\t{q}\n")
"""


def count_reads(path: str) -> int:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as handle:
        return sum(1 for _ in handle) // 4


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", default=os.path.join(ROOT, "data", "demo_ref.fa.gz"))
    ap.add_argument("--r1", default=os.path.join(ROOT, "data", "demo_R1.fq.gz"))
    ap.add_argument("--r2", default=os.path.join(ROOT, "data", "demo_R2.fq.gz"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads-list", default="", help="e.g. 1,2: single-end throughput vs threads")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "mapper.md"))
    args = ap.parse_args()
    t = str(args.threads)
    pimalign = [sys.executable, "-m", "pimalign"]
    work = tempfile.mkdtemp(prefix="bench_mapper.")
    fasta = os.path.join(work, "ref.fa")
    with (
        gzip.open(args.ref, "rb") if args.ref.endswith(".gz") else open(args.ref, "rb") as src,
        open(fasta, "wb") as dst,
    ):
        shutil.copyfileobj(src, dst)
    tools = {
        "pimalign": True,
        "bwa": bool(shutil.which("bwa")),
        "minimap2": bool(shutil.which("minimap2")),
        "bowtie2": bool(shutil.which("bowtie2") and shutil.which("bowtie2-build")),
        "mappy": subprocess.run(
            [sys.executable, "-c", "import mappy"], capture_output=True
        ).returncode
        == 0,
    }
    index_cmd = {
        "pimalign": pimalign + ["index", fasta, "-o", os.path.join(work, "ref.pmi")],
        "bwa": ["bwa", "index", fasta],
        "minimap2": ["minimap2", "-x", "sr", "-d", os.path.join(work, "ref.mmi"), fasta],
        "bowtie2": ["bowtie2-build", "--threads", t, "-q", fasta, os.path.join(work, "bt2")],
    }
    index_time = {name: [] for name in tools if tools[name] and name in index_cmd}
    for _ in range(args.repeats):
        for name in index_time:
            index_time[name].append(timed(index_cmd[name])["wall"])

    def map_cmd(name, paired, out, threads=t):
        t = threads
        reads = [args.r1, args.r2] if paired else [args.r1]
        if name == "mappy":
            return [
                sys.executable,
                "-c",
                MAPPY_SCRIPT,
                os.path.join(work, "ref.mmi"),
                args.r1,
                out,
                t,
            ], None
        if name == "pimalign-sam":
            return pimalign + [
                "align",
                os.path.join(work, "ref.pmi"),
                *reads,
                "-t",
                t,
                "-o",
                out,
                "--sort",
                "none",
                "--no-progress",
            ], None
        if name == "pimalign-bam":
            return pimalign + [
                "align",
                os.path.join(work, "ref.pmi"),
                *reads,
                "-t",
                t,
                "-o",
                out,
                "--no-progress",
            ], None
        if name == "bwa":
            return ["bwa", "mem", "-t", t, fasta, *reads], out
        if name == "minimap2":
            return ["minimap2", "-ax", "sr", "-t", t, os.path.join(work, "ref.mmi"), *reads], out
        if name == "bowtie2":
            pair = ["-1", args.r1, "-2", args.r2] if paired else ["-U", args.r1]
            return ["bowtie2", "-p", t, "-x", os.path.join(work, "bt2"), *pair], out

    runners = ["pimalign-sam", "pimalign-bam"] + [
        n for n in ("bwa", "minimap2", "bowtie2") if tools[n]
    ]
    if tools["mappy"] and not tools["minimap2"]:
        tools["mappy"] = False  # it loads minimap2's index file
    extra_se = ["mappy"] if tools["mappy"] else []
    n_reads = count_reads(args.r1)
    rows = []
    for paired in (False, True):
        names = runners + ([] if paired else extra_se)
        stats = {name: [] for name in names}
        acc = {}
        for rep in range(args.repeats):
            for name in names:
                ext = ".bam" if name == "pimalign-bam" else ".sam"
                out = os.path.join(work, f"{name}.{int(paired)}{ext}")
                cmd, stdout = map_cmd(name, paired, out)
                stats[name].append(timed(cmd, stdout))
                if rep == 0:
                    acc[name] = score(out)
        for name in names:
            runs = stats[name]
            wall = statistics.median(r["wall"] for r in runs)
            tool = {"mappy": "minimap2"}.get(name, name.split("-")[0])
            reads = n_reads * (2 if paired else 1)
            rows.append(
                (
                    ("PE" if paired else "SE"),
                    name,
                    wall,
                    statistics.median(r["cpu"] for r in runs),
                    max(r["rss"] for r in runs),
                    reads / wall / args.threads,
                    statistics.median(index_time.get(tool, [0.0])),
                    acc[name],
                )
            )
    lines = [
        f"Reference {os.path.basename(args.ref)}, reads {os.path.basename(args.r1)}"
        f"{' + ' + os.path.basename(args.r2)} ({n_reads} pairs), {args.threads} threads, "
        f"medians of {args.repeats} (tools alternate), {time.strftime('%Y-%m-%d')}.",
        "",
        "| mode | tool | wall s | CPU s | peak RSS MB | reads/s/thread | index s | correct | "
        "wrong@Q30 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, name, wall, cpu, rss, rate, idx, a in rows:
        lines.append(
            f"| {mode} | {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {rate:,.0f} | "
            f"{idx:.2f} | {a['correct']:.3%} | {a['wrong_q30_frac']:.4%} |"
        )
    sweep = []
    for threads in [int(x) for x in args.threads_list.split(",") if x]:
        for name in ["pimalign-sam"] + [n for n in ("bwa", "minimap2") if tools[n]]:
            walls = []
            for _ in range(args.repeats):
                out = os.path.join(work, f"sweep.{name}.sam")
                cmd, stdout = map_cmd(name, False, out, str(threads))
                walls.append(timed(cmd, stdout)["wall"])
            sweep.append((name, threads, n_reads / statistics.median(walls)))
    if sweep:
        lines += [
            "",
            "Single-end reads/s (whole run, index loading included) by thread count:",
            "",
            "| tool | threads | reads/s |",
            "|---|---|---|",
        ]
        lines += [f"| {n} | {th} | {r:,.0f} |" for n, th, r in sweep]
    plots = make_plots(rows, sweep, os.path.splitext(args.out)[0])
    lines += ["", "Plots: " + ", ".join(f"`{os.path.basename(p)}`" for p in plots)]
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as handle:
        handle.write("# Mapper benchmark\n\n`" + " ".join(["python"] + sys.argv) + "`\n\n" + text)
    shutil.rmtree(work)


def make_plots(rows, sweep, stem: str) -> list[str]:
    """Accuracy vs throughput per tool (one panel per mode) and throughput vs threads."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, mode in zip(axes, ("SE", "PE")):
        for m, name, _wall, _cpu, _rss, rate, _idx, a in rows:
            if m == mode:
                ax.scatter(rate, 100 * a["correct"])
                ax.annotate(name, (rate, 100 * a["correct"]), fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("reads/s per thread (whole run)")
        ax.set_ylabel("correct (%)")
        ax.set_title(f"{mode}: accuracy vs throughput")
    fig.tight_layout()
    path = stem + "_accuracy.png"
    fig.savefig(path, dpi=120)
    written.append(path)
    plt.close(fig)
    if sweep:
        fig, ax = plt.subplots(figsize=(5, 4))
        for name in dict.fromkeys(n for n, _, _ in sweep):
            pts = [(th, r) for n, th, r in sweep if n == name]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
        ax.set_xlabel("threads")
        ax.set_ylabel("reads/s")
        ax.set_yscale("log")
        ax.legend()
        ax.set_title("single-end throughput vs threads")
        fig.tight_layout()
        path = stem + "_threads.png"
        fig.savefig(path, dpi=120)
        written.append(path)
        plt.close(fig)
    return written


if __name__ == "__main__":
    main()
