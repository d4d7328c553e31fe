"""The reference in 2 bits per base, with its N runs kept aside (Numba).

``packed[p >> 2]`` holds base ``p`` in bits ``2 * (p & 3)``..; N (and any ambiguity code) is
stored as A there and listed in the sorted, disjoint runs ``[n_start[i], n_end[i])``. A kernel
reads a window of codes 0..4 with ``fetch`` into a buffer of its own.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class RefArrays(NamedTuple):
    """What the mapping kernels read of a reference (concatenated 0-based coordinates)."""

    packed: np.ndarray  # uint8, 4 bases a byte
    n_start: np.ndarray  # int64, sorted
    n_end: np.ndarray  # int64
    offsets: np.ndarray  # int64 contig starts, then the total length


@njit(cache=True, nogil=True)
def pack_into(packed, start, codes):
    """Write ``codes`` (0..4; 4 is written as 0) at base ``start`` of ``packed`` (whose bytes
    from ``start`` on are zero)."""
    for i in range(codes.shape[0]):
        c = codes[i]
        if c < 4:
            p = start + i
            packed[p >> 2] |= np.uint8(c << ((p & 3) << 1))


@njit(cache=True, nogil=True)
def count_runs(codes):
    """How many runs of code 4 ``codes`` holds (the room ``n_runs`` needs for them)."""
    runs = 0
    for i in range(codes.shape[0]):
        if codes[i] == 4 and (i == 0 or codes[i - 1] != 4):
            runs += 1
    return runs


@njit(cache=True, nogil=True)
def n_runs(codes, offset, out_start, out_end, count):
    """Append the runs of code 4 in ``codes`` (shifted by ``offset``) to the outputs, which
    must have room; returns the new count. A run touching the previous one is merged."""
    i = 0
    n = codes.shape[0]
    while i < n:
        if codes[i] != 4:
            i += 1
            continue
        j = i
        while j < n and codes[j] == 4:
            j += 1
        if count > 0 and out_end[count - 1] == offset + i:
            out_end[count - 1] = offset + j
        else:
            out_start[count] = offset + i
            out_end[count] = offset + j
            count += 1
        i = j
    return count


@njit(cache=True, nogil=True)
def fetch(ref, start, end, out):
    """Codes 0..4 of reference bases ``[start, end)`` into ``out[:end - start]``."""
    packed = ref.packed
    for p in range(start, end):
        out[p - start] = (packed[p >> 2] >> ((p & 3) << 1)) & 3
    x = np.searchsorted(ref.n_end, start, side="right")
    while x < ref.n_start.shape[0] and ref.n_start[x] < end:
        for p in range(max(start, ref.n_start[x]), min(end, ref.n_end[x])):
            out[p - start] = 4
        x += 1


@njit(cache=True, nogil=True)
def window_codes(ref, start, end):
    """A new array of the codes of ``[start, end)``."""
    out = np.empty(max(end - start, 0), dtype=np.uint8)
    fetch(ref, start, end, out)
    return out
