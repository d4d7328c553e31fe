"""Eight bytes at a time: common prefixes and suffixes of code arrays, and unaligned loads.

Used where a pair's equal ends are trimmed before a DP (``bitpar.fast_edit``) and, on raw text,
by ``pimalign.editdist.textbatch``. A position counts as common when both codes are equal and below
``ncode`` (they match), exactly as the byte-by-byte loops they replace.

The match rule is ``ncode``'s: 4 (bases match) or 5 (N matches N too) on codes, or the same
with the ``RAW`` flag on text already checked to hold only ``ACGTN`` in either case (letters
match when equal but for case; an N as ``ncode`` says). ``waves`` takes either.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.cpython.unsafe.numbers import leading_zeros, trailing_zeros
from numba.extending import intrinsic

_BIT0 = np.uint64(0x0101010101010101)
_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_HIGH = np.uint64(0x8080808080808080)
_ABOVE3 = np.uint64(0xFCFCFCFCFCFCFCFC)
_ABOVE7 = np.uint64(0xF8F8F8F8F8F8F8F8)
_ONE = np.uint64(1)
_THREE = np.uint64(3)
_SIXTY_FOUR = np.uint64(64)
_FOLD = np.uint64(0xDFDFDFDFDFDFDFDF)  # clears bit 5: lower case to upper case
_BYTES_N = np.uint64(0x4E4E4E4E4E4E4E4E)
RAW = 8  # ncode flag: bytes are checked ASCII bases, not codes


@intrinsic
def load_word(typingctx, address):
    """The eight bytes at ``address`` (an int64, any alignment) as one little-endian uint64."""
    sig = types.uint64(types.int64)

    def codegen(context, builder, signature, args):
        pointer = builder.inttoptr(args[0], ir.IntType(64).as_pointer())
        return builder.load(pointer, align=1)

    return sig, codegen


@njit(cache=True, nogil=True, inline="always")
def zero_bytes(y):
    """The high bit of every byte of ``y`` that is zero (exact: no carry crosses bytes)."""
    return ~(((y & _LOW7) + _LOW7) | y) & _HIGH


@njit(cache=True, nogil=True, inline="always")
def unmatchable(word, ncode):
    """Nonzero in each byte of ``word`` that cannot match under ``ncode``'s rule (a code
    ``>= ncode``; on ``RAW`` text an N unless N matches), zero in the others."""
    if ncode == 4:
        return word & _ABOVE3
    if ncode == 5:
        # among 0..7, a code is 5, 6 or 7 when bit 2 is set with bit 0 or bit 1
        return (word & _ABOVE7) | ((word >> np.uint64(2)) & (word | (word >> np.uint64(1))) & _BIT0)
    if ncode == RAW | 4:
        return zero_bytes((word & _FOLD) ^ _BYTES_N)  # an N or n
    return np.uint64(0)  # RAW | 5: every checked base matches its equal


@njit(cache=True, nogil=True, inline="always")
def differ(a, b, ncode):
    """Nonzero in each byte where words ``a`` and ``b`` hold different bases (case aside on
    ``RAW`` text)."""
    if ncode & RAW:
        return (a ^ b) & _FOLD
    return a ^ b


@njit(cache=True, nogil=True, inline="always")
def bases_match(a, b, ncode):
    """Whether single bytes ``a`` and ``b`` match under ``ncode``'s rule."""
    if ncode & RAW:
        return ((a ^ b) & 0xDF) == 0 and (ncode != RAW | 4 or (a & 0xDF) != 78)
    return a == b and a < ncode


@njit(cache=True, nogil=True, inline="always")
def codes_match(word, ncode):
    """Whether all eight codes are below ``ncode`` (4: bases only; 5: N too)."""
    return unmatchable(word, ncode) == 0


@njit(cache=True, nogil=True)
def common_prefix(q, t, ncode):
    """Leading positions where ``q`` and ``t`` hold equal codes below ``ncode``."""
    lim = min(q.shape[0], t.shape[0])
    pre = 0
    if ncode <= 5 and lim >= 8:
        qa = q.ctypes.data
        ta = t.ctypes.data
        while pre + 8 <= lim:
            word = load_word(qa + pre)
            bad = (word ^ load_word(ta + pre)) | unmatchable(word, ncode)
            if bad != 0:  # the first differing byte is the lowest set one
                return pre + np.int64(trailing_zeros(bad) >> _THREE)
            pre += 8
        # the last 1..7 positions: the word ending at ``lim``, shifted past what is known
        shift = np.uint64(8 * (pre - lim + 8))
        word = load_word(qa + lim - 8) >> shift
        bad = ((word ^ (load_word(ta + lim - 8) >> shift)) | unmatchable(word, ncode)) | (
            _ONE << (_SIXTY_FOUR - shift)
        )
        return pre + np.int64(trailing_zeros(bad) >> _THREE)
    while pre < lim and q[pre] == t[pre] and q[pre] < ncode:
        pre += 1
    return pre


@njit(cache=True, nogil=True)
def common_suffix(q, t, ncode, lim):
    """Trailing positions (at most ``lim``) where ``q`` and ``t`` hold equal codes below
    ``ncode``."""
    m = q.shape[0]
    n = t.shape[0]
    suf = 0
    if ncode <= 5 and min(m, n) >= 8:
        qa = q.ctypes.data
        ta = t.ctypes.data
        while suf < lim:
            if min(m, n) - suf < 8:  # fewer than eight codes left before one of the starts
                break
            word = load_word(qa + m - suf - 8)
            bad = (word ^ load_word(ta + n - suf - 8)) | unmatchable(word, ncode)
            if bad != 0:  # the last position is the word's top byte
                return min(lim, suf + np.int64(leading_zeros(bad) >> _THREE))
            suf += 8
        if suf >= lim:
            return lim
    while suf < lim and q[m - 1 - suf] == t[n - 1 - suf] and q[m - 1 - suf] < ncode:
        suf += 1
    return suf


@njit(cache=True, nogil=True)
def text_suffix(q, t, ncode, lim):
    """``common_suffix`` under any ``ncode`` rule, ``RAW`` text included (kept apart: the codes'
    version is small enough to be inlined where NW distances trim, and that is 5% of them)."""
    m = q.shape[0]
    n = t.shape[0]
    suf = 0
    if min(m, n) >= 8:
        qa = q.ctypes.data
        ta = t.ctypes.data
        while suf < lim:
            if min(m, n) - suf < 8:  # fewer than eight codes left before one of the starts
                break
            word = load_word(qa + m - suf - 8)
            bad = differ(word, load_word(ta + n - suf - 8), ncode) | unmatchable(word, ncode)
            if bad != 0:  # the last position is the word's top byte
                return min(lim, suf + np.int64(leading_zeros(bad) >> _THREE))
            suf += 8
        if suf >= lim:
            return lim
    while suf < lim and bases_match(q[m - 1 - suf], t[n - 1 - suf], ncode):
        suf += 1
    return suf
