"""Candidate slots (``mapper/candidates.py``) on hand-made slots: the read-orientation query
intervals, extra slots, the tie rule among equal scores, bwa's rival (``XS``) and redundancy
rules, and the supplementary choice. MAPQ itself: test_mapq.py."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from pimalign.kernels.affine import NEG
from pimalign.kernels.mapping import FIELDS, RUNS
from pimalign.mapper.candidates import (
    Candidates,
    choose,
    empty_block,
    pick_tied,
    rivals,
    runner_up,
)
from pimalign.mapper.params import preset

P = preset("sr")


def candidates(rows: list[list[dict]], length: int = 100) -> Candidates:
    """Candidates of one read per row, each slot a dict of fields (others 0, absent slots
    empty)."""
    width = max(len(r) for r in rows)
    block = empty_block(len(rows), width)
    for r, slots in enumerate(rows):
        for s, fields in enumerate(slots):
            for name, value in fields.items():
                block[FIELDS.index(name), r, s] = value
    n = len(rows)
    return Candidates(
        block,
        np.full(n, length, dtype=np.int64),
        np.zeros((n, width, RUNS), dtype=np.uint8),
        np.zeros((n, width, RUNS), dtype=np.int32),
        np.full((n, width), -1, dtype=np.int64),
    )


def slot(score, r_st, q_st=0, q_en=100, strand=0, csub=0):
    return dict(score=score, strand=strand, r_st=r_st, r_en=r_st + q_en - q_st, q_st=q_st,
                q_en=q_en, csub=csub)  # fmt: skip


def test_query_intervals_of_reverse_slots_are_flipped_to_the_read():
    c = candidates([[slot(90, 0, q_st=5, q_en=100, strand=1), slot(80, 500, q_st=5, q_en=90)]])
    st, en = c.fwd_interval()
    assert st.tolist() == [[0, 5]] and en.tolist() == [[95, 90]]


def test_extra_slots_are_appended_with_no_kept_cigar():
    c = candidates([[slot(90, 0)], [slot(70, 9)]])
    extra = empty_block(2, 1)[:, :, 0]
    extra[FIELDS.index("score")] = [50, 60]
    more = c.with_slots([extra])
    assert more.score.tolist() == [[90, 50], [70, 60]]
    assert more.n_run.tolist() == [[-1, -1], [-1, -1]]
    assert more.run_op.shape == (2, 2, RUNS) and more.run_len.shape == (2, 2, RUNS)


def test_ties_go_to_the_hash_th_equal_slot():
    scores = np.array([[5, 9, 9, 9], [5, 9, 9, 9], [NEG, NEG, NEG, NEG], [1, 7, 3, 7]])
    assert pick_tied(scores, np.array([0, 4, 3, 1])).tolist() == [1, 2, 0, 3]


def test_a_copy_one_tandem_unit_along_is_a_rival_and_a_copy_3_bases_along_is_the_same_hit():
    """bwa's mask_level_redun 0.95: a hit sharing more than 95% of both intervals is one hit."""
    c = candidates([[slot(100, 1000), slot(95, 1010), slot(99, 1003), slot(90, 5000, strand=1)]])
    assert rivals(c, np.array([0])).tolist() == [[False, True, False, True]]
    sub, sub_n = runner_up(c, np.array([0]), P)
    assert sub.tolist() == [95] and sub_n.tolist() == [1]  # 95 within max(1 + 4, 6 + 1) = 7


def test_runner_up_margin_is_bwa_s_max_of_mismatch_and_gap_open_costs():
    """``sub_n`` counts rivals within ``max(a + b, o + e)`` of the best, bounds included: 7 for
    sr (1 + 4 < 6 + 1), 9 with mismatch 8."""
    c = candidates([[slot(100, 0), slot(93, 900), slot(92, 1900), slot(91, 2900)]])
    assert runner_up(c, np.array([0]), P)[1].tolist() == [1]
    assert runner_up(c, np.array([0]), replace(P, mismatch=8))[1].tolist() == [3]


def test_the_same_reference_for_another_part_of_the_read_is_a_rival():
    """Redundancy needs both intervals shared: here the reference is, the query only half."""
    c = candidates([[slot(60, 1000, 0, 60), dict(slot(55, 1000, 30, 100), r_en=1070)]])
    assert rivals(c, np.array([0])).tolist() == [[False, True]]


def test_rivals_must_cover_half_of_the_shorter_query_interval():
    c = candidates([[slot(60, 0, 0, 60), slot(60, 800, 30, 100), slot(60, 900, 31, 100)]])
    assert rivals(c, np.array([0])).tolist() == [[False, True, False]]


def test_tandem_runner_up_counts_as_sub_and_no_slot_has_no_rivals():
    c = candidates([[slot(100, 0, csub=97), slot(80, 900)]])
    assert runner_up(c, np.array([0]), P)[0].tolist() == [97]
    assert rivals(c, np.array([-1])).tolist() == [[False, False]]


def test_supplementary_is_the_best_other_part_of_the_read():
    """An alignment covering a different part of the read (less than half overlapping the best,
    at least ``-T`` 30 bases of its own) is supplementary; the best of them only."""
    c = candidates(
        [
            [
                slot(60, 0, 0, 60),
                slot(38, 5000, 60, 100),
                slot(35, 7000, 62, 100),
                slot(30, 90, 0, 40),
            ]
        ]
    )
    ch = choose(c, P, np.array([0]))
    assert ch.best.tolist() == [0]
    assert ch.supplementary.tolist() == [[False, True, False, False]]
    assert ch.rival.tolist() == [[False, False, False, True]]


def test_supplementary_bounds_score_t_and_half_overlap():
    """Bounds included where bwa includes them: a score of exactly ``-T`` 30, exactly 30 bases
    of its own; an overlap of exactly half its query interval is too much."""
    best = slot(60, 0, 0, 60)
    rows = [
        [best, slot(30, 5000, 60, 100)],  # score exactly -T
        [best, slot(29, 5000, 60, 100)],
        [best, slot(40, 5000, 60, 90)],  # 30 bases of its own
        [best, slot(40, 5000, 61, 90)],
        [best, slot(40, 5000, 26, 95)],  # 34 of 69 overlap the best
        [best, slot(40, 5000, 25, 95)],  # 35 of 70: half
    ]
    ch = choose(candidates(rows), P, np.zeros(len(rows), dtype=np.int64))
    assert ch.supplementary[:, 1].tolist() == [True, False, True, False, True, False]
