"""Batched drivers: pairs packed as flat uint8 arrays plus int64 offsets, ``prange`` over pairs.

Every pair writes only its own output slots, so results do not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numba.extending import register_jitable

from .bitpar import (
    REACH,
    WORD,
    fast_edit,
    few_substitutions,
    scratch_words,
    text_substitutions,
)
from .cigartext import cigar_line
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
from .options import (
    OUT_BAND,
    OUT_BITS,
    OUT_CELLS,
    OUT_DIST,
    OUT_END,
    OUT_START,
    TASK_DISTANCE,
    TASK_LOCATIONS,
    TASK_PATH,
    Runs,
    Scratch,
)
from .wordpath import word_path
from .wordscan import RAW

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


@njit(cache=True, parallel=True, nogil=True)
def runs_of_ops(ops, n_ops, runs):
    """Every pair's CIGAR runs from its ops ``ops[runs.off[p]:runs.off[p] + n_ops[p]]`` (the
    GPU path kernel's output), written to the same slots of ``runs``."""
    for p in prange(n_ops.shape[0]):
        # Through a call: with Numba 0.68, writes to a NamedTuple's arrays made in the prange
        # body itself were lost.
        _store_runs(p, ops[runs.off[p] :], n_ops[p], 0, runs)


@njit(cache=True, nogil=True)
def edit_batch(q_flat, q_off, t_flat, t_off, par, out, lines, at_zero, count, blk_lo, blk_hi):
    """Edit distance for every pair ``p``: ``q_flat[q_off[p]:q_off[p+1]]`` vs the target slice.

    ``par`` (``options.EditParams``): mode, bound ``k``, N code, first half-width ``h0``,
    ``task`` (distance, locations, path) and ``bitparallel``: answer what one 64-bit banded word
    can decide with the bit-parallel routes, the adaptive band the rest; otherwise always the
    adaptive band. ``out``: int64 ``(6, pairs)``, rows ``options.OUT_*``: distance (-1 above
    k), start/end (0-based inclusive target coordinates of the leftmost optimal end, start -1
    when not computed), the workload's band, cells and bits per cell. For the path task each
    pair's CIGAR line goes to ``lines`` (``options.Lines``; an empty line above k).

    Blocks of ``BLOCK`` pairs ``blk_lo..blk_hi-1`` (``threadrun.run_ranges`` over
    ``n_blocks(q_off)``); ``at_zero`` (all zeros: every pair's runs start at its block's slot 0)
    and ``count`` are int64 arrays of one slot per pair.
    """
    n_pairs = q_off.shape[0] - 1
    for blk in range(blk_lo, blk_hi):
        first, stop = blk * BLOCK, min(n_pairs, (blk + 1) * BLOCK)
        scratch = block_scratch(q_off, t_off, first, stop)
        runs = block_runs(scratch, at_zero, count)
        pos = lines.room[first] if par.task == TASK_PATH else 0
        for p in range(first, stop):
            q = q_flat[q_off[p] : q_off[p + 1]]
            t = t_flat[t_off[p] : t_off[p + 1]]
            edit_one(p, q, t, par, out, runs, scratch, True)
            if par.task == TASK_PATH:
                pos = put_line(p, runs, lines, pos)


@njit(cache=True, nogil=True)
def edit_batch_ends(q_flat, q_off, t_flat, t_off, par, out, blk_lo, blk_hi):
    """``edit_batch`` for the tasks that read no traceback (``needs_traceback`` false:
    distances, and NW/SHW locations): the same routes and answers, without compiling the
    traceback and CIGAR routes (``edit_ends``)."""
    n_pairs = q_off.shape[0] - 1
    for blk in range(blk_lo, blk_hi):
        first, stop = blk * BLOCK, min(n_pairs, (blk + 1) * BLOCK)
        scratch = block_scratch(q_off, t_off, first, stop)
        for p in range(first, stop):
            q = q_flat[q_off[p] : q_off[p + 1]]
            t = t_flat[t_off[p] : t_off[p + 1]]
            edit_ends(p, q, t, par, out, scratch)


