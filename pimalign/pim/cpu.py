"""The CPU side of ``pim estimate``: the core's measured throughput on the same pairs, and its
power (Linux RAPL package energy where readable, else a stated wattage per thread)."""

from __future__ import annotations

import os
import time

import numpy as np

from ..api import batch_encoded


def tile_pairs(q_flat, q_off, t_flat, t_off, copies: int):
    """The packed pairs repeated ``copies`` times (same alignments, a bigger batch)."""

    def tile(flat, off):
        total = off[-1]
        offs = [off[:1]] + [off[1:] + k * total for k in range(copies)]
        return np.tile(flat, copies), np.concatenate(offs).astype(np.int64)

    return (*tile(q_flat, q_off), *tile(t_flat, t_off))


def measure_cpu(
    q_flat,
    q_off,
    t_flat,
    t_off,
    mode: str,
    literal_n: bool,
    band: int,
    engine: str,
    threads: int | None = None,
    repeats: int = 3,
    min_pairs: int = 100_000,
) -> dict:
    """Throughput of the core on the same pre-encoded pairs (kernel only, warmed up).

    The batch is tiled to at least ``min_pairs`` pairs so per-call overhead (thread start-up)
    does not dominate small inputs; best of ``repeats`` timed calls. Returns ``engine``,
    ``threads``, ``alignments_per_second``, ``pairs_per_call`` and the untiled ``distance``.
    """
    import numba

    n_pairs = q_off.shape[0] - 1
    res = batch_encoded(
        q_flat, q_off, t_flat, t_off, mode, "distance", -1, threads, literal_n, band, engine
    )
    copies = max(1, -(-min_pairs // max(n_pairs, 1)))
    big = (
        tile_pairs(q_flat, q_off, t_flat, t_off, copies)
        if copies > 1
        else (q_flat, q_off, t_flat, t_off)
    )
    best, watts = 0.0, None
    for _ in range(max(1, repeats)):
        joules = package_joules()
        start = time.perf_counter()
        batch_encoded(*big, mode, "distance", -1, threads, literal_n, band, engine)
        elapsed = time.perf_counter() - start
        after = package_joules()
        if n_pairs * copies / elapsed > best:
            best = n_pairs * copies / elapsed
            watts = (after - joules) / elapsed if joules is not None and after else None
    return {
        "engine": engine,
        "threads": threads or numba.get_num_threads(),
        "alignments_per_second": best,
        "pairs_per_call": n_pairs * copies,
        "package_watts": watts,
        "distance": res.distance,
    }


RAPL = "/sys/class/powercap"


# Without RAPL: the share of a Xeon Gold 6248's TDP (150 W, 20 cores) per thread used.
CPU_WATTS_PER_THREAD = 7.5


def package_joules() -> float | None:
    """Sum of the CPU packages' energy counters (Linux RAPL), or None where unreadable."""
    import glob

    total, found = 0.0, False
    for path in glob.glob(os.path.join(RAPL, "intel-rapl:[0-9]*", "energy_uj")):
        try:
            with open(path) as handle:
                total += int(handle.read()) * 1e-6
            found = True
        except (OSError, ValueError):
            return None
    return total if found else None


def cpu_power(cpu: dict, watts: float | None) -> tuple[float, str]:
    """The CPU's watts while aligning and where that number comes from."""
    if watts is not None:
        return watts, "given with --cpu-watts"
    measured = cpu.get("package_watts")
    if measured:
        return measured, "measured package energy (RAPL)"
    return CPU_WATTS_PER_THREAD * cpu["threads"], (
        f"assumed: {CPU_WATTS_PER_THREAD} W per thread (Xeon Gold 6248 TDP 150 W / 20 cores); "
        "no RAPL counters readable here"
    )
