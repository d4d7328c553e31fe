"""Bit-parallel banded edit distance: a band of up to 64 diagonals in one 64-bit word.

Myers' bit-vector algorithm (in Hyyrö's formulation) keeps a DP column as vertical differences
between neighbours, two bits per cell (``VP``: +1, ``VN``: -1). Here the word covers the rows of a
diagonal band ``[dlo, dhi]`` (``d = j - i``): at column ``j`` bit ``k`` is row ``i = j - dhi + k``,
so moving to the next column shifts the vectors right by one. Cells outside the band count as
infinite, exactly as in ``edit.band_pass`` with a static band, so the two give the same values.

Row 0 and the rows above it are *virtual*: for NW/SHW they hold ``D[i][j] = j - i`` and for HW
``D[i][j] = 0`` (every virtual row "matches"), values that reproduce the mode's boundary row under
the ordinary recurrence. The value of the band's top cell is tracked along its diagonal, and the
final row's values are read off by counting vertical differences.

The answer is exact whenever it is within the guess the band was built for (Ukkonen); the driver
``fast_edit`` picks the widest guess that fits one word and reports when it cannot decide.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .edit import MODE_HW, MODE_NW, MODE_SHW, diagonal_interval
from .waves import extend, wave_edit
from .wordscan import RAW, common_prefix, common_suffix

WORD = 64
REACH = WORD + 4  # wavefront scratch: a band's diagonals, a sentinel either side, its pause
MAX_PAUSE = 63  # pairs the word takes alone after the wave gave up on several in a row
ONE = np.uint64(1)
ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, nogil=True, inline="always")
def _below(x, k):
    """``x`` restricted to bits ``1..k``."""
    return x & (ALL >> np.uint64(63 - k)) & ~ONE


@njit(cache=True, nogil=True)
def scratch_words(n):
    """Words per code that ``banded_word`` needs for a target of length ``n``."""
    return (n + 2 * WORD) // WORD + 3


def _quad_table():
    """Match nibbles of four codes at once: index ``c0 | c1 << 3 | c2 << 6 | c3 << 9`` (3-bit
    codes), value bits ``4 * c + r`` set where ``c_r == c`` (codes 0..4)."""
    table = np.zeros(1 << 12, dtype=np.uint32)
    for index in range(1 << 12):
        for r in range(4):
            c = (index >> (3 * r)) & 7
            if c < 5:
                table[index] |= 1 << (4 * c + r)
    return table


QUAD = _quad_table()
NIBBLE = np.uint64(15)


@njit(cache=True, nogil=True)
def pattern_bitmaps(q, mode, ncode, s, length, maps):
    """Fill ``maps`` (5 x words, uint64 scratch): per code c a bitmap over positions ``p`` (row
    ``i = p + s``), bit set when row ``i`` matches c. Virtual rows ``i <= 0`` match everything in
    HW, nothing otherwise.

    Real rows are gathered one output word at a time in registers, four codes per ``QUAD``
    lookup (setting bits in ``maps`` row by row made each row wait on the previous store)."""
    m = q.shape[0]
    words = (length + WORD - 1) // WORD + 2
    for c in range(5):  # explicit loops: a slice assignment costs more than the tiny pairs
        for x in range(words):
            maps[c, x] = 0
    virtual = min(1 - s, length)  # positions p <= -s hold rows i <= 0
    if mode == MODE_HW and virtual > 0:  # whole words at once
        full = virtual >> 6
        rest = np.uint64(virtual & 63)
        for c in range(5):
            for x in range(full):
                maps[c, x] = ALL
            if rest:
                maps[c, full] |= (ONE << rest) - ONE
    x = max(0, s - 1)  # query index of the first row (row x + 1 at position x + 1 - s)
    stop = min(m, length + s - 1)  # rows past position length - 1 are not kept
    while x < stop:
        p = x - s + 1
        take = min(64 - (p & 63), stop - x)  # the rows that land in output word p >> 6
        b0 = b1 = b2 = b3 = b4 = np.uint64(0)
        k = 0
        while k + 4 <= take:
            y = x + k
            v = np.uint64(
                QUAD[
                    np.int64(q[y])
                    | (np.int64(q[y + 1]) << 3)
                    | (np.int64(q[y + 2]) << 6)
                    | (np.int64(q[y + 3]) << 9)
                ]
            )
            at = np.uint64(k)
            b0 |= (v & NIBBLE) << at
            b1 |= ((v >> np.uint64(4)) & NIBBLE) << at
            b2 |= ((v >> np.uint64(8)) & NIBBLE) << at
            b3 |= ((v >> np.uint64(12)) & NIBBLE) << at
            b4 |= ((v >> np.uint64(16)) & NIBBLE) << at
            k += 4
        for y in range(x + k, x + take):  # the last 0..3 rows of the word: one code each
            v = np.uint64(QUAD[q[y]])  # the other three codes index 0 (A): take bit r = 0 only
            at = np.uint64(y - x)
            b0 |= (v & ONE) << at
            b1 |= ((v >> np.uint64(4)) & ONE) << at
            b2 |= ((v >> np.uint64(8)) & ONE) << at
            b3 |= ((v >> np.uint64(12)) & ONE) << at
            b4 |= ((v >> np.uint64(16)) & ONE) << at
        word = p >> 6
        at = np.uint64(p & 63)
        maps[0, word] |= b0 << at
        maps[1, word] |= b1 << at
        maps[2, word] |= b2 << at
        maps[3, word] |= b3 << at
        if ncode > 4:  # N matches N only when N is a literal base
            maps[4, word] |= b4 << at
        x += take
    return maps


@njit(cache=True, nogil=True, inline="always")
def _column(maps, c, j, vp, vn, wmask):
    """Column ``j`` (target code ``c``) of the banded word: ``(vp, vn, hp, hn, d0)``. The match
    word is bits ``j .. j + 63`` of code ``c``'s bitmap (a funnel shift of two words)."""
    word = j >> 6
    r = np.uint64(j & 63)
    eq = ((maps[c, word] >> r) | ((maps[c, word + 1] << ONE) << (np.uint64(63) - r))) & wmask
    vpa = vp >> ONE
    vna = vn >> ONE
    x = eq | vna
    d0 = (((x & vpa) + vpa) ^ vpa) | x
    hn = vpa & d0
    hp = vna | ~(vpa | d0)
    xs = hp << ONE
    return ((hn << ONE) | ~(xs | d0)) & wmask, (xs & d0) & wmask, hp, hn, d0


