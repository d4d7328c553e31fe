"""Seeding, diagonal voting and banded affine extension of a batch of reads (Numba).

Per read: canonical minimizers are looked up in the sorted index (``keys``/``vals``); every hit
votes for a (relative strand, diagonal) where the diagonal is the reference position of the
oriented read's first base. Hits whose diagonals lie within ``max_gap`` of each other form a
cluster; up to ``max_cand`` clusters, most votes first, are extended with the exact adaptive
banded affine kernel (``affine.MODE_EXTEND``: the read aligns whole inside a reference window,
soft-clipped at either end when that scores better). Windows never cross contig ends.

Outputs per read and candidate slot ``c`` (arrays of shape ``(reads, max_cand)``): ``score``
(``NEG`` when empty), ``strand`` (1 = the read's reverse complement aligns), ``r_st``/``r_en``
(0-based half-open, concatenated reference coordinates), ``q_st``/``q_en`` (on the oriented
read), ``win_st``/``win_en``/``col0`` (the window and start column, so that an alignment can be
recomputed exactly), ``votes``, and the workload ``band``, ``cells``, ``bits``, ``passes``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .affine import MODE_EXTEND, NEG, OP_S, affine_align, affine_traceback
from .edit import OP_D, OP_EQ, OP_I, OP_X
from .minimizers import minimizers

COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)
CIGAR_M, CIGAR_I, CIGAR_D, CIGAR_S = 77, 73, 68, 83  # ASCII M I D S
RUNS = 16  # CIGAR runs kept per candidate (more: the alignment is recomputed for output)


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


def bucket_table(keys, k):
    """Start offset in sorted ``keys`` of every bucket of the top hash bits (len 2**bits + 1):
    a lookup reads two table entries and about one key instead of a binary search."""
    bits = max(1, min(2 * k, int(np.ceil(np.log2(max(keys.shape[0], 2))))))
    shift = 2 * k - bits
    starts = np.arange((1 << bits) + 1, dtype=np.uint64) << np.uint64(shift)
    return np.searchsorted(keys, starts).astype(np.int64), shift


@njit(cache=True, nogil=True)
def _lookup(keys, table, shift, h):
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
def _clusters(read, keys, table, shift, vals, k, w, max_occ, max_gap):
    """Clusters of seed hits: arrays (strand, diag_lo, diag_hi, votes), most votes first."""
    m = read.shape[0]
    cap = max(m, 1)
    mh = np.empty(cap, dtype=np.uint64)
    mp = np.empty(cap, dtype=np.int64)
    ms = np.empty(cap, dtype=np.uint8)
    nmin = minimizers(read, k, w, mh, mp, ms)
    total = 0
    los = np.empty(nmin, dtype=np.int64)
    his = np.empty(nmin, dtype=np.int64)
    for x in range(nmin):
        lo, hi = _lookup(keys, table, shift, mh[x])
        if hi - lo > max_occ:
            hi = lo
        los[x] = lo
        his[x] = hi
        total += hi - lo
    hit_key = np.empty(total, dtype=np.int64)
    h = 0
    for x in range(nmin):
        for y in range(los[x], his[x]):
            v = vals[y]
            rpos = np.int64(v >> np.uint64(1))
            rel = np.int64(v & np.uint64(1)) ^ np.int64(ms[x])
            if rel == 0:
                diag = rpos - mp[x]
            else:
                diag = rpos - (m - mp[x] - k)
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
    order = np.argsort(-c_votes[:nc] * (np.int64(1) << 44) + c_strand[:nc] * (np.int64(1) << 42)
                       + c_lo[:nc], kind="mergesort")
    return c_strand[:nc][order], c_lo[:nc][order], c_hi[:nc][order], c_votes[:nc][order]


@njit(cache=True, nogil=True)
def _window(ref_off, diag_lo, diag_hi, m, pad):
    """Reference window ``[ws, we)`` and start column for a cluster, inside one contig."""
    centre = (diag_lo + diag_hi) // 2 + m // 2
    total = ref_off[-1]
    centre = min(max(centre, 0), total - 1)
    c = contig_at(ref_off, centre)
    ws = max(diag_lo - pad, ref_off[c])
    we = min(diag_hi + m + pad, ref_off[c + 1])
    col0 = min(max(diag_lo - ws, 0), max(we - ws - 1, 0))
    return ws, we, col0


@njit(cache=True, nogil=True)
def band_half(n, m, col0, pad, h0):
    """Initial band half-width around ``col0``: wide enough to span the diagonals the extension
    is exact over (``-pad .. n - m + pad``), so the certificate usually holds after one pass."""
    return max(h0, col0 + pad, max(0, n - m) + pad - col0)


@njit(cache=True, nogil=True)
def ungapped(read, ref, diag, ws, we, a, b, o, e, clip5, clip3):
    """Best ungapped, optionally clipped alignment of ``read`` on reference diagonal ``diag``.

    Returns ``(score, q_st, q_en)``; ``score`` is NEG unless the diagonal lies inside
    ``[ws, we)`` and the score proves optimality: any alignment with a gap scores at most
    ``a*m - o - e``, so an ungapped one scoring more than that is the best in the window.
    """
    m = read.shape[0]
    if m == 0 or diag < ws or diag + m > we:
        return NEG, 0, 0
    # prefix sums of +a / -b; clip the 5' end before s and the 3' end from e
    total = 0
    best_pre = 0  # smallest prefix sum, counting the clip penalty
    best_s = 0
    for i in range(m):
        c = read[i]
        total += a if (c == ref[diag + i] and c < 4) else -b
        if total + clip5 < best_pre and i + 1 < m:
            best_pre = total + clip5
            best_s = i + 1
    suffix = 0
    best_suf = 0
    best_e = m
    for i in range(m - 1, best_s, -1):
        c = read[i]
        suffix += a if (c == ref[diag + i] and c < 4) else -b
        if suffix + clip3 < best_suf:
            best_suf = suffix + clip3
            best_e = i
    score = total - best_pre - best_suf
    if score <= a * m - o - e:
        return NEG, 0, 0
    return score, best_s, best_e


@njit(cache=True, nogil=True)
def extend_one(read, ref, ws, we, col0, pad, a, b, o, e, clip5, clip3, h0, store):
    """Affine extension of the oriented ``read`` in ``ref[ws:we]``; the kernel's tuple.

    Exact among alignments whose diagonals stay within ``pad`` of the window's free start
    diagonals (the seed cluster's, widened by ``pad`` each side).
    """
    n = we - ws
    m = read.shape[0]
    return affine_align(read, ref[ws:we], MODE_EXTEND, a, b, o, e, clip5, clip3,
                        band_half(n, m, col0, pad, h0), col0, store, -pad, max(0, n - m) + pad)


@njit(cache=True, parallel=True, nogil=True)
def map_batch(flat, off, ref, ref_off, keys, table, shift, vals, k, w, max_occ, max_gap, max_cand, drop_pct,
              pad, a, b, o, e, clip5, clip3, h0,
              score, strand, r_st, r_en, q_st, q_en, win_st, win_en, col0, votes,
              band, cells, bits, passes, run_op, run_len, n_run):
    """Seed, cluster and extend every read of the batch (see module doc for the outputs).

    Clusters with fewer than ``drop_pct`` percent of the top cluster's votes are not extended
    (bwa's ``-D``). For alignments found by dynamic programming the CIGAR is kept as runs of
    M/I/D/S ops in ``run_op``/``run_len`` (``n_run`` -1 when it needs more than their width).
    """
    n_reads = off.shape[0] - 1
    for r in prange(n_reads):
        for c in range(max_cand):
            score[r, c] = NEG
            n_run[r, c] = -1
        read = flat[off[r]:off[r + 1]]
        m = read.shape[0]
        if m < k:
            continue
        rc = revcomp(read)
        cs, clo, chi, cv = _clusters(read, keys, table, shift, vals, k, w, max_occ, max_gap)
        filled = 0
        for x in range(cs.shape[0]):
            if filled == max_cand or cv[x] * 100 < drop_pct * cv[0]:
                break
            ws, we, c0 = _window(ref_off, clo[x], chi[x], m, pad)
            if we - ws < 1:
                continue
            oriented = read if cs[x] == 0 else rc
            s = NEG
            if clo[x] == chi[x]:
                s, qs, end_i = ungapped(oriented, ref, clo[x], ws, we, a, b, o, e, clip5, clip3)
            if s > NEG:
                # proven optimal without dynamic programming: one diagonal, m cells
                ts = clo[x] - ws + qs
                end_j = clo[x] - ws + end_i
                bw, nc, nb, np_ = 1, m, 1, 0
            else:
                res = extend_one(oriented, ref, ws, we, c0, pad, a, b, o, e, clip5, clip3, h0,
                                 True)
                s, end_i, end_j, tb, tb_lo, bw, nc, nb, np_ = res
                if s <= NEG:
                    continue
                ops = np.empty(m + (we - ws) + 1, dtype=np.uint8)
                n_ops, qs, ts = affine_traceback(oriented, ref[ws:we], tb, tb_lo, end_i, end_j,
                                                 ops)
            # the same alignment found from another cluster is not a second candidate
            dup = False
            for y in range(filled):
                if strand[r, y] == cs[x] and r_st[r, y] == ws + ts and r_en[r, y] == ws + end_j:
                    dup = True
            if dup:
                continue
            score[r, filled] = s
            strand[r, filled] = cs[x]
            r_st[r, filled] = ws + ts
            r_en[r, filled] = ws + end_j
            q_st[r, filled] = qs
            q_en[r, filled] = end_i
            win_st[r, filled] = ws
            win_en[r, filled] = we
            col0[r, filled] = c0
            votes[r, filled] = cv[x]
            band[r, filled] = bw
            cells[r, filled] = nc
            bits[r, filled] = nb
            passes[r, filled] = np_
            if np_ > 0:
                n_run[r, filled] = sam_runs(ops, n_ops, run_op[r, filled], run_len[r, filled])
            filled += 1


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
def _put_int(buf, pos, value):
    """Decimal digits of ``value >= 0`` into ``buf`` at ``pos``; returns the new position."""
    if value == 0:
        buf[pos] = 48
        return pos + 1
    digits = 0
    v = value
    while v > 0:
        digits += 1
        v //= 10
    for d in range(digits):
        buf[pos + digits - 1 - d] = 48 + value % 10
        value //= 10
    return pos + digits


BASES = np.frombuffer(b"ACGTN", dtype=np.uint8)


@njit(cache=True, parallel=True, nogil=True)
def alignment_text(flat, off, ref, reads, strands, ws, we, col0, diag, run_op, run_len, n_run,
                   r_st, pad, a, b, o, e, clip5, clip3, h0, text_off, cigar_buf, cigar_len,
                   md_buf, md_len, nm, r_start):
    """Recompute the chosen alignments with traceback; write SAM CIGAR (M/I/D/S) and MD text.

    Job ``x`` aligns read ``reads[x]`` (reverse-complemented when ``strands[x]``) in
    ``ref[ws[x]:we[x]]`` from column ``col0[x]``, or, when ``diag[x] >= 0``, ungapped on that
    reference diagonal (the fast path that found it), or, when ``n_run[x] >= 0``, replays the
    kept CIGAR runs from reference start ``r_st[x]`` (no dynamic programming at all).
    Text goes to ``cigar_buf``/``md_buf`` from ``text_off[x]`` (room up to ``text_off[x+1]``; a
    longer text sets both lengths to -1 for the caller to retry with more room); ``nm`` and
    ``r_start`` (0-based concatenated reference start) are filled in.
    """
    for x in prange(reads.shape[0]):
        read = flat[off[reads[x]]:off[reads[x] + 1]]
        if strands[x]:
            read = revcomp(read)
        m = read.shape[0]
        t = ref[ws[x]:we[x]]
        ops = np.empty(m + t.shape[0] + 1, dtype=np.uint8)
        if diag[x] >= 0:
            _, qs, qe = ungapped(read, ref, diag[x], ws[x], we[x], a, b, o, e, clip5, clip3)
            n_ops = 0
            for i in range(m):
                if i < qs or i >= qe:
                    ops[n_ops] = OP_S
                else:
                    c = read[i]
                    ops[n_ops] = OP_EQ if (c == ref[diag[x] + i] and c < 4) else OP_X
                n_ops += 1
            ts = diag[x] + qs - ws[x]
        elif n_run[x] >= 0:
            n_ops = 0
            i = 0
            j = r_st[x] - ws[x]
            ts = j
            for y in range(n_run[x]):
                code = run_op[x, y]
                for _ in range(run_len[x, y]):
                    if code == CIGAR_M:
                        c = read[i]
                        ops[n_ops] = OP_EQ if (c == t[j] and c < 4) else OP_X
                        i += 1
                        j += 1
                    elif code == CIGAR_I:
                        ops[n_ops] = OP_I
                        i += 1
                    elif code == CIGAR_D:
                        ops[n_ops] = OP_D
                        j += 1
                    else:
                        ops[n_ops] = OP_S
                        i += 1
                    n_ops += 1
        else:
            res = extend_one(read, ref, ws[x], we[x], col0[x], pad, a, b, o, e, clip5, clip3, h0,
                             True)
            end_i, end_j, tb, tb_lo = res[1], res[2], res[3], res[4]
            n_ops, qs, ts = affine_traceback(read, t, tb, tb_lo, end_i, end_j, ops)
        r_start[x] = ws[x] + ts
        # text goes to local buffers first, then into the job's room when it fits
        cb = np.empty(4 * n_ops + 16, dtype=np.uint8)
        mb = np.empty(4 * n_ops + 16, dtype=np.uint8)
        # CIGAR: = and X merge into M
        pos = 0
        cur_op = 0
        run = 0
        mismatches = 0
        for y in range(n_ops + 1):
            op = ops[y] if y < n_ops else 0
            code = 0
            if op == OP_EQ or op == OP_X:
                code = CIGAR_M
            elif op == OP_I:
                code = CIGAR_I
            elif op == OP_D:
                code = CIGAR_D
            elif op == OP_S:
                code = CIGAR_S
            if code != cur_op and run > 0:
                pos = _put_int(cb, pos, run)
                cb[pos] = cur_op
                pos += 1
                run = 0
            cur_op = code
            run += 1
            if op == OP_X or op == OP_I or op == OP_D:
                mismatches += 1
        c_len = pos
        nm[x] = mismatches
        # MD: matches run, mismatched reference base, ^deleted bases
        pos = 0
        match_run = 0
        j = ts
        after_del = False
        for y in range(n_ops):
            op = ops[y]
            if op == OP_EQ:
                match_run += 1
                j += 1
                after_del = False
            elif op == OP_X:
                pos = _put_int(mb, pos, match_run)
                mb[pos] = BASES[t[j]]
                pos += 1
                match_run = 0
                j += 1
                after_del = False
            elif op == OP_D:
                if not after_del:
                    pos = _put_int(mb, pos, match_run)
                    mb[pos] = 94  # ^
                    pos += 1
                    match_run = 0
                mb[pos] = BASES[t[j]]
                pos += 1
                j += 1
                after_del = True
            elif op == OP_I:
                after_del = False  # MD has no insertions; a later deletion starts a new ^ run
        pos = _put_int(mb, pos, match_run)
        room = text_off[x + 1] - text_off[x]
        if c_len > room or pos > room:
            cigar_len[x] = -1  # too long for its room: the caller retries with more
            md_len[x] = -1
            continue
        cigar_buf[text_off[x]:text_off[x] + c_len] = cb[:c_len]
        md_buf[text_off[x]:text_off[x] + pos] = mb[:pos]
        cigar_len[x] = c_len
        md_len[x] = pos


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


@njit(cache=True, parallel=True, nogil=True)
def rescue_batch(flat, off, ref, ref_off, reads, strands, ws, we, kr, pad, a, b, o, e, clip5,
                 clip3, h0, score, r_st, r_en, q_st, q_en, win_st, win_en, col0, band, cells,
                 bits, passes):
    """Mate rescue: find read ``reads[x]`` (oriented by ``strands[x]``) inside ``ref[ws:we]``.

    Exact ``kr``-mer matches between the read and the window vote for a diagonal; the best one is
    extended like a seeded candidate. Outputs as ``map_batch`` (one slot per job; ``score`` NEG
    when nothing was found).
    """
    for x in prange(reads.shape[0]):
        score[x] = NEG
        read = flat[off[reads[x]]:off[reads[x] + 1]]
        if strands[x]:
            read = revcomp(read)
        m = read.shape[0]
        w0 = ws[x]
        w1 = we[x]
        if m < kr or w1 - w0 < kr:
            continue
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
            continue
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
        diag = w0 + best_d
        c = contig_at(ref_off, min(max(diag + m // 2, 0), ref_off[-1] - 1))
        s0 = max(diag - pad, ref_off[c])
        s1 = min(diag + m + pad, ref_off[c + 1])
        if s1 - s0 < 1:
            continue
        c0 = min(max(diag - s0, 0), s1 - s0 - 1)
        s, qs, end_i = ungapped(read, ref, diag, s0, s1, a, b, o, e, clip5, clip3)
        if s > NEG:
            ts = diag - s0 + qs
            end_j = diag - s0 + end_i
            bw, nc, nb, np_ = 1, m, 1, 0
        else:
            res = extend_one(read, ref, s0, s1, c0, pad, a, b, o, e, clip5, clip3, h0, True)
            s, end_i, end_j, tb, tb_lo, bw, nc, nb, np_ = res
            if s <= NEG:
                continue
            ops = np.empty(m + (s1 - s0) + 1, dtype=np.uint8)
            _, qs, ts = affine_traceback(read, ref[s0:s1], tb, tb_lo, end_i, end_j, ops)
        score[x] = s
        r_st[x] = s0 + ts
        r_en[x] = s0 + end_j
        q_st[x] = qs
        q_en[x] = end_i
        win_st[x] = s0
        win_en[x] = s1
        col0[x] = c0
        band[x] = bw
        cells[x] = nc
        bits[x] = nb
        passes[x] = np_
