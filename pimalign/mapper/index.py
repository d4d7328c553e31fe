"""The minimizer index: build from a FASTA in bounded memory, save to one file, load by mmap.

File layout (little endian)::

    16 bytes  magic  b"PIMALIGN-INDEX\\n\\x00"
     8 bytes  header length H
     H bytes  JSON header: format version, k, w, the table's bit split, contig names and
              offsets, the reference checksum, the minimizer frequency, and for each array its
              dtype, element count, byte offset, SHA-256 and a sampled digest
    ...       arrays, each starting on a 64-byte boundary: ``packed`` (2-bit sequence),
              ``n_start``/``n_end`` (N runs), ``table`` (bucket starts), ``keys`` (hash
              remainder and strand), ``pos`` (positions)

Sizes: a genome of G bases with M minimizers (about G * 2/(w+1)) takes G/4 bytes of sequence,
M * (2 + 4) bytes of keys and positions (key remainders fit 16 bits once the table has
2k - 15 bucket bits, positions 32 bits below 4 Gb) and a table of about M/8 entries of 4 bytes:
for the human genome (3.1 Gb, M = 5.6e8) 0.78 + 3.4 + 0.27 = 4.4 GB.

Loading memory-maps the arrays and checks the structure (magic, version, sizes, the table's
ends) and a sampled digest of each array (64 blocks of 4 KiB), so a truncated, stale or
partly overwritten file is a clear error at once; ``check_index`` (``pimalign index --check``)
verifies every array's SHA-256 and the reference checksum.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
from dataclasses import dataclass

import numpy as np

from ..io.errors import InputError
from ..kernels.indexing import SEGMENT, minimizer_pass, occurrence_histogram, sort_buckets
from ..kernels.minimizers import MAX_K
from .reference import Reference, read_reference

MAGIC = b"PIMALIGN-INDEX\n\x00"
VERSION = 2
ALIGN = 64
ARRAYS = ("packed", "n_start", "n_end", "table", "keys", "pos")
SAMPLES, SAMPLE_BYTES = 64, 4096
OCC_FRAC = 2e-4  # minimap2's -f: the most frequent fraction of minimizers is "high occurrence"
OCC_CAP = 1 << 16


@dataclass
class Index:
    ref: Reference
    k: int
    w: int
    rbits: int  # hash bits kept in a key (the rest pick the bucket)
    table: np.ndarray
    keys: np.ndarray
    pos: np.ndarray
    occ_threshold: int  # minimap2's: 1 + the occurrence count at rank (1 - OCC_FRAC)

    @property
    def seeds(self):
        from ..kernels.seeding import SeedIndex

        return SeedIndex(self.table, self.keys, self.pos, self.rbits)

    @property
    def minimizers(self) -> int:
        return int(self.keys.shape[0])


def table_layout(length: int, k: int, w: int) -> tuple[int, np.dtype, np.dtype, np.dtype]:
    """``(rbits, key dtype, table dtype, position dtype)`` for a genome of ``length`` bases:
    about 8 entries a bucket, keys as narrow as the remaining hash bits allow."""
    expected = max(2, int(length * 2 / (w + 1)))
    bucket_bits = min(2 * k - 1, max(1, math.ceil(math.log2(expected)) - 3))
    rbits = 2 * k - bucket_bits
    key = np.uint16 if rbits + 1 <= 16 else np.uint32 if rbits + 1 <= 32 else np.uint64
    table = np.uint32 if expected * 2 < 2**32 else np.uint64
    pos = np.uint32 if length < 2**32 else np.uint64
    return rbits, np.dtype(key), np.dtype(table), np.dtype(pos)


def build_index(ref: Reference | str, k: int = 19, w: int = 10, segment: int = SEGMENT) -> Index:
    """Minimizers of every contig (never across contig ends), bucketed and sorted (see
    ``kernels.indexing``). ``ref`` is a packed ``Reference`` or a FASTA path; ``segment`` the
    bases computed at a time (memory, not results, depends on it)."""
    if not 5 <= k <= MAX_K:
        raise ValueError(f"k must be in 5..{MAX_K}, got {k}")
    if not 1 <= w <= 255:
        raise ValueError(f"w must be in 1..255, got {w}")
    if isinstance(ref, str):
        ref = read_reference(ref)
    rbits, key_t, table_t, pos_t = table_layout(int(ref.offsets[-1]), k, w)
    # bucket counts become the table in place: memory is the table, a cursor copy of it and
    # the entries, never a temporary per base
    table = np.zeros((1 << (2 * k - rbits)) + 1, dtype=table_t)
    empty = np.zeros(0, dtype=table_t)
    minimizer_pass(ref.arrays, k, w, rbits, segment, False, table[1:], empty, empty, empty)
    np.cumsum(table, out=table)
    total = int(table[-1])
    keys = np.zeros(total, dtype=key_t)
    pos = np.zeros(total, dtype=pos_t)
    minimizer_pass(ref.arrays, k, w, rbits, segment, True, empty, table[:-1].copy(), keys, pos)
    sort_buckets(table, keys, pos)
    hist = occurrence_histogram(table, keys, OCC_CAP)
    return Index(ref, k, w, rbits, table, keys, pos, occ_threshold(hist))


def occ_threshold(hist: np.ndarray, frac: float = OCC_FRAC) -> int:
    """minimap2's ``mm_idx_cal_max_occ``: one more than the occurrence count at rank
    ``(1 - frac) * n`` (ascending) among the ``n`` distinct minimizers."""
    n = int(hist.sum())
    if n == 0:
        return 1
    rank = int((1.0 - frac) * n)
    return int(np.searchsorted(np.cumsum(hist), rank, side="right")) + 1


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).data).hexdigest()


def _sampled(array: np.ndarray) -> str:
    """SHA-256 of ``SAMPLES`` evenly spaced blocks of the array's bytes (cheap to recheck)."""
    raw = np.ascontiguousarray(array).view(np.uint8).reshape(-1)
    digest = hashlib.sha256(str(raw.shape[0]).encode())
    if raw.shape[0] <= SAMPLES * SAMPLE_BYTES:
        digest.update(raw.data)
    else:
        step = (raw.shape[0] - SAMPLE_BYTES) // (SAMPLES - 1)
        for x in range(SAMPLES):
            digest.update(raw[x * step : x * step + SAMPLE_BYTES].data)
    return digest.hexdigest()


