"""The minimizer index: build from a FASTA in bounded memory, save to one file, load by mmap.

File layout (little endian)::

    16 bytes  magic  b"PIMALIGN-INDEX\\n\\x00"
     8 bytes  header length H
     H bytes  JSON header: format version, k, w, the table's bit split, contig names and
              offsets, the reference checksum, the minimizer frequency, the FASTA's IUPAC
              letters (``iupac``: their count and runs of ``[start, letters]``, null when more
              than ``IUPAC_KEEP``), and for each array its dtype, element count, byte offset,
              SHA-256 and a sampled digest
    ...       arrays, each starting on a 64-byte boundary: ``packed`` (2-bit sequence),
              ``n_start``/``n_end`` (N runs), ``table`` (bucket starts), ``keys`` (hash
              remainder and strand), ``pos`` (positions)

Sizes: a genome of G bases with M minimizers (about G * 2/(w+1)) takes G/4 bytes of sequence,
M * (2 + 4) bytes of keys and positions (key remainders fit 16 bits once the table has
2k - 15 bucket bits, positions 32 bits below 4 Gb) and a table of about M/8 entries of 4 bytes:
for the human genome (3.1 Gb, M = 5.6e8) 0.78 + 3.4 + 0.27 = 4.4 GB.

Loading checks every header value and the arrays used as indexes (``indexcheck``: exact
dtypes, sizes, the table monotone, positions inside the genome, nothing after the last array),
memory-maps the arrays and checks a sampled digest of each (64 blocks of 4 KiB), so a
truncated, stale, crafted or partly overwritten file is a clear error at once; a run also
checks every array's SHA-256 on a helper thread before writing its first record
(``Index.confirm``), the first time it meets the file since the file last changed.
``check_index`` (``pimalign index --check``) does all of it, the reference checksum and a
rebuild of the table, before returning.
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
from ..runtime.threadrun import run_ranges
from .indexcheck import (
    ALIGN,
    ARRAYS,
    DigestCheck,
    check_contents,
    check_iupac,
    digest_error,
    header_fields,
    iupac_fields,
    sha256,
    short,
    stamp,
    verified_before,
)
from .reference import Reference, read_reference

MAGIC = b"PIMALIGN-INDEX\n\x00"
VERSION = 2
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
    digests: DigestCheck | None = None  # a loaded file's SHA-256 checks, running

    def confirm(self) -> None:
        """Wait for a loaded file's SHA-256 checks (``load_index(verify="background")``) and
        raise their ``InputError`` when an array differs; at once when none run."""
        if self.digests is not None:
            self.digests.wait()

    @property
    def seeds(self):
        from ..kernels.seeding import SeedIndex
        from .reference import read_only

        # read-only whether built or memory-mapped: one signature (see Reference.arrays)
        return SeedIndex(
            read_only(self.table), read_only(self.keys), read_only(self.pos), self.rbits
        )

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
    source = ref if isinstance(ref, str) else "reference"
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
    if total == 0:
        raise InputError(
            source,
            f"holds no minimizer (k = {k}, w = {w}): its contigs are too short or N: "
            "nothing to index",
        )
    keys = np.zeros(total, dtype=key_t)
    pos = np.zeros(total, dtype=pos_t)
    minimizer_pass(ref.arrays, k, w, rbits, segment, True, empty, table[:-1].copy(), keys, pos)
    run_ranges(sort_buckets, table.shape[0] - 1, table, keys, pos)
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


def _iupac_runs(ref: Reference) -> dict:
    """The header's ``iupac``: the count of IUPAC letters and their runs (None: not kept)."""
    if ref.iupac_pos is None:
        return {"bases": ref.iupac_bases, "runs": None}
    at, text = ref.iupac_pos, ref.iupac_letters.decode()
    cuts = [0, *(np.flatnonzero(np.diff(at) != 1) + 1).tolist(), at.shape[0]]
    runs = [[int(at[a]), text[a:b]] for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
    return {"bases": ref.iupac_bases, "runs": runs}


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
    if index.ref.iupac_bases is not None:  # (None: a reference loaded from an older index)
        meta["iupac"] = _iupac_runs(index.ref)
    for name, array in arrays.items():
        meta["arrays"][name] = {
            "dtype": array.dtype.str,
            "count": int(array.size),
            "sha256": sha256(array),
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


def _header(path: str) -> tuple[dict, int, int]:
    """``(header, file size, byte where the header ends)``: magic, length and JSON read."""
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
        except (ValueError, RecursionError):  # bad JSON, bad UTF-8, 4301-digit ints, nesting
            raise InputError(path, "index header is corrupt (not valid JSON)") from None
    if not isinstance(meta, dict) or meta.get("format") != "pimalign-index":
        raise InputError(path, "index header is corrupt (not a pimalign index header)")
    if meta.get("version") != VERSION:
        raise InputError(
            path,
            f"index format version {short(meta.get('version'))} but this pimalign reads "
            f"version {VERSION}: rebuild it with `pimalign index`",
        )
    return meta, size, len(MAGIC) + 8 + length


def load_index(path: str, verify: bool | str = False) -> Index:
    """Load an index file, memory-mapping its arrays, after the checks of ``indexcheck`` (the
    header, the arrays used as indexes) and a sampled digest of each array. ``verify``: True
    also checks every SHA-256 and the reference checksum now (``check_index``); "background"
    starts the SHA-256 checks on a helper thread (``Index.confirm()`` waits for them), unless
    they passed on this very file before (``indexcheck.verified_before``)."""
    meta, size, header_end = _header(path)
    head = header_fields(path, meta, size, header_end, table_layout)
    arrays = {name: _map_array(path, head.specs[name]) for name in ARRAYS}
    check_contents(path, arrays, int(head.offsets[-1]))
    iupac = iupac_fields(path, meta, int(head.offsets[-1]))
    for name in ARRAYS:
        if _sampled(arrays[name]) != head.specs[name][4]:
            raise InputError(
                path, f"index array {name!r} is damaged (sampled digest differs): rebuild it"
            )
    ref = Reference(
        head.names,
        head.offsets,
        arrays["packed"],
        arrays["n_start"],
        arrays["n_end"],
        head.checksum,
        *iupac,
    )
    check_iupac(path, ref)
    index = Index(
        ref,
        head.k,
        head.w,
        head.rbits,
        arrays["table"],
        arrays["keys"],
        arrays["pos"],
        head.occ_threshold,
    )
    if verify is True:
        check_index(path, index, head)
    elif verify == "background":
        text = stamp(path, head.specs)
        if not verified_before(path, text):
            index.digests = DigestCheck(path, arrays, head.specs, text)
    return index


def check_index(path: str, index: Index | None = None, head=None) -> None:
    """Everything ``load_index`` checks, every array's SHA-256, the reference checksum, and the
    minimizer table against one rebuilt from the stored sequence (reads the whole file; takes
    as long as building, and as much memory again), so a crafted file whose digests were
    recomputed is caught too."""
    if index is None or head is None:
        meta, size, header_end = _header(path)
        head = header_fields(path, meta, size, header_end, table_layout)
        index = load_index(path)
    for name, array in _arrays(index).items():
        if sha256(array) != head.specs[name][3]:
            raise digest_error(path, name)
    if index.ref.compute_checksum() != index.ref.checksum:
        raise InputError(
            path, "index sequence fails the reference checksum (corrupt or edited file): rebuild it"
        )
    rebuilt = build_index(index.ref, index.k, index.w)
    for name in ("table", "keys", "pos", "occ_threshold"):
        if not np.array_equal(getattr(rebuilt, name), getattr(index, name)):
            raise InputError(
                path,
                f"index {name!r} is not what its sequence gives (crafted or edited file): "
                "rebuild it",
            )


def _map_array(path: str, spec: tuple) -> np.ndarray:
    """One array of the file, memory-mapped (its dtype, count and offset checked before)."""
    dtype, count, offset = spec[:3]
    if count == 0:
        return np.empty(0, dtype)
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(count,))
