"""NW CIGARs from kept wavefronts: the wave of ``waves`` with every level stored, then a traceback.

The traceback is ``wordpath.word_traceback``'s, read off the levels instead of the word's
columns: ``D[a][b] <= e`` exactly when ``L_e[b - a] >= a``, and a neighbour of a cell of cost
``v`` on an optimal path costs ``v - 1`` only if it lies on an optimal path too, so inside the
levels' windows. The same tie rule on the same values gives the same CIGAR.
"""

from __future__ import annotations

from numba import njit

from .edit import MODE_NW, OP_D, OP_EQ, OP_I, lower_bound, mismatch_step
from .waves import FIRST_BOUND, FORCED_ROUND, NONE, _window, extend
from .wordscan import common_suffix


@njit(cache=True, nogil=True, inline="always")
def _reach(kept, level_at, lo, hi, delta, bound, e, d):
    """``L_e[d]`` of a kept wave bounded by ``bound`` (``NONE`` outside level ``e``'s window)."""
    a, b = _window(MODE_NW, lo, hi, delta, bound, e)
    if d < a or d > b:
        return NONE
    return kept[level_at[e] + d - a]


@njit(cache=True, nogil=True)
def kept_wave(q, t, ncode, lo, hi, bound, kept, level_at):
    """The NW wave up to cost ``bound`` over diagonals ``[lo, hi]``, level ``e`` stored at
    ``kept[level_at[e]:]`` (its window as ``waves._window`` gives it). Returns the distance,
    -1 when it is above ``bound``, -2 when the levels would not fit in ``kept``."""
    m = q.shape[0]
    n = t.shape[0]
    delta = n - m
    at = 0
    pa, pb, pat = 1, 0, 0  # the last level's window and where it starts
    for e in range(bound + 1):
        a, b = _window(MODE_NW, lo, hi, delta, bound, e)
        if a > b:
            return -1
        if at + b - a + 1 > kept.shape[0]:
            return -2
        level_at[e] = at
        # L_{e-1}[d - 1], L_{e-1}[d], L_{e-1}[d + 1] slide along as d grows
        left = kept[pat + a - 1 - pa] if pa <= a - 1 <= pb else NONE
        here = kept[pat + a - pa] if pa <= a <= pb else NONE
        for d in range(a, b + 1):
            right = kept[pat + d + 1 - pa] if pa <= d + 1 <= pb else NONE
            if e == 0:
                v = 0
            else:
                v = min(max(here + 1, left, right + 1), min(m, n - d))
            left, here = here, right
            if v >= 0:
                v = extend(q, t, v, d, ncode)
            kept[at + d - a] = v
        if a <= delta <= b and kept[at + delta - a] == m:
            return e
        pa, pb, pat = a, b, at
        at += b - a + 1
    return -1


@njit(cache=True, nogil=True)
def wave_traceback(q, t, ncode, lo, hi, bound, dist, kept, level_at, run_ops, run_lens):
    """The NW path of cost ``dist`` from ``(m, n)`` back over the kept levels, by
    ``word_traceback``'s rule (matches diagonally, eight codes at a time; then X, I, D), into the
    end of ``run_ops``/``run_lens`` as there. Returns the number of runs."""
    i = q.shape[0]
    j = t.shape[0]
    delta = j - i
    v = dist
    n_runs = 0
    cap = run_ops.shape[0]
    while i > 0 or j > 0:
        length = 1
        if i == 0:
            op = OP_D
            length = j
            j = 0
        elif j == 0:
            op = OP_I
            length = i
            i = 0
        elif q[i - 1] == t[j - 1] and q[i - 1] < ncode:
            op = OP_EQ
            length = common_suffix(q[:i], t[:j], ncode, min(i, j))
            i -= length
            j -= length
        else:
            d = j - i
            diag = v - 1 if _reach(kept, level_at, lo, hi, delta, bound, v - 1, d) >= i - 1 else v
            up = v - 1 if _reach(kept, level_at, lo, hi, delta, bound, v - 1, d + 1) >= i - 1 else v
            op, v, di, dj = mismatch_step(v, diag, up)
            i -= di
            j -= dj
        if n_runs > 0 and run_ops[cap - n_runs] == op:
            run_lens[cap - n_runs] += length
        else:
            n_runs += 1
            run_ops[cap - n_runs] = op
            run_lens[cap - n_runs] = length
    return n_runs


@njit(cache=True, nogil=True)
def wave_path(q, t, ncode, lo, hi, limit, kept, level_at, run_ops, run_lens):
    """NW distance and path of codes ``q``, ``t`` (non-empty) over diagonals ``[lo, hi]`` when
    the distance is at most ``limit`` and its levels fit in ``kept`` (int32; ``level_at``
    int64, one slot per level). Where the lengths force more than ``FORCED_ROUND`` indels a
    first round is bounded just above them, as ``waves.wave_edit`` does. Returns
    ``(dist, n_runs)``; dist -1 above ``limit``, -2 when the levels did not fit."""
    forced = lower_bound(MODE_NW, 0, t.shape[0] - q.shape[0])
    bound = limit
    if forced > FORCED_ROUND:
        bound = min(limit, FIRST_BOUND + forced)
    dist = kept_wave(q, t, ncode, lo, hi, bound, kept, level_at)
    if dist == -1 and bound < limit:
        bound = limit
        dist = kept_wave(q, t, ncode, lo, hi, bound, kept, level_at)
    if dist < 0:
        return dist, 0
    return dist, wave_traceback(q, t, ncode, lo, hi, bound, dist, kept, level_at, run_ops, run_lens)
