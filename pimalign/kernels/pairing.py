"""Choice of the best proper pair among all candidate combinations of two mates (Numba)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .affine import NEG


@njit(cache=True, nogil=True)
def _contig(ref_off, pos):
    return np.searchsorted(ref_off, pos, side="right") - 1


@njit(cache=True, nogil=True)
def _total(s1, str1, st1, en1, s2, str2, st2, en2, r, a, b, ref_off, min_score, low, high,
           mean, sd, match):
    """Pair score of mates' slots ``a`` and ``b`` of row ``r`` (NEG when not a proper pair)."""
    if s1[r, a] < min_score or s2[r, b] < min_score or str1[r, a] == str2[r, b]:
        return NEG
    if _contig(ref_off, st1[r, a]) != _contig(ref_off, st2[r, b]):
        return NEG
    fwd_st = st1[r, a] if str1[r, a] == 0 else st2[r, b]
    rev_en = en2[r, b] if str1[r, a] == 0 else en1[r, a]
    size = max(en1[r, a], en2[r, b]) - min(st1[r, a], st2[r, b])
    if fwd_st >= rev_en or size < low or size > high:
        return NEG
    z = abs(size - mean) / sd
    pen = math.floor(0.721 * math.log(max(2.0 * math.erfc(z / math.sqrt(2.0)), 1e-300)) * match
                     + 0.499)
    return s1[r, a] + s2[r, b] + np.int64(pen)


@njit(cache=True, parallel=True, nogil=True)
def best_pairs(s1, str1, st1, en1, s2, str2, st2, en2, ref_off, min_score, low, high, mean, sd,
               match, hashes, pick, top, second):
    """For each pair of rows: the best FR combination with insert size in ``[low, high]``.

    A combination scores ``s1 + s2 + penalty``, where the penalty is bwa's log-likelihood of the
    insert size under a normal model (``0.721 * ln(2 * erfc(z / sqrt 2)) * match``, rounded).
    Among equal best totals the ``hash % ties``-th in slot order wins (reproducible). Outputs:
    ``pick`` = ``slot1 * width + slot2`` (-1 none), ``top`` and ``second`` totals (NEG none).
    """
    n, w = s1.shape
    for r in prange(n):
        best = NEG
        ties = 0
        runner = NEG
        for a in range(w):
            for b in range(w):
                total = _total(s1, str1, st1, en1, s2, str2, st2, en2, r, a, b, ref_off,
                               min_score, low, high, mean, sd, match)
                if total <= NEG:
                    continue
                if total > best:
                    runner = best
                    best = total
                    ties = 1
                elif total == best:
                    ties += 1
                    runner = best
                elif total > runner:
                    runner = total
        pick[r] = -1
        top[r] = best
        second[r] = runner
        if ties == 0:
            continue
        want = hashes[r] % ties
        seen = 0
        for a in range(w):
            for b in range(w):
                if pick[r] < 0 and _total(s1, str1, st1, en1, s2, str2, st2, en2, r, a, b,
                                          ref_off, min_score, low, high, mean, sd,
                                          match) == best:
                    if seen == want:
                        pick[r] = a * w + b
                    seen += 1
