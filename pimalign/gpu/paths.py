"""CUDA kernels for batch CIGARs (task "path"): one thread per pair, columns kept on the device.

Each thread runs the distance kernels' Myers/Hyyrö column (``kernels._myers``) and keeps every
column's vertical differences (``vp``, ``vn``: ``ceil(m / 64)`` words each) in a global scratch
array, ``2 * ceil(m / 64) * n`` words per pair at the offset the host gives it. Any DP value is
then a sum of bits, ``D[i][j] = D[0][j] + popcount(vp_j rows 1..i) - popcount(vn_j rows 1..i)``
with ``D[0][j] = j`` (NW, SHW) or 0 (HW), so the traceback walks back from the leftmost optimal
end ``(m, end_j)`` with the CPU's tie rule (``kernels.edit.mismatch_step``: diagonal, then I, then
D) on exact values and writes the same ops. A match is always taken diagonally: its diagonal
neighbour has the cell's value (neighbouring DP cells differ by at most 1).

Ops go to slots ``[q_off[p] + t_off[p], ... + m + n)`` (each relative to the first offset) in
forward order, their count to ``n_ops[p]``; the host turns them into CIGAR text. Like
``kernels._pair``, the per-pair code is target-agnostic: ``path_kernel`` compiles it for CUDA,
``path_batch_twin`` for the CPU (tests).
"""

from __future__ import annotations

import functools

import numpy as np
from numba import cuda, njit
from numba.extending import register_jitable

from ..kernels.edit import OP_D, OP_EQ, OP_I, mismatch_step
from ..kernels.options import MODE_HW, MODE_NW
from .kernels import CODES, NOT_DONE, ONE, WORD, _myers

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_TWO = np.uint64(2)
_FOUR = np.uint64(4)
_TOP_BYTE = np.uint64(56)


@register_jitable
def _popcount(x):
    """Set bits of a uint64 (SWAR: the same code on CUDA and the CPU)."""
    x = x - ((x >> ONE) & _M1)
    x = (x & _M2) + ((x >> _TWO) & _M2)
    x = (x + (x >> _FOUR)) & _M4
    return np.int64((x * _H01) >> _TOP_BYTE)


@register_jitable
def _value(cols, base, nw, top, i, j):
    """``D[i][j]`` from the kept columns (``top``: ``D[0][j] - D[0][j - 1]``, 1 or 0)."""
    if j == 0:
        return np.int64(i)
    v = np.int64(top) * j
    at = base + 2 * nw * (j - 1)
    full = i >> 6
    for b in range(full):
        v += _popcount(cols[at + b]) - _popcount(cols[at + nw + b])
    rest = i & 63
    if rest > 0:
        mask = (ONE << np.uint64(rest)) - ONE
        v += _popcount(cols[at + full] & mask) - _popcount(cols[at + nw + full] & mask)
    return v


@register_jitable
def _traceback(q, t, mode, ncode, cols, base, end_j, value, ops, lo):
    """Walk back from ``(m, end_j)`` of cost ``value``; writes the ops to ``ops[lo:lo + n_ops]``
    in forward order (``m + n`` slots from ``lo`` are the pair's) and returns
    ``(n_ops, start_j)``."""
    m = q.shape[0]
    nw = (m + WORD - 1) // WORD
    top = 0 if mode == MODE_HW else 1
    last = lo + m + t.shape[0] - 1
    i = m
    j = end_j
    v = np.int64(value)
    n_ops = 0
    while i > 0 or (j > 0 and mode != MODE_HW):
        if i == 0:
            op = OP_D
            j -= 1
        elif j == 0:
            op = OP_I
            i -= 1
        elif q[i - 1] == t[j - 1] and q[i - 1] < ncode:
            op = OP_EQ
            i -= 1
            j -= 1
        else:
            diag = _value(cols, base, nw, top, i - 1, j - 1)
            up = _value(cols, base, nw, top, i - 1, j)
            op, v, di, dj = mismatch_step(v, diag, up)
            i -= di
            j -= dj
        ops[last - n_ops] = op
        n_ops += 1
    for x in range(n_ops):  # to forward order at lo (the copy never overtakes its source)
        ops[lo + x] = ops[last - n_ops + 1 + x]
    return n_ops, j


