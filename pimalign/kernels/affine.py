"""Affine-gap alignment (Gotoh) with the same adaptive band and exactness certificate as ``edit``.

Scores are maximised under a ``scoring.Scoring`` record (bwa's: ``match`` a, ``mismatch`` b, gap
``open`` o and ``extend`` e, a gap of length L costing ``o + L*e``, an N against anything
costing ``ambiguous``).

Modes:
- ``GLOBAL``: both sequences end to end (Biopython's ``PairwiseAligner`` global mode with
  ``match_score=a, mismatch_score=-b, open_gap_score=-(o+e), extend_gap_score=-e``).
- ``EXTEND``: the read (query) against a reference window (target) whose ends are free; the read
  may be soft-clipped at its 5' end for ``clip5`` and at its 3' end for ``clip3`` when that scores
  better, as bwa does with its clipping penalty. A tie clips (bwa clips when the end-to-end score
  is not above the clipped one minus the penalty), at the clip point nearest the read's middle.

Certificate: a path touching diagonal ``d`` scores at most ``UB(d)`` (gaps or clips forced by the
ends); once a pass found a real alignment scoring ``S``, only diagonals with ``UB(d) >= S`` matter.
If the adaptive band covered them on every row its score is exact, otherwise one static pass over
them is.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .edit import OP_D, OP_EQ, OP_I, OP_X, account_row, bits_for_range, row_window
from .scoring import row_profile

MODE_GLOBAL, MODE_EXTEND = 0, 1
NEG = -(1 << 29)
OP_S = 4

# Traceback byte: bits 0-1 the source of H, bit 2 "E extended", bit 3 "F extended".
SRC_DIAG, SRC_E, SRC_F, SRC_CLIP = 0, 1, 2, 3
E_EXT, F_EXT = 4, 8


@njit(cache=True, nogil=True)
def upper_bound(mode, d, m, n, sc):
    """Best score any ``mode`` alignment touching diagonal ``d`` could reach."""
    a, o, e = sc.match, sc.gap_open, sc.gap_extend
    delta = n - m
    if mode == MODE_GLOBAL:
        g = abs(d) + abs(delta - d)
        pen = 0 if g == 0 else o
        # aligned pairs = (m + n - g) / 2; keep the bound exact by flooring.
        return (a * (m + n - g)) // 2 - e * g - pen
    g = max(0, max(-d, d - delta))
    if delta < 0:
        g = max(g, -delta)
    if g == 0:
        return a * m
    return a * (m - g) - min(o + e * g, min(sc.clip5, sc.clip3))


@njit(cache=True, nogil=True)
def score_interval(mode, m, n, s, sc):
    """Diagonals ``[lo, hi]`` on which an alignment scoring ``>= s`` may lie (convex around 0)."""
    lo = 0
    while lo > -m and upper_bound(mode, lo - 1, m, n, sc) >= s:
        lo -= 1
    hi = 0
    while hi < n and upper_bound(mode, hi + 1, m, n, sc) >= s:
        hi += 1
    return lo, hi


PRUNED = -2  # affine_pass's end_i when no cell of some row could still reach ``floor``


@njit(cache=True, nogil=True)
def affine_pass(q, t, mode, sc, adaptive, h, c0, dlo, dhi, tb, tb_lo, floor=NEG):
    """One banded Gotoh pass; windows as in ``edit.band_pass`` (the centre follows the row max).

    Returns ``(best, end_i, end_j, cells, max_range, cov_lo, cov_hi, max_width)``; ``best`` is NEG
    when no alignment lies inside the band; ``(end_i, end_j)`` is the DP cell where it ends.

    ``floor`` (EXTEND only; NEG: off) is the score of an alignment known to lie inside the
    band, e.g. the ungapped one: a cell whose value plus ``match`` for every row left is below
    it lies on no path that can reach it, and neither do the cells it alone feeds, so past the
    rows where a 5' clip can still start such a path only the columns that a cell at or above
    that bound reaches are computed. The result, the band's moves and every value on a path
    scoring ``floor`` or more are those of the full pass (the row maximum is such a cell); the
    cells left out only change ``max_range``. When some row has no such cell (the known
    alignment left the band), ``end_i`` is ``PRUNED`` and the pass must run without ``floor``.
    ``cells`` counts the band's cells either way.
    """
    m = q.shape[0]
    n = t.shape[0]
    store = tb.shape[0] > 0
    o, e, clip5, clip3 = sc.gap_open, sc.gap_extend, sc.clip5, sc.clip3
    oe = o + e
    profile = np.empty(5, dtype=np.int32)
    extend = mode == MODE_EXTEND
    prune = extend and floor > NEG // 2
    h_prev = np.empty(n + 3, dtype=np.int32)
    h_cur = np.empty(n + 3, dtype=np.int32)
    f_prev = np.empty(n + 3, dtype=np.int32)
    f_cur = np.empty(n + 3, dtype=np.int32)
    cells = 0
    max_range = 0
    max_width = 0
    cov_lo = -(1 << 29)
    cov_hi = 1 << 29
    centre = c0
    best = NEG
    end_i = -1
    end_j = -1
    live_lo = 0  # the previous row's columns at or above the bound (pruned passes)
    live_hi = n
    for i in range(m + 1):
        lo, hi = row_window(i, adaptive, centre, h, dlo, dhi, n)
        if lo > hi:
            return NEG, -1, -1, cells, max_range, cov_lo, cov_hi, max_width
        cov_lo, cov_hi, cells, max_width = account_row(
            lo, hi, i, n, cov_lo, cov_hi, cells, max_width, store, tb_lo
        )
        bound = floor - sc.match * (m - i)  # what a cell needs to reach ``floor``
        full = not prune or i == 0 or -clip5 >= bound
        jl, jr = lo, hi  # the columns computed
        if not full:
            jl = max(lo, live_lo)
            jr = min(hi, live_hi + 1)
            if jl > jr:
                return NEG, PRUNED, -1, cells, max_range, cov_lo, cov_hi, max_width
        if jl > 0:
            h_cur[jl - 1] = NEG
        e_left = NEG
        if i == 0:
            for j in range(lo, hi + 1):
                f_cur[j] = NEG
                if extend or j == 0:
                    h_cur[j] = 0
                    flags = SRC_DIAG
                else:
                    h_cur[j] = -(o + e * j)
                    flags = SRC_E | (E_EXT if j > 1 else 0)
                if store:
                    tb[0, j - lo] = flags
        else:
            row_profile(q[i - 1], sc, profile)
            start = jl
            if jl == 0:
                f0 = max(h_prev[0] - oe, f_prev[0] - e)
                flags = SRC_F | (F_EXT if f_prev[0] - e > h_prev[0] - oe else 0)
                h0 = f0
                if full and extend and -clip5 >= h0:
                    h0 = -clip5
                    flags = (flags & ~3) | SRC_CLIP
                f_cur[0] = f0
                h_cur[0] = h0
                if store:
                    tb[i, 0] = flags
                start = 1
            # hot loop: neighbours carried in locals (a clip start only where it can matter)
            clip_start = full and extend
            h_left = h_cur[start - 1]
            diag_prev = h_prev[start - 1]
            for j in range(start, jr + 1):
                e_open = h_left - oe
                e_ext = e_left - e
                ev = e_open if e_open >= e_ext else e_ext
                h_up = h_prev[j]
                f_open = h_up - oe
                f_ext = f_prev[j] - e
                fv = f_open if f_open >= f_ext else f_ext
                dv = diag_prev + profile[t[j - 1]]
                diag_prev = h_up
                hv = dv
                src = SRC_DIAG
                if fv > hv:
                    hv = fv
                    src = SRC_F
                if ev > hv:
                    hv = ev
                    src = SRC_E
                if clip_start and -clip5 >= hv:
                    hv = -clip5
                    src = SRC_CLIP
                h_cur[j] = hv
                f_cur[j] = fv
                e_left = ev
                h_left = hv
                if store:
                    flags = src
                    if e_ext > e_open:
                        flags |= E_EXT
                    if f_ext > f_open:
                        flags |= F_EXT
                    tb[i, j - lo] = flags
            if not full:
                # right of the previous row's reach only a deletion run goes on
                for j in range(jr + 1, hi + 1):
                    e_open = h_left - oe
                    e_ext = e_left - e
                    ev = e_open if e_open >= e_ext else e_ext
                    if ev < bound:
                        break
                    h_cur[j] = ev
                    f_cur[j] = NEG
                    e_left = ev
                    h_left = ev
                    jr = j
                    if store:
                        tb[i, j - lo] = SRC_E | (E_EXT if e_ext > e_open else 0)
        row_max = NEG
        row_min = 1 << 29
        arg = jl
        target = centre + 1
        for j in range(jl, jr + 1):
            v = h_cur[j]
            if v > row_max or (v == row_max and abs(j + 1 - target) < abs(arg + 1 - target)):
                row_max = v
                arg = j
            if v > NEG // 2 and v < row_min:
                row_min = v
        if row_max > NEG // 2:
            max_range = max(max_range, row_max - row_min)
        for x in range(jr + 1, min(jr + 3, n + 3)):
            h_cur[x] = NEG
            f_cur[x] = NEG
        if jl > 0:
            f_cur[jl - 1] = NEG
        if prune:
            if row_max < bound:
                return NEG, PRUNED, -1, cells, max_range, cov_lo, cov_hi, max_width
            live_lo = jl
            while h_cur[live_lo] < bound:
                live_lo += 1
            live_hi = jr
            while h_cur[live_hi] < bound:
                live_hi -= 1
        if adaptive:
            centre = min(max(arg + 1, centre), centre + 2)
        if mode == MODE_GLOBAL:
            if i == m and hi == n:
                best = h_cur[n]
                end_i = m
                end_j = n
        elif i == m:
            if row_max > best:
                best = row_max
                end_i = m
                end_j = _leftmost(h_cur, jl, row_max)
        elif i > 0 and row_max - clip3 > best:
            best = row_max - clip3
            end_i = i
            end_j = _leftmost(h_cur, jl, row_max)
        h_prev, h_cur = h_cur, h_prev
        f_prev, f_cur = f_cur, f_prev
    if best <= NEG // 2:
        return NEG, -1, -1, cells, max_range, cov_lo, cov_hi, max_width
    return best, end_i, end_j, cells, max_range, cov_lo, cov_hi, max_width


@njit(cache=True, nogil=True)
def _leftmost(row, lo, value):
    j = lo
    while row[j] != value:
        j += 1
    return j


@njit(cache=True, nogil=True)
def affine_align(q, t, mode, sc, h0, c0, store, dmin=-(1 << 30), dmax=1 << 30, floor=NEG):
    """Exact best affine score with the adaptive band (see module doc).

    ``c0``: expected start column on row 0 (-1: 0 for GLOBAL, ``(n-m)//2`` for EXTEND).
    ``dmin``/``dmax`` limit the diagonals (``j - i``) an alignment may use: the result is exact
    among alignments inside them (the mapper's window); by default every diagonal counts.
    ``floor`` (EXTEND): the score of an alignment inside those diagonals, if one is known; the
    passes then skip the cells that cannot reach it (``affine_pass``), with the same result.
    Returns ``(score, end_i, end_j, tb, tb_lo, band, cells, bits, passes)``.
    """
    m = q.shape[0]
    n = t.shape[0]
    delta = n - m
    empty_tb = np.zeros((0, 0), dtype=np.uint8)
    tb_lo = np.empty(m + 1 if store else 0, dtype=np.int64)
    if c0 < 0:
        c0 = max(0, delta // 2) if mode == MODE_EXTEND else 0
    width = 2 * h0 + 1
    adaptive = not (mode == MODE_EXTEND and delta + 1 > width)
    if adaptive:
        tb = np.empty((m + 1, width), dtype=np.uint8) if store else empty_tb
        res = affine_pass(q, t, mode, sc, True, h0, c0, 0, 0, tb, tb_lo, floor)
        if res[1] == PRUNED:
            res = affine_pass(q, t, mode, sc, True, h0, c0, 0, 0, tb, tb_lo)
    else:
        # Free start diagonals wider than the adaptive band: start from the static band over
        # them plus the margin, then certify it like an adaptive pass.
        lo, hi = -h0, max(0, delta) + h0
        tb = np.empty((m + 1, hi - lo + 1), dtype=np.uint8) if store else empty_tb
        res = affine_pass(q, t, mode, sc, False, 0, 0, lo, hi, tb, tb_lo, floor)
        if res[1] == PRUNED:
            res = affine_pass(q, t, mode, sc, False, 0, 0, lo, hi, tb, tb_lo)
    best, end_i, end_j, cells, rng, cov_lo, cov_hi, band = res
    if not adaptive:
        cov_lo, cov_hi = -h0, max(0, delta) + h0
    lo, hi = score_interval(mode, m, n, best, sc)
    lo = max(lo, dmin)
    hi = min(hi, dmax)
    if best > NEG and cov_lo <= lo and cov_hi >= hi:
        return best, end_i, end_j, tb, tb_lo, band, cells, bits_for_range(rng), 1
    tb2 = np.empty((m + 1, hi - lo + 1), dtype=np.uint8) if store else empty_tb
    res2 = affine_pass(q, t, mode, sc, False, 0, 0, lo, hi, tb2, tb_lo, floor)
    if res2[1] == PRUNED:
        res2 = affine_pass(q, t, mode, sc, False, 0, 0, lo, hi, tb2, tb_lo)
    best2, end_i2, end_j2, cells2, rng2, _, _, band2 = res2
    return best2, end_i2, end_j2, tb2, tb_lo, band2, cells + cells2, bits_for_range(rng2), 2


@njit(cache=True, nogil=True)
def affine_traceback(q, t, tb, tb_lo, end_i, end_j, ops):
    """CIGAR ops (OP_EQ, OP_X, OP_I, OP_D, OP_S) in forward order into ``ops``.

    Returns ``(n_ops, q_start, t_start)``: the first aligned query base (after any 5' clip) and
    the first target column used.
    """
    m = q.shape[0]
    cap = ops.shape[0]
    n_ops = 0
    for _ in range(m - end_i):
        ops[cap - 1 - n_ops] = OP_S
        n_ops += 1
    i = end_i
    j = end_j
    state = SRC_DIAG
    q_start = 0
    while i > 0 or j > 0:
        flags = tb[i, j - tb_lo[i]]
        if state == SRC_DIAG:
            src = flags & 3
            if i == 0 and src == SRC_DIAG:
                break  # free start in the target (EXTEND)
            if src == SRC_CLIP:
                for _ in range(i):
                    ops[cap - 1 - n_ops] = OP_S
                    n_ops += 1
                q_start = i
                break
            if src == SRC_DIAG:
                qc = q[i - 1]
                ops[cap - 1 - n_ops] = OP_EQ if (qc == t[j - 1] and qc < 4) else OP_X
                n_ops += 1
                i -= 1
                j -= 1
            else:
                state = src
        elif state == SRC_E:
            ops[cap - 1 - n_ops] = OP_D
            n_ops += 1
            if not (flags & E_EXT):
                state = SRC_DIAG
            j -= 1
        else:
            ops[cap - 1 - n_ops] = OP_I
            n_ops += 1
            if not (flags & F_EXT):
                state = SRC_DIAG
            i -= 1
    ops[:n_ops] = ops[cap - n_ops : cap].copy()
    return n_ops, q_start, j
