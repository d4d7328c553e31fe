"""Parity with bwa mem on real reads: mapped, same place, same AS, and why they differ.

For each read set, bwa mem and ``pimalign align`` run side by side (single-end on the first file,
and paired-end when there are two), and their primary records are compared read by read. Of
the reads bwa maps with MAPQ >= 20 the table gives the share pimalign maps, maps at bwa's place
(same contig and strand, leftmost position with soft clips added back within 10 bp) and, where
both report the same contig, strand and POS, the share with an equal ``AS``. Every disagreement
is put in one class by a rule written below (``cause_*``), and the classes are counted.

Default sets are real Illumina reads shipped by Debian packages (skipped, with the command that
installs them, when absent):

- ``ex1``: pysam's test data (python-pysam-tests), 35-40 bp pairs of the 1000 Genomes era on two
  1.6 kb contigs;
- ``lambda``: bowtie2's example reads (bowtie2-examples), 10,000 pairs of 40-260 bp reads with Ns
  on the lambda phage genome.

Any other set: ``--set NAME:REF:R1[:R2]`` (e.g. smalt-examples' 100 bp pairs on 71 Mb of human
chromosome X, ``/usr/share/doc/smalt/test/data/hs37*``: most of those reads come from elsewhere
in the genome, so few are unique there).

Usage:
    python benchmarks/bench_parity.py [--set NAME:REF:R1[:R2] ...] [--threads 2]
        [--out benchmarks/results/parity.md] [--keep DIR]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pysam

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PIMALIGN = [sys.executable, "-m", "pimalign"]
MIN_MAPQ = 20
NEAR = 10  # bp: "same place" tolerance on the unclipped leftmost position

PYSAM_DATA = "/usr/share/doc/python-pysam/tests/pysam_data"
BOWTIE2_DATA = "/usr/share/doc/bowtie2/examples"
DEFAULT_SETS = {
    "ex1": (
        f"{PYSAM_DATA}/ex1.fa",
        f"{PYSAM_DATA}/ex1.bam.gz",
        None,
        "apt-get install python-pysam-tests",
    ),
    "lambda": (
        f"{BOWTIE2_DATA}/reference/lambda_virus.fa.gz",
        f"{BOWTIE2_DATA}/reads/reads_1.fq.gz",
        f"{BOWTIE2_DATA}/reads/reads_2.fq.gz",
        "apt-get install bowtie2-examples",
    ),
}


def pairs_from_bam(bam_gz: str, work: str) -> tuple[str, str]:
    """FASTQ pairs (mates with both ends present, in name order of first appearance) from a
    gzipped BAM such as pysam's ex1."""
    bam = os.path.join(work, "reads.bam")
    with open(bam_gz, "rb") as src, open(bam, "wb") as dst:
        import gzip

        dst.write(gzip.decompress(src.read()))
    ends: dict = {}
    order = []
    with pysam.AlignmentFile(bam, check_sq=False) as handle:
        for rec in handle.fetch(until_eof=True):
            if rec.is_secondary or rec.is_supplementary or not rec.is_paired:
                continue
            seq, qual = rec.get_forward_sequence(), rec.get_forward_qualities()
            qtext = "".join(chr(q + 33) for q in qual)
            if rec.query_name not in ends:
                ends[rec.query_name] = {}
                order.append(rec.query_name)
            ends[rec.query_name][1 if rec.is_read1 else 2] = (seq, qtext)
    paths = (os.path.join(work, "r1.fq"), os.path.join(work, "r2.fq"))
    with open(paths[0], "w") as o1, open(paths[1], "w") as o2:
        for name in order:
            if len(ends[name]) != 2:
                continue
            for out, which in ((o1, 1), (o2, 2)):
                seq, qual = ends[name][which]
                out.write(f"@{name}\n{seq}\n+\n{qual}\n")
    return paths


def run(cmd: list[str], out_path: str) -> float:
    start = time.perf_counter()
    with open(out_path, "wb") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()[-2000:]}")
    return time.perf_counter() - start


Record = collections.namedtuple(
    "Record", "mapped contig strand pos start end cigar mapq AS XS seq flag mate_mapped proper"
)


