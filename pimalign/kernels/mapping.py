"""Candidate alignments of a batch of reads: seed, cluster, extend (Numba).

Per read, seeds (``seeding``) vote for diagonals; up to ``max_cand`` clusters, most votes first,
are extended inside a reference window with the exact adaptive banded affine kernel
(``affine.MODE_EXTEND``: the read aligns whole, soft-clipped at an end when that scores better by
bwa's clipping rule). A read whose best candidate scores below ``min_score``, or a short read
(under ``2 * (k + w - 1)`` bases) without a perfect candidate, is seeded again more thoroughly
(every k-mer, and for short reads every k-mer one substitution away) and its new clusters are
extended too. Windows never cross contig ends; the extension covers the cluster's diagonals
widened by ``2 * pad``, so a read overhanging a contig end is soft-clipped there.

Scores are bwa's ``AS``: the best score of the alignment's path with its ends trimmed freely (the
clipping penalty decides the CIGAR, never the score). Outputs go to one block ``out`` of shape
``(len(FIELDS), reads, max_cand)``; ``out[F_SCORE]`` is ``NEG`` for an empty slot. Coordinates
are 0-based half-open on the concatenated reference (``r_st``/``r_en``) and on the oriented read
(``q_st``/``q_en``); ``win_st``/``win_en``/``dlo``/``dhi`` let an alignment be recomputed exactly;
``band``, ``cells``, ``bits``, ``passes`` are its workload (``passes`` 0: proven ungapped);
``csub`` is bwa's tandem-repeat runner-up: the best ungapped local score of the read shifted by
the repeat's period, when a seed hit the cluster at two diagonals (0 otherwise). ``lost``
(read-wide, in slot 0) is the best score of an alignment found but dropped for want of a slot, or
the best score kept when clusters above the ``drop_pct`` cut were left unextended (0: neither):
copies as good as those kept may exist unseen.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .affine import NEG
from .extension import contig_at, extend_candidate, orient_scoring, revcomp, sam_runs
from .packed import window_codes
from .scoring import pair_score
from .seeding import SEED_ALL, SEED_MINIMIZERS, SEED_NEIGHBOURS, clusters, seed_capacity, seeds

FIELDS = (
    "score",
    "strand",
    "r_st",
    "r_en",
    "q_st",
    "q_en",
    "win_st",
    "win_en",
    "dlo",
    "dhi",
    "band",
    "cells",
    "bits",
    "passes",
    "csub",
    "lost",
)
(
    F_SCORE,
    F_STRAND,
    F_RST,
    F_REN,
    F_QST,
    F_QEN,
    F_WST,
    F_WEN,
    F_DLO,
    F_DHI,
    F_BAND,
    F_CELLS,
    F_BITS,
    F_PASSES,
    F_CSUB,
    F_LOST,
) = range(len(FIELDS))
RUNS = 16  # CIGAR runs kept per candidate (more: the alignment is recomputed for output)


@njit(cache=True, nogil=True)
def put(
    out,
    r,
    c,
    score,
    strand,
    r_st,
    r_en,
    q_st,
    q_en,
    win_st,
    win_en,
    dlo,
    dhi,
    band,
    cells,
    bits,
    passes,
):
    """One candidate into slot ``c`` of read ``r`` (the fields in ``FIELDS`` order)."""
    out[F_SCORE, r, c] = score
    out[F_STRAND, r, c] = strand
    out[F_RST, r, c] = r_st
    out[F_REN, r, c] = r_en
    out[F_QST, r, c] = q_st
    out[F_QEN, r, c] = q_en
    out[F_WST, r, c] = win_st
    out[F_WEN, r, c] = win_en
    out[F_DLO, r, c] = dlo
    out[F_DHI, r, c] = dhi
    out[F_BAND, r, c] = band
    out[F_CELLS, r, c] = cells
    out[F_BITS, r, c] = bits
    out[F_PASSES, r, c] = passes


@njit(cache=True, nogil=True)
def _best(out, r, filled):
    """Slot of the best candidate of read ``r`` (-1 none)."""
    best = -1
    for c in range(filled):
        if best < 0 or out[F_SCORE, r, c] > out[F_SCORE, r, best]:
            best = c
    return best


TANDEM_SHIFTS = 16  # repeat units tried each way by tandem_sub
EXTEND_ROUNDS = 4  # clusters extended per seeding pass: up to this many times max_cand


@njit(cache=True, nogil=True)
def tandem_sub(read, ref, diag, period, span, sc):
    """The best ungapped local score of ``read`` on diagonals ``diag + j * period`` (``j`` a
    non-zero integer, ``|j * period| <= span + period``, inside the contig), or 0: what the
    same read scores whole repeat units away (concatenated coordinates). Shifts within bwa's
    redundancy margin (5% of the read) are the same hit to bwa and are skipped."""
    m = read.shape[0]
    best = 0
    c = contig_at(ref.offsets, min(max(diag + m // 2, 0), ref.offsets[-1] - 1))
    units = min(TANDEM_SHIFTS, (span + period) // period)
    for j in range(-units, units + 1):
        d = diag + j * period
        if abs(j * period) * 20 <= m or d < ref.offsets[c] or d + m > ref.offsets[c + 1]:
            continue
        best = max(best, ungapped_local(read, window_codes(ref, d, d + m), sc))
    return best


DROP_VOTES = 7  # bwa drops a chain only 2 * 19 bp lighter than a better one: ~7 minimizers
SHADOW_MARGIN = 40  # a shadowed cluster this far below the best cannot move MAPQ (28 at 150 bp)


@njit(cache=True, nogil=True)
def diagonal_score(read, ref, dlo, dhi, sc):
    """The best ungapped local score of ``read`` on any diagonal of ``[dlo, dhi]`` (clipped to
    the contig of the cluster's middle): a cheap lower bound of what its extension scores."""
    m = read.shape[0]
    mid = min(max((dlo + dhi) // 2 + m // 2, 0), ref.offsets[-1] - 1)
    c = contig_at(ref.offsets, mid)
    lo, hi = max(dlo, ref.offsets[c]), min(dhi + m, ref.offsets[c + 1])
    if hi - lo < 1:
        return 0
    t = window_codes(ref, lo, hi)
    best = 0
    for d in range(dlo, dhi + 1):
        i0, i1 = max(0, lo - d), min(m, hi - d)
        if i1 > i0:
            best = max(best, ungapped_local(read[i0:i1], t[d + i0 - lo : d + i1 - lo], sc))
    return best


@njit(cache=True, nogil=True)
def ungapped_local(read, t, sc):
    """The best local score of ``read`` against ``t`` (as long) without gaps."""
    best = 0
    run = 0
    for i in range(read.shape[0]):
        run = max(run + pair_score(read[i], t[i], sc), 0)
        best = max(best, run)
    return best


@njit(cache=True, nogil=True)
def _extend_clusters(
    r, read, rc, ref, cs, clo, chi, cv, cp, search, sc, out, run_op, run_len, n_run, filled
):
    """Extend clusters into read ``r``'s slots; returns the slots filled.

    Clusters are taken most votes first while they have at least ``drop_pct`` % of the top
    one's votes; below that, those fewer than ``DROP_VOTES`` votes behind the top one (bwa drops
    a chain only when it is also 2 * 19 bp lighter) and the first one further down (bwa keeps
    the first chain a better one shadows, ``kept = 1``, so that a weak runner-up still sets
    ``XS`` and MAPQ), each when its best ungapped diagonal scores within ``SHADOW_MARGIN`` of
    the best so far (a runner-up further below leaves MAPQ where it is, and extending junk
    clusters costs the most cells), up to
    ``EXTEND_ROUNDS * max_cand`` of them: once the slots are full a new
    alignment replaces the weakest one when it scores more, so among many near-equal repeat
    copies the best ones are kept, not the first found.
    """
    shadowed = False
    n_ext = min(cs.shape[0], EXTEND_ROUNDS * search.max_cand)
    # clusters above the cut left over: any may hold a copy as good as the best
    unextended = n_ext < cs.shape[0] and (
        cv[n_ext] * 100 >= search.drop_pct * cv[0] or cv[0] - cv[n_ext] < DROP_VOTES
    )
    for x in range(n_ext):
        oriented = read if cs[x] == 0 else rc
        if cv[x] * 100 < search.drop_pct * cv[0]:
            # below the -D cut: bwa still extends a chain less than 2 * 19 bp lighter than the
            # best, and the first one it shadows; here when its best diagonal could matter
            if cv[0] - cv[x] >= DROP_VOTES:
                if shadowed:
                    break
                shadowed = True
            best = _best_score(out, r, filled)
            if diagonal_score(oriented, ref, clo[x], chi[x], sc) < best - SHADOW_MARGIN:
                continue
        res = extend_candidate(
            oriented,
            ref,
            clo[x],
            chi[x],
            search.pad,
            orient_scoring(sc, cs[x]),
            search.band,
            search.prune,
        )
        score, qs, qe, rs, re, ws, we, dlo, dhi, bw, nc, nb, np_, ops, n_ops = res
        if score <= NEG:
            continue
        # the same alignment found from another cluster is not a second candidate
        dup = False
        for y in range(filled):
            if out[F_STRAND, r, y] == cs[x] and out[F_RST, r, y] == rs and out[F_REN, r, y] == re:
                dup = True
        if dup:
            continue
        slot = filled
        if filled == search.max_cand:
            slot = 0
            for y in range(1, filled):
                if out[F_SCORE, r, y] < out[F_SCORE, r, slot]:
                    slot = y
            # the best alignment that found no room (read-wide, kept in slot 0)
            out[F_LOST, r, 0] = max(out[F_LOST, r, 0], min(score, out[F_SCORE, r, slot]))
            if out[F_SCORE, r, slot] >= score:
                continue
        else:
            filled += 1
        put(out, r, slot, score, cs[x], rs, re, qs, qe, ws, we, dlo, dhi, bw, nc, nb, np_)
        # the read whole repeat units along is another placement (bwa's tandem runner-up)
        out[F_CSUB, r, slot] = 0
        if cp[x] > 0:
            out[F_CSUB, r, slot] = tandem_sub(oriented, ref, rs - qs, cp[x], chi[x] - clo[x], sc)
        n_run[r, slot] = -1
        if np_ > 0:
            n_run[r, slot] = sam_runs(ops, n_ops, run_op[r, slot], run_len[r, slot])
    if unextended:
        out[F_LOST, r, 0] = max(out[F_LOST, r, 0], _best_score(out, r, filled))
    return filled


@njit(cache=True, nogil=True)
def _seed_pass(
    r,
    read,
    rc,
    kind,
    lo,
    hi,
    ref,
    index,
    search,
    sc,
    out,
    run_op,
    run_len,
    n_run,
    filled,
):
    """Seed ``read[lo:hi]`` the ``kind`` way, cluster and extend; returns the slots filled."""
    m = read.shape[0]
    cap = seed_capacity(hi - lo, search.k, kind)
    sh = np.empty(cap, dtype=np.uint64)
    sp = np.empty(cap, dtype=np.int64)
    ss = np.empty(cap, dtype=np.uint8)
    ns = seeds(read, search.k, search.w, kind, lo, hi, sh, sp, ss)
    cs, clo, chi, cv, cp = clusters(
        m, search.k, sh, sp, ss, ns, index, search.mid_occ, search.max_occ, search.max_gap
    )
    return _extend_clusters(
        r, read, rc, ref, cs, clo, chi, cv, cp, search, sc, out, run_op, run_len, n_run, filled
    )


@njit(cache=True, nogil=True)
def _best_score(out, r, filled):
    b = _best(out, r, filled)
    return out[F_SCORE, r, b] if b >= 0 else NEG


@njit(cache=True, nogil=True)
def map_batch(flat, off, ref, index, search, sc, out, run_op, run_len, n_run, lo, hi):
    """Seed, cluster and extend every read of the batch (see the module doc for the outputs):
    ``ref`` the packed reference (``packed.RefArrays``), ``index`` its minimizer table
    (``seeding.SeedIndex``).

    Clusters with fewer than ``drop_pct`` percent of the top cluster's votes are not extended
    (bwa's ``-D``). For alignments found by dynamic programming the CIGAR is kept as runs of
    M/I/D/S letters in ``run_op``/``run_len`` (``n_run`` -1 when it needs more than their width).

    Every read is seeded from its minimizers. A read whose best candidate then scores below
    ``min_score``, or a short read (under ``2 * (k + w - 1)`` bases) without a perfect one, is
    seeded again from every k-mer and, when short, from every k-mer one substitution away; a
    read whose best candidate leaves ``k`` or more bases clipped is seeded from the k-mers one
    substitution away around the clipped part.

    Reads ``lo..hi-1``: ``threadrun.run_ranges`` drives it over the batch (a ``prange`` here
    cost ~12 s of compiling).
    """
    for r in range(lo, hi):
        for c in range(search.max_cand):
            out[F_SCORE, r, c] = NEG
            out[F_LOST, r, c] = 0
            n_run[r, c] = -1
        read = flat[off[r] : off[r + 1]]
        m = read.shape[0]
        if m < search.k:
            continue
        rc = revcomp(read)
        args = (ref, index, search, sc, out, run_op, run_len, n_run)
        filled = _seed_pass(r, read, rc, SEED_MINIMIZERS, 0, m, *args, 0)
        # Then, where bwa's seeds (any 19 bp exact match) could find what minimizers missed:
        k = search.k
        short = m < 2 * (k + search.w - 1)
        best = _best_score(out, r, filled)
        if best < search.min_score or (short and best < m * sc.match):
            # a poor or no candidate: every k-mer, and for a short read its neighbours
            filled = _seed_pass(r, read, rc, SEED_ALL, 0, m, *args, filled)
            if short and _best_score(out, r, filled) < m * sc.match:
                filled = _seed_pass(r, read, rc, SEED_NEIGHBOURS, 0, m, *args, filled)
            continue
        # a clipped end of k or more bases may hide a gap longer than the window
        b = _best(out, r, filled)
        q_st, q_en = out[F_QST, r, b], out[F_QEN, r, b]
        if out[F_STRAND, r, b]:
            q_st, q_en = m - q_en, m - q_st
        if q_st >= k:
            filled = _seed_pass(
                r, read, rc, SEED_NEIGHBOURS, 0, min(m, q_st + k - 1), *args, filled
            )
        if m - q_en >= k:
            filled = _seed_pass(
                r, read, rc, SEED_NEIGHBOURS, max(0, q_en - k + 1), m, *args, filled
            )


@njit(cache=True, nogil=True)
def _kmer_codes(seq, k):
    """2-bit codes of every k-mer start (-1 where an N is inside)."""
    n = seq.shape[0]
    out = np.full(max(n - k + 1, 0), -1, dtype=np.int64)
    mask = (np.int64(1) << (2 * k)) - 1
    code = np.int64(0)
    valid = 0
    for i in range(n):
        c = seq[i]
        if c < 4:
            code = ((code << 2) | c) & mask
            valid += 1
        else:
            valid = 0
        if i >= k - 1 and valid >= k:
            out[i - k + 1] = code
    return out


@njit(cache=True, nogil=True)
def _rescue_votes(read, ref, w0, w1, kr):
    """``(diagonals, votes)``: every diagonal (window offsets, ascending) on which an exact
    ``kr``-mer match of ``read`` lies in reference bases ``[w0, w1)``, with its count."""
    wk = _kmer_codes(window_codes(ref, w0, w1), kr)
    order = np.argsort(wk, kind="mergesort")
    sorted_k = wk[order]
    rk = _kmer_codes(read, kr)
    los = np.searchsorted(sorted_k, rk, side="left")
    his = np.searchsorted(sorted_k, rk, side="right")
    # every occurrence votes (bwa aligns the mate against the whole window): a cap on the
    # occurrences per k-mer lets a repeat inside the window outvote the mate's true diagonal
    diags = np.empty(np.sum(np.where(rk >= 0, his - los, 0)), dtype=np.int64)
    nd = 0
    for i in range(rk.shape[0]):
        if rk[i] < 0:
            continue
        for y in range(los[i], his[i]):
            diags[nd] = order[y] - i
            nd += 1
    d = np.sort(diags)
    starts = np.empty(nd, dtype=np.int64)
    n_distinct = 0
    for y in range(nd):
        if y == 0 or d[y] != d[y - 1]:
            starts[n_distinct] = y
            n_distinct += 1
    votes = np.empty(n_distinct, dtype=np.int64)
    for z in range(n_distinct):
        votes[z] = (starts[z + 1] if z + 1 < n_distinct else nd) - starts[z]
    return d[starts[:n_distinct]], votes


RESCUE_RIVALS = 4  # most-voted distant diagonals scored for a rescued mate's runner-up


@njit(cache=True, nogil=True)
def _rescue_runner_up(read, ref, w0, diags, votes, best, score, sc):
    """bwa's ``csub`` of a mate found by rescue (Smith-Waterman's second best, ``score2``):
    the best ungapped local score, of at least one minimum seed (19 matches), on the
    ``RESCUE_RIVALS`` most-voted diagonals more than ``score / match`` bases from the best
    one (bwa ignores ends closer than that); 0 when none."""
    far = np.abs(diags - diags[best]) * sc.match > score
    cand = np.flatnonzero(far)
    if cand.shape[0] == 0:
        return 0
    top = cand[np.argsort(-votes[cand], kind="mergesort")[:RESCUE_RIVALS]]
    m = read.shape[0]
    runner = 0
    for z in top:
        d = w0 + diags[z]
        c = contig_at(ref.offsets, min(max(d + m // 2, 0), ref.offsets[-1] - 1))
        lo, hi = max(d, ref.offsets[c]), min(d + m, ref.offsets[c + 1])
        if hi - lo < m // 2:
            continue
        runner = max(runner, ungapped_local(read[lo - d : hi - d], window_codes(ref, lo, hi), sc))
    return runner if runner >= 19 * sc.match else 0


@njit(cache=True, nogil=True)
def rescue_batch(flat, off, ref, reads, strands, ws, we, kr, search, sc, out, lo, hi):
    """Mate rescue: find read ``reads[x]`` (oriented by ``strands[x]``) inside reference bases
    ``[ws[x], we[x])`` (``ref``: ``packed.RefArrays``).

    Exact ``kr``-mer matches between the read and the window vote for a diagonal; the best one is
    extended like a seeded candidate, and its runner-up ``csub`` comes from distant voted
    diagonals (``_rescue_runner_up``). Outputs as ``map_batch`` into ``out[:, x, 0]`` (``NEG``
    score when nothing was found). Jobs ``lo..hi-1`` (``threadrun.run_ranges``).
    """
    for x in range(lo, hi):
        out[F_SCORE, x, 0] = NEG
        read = flat[off[reads[x]] : off[reads[x] + 1]]
        if strands[x]:
            read = revcomp(read)
        m = read.shape[0]
        if m < kr or we[x] - ws[x] < kr:
            continue
        diags, votes = _rescue_votes(read, ref, ws[x], we[x], kr)
        if diags.shape[0] == 0:
            continue
        best = np.argmax(votes)  # the first (leftmost) of the most voted
        diag = ws[x] + diags[best]
        osc = orient_scoring(sc, strands[x])
        res = extend_candidate(read, ref, diag, diag, search.pad, osc, search.band, search.prune)
        score, qs, qe, rs, re, s0, s1, dlo, dhi, bw, nc, nb, np_, _, _ = res
        if score <= NEG:
            continue
        put(out, x, 0, score, strands[x], rs, re, qs, qe, s0, s1, dlo, dhi, bw, nc, nb, np_)
        out[F_CSUB, x, 0] = _rescue_runner_up(read, ref, ws[x], diags, votes, best, score, osc)
