"""Read a list of Python ``str`` in place, without a serial Python pass: each string's address
and length, straight from CPython's objects.

CPython stores an ASCII-only ``str`` as one compact object: a fixed header, then its characters,
one byte each (PEP 393), and a list as an array of object pointers. ``addresses_and_lengths``
hands Numba the list's pointer array; a loop (parallel for long lists) checks every object (its
type is exactly ``str``, its state says compact ASCII) and reads its length. The characters
then start ``HEADER`` bytes after each address (``byte_pointer``): ``alphabet.gather_str``
translates them into codes and ``textbatch`` aligns them as they are. No Python code runs per
string and nothing is copied through a joined string. The list must not change while they run
(the caller holds it; the kernels release the GIL).

The layout is probed once at import on a known string; where it does not hold (another Python
implementation or version, a changed layout) ``available()`` is False and callers use
``alphabet.encode_many``'s own path. Objects that are not plain ASCII ``str`` (bytes, a str
subclass, non-ASCII text) make ``addresses_and_lengths`` return ``None`` so the caller falls back
as well, keeping the exact error messages of ``encode_many``. This module knows nothing of the
encoding (``alphabet``): it imports nothing else of the package.
"""

from __future__ import annotations

import ctypes
import sys

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic

HEADER = _HEADER = sys.getsizeof("") - 1  # bytes before a compact ASCII string's first character
_TYPE_AT = 8  # PyObject_HEAD: reference count, then the type pointer
_LENGTH_AT = 16  # PyASCIIObject.length
_STATE_AT = 32  # PyASCIIObject.state: interned (2 bits), kind (3), compact (1), ascii (1)
_COMPACT_ASCII = 0b1100000  # compact and ascii bits
_KIND_MASK = 0b11100
_KIND_1BYTE = 0b00100
_ITEMS_AT = 24  # PyListObject.ob_item: the list's array of object pointers
MIN_PARALLEL = 1 << 14  # fewer strings than this: one thread (no thread start-up)


@intrinsic
def byte_pointer(typingctx, address):
    """An ``int64`` address as a pointer to bytes."""
    sig = types.CPointer(types.uint8)(types.int64)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(types.CPointer(types.uint8)))

    return sig, codegen


@njit(cache=True, nogil=True, inline="always")
def _load_i64(p, offset):
    value = np.int64(0)
    for b in range(8):
        value |= np.int64(p[offset + b]) << np.int64(8 * b)
    return value


@njit(cache=True, nogil=True, inline="always")
def _str_length(address, str_type):
    """The length of the compact ASCII ``str`` at ``address``, or -1 if it is not one."""
    p = byte_pointer(address)
    if _load_i64(p, _TYPE_AT) != str_type:
        return -1
    state = p[_STATE_AT]
    if (state & _COMPACT_ASCII) != _COMPACT_ASCII or (state & _KIND_MASK) != _KIND_1BYTE:
        return -1
    return _load_i64(p, _LENGTH_AT)


@njit(cache=True, nogil=True, parallel=True)
def _lengths_parallel(items, addresses, str_type, out):
    """Each list item's address (read from the list's pointer array at ``items``) and
    length (-1: not a compact ASCII ``str``)."""
    p = byte_pointer(items)
    for i in prange(addresses.shape[0]):
        addresses[i] = _load_i64(p, 8 * i)
        out[i] = _str_length(addresses[i], str_type)


@njit(cache=True, nogil=True)
def _lengths_serial(items, addresses, str_type, out):
    p = byte_pointer(items)
    for i in range(addresses.shape[0]):
        addresses[i] = _load_i64(p, 8 * i)
        out[i] = _str_length(addresses[i], str_type)


def _probe() -> bool:
    """Whether this interpreter lays out compact ASCII strings as assumed."""
    if sys.implementation.name != "cpython":
        return False
    sample = "".join(["ACGT", "nacgt"])  # built at run time: not a shared constant
    pair = [sample, "x" + sample]
    try:
        items = ctypes.c_void_p.from_address(id(pair) + _ITEMS_AT).value
        listed = [ctypes.c_void_p.from_address(items + 8 * i).value for i in range(2)]
        raw = ctypes.string_at(id(sample) + _HEADER, len(sample))
        state = ctypes.string_at(id(sample) + _STATE_AT, 1)[0]
        length = ctypes.c_ssize_t.from_address(id(sample) + _LENGTH_AT).value
        kind = ctypes.c_void_p.from_address(id(sample) + _TYPE_AT).value
    except (OSError, ValueError):
        return False
    return (
        listed == [id(x) for x in pair]
        and raw == b"ACGTnacgt"
        and length == len(sample)
        and kind == id(str)
        and (state & _COMPACT_ASCII) == _COMPACT_ASCII
        and (state & _KIND_MASK) == _KIND_1BYTE
    )


_AVAILABLE = _probe()


def available() -> bool:
    return _AVAILABLE


def addresses_and_lengths(seqs):
    """``(addresses, lengths)`` of a list of compact ASCII ``str`` read in place, or None."""
    if not _AVAILABLE or not isinstance(seqs, list) or not seqs:
        return None
    n = len(seqs)
    items = ctypes.c_void_p.from_address(id(seqs) + _ITEMS_AT).value
    addresses = np.empty(n, dtype=np.int64)
    lengths = np.empty(n, dtype=np.int64)
    parallel = n >= MIN_PARALLEL
    (_lengths_parallel if parallel else _lengths_serial)(items, addresses, id(str), lengths)
    return None if lengths.min() < 0 else (addresses, lengths)
