"""The affine kernel against Biopython's PairwiseAligner and the plain-Python Gotoh twin."""

import random
import re

import pytest
import reference as ref
from Bio import Align
from conftest import mutate, random_seq

import pimalign

BWA = dict(match=1, mismatch=4, gap_open=6, gap_extend=1)


def ops_string(cigar: str) -> str:
    return "".join(op * int(n) for n, op in re.findall(r"(\d+)([=XIDS])", cigar))


def biopython(scoring):
    return Align.PairwiseAligner(
        mode="global",
        match_score=scoring["match"],
        mismatch_score=-scoring["mismatch"],
        open_gap_score=-(scoring["gap_open"] + scoring["gap_extend"]),
        extend_gap_score=-scoring["gap_extend"],
    )


def check(query, target, mode, band, clip5=5, clip3=5, scoring=BWA):
    want = ref.affine_score(query, target, mode, clip5=clip5, clip3=clip3, **_ref_args(scoring))
    got = pimalign.align_affine(query, target, mode, clip5=clip5, clip3=clip3, band=band, **scoring)
    assert got["score"] == want, (query, target, mode, got)
    replay = ref.affine_cigar_score(
        query,
        target,
        ops_string(got["cigar"]),
        got["t_start"],
        clip5=clip5,
        clip3=clip3,
        **_ref_args(scoring),
    )
    assert replay == want
    return got


def _ref_args(s):
    return dict(
        match=s["match"], mismatch=s["mismatch"], gap_open=s["gap_open"], gap_extend=s["gap_extend"]
    )


@pytest.mark.parametrize(
    "scoring",
    [
        BWA,
        dict(match=2, mismatch=3, gap_open=5, gap_extend=2),
        dict(match=1, mismatch=1, gap_open=0, gap_extend=1),
    ],
)
def test_global_scores_equal_biopython(scoring, rng):
    aligner = biopython(scoring)
    for _ in range(400):
        target = random_seq(rng, rng.randint(1, 120))
        query = mutate(rng, target, rng.random() * 0.4) or "A"
        got = check(query, target, "global", rng.choice([0, 2, 8]), scoring=scoring)
        assert got["score"] == aligner.score(query, target)
        assert (got["q_start"], got["q_end"], got["t_start"], got["t_end"]) == (
            0,
            len(query),
            0,
            len(target),
        )


def test_extend_without_clipping_equals_biopython_with_free_target_ends(rng):
    aligner = biopython(BWA)
    aligner.target_end_gap_score = 0  # unaligned target flanks cost nothing
    for _ in range(300):
        core = random_seq(rng, rng.randint(1, 100))
        query = mutate(rng, core, rng.random() * 0.2) or "A"
        target = random_seq(rng, rng.randint(0, 25)) + core + random_seq(rng, rng.randint(0, 25))
        got = check(query, target, "extend", 8, clip5=10**6, clip3=10**6)
        assert got["score"] == aligner.score(query, target)


def test_extend_with_clipping_matches_reference(rng):
    for _ in range(800):
        core = random_seq(rng, rng.randint(0, 90))
        query = (
            random_seq(rng, rng.randint(0, 15))
            + mutate(rng, core, rng.random() * 0.3)
            + random_seq(rng, rng.randint(0, 15))
        )
        target = random_seq(rng, rng.randint(0, 20)) + core + random_seq(rng, rng.randint(0, 20))
        clip5, clip3 = rng.choice([(5, 5), (0, 0), (1, 9), (100, 100)])
        check(query, target, "extend", rng.choice([0, 1, 4, 8, 16]), clip5, clip3)


def test_clipping_soft_clips_a_bad_read_end():
    rng = random.Random(3)
    ref_seq = random_seq(rng, 200)
    read = ref_seq[40:140] + "".join("A" if c != "A" else "C" for c in ref_seq[140:150])
    got = pimalign.align_affine(read, ref_seq, "extend")
    assert got["cigar"] == "100=10S" and got["score"] == 95
    assert (got["q_start"], got["q_end"], got["t_start"], got["t_end"]) == (0, 100, 40, 140)


@pytest.mark.parametrize(
    "q,t",
    [
        ("", ""),
        ("A", ""),
        ("", "ACG"),
        ("N", "N"),
        ("NNNN", "ACGT"),
        ("A" * 80, "A"),
        ("A", "C" * 80),
    ],
)
@pytest.mark.parametrize("mode", ["global", "extend"])
def test_edge_cases(q, t, mode):
    check(q, t, mode, 4)


def test_bad_parameters():
    with pytest.raises(ValueError, match="unknown mode 'local'"):
        pimalign.align_affine("A", "A", "local")
    with pytest.raises(ValueError, match="gap_open must be >= 0"):
        pimalign.align_affine("A", "A", gap_open=-1)
