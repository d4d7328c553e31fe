"""Edit distances of Python ``str`` pairs read in place (``strbuf``): no serial Python pass.

Each block of pairs runs on one thread. For NW and SHW distances (and their locations) a pair's
common prefix and suffix are first found on the raw bytes, eight at a time: equal bytes that are
all bases (``A C G T`` either case, and ``N`` when N matches N) are equal codes below ``ncode``,
exactly the prefix and suffix ``bitpar.fast_edit`` trims. Only the middle is translated, and
``fast_edit`` answers on it what it answers on the whole pair (the same band, cells and ends).
HW distances are not translated at all while the wavefront decides them: it compares the text's
bytes themselves once they are known to be bases (``wordscan.RAW``: the same match rule).
Pairs these cannot decide, CIGARs, HW locations and pairs with an empty sequence are translated
whole (into one pair's buffer, which stays in L1) and go through ``kernels.batch.edit_one`` as
pre-encoded pairs do; the results are identical either way.
"""

from __future__ import annotations

import numpy as np
from numba import carray, njit, prange

from ..alphabet import translate_one
from ..kernels.batch import (
    BLOCK,
    _diagonal_one,
    _put_word,
    _word_one,
    block_runs,
    edit_one,
    needs_traceback,
    put_line,
    scratch_for,
)
from ..kernels.bitpar import fast_edit, wave_paused
from ..kernels.options import (
    MODE_HW,
    MODE_NW,
    TASK_DISTANCE,
    TASK_LOCATIONS,
    TASK_PATH,
    EditParams,
)
from ..kernels.wordscan import RAW, load_word, zero_bytes
from .strbuf import byte_pointer

_ALL_HIGH = np.uint64(0x8080808080808080)  # every byte matched one of the bases
_FOLD = np.uint64(0xDFDFDFDFDFDFDFDF)  # clears bit 5: lower case to upper case
_BYTES_A = np.uint64(0x4141414141414141)
_BYTES_C = np.uint64(0x4343434343434343)
_BYTES_G = np.uint64(0x4747474747474747)
_BYTES_T = np.uint64(0x5454545454545454)
_BYTES_N = np.uint64(0x4E4E4E4E4E4E4E4E)


@njit(cache=True, nogil=True, inline="always")
def _all_bases(word, literal_n):
    """Whether all eight bytes are A, C, G or T in either case (or N, with ``literal_n``)."""
    f = word & _FOLD
    z = zero_bytes(f ^ _BYTES_A) | zero_bytes(f ^ _BYTES_C)
    z |= zero_bytes(f ^ _BYTES_G) | zero_bytes(f ^ _BYTES_T)
    if literal_n:
        z |= zero_bytes(f ^ _BYTES_N)
    return z == _ALL_HIGH


@njit(cache=True, nogil=True)
def raw_prefix(qa, ta, lim, table, ncode):
    """Leading positions (at most ``lim``) of the texts at ``qa``/``ta`` whose bytes are equal
    and encode below ``ncode``."""
    pre = 0
    literal_n = ncode > 4
    while pre + 8 <= lim:
        word = load_word(qa + pre)
        if word != load_word(ta + pre) or not _all_bases(word, literal_n):
            break
        pre += 8
    q = byte_pointer(qa)
    t = byte_pointer(ta)
    while pre < lim and q[pre] == t[pre] and table[q[pre]] < ncode:
        pre += 1
    return pre


@njit(cache=True, nogil=True)
def raw_suffix(qa, m, ta, n, lim, table, ncode):
    """``raw_prefix`` from the ends of texts of lengths ``m`` and ``n``."""
    suf = 0
    literal_n = ncode > 4
    while suf + 8 <= lim:
        word = load_word(qa + m - suf - 8)
        if word != load_word(ta + n - suf - 8) or not _all_bases(word, literal_n):
            break
        suf += 8
    q = byte_pointer(qa)
    t = byte_pointer(ta)
    while suf < lim and q[m - 1 - suf] == t[n - 1 - suf] and table[q[m - 1 - suf]] < ncode:
        suf += 1
    return suf


