"""Canonical (w, k) minimizers of uint8 code arrays, as minimap2 samples k-mers.

A k-mer containing N (code 4) is never a seed. Each k-mer is hashed in its canonical orientation
(the smaller 2-bit encoding of it and its reverse complement) with an invertible 64-bit hash, and
the window of ``w`` consecutive k-mers keeps its smallest hash (the rightmost on ties, each position
once). A minimizer is ``(hash, pos, strand)``: ``pos`` the 0-based start of the k-mer, ``strand`` 1
when the reverse complement was the canonical form.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MAX_K = 28  # 2k bits of a k-mer must fit in 56 bits so that pos/strand packing stays simple


@njit(cache=True, nogil=True)
def hash64(key, mask):
    """Thomas Wang's invertible integer hash restricted to ``mask`` (minimap2 uses the same
    idea)."""
    key = (~key + (key << np.uint64(21))) & mask
    key = key ^ (key >> np.uint64(24))
    key = ((key + (key << np.uint64(3))) + (key << np.uint64(8))) & mask
    key = key ^ (key >> np.uint64(14))
    key = ((key + (key << np.uint64(2))) + (key << np.uint64(4))) & mask
    key = key ^ (key >> np.uint64(28))
    key = (key + (key << np.uint64(31))) & mask
    return key


@njit(cache=True, nogil=True)
def canonical(fwd, rev, mask):
    """``(hash, strand)`` of a k-mer from its forward and reverse-complement 2-bit codes:
    the hash of the smaller one, strand 1 when that is the reverse complement."""
    if fwd < rev:
        return hash64(fwd, mask), np.uint8(0)
    return hash64(rev, mask), np.uint8(1)


@njit(cache=True, nogil=True)
def minimizers(seq, k, w, out_hash, out_pos, out_strand):
    """Write the minimizers of ``seq`` into the ``out_*`` arrays (length >= len(seq)).

    Returns the number written; positions come out in increasing order.
    """
    n = seq.shape[0]
    if n < k:
        return 0
    mask = (np.uint64(1) << np.uint64(2 * k)) - np.uint64(1)
    shift = np.uint64(2 * (k - 1))
    fwd = np.uint64(0)
    rev = np.uint64(0)
    valid = 0  # consecutive non-N bases ending here
    # ring buffer of the last w k-mer hashes (max value = none)
    none = np.uint64(0xFFFFFFFFFFFFFFFF)
    ring_h = np.full(w, none, dtype=np.uint64)
    ring_p = np.zeros(w, dtype=np.int64)
    ring_s = np.zeros(w, dtype=np.uint8)
    count = 0
    last_pos = -1
    slot = 0  # the ring slot of the k-mer starting at i - k + 1: (i - k + 1) % w
    # the window's smallest hash, the rightmost on ties (none until a k-mer qualifies)
    best = none
    best_p = -1
    best_s = 0
    for i in range(n):
        c = seq[i]
        if c < 4:
            fwd = ((fwd << np.uint64(2)) | np.uint64(c)) & mask
            rev = (rev >> np.uint64(2)) | (np.uint64(3 - c) << shift)
            valid += 1
        else:
            valid = 0
        if i < k - 1:
            continue
        q = i - k + 1
        h = none
        s = np.uint8(0)
        if valid >= k and fwd != rev:
            h, s = canonical(fwd, rev, mask)
        # else: N inside, or a palindrome (strand undefined)
        ring_h[slot] = h
        ring_p[slot] = q
        ring_s[slot] = s
        slot = slot + 1 if slot + 1 < w else 0
        if h != none and h <= best:
            best, best_p, best_s = h, q, s  # the newest k-mer is the rightmost
        elif best_p <= q - w:
            # the smallest one left the window (k-mers q-w+1 .. q): find the next
            best = none
            best_p = -1
            best_s = 0
            for r in range(w):
                hr = ring_h[r]
                if hr < best or (hr == best and hr != none and ring_p[r] > best_p):
                    best = hr
                    best_p = ring_p[r]
                    best_s = ring_s[r]
        if q < w - 1:
            continue
        if best != none and best_p != last_pos:
            out_hash[count] = best
            out_pos[count] = best_p
            out_strand[count] = best_s
            count += 1
            last_pos = best_p
    # sequences shorter than one full window still get their single best k-mer
    if count == 0 and n - k + 1 < w:
        best = none
        best_p = -1
        best_s = 0
        for r in range(n - k + 1):
            h = ring_h[r]
            if h < best:
                best = h
                best_p = ring_p[r]
                best_s = ring_s[r]
        if best != none:
            out_hash[0] = best
            out_pos[0] = best_p
            out_strand[0] = best_s
            count = 1
    return count