def _arrays(index: Index) -> dict:
    r = index.ref
    return {
        "packed": r.packed,
        "n_start": r.n_start,
        "n_end": r.n_end,
        "table": index.table,
        "keys": index.keys,
        "pos": index.pos,
    }


def save_index(index: Index, path: str) -> None:
    """Write ``index`` to ``path`` (the caller handles atomic renaming)."""
    arrays = _arrays(index)
    meta = {
        "format": "pimalign-index",
        "version": VERSION,
        "k": index.k,
        "w": index.w,
        "rbits": index.rbits,
        "occ_threshold": index.occ_threshold,
        "occ_frac": OCC_FRAC,
        "contigs": index.ref.names,
        "offsets": index.ref.offsets.tolist(),
        "reference_sha256": index.ref.checksum,
        "arrays": {},
    }
    for name, array in arrays.items():
        meta["arrays"][name] = {
            "dtype": array.dtype.str,
            "count": int(array.size),
            "sha256": _sha256(array),
            "sampled": _sampled(array),
        }
    # Offsets depend on the header's length, which depends on the offsets' digits: repeat until
    # the length settles (three rounds suffice).
    header = b""
    for _ in range(3):
        position = len(MAGIC) + 8 + len(header)
        for name, array in arrays.items():
            position = -(-position // ALIGN) * ALIGN
            meta["arrays"][name]["offset"] = position
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


def _header(path: str) -> tuple[dict, int]:
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
            f"index format version {meta.get('version')} but this pimalign reads version "
            f"{VERSION}: rebuild it with `pimalign index`",
        )
    return meta, size


def load_index(path: str, verify: bool = False) -> Index:
    """Load an index file, memory-mapping its arrays, after the structural checks (see module
    doc); ``verify`` also checks every SHA-256 (``check_index``)."""
    meta, size = _header(path)
    try:
        arrays = {name: _map_array(path, name, meta["arrays"][name], size) for name in ARRAYS}
        names = [str(n) for n in meta["contigs"]]
        offsets = np.asarray(meta["offsets"], dtype=np.int64)
        k, w, rbits = int(meta["k"]), int(meta["w"]), int(meta["rbits"])
        occ, checksum = int(meta["occ_threshold"]), str(meta["reference_sha256"])
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(path, f"index header is corrupt (bad or missing field {err})") from None
    if not (5 <= k <= MAX_K and 1 <= w <= 255 and 1 <= rbits < 2 * k):
        raise InputError(path, f"index header is corrupt (k={k}, w={w}, rbits={rbits})")
    _check_structure(path, arrays, names, offsets, k, rbits)
    for name in ARRAYS:
        if _sampled(arrays[name]) != meta["arrays"][name]["sampled"]:
            raise InputError(
                path, f"index array {name!r} is damaged (sampled digest differs): rebuild it"
            )
    ref = Reference(names, offsets, arrays["packed"], arrays["n_start"], arrays["n_end"], checksum)
    index = Index(ref, k, w, rbits, arrays["table"], arrays["keys"], arrays["pos"], occ)
    if verify:
        check_index(path, index, meta)
    return index


def check_index(path: str, index: Index | None = None, meta: dict | None = None) -> None:
    """Every array's SHA-256 and the reference checksum (reads the whole file)."""
    if index is None or meta is None:
        meta, _ = _header(path)
        index = load_index(path)
    for name, array in _arrays(index).items():
        if _sha256(array) != meta["arrays"][name]["sha256"]:
            raise InputError(
                path, f"index array {name!r} fails its checksum (corrupt file): rebuild it"
            )
    if index.ref.compute_checksum() != index.ref.checksum:
        raise InputError(
            path, "index sequence fails the reference checksum (corrupt or edited file): rebuild it"
        )


def _map_array(path: str, name: str, spec: dict, size: int) -> np.ndarray:
    dtype = np.dtype(spec["dtype"])
    count, offset = int(spec["count"]), int(spec["offset"])
    end = offset + count * dtype.itemsize
    if offset < 0 or count < 0 or end > size:
        raise InputError(
            path, f"index file cut short ({size} bytes, array {name!r} needs {end}): rebuild it"
        )
    if count == 0:
        return np.empty(0, dtype)
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(count,))


def _check_structure(path, arrays, names, offsets, k, rbits) -> None:
    total = int(offsets[-1]) if offsets.size else -1
    table, keys, pos = arrays["table"], arrays["keys"], arrays["pos"]
    bad = (
        offsets.shape[0] != len(names) + 1
        or offsets[0] != 0
        or np.any(np.diff(offsets) <= 0)
        or arrays["packed"].shape[0] != (total + 3) // 4
        or arrays["n_start"].shape[0] != arrays["n_end"].shape[0]
        or table.shape[0] != (1 << (2 * k - rbits)) + 1
        or int(table[0]) != 0
        or int(table[-1]) != keys.shape[0]
        or keys.shape != pos.shape
    )
    if bad:
        raise InputError(
            path, "index header is corrupt (its tables do not match the arrays): rebuild it"
        )