@njit(cache=True, nogil=True)
def _trimmed_one(p, qa, m, ta, n, table, par, out, bad_q, bad_t, qb, tb, scratch):
    """Pair ``p`` through ``fast_edit`` on its middle; False when that cannot decide it (or it
    has an invalid character: ``bad_q``/``bad_t`` then say where)."""
    lim = min(m, n)
    pre = raw_prefix(qa, ta, lim, table, par.ncode)
    suf = 0
    if par.mode == MODE_NW:
        suf = raw_suffix(qa, m, ta, n, lim - pre, table, par.ncode)
    mm = m - pre - suf
    nn = n - pre - suf
    bq = translate_one(qa + pre, 0, table, qb, 0, mm)
    bt = translate_one(ta + pre, 0, table, tb, 0, nn)
    bad_q[p] = bq + pre if bq >= 0 else -1
    bad_t[p] = bt + pre if bt >= 0 else -1
    if bq >= 0 or bt >= 0:
        return False
    d, end_j, band, cells = fast_edit(
        qb[:mm], tb[:nn], par.mode, par.k, par.ncode, scratch.maps, scratch.reach
    )
    if d == -2:
        return False
    end = n if par.mode == MODE_NW else end_j + pre
    _put_word(out, p, d, end, 0 if par.task == TASK_LOCATIONS else -1, band, cells)
    return True


_BASE_BITS = np.uint32(0x82045)  # bits 0, 2, 6, 13 and 19: A, C, G, N and T less 65


@njit(cache=True, nogil=True)
def _bases_only(address, length):
    """Whether the ``length`` bytes at ``address`` are all A, C, G, T or N, in either case
    (one test a byte, no branch: the compiler runs it on vectors)."""
    p = byte_pointer(address)
    bad = np.uint32(0)
    for x in range(length):
        f = np.uint32(p[x] & 0xDF) - np.uint32(65)  # above 31 for anything below "A"
        bad |= (f >> np.uint32(5)) | (~(_BASE_BITS >> (f & np.uint32(31))) & np.uint32(1))
    return bad == 0


@njit(cache=True, nogil=True)
def _from_text(p, qa, m, ta, n, par, raw, out, runs, scratch):
    """Pair ``p`` (an HW distance, a CIGAR or an HW start) from its text itself when both hold
    only bases: the wavefront, and for NW CIGARs the diagonal route first, compare the bytes
    (``raw``: ``par`` with the ``wordscan.RAW`` rule). The caller asks only for non-empty texts
    while the wavefront does not rest. Returns 1 when that decided the pair; 0 for a text with
    another character (the usual routes then name it); -1 when it could not decide: the caller
    translates the pair and takes ``edit_one``'s routes with the wavefront off (it has just
    failed)."""
    if not _bases_only(qa, m) or not _bases_only(ta, n):
        return 0
    q = carray(byte_pointer(qa), m)
    t = carray(byte_pointer(ta), n)
    if par.task == TASK_DISTANCE:  # HW: fast_edit trims nothing there
        d, end_j, band, cells = fast_edit(
            q, t, MODE_HW, par.k, raw.ncode, scratch.maps, scratch.reach
        )
        if d == -2:
            return -1
        _put_word(out, p, d, end_j, -1, band, cells)
        return 1
    runs.count[p] = 0
    if par.mode == MODE_NW and par.task == TASK_PATH and _diagonal_one(p, q, t, raw, out, runs):
        return 1
    return 1 if _word_one(p, q, t, raw, out, runs, scratch, True) else -1


def text_first(par) -> bool:
    """Whether ``par``'s task reads the text itself first (``edit_batch_from_text``): HW
    distances and everything with a traceback; NW and SHW distances trim the text instead."""
    hw_distance = par.task == TASK_DISTANCE and par.mode == MODE_HW
    return bool(par.bitparallel) and (needs_traceback(par) or hw_distance)


@njit(cache=True, nogil=True)
def _block_scratch(q_len, t_len, first, stop, at_zero, count):
    """A block's buffers: one pair's codes (``qb``, ``tb``: they stay in L1), ``Scratch`` and
    ``Runs`` (``kernels.batch``) for its longest query and target."""
    max_m = max(q_len[first:stop].max(), 1)
    max_n = max(t_len[first:stop].max(), 1)
    scratch = scratch_for(max_m, max_n)
    runs = block_runs(scratch, at_zero, count)
    return np.empty(max_m, dtype=np.uint8), np.empty(max_n, dtype=np.uint8), scratch, runs


