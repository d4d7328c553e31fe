"""Building the minimizer table from a packed reference (Numba), in bounded memory.

The table is bucketed by the top bits of each minimizer's hash: ``table[b]..table[b + 1]`` are
the entries of bucket ``b``; an entry is ``keys[i] = (hash & rmask) << 1 | strand`` and
``pos[i]`` its 0-based concatenated reference position, entries sorted by key, then position.
Two passes over the genome compute the minimizers (``minimizer_pass``): the first counts the
entries of each bucket, the second writes them in place; each pass works on 1 Mb segments, so
scratch memory does not grow with the genome.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .minimizers import minimizers
from .packed import fetch

SEGMENT = 1 << 20  # reference bases per minimizer segment
SMALL_BUCKET = 32  # buckets up to this size are sorted by insertion


@njit(cache=True, nogil=True)
def minimizer_pass(ref, k, w, rbits, segment, write, counts, fill, keys, pos):
    """Every minimizer of every contig, in reference order (exactly those of the whole contig,
    computed ``segment`` bases at a time).

    ``write`` False: ``counts[bucket] += 1``. ``write`` True: entry ``fill[bucket]`` (then
    incremented) receives the key and the position.
    """
    rmask = (np.uint64(1) << np.uint64(rbits)) - np.uint64(1)
    room = 2 * segment + k + w
    buf = np.empty(room, dtype=np.uint8)
    mh = np.empty(room, dtype=np.uint64)
    mp = np.empty(room, dtype=np.int64)
    ms = np.empty(room, dtype=np.uint8)
    offsets = ref.offsets
    for c in range(offsets.shape[0] - 1):
        cs = offsets[c]
        length = offsets[c + 1] - cs
        last = -1
        s = 0
        while s < length:
            e = s + segment
            if length - e < segment:
                e = length  # the tail joins the last segment: no short segment but a short contig
            a = max(0, s - (w - 1))  # the first window of the segment ends at k-mer s
            e2 = min(length, e + k - 1)  # the last one at k-mer e - 1
            fetch(ref, cs + a, cs + e2, buf)
            n = minimizers(buf[: e2 - a], k, w, mh, mp, ms)
            for x in range(n):
                p = a + mp[x]
                if p <= last:
                    continue  # the previous segment's last window already gave it
                last = p
                b = mh[x] >> np.uint64(rbits)
                if write:
                    slot = fill[b]
                    fill[b] += 1
                    keys[slot] = ((mh[x] & rmask) << np.uint64(1)) | np.uint64(ms[x])
                    pos[slot] = cs + p
                else:
                    counts[b] += 1
            s = e


@njit(cache=True, nogil=True)
def sort_buckets(table, keys, pos, lo_b, hi_b):
    """Sort each bucket's entries by key, stably (positions stay increasing among equals):
    buckets ``lo_b..hi_b-1`` (``threadrun.run_ranges`` over ``table.shape[0] - 1``)."""
    for b in range(lo_b, hi_b):
        lo = np.int64(table[b])  # a 64-bit table is uint64: int64 arithmetic keeps indexes ints
        hi = np.int64(table[b + 1])
        if hi - lo < 2:
            continue
        if hi - lo <= SMALL_BUCKET:
            for i in range(lo + 1, hi):
                kk = keys[i]
                pp = pos[i]
                j = i - 1
                while j >= lo and keys[j] > kk:
                    keys[j + 1] = keys[j]
                    pos[j + 1] = pos[j]
                    j -= 1
                keys[j + 1] = kk
                pos[j + 1] = pp
        else:
            order = np.argsort(keys[lo:hi], kind="mergesort")
            keys[lo:hi] = keys[lo:hi][order]
            pos[lo:hi] = pos[lo:hi][order]


@njit(cache=True)
def occurrence_histogram(table, keys, cap):
    """``hist[c]``: how many distinct minimizers occur ``c`` times (``cap``: that many or more)."""
    hist = np.zeros(cap + 1, dtype=np.int64)
    for b in range(table.shape[0] - 1):
        i = np.int64(table[b])  # (uint64 + int is float64 in Numba: a 64-bit table's type)
        end = np.int64(table[b + 1])
        while i < end:
            j = i + 1
            while j < end and (keys[j] >> 1) == (keys[i] >> 1):
                j += 1
            hist[min(j - i, cap)] += 1
            i = j
    return hist
