"""Host side of the GPU backend: transfers, launch geometry and CIGAR text.

Pairs are split by query length into tiers, one compiled kernel per tier (``TIERS`` words of 64
query bases per thread), so short reads do not pay for the scratch a long query needs. Queries
longer than the last tier, and path pairs whose kept columns would not fit ``COLUMN_WORDS``, are
marked ``NOT_DONE`` for the caller to align on the CPU (``pimalign.editdist.api.batch_encoded`` with
``device="gpu"`` does): every answer is exact and identical to the CPU's.
"""

from __future__ import annotations

import time

import numpy as np

from ..alphabet import repack  # noqa: F401  (re-exported)
from ..kernels.batch import runs_of_ops
from ..kernels.cigartext import cigar_texts
from ..kernels.options import MODE_HW, TASK_LOCATIONS, TASK_PATH, Runs, mode_id, task_id
from .device import require

TIERS = (4, 32)  # words per thread: queries up to 256 bases, then up to 2048; longer go to the CPU
THREADS_PER_BLOCK = 128
COLUMN_WORDS = 1 << 26  # kept columns per path launch: 512 MiB of device memory


def _packed(flat, off, what: str) -> tuple[np.ndarray, np.ndarray]:
    flat = np.ascontiguousarray(flat, dtype=np.uint8)
    off = np.ascontiguousarray(off, dtype=np.int64)
    if off.ndim != 1 or off.shape[0] < 1:
        raise ValueError(f"{what} offsets must be a 1-d array of length pairs + 1")
    if off.shape[0] > 1 and (np.any(np.diff(off) < 0) or off[0] < 0 or off[-1] > flat.shape[0]):
        raise ValueError(f"{what} offsets must be non-decreasing and inside the code array")
    return flat, off


def edit_batch_gpu(
    q_flat,
    q_off,
    t_flat,
    t_off,
    mode="NW",
    k: int = -1,
    ncode: int = 4,
    task="distance",
    stats: dict | None = None,
) -> dict:
    """Edit distance (and CIGAR) of every packed pair on the GPU (one thread per pair).

    ``mode``: "NW", "SHW", "HW" (or ids 0, 1, 2); ``task``: "distance", "locations" or "path"
    (ids 0, 1, 2); ``k < 0`` unbounded; ``ncode`` 4 (N mismatches everything) or 5 (N matches
    N). Returns int64 arrays ``distance`` (-1 above ``k``), ``start`` and ``end``, identical to
    ``pimalign.editdist.api.batch_encoded``'s: ``end`` the 0-based inclusive end of the leftmost
    optimal alignment, ``start`` its start for "locations" and "path" and -1 otherwise, both -1
    above ``k``; for "path" also ``cigars``, the extended CIGAR of every pair (None above
    ``k``). A pair the GPU does not align (query longer than the largest tier, or kept columns over
    ``COLUMN_WORDS``) has distance ``NOT_DONE`` (-2) for the caller to align on the CPU.
    ``stats`` (a dict) receives seconds ``to_device``, ``kernel`` (the first launch of a
    kernel in a process includes its compilation), ``from_device`` and the count
    ``cpu_pairs`` of pairs left undone.
    Raises RuntimeError when no CUDA GPU (nor the simulator) is present.
    """
    mode = mode_id(mode)
    task = task_id(task)
    if ncode not in (4, 5):
        raise ValueError(f"ncode must be 4 (N mismatches) or 5 (N matches N), got {ncode}")
    q_flat, q_off = _packed(q_flat, q_off, "query")
    t_flat, t_off = _packed(t_flat, t_off, "target")
    if q_off.shape[0] != t_off.shape[0]:
        raise ValueError(f"{q_off.shape[0] - 1} queries but {t_off.shape[0] - 1} targets")
    require()
    from . import kernels as K  # late: numba.cuda takes a while to import

    n_pairs = q_off.shape[0] - 1
    timing = {"to_device": 0.0, "kernel": 0.0, "from_device": 0.0, "cpu_pairs": 0}
    out = {
        name: np.full(n_pairs, K.NOT_DONE if name == "distance" else -1, dtype=np.int64)
        for name in ("distance", "start", "end")
    }
    tier = _tiers(np.diff(q_off), K.WORD)
    launches = [(words, np.flatnonzero(tier == x)) for x, words in enumerate(TIERS)]
    launches = [(words, sel) for words, sel in launches if sel.shape[0] > 0]
    args = (q_flat, q_off, t_flat, t_off, mode, int(k), ncode, task)
    if task == TASK_PATH:
        out["cigars"] = _run_paths(args, launches, out, timing)
    elif launches:
        _run_distances(args, launches, out, timing)
    out["distance"][tier < 0] = K.NOT_DONE  # never launched: their slots hold garbage
    timing["cpu_pairs"] = int(np.count_nonzero(out["distance"] == K.NOT_DONE))
    if stats is not None:
        stats.update(timing)
    return out


def _tiers(q_len: np.ndarray, word: int) -> np.ndarray:
    """Each pair's tier (index into ``TIERS``) by query length, -1 when longer than the last."""
    tier = np.full(q_len.shape[0], -1, dtype=np.int64)
    lower = -1
    for x, words in enumerate(TIERS):
        tier[(q_len > lower) & (q_len <= words * word)] = x
        lower = max(lower, words * word)
    return tier


def _device_inputs(q_flat, q_off, t_flat, t_off):
    """The packed pairs on the device (a zero-length code array is sent as one unused byte)."""
    from numba import cuda

    d_q = cuda.to_device(q_flat if q_flat.shape[0] else np.zeros(1, np.uint8))
    d_t = cuda.to_device(t_flat if t_flat.shape[0] else np.zeros(1, np.uint8))
    return d_q, cuda.to_device(q_off), d_t, cuda.to_device(t_off)


