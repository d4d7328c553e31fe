"""Alignment statistics of a BAM (Snakemake script): ``samtools flagstat`` and ``idxstats``
(run inside pysam, no samtools binary needed), a JSON summary, and plots of MAPQ, insert sizes
and coverage for the report.
"""

import json
import sys
from collections import Counter

import numpy as np
import pysam

COVERAGE_BINS = 1000
INSERT_MAX = 5000


class PlotData:
    """One pass over a BAM's primary mapped records: MAPQ and insert-size histograms, binned
    coverage (what samtools' own statistics do not give)."""

    def __init__(self, names, lengths):
        self.names, self.lengths = list(names), list(lengths)
        self.mapq = Counter()
        self.inserts = Counter()
        total = max(1, sum(self.lengths))
        self.bin_size = max(1, -(-total // COVERAGE_BINS))
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)])
        self.coverage = np.zeros(-(-total // self.bin_size) + 1, dtype=np.float64)

    def add(self, r: pysam.AlignedSegment) -> None:
        if r.is_secondary or r.is_supplementary or r.is_unmapped:
            return
        self.mapq[r.mapping_quality] += 1
        if r.is_proper_pair and r.is_read1 and r.template_length:
            self.inserts[min(abs(r.template_length), INSERT_MAX)] += 1
        start = self.starts[r.reference_id] + r.reference_start
        end = self.starts[r.reference_id] + r.reference_end
        first, last = start // self.bin_size, (end - 1) // self.bin_size
        if first == last:
            self.coverage[first] += end - start
        else:  # a read across a bin edge: split its bases between the bins
            edge = (first + 1) * self.bin_size
            self.coverage[first] += edge - start
            self.coverage[first + 1 : last] += self.bin_size
            self.coverage[last] += end - last * self.bin_size


def collect(path: str) -> PlotData:
    with pysam.AlignmentFile(path, check_sq=False) as bam:
        stats = PlotData(bam.references, bam.lengths)
        for record in bam.fetch(until_eof=True):
            stats.add(record)
    return stats


def summary(flagstat_json: str, idxstats: str, stats: PlotData) -> dict:
    """The report's summary: samtools' flagstat counts, per-contig counts, MAPQ histogram and
    median insert size."""
    counts = json.loads(flagstat_json)
    passed = counts["QC-passed reads"]
    inserts = np.repeat(
        np.array(list(stats.inserts), dtype=np.int64),
        np.array(list(stats.inserts.values()), dtype=np.int64),
    )
    contigs = [
        dict(zip(("name", "length", "mapped", "unmapped"), line.split("\t")))
        for line in idxstats.splitlines()
        if not line.startswith("*\t")
    ]
    for c in contigs:
        for key in ("length", "mapped", "unmapped"):
            c[key] = int(c[key])
    return {
        "flagstat_qc_passed": passed,
        "flagstat_qc_failed": counts["QC-failed reads"],
        "mapped_fraction": (
            passed["primary mapped"] / passed["primary"] if passed["primary"] else None
        ),
        "proper_pair_fraction": (
            passed["properly paired"] / passed["paired in sequencing"]
            if passed["paired in sequencing"]
            else None
        ),
        "insert_median": float(np.median(inserts)) if inserts.size else None,
        "mapq_histogram": {str(k): v for k, v in sorted(stats.mapq.items())},
        "contigs": contigs,
    }


def plots(stats: PlotData, name: str, mapq_png: str, insert_png: str, coverage_png: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    if stats.mapq:
        keys = sorted(stats.mapq)
        ax.bar(keys, [stats.mapq[k] for k in keys], width=1.0, color="#4c72b0")
    ax.set(xlabel="MAPQ", ylabel="primary mapped reads", title=f"{name}: mapping quality")
    fig.tight_layout()
    fig.savefig(mapq_png, dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    if stats.inserts:
        keys = sorted(stats.inserts)
        ax.bar(keys, [stats.inserts[k] for k in keys], width=1.0, color="#55a868")
        ax.set(xlabel="insert size (bp)", ylabel="proper pairs")
    else:
        ax.text(
            0.5,
            0.5,
            "no proper pairs (single-end or unpaired)",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    ax.set_title(f"{name}: insert size")
    fig.tight_layout()
    fig.savefig(insert_png, dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 3.5))
    depth = stats.coverage[:-1] / stats.bin_size
    ax.plot(np.arange(depth.size) * stats.bin_size, depth, lw=0.8, color="#c44e52")
    for start in stats.starts[1:-1]:
        ax.axvline(start, color="grey", lw=0.5)
    ax.set(
        xlabel="position on the concatenated reference (bp)",
        ylabel="mean depth",
        title=f"{name}: coverage ({stats.bin_size} bp bins)",
    )
    fig.tight_layout()
    fig.savefig(coverage_png, dpi=100)
    plt.close(fig)


def main(snakemake) -> None:
    with open(snakemake.log[0], "w") as log:
        sys.stderr = log
        bam = str(snakemake.input.bam)
        out = snakemake.output
        flagstat, idxstats = pysam.flagstat(bam), pysam.idxstats(bam)
        with open(out.flagstat, "w") as handle:
            handle.write(flagstat)
        with open(out.idxstats, "w") as handle:
            handle.write(idxstats)
        stats = collect(bam)
        with open(out.summary, "w") as handle:
            json.dump(summary(pysam.flagstat(bam, "-O", "json"), idxstats, stats), handle, indent=1)
            handle.write("\n")
        plots(stats, snakemake.wildcards.sample, out.mapq, out.inserts, out.coverage)
        print(f"{bam}: {sum(stats.mapq.values())} primary mapped records", file=log)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake)
