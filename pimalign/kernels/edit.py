"""Unit-cost edit distance with an adaptive band that is still exact.

Inputs are uint8 code arrays (see ``pimalign.alphabet``); rows are query positions
``i = 0..m``, columns target positions ``j = 0..n``, diagonal ``d = j - i``.

Modes (edlib's vocabulary): ``NW`` global; ``SHW`` prefix (the target's end is free);
``HW`` infix (both target ends are free). Row 0 and column 0 hold the boundary values.

The algorithm, in the spirit of RAPIDx:

1. *Adaptive pass.* A band of ``2*h+1`` columns starts on the expected diagonal and follows the
   alignment: row ``i+1`` is centred one column right of row ``i``'s best cell, clamped so that the
   band moves 0, 1 or 2 columns per row (it can follow insertions and deletions). Its result ``U``
   is the cost of a real alignment, hence an upper bound on the distance.
2. *Certificate.* A path of cost ``<= U`` can only touch diagonals whose lower bound
   ``LB(d)`` (indels forced by the mode's start and end conditions) is ``<= U``: a contiguous
   diagonal interval. If the adaptive band covered that interval on every row, ``U`` is exact.
3. *Widening.* Otherwise one static pass over that interval (Ukkonen's band) gives the exact
   distance. With a bound ``k`` the interval is that of ``min(U, k)`` and rows whose minimum
   exceeds it stop the pass: the answer is then -1.

Cells are kept as two int32 rows; traceback keeps one byte of predecessor flags per band cell.
Each call also reports the workload the PIM model consumes: the widest band row, the DP cells
computed (all passes) and the bits a cell needs when stored relative to its row's minimum.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.extending import register_jitable

from .options import MODE_HW, MODE_NW, MODE_SHW  # noqa: F401  (ids of the mode table)

INF = 1 << 29

# Traceback flags per cell, and CIGAR op codes (BAM numbering).
TB_DIAG, TB_UP, TB_LEFT = 1, 2, 4
OP_I, OP_D, OP_EQ, OP_X = 1, 2, 7, 8


@register_jitable
def mismatch_step(v, diag, up):
    """The traceback's tie rule at a cell of cost ``v`` whose bases differ, from the costs of
    its diagonal and upper neighbours: diagonal (X) when it leads there, then I, then D (the
    left neighbour then costs ``v - 1``). Returns ``(op, cost before it, rows, columns)``, the
    steps back. Target-agnostic: the GPU path kernel walks by it too."""
    if diag + 1 == v:
        return OP_X, diag, 1, 1
    if up + 1 == v:
        return OP_I, v - 1, 1, 0
    return OP_D, v - 1, 0, 1


@register_jitable
def row_window(i, adaptive, centre, h, dlo, dhi, n):
    """Columns ``(lo, hi)`` of DP row ``i``'s band: ``[centre - h, centre + h]`` (adaptive) or
    ``[i + dlo, i + dhi]`` (static), clipped to ``[0, n]``; empty when ``lo > hi``."""
    if adaptive:
        return max(0, centre - h), min(n, centre + h)
    return max(0, i + dlo), min(n, i + dhi)


@register_jitable
def account_row(lo, hi, i, n, cov_lo, cov_hi, cells, max_width, store, tb_lo):
    """Row ``i``'s window ``[lo, hi]`` into a pass's record: the diagonal interval every row so
    far covered (an edge at the matrix's border does not narrow it), the cells computed, the
    widest row, and (``store``) the window's first column for the traceback.
    Returns ``(cov_lo, cov_hi, cells, max_width)``."""
    if lo > 0:
        cov_lo = max(cov_lo, lo - i)
    if hi < n:
        cov_hi = min(cov_hi, hi - i)
    if store:
        tb_lo[i] = lo
    return cov_lo, cov_hi, cells + hi - lo + 1, max(max_width, hi - lo + 1)


@njit(cache=True, nogil=True)
def lower_bound(mode, d, delta):
    """Indels any ``mode`` alignment must make to touch diagonal ``d`` (``delta = n - m``)."""
    if mode == MODE_NW:
        return abs(d) + abs(delta - d)
    if mode == MODE_SHW:
        return abs(d) + max(0, d - delta)
    return max(0, -d) + max(0, d - delta)


@njit(cache=True, nogil=True)
def diagonal_interval(mode, m, n, u):
    """Diagonals ``[lo, hi]`` a path of cost ``<= u`` may touch (``lower_bound(d) <= u``), clipped
    to the matrix; ``lo > hi`` when no path is that cheap. Closed forms of the convex bound."""
    delta = n - m
    if lower_bound(mode, 0, delta) > u:
        return 1, 0
    if mode == MODE_NW:
        slack = (u - abs(delta)) // 2
        lo = min(0, delta) - slack
        hi = max(0, delta) + slack
    elif mode == MODE_SHW:
        lo = -u
        hi = u if u <= delta else (u + delta) // 2
    else:
        lo = -u
        hi = delta + u
    return max(lo, -m), min(hi, n)


@njit(cache=True, nogil=True)
def trivial_upper_bound(mode, m, n):
    """Cost of a worst-case alignment that always exists."""
    if mode == MODE_NW:
        return max(m, n)
    return m


@njit(cache=True, nogil=True)
def band_pass(q, t, mode, ncode, adaptive, h, c0, dlo, dhi, cut, tb, tb_lo, last):
    """One banded pass over the DP matrix.

    Row windows: adaptive -> ``[c-h, c+h]`` with centre ``c`` (``c0`` on row 0); static ->
    ``[i+dlo, i+dhi]``; both clipped to ``[0, n]``. Cells outside the window count as infinite.
    ``cut >= 0`` stops the pass when a row's minimum exceeds it (no path of cost <= cut is left).
    ``tb`` (rows x width uint8, or shape (0, 0) to skip) receives predecessor flags and
    ``tb_lo`` each row's first column. ``last`` (length n+1) receives the final row; cells outside
    its window are INF.

    Returns ``(best, best_j, cells, max_range, cov_lo, cov_hi, max_width, drift_lo, drift_hi)``:
    the final-row optimum for the mode (INF when unreachable or cut) and its leftmost column,
    cells computed, the largest ``max - min`` of finite values inside one row, the diagonal
    interval ``[cov_lo, cov_hi]`` that every row's window covered, the widest row, and (adaptive)
    the least and greatest diagonal ``centre - i`` of the rows' centres (0, 0 for a static band).
    """
    m = q.shape[0]
    n = t.shape[0]
    store = tb.shape[0] > 0
    prev = np.empty(n + 3, dtype=np.int32)
    cur = np.empty(n + 3, dtype=np.int32)
    cells = 0
    max_range = 0
    max_width = 0
    cov_lo = -INF
    cov_hi = INF
    centre = c0
    best = INF
    best_j = -1
    drift_lo = c0 if adaptive else 0
    drift_hi = drift_lo
    for i in range(m + 1):
        if adaptive:
            drift_lo = min(drift_lo, centre - i)
            drift_hi = max(drift_hi, centre - i)
        lo, hi = row_window(i, adaptive, centre, h, dlo, dhi, n)
        if lo > hi:
            return INF, -1, cells, max_range, cov_lo, cov_hi, max_width, drift_lo, drift_hi
        cov_lo, cov_hi, cells, max_width = account_row(
            lo, hi, i, n, cov_lo, cov_hi, cells, max_width, store, tb_lo
        )
        if lo > 0:
            cur[lo - 1] = INF
        if i == 0:
            for j in range(lo, hi + 1):
                cur[j] = 0 if mode == MODE_HW else j
                if store:
                    tb[0, j - lo] = 0 if (mode == MODE_HW or j == 0) else TB_LEFT
        else:
            qc = q[i - 1]
            start = lo
            if lo == 0:
                cur[0] = i
                if store:
                    tb[i, 0] = TB_UP
                start = 1
            for j in range(start, hi + 1):
                diag = prev[j - 1] + (0 if (qc == t[j - 1] and qc < ncode) else 1)
                up = prev[j] + 1
                left = cur[j - 1] + 1
                v = min(diag, min(up, left))
                cur[j] = v
                if store:
                    flags = 0
                    if diag == v:
                        flags |= TB_DIAG
                    if up == v:
                        flags |= TB_UP
                    if left == v:
                        flags |= TB_LEFT
                    tb[i, j - lo] = flags
        # Row statistics: minimum (the adaptive centre follows it) and finite range.
        row_min = INF
        row_max = 0
        arg = lo
        target = centre + 1
        for j in range(lo, hi + 1):
            v = cur[j]
            if v < row_min or (v == row_min and abs(j + 1 - target) < abs(arg + 1 - target)):
                row_min = v
                arg = j
            if v < INF and v > row_max:
                row_max = v
        if row_min < INF:
            max_range = max(max_range, row_max - row_min)
        if cut >= 0 and row_min > cut:
            return INF, -1, cells, max_range, cov_lo, cov_hi, max_width, drift_lo, drift_hi
        if hi + 1 <= n + 2:
            cur[hi + 1] = INF
        if hi + 2 <= n + 2:
            cur[hi + 2] = INF
        if adaptive:
            centre = min(max(arg + 1, centre), centre + 2)
        if i == m:
            for j in range(n + 1):
                last[j] = INF
            for j in range(lo, hi + 1):
                last[j] = cur[j]
            if mode == MODE_NW:
                if hi == n:
                    best = cur[n]
                    best_j = n
            else:
                best = row_min
                best_j = lo
                while cur[best_j] != row_min:
                    best_j += 1
        prev, cur = cur, prev
    if best >= INF:
        best = INF
        best_j = -1
    return best, best_j, cells, max_range, cov_lo, cov_hi, max_width, drift_lo, drift_hi


@njit(cache=True, nogil=True)
def bits_for_range(r):
    """Bits needed to store values 0..r (at least 1)."""
    b = 1
    while (1 << b) <= r:
        b += 1
    return b


KIND_ADAPTIVE, KIND_STATIC = 0, 1  # pass kinds in a pass record


@njit(cache=True, nogil=True)
def _note(record, p, kind, lo, hi, rng, best, cut):
    """Pass ``p`` into ``record`` (rows: kind, lo, hi, bits, best, cut) when it has room."""
    if p < record.shape[0]:
        record[p, 0] = kind
        record[p, 1] = lo
        record[p, 2] = hi
        record[p, 3] = bits_for_range(rng)
        record[p, 4] = best
        record[p, 5] = cut


@njit(cache=True, nogil=True)
def edit_align(q, t, mode, k, ncode, h0, c0, store, last, record):
    """Exact edit distance of ``q`` against ``t`` with the adaptive band.

    ``k < 0`` means unbounded. ``c0`` is the expected start column on row 0 (-1: the mode's
    default, 0 for NW/SHW and ``(n-m)//2`` for HW). ``store`` keeps traceback flags.
    ``last`` (int32, length n+1) receives the final DP row (INF outside the final band).
    ``record`` (int64, passes x 6; 0 rows to keep nothing) receives each pass: its kind, lo and
    hi (``KIND_ADAPTIVE``: the least and greatest diagonal ``centre - i`` the band's centre
    took, the start column ``c0`` among them; ``KIND_STATIC``: the diagonal interval), the bits
    a cell needs, its result (``INF`` when none) and the
    bound it cut rows at (-1: none): what the PIM model runs, by construction the passes the
    core computed.

    Returns ``(dist, end_j, tb, tb_lo, band, cells, bits, passes)``; ``dist`` is -1 when it exceeds
    ``k``; ``end_j`` is the leftmost optimal end column (DP coordinates, 1 past the last target
    base used). ``band`` is the widest row of the deciding pass, ``cells`` the total over passes,
    ``bits`` the bits per cell of that pass (values relative to the row minimum).
    """
    m = q.shape[0]
    n = t.shape[0]
    delta = n - m
    empty_tb = np.zeros((0, 0), dtype=np.uint8)
    empty_lo = np.zeros(0, dtype=np.int64)
    if k >= 0 and lower_bound(mode, 0, delta) > k:
        return -1, -1, empty_tb, empty_lo, 0, 0, 0, 0
    if c0 < 0:
        c0 = max(0, delta // 2) if mode == MODE_HW else 0
    width = 2 * h0 + 1
    tb = np.empty((m + 1, width), dtype=np.uint8) if store else empty_tb
    tb_lo = np.empty(m + 1, dtype=np.int64) if store else empty_lo
    # An adaptive band narrower than the free start diagonals of HW can never be certified;
    # Ukkonen's static band with a guessed bound replaces it there.
    adaptive = not (mode == MODE_HW and delta + 1 > width)
    if adaptive:
        best, end_j, cells, rng, cov_lo, cov_hi, band, e_lo, e_hi = band_pass(
            q, t, mode, ncode, True, h0, c0, 0, 0, k, tb, tb_lo, last
        )
        _note(record, 0, KIND_ADAPTIVE, e_lo, e_hi, rng, best, k)
        guess = -1
    else:
        guess = h0 if k < 0 else min(h0, k)
        lo, hi = diagonal_interval(mode, m, n, guess)
        tb = np.empty((m + 1, hi - lo + 1), dtype=np.uint8) if store else empty_tb
        best, end_j, cells, rng, cov_lo, cov_hi, band, _, _ = band_pass(
            q, t, mode, ncode, False, 0, 0, lo, hi, guess, tb, tb_lo, last
        )
        _note(record, 0, KIND_STATIC, lo, hi, rng, best, guess)
        cov_lo, cov_hi = lo, hi
    bound = min(best, trivial_upper_bound(mode, m, n))
    if k >= 0:
        bound = min(bound, k)
    lo, hi = diagonal_interval(mode, m, n, bound)
    if best <= bound and cov_lo <= lo and cov_hi >= hi:
        return best, end_j, tb, tb_lo, band, cells, bits_for_range(rng), 1
    # Ukkonen's doubling: a static band for guess g is exact whenever it finds a cost <= g.
    g = bound if best <= bound else min(bound, max(2 * h0, 2 * guess, 1))
    passes = 1
    while True:
        lo, hi = diagonal_interval(mode, m, n, g)
        tb = np.empty((m + 1, hi - lo + 1), dtype=np.uint8) if store else empty_tb
        best, end_j, cells2, rng, _, _, band, _, _ = band_pass(
            q, t, mode, ncode, False, 0, 0, lo, hi, g, tb, tb_lo, last
        )
        _note(record, passes, KIND_STATIC, lo, hi, rng, best, g)
        cells += cells2
        passes += 1
        if best <= g:
            return best, end_j, tb, tb_lo, band, cells, bits_for_range(rng), passes
        if g >= bound:
            return -1, -1, empty_tb, empty_lo, band, cells, bits_for_range(rng), passes
        g = min(bound, 2 * g)


@njit(cache=True, nogil=True)
def traceback(q, t, mode, ncode, tb, tb_lo, end_j, ops):
    """Walk predecessor flags back from ``(m, end_j)``; prefer diagonal, then I, then D.

    Writes op codes (OP_EQ, OP_X, OP_I, OP_D) into ``ops`` in forward order starting at index 0
    and returns ``(n_ops, start_j)``, ``start_j`` being the first target column used.
    """
    i = q.shape[0]
    j = end_j
    n_ops = 0
    cap = ops.shape[0]
    while i > 0 or (j > 0 and mode != MODE_HW):
        flags = tb[i, j - tb_lo[i]]
        if i > 0 and j > 0 and (flags & TB_DIAG):
            qc = q[i - 1]
            ops[cap - 1 - n_ops] = OP_EQ if (qc == t[j - 1] and qc < ncode) else OP_X
            i -= 1
            j -= 1
        elif i > 0 and (flags & TB_UP):
            ops[cap - 1 - n_ops] = OP_I
            i -= 1
        else:
            ops[cap - 1 - n_ops] = OP_D
            j -= 1
        n_ops += 1
    ops[:n_ops] = ops[cap - n_ops : cap].copy()
    return n_ops, j
