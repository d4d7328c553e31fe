"""Batched drivers: pairs packed as flat uint8 arrays plus int64 offsets, ``prange`` over pairs.

Every pair writes only its own output slots, so results do not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .bitpar import fast_edit, scratch_words, word_path
from .edit import (
    MODE_HW,
    MODE_NW,
    OP_EQ,
    OP_X,
    band_pass,
    bits_for_range,
    diagonal_interval,
    edit_align,
    traceback,
)

BLOCK = 256  # pairs per parallel work item (scratch is allocated once per block)


@njit(cache=True, nogil=True)
def run_length(ops, n_ops, run_ops, run_lens):
    """Collapse ``ops[:n_ops]`` into runs; returns the number of runs written."""
    n_runs = 0
    for x in range(n_ops):
        if n_runs > 0 and run_ops[n_runs - 1] == ops[x]:
            run_lens[n_runs - 1] += 1
        else:
            run_ops[n_runs] = ops[x]
            run_lens[n_runs] = 1
            n_runs += 1
    return n_runs


_CIGAR_LETTER = np.frombuffer(b"?ID?S??=X", dtype=np.uint8)  # by op code (BAM numbering)


@njit(cache=True, nogil=True)
def cigar_texts(run_off, run_ops, run_lens, n_runs):
    """Every pair's extended CIGAR as ASCII, one line per pair (``"3=1X2="``); returns the bytes.

    Building the text here costs about 20 ns per run, against about 1 us in Python.
    """
    n_pairs = run_off.shape[0]
    size = n_pairs
    for p in range(n_pairs):
        for r in range(run_off[p], run_off[p] + n_runs[p]):
            size += 1 + (1 if run_lens[r] < 10 else 2 if run_lens[r] < 100 else 20)
    out = np.empty(size, dtype=np.uint8)
    pos = 0
    digits = np.empty(20, dtype=np.uint8)
    for p in range(n_pairs):
        for r in range(run_off[p], run_off[p] + n_runs[p]):
            value = run_lens[r]
            nd = 0
            while True:
                digits[nd] = 48 + value % 10
                value //= 10
                nd += 1
                if value == 0:
                    break
            for x in range(nd):
                out[pos] = digits[nd - 1 - x]
                pos += 1
            out[pos] = _CIGAR_LETTER[run_ops[r]]
            pos += 1
        out[pos] = 10
        pos += 1
    return out[:pos]


@njit(cache=True, parallel=True, nogil=True)
def edit_batch(
    q_flat,
    q_off,
    t_flat,
    t_off,
    mode,
    k,
    ncode,
    h0,
    task,
    bitparallel,
    dist,
    start,
    end,
    band,
    cells,
    bits,
    run_off,
    run_ops,
    run_lens,
    n_runs,
):
    """Edit distance for every pair ``p``: ``q_flat[q_off[p]:q_off[p+1]]`` vs the target slice.

    ``task``: 0 distance, 1 locations, 2 path. ``bitparallel``: answer what one 64-bit banded
    word can decide with ``bitpar.fast_edit`` (workload: its band, cells, 2 bits per cell) and
    use the adaptive kernel for the rest; otherwise always the adaptive kernel. Outputs (length =
    pairs): ``dist`` (-1 above k), ``start``/``end`` (0-based inclusive target coordinates of the
    leftmost optimal end, start -1 when not computed), workload ``band``/``cells``/``bits``. For
    ``task == 2`` the CIGAR runs of pair ``p`` go to ``run_ops``/``run_lens`` from ``run_off[p]``
    on, ``n_runs[p]`` of them (``run_off`` must leave ``m + n`` slots per pair).
    """
    n_pairs = q_off.shape[0] - 1
    n_blocks = (n_pairs + BLOCK - 1) // BLOCK
    for blk in prange(n_blocks):
        first, stop = blk * BLOCK, min(n_pairs, (blk + 1) * BLOCK)
        max_m = 0
        max_n = 0
        for p in range(first, stop):
            max_m = max(max_m, q_off[p + 1] - q_off[p])
            max_n = max(max_n, t_off[p + 1] - t_off[p])
        # Scratch for the whole block: pattern bitmaps, the traceback's columns and ops.
        maps = np.zeros((5, scratch_words(max_n)), dtype=np.uint64)
        cols = np.empty((5, max_n + 1), dtype=np.uint64)
        ops = np.empty(max_m + max_n, dtype=np.uint8)
        for p in range(first, stop):
            _edit_one(
                p,
                q_flat,
                q_off,
                t_flat,
                t_off,
                mode,
                k,
                ncode,
                h0,
                task,
                bitparallel,
                dist,
                start,
                end,
                band,
                cells,
                bits,
                run_off,
                run_ops,
                run_lens,
                n_runs,
                maps,
                cols,
                ops,
            )


@njit(cache=True, nogil=True)
def _store_runs(p, ops, n_ops, suffix, run_off, run_ops, run_lens, n_runs):
    """Pair ``p``'s CIGAR runs from ``ops[:n_ops]`` and then ``suffix`` matches."""
    lo = run_off[p]
    count = run_length(ops, n_ops, run_ops[lo:], run_lens[lo:])
    if suffix > 0:
        if count > 0 and run_ops[lo + count - 1] == OP_EQ:
            run_lens[lo + count - 1] += suffix
        else:
            run_ops[lo + count] = OP_EQ
            run_lens[lo + count] = suffix
            count += 1
    n_runs[p] = count