@njit(cache=True, parallel=True, nogil=True)
def edit_batch_text(q_addr, q_len, t_addr, t_len, header, table, par, out, lines, bad_q, bad_t):
    """``kernels.batch.edit_batch`` (``par``, ``out``, ``lines`` as there) on ``str`` objects at
    ``q_addr``/``t_addr`` (``strbuf``; the characters start ``header`` bytes in) of lengths
    ``q_len``/``t_len``, for the tasks that do not read the text first (``text_first``). A pair
    with an invalid character is skipped: ``bad_q``/``bad_t`` hold its first invalid position
    (-1: none) and the caller raises."""
    n_pairs = q_addr.shape[0]
    n_blocks = (n_pairs + BLOCK - 1) // BLOCK
    trim = par.bitparallel and not needs_traceback(par) and par.mode != MODE_HW
    at_zero = np.zeros(n_pairs, dtype=np.int64)
    count = np.zeros(n_pairs, dtype=np.int64)
    for blk in prange(n_blocks):
        first, stop = blk * BLOCK, min(n_pairs, (blk + 1) * BLOCK)
        qb, tb, scratch, runs = _block_scratch(q_len, t_len, first, stop, at_zero, count)
        pos = lines.room[first] if par.task == TASK_PATH else 0
        for p in range(first, stop):
            m, n = q_len[p], t_len[p]
            qa, ta = q_addr[p] + header, t_addr[p] + header
            if trim and m > 0 and n > 0:
                if _trimmed_one(p, qa, m, ta, n, table, par, out, bad_q, bad_t, qb, tb, scratch):
                    continue
                if bad_q[p] >= 0 or bad_t[p] >= 0:
                    continue
            bad_q[p] = translate_one(qa, 0, table, qb, 0, m)
            bad_t[p] = translate_one(ta, 0, table, tb, 0, n)
            if bad_q[p] < 0 and bad_t[p] < 0:
                edit_one(p, qb[:m], tb[:n], par, out, runs, scratch, True)
            if par.task == TASK_PATH:  # (the trimmed route above is never taken for paths)
                pos = put_line(p, runs, lines, pos)


@njit(cache=True, parallel=True, nogil=True)
def edit_batch_from_text(
    q_addr, q_len, t_addr, t_len, header, table, par, out, lines, bad_q, bad_t
):
    """``edit_batch_text`` for the tasks that read the text first (``text_first``): each pair
    goes to ``_from_text`` while the wavefront does not rest, and is translated only when that
    did not decide it. Its own kernel: with both routes in one loop, the NW distances of the
    other kernel ran 7% slower."""
    n_pairs = q_addr.shape[0]
    n_blocks = (n_pairs + BLOCK - 1) // BLOCK
    raw = EditParams(par.mode, par.k, par.ncode | RAW, par.h0, par.task, par.bitparallel)
    at_zero = np.zeros(n_pairs, dtype=np.int64)
    count = np.zeros(n_pairs, dtype=np.int64)
    for blk in prange(n_blocks):
        first, stop = blk * BLOCK, min(n_pairs, (blk + 1) * BLOCK)
        qb, tb, scratch, runs = _block_scratch(q_len, t_len, first, stop, at_zero, count)
        pos = lines.room[first] if par.task == TASK_PATH else 0
        for p in range(first, stop):
            m, n = q_len[p], t_len[p]
            qa, ta = q_addr[p] + header, t_addr[p] + header
            state = 0
            # the checks first: a call with this many arrays costs more than they do
            if m > 0 and n > 0 and not wave_paused(scratch.reach):
                state = _from_text(p, qa, m, ta, n, par, raw, out, runs, scratch)
            if state == 1:
                bad_q[p] = bad_t[p] = -1
            else:
                bad_q[p] = translate_one(qa, 0, table, qb, 0, m)
                bad_t[p] = translate_one(ta, 0, table, tb, 0, n)
                if bad_q[p] < 0 and bad_t[p] < 0:
                    edit_one(p, qb[:m], tb[:n], par, out, runs, scratch, state == 0)
            if par.task == TASK_PATH:
                pos = put_line(p, runs, lines, pos)
