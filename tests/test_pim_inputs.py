"""PIM workloads from real alignments: a BAM with its reference, or reads mapped here."""

import json
import os
import random
from dataclasses import replace

import numpy as np
import pysam
import pytest
from conftest import DATA

from pimalign.alphabet import decode
from pimalign.io.errors import InputError
from pimalign.pim.from_alignments import load_reference, pairs_from_bam
from pimalign.pim.source import WorkloadSource, load_workload

REF = os.path.join(DATA, "demo_ref.fa.gz")
R1 = os.path.join(DATA, "demo_R1.fq.gz")
R2 = os.path.join(DATA, "demo_R2.fq.gz")


def write_ref(path, contigs):
    with open(path, "w") as handle:
        for name, seq in contigs.items():
            handle.write(f">{name}\n{seq}\n")


def write_sam(path, contigs, records):
    header = {"HD": {"VN": "1.6"}, "SQ": [{"SN": n, "LN": len(s)} for n, s in contigs.items()]}
    with pysam.AlignmentFile(str(path), "w", header=header) as out:
        for name, flag, contig, pos, cigar, seq in records:
            rec = pysam.AlignedSegment(out.header)
            rec.query_name, rec.flag, rec.cigarstring = name, flag, cigar
            rec.reference_name = contig if contig else None
            rec.reference_start = pos
            if seq is not None:
                rec.query_sequence = seq
            out.write(rec)


@pytest.fixture()
def small(tmp_path):
    rng = random.Random(11)
    contigs = {
        "chrA": "".join(rng.choice("ACGT") for _ in range(300)),
        "chrB": "".join(rng.choice("ACGT") for _ in range(120)),
    }
    ref = tmp_path / "ref.fa"
    write_ref(ref, contigs)
    a, b = contigs["chrA"], contigs["chrB"]
    records = [
        # 5 soft-clipped bases, 40 aligned at 100: the window starts 5 before 100
        ("clip", 0, "chrA", 100, "5S40M", "TTTTT" + a[100:140]),
        # reverse strand: SEQ is already on the reference strand; the window ends at the contig
        ("rev", 16, "chrB", 90, "30M", b[90:120]),
        ("sec", 256, "chrA", 10, "20M", a[10:30]),
        ("supp", 2048, "chrA", 10, "20M", a[10:30]),
        ("unmapped", 4, None, -1, None, "ACGTACGT"),
        # a deletion: the window spans the deleted bases
        ("del", 0, "chrA", 200, "20M3D20M", a[200:220] + a[223:243]),
    ]
    sam = tmp_path / "aln.sam"
    write_sam(sam, contigs, records)
    return contigs, str(ref), str(sam)


def test_each_mapped_record_is_its_read_against_its_window(small):
    contigs, ref, sam = small
    a, b = contigs["chrA"], contigs["chrB"]
    q_flat, q_off, t_flat, t_off, counts, reads = pairs_from_bam(sam, load_reference(ref), pad=4)
    assert counts == {
        "used": 5,
        "reads": 5,
        "secondary_or_supplementary": 2,
        "unmapped": 1,
        "no_sequence": 0,
    }
    assert list(reads) == [0, 1, 2, 3, 4]  # five names: five reads of one window each
    queries = [decode(q_flat[q_off[i] : q_off[i + 1]]) for i in range(5)]
    windows = [decode(t_flat[t_off[i] : t_off[i + 1]]) for i in range(5)]
    assert queries == ["TTTTT" + a[100:140], b[90:120], a[10:30], a[10:30], a[200:220] + a[223:243]]
    assert windows == [a[95 : 140 + 4], b[90:120], a[10:34], a[10:34], a[200 : 243 + 4]]


