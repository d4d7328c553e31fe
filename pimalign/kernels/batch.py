"""Batched drivers: pairs packed as flat uint8 arrays plus int64 offsets, ``prange`` over pairs.

Every pair writes only its own output slots, so results do not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .bitpar import fast_edit, scratch_words
from .edit import MODE_HW, band_pass, bits_for_range, diagonal_interval, edit_align, traceback

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


@njit(cache=True, parallel=True)
def edit_batch(q_flat, q_off, t_flat, t_off, mode, k, ncode, h0, task, bitparallel,
               dist, start, end, band, cells, bits, run_off, run_ops, run_lens, n_runs):
    """Edit distance for every pair ``p``: ``q_flat[q_off[p]:q_off[p+1]]`` vs the target slice.

    ``task``: 0 distance, 1 locations, 2 path. ``bitparallel``: answer what one 64-bit banded
    word can decide with ``bitpar.fast_edit`` (workload: its band, cells, 2 bits per cell) and
    use the adaptive kernel for the rest; otherwise always the adaptive kernel. Outputs (length = pairs): ``dist`` (-1 above k),
    ``start``/``end`` (0-based inclusive target coordinates of the leftmost optimal end, start -1
    when not computed), workload ``band``/``cells``/``bits``. For ``task == 2`` the CIGAR runs of
    pair ``p`` go to ``run_ops``/``run_lens`` from ``run_off[p]`` on, ``n_runs[p]`` of them
    (``run_off`` must leave ``m + n`` slots per pair).
    """
    n_pairs = q_off.shape[0] - 1
    n_blocks = (n_pairs + BLOCK - 1) // BLOCK
    for blk in prange(n_blocks):
        maps = np.zeros((5, scratch_words(256)), dtype=np.uint64)
        for p in range(blk * BLOCK, min(n_pairs, (blk + 1) * BLOCK)):
            maps = _edit_one(p, q_flat, q_off, t_flat, t_off, mode, k, ncode, h0, task,
                             bitparallel, dist, start, end, band, cells, bits, run_off, run_ops,
                             run_lens, n_runs, maps)


@njit(cache=True, nogil=True)
def _edit_one(p, q_flat, q_off, t_flat, t_off, mode, k, ncode, h0, task, bitparallel,
              dist, start, end, band, cells, bits, run_off, run_ops, run_lens, n_runs, maps):
    """Pair ``p`` of ``edit_batch``; returns the scratch (grown when a target needs more)."""
    q = q_flat[q_off[p]:q_off[p + 1]]
    t = t_flat[t_off[p]:t_off[p + 1]]
    need_tb = task == 2 or (task == 1 and mode == MODE_HW)
    n_runs[p] = 0
    if bitparallel and not need_tb:
        if maps.shape[1] < scratch_words(t.shape[0]):
            maps = np.zeros((5, 2 * scratch_words(t.shape[0])), dtype=np.uint64)
        d, end_j, b, c = fast_edit(q, t, mode, k, ncode, maps)
        if d != -2:
            dist[p] = d
            band[p] = b
            cells[p] = c
            bits[p] = 2
            end[p] = end_j - 1 if d >= 0 else -1
            start[p] = 0 if (task == 1 and d >= 0) else -1
            return maps
    last = np.empty(t.shape[0] + 1, dtype=np.int32)
    if bitparallel and task == 2:
        # The exact distance first (one banded word), then one static band of exactly the
        # diagonals a path of that cost can use, with traceback: no adaptive pass, no widening.
        if maps.shape[1] < scratch_words(t.shape[0]):
            maps = np.zeros((5, 2 * scratch_words(t.shape[0])), dtype=np.uint64)
        d, _, _, _ = fast_edit(q, t, mode, k, ncode, maps)
        if d == -1:
            dist[p] = -1
            start[p] = -1
            end[p] = -1
            band[p] = 0
            cells[p] = 0
            bits[p] = 0
            return maps
        if d >= 0:
            lo, hi = diagonal_interval(mode, q.shape[0], t.shape[0], d)
            tb = np.empty((q.shape[0] + 1, hi - lo + 1), dtype=np.uint8)
            tb_lo = np.empty(q.shape[0] + 1, dtype=np.int64)
            best, end_j, c, rng, _, _, b = band_pass(q, t, mode, ncode, False, 0, 0, lo, hi, d,
                                                    tb, tb_lo, last)
            dist[p] = best
            band[p] = b
            cells[p] = c
            bits[p] = bits_for_range(rng)
            end[p] = end_j - 1
            ops = np.empty(q.shape[0] + t.shape[0], dtype=np.uint8)
            n_ops, start_j = traceback(q, t, mode, ncode, tb, tb_lo, end_j, ops)
            start[p] = start_j
            lo_run = run_off[p]
            n_runs[p] = run_length(ops, n_ops, run_ops[lo_run:], run_lens[lo_run:])
            return maps
    d, end_j, tb, tb_lo, b, c, nbits, _ = edit_align(q, t, mode, k, ncode, h0, -1, need_tb, last)
    dist[p] = d
    band[p] = b
    cells[p] = c
    bits[p] = nbits
    start[p] = -1
    end[p] = end_j - 1 if d >= 0 else -1
    if d < 0 or task == 0:
        return maps
    if not need_tb:
        start[p] = 0
        return maps
    ops = np.empty(q.shape[0] + t.shape[0], dtype=np.uint8)
    n_ops, start_j = traceback(q, t, mode, ncode, tb, tb_lo, end_j, ops)
    start[p] = start_j
    if task == 2:
        lo = run_off[p]
        n_runs[p] = run_length(ops, n_ops, run_ops[lo:], run_lens[lo:])
    return maps
