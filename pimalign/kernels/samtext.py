"""CIGAR and MD text of chosen candidate alignments, and their NM (Numba).

A job is one (read, candidate) pair. Its path is rebuilt the cheapest exact way: ungapped
alignments (``passes`` 0) from their diagonal, alignments whose CIGAR runs were kept by
``mapping.map_batch`` by replaying them, the rest by running the same extension again with
traceback. Text is ASCII in caller-supplied buffers.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .affine import OP_S, affine_traceback
from .edit import OP_D, OP_EQ, OP_I, OP_X
from .extension import (
    CIGAR_D,
    CIGAR_I,
    CIGAR_M,
    extend_one,
    orient_scoring,
    revcomp,
    sam_op,
    ungapped_ops,
)
from .mapping import F_DHI, F_DLO, F_PASSES, F_QEN, F_QST, F_RST, F_STRAND, F_WEN, F_WST
from .packed import window_codes

BASES = np.frombuffer(b"ACGTN", dtype=np.uint8)
(L_CIGAR, L_MD, L_NM, L_START) = range(4)  # rows of the ``lens`` output


@njit(cache=True, nogil=True)
def put_int(buf, pos, value):
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


@njit(cache=True, nogil=True)
def _replay(read, t, ts, run_op, run_len, n_run, ops):
    """Ops of kept SAM runs (M split into = and X against ``t`` from column ``ts``)."""
    n_ops = 0
    i = 0
    j = ts
    for y in range(n_run):
        code = run_op[y]
        for _ in range(run_len[y]):
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
    return n_ops


@njit(cache=True, nogil=True)
def job_ops(read, t, cand, run_op, run_len, n_run, pad, band, sc, ops):
    """Path of one candidate (``cand``: its ``FIELDS`` values) of the oriented ``read`` in its
    window ``t``; returns ``(n_ops, t_start)`` with ``t_start`` in window coordinates."""
    ws = cand[F_WST]
    if cand[F_PASSES] == 0:
        d = cand[F_RST] - cand[F_QST] - ws
        return ungapped_ops(read, t, d, cand[F_QST], cand[F_QEN], ops), d + cand[F_QST]
    if n_run >= 0:
        ts = cand[F_RST] - ws
        return _replay(read, t, ts, run_op, run_len, n_run, ops), ts
    res = extend_one(read, t, cand[F_DLO], cand[F_DHI], pad, sc, band, True)
    n_ops, _, ts = affine_traceback(read, t, res[3], res[4], res[1], res[2], ops)
    return n_ops, ts


@njit(cache=True, nogil=True)
def cigar_text(ops, n_ops, buf):
    """SAM CIGAR (= and X merged into M) into ``buf``; returns ``(length, NM)``."""
    pos = 0
    cur = 0
    run = 0
    edits = 0
    for y in range(n_ops + 1):
        code = sam_op(ops[y]) if y < n_ops else 0
        if code != cur and run > 0:
            pos = put_int(buf, pos, run)
            buf[pos] = cur
            pos += 1
            run = 0
        cur = code
        run += 1
        if y < n_ops and (ops[y] == OP_X or ops[y] == OP_I or ops[y] == OP_D):
            edits += 1
    return pos, edits


@njit(cache=True, nogil=True)
def md_text(ops, n_ops, t, ts, buf):
    """SAM MD (match counts, mismatched reference bases, ``^`` deleted bases) into ``buf``."""
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
            pos = put_int(buf, pos, match_run)
            buf[pos] = BASES[t[j]]
            pos += 1
            match_run = 0
            j += 1
            after_del = False
        elif op == OP_D:
            if not after_del:
                pos = put_int(buf, pos, match_run)
                buf[pos] = 94  # ^
                pos += 1
                match_run = 0
            buf[pos] = BASES[t[j]]
            pos += 1
            j += 1
            after_del = True
        elif op == OP_I:
            after_del = False  # MD has no insertions; a later deletion starts a new ^ run
    return put_int(buf, pos, match_run)


@njit(cache=True, nogil=True)
def alignment_text(
    flat,
    off,
    ref,
    reads,
    cand,
    run_op,
    run_len,
    n_run,
    pad,
    band,
    sc,
    text_off,
    cigar_buf,
    md_buf,
    lens,
    lo,
    hi,
):
    """CIGAR and MD of job ``x`` (read ``reads[x]``, candidate ``cand[x]``: its ``FIELDS``) into
    ``cigar_buf``/``md_buf`` from ``text_off[x]``; ``lens[:, x]`` gets the CIGAR and MD lengths
    (-1 both when the text does not fit its room up to ``text_off[x + 1]``: the caller retries
    with more), NM and the 0-based concatenated reference start. Jobs ``lo..hi-1``
    (``threadrun.run_ranges`` over ``reads.shape[0]``)."""
    for x in range(lo, hi):
        read = flat[off[reads[x]] : off[reads[x] + 1]]
        strand = cand[x, F_STRAND]
        if strand:
            read = revcomp(read)
        ws, we = cand[x, F_WST], cand[x, F_WEN]
        ops = np.empty(read.shape[0] + (we - ws) + 1, dtype=np.uint8)
        t = window_codes(ref, ws, we)
        n_ops, ts = job_ops(
            read,
            t,
            cand[x],
            run_op[x],
            run_len[x],
            n_run[x],
            pad,
            band,
            orient_scoring(sc, strand),
            ops,
        )
        lens[L_START, x] = ws + ts
        cb = np.empty(4 * n_ops + 16, dtype=np.uint8)
        mb = np.empty(4 * n_ops + 16, dtype=np.uint8)
        c_len, edits = cigar_text(ops, n_ops, cb)
        m_len = md_text(ops, n_ops, t, ts, mb)
        lens[L_NM, x] = edits
        room = text_off[x + 1] - text_off[x]
        if c_len > room or m_len > room:
            lens[L_CIGAR, x] = -1
            lens[L_MD, x] = -1
            continue
        cigar_buf[text_off[x] : text_off[x] + c_len] = cb[:c_len]
        md_buf[text_off[x] : text_off[x] + m_len] = mb[:m_len]
        lens[L_CIGAR, x] = c_len
        lens[L_MD, x] = m_len
