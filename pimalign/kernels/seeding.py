"""Seeds of a read in the minimizer index and their clusters on diagonals (Numba).

The index holds the reference's canonical (w, k) minimizers as sorted 64-bit hashes (``keys``)
with ``vals`` = ``position << 1 | strand``. A read is looked up in one of three ways:

- ``SEED_MINIMIZERS``: its own minimizers (the normal pass). A reference minimizer lies inside
  every exact match of ``k + w - 1`` bases, so such a match is always found.
- ``SEED_ALL``: every k-mer of the read, and for a k-mer holding one N its four spellings: any
  reference minimizer inside an exact match of ``k`` bases is found, whatever the read's windows.
- ``SEED_NEIGHBOURS``: as ``SEED_ALL`` plus every k-mer one substitution away: a reference
  minimizer with at most one mismatch against the read is found, so a short read with one
  mismatch (or an N) anywhere still gets its seed (bwa needs one 19 bp exact match).

Each hit votes for a (relative strand, diagonal), the diagonal being the reference position of
the oriented read's first base; hits within ``max_gap`` of each other form a cluster.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .minimizers import canonical, minimizers

SEED_MINIMIZERS, SEED_ALL, SEED_NEIGHBOURS = 0, 1, 2


def bucket_table(keys, k):
    """Start offset in sorted ``keys`` of every bucket of the top hash bits (len 2**bits + 1):
    a lookup reads two table entries and about one key instead of a binary search."""
    bits = max(1, min(2 * k, int(np.ceil(np.log2(max(keys.shape[0], 2))))))
    shift = 2 * k - bits
    starts = np.arange((1 << bits) + 1, dtype=np.uint64) << np.uint64(shift)
    return np.searchsorted(keys, starts).astype(np.int64), shift


@njit(cache=True, nogil=True)
def lookup(keys, table, shift, h):
    """``[lo, hi)`` of the entries equal to ``h`` in sorted ``keys``."""
    b = h >> np.uint64(shift)
    lo = table[b]
    end = table[b + 1]
    while lo < end and keys[lo] < h:
        lo += 1
    hi = lo
    while hi < end and keys[hi] == h:
        hi += 1
    return lo, hi


@njit(cache=True, nogil=True)
def _put_canonical(fwd, rev, mask, pos, out_h, out_p, out_s, count):
    """Append the canonical hash of a k-mer (palindromes have no strand: skipped)."""
    if fwd == rev:
        return count
    out_h[count], out_s[count] = canonical(fwd, rev, mask)
    out_p[count] = pos
    return count + 1


@njit(cache=True, nogil=True)
def seed_capacity(m, k, kind):
    """Room the ``seeds`` outputs need for a read of ``m`` bases."""
    kmers = max(m - k + 1, 1)
    if kind == SEED_MINIMIZERS:
        return max(m, 1)
    if kind == SEED_ALL:
        return 4 * kmers
    return kmers * (3 * k + 4)


@njit(cache=True, nogil=True)
def seeds(read, k, w, kind, lo, hi, out_h, out_p, out_s):
    """Seeds of ``read[lo:hi]`` as ``(hash, position in read, strand)`` into the outputs;
    returns their number (minimizers always come from the whole read)."""
    if kind == SEED_MINIMIZERS:
        return minimizers(read, k, w, out_h, out_p, out_s)
    mask = (np.uint64(1) << np.uint64(2 * k)) - np.uint64(1)
    count = 0
    for p in range(max(lo, 0), min(hi, read.shape[0]) - k + 1):
        fwd = np.uint64(0)
        rev = np.uint64(0)
        n_pos = -1
        n_count = 0
        for i in range(k):
            c = read[p + i]
            if c > 3:
                n_count += 1
                n_pos = i
                c = 0
            fwd = (fwd << np.uint64(2)) | np.uint64(c)
            rev = rev | (np.uint64(3 - c) << np.uint64(2 * i))
        if n_count > 1:
            continue
        if n_count == 1:
            # the four spellings of the N (the one at base 0 is the k-mer as built)
            for alt in range(4):
                flip = np.uint64(alt)
                f = fwd ^ (flip << np.uint64(2 * (k - 1 - n_pos)))
                r = rev ^ (flip << np.uint64(2 * n_pos))
                count = _put_canonical(f, r, mask, p, out_h, out_p, out_s, count)
            continue
        count = _put_canonical(fwd, rev, mask, p, out_h, out_p, out_s, count)
        if kind != SEED_NEIGHBOURS:
            continue
        for i in range(k):
            for alt in range(1, 4):
                flip = np.uint64(alt)  # c ^ alt runs over the three other bases
                f = fwd ^ (flip << np.uint64(2 * (k - 1 - i)))
                r = rev ^ (flip << np.uint64(2 * i))
                count = _put_canonical(f, r, mask, p, out_h, out_p, out_s, count)
    return count


@njit(cache=True, nogil=True)
def clusters(m, k, seed_h, seed_p, seed_s, n_seeds, keys, table, shift, vals, max_occ, max_gap):
    """Clusters of the seeds' hits: arrays (strand, diag_lo, diag_hi, votes), most votes first.

    A seed found more than ``max_occ`` times in the reference casts no vote.
    """
    total = 0
    los = np.empty(n_seeds, dtype=np.int64)
    his = np.empty(n_seeds, dtype=np.int64)
    for x in range(n_seeds):
        lo, hi = lookup(keys, table, shift, seed_h[x])
        if hi - lo > max_occ:
            hi = lo
        los[x] = lo
        his[x] = hi
        total += hi - lo
    hit_key = np.empty(total, dtype=np.int64)
    h = 0
    for x in range(n_seeds):
        for y in range(los[x], his[x]):
            v = vals[y]
            rpos = np.int64(v >> np.uint64(1))
            rel = np.int64(v & np.uint64(1)) ^ np.int64(seed_s[x])
            if rel == 0:
                diag = rpos - seed_p[x]
            else:
                diag = rpos - (m - seed_p[x] - k)
            # strand in the top bit, diagonal shifted to stay non-negative
            hit_key[h] = (rel << 62) + diag + (np.int64(1) << 40)
            h += 1
    hit_key.sort()
    c_strand = np.empty(total, dtype=np.int64)
    c_lo = np.empty(total, dtype=np.int64)
    c_hi = np.empty(total, dtype=np.int64)
    c_votes = np.empty(total, dtype=np.int64)
    nc = 0
    x = 0
    while x < total:
        rel = hit_key[x] >> 62
        base = (rel << 62) + (np.int64(1) << 40)
        lo = hit_key[x] - base
        hi = lo
        votes = 1
        y = x + 1
        while y < total and (hit_key[y] >> 62) == rel and hit_key[y] - base - hi <= max_gap:
            hi = hit_key[y] - base
            votes += 1
            y += 1
        c_strand[nc] = rel
        c_lo[nc] = lo
        c_hi[nc] = hi
        c_votes[nc] = votes
        nc += 1
        x = y
    # most votes first; ties by strand then diagonal (deterministic)
    order = np.argsort(
        -c_votes[:nc] * (np.int64(1) << 44) + c_strand[:nc] * (np.int64(1) << 42) + c_lo[:nc],
        kind="mergesort",
    )
    return c_strand[:nc][order], c_lo[:nc][order], c_hi[:nc][order], c_votes[:nc][order]
