"""Score a SAM/BAM against the truth in dwgsim read names.

A read is correct when its primary alignment lies on the right contig and its leftmost position,
soft clips added back, is within 10 bp of the truth; a dwgsim random read (no true origin) is
correct when it is left unmapped (the usual rule for dwgsim sets; on the E. coli set of
``benchmarks/README.md`` it scores bwa mem at 98.858% single-end on the 100k reads).
``wrong@Q30`` is the fraction of reads with MAPQ >= 30 that are not correct.

With ``--truth TRUE.sam`` the truth comes from a SAM of the true alignments instead (as
``art_illumina -sam`` writes it; contig names are compared up to the first space).

Usage: python benchmarks/score_truth.py [--truth TRUE.sam] FILE.bam [FILE2.bam ...]
"""

from __future__ import annotations

import sys

import pysam

TOLERANCE = 10


def truth_of(name: str, second: bool):
    """(contig, 1-based leftmost position, is_random) from a dwgsim read name."""
    parts = name.rsplit("_", 9)
    if len(parts) != 10:
        raise ValueError(f"not a dwgsim read name: {name!r}")
    contig = parts[0]
    pos = int(parts[2] if second else parts[1])
    random = parts[6 if second else 5] == "1"
    return contig, pos, random


def truth_table(path: str) -> dict:
    """``{(name, is_read2): (contig, 1-based leftmost position, False)}`` from a true SAM."""
    table = {}
    with open(path) as sam:  # read as text: ART's @SQ lines keep whole FASTA headers
        for line in sam:
            if line.startswith("@"):
                continue
            name, flag, contig, pos = line.split("\t", 4)[:4]
            table[(name, bool(int(flag) & 128))] = (contig.split()[0], int(pos), False)
    return table


def score(path: str, truth: dict | None = None) -> dict:
    reads = correct = q30 = wrong_q30 = mapped = 0
    with pysam.AlignmentFile(path, check_sq=False) as bam:
        for rec in bam.fetch(until_eof=True):
            if rec.is_secondary or rec.is_supplementary:
                continue
            reads += 1
            if truth is None:
                contig, pos, random = truth_of(rec.query_name, rec.is_read2)
            else:
                contig, pos, random = truth[(rec.query_name, rec.is_read2)]
            ok = random and rec.is_unmapped
            if not rec.is_unmapped:
                mapped += 1
                clip = rec.cigartuples[0][1] if rec.cigartuples[0][0] == 4 else 0
                left = rec.reference_start + 1 - clip
                ok = not random and rec.reference_name == contig and abs(left - pos) <= TOLERANCE
                if rec.mapping_quality >= 30:
                    q30 += 1
                    wrong_q30 += not ok
            correct += ok
    return {
        "reads": reads,
        "mapped": mapped / max(reads, 1),
        "correct": correct / max(reads, 1),
        "q30": q30,
        "wrong_q30": wrong_q30,
        "wrong_q30_frac": wrong_q30 / max(q30, 1),
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    table = None
    if args[:1] == ["--truth"]:
        table, args = truth_table(args[1]), args[2:]
    for p in args:
        s = score(p, table)
        print(
            f"{p}\treads {s['reads']}\tmapped {s['mapped']:.3%}\tcorrect {s['correct']:.3%}\t"
            f"wrong@Q30 {s['wrong_q30_frac']:.4%} ({s['wrong_q30']}/{s['q30']})"
        )
