"""bwa mem's rules, each pinned on a small hand-made case (issue: map what bwa maps, score as
bwa scores). Every expected value below is what bwa mem 0.7.17 reports for the same case."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import numpy as np
import pysam
import pytest

import pimalign
from pimalign.mapper.pairing import InsertModel, model_from_sizes

COMP = str.maketrans("ACGTN", "TGCAN")


def revcomp(s: str) -> str:
    return s.translate(COMP)[::-1]


def flip(base: str) -> str:
    return "ACGT"[("ACGT".index(base) + 1) % 4]


@pytest.fixture(scope="module")
def genome(tmp_path_factory):
    """Two random 3 kb contigs, back to back in the index."""
    rng = random.Random(11)
    contigs = {name: "".join(rng.choice("ACGT") for _ in range(3000)) for name in ("c1", "c2")}
    path = tmp_path_factory.mktemp("parity") / "two.fa"
    path.write_text("".join(f">{n}\n{s}\n" for n, s in contigs.items()))
    return str(path), contigs


@pytest.fixture(scope="module")
def aligner(genome):
    return pimalign.Aligner(genome[0], preset="sr")


def only(hits):
    hits = [h for h in hits if h.is_primary]
    assert len(hits) <= 1
    return hits[0] if hits else None


# 1. A read overhanging a contig end is soft-clipped there, at any overhang.
@pytest.mark.parametrize("overhang", [1, 7, 12, 30, 60])
def test_overhang_at_contig_start_is_clipped(aligner, genome, overhang):
    c1 = genome[1]["c1"]
    outside = "".join(random.Random(overhang).choice("ACGT") for _ in range(overhang))
    hit = only(aligner.map(outside + c1[: 240 - overhang]))
    assert (hit.ctg, hit.r_st, hit.cigar) == ("c1", 0, f"{overhang}S{240 - overhang}M")
    rev = only(aligner.map(revcomp(outside + c1[: 240 - overhang])))
    assert (rev.ctg, rev.r_st, rev.strand, rev.cigar) == (
        "c1",
        0,
        -1,
        f"{overhang}S{240 - overhang}M",
    )


@pytest.mark.parametrize("overhang", [9, 40])
def test_overhang_at_contig_end_is_clipped(aligner, genome, overhang):
    c1 = genome[1]["c1"]
    outside = "".join(random.Random(overhang).choice("ACGT") for _ in range(overhang))
    hit = only(aligner.map(c1[-(150 - overhang) :] + outside))
    assert (hit.ctg, hit.r_en, hit.cigar) == ("c1", 3000, f"{150 - overhang}M{overhang}S")


def test_read_across_two_contigs_maps_to_the_larger_part(aligner, genome):
    c1, c2 = genome[1]["c1"], genome[1]["c2"]
    hit = only(aligner.map(c1[-10:] + c2[:140]))
    assert (hit.ctg, hit.r_st, hit.cigar) == ("c2", 0, "10S140M")


def _rescue(fasta: str, read: str, window: tuple[int, int]) -> np.ndarray:
    """``rescue_batch`` (the kernel alone) on one forward read inside ``window``; its output."""
    from pimalign.alphabet import encode
    from pimalign.kernels.mapping import rescue_batch
    from pimalign.mapper.candidates import empty_block
    from pimalign.mapper.params import preset
    from pimalign.mapper.reference import read_reference

    p = preset("sr")
    out = empty_block(1, 1)
    one = np.array([0], dtype=np.int64)
    rescue_batch(
        encode(read),
        np.array([0, len(read)], dtype=np.int64),
        read_reference(fasta).arrays,
        one,
        np.zeros(1, dtype=np.int64),
        np.array([window[0]], dtype=np.int64),
        np.array([window[1]], dtype=np.int64),
        12,
        p.search(10),
        p.scoring,
        out,
        0,
        1,
    )
    return out


def test_rescue_window_at_contig_start_clips_the_overhang(genome):
    """Mate rescue (the kernel alone) finds a mate hanging 10 bases over the contig start."""
    from pimalign.kernels.affine import NEG
    from pimalign.kernels.mapping import F_QST, F_RST, F_SCORE

    out = _rescue(genome[0], "GATTACAGAT" + genome[1]["c2"][:90], (3000, 3400))
    assert out[F_SCORE, 0, 0] > NEG
    assert (out[F_RST, 0, 0], out[F_QST, 0, 0], out[F_SCORE, 0, 0]) == (3000, 10, 90)


def test_rescue_finds_a_mate_at_the_end_of_a_tandem_array(tmp_path):
    """bwa aligns the mate against the whole window (Smith-Waterman), so a tandem array inside
    the window must not hide it: every occurrence of the mate's k-mers votes, and the mate
    (the array's last 135 bases and 15 of the unique flank) is found at its own place, not
    at the array's first copies (which a cap on the occurrences per k-mer voted for); the
    copies far along the array are its runner-up."""
    from pimalign.kernels.mapping import F_CSUB, F_RST, F_SCORE

    rng = random.Random(5)
    unit = "".join(rng.choice("ACGT") for _ in range(35))
    left, flank = ("".join(rng.choice("ACGT") for _ in range(n)) for n in (500, 600))
    contig = left + unit * 20 + flank
    (tmp_path / "tandem.fa").write_text(f">t\n{contig}\n")
    start = 500 + 35 * 20 - 135
    out = _rescue(str(tmp_path / "tandem.fa"), contig[start : start + 150], (450, 1350))
    assert (out[F_RST, 0, 0], out[F_SCORE, 0, 0]) == (start, 150)
    # bwa's csub of a rescued mate is Smith-Waterman's second best ending more than score/match
    # bases away: here the read on a copy of the array ten units along (ungapped, local)
    copy = contig[start - 350 : start - 200]
    run = best = 0
    for a, b in zip(contig[start : start + 150], copy):
        run = max(run + (1 if a == b else -4), 0)
        best = max(best, run)
    assert best >= 135 and out[F_CSUB, 0, 0] == best


# 2. AS and -T use the aligned part's score; the clipping penalty only decides the clip.
def test_clipped_read_scores_its_aligned_part(aligner, genome):
    c1 = genome[1]["c1"]
    tail = "".join(flip(b) for b in c1[1033:1035])
    hit = only(aligner.map(c1[1000:1033] + tail))
    assert (hit.cigar, hit.AS) == ("33M2S", 33)  # reported: 33 >= -T 30


def test_mismatch_at_the_last_base_extends_but_scores_locally(aligner, genome):
    """bwa extends to the end when that costs less than the clip (here 4 < 5), and reports the
    best local score of the path as AS (34), not the end-to-end score (30)."""
    c1 = genome[1]["c1"]
    hit = only(aligner.map(c1[1000:1034] + flip(c1[1034])))
    assert (hit.cigar, hit.AS, hit.NM) == ("35M", 34, 1)


def test_min_score_filters_unpaired_reads_but_not_proper_mates(genome):
    c1 = genome[1]["c1"]
    mate = list(c1[800:835])
    for x in (12, 24):
        mate[x] = flip(mate[x])
    mate = "".join(mate)  # 35 bp, 2 mismatches: AS 25 < -T 30
    read1 = c1[500:650]
    single = pimalign.Aligner(genome[0], preset="sr")
    assert only(single.map(revcomp(mate))) is None
    paired = pimalign.Aligner(genome[0], preset="sr", insert="335,30")
    hits = list(paired.map(read1, revcomp(mate)))
    second = [h for h in hits if h.read == 2]
    assert len(second) == 1 and second[0].AS == 25 and second[0].r_st == 800
    assert second[0].strand == -1


# 3. An N costs 1 (bwa's ambiguous-base penalty), not the mismatch penalty.
def test_n_costs_one(aligner, genome):
    c1 = genome[1]["c1"]
    read = list(c1[2000:2060])
    for x in (2, 5, 40, 45, 50, 55, 58):  # a 34 bp stretch without N holds bwa's seed
        read[x] = "N"
    hit = only(aligner.map("".join(read)))
    assert (hit.cigar, hit.AS, hit.r_st) == ("60M", 46, 2000)


def test_affine_api_charges_ambiguous_for_n():
    assert pimalign.align_affine("ACGTNACGT", "ACGTAACGT")["score"] == 7
    assert pimalign.align_affine("ACGTNACGT", "ACGTAACGT", ambiguous=4)["score"] == 4


# 4. Short reads: a 35 bp read with one mismatch anywhere is found (bwa: any 19 bp exact seed).
@pytest.mark.parametrize("strand", [1, -1])
def test_35bp_read_with_one_mismatch_anywhere_maps(aligner, genome, strand):
    c2 = genome[1]["c2"]
    for start in (400, 1700):
        for x in range(35):
            read = list(c2[start : start + 35])
            read[x] = flip(read[x])
            read = "".join(read)
            hit = only(aligner.map(read if strand > 0 else revcomp(read)))
            assert hit is not None, (start, x)
            assert (hit.ctg, hit.r_st, hit.strand) == ("c2", start, strand), (start, x)
            # AS is the best local score: trimming the mismatch when it is near an end
            assert (hit.cigar, hit.AS) == ("35M", max(30, 34 - min(x, 34 - x))), (start, x)


# 5. Pairs: bwa's insert model, MC, TLEN of supplementary records, honest log counts.
def test_insert_model_from_quartiles_as_bwa():
    rng = np.random.default_rng(5)
    sizes = np.concatenate(
        [rng.normal(300, 20, 990).round(), [900, 1000, 20, 30, 2000, 5000, 600, 700, 80, 90]]
    ).astype(int)
    model = model_from_sizes(sizes)
    s = np.sort(sizes)
    p25, p75 = s[int(0.25 * s.size + 0.499)], s[int(0.75 * s.size + 0.499)]
    iqr = p75 - p25
    kept = s[(s >= int(p25 - 2 * iqr + 0.499)) & (s <= int(p75 + 2 * iqr + 0.499))]
    mean, sd = kept.mean(), kept.std()
    assert model.low == max(1, min(int(p25 - 3 * iqr + 0.499), int(mean - 4 * sd + 0.499)))
    assert model.high == max(int(p75 + 3 * iqr + 0.499), int(mean + 4 * sd + 0.499))
    assert (model.mean, model.sd, model.pairs) == (round(mean, 2), round(sd, 2), 1000)
    assert InsertModel.parse(model.text()) == InsertModel(
        model.mean, model.sd, model.low, model.high
    )
    assert model_from_sizes(sizes[:9]) is None


def test_insert_option_takes_bwa_spelling():
    assert InsertModel.parse("400") == InsertModel(400.0, 40.0, 240, 560)
    assert InsertModel.parse("400,50") == InsertModel(400.0, 50.0, 200, 600)
    assert InsertModel.parse("400,50,700,100") == InsertModel(400.0, 50.0, 100, 700)


def _pairs_fastq(tmp_path, c1, n=40):
    """``n`` clean pairs (insert 350) and one pair whose first read is chimeric."""
    r1, r2 = [], []
    for x in range(n):
        start = 100 + 60 * x
        r1.append((f"p{x}", c1[start : start + 100]))
        r2.append((f"p{x}", revcomp(c1[start + 250 : start + 350])))
    r1.append(("chim", c1[300:380] + c1[2500:2560]))
    r2.append(("chim", revcomp(c1[500:600])))
    paths = []
    for name, reads in (("r1.fq", r1), ("r2.fq", r2)):
        path = tmp_path / name
        path.write_text("".join(f"@{n}\n{s}\n+\n{'I' * len(s)}\n" for n, s in reads))
        paths.append(str(path))
    return paths


def test_mate_cigar_supplementary_tlen_and_log_counts(genome, tmp_path):
    c1 = genome[1]["c1"]
    r1, r2 = _pairs_fastq(tmp_path, c1)
    out = tmp_path / "o.sam"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pimalign",
            "align",
            genome[0],
            r1,
            r2,
            "-o",
            str(out),
            "--sort",
            "none",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "from 41 uniquely mapped pairs of the first 41" in proc.stderr
    with pysam.AlignmentFile(str(out)) as sam:
        recs = list(sam.fetch(until_eof=True))
    # 82 primary records and one supplementary, each counted in the log
    assert len(recs) == 83 and f"83 records -> {out}" in proc.stderr
    by_name = {}
    for r in recs:
        by_name.setdefault(r.query_name, []).append(r)
    first, second = by_name["p0"]
    assert first.get_tag("MC") == second.cigarstring == "100M"
    assert second.get_tag("MC") == first.cigarstring
    assert (first.template_length, second.template_length) == (350, -350)
    chim = by_name["chim"]
    sup = [r for r in chim if r.is_supplementary]
    assert len(sup) == 1
    mate = [r for r in chim if r.is_read2][0]
    # bwa's TLEN of the supplementary: its own 5' end (2500) to the mate's (599)
    assert sup[0].reference_start == 2500
    assert sup[0].template_length == -(2500 - 599 + 1)
    assert sup[0].get_tag("MC") == mate.cigarstring


# 6. The API and the flags.
def test_aligner_takes_preset_keyword(genome):
    a = pimalign.Aligner(genome[0], preset="sr", max_gap=20)
    assert a.params.max_gap == 20
    with pytest.raises(ValueError, match="unknown preset"):
        pimalign.Aligner(genome[0], preset="map-ont")


def test_every_preset_parameter_is_a_flag():
    from dataclasses import fields

    from pimalign.mapper.params import MapParams

    text = subprocess.run(
        [sys.executable, "-m", "pimalign", "align", "-h"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    for f in fields(MapParams):
        if f.name == "explicit":  # bookkeeping (which knobs were set by name), not a knob
            continue
        if f.name == "band_bits":  # set by --workload (the PIM model's bit widths), not a knob
            continue
        flag = "--" + f.name.replace("_", "-")
        if f.name == "rescue":
            flag = "--no-rescue"
        assert flag in text, flag
