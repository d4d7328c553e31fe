"""Seeds of a read in the minimizer index and their clusters on diagonals (Numba).

The index holds the reference's canonical (w, k) minimizers in a bucketed table
(``SeedIndex``, built by ``kernels.indexing``). A read is looked up in one of three ways:

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

from typing import NamedTuple

import numpy as np
from numba import njit

from .minimizers import canonical, minimizers

SEED_MINIMIZERS, SEED_ALL, SEED_NEIGHBOURS = 0, 1, 2


class SeedIndex(NamedTuple):
    """The reference's minimizer table (see ``kernels.indexing``): bucket starts, keys (hash
    remainder << 1 | strand) and positions, and how many hash bits a key keeps."""

    table: np.ndarray
    keys: np.ndarray
    pos: np.ndarray
    rbits: int


@njit(cache=True, nogil=True)
def _first_at_least(keys, lo, end, want):
    """The first index of ``keys[lo:end]`` (sorted) holding ``want`` or more (``end``: none);
    a linear scan in small buckets, a binary search in those of frequent minimizers."""
    if end - lo > 16:
        while lo < end:
            mid = (lo + end) // 2
            if np.uint64(keys[mid]) < want:
                lo = mid + 1
            else:
                end = mid
        return lo
    while lo < end and np.uint64(keys[lo]) < want:
        lo += 1
    return lo


@njit(cache=True, nogil=True)
def lookup(index, h):
    """``[lo, hi)`` of the entries of hash ``h`` (both strands) in the table: keys ``want``
    and ``want + 1`` (``want`` = the hash remainder << 1), so ``hi`` is the first key at least
    ``want + 2`` (found by bisection too: a frequent minimizer has thousands of entries)."""
    rb = np.uint64(index.rbits)
    b = h >> rb
    lo = np.int64(index.table[b])
    end = np.int64(index.table[b + 1])
    want = (h & ((np.uint64(1) << rb) - np.uint64(1))) << np.uint64(1)
    lo = _first_at_least(index.keys, lo, end, want)
    return lo, _first_at_least(index.keys, lo, end, want + np.uint64(2))


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
def seed_hits(index, seed_h, n_seeds, mid_occ, max_occ, los, his):
    """The table range of each seed (``los``/``his``), frequent seeds cut as minimap2 does: a
    seed found more than ``max_occ`` times is dropped; one found more than ``mid_occ`` times is
    kept only as the least frequent of its streak of such seeds (consecutive seeds that hit,
    all frequent), so a read inside a repeat still gets a seed or two. Returns the hit count."""
    for x in range(n_seeds):
        lo, hi = lookup(index, seed_h[x])
        if hi - lo > max_occ:
            hi = lo
        los[x] = lo
        his[x] = hi
    x = 0
    while x < n_seeds:
        if his[x] - los[x] <= mid_occ:
            x += 1
            continue
        # a streak: from this frequent seed on, every seed that hits is frequent
        best = x
        y = x
        while y < n_seeds and (his[y] == los[y] or his[y] - los[y] > mid_occ):
            if his[y] > los[y] and his[y] - los[y] < his[best] - los[best]:
                best = y
            y += 1
        for z in range(x, y):
            if z != best:
                his[z] = los[z]
        x = y
    total = 0
    for x in range(n_seeds):
        total += his[x] - los[x]
    return total


@njit(cache=True, nogil=True)
def _hit_keys(m, k, seed_h, seed_p, seed_s, n_seeds, index, mid_occ, max_occ):
    """Every kept hit of the seeds (``seed_hits``) as a sort key, strand in bit 62 and the
    diagonal shifted by 2**40 to stay non-negative, and the seed it came from:
    ``(hit_key, hit_seed)``."""
    los = np.empty(n_seeds, dtype=np.int64)
    his = np.empty(n_seeds, dtype=np.int64)
    total = seed_hits(index, seed_h, n_seeds, mid_occ, max_occ, los, his)
    hit_key = np.empty(total, dtype=np.int64)
    hit_seed = np.empty(total, dtype=np.int64)
    h = 0
    for x in range(n_seeds):
        for y in range(los[x], his[x]):
            rpos = np.int64(index.pos[y])
            rel = np.int64(index.keys[y] & 1) ^ np.int64(seed_s[x])
            if rel == 0:
                diag = rpos - seed_p[x]
            else:
                diag = rpos - (m - seed_p[x] - k)
            hit_key[h] = (rel << 62) + diag + (np.int64(1) << 40)
            hit_seed[h] = x
            h += 1
    return hit_key, hit_seed


@njit(cache=True, nogil=True)
def clusters(m, k, seed_h, seed_p, seed_s, n_seeds, index, mid_occ, max_occ, max_gap):
    """Clusters of the seeds' hits: arrays (strand, diag_lo, diag_hi, votes, period), most
    votes first; ``period`` is the smallest diagonal step at which one seed hit the cluster
    twice (a tandem repeat's unit; 0 when none did).

    Hits on one strand whose diagonals lie within ``max_gap`` of the previous one join a
    cluster, which spans at most ``2 * max_gap`` diagonals (a tandem repeat would otherwise chain
    into one cluster kilobases wide). A cluster's votes are the distinct seeds in it, so a seed
    repeated along a tandem array counts once. Frequent seeds are cut by ``seed_hits``.
    """
    hit_key, hit_seed = _hit_keys(m, k, seed_h, seed_p, seed_s, n_seeds, index, mid_occ, max_occ)
    total = hit_key.shape[0]
    order = np.argsort(hit_key, kind="mergesort")
    counted = np.full(n_seeds, -1, dtype=np.int64)  # the last cluster that counted a seed
    last_diag = np.zeros(n_seeds, dtype=np.int64)  # ... and the seed's last diagonal there
    c_strand = np.empty(total, dtype=np.int64)
    c_lo = np.empty(total, dtype=np.int64)
    c_hi = np.empty(total, dtype=np.int64)
    c_votes = np.empty(total, dtype=np.int64)
    c_period = np.zeros(total, dtype=np.int64)
    nc = 0
    x = 0
    while x < total:
        key = hit_key[order[x]]
        rel = key >> 62
        base = (rel << 62) + (np.int64(1) << 40)
        lo = key - base
        hi = lo
        votes = 0
        period = 0
        y = x
        while y < total:
            key = hit_key[order[y]]
            d = key - base
            if y > x and ((key >> 62) != rel or d - hi > max_gap or d - lo > 2 * max_gap):
                break
            hi = d
            seed = hit_seed[order[y]]
            if counted[seed] != nc:
                counted[seed] = nc
                votes += 1
            elif d > last_diag[seed] and (period == 0 or d - last_diag[seed] < period):
                period = d - last_diag[seed]  # the seed again, one repeat unit along
            last_diag[seed] = d
            y += 1
        c_strand[nc] = rel
        c_lo[nc] = lo
        c_hi[nc] = hi
        c_votes[nc] = votes
        c_period[nc] = period
        nc += 1
        x = y
    # most votes first; ties by strand then diagonal (deterministic)
    rank = np.argsort(
        -c_votes[:nc] * (np.int64(1) << 44) + c_strand[:nc] * (np.int64(1) << 42) + c_lo[:nc],
        kind="mergesort",
    )
    return (
        c_strand[:nc][rank],
        c_lo[:nc][rank],
        c_hi[:nc][rank],
        c_votes[:nc][rank],
        c_period[:nc][rank],
    )
