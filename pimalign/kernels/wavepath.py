"""CIGARs from kept wavefronts: the wave of ``waves`` with every level stored, then a traceback.

The traceback is ``wordpath.word_traceback``'s, read off the levels instead of the word's
columns: ``D[a][b] <= e`` exactly when ``L_e[b - a] >= a``, and a neighbour of a cell of cost
``v`` on an optimal path costs ``v - 1`` only if it lies on an optimal path too, so inside the
levels' windows. The same tie rule on the same values gives the same CIGAR.
"""

from __future__ import annotations

from numba import njit

from .edit import MODE_HW, MODE_NW, OP_D, OP_EQ, OP_I, mismatch_step
from .waves import NONE, _start, _window, extend, first_bound
from .wordscan import RAW, bases_match, common_suffix, text_suffix

PAD = 2  # unreached diagonals kept either side of a level's window


@njit(cache=True, nogil=True, inline="always")
def _reach(kept, level_at, mode, lo, hi, delta, bound, e, d):
    """``L_e[d]`` of a kept wave bounded by ``bound`` (``NONE`` outside level ``e``'s window)."""
    a, b = _window(mode, lo, hi, delta, bound, e)
    if d < a or d > b:
        return NONE
    return kept[level_at[e] + PAD + d - a]


@njit(cache=True, nogil=True)
def kept_wave(q, t, mode, ncode, lo, hi, bound, kept, level_at):
    """The wave up to cost ``bound`` over diagonals ``[lo, hi]``, level ``e`` (its window
    ``[a, b]`` as ``waves._window`` gives it) stored at ``kept[level_at[e]:]`` over
    ``[a - PAD, b + PAD]``, the ``PAD`` diagonals either side ``NONE``: the next level's window
    is at most one wider each side, so its three neighbours are read without a test. Returns
    ``(dist, end_d)``: the distance and the leftmost optimal end's diagonal; dist -1 when it is
    above ``bound``, -2 when the levels would not fit in ``kept``."""
    m = q.shape[0]
    n = t.shape[0]
    delta = n - m
    at = 0
    last = 0  # where the last level keeps diagonal 0 (its window always holds d - 1 .. d + 1)
    for e in range(bound + 1):
        a, b = _window(mode, lo, hi, delta, bound, e)
        if a > b:
            return -1, 0
        if at + b - a + 1 + 2 * PAD > kept.shape[0]:
            return -2, 0
        level_at[e] = at
        zero = at + PAD - a  # this level keeps diagonal d at kept[zero + d]
        for x in range(PAD):
            kept[at + x] = NONE
            kept[zero + b + 1 + x] = NONE
        if e == 0:
            found = _start(q, t, mode, ncode, a, b, a + 1 - PAD, kept[at:])
            if found <= b:
                return 0, found
        else:
            for d in range(a, b + 1):
                v = max(kept[last + d] + 1, kept[last + d - 1], kept[last + d + 1] + 1)
                v = min(v, min(m, n - d))
                if v >= 0:
                    v = extend(q, t, v, d, ncode)
                    if v == m and (mode != MODE_NW or d == delta):
                        return e, d  # the first found is the leftmost end
                kept[zero + d] = v
        last = zero
        at += b - a + 1 + 2 * PAD
    return -1, 0


@njit(cache=True, nogil=True)
def wave_traceback(
    q, t, mode, ncode, lo, hi, bound, dist, end_j, kept, level_at, run_ops, run_lens
):
    """The path of cost ``dist`` from ``(m, end_j)`` back over the kept levels, by
    ``word_traceback``'s rule (matches diagonally, eight codes at a time; then X, I, D), into the
    end of ``run_ops``/``run_lens`` as there. Returns ``(n_runs, start_j)``. The loop is
    ``word_traceback``'s with another source of values; the two sharing one step helper (a tuple
    per step) were 14% slower on 5% divergent pairs, so the loop is written twice."""
    i = q.shape[0]
    j = end_j
    delta = t.shape[0] - i
    v = dist
    n_runs = 0
    cap = run_ops.shape[0]
    while i > 0 or (j > 0 and mode != MODE_HW):
        length = 1
        if i == 0:
            op = OP_D
            length = j
            j = 0
        elif j == 0:
            op = OP_I
            length = i
            i = 0
        elif bases_match(q[i - 1], t[j - 1], ncode):
            op = OP_EQ
            if ncode < RAW:
                length = common_suffix(q[:i], t[:j], ncode, min(i, j))
            else:
                length = text_suffix(q[:i], t[:j], ncode, min(i, j))
            i -= length
            j -= length
        else:
            d = j - i
            lv = _reach(kept, level_at, mode, lo, hi, delta, bound, v - 1, d)
            diag = v - 1 if lv >= i - 1 else v
            lv = _reach(kept, level_at, mode, lo, hi, delta, bound, v - 1, d + 1)
            up = v - 1 if lv >= i - 1 else v
            op, v, di, dj = mismatch_step(v, diag, up)
            i -= di
            j -= dj
        if n_runs > 0 and run_ops[cap - n_runs] == op:
            run_lens[cap - n_runs] += length
        else:
            n_runs += 1
            run_ops[cap - n_runs] = op
            run_lens[cap - n_runs] = length
    return n_runs, j


@njit(cache=True, nogil=True)
def wave_path(q, t, mode, ncode, lo, hi, limit, kept, level_at, run_ops, run_lens):
    """Distance and path of codes ``q``, ``t`` (non-empty) over diagonals ``[lo, hi]`` when the
    distance is at most ``limit`` and its levels fit in ``kept`` (int32; ``level_at`` int64,
    one slot per level). The rounds are ``waves.wave_edit``'s: a first one bounded by
    ``waves.first_bound`` (HW: always, and no other), then NW and SHW to the limit.
    Returns ``(dist, end_j, start_j, n_runs)``; dist -1 above ``limit``, -2 when declined."""
    bound = first_bound(mode, q.shape[0], t.shape[0], limit)
    dist, end_d = kept_wave(q, t, mode, ncode, lo, hi, bound, kept, level_at)
    if dist == -1 and bound < limit:
        if mode == MODE_HW:
            return -2, -1, -1, 0
        bound = limit
        dist, end_d = kept_wave(q, t, mode, ncode, lo, hi, bound, kept, level_at)
    if dist < 0:
        return dist, -1, -1, 0
    end_j = q.shape[0] + end_d
    n_runs, start_j = wave_traceback(
        q, t, mode, ncode, lo, hi, bound, dist, end_j, kept, level_at, run_ops, run_lens
    )
    return dist, end_j, start_j, n_runs
