"""The Python face of the edit-distance core: numpy batches (single pairs: ``pairwise``).

Coordinates are 0-based; ``locations`` are ``(start, end)`` with ``end`` inclusive, as edlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numba
import numpy as np

from ..alphabet import SequenceError, encode_many, repack
from ..kernels.batch import BLOCK, edit_batch, edit_batch_ends, n_blocks, needs_traceback
from ..kernels.cigartext import line_room
from ..kernels.options import OUT_DIST, OUT_FIELDS, TASK_PATH, EditParams, Lines
from ..runtime.threadrun import run_ranges
from .pairwise import (  # align, align_affine and cigar_string stay public here too
    DEFAULT_BAND,
    align,  # noqa: F401
    align_affine,  # noqa: F401
    cigar_string,  # noqa: F401
    mode_task_ids,
    ncode_of,
)

ENGINES = ("auto", "adaptive")
DEVICES = ("cpu", "gpu")


@dataclass
class BatchResult:
    """Per-pair results of a batch, all numpy arrays of length ``pairs`` (``cigars`` a list).

    ``start``/``end``: 0-based inclusive target coordinates of the leftmost optimal end (-1 when
    not computed or above k). ``band``, ``cells``, ``bits``: the workload the PIM model uses.
    """

    distance: np.ndarray
    start: np.ndarray
    end: np.ndarray
    band: np.ndarray
    cells: np.ndarray
    bits: np.ndarray
    cigars: list | None = None


def _set_threads(threads: int | None) -> int:
    previous = numba.get_num_threads()
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    return previous


PATH_SLOTS = 1 << 21  # bases (m + n) per chunk of CIGAR pairs: about 4 MB of text room


def _path_chunks(q_off: np.ndarray, t_off: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive pair ranges ``[a, b)`` whose pairs need at most ``PATH_SLOTS`` run slots
    together (at least one pair each)."""
    total = q_off + t_off
    n_pairs = q_off.shape[0] - 1
    chunks = []
    a = 0
    while a < n_pairs:
        b = int(np.searchsorted(total, total[a] + PATH_SLOTS, side="right")) - 1
        b = min(max(b, a + 1), n_pairs)
        chunks.append((a, b))
        a = b
    return chunks


PATH_MEMORY = 1 << 30  # bytes of traceback one pair's path may use


class PathTooLarge(ValueError):
    """A pair whose traceback (a CIGAR, or an HW start) would need more memory than
    ``PATH_MEMORY``; ``record`` is its 0-based index in the batch."""

    def __init__(self, record: int, needed: int, what: str = "CIGAR"):
        self.record = record
        other = "distance or locations" if what == "CIGAR" else "distance"
        super().__init__(
            f"its {what} needs a traceback of {needed / 2**20:,.0f} MiB, more than the "
            f"{PATH_MEMORY >> 20:,} MiB a pair may use (the pair is very long and divergent; "
            f"ask for --task {other})"
        )


def _check_path_memory(
    q_flat, q_off, t_flat, t_off, mode, k, literal_n, band, threads, what="CIGAR"
) -> None:
    """Refuse, before any work, a pair whose traceback (one byte per cell of the band that
    decides it: ``rows x (2 d + |n - m| + 1)``) would exceed ``PATH_MEMORY``; only pairs whose
    whole matrix exceeds it need their distance first. ``what``: the task's word for it."""
    m = np.diff(q_off)
    n = np.diff(t_off)
    big = np.flatnonzero((m + 1) * (n + 1) > PATH_MEMORY)
    if big.size == 0:
        return
    dist = batch_encoded(
        *repack(q_flat, q_off, big),
        *repack(t_flat, t_off, big),
        mode,
        "distance",
        k,
        threads,
        literal_n,
        band,
    ).distance
    width = 2 * np.where(dist >= 0, dist, np.maximum(m[big], n[big])) + np.abs(n[big] - m[big]) + 1
    need = (m[big] + 1) * np.minimum(width, n[big] + 1)
    over = np.flatnonzero(need > PATH_MEMORY)
    if over.size:
        raise PathTooLarge(int(big[over[0]]), int(need[over[0]]), what)


def _on_gpu(
    q_flat, q_off, t_flat, t_off, mode, task, k, threads, literal_n, band, engine, stats
) -> BatchResult:
    """``batch_encoded`` on the GPU: the pairs its kernels leave undone (queries too long for
    their tiers, paths too large for their column scratch) are aligned here on the CPU."""
    import time

    from ..gpu import NOT_DONE, edit_batch_gpu

    if q_off.shape[0] != t_off.shape[0]:
        raise ValueError(f"{q_off.shape[0] - 1} queries but {t_off.shape[0] - 1} targets")
    stats = {} if stats is None else stats
    res = edit_batch_gpu(
        q_flat, q_off, t_flat, t_off, mode, k, ncode_of(literal_n), task, stats=stats
    )
    cigars = res.pop("cigars", None)
    left = np.flatnonzero(res["distance"] == NOT_DONE)
    tic = time.perf_counter()
    if left.size:
        cpu = batch_encoded(
            *repack(q_flat, q_off, left),
            *repack(t_flat, t_off, left),
            mode,
            task,
            k,
            threads,
            literal_n,
            band,
            engine,
        )
        for name in res:
            res[name][left] = getattr(cpu, name)
        if cigars is not None:
            for p, cigar in zip(left.tolist(), cpu.cigars):
                cigars[p] = cigar
    stats["cpu"] = time.perf_counter() - tic
    none = np.full(q_off.shape[0] - 1, -1, dtype=np.int64)
    return BatchResult(
        res["distance"], res["start"], res["end"], none, none.copy(), none.copy(), cigars
    )