def n_blocks(q_off) -> int:
    """How many ``BLOCK``-pair blocks the pairs of ``q_off`` make."""
    return (q_off.shape[0] - 1 + BLOCK - 1) // BLOCK


@njit(cache=True, nogil=True)
def block_runs(scratch, at_zero, count):
    """``options.Runs`` for one block whose pairs write their runs, one pair after the other,
    into the same slots (as many as ``scratch``'s ops): ``at_zero`` all zeros, ``count`` every
    pair's run count."""
    slots = scratch.ops.shape[0]
    return Runs(
        at_zero,
        np.empty(slots, dtype=np.uint8),
        np.empty(slots, dtype=np.int64),
        count,
    )


@njit(cache=True, nogil=True)
def put_line(p, runs, lines, pos):
    """Pair ``p``'s CIGAR line from its runs, written at ``lines.text[pos:]``; returns where
    the next pair's line starts."""
    pos = cigar_line(lines.text, pos, runs.ops, runs.lens, runs.off[p], runs.count[p])
    lines.end[p] = pos
    return pos


@njit(cache=True, nogil=True)
def block_scratch(q_off, t_off, first, stop):
    """Scratch for pairs ``first..stop-1`` (``scratch_for`` their longest query and target)."""
    max_m = 0
    max_n = 0
    for p in range(first, stop):
        max_m = max(max_m, q_off[p + 1] - q_off[p])
        max_n = max(max_n, t_off[p + 1] - t_off[p])
    return scratch_for(max_m, max_n)


@njit(cache=True, nogil=True)
def scratch_for(max_m, max_n):
    """Scratch for pairs of queries up to ``max_m`` and targets up to ``max_n`` codes: pattern
    bitmaps, the traceback's columns and ops."""
    return Scratch(
        np.zeros((5, scratch_words(max_n)), dtype=np.uint64),
        np.empty((5, max_n + 1), dtype=np.uint64),
        np.empty(max_m + max_n, dtype=np.uint8),
        np.empty(max_m + max_n, dtype=np.int64),
        np.zeros(REACH, dtype=np.int32),
        np.empty(max_n + 2 * WORD, dtype=np.int32),
        np.empty(max_n + 2 * WORD, dtype=np.int64),
    )


@njit(cache=True, nogil=True)
def _store_runs(p, ops, n_ops, suffix, runs):
    """Pair ``p``'s CIGAR runs from ``ops[:n_ops]`` and then ``suffix`` matches."""
    lo = runs.off[p]
    count = run_length(ops, n_ops, runs.ops[lo:], runs.lens[lo:])
    if suffix > 0:
        if count > 0 and runs.ops[lo + count - 1] == OP_EQ:
            runs.lens[lo + count - 1] += suffix
        else:
            runs.ops[lo + count] = OP_EQ
            runs.lens[lo + count] = suffix
            count += 1
    runs.count[p] = count


@njit(cache=True, nogil=True)
def _trace_out(p, q, t, par, tb, tb_lo, end_j, out, runs, ops):
    """Pair ``p``'s start and (path task) CIGAR runs from traceback flags (``ops``: scratch)."""
    n_ops, start_j = traceback(q, t, par.mode, par.ncode, tb, tb_lo, end_j, ops)
    out[OUT_START, p] = start_j
    if par.task == TASK_PATH:
        _store_runs(p, ops, n_ops, 0, runs)


@njit(cache=True, nogil=True)
def _put(out, p, d, start_j, end_j, band, cells, bits):
    """Pair ``p``'s outputs (``end_j`` a 0-based inclusive column)."""
    out[OUT_DIST, p] = d
    out[OUT_START, p] = start_j
    out[OUT_END, p] = end_j
    out[OUT_BAND, p] = band
    out[OUT_CELLS, p] = cells
    out[OUT_BITS, p] = bits


