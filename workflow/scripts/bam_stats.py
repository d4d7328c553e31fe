"""Alignment statistics of a BAM through pysam, with no samtools binary (Snakemake script).

``flagstat_text`` writes what ``samtools flagstat`` prints and ``idxstats_text`` what
``samtools idxstats`` prints (the tests compare both with samtools run inside pysam); the script adds
a JSON summary and plots of MAPQ, insert sizes and coverage for the report.
"""

import json
import sys
from collections import Counter

import numpy as np
import pysam

FLAGSTAT_KEYS = ("total", "primary", "secondary", "supplementary", "duplicates",
                 "primary_duplicates", "mapped", "primary_mapped", "paired", "read1", "read2",
                 "proper_pair", "both_mapped", "singletons", "mate_other_chr",
                 "mate_other_chr_mapq5")
COVERAGE_BINS = 1000
INSERT_MAX = 5000


class BamStats:
    """One pass over a BAM: flagstat counts (QC-passed, QC-failed), per-contig counts, MAPQ and
    insert-size histograms, binned coverage."""

    def __init__(self, names, lengths):
        self.flags = [dict.fromkeys(FLAGSTAT_KEYS, 0), dict.fromkeys(FLAGSTAT_KEYS, 0)]
        self.names, self.lengths = list(names), list(lengths)
        self.contig_mapped = [0] * len(self.names)
        self.contig_unmapped = [0] * len(self.names)
        self.unplaced = 0
        self.mapq = Counter()
        self.inserts = Counter()
        total = max(1, sum(self.lengths))
        self.bin_size = max(1, -(-total // COVERAGE_BINS))
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)])
        self.coverage = np.zeros(-(-total // self.bin_size) + 1, dtype=np.float64)

    def add(self, r: pysam.AlignedSegment) -> None:
        c = self.flags[1 if r.is_qcfail else 0]
        c["total"] += 1
        if r.is_secondary:
            c["secondary"] += 1
        elif r.is_supplementary:
            c["supplementary"] += 1
        else:
            c["primary"] += 1
            if r.is_paired:
                c["paired"] += 1
                if r.is_proper_pair and not r.is_unmapped:
                    c["proper_pair"] += 1
                c["read1"] += r.is_read1
                c["read2"] += r.is_read2
                if r.mate_is_unmapped and not r.is_unmapped:
                    c["singletons"] += 1
                if not r.is_unmapped and not r.mate_is_unmapped:
                    c["both_mapped"] += 1
                    if r.next_reference_id != r.reference_id:
                        c["mate_other_chr"] += 1
                        if r.mapping_quality >= 5:
                            c["mate_other_chr_mapq5"] += 1
            if not r.is_unmapped:
                c["primary_mapped"] += 1
            if r.is_duplicate:
                c["primary_duplicates"] += 1
        if not r.is_unmapped:
            c["mapped"] += 1
        if r.is_duplicate:
            c["duplicates"] += 1
        # idxstats: placed records count on their contig, mapped or not
        if r.reference_id < 0:
            self.unplaced += 1
        elif r.is_unmapped:
            self.contig_unmapped[r.reference_id] += 1
        else:
            self.contig_mapped[r.reference_id] += 1
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
            self.coverage[first + 1:last] += self.bin_size
            self.coverage[last] += end - last * self.bin_size


def collect(path: str) -> BamStats:
    with pysam.AlignmentFile(path, check_sq=False) as bam:
        stats = BamStats(bam.references, bam.lengths)
        for record in bam.fetch(until_eof=True):
            stats.add(record)
    return stats


def _percent(n: int, d: int) -> str:
    return f"{100.0 * n / d:.2f}%" if d else "N/A"


def flagstat_text(stats: BamStats) -> str:
    """The text of ``samtools flagstat`` (default format)."""
    p, f = stats.flags

    def line(key, label, denominator=None):
        text = f"{p[key]} + {f[key]} {label}"
        if denominator:
            text += f" ({_percent(p[key], p[denominator])} : {_percent(f[key], f[denominator])})"
        return text + "\n"

    return "".join([
        line("total", "in total (QC-passed reads + QC-failed reads)"),
        line("primary", "primary"),
        line("secondary", "secondary"),
        line("supplementary", "supplementary"),
        line("duplicates", "duplicates"),
        line("primary_duplicates", "primary duplicates"),
        line("mapped", "mapped", "total"),
        line("primary_mapped", "primary mapped", "primary"),
        line("paired", "paired in sequencing"),
        line("read1", "read1"),
        line("read2", "read2"),
        line("proper_pair", "properly paired", "paired"),
        line("both_mapped", "with itself and mate mapped"),
        line("singletons", "singletons", "paired"),
        line("mate_other_chr", "with mate mapped to a different chr"),
        line("mate_other_chr_mapq5", "with mate mapped to a different chr (mapQ>=5)"),
    ])


def idxstats_text(stats: BamStats) -> str:
    """The text of ``samtools idxstats``: contig, length, mapped, unmapped; then ``*``."""
    rows = [f"{n}\t{l}\t{m}\t{u}\n" for n, l, m, u in
            zip(stats.names, stats.lengths, stats.contig_mapped, stats.contig_unmapped)]
    return "".join(rows) + f"*\t0\t0\t{stats.unplaced}\n"


def summary(stats: BamStats) -> dict:
    p = stats.flags[0]
    inserts = np.repeat(np.array(list(stats.inserts), dtype=np.int64),
                        np.array(list(stats.inserts.values()), dtype=np.int64))
    return {
        "flagstat_qc_passed": p,
        "flagstat_qc_failed": stats.flags[1],
        "mapped_fraction": p["primary_mapped"] / p["primary"] if p["primary"] else None,
        "proper_pair_fraction": p["proper_pair"] / p["paired"] if p["paired"] else None,
        "insert_median": float(np.median(inserts)) if inserts.size else None,
        "mapq_histogram": {str(k): v for k, v in sorted(stats.mapq.items())},
        "contigs": [{"name": n, "length": l, "mapped": m, "unmapped": u} for n, l, m, u in
                    zip(stats.names, stats.lengths, stats.contig_mapped, stats.contig_unmapped)],
    }


def plots(stats: BamStats, name: str, mapq_png: str, insert_png: str, coverage_png: str) -> None:
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
        ax.text(0.5, 0.5, "no proper pairs (single-end or unpaired)", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_title(f"{name}: insert size")
    fig.tight_layout()
    fig.savefig(insert_png, dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 3.5))
    depth = stats.coverage[:-1] / stats.bin_size
    ax.plot(np.arange(depth.size) * stats.bin_size, depth, lw=0.8, color="#c44e52")
    for start in stats.starts[1:-1]:
        ax.axvline(start, color="grey", lw=0.5)
    ax.set(xlabel="position on the concatenated reference (bp)", ylabel="mean depth",
           title=f"{name}: coverage ({stats.bin_size} bp bins)")
    fig.tight_layout()
    fig.savefig(coverage_png, dpi=100)
    plt.close(fig)


def main(snakemake) -> None:
    with open(snakemake.log[0], "w") as log:
        sys.stderr = log
        stats = collect(str(snakemake.input.bam))
        out = snakemake.output
        with open(out.flagstat, "w") as handle:
            handle.write(flagstat_text(stats))
        with open(out.idxstats, "w") as handle:
            handle.write(idxstats_text(stats))
        with open(out.summary, "w") as handle:
            json.dump(summary(stats), handle, indent=1)
            handle.write("\n")
        plots(stats, snakemake.wildcards.sample, out.mapq, out.inserts, out.coverage)
        print(f"{snakemake.input.bam}: {stats.flags[0]['total']} records", file=log)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake)
