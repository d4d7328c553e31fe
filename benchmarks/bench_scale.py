"""The mapper as the genome grows: pimalign, minimap2 -x sr and bwa mem on repeat-rich genomes.

For each size (default 5, 50 and 200 Mb) a genome comes from ``make_genome.py`` (seeded) and
dwgsim simulates 50,000 pairs of 150 bp reads from it. Each tool found on PATH then builds its
index (wall time, peak RSS, size on disk), maps one read (the fixed cost: loading the index), the
50,000 first reads single-end and the 50,000 pairs, at ``--threads`` threads, tools alternating;
accuracy is ``score_truth.py``'s (correct within 10 bp, wrong among MAPQ >= 30). The per-read
time (50k SE wall minus one-read wall, over 50k) goes to a plot against genome size.

Usage:
    python benchmarks/bench_scale.py [--sizes 5,50,200] [--threads 2] [--work DIR]
        [--out benchmarks/results/scale.md] [--no-bwa]
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_mapper import timed  # noqa: E402
from score_truth import score  # noqa: E402

PIMALIGN = [sys.executable, "-m", "pimalign"]
READS = 50_000


def prepare(work: str, mb: int) -> dict:
    """Genome, reads and one-read file of a size (made once, kept in ``work``)."""
    base = os.path.join(work, f"g{mb}")
    fasta = base + ".fa"
    if not os.path.exists(fasta):
        subprocess.run(
            [
                sys.executable,
                os.path.join(HERE, "make_genome.py"),
                "--size",
                str(mb * 1_000_000),
                "--seed",
                str(mb),
                "-o",
                fasta,
            ],
            check=True,
        )
    r1, r2 = base + "_1.fq", base + "_2.fq"
    if not os.path.exists(r2):
        subprocess.run(
            [
                "dwgsim",
                "-z",
                "7",
                "-N",
                str(READS),
                "-1",
                "150",
                "-2",
                "150",
                "-e",
                "0.002-0.012",
                "-E",
                "0.002-0.012",
                "-r",
                "0.001",
                "-y",
                "0.01",
                "-d",
                "400",
                "-s",
                "50",
                fasta,
                base,
            ],
            check=True,
            capture_output=True,
        )
        for src, dst in ((base + ".bwa.read1.fastq.gz", r1), (base + ".bwa.read2.fastq.gz", r2)):
            with gzip.open(src, "rb") as a, open(dst, "wb") as b:
                shutil.copyfileobj(a, b)
    one = base + "_one.fq"
    with open(r1) as src, open(one, "w") as dst:
        dst.write("".join(next(src) for _ in range(4)))
    return {"fasta": fasta, "r1": r1, "r2": r2, "one": one, "base": base}


def commands(tools, g, threads):
    t = str(threads)
    index = {
        "pimalign": PIMALIGN + ["index", g["fasta"], "-o", g["base"] + ".pmi"],
        "minimap2": ["minimap2", "-x", "sr", "-t", t, "-d", g["base"] + ".mmi", g["fasta"]],
        "bwa": ["bwa", "index", g["fasta"]],
    }
    size = {
        "pimalign": [g["base"] + ".pmi"],
        "minimap2": [g["base"] + ".mmi"],
        "bwa": [g["fasta"] + ext for ext in (".bwt", ".sa", ".pac", ".ann", ".amb")],
    }

    def align(name, reads):
        if name == "pimalign":
            return PIMALIGN + [
                "align",
                g["base"] + ".pmi",
                *reads,
                "-t",
                t,
                "--sort",
                "none",
                "--no-progress",
                "-o",
                "-",
            ]
        if name == "minimap2":
            return ["minimap2", "-ax", "sr", "-t", t, g["base"] + ".mmi", *reads]
        return ["bwa", "mem", "-t", t, g["fasta"], *reads]

    return {n: index[n] for n in tools}, size, align


def run_size(mb, work, tools, threads) -> list[dict]:
    g = prepare(work, mb)
    index, size, align = commands(tools, g, threads)
    rows = {name: {"tool": name, "mb": mb} for name in tools}
    for name in tools:
        res = timed(index[name])
        rows[name].update(
            index_s=res["wall"],
            index_rss=res["rss"],
            index_mb=sum(os.path.getsize(p) for p in size[name]) / 1e6,
        )
    # warm the JIT and the page cache once, then alternate the tools
    timed(align("pimalign", [g["one"]]), stdout=os.devnull) if "pimalign" in tools else None
    for key, reads in (("one", [g["one"]]), ("se", [g["r1"]]), ("pe", [g["r1"], g["r2"]])):
        for name in tools:
            out = os.path.join(work, f"{name}_{mb}_{key}.sam")
            res = timed(align(name, reads), stdout=out)
            rows[name].update({f"{key}_s": res["wall"], f"{key}_rss": res["rss"]})
            if key != "one":
                acc = score(out)
                rows[name].update(
                    {f"{key}_correct": acc["correct"], f"{key}_wrong": acc["wrong_q30_frac"]}
                )
            os.unlink(out)
    for row in rows.values():  # None when the one-read run took longer (page cache noise)
        extra = row["se_s"] - row["one_s"]
        row["per_read_us"] = extra / READS * 1e6 if extra > 0 else None
    return list(rows.values())


def table(rows) -> str:
    lines = [
        "| genome | tool | index s | index peak MB | index MB | one read s (RSS MB) | "
        "50k SE s (RSS MB) | 50k pairs s (RSS MB) | SE correct / wrong@Q30 | "
        "PE correct / wrong@Q30 | us per read |",
        "|---" * 11 + "|",
    ]
    for r in rows:
        lines.append(
            f"| {r['mb']} Mb | {r['tool']} | {r['index_s']:.1f} | {r['index_rss']:.0f} | "
            f"{r['index_mb']:.0f} | {r['one_s']:.2f} ({r['one_rss']:.0f}) | "
            f"{r['se_s']:.2f} ({r['se_rss']:.0f}) | {r['pe_s']:.2f} ({r['pe_rss']:.0f}) | "
            f"{r['se_correct']:.3%} / {r['se_wrong']:.4%} | "
            f"{r['pe_correct']:.3%} / {r['pe_wrong']:.4%} | "
            f"{'n/a' if r['per_read_us'] is None else format(r['per_read_us'], '.1f')} |"
        )
    return "\n".join(lines)


def plot(rows, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for tool in dict.fromkeys(r["tool"] for r in rows):
        mine = [r for r in rows if r["tool"] == tool and r["per_read_us"] is not None]
        ax.plot([r["mb"] for r in mine], [r["per_read_us"] for r in mine], "o-", label=tool)
    ax.set(
        xscale="log",
        xlabel="genome size (Mb)",
        ylabel="µs per read (50k SE, 2 threads)",
        title="per-read mapping time against genome size",
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="5,50,200", help="genome sizes in Mb")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default=os.path.join(HERE, "..", ".bench_scale"))
    ap.add_argument("--out", default=os.path.join(HERE, "results", "scale.md"))
    ap.add_argument("--no-bwa", action="store_true", help="skip bwa (its index takes minutes)")
    args = ap.parse_args(argv)
    if not shutil.which("dwgsim"):
        print("dwgsim not found (apt-get install dwgsim): cannot simulate reads", file=sys.stderr)
        return 1
    tools = ["pimalign"] + [t for t in ("minimap2", "bwa") if shutil.which(t)]
    if args.no_bwa and "bwa" in tools:
        tools.remove("bwa")
    os.makedirs(args.work, exist_ok=True)
    rows = []
    for mb in (int(x) for x in args.sizes.split(",")):
        rows += run_size(mb, args.work, tools, args.threads)
        print(table([r for r in rows if r["mb"] == mb]), flush=True)
    text = table(rows)
    png = os.path.splitext(args.out)[0] + ".png"
    plot(rows, png)
    with open(args.out, "w") as out:
        out.write(
            f"# Mapping against genome size\n\n`python benchmarks/bench_scale.py --sizes "
            f"{args.sizes} --threads {args.threads}`\n\n{text}\n\n![per read]"
            f"({os.path.basename(png)})\n"
        )
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