@njit(cache=True, nogil=True)
def _band_path(p, q, t, par, d, out, runs, last, ops):
    """CIGAR of a pair of known distance ``d`` from one static band of exactly the diagonals a
    path of that cost can use, with a byte of traceback flags per cell (bands wider than a word)."""
    lo, hi = diagonal_interval(par.mode, q.shape[0], t.shape[0], d)
    tb = np.empty((q.shape[0] + 1, hi - lo + 1), dtype=np.uint8)
    tb_lo = np.empty(q.shape[0] + 1, dtype=np.int64)
    best, end_j, c, rng, _, _, b, _, _ = band_pass(
        q, t, par.mode, par.ncode, False, 0, 0, lo, hi, d, tb, tb_lo, last
    )
    _put(out, p, best, -1, end_j - 1, b, c, bits_for_range(rng))
    _trace_out(p, q, t, par, tb, tb_lo, end_j, out, runs, ops)


@register_jitable
def needs_traceback(par):
    """Whether ``par``'s task reads a traceback: CIGARs, and HW starts (the other modes' starts
    are column 0). From Python too."""
    return par.task == TASK_PATH or (par.task == TASK_LOCATIONS and par.mode == MODE_HW)


@njit(cache=True, nogil=True)
def edit_one(p, q, t, par, out, runs, scratch, wave):
    """Pair ``p`` of ``edit_batch`` (``scratch``: the block's ``options.Scratch``; ``wave``:
    whether the wavefront may answer before the word, off when it already failed on the pair).

    Routes, tried in turn: the diagonal (NW paths of equal-length pairs at most two mismatches
    apart); one banded word with traceback (``wordpath.word_path``); the distance from one word,
    then a start or CIGAR from one static band over exactly the diagonals a path of that cost
    can use; the adaptive band (``edit.edit_align``). Each is its own function: one large body
    here made the first route 1.7x slower.
    """
    need_tb = needs_traceback(par)
    runs.count[p] = 0
    if par.bitparallel:
        if par.task == TASK_PATH and par.mode == MODE_NW and _diagonal_one(p, q, t, par, out, runs):
            return
        if need_tb and _word_one(p, q, t, par, out, runs, scratch, wave):
            return
        if _fast_one(p, q, t, par, need_tb, out, runs, scratch, wave):
            return
    _adaptive_one(p, q, t, par, need_tb, out, runs, scratch.ops)


@njit(cache=True, nogil=True)
def edit_ends(p, q, t, par, out, scratch):
    """``edit_one`` when ``needs_traceback(par)`` is false: one banded word
    (``bitpar.fast_edit``), else the adaptive band; ``_fast_one`` and ``_adaptive_one`` without
    their traceback branches."""
    if par.bitparallel:
        d, end_j, b, c = fast_edit(
            q, t, par.mode, par.k, par.ncode, scratch.maps, scratch.reach, True
        )
        if d != -2:
            _put_word(out, p, d, end_j, 0 if par.task == TASK_LOCATIONS else -1, b, c)
            return
    last = np.empty(t.shape[0] + 1, dtype=np.int32)
    none = np.zeros((0, 6), dtype=np.int64)
    d, end_j, _, _, b, c, nbits, _ = edit_align(
        q, t, par.mode, par.k, par.ncode, par.h0, -1, False, last, none
    )
    _put(out, p, d, -1, end_j - 1 if d >= 0 else -1, b, c, nbits)
    if d >= 0 and par.task != TASK_DISTANCE:
        out[OUT_START, p] = 0


@njit(cache=True, nogil=True)
def _diagonal_one(p, q, t, par, out, runs):
    """NW pairs of equal length at most two mismatches apart (most read pairs): the diagonal
    is an optimal path and the one the traceback takes, so the CIGAR needs no DP. On equal
    lengths one edit is a substitution, so every prefix pair of the diagonal (at most two
    mismatches too) costs its mismatch count, and from ``(m, m)`` back the diagonal
    predecessor always has the cell's value: the tie rule (diagonal first) stays on it. False
    for any other pair (after at most three mismatches' scan)."""
    m = q.shape[0]
    if m == 0 or m != t.shape[0]:
        return False
    if par.ncode < RAW:
        d, first, second = few_substitutions(q, t, par.ncode)
    else:
        d, first, second = text_substitutions(q, t, par.ncode)
    if d < 0:
        return False
    if par.k >= 0 and d > par.k:
        return False
    _put(out, p, d, 0, m - 1, 1, m + 1, 1)
    lo = runs.off[p]
    count = 0
    for op, length in (
        (OP_EQ, first),
        (OP_X, min(d, 1 + (second == first + 1))),
        (OP_EQ, second - first - 1 if second > first + 1 and d == 2 else 0),
        (OP_X, 1 if d == 2 and second > first + 1 else 0),
        (OP_EQ, m - 1 - second if d == 2 else (m - 1 - first if d == 1 else 0)),
    ):
        if length > 0:
            runs.ops[lo + count] = op
            runs.lens[lo + count] = length
            count += 1
    runs.count[p] = count
    return True


