"""The minimizer index: build from a reference, save to one file, load (memory-mapped).

File layout (little endian)::

    16 bytes  magic  b"PIMALIGN-INDEX\\n\\x00"
     8 bytes  header length H
     H bytes  JSON header: format version, k, w, contig names/offsets, reference checksum,
              and for each array its dtype, element count, byte offset and SHA-256
    ...       arrays, each starting on a 64-byte boundary: ``seq`` (uint8 codes), ``keys``
              (uint64 minimizer hashes, sorted) and ``vals`` (uint64 ``pos << 1 | strand``).

Loading checks the magic, the version, the file size and every array's SHA-256, so a stale,
cut-short or corrupt index is a clear error rather than wrong alignments.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..io.errors import InputError
from ..kernels.minimizers import MAX_K, minimizers
from .reference import Reference

MAGIC = b"PIMALIGN-INDEX\n\x00"
VERSION = 1
ALIGN = 64


@dataclass
class Index:
    ref: Reference
    k: int
    w: int
    keys: np.ndarray  # uint64, sorted
    vals: np.ndarray  # uint64, pos << 1 | strand, same order as keys
    checksum: str
    _table: tuple | None = None

    @property
    def table(self) -> tuple:
        """``(bucket start offsets, shift)`` for hash lookups, built on first use."""
        if self._table is None:
            from ..kernels.seeding import bucket_table

            self._table = bucket_table(np.asarray(self.keys), self.k)
        return self._table


@njit(cache=True)
def _collect(seq, offsets, k, w):
    n = seq.shape[0]
    keys = np.empty(n, dtype=np.uint64)
    vals = np.empty(n, dtype=np.uint64)
    buf_h = np.empty(n, dtype=np.uint64)
    buf_p = np.empty(n, dtype=np.int64)
    buf_s = np.empty(n, dtype=np.uint8)
    total = 0
    for c in range(offsets.shape[0] - 1):
        start = offsets[c]
        count = minimizers(seq[start : offsets[c + 1]], k, w, buf_h, buf_p, buf_s)
        for x in range(count):
            keys[total] = buf_h[x]
            vals[total] = (np.uint64(start + buf_p[x]) << np.uint64(1)) | np.uint64(buf_s[x])
            total += 1
    return keys[:total], vals[:total]


def build_index(ref: Reference, k: int = 19, w: int = 10) -> Index:
    """Minimizers of every contig (never across contig ends), sorted by hash."""
    if not 5 <= k <= MAX_K:
        raise ValueError(f"k must be in 5..{MAX_K}, got {k}")
    if not 1 <= w <= 255:
        raise ValueError(f"w must be in 1..255, got {w}")
    keys, vals = _collect(ref.seq, ref.offsets, k, w)
    order = np.argsort(keys, kind="stable")
    return Index(ref, k, w, keys[order], vals[order], ref.checksum())


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).data).hexdigest()


def save_index(index: Index, path: str) -> None:
    """Write ``index`` to ``path`` (the caller handles atomic renaming)."""
    arrays = {"seq": index.ref.seq, "keys": index.keys, "vals": index.vals}
    meta = {
        "format": "pimalign-index",
        "version": VERSION,
        "k": index.k,
        "w": index.w,
        "contigs": index.ref.names,
        "offsets": index.ref.offsets.tolist(),
        "reference_sha256": index.checksum,
        "arrays": {},
    }
    # Offsets depend on the header's length, which depends on the offsets' digits: repeat until
    # the length settles (three rounds suffice).
    header = b""
    for _ in range(3):
        position = len(MAGIC) + 8 + len(header)
        for name, array in arrays.items():
            position = -(-position // ALIGN) * ALIGN
            meta["arrays"][name] = {
                "dtype": array.dtype.str,
                "count": int(array.size),
                "offset": position,
                "sha256": _sha256(array),
            }
            position += array.nbytes
        header = json.dumps(meta).encode()
    with open(path, "wb") as out:
        out.write(MAGIC)
        out.write(struct.pack("<Q", len(header)))
        out.write(header)
        for name, array in arrays.items():
            out.seek(meta["arrays"][name]["offset"])
            out.write(np.ascontiguousarray(array).data)


def is_index_file(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def load_index(path: str, verify: bool = True) -> Index:
    """Load an index file, memory-mapping its arrays.

    ``verify`` checks every array's SHA-256 and the reference checksum against the contig table,
    so a damaged or hand-edited file is an ``InputError``, never wrong alignments.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise InputError(path, "not a pimalign index (bad magic bytes)")
        raw = handle.read(8)
        if len(raw) < 8:
            raise InputError(path, "index file cut short (no header)")
        (length,) = struct.unpack("<Q", raw)
        if length > size - len(MAGIC) - 8:
            raise InputError(path, "index header is corrupt (its length exceeds the file)")
        try:
            meta = json.loads(handle.read(length))
        except ValueError:
            raise InputError(path, "index header is corrupt") from None
    if not isinstance(meta, dict) or meta.get("format") != "pimalign-index":
        raise InputError(path, "index header is corrupt (not a pimalign index header)")
    if meta.get("version") != VERSION:
        raise InputError(
            path,
            f"index format version {meta.get('version')} but this pimalign "
            f"reads version {VERSION}: rebuild it with `pimalign index`",
        )
    try:
        arrays = _load_arrays(path, meta, size, verify)
        names = [str(n) for n in meta["contigs"]]
        offsets = np.asarray(meta["offsets"], dtype=np.int64)
        k, w = int(meta["k"]), int(meta["w"])
        checksum = str(meta["reference_sha256"])
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(path, f"index header is corrupt (bad or missing field {err})") from None
    if not (5 <= k <= MAX_K and 1 <= w <= 255):
        raise InputError(path, f"index header is corrupt (k={k}, w={w} out of range)")
    if (
        offsets.shape[0] != len(names) + 1
        or offsets[0] != 0
        or np.any(np.diff(offsets) <= 0)
        or offsets[-1] != arrays["seq"].shape[0]
    ):
        raise InputError(
            path, "index header is corrupt (contig table does not match the sequence): rebuild it"
        )
    ref = Reference(names, offsets, arrays["seq"])
    if verify and ref.checksum() != checksum:
        raise InputError(
            path,
            "index contig table fails the reference checksum (corrupt or edited file): rebuild it",
        )
    return Index(ref, k, w, arrays["keys"], arrays["vals"], checksum)


def _load_arrays(path: str, meta: dict, size: int, verify: bool) -> dict:
    arrays = {}
    for name in ("seq", "keys", "vals"):
        spec = meta["arrays"][name]
        dtype = np.dtype(spec["dtype"])
        count, offset = int(spec["count"]), int(spec["offset"])
        end = offset + count * dtype.itemsize
        if offset < 0 or count < 0 or end > size:
            raise InputError(
                path, f"index file cut short ({size} bytes, array {name!r} needs {end}): rebuild it"
            )
        array = (
            np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(count,))
            if count
            else np.empty(0, dtype)
        )
        if verify and _sha256(array) != spec["sha256"]:
            raise InputError(
                path, f"index array {name!r} fails its checksum (corrupt file): rebuild it"
            )
        arrays[name] = array
    return arrays