@njit(cache=True, nogil=True, inline="always")
def _keep(cols, j, vp, vn, hp, hn, top):
    """Column ``j``'s words for ``wordpath.word_traceback`` (see ``banded_word``)."""
    cols[0, j] = vp
    cols[1, j] = vn
    cols[2, j] = hp
    cols[3, j] = hn
    cols[4, j] = np.uint64(top)


@njit(cache=True, nogil=True)
def banded_word(q, t, mode, ncode, dlo, dhi, maps, cols):
    """Edit distance restricted to diagonals ``[dlo, dhi]`` (width <= 64); ``maps`` is scratch of
    at least ``scratch_words(len(t))`` columns.

    Returns ``(best, end_j)``: the mode's optimum over the band (a large value when the band holds
    no complete path) and the leftmost optimal end column.

    ``cols`` is empty (5 x 0: keep nothing), or 5 x (len(t)+1) uint64 scratch that then
    receives, for ``wordpath.word_traceback``, per column ``j``: the vertical differences
    ``VP``/``VN`` after column ``j``, the horizontal differences ``HP``/``HN`` into column ``j``
    (bit ``k`` = row ``j - dhi + k``, valid for ``k <= width - 2``) and the top cell's value
    (row ``j - dhi``, never negative).
    """
    m = q.shape[0]
    n = t.shape[0]
    keep = cols.shape[1] > 0
    w = dhi - dlo + 1
    s = -dhi
    wmask = ALL >> np.uint64(WORD - w)
    pattern_bitmaps(q, mode, ncode, s, n + w + 1, maps)
    vp = np.uint64(0)
    vn = np.uint64(0)
    for k in range(w):
        i = s + k
        if i >= 1:
            vp |= ONE << np.uint64(k)
        elif mode != MODE_HW:
            vn |= ONE << np.uint64(k)
    top = -s if mode != MODE_HW else 0  # D[s][0]; s <= 0 because the band holds diagonal 0
    if keep:
        cols[0, 0] = vp
        cols[1, 0] = vn
        cols[2, 0] = 0
        cols[3, 0] = 0
        cols[4, 0] = np.uint64(top)
    big = 1 << 29
    best = big
    best_j = -1
    # Row m sits at bit k = m - j - s; track its value along the row once it is inside.
    row_val = 0
    first = m - s - w + 1
    if first <= 0 and m - s >= 0:
        k = m - s
        row_val = top + popcount(_below(vp, k)) - popcount(_below(vn, k))
        if mode != MODE_NW:
            best = row_val
            best_j = 0
    split = min(n, max(0, first - 1))  # columns 1..split: row m is still below the band
    for j in range(1, split + 1):
        vp, vn, hp, hn, d0 = _column(maps, t[j - 1], j, vp, vn, wmask)
        top += 1 - np.int64(d0 & ONE)
        if keep:
            _keep(cols, j, vp, vn, hp, hn, top)
    for j in range(split + 1, n + 1):
        vp, vn, hp, hn, d0 = _column(maps, t[j - 1], j, vp, vn, wmask)
        top += 1 - np.int64(d0 & ONE)
        if keep:
            _keep(cols, j, vp, vn, hp, hn, top)
        k = m - j - s
        if k >= 0:
            if j == first:
                row_val = top + popcount(_below(vp, k)) - popcount(_below(vn, k))
            else:
                bit = np.uint64(k)
                row_val += np.int64((hp >> bit) & ONE) - np.int64((hn >> bit) & ONE)
            if mode != MODE_NW and row_val < best:
                best = row_val
                best_j = j
    if mode == MODE_NW:
        k = m - n - s
        if 0 <= k < w:
            best = row_val
            best_j = n
    return best, best_j


