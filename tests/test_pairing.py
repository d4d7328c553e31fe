"""Pairing rules of ``mapper/pairing.py`` at the value level: bwa's ``-I`` spelling and its
bounds, the insert size of two ends (bwa measures to mate 2's last base, one less than TLEN),
the smallest sample a model is learned from. bwa's pair MAPQ: test_mapq.py; pairs at the
window's bounds end to end: test_golden.py."""

from __future__ import annotations

import numpy as np
import pytest

from pimalign.mapper.pairing import (
    MIN_PAIRS,
    InsertModel,
    estimate_insert,
    fr_insert,
    insert_penalty,
    is_proper,
    model_from_sizes,
    rescue_window,
)


def test_insert_option_defaults_and_bounds_as_bwa():
    m = InsertModel.parse("300,20")
    assert (m.mean, m.sd, m.low, m.high, m.pairs) == (300, 20, 220, 380, 0)
    assert m.text() == "300.00,20.00,380,220"  # MEAN,SD,MAX,MIN as -I takes it back
    assert InsertModel.parse(m.text()) == m
    assert InsertModel.parse("500").sd == 50  # SD 10% of the mean
    one = InsertModel.parse("300,20,300,300")  # MIN == MAX: one size only
    assert (one.low, one.high) == (300, 300)
    assert InsertModel.parse("300,20,100000,1").high == 100_000


@pytest.mark.parametrize(
    "text", ["300,20,250,260", "300,20,100001,1", "300,20,380,0", "0", "300,0", "a", "1,2,3,4,5"]
)
def test_insert_option_rejects(text):
    with pytest.raises(ValueError, match="insert size"):
        InsertModel.parse(text)


def test_insert_size_is_to_the_reverse_mate_s_last_base():
    """Forward end at [100, 200), reverse mate at [300, 400): bwa's distance 299 (TLEN 300)."""
    size, facing = fr_insert(
        np.array([0, 1, 0]),
        np.array([100, 300, 300]),
        np.array([200, 400, 400]),
        np.array([1, 0, 1]),
        np.array([300, 100, 100]),
        np.array([400, 200, 200]),
    )
    assert size.tolist() == [299, 299, -101]
    assert facing.tolist() == [True, True, False]  # the last pair points away


def test_a_model_needs_min_pairs_sizes():
    assert MIN_PAIRS == 10  # bwa's MIN_DIR_CNT
    assert model_from_sizes([300] * 9) is None
    model = model_from_sizes([290, 295, 300, 300, 300, 305, 310, 300, 300, 300])
    assert model is not None and model.pairs == 10 and model.mean == 300.0


def test_rescue_window_holds_every_proper_mate_placement():
    """Mate of a forward end at [1000, 1100) under [220, 380]: a reverse mate whose last base
    lies 220..380 past 1000, so it starts from 1000 + 220 + 1 - read length on; the mirror
    image for a reverse end at [1900, 2000)."""
    m = InsertModel.parse("300,20")
    strand, ws, we = rescue_window(
        np.array([0, 1]), np.array([1000, 1900]), np.array([1100, 2000]), m, 100
    )
    assert strand.tolist() == [1, 0]
    assert ws.tolist() == [1121, 1619] and we.tolist() == [1381, 1879]
    assert rescue_window(np.array([1]), np.array([0]), np.array([100]), m, 100)[1].tolist() == [0]


def test_model_bounds_widen_to_4_sd_as_bwa():
    """bwa mem 0.7.17 on 100 hand-made pairs (TLEN 300 x40, 290 and 310 x20, 250 and 350 x10;
    its sizes are TLEN - 1) printed: percentiles (289, 299, 309), mean and sd kept within
    (249, 349), mean 299.00, sd 23.24, proper pairs (206, 392): here mean +- 4 sd is wider than
    p25 - 3 IQR .. p75 + 3 IQR (229, 369), so it sets both bounds."""
    sizes = [299] * 40 + [289] * 20 + [309] * 20 + [249] * 10 + [349] * 10
    assert model_from_sizes(sizes) == InsertModel(299.0, 23.24, 206, 392, 100)


def test_model_learns_from_pairs_whose_ends_are_unique():
    """bwa: an end is unique when its runner-up (or, with none, one 19 bp seed) scores at most
    0.8 of it: an end scoring 23 without a runner-up is not (19 > 18.4), one scoring 24 is."""
    from test_candidates import candidates, slot

    ends1 = [100] * 10 + [23, 100, 24, 100]
    ends2 = [100] * 10 + [100, 23, 100, 24]
    c1 = candidates([[slot(s, 1000 * i, strand=0)] for i, s in enumerate(ends1)])
    c2 = candidates([[slot(s, 1000 * i + 200, strand=1)] for i, s in enumerate(ends2)])
    zero = np.zeros(len(ends1), dtype=np.int64)
    model = estimate_insert(c1, c2, zero, zero, zero, zero, lambda pos: pos * 0)
    assert model is not None and model.pairs == 12 and model.mean == 299.0


def test_model_of_the_shortest_inserts_keeps_size_1():
    """Sizes start at 1: the kept range and the proper bounds are floored at 1, not above (an
    sd of 0 counts as 1)."""
    assert model_from_sizes([1] * 10) == InsertModel(1.0, 1.0, 1, 1, 10)
    assert model_from_sizes([1] * 5 + [2] * 5) == InsertModel(1.5, 1.0, 1, 5, 10)


def test_insert_penalty_is_bwa_s_rounded_log_likelihood():
    """``0.721 * ln(2 erfc(z / sqrt 2)) * match`` rounded: z 0, 1, 2, 3 cost 0, 0, 2, 4."""
    m = InsertModel.parse("300,20")
    got = [insert_penalty(300 + 20 * z, m, 1) for z in range(4)]
    assert got == [0, 0, -2, -4]
    assert insert_penalty(240, m, 2) == -8  # floor(0.721 * ln(0.0053996) * 2 + 0.499)


def test_is_proper_at_the_window_bounds():
    """Sizes (TLEN - 1) 220 and 380 are in ``-I 300,20``'s window, 219 and 381 out; the
    kernel's pairing decides the same bound (the SAM flag is proper when either says so, so
    end-to-end cases cannot see a wrong bound in one of them: test_golden.py)."""
    m = InsertModel.parse("300,20")
    sizes = np.array([219, 220, 380, 381])
    fwd_st = np.full(4, 1000)
    rev_en = fwd_st + sizes + 1
    one, zero = np.ones(4, dtype=np.int64), np.zeros(4, dtype=np.int64)
    same = np.ones(4, dtype=bool)
    got = is_proper(zero, fwd_st, fwd_st + 100, one, rev_en - 100, rev_en, same, m)
    assert got.tolist() == [False, True, True, False]
    swapped = is_proper(one, rev_en - 100, rev_en, zero, fwd_st, fwd_st + 100, same, m)
    assert swapped.tolist() == [False, True, True, False]
    assert not is_proper(zero, fwd_st, fwd_st + 100, one, rev_en - 100, rev_en, ~same, m).any()
    assert not is_proper(zero, fwd_st, fwd_st + 100, one, rev_en - 100, rev_en, same, None).any()
