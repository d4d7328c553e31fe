"""Checks of an index file read back, so that no value in it can take a kernel out of bounds.

``header_fields(path, meta, size, layout)``: every header value a loader or kernel uses, checked
before any array is mapped: integers of the right type and range (no floats, no 1e999, no
nested lists), contig names SAM accepts, contig offsets strictly increasing from 0, the bit
split and dtypes exactly as ``save_index`` writes them for that genome (never an object dtype
or a foreign byte order), each array where ``save_index`` puts it and the file ending where
the last one does (nothing cut off, nothing appended). Returns a ``Header``.

``iupac_fields(path, meta, total)``: the FASTA's IUPAC letters kept in the header (runs of
``[start, letters]``, sorted, disjoint, inside the genome, at most ``IUPAC_KEEP``); absent in an
index of an earlier pimalign. ``check_iupac`` then finds each where the sequence holds N (T for
U), so a header edited to name letters elsewhere never reaches a CRAM.

``check_contents(path, arrays, total)``: the arrays used as indexes, in one vectorised pass
each: the bucket table starts at 0, never decreases and ends at the keys' count; N runs are
sorted, disjoint and inside the genome; every position is inside the genome (``total``
bases). Cost: about 10 ms each for the table and the positions of an 80 Mb genome (145 MB
index), against a one-read run of about 1.5 s.

``DigestCheck``: every array's SHA-256 against the header's, on a helper thread (hashlib
releases the GIL) while the run starts; ``wait()`` raises the first difference. A run waits
for it before it writes its first record, so a damaged block never ends in mapped output.
It costs about 0.19 s of CPU for a 145 MB index (80 Mb genome), so a file that passed is
remembered (``verified_before``): its path, device, inode, size, mtime and ctime and its
digests, in ``$PIMALIGN_CACHE_DIR`` (default ``~/.cache/pimalign``) under ``verified/``.
Any write to the file changes its ctime, so a changed file is checked again; damage that no
write made (the disk returning other bytes) is found by ``index --check`` only.

Every problem is an ``InputError`` naming the file.
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import NamedTuple

import numpy as np

from ..io.errors import InputError
from ..kernels.minimizers import MAX_K
from .reference import _NAME, IUPAC_KEEP, IUPAC_LETTERS

ALIGN = 64
ARRAYS = ("packed", "n_start", "n_end", "table", "keys", "pos")
MAX_BASES = 1 << 48  # far beyond any genome: keeps every offset sum inside int64
REBUILD = "rebuild it with `pimalign index`"


class Header(NamedTuple):
    names: list
    offsets: np.ndarray  # int64, len(names) + 1
    k: int
    w: int
    rbits: int
    occ_threshold: int
    checksum: str
    specs: dict  # array name -> (dtype, count, byte offset, sha256, sampled digest)


def _corrupt(path: str, what: str) -> InputError:
    return InputError(path, f"index header is corrupt ({what}): {REBUILD}")


def short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _int(path: str, meta: dict, key: str, low: int, high: int) -> int:
    value = meta.get(key)
    if type(value) is not int or not low <= value <= high:
        raise _corrupt(path, f"{key} = {short(value)}, expected an integer in {low}..{high}")
    return value


def _text(path: str, meta: dict, key: str) -> str:
    value = meta.get(key)
    if type(value) is not str:
        raise _corrupt(path, f"{key} = {short(value)}, expected a string")
    return value


def _contigs(path: str, meta: dict) -> tuple[list, np.ndarray]:
    names, offsets = meta.get("contigs"), meta.get("offsets")
    if type(names) is not list or not names:
        raise _corrupt(path, "no contig list")
    for name in names:
        if type(name) is not str or not _NAME.fullmatch(name):
            raise _corrupt(path, f"contig name {short(name)} is not a valid SAM reference name")
    if len(set(names)) != len(names):
        raise _corrupt(path, "duplicate contig names")
    if type(offsets) is not list or len(offsets) != len(names) + 1:
        raise _corrupt(path, "the contig offsets do not match the contigs")
    if any(type(x) is not int or not 0 <= x <= MAX_BASES for x in offsets):
        raise _corrupt(path, "a contig offset is not an integer in range")
    out = np.asarray(offsets, dtype=np.int64)
    if out[0] != 0 or np.any(np.diff(out) <= 0):
        raise _corrupt(path, "contig offsets do not increase from 0")
    return names, out


def _expected_dtypes(total: int, k: int, w: int, layout) -> tuple[int, dict]:
    rbits, key_t, table_t, pos_t = layout(total, k, w)
    little = {"packed": np.uint8, "n_start": np.int64, "n_end": np.int64}
    little.update(table=table_t, keys=key_t, pos=pos_t)
    return rbits, {n: np.dtype(t).newbyteorder("<").str for n, t in little.items()}


def header_fields(path: str, meta: dict, size: int, header_end: int, layout) -> Header:
    """The checked header (module doc); ``size`` is the file's, ``header_end`` where the JSON
    header ends, ``layout`` ``index.table_layout``."""
    k = _int(path, meta, "k", 5, MAX_K)
    w = _int(path, meta, "w", 1, 255)
    names, offsets = _contigs(path, meta)
    total = int(offsets[-1])
    rbits, dtypes = _expected_dtypes(total, k, w, layout)
    if meta.get("rbits") != rbits or type(meta.get("rbits")) is not int:
        raise _corrupt(path, f"rbits = {short(meta.get('rbits'))}, this genome needs {rbits}")
    occ = _int(path, meta, "occ_threshold", 1, 1 << 31)
    checksum = _text(path, meta, "reference_sha256")
    arrays = meta.get("arrays")
    if type(arrays) is not dict or sorted(arrays) != sorted(ARRAYS):
        raise _corrupt(path, "bad or missing array table")
    specs, position, end = {}, header_end, header_end
    for name in ARRAYS:
        spec = arrays[name]
        if type(spec) is not dict:
            raise _corrupt(path, f"array {name!r} has no description")
        dtype = spec.get("dtype")
        if dtype != dtypes[name]:
            raise _corrupt(path, f"array {name!r} has dtype {short(dtype)}, not {dtypes[name]}")
        count = _int(path, spec, "count", 0, MAX_BASES)
        position = -(-position // ALIGN) * ALIGN
        if spec.get("offset") != position:
            raise _corrupt(path, f"array {name!r} does not start at byte {position}")
        position += count * np.dtype(dtype).itemsize
        end = position if count else end
        digests = _text(path, spec, "sha256"), _text(path, spec, "sampled")
        specs[name] = (np.dtype(dtype), count, spec["offset"], *digests)
    if size < end:
        raise InputError(
            path, f"index file cut short ({size} bytes, its arrays need {end}): {REBUILD}"
        )
    if size > end:
        raise InputError(path, f"index file has {size - end} bytes after its last array: {REBUILD}")
    counts = {name: spec[1] for name, spec in specs.items()}
    if (
        counts["packed"] != (total + 3) // 4
        or counts["n_start"] != counts["n_end"]
        or counts["n_start"] > total
        or counts["table"] != (1 << (2 * k - rbits)) + 1
        or counts["keys"] != counts["pos"]
    ):
        raise InputError(
            path, f"index header is corrupt (its tables do not match the arrays): {REBUILD}"
        )
    return Header(names, offsets, k, w, rbits, occ, checksum, specs)


def check_contents(path: str, arrays: dict, total: int) -> None:
    """The arrays used as indexes are inside their targets (module doc)."""
    table, n_start, n_end, pos = arrays["table"], arrays["n_start"], arrays["n_end"], arrays["pos"]
    if int(table[0]) != 0 or int(table[-1]) != arrays["keys"].shape[0]:
        raise InputError(path, f"index bucket table does not span the keys: {REBUILD}")
    if np.any(table[1:] < table[:-1]):
        raise InputError(path, f"index bucket table decreases (corrupt file): {REBUILD}")
    if n_start.shape[0] and (
        n_start[0] < 0
        or n_end[-1] > total
        or np.any(n_end <= n_start)
        or np.any(n_start[1:] < n_end[:-1])
    ):
        raise InputError(path, f"index N runs are not sorted runs inside the genome: {REBUILD}")
    if pos.shape[0] and int(pos.max()) >= total:
        raise InputError(
            path, f"index holds a position past the genome's end ({total} bp): {REBUILD}"
        )


def iupac_fields(path: str, meta: dict, total: int) -> tuple:
    """``(positions, letters, count)`` of the header's ``iupac`` (module doc): ``(None, None,
    None)`` when absent, ``(None, None, count)`` when there were too many to keep."""
    if "iupac" not in meta:
        return None, None, None
    value = meta["iupac"]
    if type(value) is not dict or sorted(value) != ["bases", "runs"]:
        raise _corrupt(path, f"iupac = {short(value)}, expected bases and runs")
    bases = _int(path, value, "bases", 0, total)
    runs = value["runs"]
    if runs is None and bases > IUPAC_KEEP:
        return None, None, bases
    if type(runs) is not list or len(runs) > IUPAC_KEEP:
        raise _corrupt(path, f"iupac runs = {short(runs)}, expected a list")
    starts, letters, end = [], [], 0
    for run in runs:
        ok = type(run) is list and len(run) == 2 and type(run[0]) is int
        ok = ok and type(run[1]) is str and 0 < len(run[1]) <= IUPAC_KEEP
        if not ok or not end <= run[0] <= total - len(run[1]):
            raise _corrupt(path, f"iupac run {short(run)} is not a sorted [start, letters]")
        if run[1].strip(IUPAC_LETTERS):
            raise _corrupt(path, f"iupac run {short(run)} holds a letter not in {IUPAC_LETTERS}")
        starts.append(run[0])
        letters.append(run[1])
        end = run[0] + len(run[1])
    text = "".join(letters)
    if len(text) != bases:
        raise _corrupt(path, f"iupac runs hold {len(text)} letters, not bases = {bases}")
    lengths = np.fromiter(map(len, letters), dtype=np.int64, count=len(letters))
    before = np.cumsum(lengths) - lengths  # letters in the earlier runs
    positions = np.repeat(np.asarray(starts, dtype=np.int64) - before, lengths)
    positions += np.arange(bases, dtype=np.int64)
    return positions, text.encode(), bases


def check_iupac(path: str, ref) -> None:
    """Each kept IUPAC letter of ``ref`` (a ``Reference``) stands where its codes hold N, or T
    for U (module doc)."""
    if ref.iupac_pos is None or not ref.iupac_pos.shape[0]:
        return
    at = ref.iupac_pos
    codes = (ref.packed[at >> 2] >> ((at & 3) << 1)) & 3
    run = np.searchsorted(ref.n_end, at, side="right")
    inside = run < ref.n_start.shape[0]
    inside[inside] = ref.n_start[run[inside]] <= at[inside]
    codes[inside] = 4
    letters = np.frombuffer(ref.iupac_letters, dtype=np.uint8)
    if np.any(codes != np.where(letters == ord("U"), 3, 4)):
        raise InputError(
            path, f"index IUPAC letters stand where its sequence holds other bases: {REBUILD}"
        )


def sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).data).hexdigest()


def digest_error(path: str, name: str) -> InputError:
    return InputError(path, f"index array {name!r} fails its checksum (damaged file): {REBUILD}")


def _stamp_path(path: str) -> str:
    base = os.environ.get("PIMALIGN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pimalign"
    )
    key = hashlib.sha256(os.path.realpath(path).encode()).hexdigest()[:32]
    return os.path.join(base, "verified", key)


def stamp(path: str, specs: dict) -> str:
    """What identifies this file's bytes to this machine (module doc)."""
    st = os.stat(path)
    digests = hashlib.sha256(",".join(spec[3] for spec in specs.values()).encode()).hexdigest()
    fields = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, digests)
    return os.path.realpath(path) + "".join(f"\t{x}" for x in fields) + "\n"


