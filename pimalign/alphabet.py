"""Nucleotide encoding shared by every room of the package.

Codes: A=0, C=1, G=2, T=3, N=4 (case-insensitive). Any other byte is rejected with a
``ValueError`` that names the character and its 0-based position.

How N scores is decided by the kernels' ``ncode`` argument: two codes match when they are equal
and below ``ncode``. ``ncode=4`` (the default, as bwa does) makes N mismatch everything, N
included; ``ncode=5`` compares N literally (N matches N), as edlib does.
"""

from __future__ import annotations

import numpy as np

A, C, G, T, N = 0, 1, 2, 3, 4
INVALID = 255
NCODE_MISMATCH = 4  # N mismatches everything (bwa)
NCODE_LITERAL = 5  # N matches N (edlib)

_ENCODE = np.full(256, INVALID, dtype=np.uint8)
for _i, _ch in enumerate("ACGTN"):
    _ENCODE[ord(_ch)] = _i
    _ENCODE[ord(_ch.lower())] = _i
_DECODE = np.frombuffer(b"ACGTN", dtype=np.uint8)
_COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)


def _as_bytes(seq: str | bytes) -> bytes:
    if isinstance(seq, str):
        try:
            return seq.encode("ascii")
        except UnicodeEncodeError as err:
            raise ValueError(
                f"invalid character {seq[err.start]!r} at position {err.start}") from None
    return bytes(seq)


def encode(seq: str | bytes) -> np.ndarray:
    """Encode one sequence (str or bytes) into a new uint8 array of codes 0..4."""
    raw = _as_bytes(seq)
    codes = _ENCODE[np.frombuffer(raw, dtype=np.uint8)]
    if codes.size and codes.max() == INVALID:
        pos = int(np.argmax(codes == INVALID))
        raise ValueError(f"invalid character {chr(raw[pos])!r} at position {pos}")
    return codes


def encode_many(seqs) -> tuple[np.ndarray, np.ndarray]:
    """Pack sequences into one flat uint8 code array plus int64 offsets (len(seqs)+1).

    Sequence ``i`` is ``flat[offsets[i]:offsets[i+1]]``. Raises ``ValueError`` naming the
    record (0-based index), the character and its position inside the record.
    """
    raws = [_checked_bytes(s, i) for i, s in enumerate(seqs)]
    lengths = np.fromiter((len(r) for r in raws), dtype=np.int64, count=len(raws))
    offsets = np.zeros(len(raws) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = _ENCODE[np.frombuffer(b"".join(raws), dtype=np.uint8)]
    if flat.size and flat.max() == INVALID:
        pos = int(np.argmax(flat == INVALID))
        rec = int(np.searchsorted(offsets, pos, side="right") - 1)
        within = pos - int(offsets[rec])
        raise ValueError(f"record {rec}: invalid character {chr(raws[rec][within])!r} "
                         f"at position {within}")
    return flat, offsets


def _checked_bytes(seq, index: int) -> bytes:
    try:
        return _as_bytes(seq)
    except ValueError as err:
        raise ValueError(f"record {index}: {err}") from None


def decode(codes: np.ndarray) -> str:
    """Turn codes 0..4 back into an upper-case string."""
    return _DECODE[codes].tobytes().decode("ascii")


def reverse_complement(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of encoded bases (N stays N)."""
    return _COMPLEMENT[codes[::-1]]