def primaries(sam: str) -> tuple[dict, dict]:
    """``{(name, end, ordinal): Record}`` of the primary records, and contig lengths."""
    out = {}
    seen: collections.Counter = collections.Counter()
    with pysam.AlignmentFile(sam, check_sq=False) as handle:
        lengths = dict(zip(handle.references, handle.lengths))
        for rec in handle.fetch(until_eof=True):
            if rec.is_secondary or rec.is_supplementary:
                continue
            end = 1 if rec.is_read1 else 2 if rec.is_read2 else 0
            key = (rec.query_name, end)
            seen[key] += 1
            mapped = not rec.is_unmapped
            cig = rec.cigartuples or []
            lead = cig[0][1] if cig and cig[0][0] == 4 else 0
            tags = dict(rec.get_tags()) if mapped else {}
            out[key + (seen[key],)] = Record(
                mapped,
                rec.reference_name if mapped else None,
                int(rec.is_reverse),
                rec.reference_start if mapped else -1,
                rec.reference_start - lead if mapped else -1,
                rec.reference_end if mapped else -1,
                rec.cigarstring,
                rec.mapping_quality,
                tags.get("AS"),
                tags.get("XS"),
                rec.query_sequence or "",
                rec.flag,
                rec.is_paired and not rec.mate_is_unmapped,
                rec.is_proper_pair,
            )
    return out, lengths


def same_place(a: Record, b: Record) -> bool:
    return (
        b.mapped
        and a.contig == b.contig
        and a.strand == b.strand
        and abs(a.start - b.start) <= NEAR
    )


def cause_unmapped(bwa: Record, lengths: dict, min_score: int) -> str:
    """Why pimalign may have left a read unmapped that bwa maps."""
    ops = re.findall(r"(\d+)([MIDS])", bwa.cigar or "")
    if bwa.AS is not None and bwa.AS < min_score:
        return "bwa AS < -T (kept as a paired mate)"
    if ops and (
        ops[0][1] == "S" and bwa.pos == 0 or ops[-1][1] == "S" and bwa.end >= lengths[bwa.contig]
    ):
        return "overhangs a contig end"
    if "N" in bwa.seq:
        return "read holds N"
    if len(bwa.seq) < 50:
        return "short read (< 50 bp)"
    return "other"


def cause_place(bwa: Record, pim: Record) -> str:
    if not pim.mapped:
        return "unmapped"
    if pim.AS is not None and bwa.AS is not None and pim.AS > bwa.AS:
        return "pimalign's place scores higher"
    if bwa.XS is not None and bwa.XS >= bwa.AS:
        return "equal repeat copy"
    if pim.AS == bwa.AS:
        return "another place, same AS"
    return "pimalign's place scores lower"


def cause_score(bwa: Record, pim: Record) -> str:
    if "N" in bwa.seq:
        return "read holds N"
    b_ops = re.findall(r"(\d+)([MIDS])", bwa.cigar)
    p_ops = re.findall(r"(\d+)([MIDS])", pim.cigar)
    if "S" in bwa.cigar or "S" in pim.cigar:
        if [o for o in b_ops if o[1] == "S"] != [o for o in p_ops if o[1] == "S"]:
            return "soft clip differs"
        return "clipped, same clips"
    if "I" in bwa.cigar + pim.cigar or "D" in bwa.cigar + pim.cigar:
        return "gapped"
    return "other"


