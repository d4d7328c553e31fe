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
``band``, ``cells``, ``bits``, ``passes`` are its workload (``passes`` 0: proven ungapped).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .affine import MODE_EXTEND, NEG, OP_S, affine_align, affine_traceback
from .edit import OP_D, OP_EQ, OP_I, OP_X
from .scoring import pair_score, swap_clips
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
) = range(len(FIELDS))
RUNS = 16  # CIGAR runs kept per candidate (more: the alignment is recomputed for output)
CIGAR_M, CIGAR_I, CIGAR_D, CIGAR_S = 77, 73, 68, 83  # ASCII M I D S


@njit(cache=True, nogil=True)
def revcomp(seq):
    n = seq.shape[0]
    out = np.empty(n, dtype=np.uint8)
    for x in range(n):
        c = seq[n - 1 - x]
        out[x] = 3 - c if c < 4 else 4
    return out


@njit(cache=True, nogil=True)
def contig_at(offsets, pos):
    """Index of the contig holding concatenated position ``pos``."""
    return np.searchsorted(offsets, pos, side="right") - 1


@njit(cache=True, nogil=True)
def window(ref_off, diag_lo, diag_hi, m, pad):
    """Reference window ``[ws, we)`` of a cluster inside one contig, and the diagonals
    ``[dlo, dhi]`` (window coordinates) the extension is exact over: the cluster's, widened by
    ``2 * pad``. The contig is the one under the read's middle."""
    centre = min(max((diag_lo + diag_hi) // 2 + m // 2, 0), ref_off[-1] - 1)
    c = contig_at(ref_off, centre)
    ws = max(diag_lo - pad, ref_off[c])
    we = min(diag_hi + m + pad, ref_off[c + 1])
    return ws, we, diag_lo - ws - 2 * pad, diag_hi - ws + 2 * pad


@njit(cache=True, nogil=True)
def orient_scoring(sc, strand):
    """Clipping penalties apply to the read's own 5'/3' ends, whichever strand it aligns to."""
    return swap_clips(sc) if strand else sc


@njit(cache=True, nogil=True)
def ungapped(read, ref, diag, ws, we, sc):
    """Best ungapped, optionally clipped alignment of ``read`` on reference diagonal ``diag``.

    Returns ``(score, q_st, q_en)`` with the clipping penalties counted; ``score`` is NEG unless
    the diagonal lies inside ``[ws, we)`` and the score proves optimality: any alignment with a
    gap scores at most ``a*m - o - e``, so an ungapped one scoring more is the best in the window.
    Clipping wins ties (bwa), at the clip point nearest the read's middle.
    """
    m = read.shape[0]
    if m == 0 or diag < ws or diag + m > we:
        return NEG, 0, 0
    total = 0
    best_pre = 0  # smallest prefix sum, counting the clip penalty
    best_s = 0
    for i in range(m):
        total += pair_score(read[i], ref[diag + i], sc)
        if total + sc.clip5 <= best_pre and i + 1 < m:
            best_pre = total + sc.clip5
            best_s = i + 1
    suffix = 0
    best_suf = 0
    best_e = m
    for i in range(m - 1, best_s, -1):
        suffix += pair_score(read[i], ref[diag + i], sc)
        if suffix + sc.clip3 <= best_suf:
            best_suf = suffix + sc.clip3
            best_e = i
    score = total - best_pre - best_suf
    if score <= sc.match * m - sc.gap_open - sc.gap_extend:
        return NEG, 0, 0
    return score, best_s, best_e


@njit(cache=True, nogil=True)
def ungapped_ops(read, ref, diag, qs, qe, ops):
    """Ops of the ungapped alignment on ``diag`` aligned over ``[qs, qe)`` (S outside)."""
    m = read.shape[0]
    for i in range(m):
        if i < qs or i >= qe:
            ops[i] = OP_S
        else:
            c = read[i]
            ops[i] = OP_EQ if (c == ref[diag + i] and c < 4) else OP_X
    return m


@njit(cache=True, nogil=True)
def local_score(read, t, ops, n_ops, ts, sc):
    """bwa's ``AS`` of an alignment: the best score of a contiguous piece of its path (a whole
    gap run counts as one step), i.e. its ends trimmed where that scores more."""
    best = 0
    run = 0
    i = 0
    j = ts
    y = 0
    while y < n_ops:
        op = ops[y]
        if op == OP_S:
            i += 1
            y += 1
            continue
        if op == OP_EQ or op == OP_X:
            step = pair_score(read[i], t[j], sc)
            i += 1
            j += 1
            y += 1
        else:
            length = 0
            while y < n_ops and ops[y] == op:
                length += 1
                y += 1
            step = -(sc.gap_open + sc.gap_extend * length)
            if op == OP_I:
                i += length
            else:
                j += length
        run = max(run + step, step)
        best = max(best, run)
    return best


@njit(cache=True, nogil=True)
def extend_one(read, ref, ws, we, dlo, dhi, pad, sc, h0, store):
    """Affine extension of the oriented ``read`` in ``ref[ws:we]``, exact over the window
    diagonals ``[dlo, dhi]``; the kernel's tuple (see ``affine.affine_align``)."""
    n = we - ws
    c0 = min(max(dlo + 2 * pad, 0), max(n - 1, 0))
    h = max(h0, c0 - dlo, dhi - c0)
    return affine_align(read, ref[ws:we], MODE_EXTEND, sc, h, c0, store, dlo, dhi)


@njit(cache=True, nogil=True)
def gap_budget(clip, pen, sc):
    """Longest gap that could let ``clip`` soft-clipped bases align instead (0: none): they add
    at most ``clip * match`` and save the clipping penalty, the gap costs ``o + g * e``."""
    gain = clip * sc.match + pen - sc.gap_open
    if clip == 0 or gain <= sc.gap_extend:
        return 0
    return (gain - 1) // sc.gap_extend if sc.gap_extend > 0 else clip


@njit(cache=True, nogil=True)
def extend_candidate(read, ref, ref_off, diag_lo, diag_hi, pad, sc, h0):
    """The best alignment of the oriented ``read`` near the diagonals ``[diag_lo, diag_hi]``.

    The window is ``window()``'s. A one-diagonal cluster first tries an ungapped alignment,
    accepted when its score proves it optimal; otherwise the exact banded extension runs with
    traceback. When that leaves a clipped end long enough to pay for a gap beyond the window's
    diagonals (``gap_budget``), it runs again with the window and diagonals widened by that gap
    on both sides, as bwa's wide extension band would find it.

    Returns ``(AS, q_st, q_en, r_st, r_en, ws, we, dlo, dhi, band, cells, bits, passes, ops,
    n_ops)``: ``AS`` NEG when nothing aligns; ``r_st``/``r_en`` concatenated coordinates; the
    window and diagonals that reproduce it; ``ops``/``n_ops`` its path.
    """
    m = read.shape[0]
    ws, we, dlo, dhi = window(ref_off, diag_lo, diag_hi, m, pad)
    ops = np.empty(m + (we - ws) + 1, dtype=np.uint8)
    if we - ws < 1:
        return NEG, 0, 0, 0, 0, ws, we, dlo, dhi, 0, 0, 0, 0, ops, 0
    if diag_lo == diag_hi:
        s, qs, qe = ungapped(read, ref, diag_lo, ws, we, sc)
        if s > NEG:
            n_ops = ungapped_ops(read, ref, diag_lo, qs, qe, ops)
            score = local_score(read, ref[diag_lo : diag_lo + m], ops, n_ops, 0, sc)
            return (score, qs, qe, diag_lo + qs, diag_lo + qe, ws, we, dlo, dhi, 1, m, 1, 0, ops, 0)
    cells = 0
    for attempt in range(2):
        res = extend_one(read, ref, ws, we, dlo, dhi, pad, sc, h0, True)
        s, end_i, end_j, tb, tb_lo, bw, nc, nb, np_ = res
        cells += nc
        if s <= NEG:
            return NEG, 0, 0, 0, 0, ws, we, dlo, dhi, 0, 0, 0, 0, ops, 0
        t = ref[ws:we]
        n_ops, qs, ts = affine_traceback(read, t, tb, tb_lo, end_i, end_j, ops)
        g = max(gap_budget(qs, sc.clip5, sc), gap_budget(m - end_i, sc.clip3, sc))
        if attempt == 1 or g <= 2 * pad:
            break
        c = contig_at(ref_off, ws)
        wider_ws = max(ws - g, ref_off[c])
        we = min(we + g, ref_off[c + 1])
        dlo, dhi = dlo + (ws - wider_ws) - g, dhi + (ws - wider_ws) + g
        ws = wider_ws
        ops = np.empty(m + (we - ws) + 1, dtype=np.uint8)
    score = local_score(read, ref[ws:we], ops, n_ops, ts, sc)
    return (score, qs, end_i, ws + ts, ws + end_j, ws, we, dlo, dhi, bw, cells, nb, np_, ops, n_ops)


@njit(cache=True, nogil=True)
def sam_op(op):
    """SAM letter of a traceback op (= and X become M)."""
    if op == OP_EQ or op == OP_X:
        return CIGAR_M
    if op == OP_I:
        return CIGAR_I
    if op == OP_D:
        return CIGAR_D
    return CIGAR_S


@njit(cache=True, nogil=True)
def sam_runs(ops, n_ops, out_op, out_len):
    """Runs of SAM ops; returns their number, or -1 when ``out_op`` is too short."""
    cap = out_op.shape[0]
    n = 0
    for y in range(n_ops):
        code = sam_op(ops[y])
        if n > 0 and out_op[n - 1] == code:
            out_len[n - 1] += 1
        else:
            if n == cap:
                return -1
            out_op[n] = code
            out_len[n] = 1
            n += 1
    return n


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


@njit(cache=True, nogil=True)
def _extend_clusters(
    r, read, rc, ref, ref_off, cs, clo, chi, cv, search, sc, out, run_op, run_len, n_run, filled
):
    """Extend clusters into the free slots of read ``r``; returns the slots filled."""
    for x in range(cs.shape[0]):
        if filled == search.max_cand or cv[x] * 100 < search.drop_pct * cv[0]:
            break
        oriented = read if cs[x] == 0 else rc
        res = extend_candidate(
            oriented,
            ref,
            ref_off,
            clo[x],
            chi[x],
            search.pad,
            orient_scoring(sc, cs[x]),
            search.band,
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
        put(out, r, filled, score, cs[x], rs, re, qs, qe, ws, we, dlo, dhi, bw, nc, nb, np_)
        if np_ > 0:
            n_run[r, filled] = sam_runs(ops, n_ops, run_op[r, filled], run_len[r, filled])
        filled += 1
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
    ref_off,
    keys,
    table,
    shift,
    vals,
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
    cs, clo, chi, cv = clusters(
        m, search.k, sh, sp, ss, ns, keys, table, shift, vals, search.max_occ, search.max_gap
    )
    return _extend_clusters(
        r, read, rc, ref, ref_off, cs, clo, chi, cv, search, sc, out, run_op, run_len, n_run, filled
    )


@njit(cache=True, nogil=True)
def _best_score(out, r, filled):
    b = _best(out, r, filled)
    return out[F_SCORE, r, b] if b >= 0 else NEG


@njit(cache=True, parallel=True, nogil=True)
def map_batch(
    flat, off, ref, ref_off, keys, table, shift, vals, search, sc, out, run_op, run_len, n_run
):
    """Seed, cluster and extend every read of the batch (see the module doc for the outputs).

    Clusters with fewer than ``drop_pct`` percent of the top cluster's votes are not extended
    (bwa's ``-D``). For alignments found by dynamic programming the CIGAR is kept as runs of
    M/I/D/S letters in ``run_op``/``run_len`` (``n_run`` -1 when it needs more than their width).

    Every read is seeded from its minimizers. A read whose best candidate then scores below
    ``min_score``, or a short read (under ``2 * (k + w - 1)`` bases) without a perfect one, is
    seeded again from every k-mer and, when short, from every k-mer one substitution away; a
    read whose best candidate leaves ``k`` or more bases clipped is seeded from the k-mers one
    substitution away around the clipped part.
    """
    n_reads = off.shape[0] - 1
    for r in prange(n_reads):
        for c in range(search.max_cand):
            out[F_SCORE, r, c] = NEG
            n_run[r, c] = -1
        read = flat[off[r] : off[r + 1]]
        m = read.shape[0]
        if m < search.k:
            continue
        rc = revcomp(read)
        args = (ref, ref_off, keys, table, shift, vals, search, sc, out, run_op, run_len, n_run)
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
def _rescue_diagonal(read, ref, w0, w1, kr):
    """``(found, diagonal)``: the reference diagonal with the most exact ``kr``-mer matches of
    ``read`` in ``ref[w0:w1]``."""
    wk = _kmer_codes(ref[w0:w1], kr)
    order = np.argsort(wk, kind="mergesort")
    sorted_k = wk[order]
    rk = _kmer_codes(read, kr)
    diags = np.empty(rk.shape[0] * 4, dtype=np.int64)
    nd = 0
    for i in range(rk.shape[0]):
        if rk[i] < 0:
            continue
        lo = np.searchsorted(sorted_k, rk[i], side="left")
        hi = np.searchsorted(sorted_k, rk[i], side="right")
        for y in range(lo, min(hi, lo + 4)):
            if nd < diags.shape[0]:
                diags[nd] = order[y] - i
                nd += 1
    if nd == 0:
        return False, 0
    d = np.sort(diags[:nd])
    best_d = d[0]
    best_v = 0
    y = 0
    while y < nd:
        z = y
        while z < nd and d[z] == d[y]:
            z += 1
        if z - y > best_v:
            best_v = z - y
            best_d = d[y]
        y = z
    return True, w0 + best_d


@njit(cache=True, parallel=True, nogil=True)
def rescue_batch(flat, off, ref, ref_off, reads, strands, ws, we, kr, search, sc, out):
    """Mate rescue: find read ``reads[x]`` (oriented by ``strands[x]``) inside ``ref[ws:we]``.

    Exact ``kr``-mer matches between the read and the window vote for a diagonal; the best one is
    extended like a seeded candidate. Outputs as ``map_batch`` into ``out[:, x, 0]`` (``NEG``
    score when nothing was found).
    """
    for x in prange(reads.shape[0]):
        out[F_SCORE, x, 0] = NEG
        read = flat[off[reads[x]] : off[reads[x] + 1]]
        if strands[x]:
            read = revcomp(read)
        m = read.shape[0]
        if m < kr or we[x] - ws[x] < kr:
            continue
        found, diag = _rescue_diagonal(read, ref, ws[x], we[x], kr)
        if not found:
            continue
        res = extend_candidate(
            read, ref, ref_off, diag, diag, search.pad, orient_scoring(sc, strands[x]), search.band
        )
        score, qs, qe, rs, re, s0, s1, dlo, dhi, bw, nc, nb, np_, _, _ = res
        if score <= NEG:
            continue
        put(out, x, 0, score, strands[x], rs, re, qs, qe, s0, s1, dlo, dhi, bw, nc, nb, np_)
