"""CIGAR text of a batch: one ASCII line per pair (``"3=1X2="``), written from its runs.

CPU batches write each pair's line right after its alignment, while its runs are still in the
block's scratch, into ``Lines``: pairs of a block follow each other from the block's room, so a
block touches only the bytes it writes; the caller decodes them a block at a time.
GPU batches keep every pair's runs and convert them all at once (``cigar_texts``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_CIGAR_LETTER = np.frombuffer(b"?ID?S??=X", dtype=np.uint8)  # by op code (BAM numbering)
_TWO_DIGITS = np.frombuffer("".join(f"{x:02d}" for x in range(100)).encode(), dtype=np.uint8)


def line_room(m, n):
    """Bytes that always hold the CIGAR line of a pair of lengths ``m`` and ``n`` (numpy
    arrays or ints): at most ``m + n`` runs of at most ``m + n`` ops in all, a run of length
    ``L`` taking at most ``L + 1`` characters, and the newline."""
    return 2 * (m + n) + 1


@njit(cache=True, nogil=True, inline="always")
def _digits(value):
    """Decimal digits of a non-negative integer."""
    nd = 1
    while value >= 10:
        value //= 10
        nd += 1
    return nd


@njit(cache=True, nogil=True)
def cigar_line(out, pos, run_ops, run_lens, lo, count):
    """Write one pair's runs ``lo..lo+count-1`` as CIGAR text and a newline at ``out[pos:]``
    (lengths below 100, nearly all, from a table of digit pairs); returns the position after
    the newline."""
    for r in range(lo, lo + count):
        value = run_lens[r]
        if value < 10:
            out[pos] = 48 + value
            pos += 1
        elif value < 100:
            out[pos] = _TWO_DIGITS[2 * value]
            out[pos + 1] = _TWO_DIGITS[2 * value + 1]
            pos += 2
        else:
            nd = _digits(value)
            for x in range(nd):
                out[pos + nd - 1 - x] = 48 + value % 10
                value //= 10
            pos += nd
        out[pos] = _CIGAR_LETTER[run_ops[r]]
        pos += 1
    out[pos] = 10
    return pos + 1


@njit(cache=True, parallel=True, nogil=True)
def cigar_texts(run_off, run_ops, run_lens, n_runs):
    """Every pair's extended CIGAR as ASCII, one line per pair; returns the bytes.

    Two parallel passes over runs kept for every pair: each line's length, then the lines at
    their offsets.
    """
    n_pairs = run_off.shape[0]
    start = np.empty(n_pairs + 1, dtype=np.int64)
    start[0] = 0
    for p in prange(n_pairs):
        size = 1
        for r in range(run_off[p], run_off[p] + n_runs[p]):
            value = run_lens[r]
            size += 2 if value < 10 else 3 if value < 100 else 1 + _digits(value)
        start[p + 1] = size
    for p in range(n_pairs):
        start[p + 1] += start[p]
    out = np.empty(start[n_pairs], dtype=np.uint8)
    for p in prange(n_pairs):
        cigar_line(out, start[p], run_ops, run_lens, run_off[p], n_runs[p])
    return out
