"""Nucleotide encoding shared by every room of the package.

Codes: A=0, C=1, G=2, T=3, N=4 (case-insensitive). Any other byte is rejected with a
``SequenceError`` (a ``ValueError``) that names the character, its 0-based position and, in a
batch, the record.

How N scores is decided by the kernels' ``ncode`` argument: two codes match when they are equal
and below ``ncode``. ``ncode=4`` (the default, as bwa does) makes N mismatch everything, N
included; ``ncode=5`` compares N literally (N matches N), as edlib does.

A list of plain ASCII ``str`` is encoded in place (``gather_str``: the strings' own bytes, found
through CPython's objects by ``editdist.strbuf``, translated on threads), anything else through
one joined copy; both give the same codes and the same errors.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .editdist import strbuf
from .editdist.strbuf import byte_pointer

A, C, G, T, N = 0, 1, 2, 3, 4
INVALID = 255
NCODE_MISMATCH = 4  # N mismatches everything (bwa)
NCODE_LITERAL = 5  # N matches N (edlib)

_ENCODE = np.full(256, INVALID, dtype=np.uint8)
for _i, _ch in enumerate("ACGTN"):
    _ENCODE[ord(_ch)] = _i
    _ENCODE[ord(_ch.lower())] = _i
# Reads and references: IUPAC ambiguity codes become N, as bwa treats them.
_ENCODE_IUPAC = _ENCODE.copy()
for _ch in "RYKMSWBDHVU":
    _ENCODE_IUPAC[ord(_ch)] = _ENCODE_IUPAC[ord(_ch.lower())] = 4
_ENCODE_IUPAC[ord("U")] = _ENCODE_IUPAC[ord("u")] = 3  # RNA U reads as T
_DECODE = np.frombuffer(b"ACGTN", dtype=np.uint8)
_COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)
# The same complement on text (IUPAC codes to their complements), for str.translate.
COMPLEMENT_TEXT = str.maketrans("ACGTNRYKMSWBDHVacgtn", "TGCANYRMKSWVHDBtgcan")


class SequenceError(ValueError):
    """A sequence that cannot be encoded: ``problem`` in words, ``record`` (0-based index in a
    batch, None for one sequence), ``position`` and ``char`` of the offending character (None
    when the sequence is not text at all)."""

    def __init__(
        self,
        problem: str,
        record: int | None = None,
        position: int | None = None,
        char: str | None = None,
    ):
        self.problem, self.record, self.position, self.char = problem, record, position, char
        super().__init__(problem if record is None else f"record {record}: {problem}")

    @classmethod
    def bad_char(cls, char: str, position: int, record: int | None = None) -> "SequenceError":
        return cls(f"invalid character {char!r} at position {position}", record, position, char)


@njit(cache=True, nogil=True)
def _translate(raw, table):
    """``table[raw]`` in one pass, plus the index of the first invalid byte (-1 if none)."""
    out = np.empty(raw.shape[0], dtype=np.uint8)
    first_bad = -1
    for x in range(raw.shape[0]):
        code = table[raw[x]]
        out[x] = code
        if code == INVALID and first_bad < 0:
            first_bad = x
    return out, first_bad


@njit(cache=True, nogil=True, inline="always")
def translate_one(address, header, table, flat, start, stop):
    """Codes of one string read in place (its bytes from ``address + header``, ``strbuf``) into
    ``flat[start:stop]``; the first invalid position or -1."""
    p = byte_pointer(address + header)
    seen = np.uint8(0)
    for x in range(stop - start):  # branch-free; invalid bytes are found only when present
        code = table[p[x]]
        flat[start + x] = code
        seen |= code
    if seen != INVALID and (seen & 0x80) == 0:
        return -1
    for x in range(stop - start):
        if flat[start + x] == INVALID:
            return x
    return -1


@njit(cache=True, nogil=True, parallel=True)
def _translate_parallel(addresses, offsets, header, table, flat, bad):
    for i in prange(addresses.shape[0]):
        bad[i] = translate_one(addresses[i], header, table, flat, offsets[i], offsets[i + 1])


@njit(cache=True, nogil=True)
def _translate_serial(addresses, offsets, header, table, flat, bad):
    for i in range(addresses.shape[0]):
        bad[i] = translate_one(addresses[i], header, table, flat, offsets[i], offsets[i + 1])


def gather_str(seqs, table: np.ndarray):
    """``(flat codes, offsets, first invalid (record, position) or None)`` of a list of ASCII
    ``str`` read in place (``editdist.strbuf``), or ``None`` when some item is not one (the caller
    then encodes it the plain way, which names the record)."""
    got = strbuf.addresses_and_lengths(seqs)
    if got is None:
        return None
    addresses, lengths = got
    n = lengths.shape[0]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.empty(int(offsets[-1]), dtype=np.uint8)
    bad = np.empty(n, dtype=np.int64)
    translate = _translate_parallel if n >= strbuf.MIN_PARALLEL else _translate_serial
    translate(addresses, offsets, strbuf.HEADER, table, flat, bad)
    # ``seqs`` holds every string alive until here: the addresses stayed valid throughout
    first = None
    if bad.max() >= 0:
        record = int(np.argmax(bad >= 0))
        first = (record, int(bad[record]))
    return flat, offsets, first


def _as_bytes(seq: str | bytes, record: int | None = None) -> bytes:
    if isinstance(seq, str):
        try:
            return seq.encode("ascii")
        except UnicodeEncodeError as err:
            raise SequenceError.bad_char(seq[err.start], err.start, record) from None
    try:
        return bytes(seq)
    except (TypeError, ValueError) as err:
        raise SequenceError(f"not a sequence ({err})", record) from None


def encode(seq: str | bytes) -> np.ndarray:
    """Encode one sequence (str or bytes) into a new uint8 array of codes 0..4."""
    raw = _as_bytes(seq)
    codes = _ENCODE[np.frombuffer(raw, dtype=np.uint8)]
    if codes.size and codes.max() == INVALID:
        pos = int(np.argmax(codes == INVALID))
        raise SequenceError.bad_char(chr(raw[pos]), pos)
    return codes


def encode_many(seqs, iupac: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Pack sequences into one flat uint8 code array plus int64 offsets (len(seqs)+1).

    ``iupac=True`` accepts the IUPAC ambiguity codes (R, Y, K, M, S, W, B, D, H, V) as N and U
    as T, as the mapper does for reads and references.

    Sequence ``i`` is ``flat[offsets[i]:offsets[i+1]]``. Raises ``SequenceError`` naming the
    record (0-based index), the character and its position inside the record.
    """
    seqs = seqs if isinstance(seqs, list) else list(seqs)
    if seqs and type(seqs[0]) is str:
        got = gather_str(seqs, _ENCODE_IUPAC if iupac else _ENCODE)
        if got is not None:
            flat, offsets, bad = got
            if bad is not None:
                rec, pos = bad
                raise SequenceError.bad_char(seqs[rec][pos], pos, rec)
            return flat, offsets
    try:
        if seqs and isinstance(seqs[0], str):
            raw = "".join(seqs).encode("ascii")
        else:
            raw = b"".join(seqs)
    except (UnicodeEncodeError, TypeError):
        # Mixed types or non-ASCII text: convert one by one, which names the record.
        seqs = [_as_bytes(s, i) for i, s in enumerate(seqs)]
        raw = b"".join(seqs)
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs)), out=offsets[1:])
    flat, pos = _translate(np.frombuffer(raw, dtype=np.uint8), _ENCODE_IUPAC if iupac else _ENCODE)
    if pos >= 0:
        rec = int(np.searchsorted(offsets, pos, side="right") - 1)
        within = pos - int(offsets[rec])
        raise SequenceError.bad_char(chr(raw[pos]), within, rec)
    return flat, offsets


def decode(codes: np.ndarray) -> str:
    """Turn codes 0..4 back into an upper-case string."""
    return _DECODE[codes].tobytes().decode("ascii")


def reverse_complement(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of encoded bases (N stays N)."""
    return _COMPLEMENT[codes[::-1]]


def repack(flat: np.ndarray, off: np.ndarray, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sequences ``sel`` of a packed batch, packed anew."""
    lengths = off[sel + 1] - off[sel]
    new_off = np.zeros(sel.shape[0] + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_off[1:])
    gather = np.repeat(off[sel] - new_off[:-1], lengths) + np.arange(new_off[-1], dtype=np.int64)
    return flat[gather], new_off
