"""Choice of the best proper pair among all candidate combinations of two mates (Numba)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .affine import NEG
from .extension import contig_at


@njit(cache=True, nogil=True)
def pair_total(s1, str1, st1, en1, s2, str2, st2, en2, ref_off, low, high, mean, sd, match):
    """bwa's score of two ends as a pair (NEG when they are not a proper FR pair): their scores
    plus the log-likelihood of the insert size under a normal model,
    ``0.721 * ln(2 * erfc(z / sqrt 2)) * match`` rounded, floored at 0."""
    if s1 <= NEG or s2 <= NEG or str1 == str2:
        return NEG
    if contig_at(ref_off, st1) != contig_at(ref_off, st2):
        return NEG
    fwd_st = st1 if str1 == 0 else st2
    rev_en = en2 if str1 == 0 else en1
    size = rev_en - 1 - fwd_st
    if size <= 0 or size < low or size > high:
        return NEG
    z = abs(size - mean) / sd
    pen = math.log(max(2.0 * math.erfc(z / math.sqrt(2.0)), 1e-300))
    return max(np.int64(0), np.int64(math.floor(s1 + s2 + 0.721 * pen * match + 0.499)))


@njit(cache=True, parallel=True, nogil=True)
def best_pairs(
    s1,
    str1,
    st1,
    en1,
    s2,
    str2,
    st2,
    en2,
    ref_off,
    low,
    high,
    mean,
    sd,
    match,
    margin,
    hashes,
    pick,
    top,
    second,
    near,
):
    """For each pair of rows: the best FR combination with insert size in ``[low, high]``.

    Among equal best totals the ``hash % ties``-th in slot order wins (reproducible). Outputs:
    ``pick`` = ``slot1 * width + slot2`` (-1 none), ``top`` and ``second`` totals (NEG none) and
    ``near``, the combinations other than the best within ``margin`` of the second (bwa's
    ``n_sub``).
    """
    n, w = s1.shape
    for r in prange(n):
        totals = np.empty(w * w, dtype=np.int64)
        best = NEG
        ties = 0
        for a in range(w):
            for b in range(w):
                t = pair_total(
                    s1[r, a],
                    str1[r, a],
                    st1[r, a],
                    en1[r, a],
                    s2[r, b],
                    str2[r, b],
                    st2[r, b],
                    en2[r, b],
                    ref_off,
                    low,
                    high,
                    mean,
                    sd,
                    match,
                )
                totals[a * w + b] = t
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
        for x in range(w * w):
            if totals[x] == best:
                if seen == want:
                    pick[r] = x
                seen += 1
        for x in range(w * w):
            if x != pick[r] and totals[x] > second[r]:
                second[r] = totals[x]
        if second[r] > NEG:
            for x in range(w * w):
                if x != pick[r] and totals[x] > NEG and second[r] - totals[x] <= margin:
                    near[r] += 1
