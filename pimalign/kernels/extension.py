"""The extension of one seed cluster into an alignment of one read (Numba).

``window`` picks the reference window and the diagonals the extension is exact over;
``extend_candidate`` tries an ungapped alignment whose score proves it optimal, else runs the
exact adaptive banded affine kernel (``affine.MODE_EXTEND``) with traceback, widening the window
once when a clipped end could pay for a longer gap; ``local_score`` turns a path into bwa's
``AS``. Coordinates are 0-based; diagonals are ``j - i`` in window coordinates.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .affine import MODE_EXTEND, NEG, OP_S, affine_align, affine_traceback
from .edit import OP_D, OP_EQ, OP_I, OP_X
from .packed import window_codes
from .scoring import pair_score, swap_clips

CIGAR_M, CIGAR_I, CIGAR_D, CIGAR_S = 77, 73, 68, 83  # ASCII M I D S


@njit(cache=True, nogil=True)
def revcomp(seq):
    n = seq.shape[0]
    out = np.empty(n, dtype=np.uint8)
    for x in range(n):
        c = seq[n - 1 - x]
        out[x] = 3 - c if c < 4 else 4
    return out


@njit(cache=True, nogil=True)
def contig_at(offsets, pos):
    """Index of the contig holding concatenated position ``pos``."""
    return np.searchsorted(offsets, pos, side="right") - 1


@njit(cache=True, nogil=True)
def window(ref_off, diag_lo, diag_hi, m, pad):
    """Reference window ``[ws, we)`` of a cluster inside one contig, and the diagonals
    ``[dlo, dhi]`` (window coordinates) the extension is exact over: the cluster's, widened by
    ``2 * pad``. The contig is the one under the read's middle."""
    centre = min(max((diag_lo + diag_hi) // 2 + m // 2, 0), ref_off[-1] - 1)
    c = contig_at(ref_off, centre)
    ws = max(diag_lo - pad, ref_off[c])
    we = min(diag_hi + m + pad, ref_off[c + 1])
    return ws, we, diag_lo - ws - 2 * pad, diag_hi - ws + 2 * pad


@njit(cache=True, nogil=True)
def orient_scoring(sc, strand):
    """Clipping penalties apply to the read's own 5'/3' ends, whichever strand it aligns to."""
    return swap_clips(sc) if strand else sc


@njit(cache=True, nogil=True)
def clipped_ungapped(read, t, d, sc):
    """Best ungapped, optionally clipped alignment of ``read`` at column ``d`` of window ``t``:
    ``(score, q_st, q_en)`` with the clipping penalties counted, ``score`` NEG when the read
    does not lie inside the window on that diagonal. Clipping wins ties (bwa), at the clip
    point nearest the read's middle."""
    m = read.shape[0]
    if m == 0 or d < 0 or d + m > t.shape[0]:
        return NEG, 0, 0
    total = 0
    best_pre = 0  # smallest prefix sum, counting the clip penalty
    best_s = 0
    for i in range(m):
        total += pair_score(read[i], t[d + i], sc)
        if total + sc.clip5 <= best_pre and i + 1 < m:
            best_pre = total + sc.clip5
            best_s = i + 1
    suffix = 0
    best_suf = 0
    best_e = m
    for i in range(m - 1, best_s, -1):
        suffix += pair_score(read[i], t[d + i], sc)
        if suffix + sc.clip3 <= best_suf:
            best_suf = suffix + sc.clip3
            best_e = i
    return total - best_pre - best_suf, best_s, best_e


@njit(cache=True, nogil=True)
def ungapped_ops(read, t, d, qs, qe, ops):
    """Ops of the ungapped alignment at column ``d`` of ``t``, over ``[qs, qe)`` (S outside)."""
    m = read.shape[0]
    for i in range(m):
        if i < qs or i >= qe:
            ops[i] = OP_S
        else:
            c = read[i]
            ops[i] = OP_EQ if (c == t[d + i] and c < 4) else OP_X
    return m


@njit(cache=True, nogil=True)
def local_score(read, t, ops, n_ops, ts, sc):
    """bwa's ``AS`` of an alignment: the best score of a contiguous piece of its path (a whole
    gap run counts as one step), i.e. its ends trimmed where that scores more."""
    best = 0
    run = 0
    i = 0
    j = ts
    y = 0
    while y < n_ops:
        op = ops[y]
        if op == OP_S:
            i += 1
            y += 1
            continue
        if op == OP_EQ or op == OP_X:
            step = pair_score(read[i], t[j], sc)
            i += 1
            j += 1
            y += 1
        else:
            length = 0
            while y < n_ops and ops[y] == op:
                length += 1
                y += 1
            step = -(sc.gap_open + sc.gap_extend * length)
            if op == OP_I:
                i += length
            else:
                j += length
        run = max(run + step, step)
        best = max(best, run)
    return best


@njit(cache=True, nogil=True)
def extend_one(read, t, dlo, dhi, pad, sc, h0, store, floor=NEG):
    """Affine extension of the oriented ``read`` in the window ``t``, exact over the window
    diagonals ``[dlo, dhi]``; the kernel's tuple (see ``affine.affine_align``; ``floor`` the
    score of an alignment known inside them, NEG none)."""
    n = t.shape[0]
    c0 = min(max(dlo + 2 * pad, 0), max(n - 1, 0))
    h = max(h0, c0 - dlo, dhi - c0)
    return affine_align(read, t, MODE_EXTEND, sc, h, c0, store, dlo, dhi, floor)


@njit(cache=True, nogil=True)
def gap_budget(clip, pen, sc):
    """Longest gap that could let ``clip`` soft-clipped bases align instead (0: none): they add
    at most ``clip * match`` and save the clipping penalty, the gap costs ``o + g * e``."""
    gain = clip * sc.match + pen - sc.gap_open
    if clip == 0 or gain <= sc.gap_extend:
        return 0
    return (gain - 1) // sc.gap_extend if sc.gap_extend > 0 else clip


@njit(cache=True, nogil=True)
def extend_candidate(read, ref, diag_lo, diag_hi, pad, sc, h0, prune=True):
    """The best alignment of the oriented ``read`` near the diagonals ``[diag_lo, diag_hi]``.

    The window is ``window()``'s. A one-diagonal cluster first tries an ungapped alignment,
    accepted when its score proves it optimal; otherwise the exact banded extension runs with
    traceback (with ``prune``, skipping the cells that cannot reach the ungapped score: the
    same alignment, but the ``bits`` of the cells computed, not of the whole band). When that
    leaves a clipped end long enough to pay for a gap beyond the window's diagonals
    (``gap_budget``), it runs again with the window and diagonals widened by that gap on both
    sides, as bwa's wide extension band would find it.

    Returns ``(AS, q_st, q_en, r_st, r_en, ws, we, dlo, dhi, band, cells, bits, passes, ops,
    n_ops)``: ``AS`` NEG when nothing aligns; ``r_st``/``r_en`` concatenated coordinates; the
    window and diagonals that reproduce it; ``ops``/``n_ops`` its path. ``ref`` is the packed
    reference (``packed.RefArrays``).
    """
    m = read.shape[0]
    ws, we, dlo, dhi = window(ref.offsets, diag_lo, diag_hi, m, pad)
    ops = np.empty(m + max(we - ws, 0) + 1, dtype=np.uint8)
    if we - ws < 1:
        return NEG, 0, 0, 0, 0, ws, we, dlo, dhi, 0, 0, 0, 0, ops, 0
    t = window_codes(ref, ws, we)
    floor = NEG
    if diag_lo == diag_hi:
        s, qs, qe = clipped_ungapped(read, t, diag_lo - ws, sc)
        # any alignment with a gap scores at most a*m - o - e: an ungapped one above is optimal
        if s > sc.match * m - sc.gap_open - sc.gap_extend:
            n_ops = ungapped_ops(read, t, diag_lo - ws, qs, qe, ops)
            score = local_score(read, t, ops, n_ops, diag_lo - ws, sc)
            return (score, qs, qe, diag_lo + qs, diag_lo + qe, ws, we, dlo, dhi, 1, m, 1, 0, ops, 0)
        if prune:
            floor = s
    cells = 0
    for attempt in range(2):
        res = extend_one(read, t, dlo, dhi, pad, sc, h0, True, floor)
        s, end_i, end_j, tb, tb_lo, bw, nc, nb, np_ = res
        cells += nc
        if s <= NEG:
            return NEG, 0, 0, 0, 0, ws, we, dlo, dhi, 0, 0, 0, 0, ops, 0
        n_ops, qs, ts = affine_traceback(read, t, tb, tb_lo, end_i, end_j, ops)
        g = max(gap_budget(qs, sc.clip5, sc), gap_budget(m - end_i, sc.clip3, sc))
        if attempt == 1 or g <= 2 * pad:
            break
        c = contig_at(ref.offsets, ws)
        wider_ws = max(ws - g, ref.offsets[c])
        we = min(we + g, ref.offsets[c + 1])
        dlo, dhi = dlo + (ws - wider_ws) - g, dhi + (ws - wider_ws) + g
        ws = wider_ws
        t = window_codes(ref, ws, we)
        ops = np.empty(m + (we - ws) + 1, dtype=np.uint8)
    score = local_score(read, t, ops, n_ops, ts, sc)
    return (score, qs, end_i, ws + ts, ws + end_j, ws, we, dlo, dhi, bw, cells, nb, np_, ops, n_ops)


@njit(cache=True, nogil=True)
def sam_op(op):
    """SAM letter of a traceback op (= and X become M)."""
    if op == OP_EQ or op == OP_X:
        return CIGAR_M
    if op == OP_I:
        return CIGAR_I
    if op == OP_D:
        return CIGAR_D
    return CIGAR_S


@njit(cache=True, nogil=True)
def sam_runs(ops, n_ops, out_op, out_len):
    """Runs of SAM ops; returns their number, or -1 when ``out_op`` is too short."""
    cap = out_op.shape[0]
    n = 0
    for y in range(n_ops):
        code = sam_op(ops[y])
        if n > 0 and out_op[n - 1] == code:
            out_len[n - 1] += 1
        else:
            if n == cap:
                return -1
            out_op[n] = code
            out_len[n] = 1
            n += 1
    return n
