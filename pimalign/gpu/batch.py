"""Host side of the GPU backend: transfers, launch geometry and the CPU fallback.

Pairs are split by query length into tiers, one compiled kernel per tier (``TIERS`` words of 64
query bases per thread), so short reads do not pay for the scratch a long query needs. Queries
longer than the last tier, and any pair a kernel reports as not done, are aligned by the CPU batch
kernel (``pimalign.api.batch_encoded``): every answer is exact and identical to the CPU's.
"""

from __future__ import annotations

import time

import numpy as np

from ..kernels.edit import MODE_HW, MODE_NW, MODE_SHW
from .device import require

TIERS = (4, 32)  # words per thread: queries up to 256 bases, then up to 2048; longer go to the CPU
THREADS_PER_BLOCK = 128
MODE_IDS = {"NW": MODE_NW, "SHW": MODE_SHW, "HW": MODE_HW}
TASK_IDS = {"distance": 0, "locations": 1, "path": 2}


def _mode_id(mode) -> int:
    if isinstance(mode, str):
        if mode not in MODE_IDS:
            raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(MODE_IDS)}")
        return MODE_IDS[mode]
    if int(mode) not in MODE_IDS.values():
        raise ValueError(f"unknown mode id {mode!r}: 0 (NW), 1 (SHW) or 2 (HW)")
    return int(mode)


def _task_id(task) -> int:
    if isinstance(task, str):
        if task not in TASK_IDS:
            raise ValueError(f"unknown task {task!r}: choose one of {', '.join(TASK_IDS)}")
        task_id = TASK_IDS[task]
    else:
        task_id = int(task)
        if task_id not in TASK_IDS.values():
            raise ValueError(f"unknown task id {task!r}: 0 (distance), 1 (locations) or 2 (path)")
    if task_id == 2:
        raise NotImplementedError("task 'path' (CIGAR) is not implemented on the GPU: "
                                  "use device='cpu' for CIGARs")
    return task_id


def _packed(flat, off, what: str) -> tuple[np.ndarray, np.ndarray]:
    flat = np.ascontiguousarray(flat, dtype=np.uint8)
    off = np.ascontiguousarray(off, dtype=np.int64)
    if off.ndim != 1 or off.shape[0] < 1:
        raise ValueError(f"{what} offsets must be a 1-d array of length pairs + 1")
    if off.shape[0] > 1 and (np.any(np.diff(off) < 0) or off[0] < 0 or off[-1] > flat.shape[0]):
        raise ValueError(f"{what} offsets must be non-decreasing and inside the code array")
    return flat, off


def repack(flat: np.ndarray, off: np.ndarray, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sequences ``sel`` of a packed batch, packed anew."""
    lengths = off[sel + 1] - off[sel]
    new_off = np.zeros(sel.shape[0] + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_off[1:])
    gather = np.repeat(off[sel] - new_off[:-1], lengths) + np.arange(new_off[-1], dtype=np.int64)
    return flat[gather], new_off


def _cpu(q_flat, q_off, t_flat, t_off, sel, mode_id, k, ncode, task_id, out) -> None:
    """Align pairs ``sel`` with the CPU batch kernel and write them into ``out``."""
    from pimalign.api import batch_encoded  # late: the API imports this package

    qf, qo = repack(q_flat, q_off, sel)
    tf, to = repack(t_flat, t_off, sel)
    mode = next(name for name, i in MODE_IDS.items() if i == mode_id)
    task = next(name for name, i in TASK_IDS.items() if i == task_id)
    res = batch_encoded(qf, qo, tf, to, mode, task, k, literal_n=ncode == 5)
    out["distance"][sel] = res.distance
    out["start"][sel] = res.start
    out["end"][sel] = res.end


def edit_batch_gpu(q_flat, q_off, t_flat, t_off, mode="NW", k: int = -1, ncode: int = 4,
                   task="distance", stats: dict | None = None) -> dict:
    """Edit distance of every packed pair on the GPU (one thread per pair).

    ``mode``: "NW", "SHW", "HW" (or ids 0, 1, 2); ``task``: "distance" or "locations" (ids 0, 1;
    "path" raises NotImplementedError); ``k < 0`` unbounded; ``ncode`` 4 (N mismatches
    everything) or 5 (N matches N). Returns int64 arrays ``distance`` (-1 above ``k``),
    ``start`` and ``end``, identical to ``pimalign.api.batch_encoded``'s: ``end`` the 0-based
    inclusive end of the leftmost optimal alignment, ``start`` its start for "locations" and -1
    otherwise, both -1 above ``k``. ``stats`` (a dict) receives seconds ``to_device``,
    ``kernel`` (the first launch of a tier in a process includes its compilation),
    ``from_device``, ``cpu`` and the count ``cpu_pairs`` of pairs left to the CPU.
    Raises RuntimeError when no CUDA GPU (nor the simulator) is present.
    """
    mode_id = _mode_id(mode)
    task_id = _task_id(task)
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
    timing = {"to_device": 0.0, "kernel": 0.0, "from_device": 0.0, "cpu": 0.0, "cpu_pairs": 0}
    out = {name: np.full(n_pairs, K.NOT_DONE if name == "distance" else -1, dtype=np.int64)
           for name in ("distance", "start", "end")}
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
        d_sel = [cuda.to_device(sel if sel.shape[0] < n_pairs else np.zeros(1, np.int64))
                 for _, sel in launches]
        cuda.synchronize()
        timing["to_device"] = time.perf_counter() - tic
        tic = time.perf_counter()
        for (words, sel), d_idx in zip(launches, d_sel):
            kernel = K.edit_kernel(words, task_id == 1 and mode_id == MODE_HW)
            count = sel.shape[0]
            blocks = (count + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
            kernel[blocks, THREADS_PER_BLOCK](d_q, d_qo, d_t, d_to, d_idx, count < n_pairs,
                                              count, mode_id, k, ncode, task_id,
                                              d_out["distance"], d_out["start"], d_out["end"])
        cuda.synchronize()
        timing["kernel"] = time.perf_counter() - tic
        tic = time.perf_counter()
        for name in out:
            d_out[name].copy_to_host(out[name])
        timing["from_device"] = time.perf_counter() - tic
        out["distance"][tier < 0] = K.NOT_DONE  # never launched: their slots hold garbage
    left = np.flatnonzero(out["distance"] == K.NOT_DONE)
    if left.shape[0] > 0:
        tic = time.perf_counter()
        _cpu(q_flat, q_off, t_flat, t_off, left, mode_id, k, ncode, task_id, out)
        timing["cpu"] = time.perf_counter() - tic
        timing["cpu_pairs"] = int(left.shape[0])
    if stats is not None:
        stats.update(timing)
    return out

