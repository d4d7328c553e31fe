"""Unit-cost wavefronts: the edit distance by furthest-reaching diagonals.

For each cost ``e = 0, 1, 2, ...`` and each diagonal ``d = j - i`` the wave keeps the furthest row
``L_e[d]`` whose cell ``(i, i + d)`` costs at most ``e`` (Ukkonen 1985, Landau-Vishkin; the
unit-cost case of WFA). Along a diagonal the cost never decreases, so ``D[m][m + d] <= e`` exactly
when ``L_e[d] == m``. One level from the last::

    L_e[d] = extend(max(L_{e-1}[d] + 1, L_{e-1}[d - 1], L_{e-1}[d + 1] + 1))

clamped to the matrix (a cell at the border costs at most one more than its neighbour there),
where ``extend`` follows matching codes down the diagonal, eight at a time. Work grows with the
distance, not with the target's length: the banded word walks every column of a pair, the wave
only the diagonals a path of cost ``e`` can have reached. The driver (``bitpar.fast_edit``) gives
it the word's band and guess and a work budget, and falls back to the word past either.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from .edit import MODE_HW, MODE_NW, lower_bound
from .wordscan import bases_match, differ, load_word, unmatchable, zero_bytes

FIRST_BOUND = 2  # NW/SHW: the first round's bound above the indels the lengths force
HW_BOUND = 10  # HW: the only round's bound above them (a wave too wide to pay stops at its
# budget first; 10 settles most 5% divergent 150 bp pairs, whose HW waves are a few wide)
FORCED_ROUND = 8  # NW/SHW pairs whose lengths force more indels get a first round (below,
# the restart costs more than the narrower first wave saves: 5% divergent 150 bp pairs)
NONE = -(1 << 30)  # an unreached diagonal (stays far below 0 for any number of levels)
_BIT0 = np.uint64(0x0101010101010101)
ONE = np.uint64(1)


@njit(cache=True, nogil=True, inline="always")
def extend(q, t, i, d, ncode):
    """The row where diagonal ``d`` stops matching from row ``i`` on: codes ``q[i]``, ``t[i + d]``,
    ... equal and below ``ncode`` (the same rule as the DP's match test; or bytes of ``RAW``
    text, ``wordscan``)."""
    stop = min(q.shape[0], t.shape[0] - d)
    if stop >= 8:
        qa = q.ctypes.data
        ta = t.ctypes.data + d
        while i + 8 <= stop:
            qw = load_word(qa + i)
            bad = differ(qw, load_word(ta + i), ncode) | unmatchable(qw, ncode)
            if bad != 0:
                return i + np.int64(trailing_zeros(bad) >> np.uint64(3))
            i += 8
        if i >= stop:
            return stop
        # the last 1..7 codes: the word ending at ``stop``, shifted past what is already known
        shift = np.uint64(8 * (i - stop + 8))
        qw = load_word(qa + stop - 8) >> shift
        bad = differ(qw, load_word(ta + stop - 8) >> shift, ncode) | unmatchable(qw, ncode)
        bad |= ONE << (np.uint64(64) - shift)
        return i + np.int64(trailing_zeros(bad) >> np.uint64(3))
    while i < stop and bases_match(q[i], t[i + d], ncode):
        i += 1
    return i


@njit(cache=True, nogil=True, inline="always")
def _window(mode, lo, hi, delta, bound, e):
    """Diagonals ``(a, b)`` level ``e`` of a wave bounded by ``bound`` visits: those reached
    from the start at cost ``e`` from which an end is still within ``bound`` (``lower_bound``'s
    indels to the end diagonal ``delta``: NW needs exactly it, HW and SHW any below it)."""
    room = bound - e  # indels still affordable on the way to the end
    a = max(lo, -e)
    b = min(hi, delta + room)
    if mode == MODE_NW:
        a = max(a, delta - room)
    if mode != MODE_HW:
        b = min(b, e)
    return a, b


@njit(cache=True, nogil=True)
def _start(q, t, mode, ncode, a, b, lo, reach):
    """Level 0 on diagonals ``[a, b]``: row 0 costs nothing, on every diagonal in HW and at
    ``(0, 0)`` otherwise. Returns the leftmost diagonal that reaches row ``m`` (``b + 1``:
    none). Most HW diagonals stop at their first code, so eight of them are tested against
    ``q[0]`` at once and only those that match are extended."""
    m = q.shape[0]
    n = t.shape[0]
    delta = n - m
    d = a
    if mode == MODE_HW and bases_match(q[0], q[0], ncode):
        spread = np.uint64(q[0]) * _BIT0
        ta = t.ctypes.data
        while d + 8 <= min(b + 1, n):
            hits = zero_bytes(differ(load_word(ta + d), spread, ncode))
            for r in range(8):
                reach[d - lo + 1 + r] = 0
            while hits != 0:
                at = d + np.int64(trailing_zeros(hits) >> np.uint64(3))
                v = extend(q, t, 1, at, ncode)
                if v == m:
                    return at
                reach[at - lo + 1] = v
                hits &= hits - ONE
            d += 8
    for c in range(d, b + 1):
        v = extend(q, t, 0, c, ncode)
        if v == m and (mode != MODE_NW or c == delta):
            return c
        reach[c - lo + 1] = v
    return b + 1


@njit(cache=True, nogil=True)
def _wave(q, t, mode, ncode, lo, hi, bound, budget, reach):
    """The wave up to cost ``bound``, keeping only diagonals from which an end is still within
    ``bound`` (``lower_bound``'s indels from there on). Returns ``(dist, end_d, steps)``:
    ``dist`` -1 when no alignment costs at most ``bound``, -2 when a level would take the
    diagonals visited (``steps``) past ``budget``."""
    m = q.shape[0]
    n = t.shape[0]
    delta = n - m
    for x in range(hi - lo + 3):
        reach[x] = NONE
    steps = 0
    for e in range(bound + 1):
        a, b = _window(mode, lo, hi, delta, bound, e)
        if a > b:
            return -1, 0, steps
        steps += b - a + 1
        if steps > budget:
            return -2, 0, steps
        if e == 0:
            found = _start(q, t, mode, ncode, a, b, lo, reach)
            if found <= b:
                return 0, found, steps
            continue
        left = reach[a - lo]  # L_{e-1}[a - 1]: overwritten in place, so carried along
        for d in range(a, b + 1):
            x = d - lo + 1
            here = reach[x]
            v = min(max(here + 1, left, reach[x + 1] + 1), min(m, n - d))
            left = here
            if v >= 0:
                v = extend(q, t, v, d, ncode)
                if v == m and (mode != MODE_NW or d == delta):
                    return e, d, steps  # the first found is the leftmost end
            reach[x] = v
    return -1, 0, steps


@njit(cache=True, nogil=True, inline="always")
def first_bound(mode, m, n, limit):
    """The first round's bound for a pair of lengths ``m``, ``n``: in HW (whose waves start on
    every diagonal) ``HW_BOUND`` above the indels the lengths force; in NW and SHW a little above
    them where they force more than ``FORCED_ROUND``, else ``limit`` (one round)."""
    forced = lower_bound(mode, 0, n - m)
    if mode == MODE_HW:
        return min(limit, HW_BOUND + forced)
    if forced > FORCED_ROUND:
        return min(limit, FIRST_BOUND + forced)
    return limit


@njit(cache=True, nogil=True)
def wave_edit(q, t, mode, ncode, lo, hi, limit, budget, reach):
    """Edit distance of codes ``q`` and ``t`` (both non-empty) over diagonals ``[lo, hi]``
    (holding 0) when it is at most ``limit``.

    A wave bounded by ``u`` visits only the diagonals that can still end within ``u``. The
    first round's bound is ``first_bound``'s, so a close pair costs a few narrow levels. Past it
    NW and SHW run to the limit (their waves grow from one diagonal); HW gives up, as a wider
    HW wave costs more than the word.

    ``reach`` is int32 scratch of at least ``hi - lo + 3``; ``budget`` caps the diagonals
    visited over both rounds. Returns ``(dist, end_j)``: the distance and the leftmost optimal
    end column (``len(t)`` for NW); ``(-1, -1)`` when every alignment within the band costs
    more than ``limit``; ``(-2, -1)`` when the wave gave up or ran out of budget. Within the
    band this is the DP's answer, so when the distance is within Ukkonen's guess for the band
    it is the unbanded one.
    """
    m = q.shape[0]
    bound = first_bound(mode, m, t.shape[0], limit)
    used = 0
    while True:  # one call site: LLVM then keeps the wave's loop tight
        dist, end_d, steps = _wave(q, t, mode, ncode, lo, hi, bound, budget - used, reach)
        used += steps
        if dist >= 0:
            return dist, m + end_d
        if dist == -2 or bound >= limit:
            return dist, -1
        if mode == MODE_HW:
            return -2, -1
        bound = limit  # the start's side keeps NW and SHW waves narrow