def batch_encoded(
    q_flat,
    q_off,
    t_flat,
    t_off,
    mode: str = "NW",
    task: str = "distance",
    k: int = -1,
    threads: int | None = None,
    literal_n: bool = False,
    band: int = DEFAULT_BAND,
    engine: str = "auto",
    device: str = "cpu",
    stats: dict | None = None,
) -> BatchResult:
    """Batch alignment of pre-encoded, packed pairs (see ``alphabet.encode_many``).

    ``engine="auto"`` answers distances (and NW/SHW locations) with the bit-parallel banded word
    where it can decide, the adaptive band elsewhere; ``engine="adaptive"`` always runs the
    adaptive band, whose workload is what the PIM model executes. ``device="gpu"`` runs every
    task on a CUDA GPU (``pimalign.gpu``; same answers and CIGARs, no workload:
    ``band``, ``cells`` and ``bits`` are -1) and fails clearly when there is none; pairs too
    long for its kernels run on the CPU, and ``stats`` (a dict) receives the GPU timings
    (``gpu.edit_batch_gpu``) and ``cpu`` seconds.
    """
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}: choose one of {', '.join(DEVICES)}")
    par = _edit_params(mode, task, k, literal_n, band, engine)
    if device == "gpu":
        return _on_gpu(
            q_flat, q_off, t_flat, t_off, mode, task, k, threads, literal_n, band, engine, stats
        )
    if q_off.shape[0] != t_off.shape[0]:
        raise ValueError(f"{q_off.shape[0] - 1} queries but {t_off.shape[0] - 1} targets")
    path = par.task == TASK_PATH
    if needs_traceback(par):  # CIGARs and HW starts: one byte per cell of the deciding band
        what = "CIGAR" if path else "start"
        _check_path_memory(q_flat, q_off, t_flat, t_off, mode, k, literal_n, band, threads, what)

    def run(a, b, out, lines):
        qo, to = q_off[a : b + 1], t_off[a : b + 1]
        if needs_traceback(par):
            zeros = np.zeros(b - a, dtype=np.int64)
            count = np.zeros(b - a, dtype=np.int64)
            args = (q_flat, qo, t_flat, to, par, out, lines, zeros, count)
            run_ranges(edit_batch, n_blocks(qo), *args)
        else:  # compiles without the traceback and CIGAR routes
            run_ranges(edit_batch_ends, n_blocks(qo), q_flat, qo, t_flat, to, par, out)

    return _in_chunks(run, q_off, t_off, path, threads)


def _in_chunks(run, q_off, t_off, path: bool, threads) -> BatchResult:
    """Call ``run(a, b, out, lines)`` for consecutive pair ranges ``[a, b)`` of a batch whose
    pairs span ``q_off``/``t_off`` (one range, unless CIGARs are asked) on ``threads``
    threads, and gather the results (``out``: the range's (6, b - a) output block, ``lines``:
    its ``Lines``)."""
    n_pairs = q_off.shape[0] - 1
    out = np.empty((len(OUT_FIELDS), n_pairs), dtype=np.int64)
    previous = _set_threads(threads)
    cigars = [] if path else None
    text = np.empty(0, dtype=np.uint8)
    try:
        for a, b in _path_chunks(q_off, t_off) if path else [(0, n_pairs)]:
            room = np.zeros(b - a + 1 if path else 1, dtype=np.int64)
            if path:
                # Chunks keep the text buffer small and reused: touching fresh pages costs more
                # than the alignments.
                sizes = line_room(np.diff(q_off[a : b + 1]), np.diff(t_off[a : b + 1]))
                np.cumsum(sizes, out=room[1:])
                if room[-1] > text.shape[0]:
                    text = np.empty(int(room[-1]), dtype=np.uint8)
            lines = Lines(text, room, np.zeros(b - a if path else 0, dtype=np.int64))
            run(a, b, out[:, a:b], lines)
            if path:
                cigars += _block_lines(lines)
    finally:
        numba.set_num_threads(previous)
    if path:
        for p in np.flatnonzero(out[OUT_DIST] < 0).tolist():
            cigars[p] = None
    return _result(out, cigars)


