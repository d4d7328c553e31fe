"""Writes the hand-made golden set in ``tests/data/golden/`` (``python tests/make_golden.py``;
``--bwa`` also re-runs bwa mem 0.7.17 for the pinned ``bwa_*.sam``; test_golden.py checks that
this script reproduces the committed inputs, and writes ``pimalign_*.sam`` anew when run with
``PIMALIGN_GOLDEN=write`` after a change of output that is meant).

A 3-chromosome reference (seeded random bases) with N runs inside, at a contig start and at a
contig end; single reads each made for one rule: the soft-clip ties of bwa (two mismatches that
make clipping score exactly what the mismatches cost, and one base further, where they do not),
with a deletion or an insertion inside too, two deletions (the MD text), reads over an N run,
reads holding N, contig overhangs, reverse strands, and a read that maps nowhere; pairs whose
insert lies at the bounds of the proper-pair window of ``-I 300,20``: bwa's window [220, 380] is
on the distance from mate 1's start to mate 2's last base, one less than TLEN, so TLEN 221 and 381
are proper and 220 and 382 are not (and 219).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "golden")
COMP = str.maketrans("ACGTN", "TGCAN")
INSERT = "300,20"  # -I for the pairs, bwa's and pimalign's


def revcomp(s: str) -> str:
    return s.translate(COMP)[::-1]


def substitute(s: str, *positions: int) -> str:
    """``s`` with the base at each position changed (A->C->G->T->A)."""
    for i in positions:
        s = s[:i] + {"A": "C", "C": "G", "G": "T", "T": "A"}[s[i]] + s[i + 1 :]
    return s


def reference() -> dict[str, str]:
    rng = random.Random(20261207)
    bases = lambda n: "".join(rng.choice("ACGT") for _ in range(n))  # noqa: E731
    chr1 = bases(3000)
    chr1 = chr1[:2000] + "N" * 50 + chr1[2050:]
    chr2 = "N" * 10 + bases(1480) + "N" * 10
    chr3 = bases(2500)
    return {"chr1": chr1, "chr2": chr2, "chr3": chr3}


def single_reads(ref: dict[str, str]) -> dict[str, str]:
    c1, c2, c3 = ref["chr1"], ref["chr2"], ref["chr3"]
    reads = {
        "clip5_tie": substitute(c1[500:600], 0, 4),  # prefix -4 +1 +1 +1 -4 = -5 = clip5
        "clip5_none": substitute(c1[600:700], 0, 5),  # prefix never reaches -5
        "clip3_tie": substitute(c1[800:900], 99, 95),
        "clip3_none": substitute(c1[900:1000], 99, 94),
        "clip5_tie_del": substitute(c1[1500:1550] + c1[1551:1610], 0, 4),
        "clip5_none_del": substitute(c1[1700:1750] + c1[1751:1810], 0, 5),
        "clip3_tie_ins": substitute(c3[1800:1860] + "A" + c3[1860:1900], 100, 96),
        "clip3_none_ins": substitute(c3[2000:2060] + "A" + c3[2060:2100], 100, 95),
        "two_deletions": c1[100:170] + c1[172:200] + c1[203:260],
        "deletion_and_insertion": c3[300:360] + c3[362:400] + "GT" + c3[400:450],
        "over_n_run": c1[1940:2000] + c1[2050:2090],  # spans the N run's edges
        "into_n_run": c1[1930:2030],
        "holds_n": c3[700:740] + "N" + c3[741:800] + "NN" + c3[802:850],
        "contig2_start": c2[0:100],  # 10 N then bases
        "contig2_end": c2[-100:],
        "overhang_chr3_start": "ACGTTGCAAC" + c3[0:90],
        "reverse_clip5_tie": revcomp(substitute(c3[1000:1100], 99, 95)),
        "reverse_two_deletions": revcomp(c3[1200:1260] + c3[1261:1300] + c3[1304:1360]),
        "nowhere": "".join(random.Random(1).choice("ACGT") for _ in range(100)),
    }
    return reads


def pairs(ref: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Mate 1 forward at ``start``, mate 2 reverse ending at ``start + insert``, 100 bp each."""
    c1, c3 = ref["chr1"], ref["chr3"]
    out = {}
    for name, seq, start, insert in [
        ("insert_220", c1, 200, 220),
        ("insert_219", c1, 600, 219),
        ("insert_380", c3, 100, 380),
        ("insert_381", c3, 700, 381),
        ("insert_300", c3, 1400, 300),
        ("insert_221", c1, 1000, 221),
        ("insert_382", c3, 1900, 382),
        ("insert_300_rev", c1, 2200, 300),
    ]:
        m1, m2 = seq[start : start + 100], revcomp(seq[start + insert - 100 : start + insert])
        out[name] = (m2, m1) if name.endswith("_rev") else (m1, m2)
    return out


def fastq(records: dict[str, str], path: str) -> None:
    with open(path, "w") as fh:
        for name, seq in records.items():
            fh.write(f"@{name}\n{seq}\n+\n{'I' * len(seq)}\n")


def write_inputs(folder: str = HERE) -> list[str]:
    """Write ``ref.fa``, ``se.fq``, ``r1.fq``, ``r2.fq`` into ``folder``; returns their paths."""
    os.makedirs(folder, exist_ok=True)
    ref = reference()
    paths = [os.path.join(folder, n) for n in ("ref.fa", "se.fq", "r1.fq", "r2.fq")]
    with open(paths[0], "w") as fh:
        for name, seq in ref.items():
            fh.write(f">{name}\n" + "".join(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60)))
    fastq(single_reads(ref), paths[1])
    mates = pairs(ref)
    fastq({n: a for n, (a, _) in mates.items()}, paths[2])
    fastq({n: b for n, (_, b) in mates.items()}, paths[3])
    return paths


def run_bwa(folder: str = HERE) -> None:
    """bwa mem's SAM of both sets (header lines dropped), into ``bwa_se.sam`` and ``bwa_pe.sam``."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        ref = os.path.join(tmp, "ref.fa")
        with open(os.path.join(folder, "ref.fa")) as src, open(ref, "w") as dst:
            dst.write(src.read())
        subprocess.run(["bwa", "index", ref], check=True, capture_output=True)
        for out, reads, extra in [
            ("bwa_se.sam", ["se.fq"], []),
            ("bwa_pe.sam", ["r1.fq", "r2.fq"], ["-I", INSERT]),
        ]:
            argv = ["bwa", "mem", *extra, ref, *(os.path.join(folder, r) for r in reads)]
            sam = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
            with open(os.path.join(folder, out), "w") as fh:
                fh.writelines(line + "\n" for line in sam.splitlines() if not line.startswith("@"))


if __name__ == "__main__":
    write_inputs()
    if "--bwa" in sys.argv:
        run_bwa()