@njit(cache=True, nogil=True)
def _put_word(out, p, d, end_j, start_j, b, c):
    """Pair ``p``'s outputs from a bit-parallel word (``end_j`` a column; 2 bits per cell)."""
    ok = d >= 0
    _put(out, p, d, start_j if ok else -1, end_j - 1 if ok else -1, b, c, 2)


@njit(cache=True, nogil=True)
def _word_one(p, q, t, par, out, runs, scratch, wave):
    """Distance and traceback from one banded word; False when the widest word cannot decide.
    For CIGARs the traceback writes its runs straight into the pair's slots (their tail, then
    moved to the front); for a start alone into scratch."""
    cap = q.shape[0] + t.shape[0]
    if par.task == TASK_PATH:
        lo = runs.off[p]
        run_ops = runs.ops[lo : lo + cap]
        run_lens = runs.lens[lo : lo + cap]
    else:
        run_ops = scratch.ops[:cap]
        run_lens = scratch.lens[:cap]
    d, end_j, start_j, n_runs, suf, b, c = word_path(
        q, t, par.mode, par.k, par.ncode, scratch.maps, scratch.cols, scratch.reach,
        scratch.kept, scratch.level_at, run_ops, run_lens, wave,
    )  # fmt: skip
    if d == -2:
        return False
    _put_word(out, p, d, end_j, start_j, b, c)
    if d >= 0 and par.task == TASK_PATH:
        for x in range(n_runs):  # to the front (the copy never overtakes its source)
            run_ops[x] = run_ops[cap - n_runs + x]
            run_lens[x] = run_lens[cap - n_runs + x]
        if suf > 0:
            if n_runs > 0 and run_ops[n_runs - 1] == OP_EQ:
                run_lens[n_runs - 1] += suf
            else:
                run_ops[n_runs] = OP_EQ
                run_lens[n_runs] = suf
                n_runs += 1
        runs.count[p] = n_runs
    return True


@njit(cache=True, nogil=True)
def _fast_one(p, q, t, par, need_tb, out, runs, scratch, wave):
    """The distance from one banded word (``bitpar.fast_edit``: it trims common prefixes, so it
    decides some pairs ``word_path`` cannot), then the start or CIGAR when asked from one static
    band over exactly the diagonals a path of that cost can use; False when the word cannot
    decide the distance."""
    d, end_j, b, c = fast_edit(q, t, par.mode, par.k, par.ncode, scratch.maps, scratch.reach, wave)
    if d == -2:
        return False
    _put_word(out, p, d, end_j, 0 if par.task == TASK_LOCATIONS else -1, b, c)
    if d < 0 or not need_tb:
        return True
    last = np.empty(t.shape[0] + 1, dtype=np.int32)
    _band_path(p, q, t, par, d, out, runs, last, scratch.ops)
    return True


@njit(cache=True, nogil=True)
def _adaptive_one(p, q, t, par, need_tb, out, runs, ops):
    """The adaptive band (``edit.edit_align``) with traceback flags when a start or CIGAR is
    asked: the route whose workload the PIM model executes."""
    last = np.empty(t.shape[0] + 1, dtype=np.int32)
    none = np.zeros((0, 6), dtype=np.int64)
    d, end_j, tb, tb_lo, b, c, nbits, _ = edit_align(
        q, t, par.mode, par.k, par.ncode, par.h0, -1, need_tb, last, none
    )
    _put(out, p, d, -1, end_j - 1 if d >= 0 else -1, b, c, nbits)
    if d < 0 or par.task == TASK_DISTANCE:
        return
    if not need_tb:
        out[OUT_START, p] = 0
        return
    _trace_out(p, q, t, par, tb, tb_lo, end_j, out, runs, ops)