@njit(cache=True, nogil=True)
def widest_guess(mode, m, n, cap):
    """Largest guess ``g <= cap`` whose diagonal interval fits one word; -1 if none."""
    g = -1
    lo_g, hi_g = 0, cap
    while lo_g <= hi_g:
        mid = (lo_g + hi_g) // 2
        lo, hi = diagonal_interval(mode, m, n, mid)
        if lo <= hi and hi - lo + 1 <= WORD:
            g = mid
            lo_g = mid + 1
        else:
            hi_g = mid - 1
    return g


@njit(cache=True, nogil=True)
def decided(best, g, k):
    """What a word built for guess ``g`` says: ``best`` when exact (within the guess; Ukkonen),
    -1 when the distance is known to exceed ``k``, -2 when one word cannot decide."""
    if best <= g:
        return -1 if (k >= 0 and best > k) else best
    return -1 if (k >= 0 and g >= k) else -2


@njit(cache=True, nogil=True)
def few_substitutions(q, t, ncode):
    """``(distance, first, second)`` of equal-length ``q`` and ``t`` at most 2 mismatching
    positions apart: the NW distance is their count (one edit between equal lengths is a
    substitution, so two mismatches cannot cost 1), ``first``/``second`` their positions
    (``len(q)``: none). ``(-1, ...)`` for other pairs, after at most three mismatches' scan."""
    m = q.shape[0]
    first = second = m
    if m != t.shape[0]:
        return -1, first, second
    h = 0
    for x in range(m):
        if q[x] != t[x] or q[x] >= ncode:
            if h == 2:
                return -1, first, second
            if h == 0:
                first = x
            else:
                second = x
            h += 1
    return h, first, second


@njit(cache=True, nogil=True)
def text_substitutions(q, t, ncode):
    """``few_substitutions`` under any ``ncode`` rule, ``RAW`` text included: the mismatches are
    found by ``waves.extend`` along the main diagonal, eight positions at a time."""
    m = q.shape[0]
    if m != t.shape[0]:
        return -1, m, m
    first = extend(q, t, 0, 0, ncode)
    if first == m:
        return 0, m, m
    second = extend(q, t, first + 1, 0, ncode)
    if second == m:
        return 1, first, m
    third = extend(q, t, second + 1, 0, ncode)
    return (2 if third == m else -1), first, second


@njit(cache=True, nogil=True, inline="always")
def wave_paused(reach):
    """Whether the wavefront will sit the next pair out (``wave_rests`` without counting)."""
    return reach[REACH - 2] > 0


