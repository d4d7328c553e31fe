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


def _extend(q, t, band, floor, dmin, dmax, clip=5):
    """affine_align in EXTEND mode with traceback: (score, end cell, passes, cells, ops)."""
    import numpy as np

    from pimalign.alphabet import encode
    from pimalign.kernels.affine import MODE_EXTEND, affine_align, affine_traceback
    from pimalign.kernels.scoring import Scoring

    qa, ta = encode(q), encode(t)
    sc = Scoring(1, 4, 6, 1, clip, clip, 1)
    res = affine_align(qa, ta, MODE_EXTEND, sc, band, -1, True, dmin, dmax, floor)
    score, end_i, end_j, tb, tb_lo, width, cells, _, passes = res
    if score <= -(1 << 28):
        return score, passes, cells
    ops = np.empty(len(q) + len(t) + 1, dtype=np.uint8)
    n_ops, q_start, t_start = affine_traceback(qa, ta, tb, tb_lo, end_i, end_j, ops)
    return score, end_i, end_j, width, cells, passes, q_start, t_start, bytes(ops[:n_ops])


def test_floor_pruning_changes_nothing(rng):
    """The DP with a known score as ``floor`` (cells that cannot reach it skipped) returns what
    the full DP returns, alignment, end cell, band and pass count included, for any floor:
    below, at or above the optimum (then a row has no live cell and the pass reruns in full)."""
    pruned = 0
    for _ in range(1500):
        core = random_seq(rng, rng.randint(1, 160))
        read = mutate(rng, core, rng.random() * 0.15) or "A"
        if rng.random() < 0.2:
            read = random_seq(rng, rng.randint(0, 12)) + read
        pad = rng.randint(0, 14)
        t = random_seq(rng, pad) + core + random_seq(rng, pad)
        band = rng.choice([1, 4, 8, 12])
        dmin, dmax = (-(1 << 30), 1 << 30) if rng.random() < 0.5 else (-pad, 3 * pad)
        full = _extend(read, t, band, -(1 << 29), dmin, dmax)
        best = full[0]
        for floor in (best, best - rng.randint(1, 12), best + rng.randint(1, 5), 0, len(read)):
            assert _extend(read, t, band, floor, dmin, dmax) == full, (read, t, band, floor)
            pruned += floor <= best
    assert pruned > 3000


def test_floor_pass_skips_only_dead_cells(rng):
    """One pass with ``floor`` at or below what the full pass scores computes that pass
    exactly (no fallback: a cell on a path reaching the floor is never skipped), unless that
    best clips the read's 3' end (the rows after it may then hold no such cell: ``PRUNED``, and
    the caller reruns); above it, the pass says ``PRUNED``. The traceback bytes of the cells on
    the path are the same."""
    import numpy as np

    from pimalign.alphabet import encode
    from pimalign.kernels.affine import MODE_EXTEND, NEG, PRUNED, affine_pass
    from pimalign.kernels.scoring import Scoring

    sc = Scoring(1, 4, 6, 1, 5, 5, 1)
    for _ in range(1500):
        core = random_seq(rng, rng.randint(1, 160))
        q = encode(mutate(rng, core, rng.random() * 0.15) or "A")
        pad = rng.randint(0, 14)
        t = encode(random_seq(rng, pad) + core + random_seq(rng, pad))
        h = rng.choice([1, 4, 8, 12])
        c0 = max(0, (t.shape[0] - q.shape[0]) // 2)
        adaptive = rng.random() < 0.7
        lo, hi = (0, 0) if adaptive else (-h, t.shape[0] - q.shape[0] + h)

        def run(floor, q=q, t=t, h=h, c0=c0, adaptive=adaptive, lo=lo, hi=hi):
            tb = np.zeros((q.shape[0] + 1, max(2 * h + 1, hi - lo + 1)), dtype=np.uint8)
            tb_lo = np.zeros(q.shape[0] + 1, dtype=np.int64)
            res = affine_pass(q, t, MODE_EXTEND, sc, adaptive, h, c0, lo, hi, tb, tb_lo, floor)
            return res, tb, tb_lo

        full, tb_full, lo_full = run(NEG)
        if full[0] <= NEG:
            continue
        for floor in (full[0], full[0] - rng.randint(1, 20)):
            got, tb, tb_lo = run(floor)
            if got[1] == PRUNED and full[1] < q.shape[0]:
                continue  # the best clips the 3' end: later rows may hold nothing that good
            assert got[:3] == full[:3] and got[3] == full[3] and got[5:] == full[5:]
            assert (tb_lo == lo_full).all()
            ops_full = np.empty(q.shape[0] + t.shape[0] + 1, dtype=np.uint8)
            ops = ops_full.copy()
            end_i, end_j = full[1], full[2]
            want = affine_traceback_ops(q, t, tb_full, lo_full, end_i, end_j, ops_full)
            assert affine_traceback_ops(q, t, tb, tb_lo, end_i, end_j, ops) == want
        assert run(full[0] + 1)[0][1] == PRUNED


def affine_traceback_ops(q, t, tb, tb_lo, end_i, end_j, ops):
    from pimalign.kernels.affine import affine_traceback

    n_ops, q_start, t_start = affine_traceback(q, t, tb, tb_lo, end_i, end_j, ops)
    return q_start, t_start, bytes(ops[:n_ops])
