"""Traceback from the columns one banded word kept: the CIGAR route of ``bitpar``.

``bitpar.banded_word`` keeps its five column words when given room for them; here the path is
read back from them with ``edit.traceback``'s tie rule, so both routes give the same CIGAR.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .bitpar import ONE, WORD, banded_word, decided, wave_rests, wave_tried, widest_guess
from .edit import MODE_HW, MODE_NW, OP_D, OP_EQ, OP_I, diagonal_interval, mismatch_step
from .wavepath import wave_path
from .wordscan import RAW, common_suffix, text_suffix


@njit(cache=True, nogil=True, inline="always")
def _bit(x, k):
    return np.int64((x >> np.uint64(k)) & ONE)


@njit(cache=True, nogil=True)
def word_traceback(q, t, mode, ncode, dhi, cols, end_j, value, run_ops, run_lens):
    """Traceback over the columns kept by ``banded_word`` from ``(m, end_j)`` of cost ``value``.

    The tie rule is ``edit.traceback``'s (diagonal, then I, then D), applied to the same banded
    values, so both give the same CIGAR. Writes the path's runs (op code, length) to the end of
    ``run_ops``/``run_lens`` (``[cap - n_runs, cap)`` in forward order, ``cap`` their length,
    which must be at least ``len(q) + len(t)``) and returns ``(n_runs, start_j)``. A run of
    matches is stepped over eight codes at a time (``wordscan.common_suffix``).
    """
    i = q.shape[0]
    j = end_j
    v = value
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
        elif q[i - 1] == t[j - 1] and q[i - 1] < ncode:  # codes only: the word never reads text
            # A match on an optimal path always has its diagonal neighbour on one too, at the
            # same cost: no need to look at the columns, and the rule stays diagonal while
            # the codes match.
            op = OP_EQ
            length = common_suffix(q[:i], t[:j], ncode, min(i, j))
            i -= length
            j -= length
        else:
            k = i - j + dhi
            if k >= 1:
                up = v - (_bit(cols[0, j], k) - _bit(cols[1, j], k))
                diag = up - (_bit(cols[2, j], k - 1) - _bit(cols[3, j], k - 1))
            else:  # the band's top cell: its upper neighbour is outside (infinite)
                diag = np.int64(cols[4, j - 1])
                up = v
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
def word_path(q, t, mode, k, ncode, maps, cols, reach, kept, level_at, run_ops, run_lens, wave):
    """Distance and traceback from one banded word, when it can decide (scratch: ``maps`` as for
    ``banded_word``, ``cols`` 5 x (len(t)+1); ``reach`` as for ``bitpar.fast_edit`` (its pause);
    ``kept``/``level_at`` as for ``wavepath.wave_path``; ``run_ops``/``run_lens`` len(q)+len(t)
    slots). The kept wavefront over the word's band goes first (when ``wave``): the same
    values, rule and path, at less work when the distance is small. On ``RAW`` text
    (``wordscan``) only the wavefront runs: -2 then also means that the word would have to
    decide, and the caller translates the pair and asks again with ``wave`` off.

    Returns ``(dist, end_j, start_j, n_runs, suffix, band, cells)``: ``dist`` as ``fast_edit``
    (-1 above ``k``, -2 undecided); the path's runs are the last ``n_runs`` slots of
    ``run_ops``/``run_lens`` (``word_traceback``), followed by ``suffix`` matches (NW sets the
    common suffix aside: the traceback would walk it diagonally anyway). The band is the widest
    guess that fits a word; a result within the guess is exact and every optimal path lies
    inside the band (Ukkonen), so the traceback is ``edit.traceback``'s.
    """
    m = q.shape[0]
    n = t.shape[0]
    suf = 0
    if mode == MODE_NW:
        lim = min(m, n)
        suf = common_suffix(q, t, ncode, lim) if ncode < RAW else text_suffix(q, t, ncode, lim)
    qs = q[: m - suf]
    ts = t[: n - suf]
    mm = qs.shape[0]
    nn = ts.shape[0]
    if mm == 0 or nn == 0:
        return -2, -1, -1, 0, 0, 0, 0
    cap = max(mm, nn) if k < 0 else k
    g = widest_guess(mode, mm, nn, cap)
    if g < 0:
        return -2, -1, -1, 0, 0, 0, 0
    lo, hi = diagonal_interval(mode, mm, nn, g)
    band = hi - lo + 1
    cells = band * (nn + 1)
    if wave and not wave_rests(reach):
        limit = g if k < 0 else min(g, k)
        room = kept[: nn + WORD]  # its levels may take about the columns the word would
        best, end_j, start_j, n_runs = wave_path(
            qs, ts, mode, ncode, lo, hi, limit, room, level_at, run_ops, run_lens
        )
        wave_tried(reach, best == -2)
        if best == -1:  # nothing within min(g, k) on the band: what the word would say past g
            return (-1 if k >= 0 and g >= k else -2), -1, -1, 0, 0, band, cells
        if best >= 0:
            return best, end_j + suf, start_j, n_runs, suf, band, cells
    if ncode & RAW:
        return -2, -1, -1, 0, 0, band, cells  # the word needs codes
    best, end_j = banded_word(qs, ts, mode, ncode, lo, hi, maps, cols)
    d = decided(best, g, k)
    if d < 0:
        return d, -1, -1, 0, 0, band, cells
    n_runs, start_j = word_traceback(qs, ts, mode, ncode, hi, cols, end_j, best, run_ops, run_lens)
    return best, end_j + suf, start_j, n_runs, suf, band, cells
