"""MAPQ calibration on real genomes: how often reads of each MAPQ are really misplaced.

For each genome (benchmarks/real_genomes.py, and any ``--ref`` FASTA), ``--pairs`` 2x150 read
pairs are simulated with dwgsim using the settings of benchmarks/README.md (``-e 0.002-0.012
-E 0.002-0.012 -r 0.001 -y 0.01 -d 400 -s 50``, seeded with ``-z SEED``), then mapped single-end
(read 1) and paired by pimalign ``align`` (``--sort none``), ``bwa mem`` and ``minimap2 -ax sr``
at ``--threads``. Primary records are scored by score_truth's rule (right contig, leftmost
position within 10 bp; a dwgsim random read is correct only unmapped) and binned by MAPQ
(0, 1-9, ..., 50-59, 60+). Per bin: reads, wrong reads, the observed error rate, the nominal
one 10^(-q/10) at the bin's mean MAPQ, and their ratio (above 1: MAPQ too confident).

Reads, indexes (bwa, minimap2 .mmi, pimalign .pmi) and the decompressed reference are kept in
``CACHE/calibration/<genome>/`` and reused; the SAMs are deleted once scored. A tool not on PATH
(or pimalign not importable) is skipped with a message. Outputs: a markdown table (``--out-md``),
a log-log plot of observed vs nominal error, one panel per genome and one line per tool and mode
(``--out-png``; a bin of 10 reads or more without a wrong read is drawn as a hollow triangle at
its 95% upper bound 3/reads), and the raw per-MAPQ counts (JSON,
beside the markdown).

Usage:
    python benchmarks/bench_calibration.py [--cache DIR] [--genomes a,b] [--ref X.fa ...]
        [--pairs 50000] [--seed 11] [--threads 2] [--tools pimalign,bwa,minimap2] [--modes se,pe]
        [--out-md benchmarks/results/calibration.md] [--out-png benchmarks/results/calibration.png]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import real_genomes  # noqa: E402
from score_truth import TOLERANCE, truth_of  # noqa: E402

DEFAULT_GENOMES = "human_chr20_10M,pfalciparum,bjaponicum,klebsiella_hs11286"
DWGSIM = "-e 0.002-0.012 -E 0.002-0.012 -r 0.001 -y 0.01 -d 400 -s 50 -1 150 -2 150".split()
BINS = [(0, 0), (1, 9), (10, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 255)]


def run(cmd: list[str], stdout: str | None = None, cwd: str | None = None) -> float:
    """Run cmd (stdout to a file when given); wall seconds; RuntimeError with stderr on failure."""
    start = time.perf_counter()
    with open(stdout, "wb") if stdout else open(os.devnull, "wb") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, cwd=cwd)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()[-2000:]}")
    return time.perf_counter() - start


def prepare(name: str, fasta: str, folder: str, pairs: int, seed: int, tools: list[str]) -> dict:
    """Decompressed reference, dwgsim reads and the tools' indexes in folder (kept, reused)."""
    os.makedirs(folder, exist_ok=True)
    ref = os.path.join(folder, "ref.fa")
    if not os.path.exists(ref):
        opener = gzip.open if fasta.endswith(".gz") else open
        with opener(fasta, "rb") as src, open(ref + ".part", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(ref + ".part", ref)
    prefix = os.path.join(folder, f"sim_{pairs}_{seed}")
    r1, r2 = prefix + ".bwa.read1.fastq.gz", prefix + ".bwa.read2.fastq.gz"
    if not os.path.exists(r2):
        print(f"{name}: dwgsim {pairs} pairs, seed {seed}", file=sys.stderr)
        run(["dwgsim", "-z", str(seed), "-N", str(pairs), *DWGSIM, ref, prefix])
        for ext in (".mutations.txt", ".mutations.vcf", ".bfast.fastq.gz"):
            if os.path.exists(prefix + ext):
                os.remove(prefix + ext)
    pmi, mmi = os.path.join(folder, "ref.pmi"), os.path.join(folder, "ref.mmi")
    builds = {
        "pimalign": (pmi, [sys.executable, "-m", "pimalign", "index", ref, "-o", pmi]),
        "bwa": (ref + ".bwt", ["bwa", "index", ref]),
        "minimap2": (mmi, ["minimap2", "-x", "sr", "-d", mmi, ref]),
    }
    for tool in tools:
        target, cmd = builds[tool]
        if not os.path.exists(target):
            print(f"{name}: {tool} index ({run(cmd):.0f} s)", file=sys.stderr)
    return {"ref": ref, "r1": r1, "r2": r2, "pmi": pmi, "mmi": mmi}


def map_cmd(tool: str, data: dict, paired: bool, threads: int, out: str):
    """(command, stdout file or None) mapping the reads with tool into the SAM ``out``."""
    reads = [data["r1"], data["r2"]] if paired else [data["r1"]]
    t = str(threads)
    if tool == "pimalign":
        cmd = [sys.executable, "-m", "pimalign", "align", data["pmi"], *reads, "-t", t]
        return cmd + ["-o", out, "--sort", "none", "--no-progress"], None
    if tool == "bwa":
        return ["bwa", "mem", "-t", t, data["ref"], *reads], out
    return ["minimap2", "-ax", "sr", "-t", t, data["mmi"], *reads], out


def tally(sam: str) -> dict:
    """Primary records of a SAM by MAPQ: {"reads", "unmapped", "correct", "by_q": {q: [n, wrong]}}.

    Correct as in score_truth.score (same truth, same tolerance)."""
    import pysam

    reads = unmapped = correct = 0
    by_q: dict[int, list[int]] = {}
    with pysam.AlignmentFile(sam, check_sq=False) as bam:
        for rec in bam.fetch(until_eof=True):
            if rec.is_secondary or rec.is_supplementary:
                continue
            reads += 1
            contig, pos, random = truth_of(rec.query_name, rec.is_read2)
            if rec.is_unmapped:
                unmapped += 1
                correct += random
                continue
            clip = rec.cigartuples[0][1] if rec.cigartuples[0][0] == 4 else 0
            left = rec.reference_start + 1 - clip
            ok = not random and rec.reference_name == contig and abs(left - pos) <= TOLERANCE
            correct += ok
            cell = by_q.setdefault(rec.mapping_quality, [0, 0])
            cell[0] += 1
            cell[1] += not ok
    return {"reads": reads, "unmapped": unmapped, "correct": correct, "by_q": by_q}


def bins_of(by_q: dict) -> list[dict]:
    """Per MAPQ bin: reads, wrong, mean MAPQ, observed and nominal error, ratio (None if empty)."""
    rows = []
    for lo, hi in BINS:
        cells = [(int(q), n, w) for q, (n, w) in by_q.items() if lo <= int(q) <= hi]
        n = sum(c[1] for c in cells)
        w = sum(c[2] for c in cells)
        mean_q = sum(q * c for q, c, _ in cells) / n if n else None
        obs = w / n if n else None
        nominal = 10 ** (-mean_q / 10) if n else None
        label = f"{lo}" if lo == hi else (f"{lo}+" if hi == 255 else f"{lo}-{hi}")
        ratio = obs / nominal if n else None
        rows.append(
            dict(bin=label, reads=n, wrong=w, mean_q=mean_q, obs=obs, nom=nominal, ratio=ratio)
        )
    return rows


def wrong_at(by_q: dict, q: int) -> tuple[int, int]:
    """(wrong, reads) among mapped primary records with MAPQ >= q."""
    cells = [v for k, v in by_q.items() if int(k) >= q]
    return sum(c[1] for c in cells), sum(c[0] for c in cells)


def fmt(x, spec: str) -> str:
    """format(x, spec), or "-" for None."""
    return "-" if x is None else format(x, spec)


def write_md(path: str, results: dict, args, versions: dict) -> None:
    """The markdown report: per genome a summary per tool and the per-bin table."""
    lines = [
        "# MAPQ calibration on real genomes",
        "",
        f"`python benchmarks/bench_calibration.py --pairs {args.pairs} --seed {args.seed} "
        f"--threads {args.threads}`; dwgsim `{' '.join(DWGSIM)}`; tools: "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + ".",
        "Primary records; wrong = not within 10 bp of the truth on the right contig "
        "(benchmarks/score_truth.py), mapped random reads included. Nominal error "
        "= 10^(-q/10) at the bin's mean MAPQ; ratio = observed / nominal (> 1: over-confident). "
        "Wall: one run, index loading (and pimalign's JIT start) included.",
    ]
    for genome, runs in results.items():
        lines += ["", f"## {genome}", ""]
        lines += [
            "| tool | reads | wall s | mapped | correct | wrong Q>=30 | wrong Q>=10 |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for label, r in runs.items():
            w30, n30 = wrong_at(r["by_q"], 30)
            w10, n10 = wrong_at(r["by_q"], 10)
            lines.append(
                f"| {label} | {r['reads']} | {r['wall']:.1f} | "
                f"{1 - r['unmapped'] / max(r['reads'], 1):.3%} | "
                f"{r['correct'] / max(r['reads'], 1):.3%} | "
                f"{w30 / max(n30, 1):.4%} ({w30}/{n30}) | {w10 / max(n10, 1):.4%} ({w10}/{n10}) |"
            )
        lines += [
            "",
            "| tool | MAPQ | reads | wrong | mean MAPQ | observed | nominal | ratio |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for label, r in runs.items():
            for b in bins_of(r["by_q"]):
                if b["reads"]:
                    lines.append(
                        f"| {label} | {b['bin']} | {b['reads']} | {b['wrong']} | "
                        f"{fmt(b['mean_q'], '.1f')} | {fmt(b['obs'], '.2e')} | "
                        f"{fmt(b['nom'], '.2e')} | {fmt(b['ratio'], '.2f')} |"
                    )
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")


def plot(path: str, results: dict) -> None:
    """Observed vs nominal error per MAPQ bin, log-log, one panel per genome."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no matplotlib: plot skipped", file=sys.stderr)
        return
    n = len(results)
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols, 4.5 * rows), squeeze=False)
    for ax, (genome, runs) in zip(axes.flat, results.items()):
        ax.plot([1e-6, 1], [1e-6, 1], color="grey", lw=0.8, ls=":", label="calibrated")
        tools = list(dict.fromkeys(label.split()[0] for label in runs))
        for label, r in runs.items():
            style = dict(color=f"C{tools.index(label.split()[0])}", ms=4)
            rows = bins_of(r["by_q"])
            pts = [(b["nom"], b["obs"]) for b in rows if b["wrong"]]
            ls = "-" if label.endswith("PE") else "--"
            ax.plot(*(zip(*pts) if pts else ([], [])), marker="o", ls=ls, label=label, **style)
            # a bin of >= 10 reads, none wrong: its 95% upper bound 3/n, hollow, not joined
            zero = [(b["nom"], 3 / b["reads"]) for b in rows if b["reads"] >= 10 and not b["wrong"]]
            if zero:
                ax.plot(*zip(*zero), ls="", marker="v", mfc="none", **style)
        ax.set(xscale="log", yscale="log", title=genome, xlabel="nominal error 10^(-MAPQ/10)")
        ax.set_ylabel("observed error")
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)


def tool_versions(tools: list[str]) -> dict:
    """{tool: version string} of the tools found; tools missing are left out with a message."""
    found = {}
    for tool in tools:
        if tool == "pimalign":
            probe = [sys.executable, "-c", "import pimalign; print(pimalign.__version__)"]
            proc = subprocess.run(probe, capture_output=True, text=True)
            ok, version = proc.returncode == 0, proc.stdout.strip()
        elif shutil.which(tool):
            probe = ["bwa"] if tool == "bwa" else ["minimap2", "--version"]
            proc = subprocess.run(probe, capture_output=True, text=True)
            text = proc.stdout + proc.stderr
            version = next((ln.split()[-1] for ln in text.splitlines() if "Version" in ln), "")
            ok, version = True, version or proc.stdout.strip()
        else:
            ok, version = False, ""
        if ok:
            found[tool] = version or "?"
        else:
            print(f"{tool}: not found, skipped", file=sys.stderr)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", default=real_genomes.default_cache())
    ap.add_argument("--genomes", default=DEFAULT_GENOMES, help="real_genomes names ('' for none)")
    ap.add_argument("--ref", action="append", default=[], help="extra FASTA(.gz), repeatable")
    ap.add_argument("--pairs", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tools", default="pimalign,bwa,minimap2")
    ap.add_argument("--modes", default="se,pe", help="se (read 1 alone), pe, or both")
    ap.add_argument("--out-md", default=os.path.join(HERE, "results", "calibration.md"))
    ap.add_argument("--out-png", default=os.path.join(HERE, "results", "calibration.png"))
    args = ap.parse_args()
    if not shutil.which("dwgsim"):
        sys.exit("dwgsim not on PATH: nothing to simulate")
    wanted = [t for t in args.tools.split(",") if t]
    bad = [t for t in wanted if t not in ("pimalign", "bwa", "minimap2")]
    if bad:
        sys.exit(f"unknown tools {bad}")
    versions = tool_versions(wanted)
    tools = list(versions)
    modes = [m for m in args.modes.split(",") if m]
    names = [n for n in args.genomes.split(",") if n]
    genomes = real_genomes.available(args.cache, names)
    for ref in args.ref:
        genomes.append((os.path.basename(ref).split(".")[0], os.path.abspath(ref)))
    results: dict = {}
    for name, fasta in genomes:
        folder = os.path.join(args.cache, "calibration", name)
        data = prepare(name, fasta, folder, args.pairs, args.seed, tools)
        results[name] = {}
        for tool in tools:
            for mode in modes:
                out = os.path.join(folder, f"{tool}.{mode}.sam")
                cmd, stdout = map_cmd(tool, data, mode == "pe", args.threads, out)
                try:
                    wall = run(cmd, stdout)
                except RuntimeError as err:
                    print(f"{name}: {tool} {mode} failed, skipped: {err}", file=sys.stderr)
                    continue
                r = tally(out)
                os.remove(out)
                r["wall"] = wall
                label = f"{tool} {mode.upper()}"
                results[name][label] = r
                w30, n30 = wrong_at(r["by_q"], 30)
                print(
                    f"{name}\t{label}\t{wall:.1f} s\tcorrect {r['correct'] / r['reads']:.3%}\t"
                    f"wrong@Q30 {w30}/{n30}",
                    file=sys.stderr,
                )
    write_md(args.out_md, results, args, versions)
    with open(os.path.splitext(args.out_md)[0] + ".json", "w") as out:
        json.dump({"args": vars(args), "versions": versions, "results": results}, out, indent=1)
    plot(args.out_png, results)
    print(f"wrote {args.out_md}, {args.out_png}")


if __name__ == "__main__":
    main()