def test_a_read_with_several_windows_crosses_the_link_once(tmp_path):
    """A read's secondary and supplementary records are further windows of it: the host sends
    the read once (2 bits a base) and, per window, a 48-bit address and the result."""
    from pimalign.pim.device import DEFAULT
    from pimalign.pim.estimate import pim_estimate

    rng = random.Random(4)
    read = "".join(rng.choice("ACGT") for _ in range(60))
    # the read at 100, repeated at 300 and 400 (where its secondary records lie)
    a = "".join(rng.choice("ACGT") for _ in range(600))
    a = a[:100] + read + a[160:300] + read + a[360:400] + read + a[460:]
    contigs = {"chrA": a}
    ref = tmp_path / "ref.fa"
    write_ref(ref, contigs)
    records = [
        ("r", 0, "chrA", 100, "60M", read),
        ("r", 256, "chrA", 300, "60M", None),  # no SEQ: the primary's
        ("r", 256, "chrA", 400, "60M", read),
        ("s", 2048, "chrA", 500, "10H50M", None),  # hard clipped, no SEQ: nothing to align
        ("t", 0, "chrA", 20, "40M", a[20:60]),
    ]
    sam = tmp_path / "aln.sam"
    write_sam(sam, contigs, records)
    *enc, counts, reads = pairs_from_bam(str(sam), load_reference(str(ref)))
    assert counts["used"] == 4 and counts["reads"] == 2 and counts["no_sequence"] == 1
    assert list(reads) == [0, 0, 0, 1]
    assert decode(enc[0][enc[1][1] : enc[1][2]]) == read
    wl, _, _, _, _ = load_workload(WorkloadSource(bam=str(sam), ref=str(ref)), 8)
    est = pim_estimate(wl, DEFAULT)
    assert est["not_fitting"] == 0
    results = est["host_bits"] - (2 * 60 + 2 * 40 + 48 * 4)  # what the windows send back
    # each window's result: the row's registers, flags and coverage (model.read_bits)
    assert 4 * 10 < results < 4 * 48
    assert est["host_bits_per_alignment_by_mode"]["reference_resident"] * 4 == est["host_bits"]
    assert est["reads"] == 2 and est["windows_per_read"] == 2.0
    assert est["host_bits_per_read"] == pytest.approx(est["host_bits"] / 2)
    assert est["host_bits_per_window"] == pytest.approx(est["host_bits"] / 4)
    # against every window sending its read: 2 x 60 x 2 bits fewer
    alone = pim_estimate(replace(wl, read=None), DEFAULT)
    assert alone["host_bits"] - est["host_bits"] == 2 * 2 * 60


def test_bam_workload_is_exact_and_shw_by_default(small):
    contigs, ref, sam = small
    wl, enc, prof, _, source = load_workload(WorkloadSource(bam=sam, ref=ref), 8)
    assert source["mode"] == "SHW" and source["reference_bases"] == 420
    assert source["records"]["used"] == 5 == len(wl)
    # the reverse read matches its window exactly; the clipped one pays for its clip
    clip_cost = sum(x != "T" for x in contigs["chrA"][95:100])
    assert 0 < prof["distance"][0] <= clip_cost and prof["distance"][1] == 0


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda c: c.update(chrB=c["chrB"] + "A"), "has length 120 in the header but 121"),
        (lambda c: c.pop("chrB"), "contig 'chrB' of the header is not in the reference"),
    ],
)
def test_a_bam_that_does_not_match_its_reference_is_named(small, tmp_path, change, message):
    contigs, _, sam = small
    other = dict(contigs)
    change(other)
    ref = tmp_path / "other.fa"
    write_ref(ref, other)
    with pytest.raises(InputError, match=message):
        pairs_from_bam(sam, load_reference(str(ref)))


def test_bam_input_errors(tmp_path, small):
    _, ref, _ = small
    with pytest.raises(InputError, match="no such file"):
        pairs_from_bam(str(tmp_path / "missing.bam"), load_reference(ref))
    junk = tmp_path / "junk.bam"
    junk.write_bytes(b"\x1f\x8b not really")
    with pytest.raises(InputError, match="junk.bam"):
        pairs_from_bam(str(junk), load_reference(ref))
    with pytest.raises(ValueError, match="need --ref"):
        load_workload(WorkloadSource(bam=str(junk)), 8)
    with pytest.raises(ValueError, match="exactly one"):
        load_workload(WorkloadSource(pairs="x.tsv", bam=str(junk), ref=ref), 8)


def test_estimate_from_reads_maps_them_then_profiles_every_alignment(tmp_path):
    from pimalign.cli.main import main

    out = tmp_path / "est.json"
    argv = ["pim", "estimate", "--reads", R1, R2, "--ref", REF, "--repeats", "1"]
    assert main(argv + ["--limit", "500", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["alignments"] == 500 and report["settings"]["mode"] == "SHW"
    assert report["settings"]["records"]["used"] == 500
    assert report["host_bits_per_read"] >= report["host_bits_per_alignment"]
    assert report["cpu_alignments_per_second"] > 0 and report["bound"] in (
        "compute",
        "host",
        "latency",
    )
    # the genome (300 kb) is the resident reference: 1 crossbar of 2 bits per base per chip
    assert report["pim"]["reference"]["bases"] == 300_000
    assert report["pim"]["reference"]["crossbars_per_chip"] == 1
    assert np.isfinite(report["steady_state_alignments_per_second"])
