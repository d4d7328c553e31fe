"""Host side of the GPU backend: transfers, launch geometry and the CPU fallback.

Pairs are split by query length into tiers, one compiled kernel per tier (``TIERS`` words of 64
query bases per thread), so short reads do not pay for the scratch a long query needs. Queries
longer than the last tier, and any pair a kernel reports as not done, are aligned by the CPU batch
kernel (``pimalign.api.batch_encoded``): every answer is exact and identical to the CPU's.
"""

from __future__ import annotations

import time

import numpy as np

from ..alphabet import repack  # noqa: F401  (re-exported)
from ..kernels.options import MODE_HW, TASK_PATH, mode_id, task_id
from .device import require

TIERS = (4, 32)  # words per thread: queries up to 256 bases, then up to 2048; longer go to the CPU
THREADS_PER_BLOCK = 128


def _task_id(task) -> int:
    tid = task_id(task)
    if tid == TASK_PATH:
        raise ValueError("task 'path' (CIGAR) does not run on the GPU: use device='cpu'")
    return tid


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
    """Edit distance of every packed pair on the GPU (one thread per pair).

    ``mode``: "NW", "SHW", "HW" (or ids 0, 1, 2); ``task``: "distance" or "locations" (ids 0, 1;
    "path" is a ValueError); ``k < 0`` unbounded; ``ncode`` 4 (N mismatches everything) or 5
    (N matches N). Returns int64 arrays ``distance`` (-1 above ``k``), ``start`` and ``end``,
    identical to ``pimalign.api.batch_encoded``'s: ``end`` the 0-based inclusive end of the
    leftmost optimal alignment, ``start`` its start for "locations" and -1 otherwise, both -1
    above ``k``. A pair whose query is longer than the largest tier is not aligned: its
    distance is ``NOT_DONE`` (-2), for the caller to align on the CPU (``api.batch_encoded``
    with ``device="gpu"`` does). ``stats`` (a dict) receives seconds ``to_device``, ``kernel``
    (the first launch of a tier in a process includes its compilation), ``from_device`` and
    the count ``cpu_pairs`` of pairs left undone.
    Raises RuntimeError when no CUDA GPU (nor the simulator) is present.
    """
    mode = mode_id(mode)
    task = _task_id(task)
    if ncode not in (4, 5):
        raise ValueError(f"ncode must be 4 (N mismatches) or 5 (N matches N), got {ncode}")
    q_flat, q_off = _packed(q_flat, q_off, "query")
    t_flat, t_off = _packed(t_flat, t_off, "target")
    if q_off.shape[0] != t_off.shape[0]:
        raise ValueError(f"{q_off.shape[0] - 1} queries but {t_off.shape[0] - 1} targets")
    require()
    from numba import cuda

    from . import kernels as K  # late: numba.cuda takes a while to import

    n_pairs = q_off.shape[0] - 1
    k = int(k)
    timing = {"to_device": 0.0, "kernel": 0.0, "from_device": 0.0, "cpu_pairs": 0}
    out = {
        name: np.full(n_pairs, K.NOT_DONE if name == "distance" else -1, dtype=np.int64)
        for name in ("distance", "start", "end")
    }
    q_len = np.diff(q_off)
    tier = np.full(n_pairs, -1, dtype=np.int64)
    lower = -1
    for x, words in enumerate(TIERS):
        tier[(q_len > lower) & (q_len <= words * K.WORD)] = x
        lower = max(lower, words * K.WORD)
    launches = [(words, np.flatnonzero(tier == x)) for x, words in enumerate(TIERS)]
    launches = [(words, sel) for words, sel in launches if sel.shape[0] > 0]
    if launches:
        tic = time.perf_counter()
        # A zero-length code array (every sequence empty) is sent as one unused byte.
        d_q = cuda.to_device(q_flat if q_flat.shape[0] else np.zeros(1, np.uint8))
        d_t = cuda.to_device(t_flat if t_flat.shape[0] else np.zeros(1, np.uint8))
        d_qo, d_to = cuda.to_device(q_off), cuda.to_device(t_off)
        d_out = {name: cuda.device_array(n_pairs, dtype=np.int64) for name in out}
        d_sel = [
            cuda.to_device(sel if sel.shape[0] < n_pairs else np.zeros(1, np.int64))
            for _, sel in launches
        ]
        cuda.synchronize()
        timing["to_device"] = time.perf_counter() - tic
        tic = time.perf_counter()
        for (words, sel), d_idx in zip(launches, d_sel):
            kernel = K.edit_kernel(words, task == 1 and mode == MODE_HW)
            count = sel.shape[0]
            blocks = (count + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
            kernel[blocks, THREADS_PER_BLOCK](
                d_q,
                d_qo,
                d_t,
                d_to,
                d_idx,
                count < n_pairs,
                count,
                mode,
                k,
                ncode,
                task,
                d_out["distance"],
                d_out["start"],
                d_out["end"],
            )
        cuda.synchronize()
        timing["kernel"] = time.perf_counter() - tic
        tic = time.perf_counter()
        for name in out:
            d_out[name].copy_to_host(out[name])
        timing["from_device"] = time.perf_counter() - tic
        out["distance"][tier < 0] = K.NOT_DONE  # never launched: their slots hold garbage
    timing["cpu_pairs"] = int(np.count_nonzero(out["distance"] == K.NOT_DONE))
    if stats is not None:
        stats.update(timing)
    return out
