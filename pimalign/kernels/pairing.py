"""Choice of the best proper pair among all candidate combinations of two mates (Numba)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .affine import NEG
from .extension import contig_at


@njit(cache=True, nogil=True)
def pair_total(e1, a, e2, b, r, ref_off, pp):
    """bwa's score of slot ``a`` of ``e1`` and slot ``b`` of ``e2`` in row ``r`` as a pair (NEG
    when they are not a proper FR pair under ``pp``): their scores plus the log-likelihood of
    the insert size under a normal model, ``0.721 * ln(2 * erfc(z / sqrt 2)) * match`` rounded,
    floored at 0."""
    s1, str1, st1, en1 = e1.score[r, a], e1.strand[r, a], e1.r_st[r, a], e1.r_en[r, a]
    s2, str2, st2, en2 = e2.score[r, b], e2.strand[r, b], e2.r_st[r, b], e2.r_en[r, b]
    if s1 <= NEG or s2 <= NEG or str1 == str2:
        return NEG
    if contig_at(ref_off, st1) != contig_at(ref_off, st2):
        return NEG
    fwd_st = st1 if str1 == 0 else st2
    rev_en = en2 if str1 == 0 else en1
    size = rev_en - 1 - fwd_st
    if size <= 0 or size < pp.low or size > pp.high:
        return NEG
    z = abs(size - pp.mean) / pp.sd
    pen = math.log(max(2.0 * math.erfc(z / math.sqrt(2.0)), 1e-300))
    return max(np.int64(0), np.int64(math.floor(s1 + s2 + 0.721 * pen * pp.match + 0.499)))


@njit(cache=True, nogil=True)
def best_pairs(e1, e2, ref_off, pp, margin, hashes, pick, top, second, near, lo, hi):
    """For each row: the best FR combination of ``e1``'s and ``e2``'s slots (``EndSlots``) that
    is a proper pair under ``pp`` (``ProperPair``).

    The two ends may hold different numbers of slots (the mate rescue adds them to each end
    apart). Among equal best totals the ``hash % ties``-th in slot order wins (reproducible).
    Outputs: ``pick`` = ``slot1 * width2 + slot2`` (-1 none; ``width2`` the slots of ``e2``),
    ``top`` and ``second`` totals (NEG none) and ``near``, the combinations other than the best
    within ``margin`` of the second (bwa's ``n_sub``). Rows ``lo..hi-1``
    (``threadrun.run_ranges`` over the rows).
    """
    w1 = e1.score.shape[1]
    w2 = e2.score.shape[1]
    w = w1 * w2
    for r in range(lo, hi):
        totals = np.empty(w, dtype=np.int64)
        best = NEG
        ties = 0
        for a in range(w1):
            for b in range(w2):
                t = pair_total(e1, a, e2, b, r, ref_off, pp)
                totals[a * w2 + b] = t
                if t > best:
                    best = t
                    ties = 1
                elif t == best and t > NEG:
                    ties += 1
        pick[r] = -1
        top[r] = best
        second[r] = NEG
        near[r] = 0
        if ties == 0:
            continue
        want = hashes[r] % ties
        seen = 0
        for x in range(w):
            if totals[x] == best:
                if seen == want:
                    pick[r] = x
                seen += 1
        for x in range(w):
            if x != pick[r] and totals[x] > second[r]:
                second[r] = totals[x]
        if second[r] > NEG:
            for x in range(w):
                if x != pick[r] and totals[x] > NEG and second[r] - totals[x] <= margin:
                    near[r] += 1