@njit(cache=True, nogil=True)
def _trace_out(
    p, q, t, mode, ncode, tb, tb_lo, end_j, task, start, run_off, run_ops, run_lens, n_runs, ops
):
    """Pair ``p``'s start and (``task == 2``) CIGAR runs from traceback flags (``ops``: scratch)."""
    n_ops, start_j = traceback(q, t, mode, ncode, tb, tb_lo, end_j, ops)
    start[p] = start_j
    if task == 2:
        _store_runs(p, ops, n_ops, 0, run_off, run_ops, run_lens, n_runs)


@njit(cache=True, nogil=True)
def _band_path(
    p,
    q,
    t,
    mode,
    ncode,
    d,
    task,
    dist,
    start,
    end,
    band,
    cells,
    bits,
    run_off,
    run_ops,
    run_lens,
    n_runs,
    last,
    ops,
):
    """CIGAR of a pair of known distance ``d`` from one static band of exactly the diagonals a
    path of that cost can use, with a byte of traceback flags per cell (bands wider than a word)."""
    lo, hi = diagonal_interval(mode, q.shape[0], t.shape[0], d)
    tb = np.empty((q.shape[0] + 1, hi - lo + 1), dtype=np.uint8)
    tb_lo = np.empty(q.shape[0] + 1, dtype=np.int64)
    best, end_j, c, rng, _, _, b = band_pass(
        q, t, mode, ncode, False, 0, 0, lo, hi, d, tb, tb_lo, last
    )
    dist[p] = best
    band[p] = b
    cells[p] = c
    bits[p] = bits_for_range(rng)
    end[p] = end_j - 1
    _trace_out(
        p, q, t, mode, ncode, tb, tb_lo, end_j, task, start, run_off, run_ops, run_lens, n_runs, ops
    )


@njit(cache=True, nogil=True)
def _edit_one(
    p,
    q_flat,
    q_off,
    t_flat,
    t_off,
    mode,
    k,
    ncode,
    h0,
    task,
    bitparallel,
    dist,
    start,
    end,
    band,
    cells,
    bits,
    run_off,
    run_ops,
    run_lens,
    n_runs,
    maps,
    cols,
    ops,
):
    """Pair ``p`` of ``edit_batch`` (``maps``, ``cols``, ``ops``: the block's scratch).

    Three routes, tried in turn: one banded word with traceback (``bitpar.word_path``); the
    distance from one word, then a start or CIGAR from one static band over exactly the
    diagonals a path of that cost can use; the adaptive band (``edit.edit_align``).
    Each is its own function: one large body here made the first route 1.7x slower.
    """
    q = q_flat[q_off[p] : q_off[p + 1]]
    t = t_flat[t_off[p] : t_off[p + 1]]
    need_tb = task == 2 or (task == 1 and mode == MODE_HW)
    n_runs[p] = 0
    if bitparallel and task == 2 and mode == MODE_NW:
        if _diagonal_one(
            p,
            q,
            t,
            k,
            ncode,
            dist,
            start,
            end,
            band,
            cells,
            bits,
            run_off,
            run_ops,
            run_lens,
            n_runs,
        ):
            return
    if bitparallel and need_tb:
        if _word_one(
            p,
            q,
            t,
            mode,
            k,
            ncode,
            task,
            dist,
            start,
            end,
            band,
            cells,
            bits,
            run_off,
            run_ops,
            run_lens,
            n_runs,
            maps,
            cols,
            ops,
        ):
            return
    if bitparallel:
        if _fast_one(
            p,
            q,
            t,
            mode,
            k,
            ncode,
            task,
            need_tb,
            dist,
            start,
            end,
            band,
            cells,
            bits,
            run_off,
            run_ops,
            run_lens,
            n_runs,
            maps,
            cols,
            ops,
        ):
            return
    _adaptive_one(
        p,
        q,
        t,
        mode,
        k,
        ncode,
        h0,
        task,
        need_tb,
        dist,
        start,
        end,
        band,
        cells,
        bits,
        run_off,
        run_ops,
        run_lens,
        n_runs,
        ops,
    )


