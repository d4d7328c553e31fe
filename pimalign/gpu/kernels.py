"""CUDA kernels for batch edit distance: one thread per pair, Myers/Hyyrö bit-vectors.

Pairs arrive packed as in the CPU batch layout (flat uint8 codes A=0 C=1 G=2 T=3 N=4 plus int64
offsets). Each thread aligns one pair:

1. *Distance and end.* Myers' bit-vector algorithm in Hyyrö's multi-word form (edlib's
   ``calculateBlock``) keeps one DP column over the whole query as vertical differences, 64 rows
   per word, in a per-thread array of ``words`` words (``cuda.local.array``, size fixed when the
   kernel is compiled). The top row enters each column as a horizontal difference: +1 for NW and
   SHW (``D[0][j] = j``), 0 for HW (``D[0][j] = 0``). The last row's value is followed column by
   column, which gives the mode's optimum and its leftmost end column exactly as the full DP does.
2. *Start (task locations, HW only).* NW and SHW alignments start at target column 0. For HW the
   CPU reports the start of its traceback from the leftmost optimal end (preferring diagonal, then
   I, then D); the kernel reproduces that walk forward: a scalar DP over the target window
   ``[end - m - d, end]`` (no alignment of cost ``d`` ending at ``end`` starts further left) that
   carries, per cell, the start column of the walk the traceback would take from it.

A query longer than ``64 * words`` is not aligned: its distance is written as ``NOT_DONE`` (-2) and
the host wrapper hands it to the CPU kernel. Results are therefore always exact.

The per-pair code (``_myers``, ``_hw_start``, ``_pair``) is target-agnostic
(``register_jitable``): ``edit_kernel`` compiles it for CUDA, ``edit_batch_twin`` for the CPU, so
tests can check the very same code on many pairs without a GPU; the CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``) runs the kernels themselves.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import cuda, njit
from numba.extending import register_jitable

from ..kernels.options import MODE_HW, MODE_NW, TASK_DISTANCE, TASK_LOCATIONS  # noqa: F401

NOT_DONE = -2  # distance of a pair the kernel did not align (query longer than 64 * words)
WORD = 64
MAX_WORDS = 255  # keeps window columns (<= 2 * query length) inside int16
CODES = 5  # A C G T N

ZERO = np.uint64(0)
ONE = np.uint64(1)
HIGH = np.uint64(63)
ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@register_jitable
def _myers(q, t, mode, ncode, peq, vp, vn, cols, col_base):
    """``(best, end_j)``: the mode's optimum over the last DP row and its leftmost column
    (``end_j`` = 1 past the last target base used). ``q`` non-empty; ``peq`` holds at least
    ``ncode * words`` words, ``vp``/``vn`` ``words`` words, ``words >= ceil(len(q) / 64)``.
    With ``col_base >= 0`` every column's vertical differences are kept for a traceback:
    column ``j + 1`` (after target base ``j``) as ``nw`` words of ``vp`` then ``nw`` of ``vn``
    from ``cols[col_base + 2 * nw * j]``, ``nw = ceil(len(q) / 64)``."""
    m = q.shape[0]
    n = t.shape[0]
    nw = (m + WORD - 1) // WORD
    for x in range(ncode * nw):
        peq[x] = ZERO
    for i in range(m):
        c = q[i]
        if c < ncode:
            x = np.int64(c) * nw + (i >> 6)
            peq[x] = peq[x] | (ONE << np.uint64(i & 63))
    for b in range(nw):
        vp[b] = ALL
        vn[b] = ZERO
    last = nw - 1
    r = np.uint64((m - 1) & 63)
    top = 0 if mode == MODE_HW else 1
    score = m
    best = m
    best_j = 0
    for j in range(n):
        c = t[j]
        base = np.int64(c) * nw
        hin = top
        for b in range(nw):
            pv = vp[b]
            mv = vn[b]
            eq = peq[base + b] if c < ncode else ZERO
            xv = eq | mv
            if hin < 0:
                eq = eq | ONE
            xh = (((eq & pv) + pv) ^ pv) | eq
            ph = mv | ~(xh | pv)
            mh = pv & xh
            if b == last:
                hout = np.int64((ph >> r) & ONE) - np.int64((mh >> r) & ONE)
            else:
                hout = np.int64(ph >> HIGH) - np.int64(mh >> HIGH)
            ph = ph << ONE
            mh = mh << ONE
            if hin < 0:
                mh = mh | ONE
            elif hin > 0:
                ph = ph | ONE
            vp[b] = mh | ~(xv | ph)
            vn[b] = ph & xv
            if col_base >= 0:
                at = col_base + 2 * nw * j + b
                cols[at] = vp[b]
                cols[at + nw] = vn[b]
            hin = hout
        score += hin
        if score < best:
            best = score
            best_j = j + 1
    if mode == MODE_NW:
        return score, n
    return best, best_j


@register_jitable
def _hw_start(q, t, ncode, end_j, dist, val, src):
    """Start column of the CPU traceback (diagonal, then I, then D) from ``(m, end_j)`` in HW mode,
    ``dist`` being the optimum there. ``val``/``src`` (int16, at least ``m + 1``) are scratch."""
    m = q.shape[0]
    ws = end_j - m - dist
    if ws < 0:
        ws = 0
    for i in range(m + 1):
        val[i] = i
        src[i] = 0
    for j in range(ws + 1, end_j + 1):
        c = t[j - 1]
        diag_v = np.int64(val[0])
        diag_s = np.int64(src[0])
        up_v = np.int64(0)
        up_s = np.int64(j - ws)
        val[0] = 0
        src[0] = up_s
        for i in range(1, m + 1):
            qc = q[i - 1]
            left_v = np.int64(val[i])
            left_s = np.int64(src[i])
            diag = diag_v + (0 if (qc == c and qc < ncode) else 1)
            up = up_v + 1
            left = left_v + 1
            if diag <= up and diag <= left:
                up_v = diag
                up_s = diag_s
            elif up <= left:
                up_v = up
            else:
                up_v = left
                up_s = left_s
            val[i] = up_v
            src[i] = up_s
            diag_v = left_v
            diag_s = left_s
    return ws + np.int64(src[m])


@register_jitable
def _pair(p, seqs, mode, k, ncode, task, words, scratch, out):
    """Align pair ``p`` of ``seqs`` = ``(q_flat, q_off, t_flat, t_off)`` and write its distance,
    start and end to ``out`` = ``(dist, start, end)`` (CPU batch semantics); ``scratch`` =
    ``(peq, vp, vn, val, src)``."""
    q_flat, q_off, t_flat, t_off = seqs
    peq, vp, vn, val, src = scratch
    dist, start, end = out
    qa = q_off[p]
    qb = q_off[p + 1]
    ta = t_off[p]
    tb = t_off[p + 1]
    m = qb - qa
    n = tb - ta
    start[p] = -1
    end[p] = -1
    need_start = task == TASK_LOCATIONS and mode == MODE_HW
    if m > words * WORD or (need_start and val.shape[0] < m + 1):
        dist[p] = NOT_DONE
        return
    q = q_flat[qa:qb]
    t = t_flat[ta:tb]
    if m == 0:
        d = n if mode == MODE_NW else 0
        end_j = n if mode == MODE_NW else 0
    else:
        d, end_j = _myers(q, t, mode, ncode, peq, vp, vn, peq, -1)
    if k >= 0 and d > k:
        dist[p] = -1
        return
    dist[p] = d
    end[p] = end_j - 1
    if task == TASK_LOCATIONS:
        if need_start:
            start[p] = _hw_start(q, t, ncode, end_j, d, val, src)
        else:
            start[p] = 0


@functools.lru_cache(maxsize=None)
def edit_kernel(words: int, with_start: bool):
    """The CUDA kernel for queries up to ``64 * words`` bases; ``with_start`` adds the int16
    scratch HW locations need (``64 * words + 1`` each, two of them).

    Launch as ``kernel[blocks, threads](q_flat, q_off, t_flat, t_off, idx, use_idx, count, mode,
    k, ncode, task, dist, start, end)``: thread ``x < count`` aligns pair ``idx[x]`` (``x`` itself
    when ``use_idx`` is False).
    """
    if not 1 <= words <= MAX_WORDS:
        raise ValueError(f"words must be in 1..{MAX_WORDS}, got {words}")
    n_peq = CODES * words
    n_col = WORD * words + 1 if with_start else 1

    @cuda.jit
    def kernel(
        q_flat, q_off, t_flat, t_off, idx, use_idx, count, mode, k, ncode, task, dist, start, end
    ):
        x = cuda.grid(1)
        if x >= count:
            return
        p = idx[x] if use_idx else np.int64(x)
        peq = cuda.local.array(n_peq, np.uint64)
        vp = cuda.local.array(words, np.uint64)
        vn = cuda.local.array(words, np.uint64)
        val = cuda.local.array(n_col, np.int16)
        src = cuda.local.array(n_col, np.int16)
        _pair(
            p, (q_flat, q_off, t_flat, t_off), mode, k, ncode, task, words,
            (peq, vp, vn, val, src), (dist, start, end),
        )  # fmt: skip

    return kernel


@njit(cache=True, nogil=True)
def edit_batch_twin(q_flat, q_off, t_flat, t_off, mode, k, ncode, task, words, dist, start, end):
    """The kernels' per-pair code compiled for the CPU, pair after pair (for tests)."""
    peq = np.empty(CODES * words, dtype=np.uint64)
    vp = np.empty(words, dtype=np.uint64)
    vn = np.empty(words, dtype=np.uint64)
    val = np.empty(WORD * words + 1, dtype=np.int16)
    src = np.empty(WORD * words + 1, dtype=np.int16)
    for p in range(q_off.shape[0] - 1):
        _pair(
            p, (q_flat, q_off, t_flat, t_off), mode, k, ncode, task, words,
            (peq, vp, vn, val, src), (dist, start, end),
        )  # fmt: skip