def _block_lines(lines: Lines) -> list[str]:
    """The CIGAR lines of one chunk's ``Lines``, a block of pairs at a time: each block's lines
    follow each other from its first pair's room (no gather pass over the text)."""
    n_pairs = lines.end.shape[0]
    lasts = lines.end[BLOCK - 1 :: BLOCK].tolist()
    if n_pairs % BLOCK:
        lasts.append(int(lines.end[-1]))
    cigars = []
    for first, last in zip(lines.room[0:n_pairs:BLOCK].tolist(), lasts):
        block = lines.text[first:last].tobytes().decode("ascii").split("\n")
        block.pop()  # after the last newline
        cigars += block
    return cigars


def _edit_params(mode, task, k, literal_n, band, engine) -> EditParams:
    """The kernels' parameters, each checked (a ``ValueError`` naming the bad one)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if not 1 <= band <= 10_000:
        raise ValueError(f"band must be in 1..10000, got {band}")
    mode_id, task_id = mode_task_ids(mode, task)
    return EditParams(mode_id, int(k), ncode_of(literal_n), int(band), task_id, engine == "auto")


def _result(out: np.ndarray, cigars) -> BatchResult:
    """A ``BatchResult`` of the kernels' ``(6, pairs)`` output block (its rows, no copies)."""
    return BatchResult(cigars=cigars, **dict(zip(OUT_FIELDS, out)))


def batch_align(
    queries: Sequence,
    targets: Sequence,
    mode: str = "NW",
    task: str = "distance",
    k: int = -1,
    threads: int | None = None,
    literal_n: bool = False,
    band: int = DEFAULT_BAND,
    engine: str = "auto",
    device: str = "cpu",
) -> BatchResult:
    """Align ``queries[i]`` against ``targets[i]`` for every ``i``, in parallel (see
    ``batch_encoded`` for ``engine`` and ``device``)."""
    if len(queries) != len(targets):
        raise ValueError(f"{len(queries)} queries but {len(targets)} targets")
    if device == "cpu":
        done = _batch_text(queries, targets, mode, task, k, threads, literal_n, band, engine)
        if done is not None:
            return done
    q_flat, q_off = encode_many(queries)
    t_flat, t_off = encode_many(targets)
    return batch_encoded(
        q_flat, q_off, t_flat, t_off, mode, task, k, threads, literal_n, band, engine, device
    )


def _batch_text(queries, targets, mode, task, k, threads, literal_n, band, engine):
    """``batch_align`` on two lists of ASCII ``str``, read in place by the kernels
    (``strbuf``, ``textbatch``), or None when either list holds something else (then they are
    encoded)."""
    from ..alphabet import _ENCODE
    from . import strbuf, textbatch

    par = _edit_params(mode, task, k, literal_n, band, engine)
    q = strbuf.addresses_and_lengths(queries)
    t = strbuf.addresses_and_lengths(targets) if q is not None else None
    if t is None:
        return None
    path = par.task == TASK_PATH
    q_off = np.zeros(len(queries) + 1, dtype=np.int64)
    t_off = np.zeros(len(queries) + 1, dtype=np.int64)
    if path:  # only CIGARs are made in chunks by length (the rest: one serial pass saved)
        np.cumsum(q[1], out=q_off[1:])
        np.cumsum(t[1], out=t_off[1:])
    if path and ((q[1] + 1) * (t[1] + 1) > PATH_MEMORY).any():
        return None  # the encoded route checks such pairs' traceback memory first
    bad = {"q": np.empty(len(queries), dtype=np.int64), "t": np.empty(len(queries), dtype=np.int64)}

    kernel = (
        textbatch.edit_batch_from_text if textbatch.text_first(par) else textbatch.edit_batch_text
    )

    def run(a, b, out, lines):
        kernel(
            q[0][a:b], q[1][a:b], t[0][a:b], t[1][a:b], strbuf.HEADER, _ENCODE, par, out, lines,
            bad["q"][a:b], bad["t"][a:b],
        )  # fmt: skip

    result = _in_chunks(run, q_off, t_off, path, threads)
    for key, seqs in (("q", queries), ("t", targets)):
        if bad[key].max() >= 0:  # as encode_many: the first bad record, queries first
            rec = int(np.argmax(bad[key] >= 0))
            pos = int(bad[key][rec])
            raise SequenceError.bad_char(seqs[rec][pos], pos, rec)
    return result


def edit_distances(
    queries: Sequence,
    targets: Sequence,
    mode: str = "NW",
    k: int = -1,
    threads: int | None = None,
    literal_n: bool = False,
    device: str = "cpu",
) -> np.ndarray:
    """Edit distance of every pair as an int64 array (-1 where above ``k``); ``device="gpu"``
    runs it on a CUDA GPU."""
    return batch_align(
        queries, targets, mode, "distance", k, threads, literal_n, device=device
    ).distance


def edit_paths(
    queries: Sequence,
    targets: Sequence,
    mode: str = "NW",
    k: int = -1,
    threads: int | None = None,
    literal_n: bool = False,
) -> BatchResult:
    """Distances, locations and extended CIGARs of every pair."""
    return batch_align(queries, targets, mode, "path", k, threads, literal_n)