def _run_distances(args, launches, out, timing) -> None:
    """Tasks distance and locations: one launch per tier into ``out``."""
    from numba import cuda

    from . import kernels as K

    q_flat, q_off, t_flat, t_off, mode, k, ncode, task = args
    n_pairs = q_off.shape[0] - 1
    tic = time.perf_counter()
    d_in = _device_inputs(q_flat, q_off, t_flat, t_off)
    d_out = {name: cuda.device_array(n_pairs, dtype=np.int64) for name in out}
    d_sel = [
        cuda.to_device(sel if sel.shape[0] < n_pairs else np.zeros(1, np.int64))
        for _, sel in launches
    ]
    cuda.synchronize()
    timing["to_device"] += time.perf_counter() - tic
    tic = time.perf_counter()
    for (words, sel), d_idx in zip(launches, d_sel):
        kernel = K.edit_kernel(words, task == TASK_LOCATIONS and mode == MODE_HW)
        count = sel.shape[0]
        blocks = (count + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
        kernel[blocks, THREADS_PER_BLOCK](
            *d_in, d_idx, count < n_pairs, count, mode, k, ncode, task,
            d_out["distance"], d_out["start"], d_out["end"],
        )  # fmt: skip
    cuda.synchronize()
    timing["kernel"] += time.perf_counter() - tic
    tic = time.perf_counter()
    for name in out:
        d_out[name].copy_to_host(out[name])
    timing["from_device"] += time.perf_counter() - tic


def _column_chunks(sel: np.ndarray, words: np.ndarray):
    """Split the pairs ``sel`` (their kept columns ``words[sel]``, each <= ``COLUMN_WORDS``)
    into consecutive chunks whose columns fit ``COLUMN_WORDS``; yields ``(pairs, col_off)``."""
    first = 0
    while first < sel.shape[0]:
        ends = np.cumsum(words[sel[first:]])
        stop = first + max(1, int(np.searchsorted(ends, COLUMN_WORDS, side="right")))
        chunk = sel[first:stop]
        yield chunk, np.concatenate(([0], ends[: stop - first - 1])).astype(np.int64)
        first = stop


def _run_paths(args, launches, out, timing) -> list:
    """Task path: launches per tier and column chunk into ``out``; returns the CIGARs."""
    from numba import cuda

    from .paths import column_words, path_kernel

    q_flat, q_off, t_flat, t_off, mode, k, ncode, _ = args
    n_pairs = q_off.shape[0] - 1
    slots = (q_off - q_off[0] + t_off - t_off[0])[:-1]
    n_slots = max(1, int(q_off[-1] - q_off[0] + t_off[-1] - t_off[0]))
    words = column_words(q_off, t_off)
    tic = time.perf_counter()
    d_in = _device_inputs(q_flat, q_off, t_flat, t_off)
    d_out = [cuda.device_array(n_pairs, dtype=np.int64) for _ in range(4)]
    d_ops = cuda.device_array(n_slots, dtype=np.uint8)
    cuda.synchronize()
    timing["to_device"] += time.perf_counter() - tic
    done = np.zeros(n_pairs, dtype=bool)
    for tier_words, sel in launches:
        kernel = path_kernel(tier_words)
        # A pair whose columns alone exceed the scratch stays NOT_DONE (out's initial value).
        for chunk, col_off in _column_chunks(sel[words[sel] <= COLUMN_WORDS], words):
            tic = time.perf_counter()
            d_cols = cuda.device_array(max(1, int(col_off[-1] + words[chunk[-1]])), np.uint64)
            d_idx, d_col_off = cuda.to_device(chunk), cuda.to_device(col_off)
            cuda.synchronize()
            timing["to_device"] += time.perf_counter() - tic
            tic = time.perf_counter()
            count = chunk.shape[0]
            blocks = (count + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
            kernel[blocks, THREADS_PER_BLOCK](
                *d_in, d_idx, count, mode, k, ncode, d_cols, d_col_off, *d_out, d_ops
            )
            cuda.synchronize()
            timing["kernel"] += time.perf_counter() - tic
            done[chunk] = True
    tic = time.perf_counter()
    n_ops = np.zeros(n_pairs, dtype=np.int64)
    if done.any():
        host = [d.copy_to_host() for d in d_out]
        for name, values in zip(("distance", "start", "end"), host):
            out[name][done] = values[done]
        n_ops[done] = host[3][done]
    ops = d_ops.copy_to_host()
    timing["from_device"] += time.perf_counter() - tic
    return cigars_of_ops(ops, slots, n_ops, out["distance"])


def cigars_of_ops(ops: np.ndarray, slots: np.ndarray, n_ops: np.ndarray, distance) -> list:
    """Extended CIGARs of the path kernel's ops (pair ``p``'s ``n_ops[p]`` ops from
    ``ops[slots[p]]``); None where ``distance`` is negative (above ``k`` or not done)."""
    n_pairs = slots.shape[0]
    runs = Runs(
        slots, np.empty_like(ops), np.empty(ops.shape[0], np.int64), np.zeros(n_pairs, np.int64)
    )
    runs_of_ops(ops, n_ops, runs)
    cigars = cigar_texts(*runs).tobytes().decode("ascii").split("\n")[:n_pairs]
    for p in np.flatnonzero(np.asarray(distance) < 0).tolist():
        cigars[p] = None
    return cigars