def verified_before(path: str, text: str) -> bool:
    """Whether a run checked every digest of the file ``stamp`` describes as ``text``."""
    try:
        with open(_stamp_path(path)) as handle:
            return handle.read() == text
    except OSError:
        return False


def _remember(path: str, text: str) -> None:
    target = _stamp_path(path)
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = f"{target}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "w") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError:  # a read-only home: every run checks again
        pass


class DigestCheck:
    """Every array's SHA-256 against ``specs`` (``Header.specs``), on a helper thread; when
    all match, the file's ``stamp`` (taken before) is remembered."""

    def __init__(self, path: str, arrays: dict, specs: dict, text: str):
        self._error: Exception | None = None
        self._thread = threading.Thread(
            target=self._run,
            args=(path, arrays, specs, text),
            name="pimalign-index-check",
            daemon=True,
        )
        self._thread.start()

    def _run(self, path, arrays, specs, text) -> None:
        try:
            for name in ARRAYS:
                if sha256(arrays[name]) != specs[name][3]:
                    raise digest_error(path, name)
            _remember(path, text)
        except Exception as err:  # handed to wait(), on the caller's thread
            self._error = err

    def wait(self) -> None:
        """Returns once every digest matched; raises the first problem otherwise."""
        self._thread.join()
        if self._error is not None:
            raise self._error