@register_jitable
def _path_pair(p, x, seqs, mode, k, ncode, words, scratch, cols, col_off, out):
    """Pair ``p`` of ``seqs`` = ``(q_flat, q_off, t_flat, t_off)``, the ``x``-th of its launch:
    its columns start at ``cols[col_off[x]]`` (-1: the host had no room for them); ``scratch``
    = ``(peq, vp, vn)``, ``out`` = ``(dist, start, end, n_ops, ops)``."""
    q_flat, q_off, t_flat, t_off = seqs
    peq, vp, vn = scratch
    dist, start, end, n_ops, ops = out
    qa = q_off[p]
    ta = t_off[p]
    m = q_off[p + 1] - qa
    n = t_off[p + 1] - ta
    start[p] = -1
    end[p] = -1
    n_ops[p] = 0
    base = col_off[x]
    if m > words * WORD or base < 0:
        dist[p] = NOT_DONE
        return
    q = q_flat[qa : qa + m]
    t = t_flat[ta : ta + n]
    if m == 0:
        d = n if mode == MODE_NW else 0
        end_j = n if mode == MODE_NW else 0
    else:
        d, end_j = _myers(q, t, mode, ncode, peq, vp, vn, cols, base)
    if k >= 0 and d > k:
        dist[p] = -1
        return
    dist[p] = d
    end[p] = end_j - 1
    lo = qa - q_off[0] + ta - t_off[0]
    count, start_j = _traceback(q, t, mode, ncode, cols, base, end_j, d, ops, lo)
    n_ops[p] = count
    start[p] = start_j


@functools.lru_cache(maxsize=None)
def path_kernel(words: int):
    """The CUDA path kernel for queries up to ``64 * words`` bases.

    Launch as ``kernel[blocks, threads](q_flat, q_off, t_flat, t_off, idx, count, mode, k, ncode,
    cols, col_off, dist, start, end, n_ops, ops)``: thread ``x < count`` aligns pair ``idx[x]``
    with its columns from ``cols[col_off[x]]``.
    """
    n_peq = CODES * words

    @cuda.jit
    def kernel(
        q_flat, q_off, t_flat, t_off, idx, count, mode, k, ncode, cols, col_off, dist, start, end,
        n_ops, ops,
    ):  # fmt: skip
        x = cuda.grid(1)
        if x >= count:
            return
        peq = cuda.local.array(n_peq, np.uint64)
        vp = cuda.local.array(words, np.uint64)
        vn = cuda.local.array(words, np.uint64)
        _path_pair(
            idx[x], x, (q_flat, q_off, t_flat, t_off), mode, k, ncode, words, (peq, vp, vn),
            cols, col_off, (dist, start, end, n_ops, ops),
        )  # fmt: skip

    return kernel


def column_words(q_off: np.ndarray, t_off: np.ndarray) -> np.ndarray:
    """Scratch words each pair's kept columns take: ``2 * ceil(m / 64) * n``."""
    m = np.diff(q_off)
    return 2 * ((m + WORD - 1) // WORD) * np.diff(t_off)


@njit(cache=True, nogil=True)
def path_batch_twin(q_flat, q_off, t_flat, t_off, mode, k, ncode, words, out):
    """The path kernel's per-pair code compiled for the CPU, pair after pair (for tests);
    ``out`` = ``(dist, start, end, n_ops, ops)`` as the kernel's."""
    n_pairs = q_off.shape[0] - 1
    peq = np.empty(CODES * words, dtype=np.uint64)
    vp = np.empty(words, dtype=np.uint64)
    vn = np.empty(words, dtype=np.uint64)
    most = 1
    for p in range(n_pairs):
        m = q_off[p + 1] - q_off[p]
        most = max(most, 2 * ((m + WORD - 1) // WORD) * (t_off[p + 1] - t_off[p]))
    cols = np.empty(most, dtype=np.uint64)
    col_off = np.zeros(n_pairs, dtype=np.int64)
    for p in range(n_pairs):
        _path_pair(
            p, p, (q_flat, q_off, t_flat, t_off), mode, k, ncode, words, (peq, vp, vn), cols,
            col_off, out,
        )  # fmt: skip