@njit(cache=True, nogil=True, inline="always")
def wave_rests(reach):
    """Whether the wavefront sits this pair out (``reach``'s last two slots: see ``wave_tried``),
    counting the pause down."""
    wait = reach[REACH - 2]
    if wait > 0:
        reach[REACH - 2] = wait - 1
        return True
    return False


@njit(cache=True, nogil=True, inline="always")
def wave_tried(reach, declined):
    """Record whether the wavefront gave up on a pair. Pairs of a batch are alike, so misses in a
    row pause it for 0, 1, 3, 7, ... pairs (the word alone), and an answer resumes it."""
    misses = reach[REACH - 1]
    reach[REACH - 1] = min(2 * misses + 1, MAX_PAUSE) if declined else 0
    reach[REACH - 2] = misses if declined else 0


@njit(cache=True, nogil=True)
def fast_edit(q, t, mode, k, ncode, maps, reach, wave=True):
    """Exact distance from one banded word's band when it can decide (``maps``: see
    ``banded_word``; ``reach``: int32 scratch of ``REACH``, zeroed once per batch of pairs;
    ``wave``: whether the wavefront may answer first).

    Returns ``(dist, end_j, band, cells)``; ``dist`` is -1 above ``k`` and -2 when one word cannot
    decide (the caller then uses ``edit.edit_align``). NW trims the common prefix and suffix first
    (they never change a global distance), SHW the common prefix. Over the word's band the
    wavefront (``waves.wave_edit``) answers first while its work stays below the word's, and
    rests after it has given up on recent pairs (``reach``'s last two slots keep the pause); both
    give the band's exact answer, so the route never changes a result. ``band`` and ``cells`` are
    the word's: the band Ukkonen's bound certifies, whichever route computed it.

    On ``RAW`` text (``wordscan``; HW only: it trims nothing) only the wavefront runs, and -2
    also means that the word would have to decide: the caller translates the pair and asks
    again with ``wave`` off.
    """
    m = q.shape[0]
    n = t.shape[0]
    if m == 0 or n == 0:
        return -2, -1, 0, 0
    pre = common_prefix(q, t, ncode) if mode != MODE_HW else 0
    suf = common_suffix(q, t, ncode, min(m, n) - pre) if mode == MODE_NW else 0
    qs = q[pre : m - suf]
    ts = t[pre : n - suf]
    mm = qs.shape[0]
    nn = ts.shape[0]
    if mm == 0 or nn == 0:
        if mode == MODE_NW:
            d = max(mm, nn)
            end = n
        elif mode == MODE_SHW:
            d = mm
            end = pre
        else:
            return -2, -1, 0, 0
        if k >= 0 and d > k:
            return -1, -1, 0, 0
        return d, end, 0, 0
    cap = max(mm, nn) if k < 0 else k
    g = widest_guess(mode, mm, nn, cap)
    if g < 0:
        return -2, -1, 0, 0
    lo, hi = diagonal_interval(mode, mm, nn, g)
    cells = (hi - lo + 1) * (nn + 1)
    best, end_j = -2, -1
    if mode == MODE_NW:  # equal lengths a few substitutions apart: counted, no DP at all
        subs = few_substitutions(qs, ts, ncode)[0]
        if 0 <= subs <= g:
            best = decided(subs, g, k)
            return best, (n if best >= 0 else -1), hi - lo + 1, cells
    if wave and not wave_rests(reach):
        limit = g if k < 0 else min(g, k)
        budget = nn + WORD  # about the columns the word would take, and its set-up
        best, end_j = wave_edit(qs, ts, mode, ncode, lo, hi, limit, budget, reach[: REACH - 2])
        wave_tried(reach, best == -2)
    if best == -1:  # nothing within min(g, k) on the band: what the word would say past g
        return (-1 if k >= 0 and g >= k else -2), -1, hi - lo + 1, cells
    if best == -2 and ncode & RAW:
        return -2, -1, hi - lo + 1, cells  # the word needs codes
    if best == -2:
        best, end_j = banded_word(qs, ts, mode, ncode, lo, hi, maps, maps[:, :0])
        best = decided(best, g, k)
    if best < 0:
        return best, -1, hi - lo + 1, cells
    return best, (n if mode == MODE_NW else end_j + pre), hi - lo + 1, cells