def compare(bwa_sam: str, pim_sam: str, min_score: int) -> dict:
    bwa, lengths = primaries(bwa_sam)
    pim, _ = primaries(pim_sam)
    if set(bwa) != set(pim):
        raise RuntimeError(f"{bwa_sam} and {pim_sam} hold different reads")
    stats = collections.Counter()
    causes: dict = {
        "unmapped": collections.Counter(),
        "place": collections.Counter(),
        "AS": collections.Counter(),
    }
    examples: dict = {}
    for key, b in bwa.items():
        p = pim[key]
        stats["reads"] += 1
        stats["bwa_mapped"] += b.mapped
        stats["pim_mapped"] += p.mapped
        if (
            b.mapped
            and p.mapped
            and b.contig == p.contig
            and b.strand == p.strand
            and b.pos == p.pos
        ):
            stats["same_pos"] += 1
            if b.AS == p.AS:
                stats["same_AS"] += 1
            else:
                c = cause_score(b, p)
                causes["AS"][c] += 1
                examples.setdefault(("AS", c), (key, b, p))
        if not b.mapped or b.mapq < MIN_MAPQ:
            continue
        stats["bwa_q20"] += 1
        if not p.mapped:
            c = cause_unmapped(b, lengths, min_score)
            causes["unmapped"][c] += 1
            examples.setdefault(("unmapped", c), (key, b, p))
            continue
        stats["q20_mapped"] += 1
        if same_place(b, p):
            stats["q20_same_place"] += 1
        else:
            c = cause_place(b, p)
            causes["place"][c] += 1
            examples.setdefault(("place", c), (key, b, p))
    return {"stats": stats, "causes": causes, "examples": examples}


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.2f}%" if b else "-"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME:REF:R1[:R2]",
        help="a read set (default: the Debian-packaged real sets, where installed)",
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--min-score", type=int, default=30, help="-T of both tools")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "parity.md"))
    ap.add_argument("--keep", help="keep the SAM files in this folder")
    ap.add_argument("--examples", action="store_true", help="print one record pair per cause")
    args = ap.parse_args(argv)
    if not shutil.which("bwa"):
        print("bwa not found on PATH (apt-get install bwa): nothing to compare", file=sys.stderr)
        return 1
    work = args.keep or tempfile.mkdtemp(prefix="parity-")
    os.makedirs(work, exist_ok=True)
    sets = []
    for spec in args.set:
        name, ref, r1, *r2 = spec.split(":")
        sets.append((name, ref, r1, r2[0] if r2 else None))
    if not args.set:
        for name, (ref, r1, r2, how) in DEFAULT_SETS.items():
            if not os.path.exists(ref):
                print(f"{name}: not installed ({how}); skipped", file=sys.stderr)
                continue
            if r1.endswith(".bam.gz"):
                folder = os.path.join(work, name)
                os.makedirs(folder, exist_ok=True)
                r1, r2 = pairs_from_bam(r1, folder)
            sets.append((name, ref, r1, r2))
    rows = []
    lines = [
        "| set | mode | reads | bwa MAPQ>=20 | pimalign maps | at bwa's place | same POS | "
        "AS equal | bwa s | pimalign s |",
        "|---" * 10 + "|",
    ]
    detail = []
    for name, ref, r1, r2 in sets:
        local_ref = os.path.join(work, f"{name}.fa")
        if not os.path.exists(local_ref + ".bwt"):
            with open(local_ref, "wb") as out:
                import gzip

                raw = open(ref, "rb").read()
                out.write(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
            subprocess.run(["bwa", "index", local_ref], check=True, capture_output=True)
        for mode, reads in (("SE", [r1]), ("PE", [r1, r2])):
            if None in reads:
                continue
            base = os.path.join(work, f"{name}_{mode}")
            t_bwa = run(
                [
                    "bwa",
                    "mem",
                    "-t",
                    str(args.threads),
                    "-T",
                    str(args.min_score),
                    local_ref,
                    *reads,
                ],
                base + "_bwa.sam",
            )
            t_pim = run(
                PIMALIGN
                + [
                    "align",
                    local_ref,
                    *reads,
                    "-o",
                    "-",
                    "--sort",
                    "none",
                    "-t",
                    str(args.threads),
                    "--min-score",
                    str(args.min_score),
                    "--no-progress",
                ],
                base + "_pim.sam",
            )
            res = compare(base + "_bwa.sam", base + "_pim.sam", args.min_score)
            s = res["stats"]
            rows.append((name, mode, res))
            lines.append(
                f"| {name} | {mode} | {s['reads']:,} | {s['bwa_q20']:,} | "
                f"{pct(s['q20_mapped'], s['bwa_q20'])} | "
                f"{pct(s['q20_same_place'], s['bwa_q20'])} | {s['same_pos']:,} | "
                f"{pct(s['same_AS'], s['same_pos'])} | {t_bwa:.2f} | {t_pim:.2f} |"
            )
            for kind, counter in res["causes"].items():
                for cause, count in counter.most_common():
                    detail.append(f"| {name} | {mode} | {kind} | {cause} | {count} |")
                    if args.examples:
                        key, b, p = res["examples"][(kind, cause)]
                        print(f"{name} {mode} {kind} {cause}: {key}\n  bwa {b}\n  pim {p}")
    table = "\n".join(lines)
    table += (
        "\n\nDisagreements by cause (of bwa's MAPQ >= 20 reads for unmapped/place; of the "
        "same-POS reads for AS):\n\n| set | mode | kind | cause | reads |\n|---|---|---|---|---|\n"
    )
    table += "\n".join(detail) if detail else "| - | - | - | none | 0 |"
    print(table)
    if args.out:
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        with open(args.out, "w") as out:
            out.write(
                "# bwa mem parity\n\n`python benchmarks/bench_parity.py` "
                f"({time.strftime('%Y-%m-%d')}, "
                f"{args.threads} threads, -T {args.min_score})\n\n{table}\n"
            )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