@njit(cache=True, nogil=True)
def _diagonal_one(
    p, q, t, k, ncode, dist, start, end, band, cells, bits, run_off, run_ops, run_lens, n_runs
):
    """NW pairs of equal length at most one mismatch apart (most read pairs): the diagonal is
    the only optimal path (on equal lengths an indel comes with another, cost 2), so the CIGAR
    needs no DP. False for any other pair (after at most two mismatches' scan)."""
    m = q.shape[0]
    if m == 0 or m != t.shape[0]:
        return False
    at = -1
    for i in range(m):
        if q[i] != t[i] or q[i] >= ncode:
            if at >= 0:
                return False
            at = i
    d = 0 if at < 0 else 1
    if k >= 0 and d > k:
        return False
    dist[p] = d
    start[p] = 0
    end[p] = m - 1
    band[p] = 1
    cells[p] = m + 1
    bits[p] = 1
    lo = run_off[p]
    count = 0
    for op, length in (
        (OP_EQ, at if at >= 0 else m),
        (OP_X, 1 if at >= 0 else 0),
        (OP_EQ, m - 1 - at if at >= 0 else 0),
    ):
        if length > 0:
            run_ops[lo + count] = op
            run_lens[lo + count] = length
            count += 1
    n_runs[p] = count
    return True


@njit(cache=True, nogil=True)
def _put_word(p, d, end_j, start_j, b, c, dist, start, end, band, cells, bits):
    """Pair ``p``'s outputs from a bit-parallel word (``end_j`` a column; 2 bits per cell)."""
    dist[p] = d
    band[p] = b
    cells[p] = c
    bits[p] = 2
    end[p] = end_j - 1 if d >= 0 else -1
    start[p] = start_j if d >= 0 else -1


@njit(cache=True, nogil=True)
def _word_one(
    p,
    q,
    t,
    mode,
    k,
    ncode,
    task,
    dist,
    start,
    end,
    band,
    cells,
    bits,
    run_off,
    run_ops,
    run_lens,
    n_runs,
    maps,
    cols,
    ops,
):
    """Distance and traceback from one banded word; False when the widest word cannot decide."""
    d, end_j, start_j, n_ops, suf, b, c = word_path(q, t, mode, k, ncode, maps, cols, ops)
    if d == -2:
        return False
    _put_word(p, d, end_j, start_j, b, c, dist, start, end, band, cells, bits)
    if d >= 0 and task == 2:
        _store_runs(p, ops[ops.shape[0] - n_ops :], n_ops, suf, run_off, run_ops, run_lens, n_runs)
    return True


@njit(cache=True, nogil=True)
def _fast_one(
    p,
    q,
    t,
    mode,
    k,
    ncode,
    task,
    need_tb,
    dist,
    start,
    end,
    band,
    cells,
    bits,
    run_off,
    run_ops,
    run_lens,
    n_runs,
    maps,
    cols,
    ops,
):
    """The distance from one banded word (``bitpar.fast_edit``: it trims common prefixes, so it
    decides some pairs ``word_path`` cannot), then the start or CIGAR when asked from one static
    band over exactly the diagonals a path of that cost can use; False when the word cannot
    decide the distance."""
    d, end_j, b, c = fast_edit(q, t, mode, k, ncode, maps)
    if d == -2:
        return False
    _put_word(p, d, end_j, 0 if task == 1 else -1, b, c, dist, start, end, band, cells, bits)
    if d < 0 or not need_tb:
        return True
    _band_path(
        p,
        q,
        t,
        mode,
        ncode,
        d,
        task,
        dist,
        start,
        end,
        band,
        cells,
        bits,
        run_off,
        run_ops,
        run_lens,
        n_runs,
        np.empty(t.shape[0] + 1, dtype=np.int32),
        ops,
    )
    return True


@njit(cache=True, nogil=True)
def _adaptive_one(
    p,
    q,
    t,
    mode,
    k,
    ncode,
    h0,
    task,
    need_tb,
    dist,
    start,
    end,
    band,
    cells,
    bits,
    run_off,
    run_ops,
    run_lens,
    n_runs,
    ops,
):
    """The adaptive band (``edit.edit_align``) with traceback flags when a start or CIGAR is
    asked: the route whose workload the PIM model executes."""
    last = np.empty(t.shape[0] + 1, dtype=np.int32)
    none = np.zeros((0, 6), dtype=np.int64)
    d, end_j, tb, tb_lo, b, c, nbits, _ = edit_align(
        q, t, mode, k, ncode, h0, -1, need_tb, last, none
    )
    dist[p] = d
    band[p] = b
    cells[p] = c
    bits[p] = nbits
    start[p] = -1
    end[p] = end_j - 1 if d >= 0 else -1
    if d < 0 or task == 0:
        return
    if not need_tb:
        start[p] = 0
        return
    _trace_out(
        p, q, t, mode, ncode, tb, tb_lo, end_j, task, start, run_off, run_ops, run_lens, n_runs, ops
    )
