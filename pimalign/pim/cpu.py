"""The CPU side of ``pim estimate``: the core's measured per-core throughput on the same pairs
(best of N runs of a fixed batch, in CPU seconds, the load average recorded) times the stated
cores, or a rate measured elsewhere; and its power (Linux RAPL package energy where readable,
else a stated wattage per core)."""

from __future__ import annotations

import os
import time

import numpy as np

from ..editdist.api import batch_encoded


def tile_pairs(q_flat, q_off, t_flat, t_off, copies: int):
    """The packed pairs repeated ``copies`` times (same alignments, a bigger batch)."""

    def tile(flat, off):
        total = off[-1]
        offs = [off[:1]] + [off[1:] + k * total for k in range(copies)]
        return np.tile(flat, copies), np.concatenate(offs).astype(np.int64)

    return (*tile(q_flat, q_off), *tile(t_flat, t_off))


BATCH_PAIRS = 2_000  # the fixed batch every timed run aligns (the pairs tiled or cut to it)
MIN_SECONDS = 2.0  # the timed runs span at least this much wall time (see measure_cpu)
LOAD_PER_CORE_WARNING = 0.5  # load average per core above which the measurement is flagged
BASELINE_NOTE = (
    "per-core rate: best of N runs (at least 30, spanning at least 2 s) of a fixed batch on one "
    "thread, timed in the process's CPU seconds (a core's work, whatever else the machine "
    "runs); the baseline is that rate times the stated cores (linear scaling assumed)"
)


def stated_cores() -> int:
    """This machine's cores (those this process may run on)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def measure_cpu(
    q_flat,
    q_off,
    t_flat,
    t_off,
    mode: str,
    literal_n: bool,
    band: int,
    engine: str,
    cores: int | None = None,
    repeats: int = 30,
    batch_pairs: int = BATCH_PAIRS,
    min_seconds: float = MIN_SECONDS,
) -> dict:
    """The core's per-core throughput on the same pre-encoded pairs (kernel only, warmed up),
    and the baseline for ``cores`` cores (default: ``stated_cores``).

    Every run aligns the same fixed batch of ``batch_pairs`` pairs (the pairs tiled, then cut)
    on one thread; its rate is pairs over the process's CPU seconds, so a loaded machine
    (other processes sharing the cores) lengthens the wall time but not the rate. Best of
    ``repeats`` runs, or more until ``min_seconds`` of wall time have passed (at most 50 x
    ``repeats``): the runs then span more than one burst of a neighbour's load (a shared host's
    cache and memory, which CPU seconds do not see). The load average before and after is
    recorded, and ``load_warning`` says
    when it exceeded ``LOAD_PER_CORE_WARNING`` per core. Returns the rates, the runs, the load
    and the untiled ``distance``.
    """
    cores = cores or stated_cores()
    res = batch_encoded(
        q_flat, q_off, t_flat, t_off, mode, "distance", -1, 1, literal_n, band, engine
    )
    batch = fixed_batch(q_flat, q_off, t_flat, t_off, batch_pairs)
    size = batch[1].shape[0] - 1
    before = load_average()
    runs, walls, best, watts = [], [], 0.0, None
    start = time.perf_counter()
    while len(runs) < max(1, repeats) or (
        time.perf_counter() - start < min_seconds and len(runs) < 50 * max(1, repeats)
    ):
        joules = package_joules()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        batch_encoded(*batch, mode, "distance", -1, 1, literal_n, band, engine)
        cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
        after = package_joules()
        rate = size / max(cpu_s, 1e-9)
        runs.append(rate)
        walls.append(size / max(wall_s, 1e-9))
        if rate > best:
            best = rate
            watts = (after - joules) / wall_s if joules is not None and after else None
    load_after = load_average()
    peak = max((x[0] for x in (before, load_after) if x), default=0.0)
    warning = None
    if peak > LOAD_PER_CORE_WARNING * stated_cores():
        warning = (
            f"load average {peak:.2f} on {stated_cores()} cores while the CPU was measured: "
            "the per-core rate (CPU seconds) holds, the wall-clock rate does not"
        )
    return {
        "engine": engine,
        "source": "measured",
        "threads": 1,
        "cores": cores,
        "alignments_per_second_per_core": best,
        "alignments_per_second": best * cores,
        "wall_alignments_per_second_per_core": max(walls),
        "run_rates_per_core": runs,
        "runs": len(runs),
        "batch_pairs": size,
        "load_average_before": before,
        "load_average_after": load_after,
        "load_warning": warning,
        "method": BASELINE_NOTE,
        "package_watts": watts,
        "distance": res.distance,
    }


def given_cpu(rate: float, cores: int | None = None) -> dict:
    """The baseline of a rate measured elsewhere (``--cpu-rate``), for ``cores`` cores."""
    cores = cores or stated_cores()
    return {
        "engine": "given",
        "source": "given with --cpu-rate",
        "threads": cores,
        "cores": cores,
        "alignments_per_second_per_core": rate / cores,
        "alignments_per_second": rate,
        "method": "a rate measured elsewhere, given with --cpu-rate (for --cpu-cores cores)",
        "package_watts": None,
    }


def fixed_batch(q_flat, q_off, t_flat, t_off, pairs: int):
    """Exactly ``pairs`` pairs: the packed pairs tiled until there are enough, then cut."""
    n = q_off.shape[0] - 1
    copies = max(1, -(-pairs // max(n, 1)))
    big = tile_pairs(q_flat, q_off, t_flat, t_off, copies) if copies > 1 else (
        q_flat, q_off, t_flat, t_off
    )  # fmt: skip
    qf, qo, tf, to = big
    return qf[: qo[pairs]], qo[: pairs + 1], tf[: to[pairs]], to[: pairs + 1]


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
    return CPU_WATTS_PER_THREAD * cpu["cores"], (
        f"assumed: {CPU_WATTS_PER_THREAD} W per core (Xeon Gold 6248 TDP 150 W / 20 cores); "
        "no RAPL counters readable here"
    )
