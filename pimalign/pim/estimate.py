"""PIM estimate of a workload next to the CPU's measured throughput on the same alignments.

``pim_estimate`` turns the model's per-group program costs (``model.evaluate``, alignments placed
by ``model.layout`` and grouped by ``model.schedule``) into seconds and joules for a device:

- a group's time: its cycles (gates, INITs, moves) times the cycle time, plus writing its rows
  (one row per write per crossbar, crossbars in parallel) before each of its passes;
- banks run groups round-robin; compute time is the busiest bank's sum, stretched by the share
  of crossbars a resident reference occupies;
- host traffic (reads and addresses with a resident reference, else row images; results read
  back) shares one bandwidth and overlaps compute; alignments that fit no crossbar row run on
  the host CPU at its measured rate; ``seconds = max(compute, host link, host CPU)``;
- energy: switched cells x gate energy, moves, cell writes and reads, host transfer, and static
  controller power x seconds.

``steady_state`` is the throughput with every bank busy on groups like these (the workload
repeated until the device is full): ``min(compute, host, power budget)``. ``bound`` names what
set ``seconds``; endurance, area, power, alignments per joule, a sensitivity analysis and a
latency-vs-throughput curve complete the report.
"""

from __future__ import annotations

import os
import time

import numpy as np

from ..api import batch_encoded
from . import primitives as pr
from .device import Device
from .model import HOST, ROW, SPLIT, Workload, columns_per_alignment, evaluate, layout, sum_cost

PUBLISHED = [
    {
        "source": "RAPIDx, arXiv 2211.05733 v1 (2022)",
        "speedup_vs_cpu": 86.9,
        "speedup_vs_gpu": 31.0,
    },
    {
        "source": "RAPIDx, IEEE TCAD 42(10):3275-3288 (2023)",
        "speedup_vs_cpu": 131.1,
        "speedup_vs_gpu": 46.8,
    },
]
PUBLISHED_NOTE = (
    "Published RAPIDx ratios (short reads) are placed here for context, not reproduced. They "
    "compare against CPU/GPU alignment libraries on their authors' server hardware, with a band "
    "that never widens (approximate results) and RAPIDx's own data layout and circuits. This "
    "estimate compares against pimalign's kernel measured on this machine, keeps every result "
    "exact (coverage tracking, widening passes), charges one INIT per gate and a cell write's "
    "energy per gate, shifts the target FIFO for the data-dependent band, keeps the reference in "
    "the device and includes host transfers over one DDR4 channel. No "
    "parameter was tuned to approach the published figures."
)


ADDRESS_BITS = 48  # reference-resident: window start (32 bits) and length (16 bits)
N_POSITION_BITS = 16  # reference-resident: one N base's position in its read
SECONDS_PER_YEAR = 365.25 * 24 * 3600
ENDURANCE_CYCLES = (10**9, 10**12)


def pim_estimate(
    wl: Workload,
    device: Device,
    group_size: int | None = None,
    order: str = "shape",
    reference_bases: int | None = None,
    cpu_rate: float | None = None,
) -> dict:
    """Seconds, joules and throughput of ``wl`` on ``device`` (see module doc); JSON-ready.

    ``order``: lockstep groups by shape (default) or in input order. ``reference_bases``: the
    size of the resident reference (default: the alignments' target bases). ``cpu_rate``: the
    host CPU's alignments per second, which times the alignments that do not fit a crossbar
    row (without it they are counted but not timed).
    """
    device.validate()
    size = group_size or device.group_size
    n_all = len(wl)
    where = layout(wl, device.columns)
    on_idx = np.flatnonzero(where != HOST)
    on_device = wl.subset(on_idx) if on_idx.size < n_all else wl
    not_fitting = int(n_all - on_idx.size)
    ev = _evaluate_layouts(wl, where, device, size, order)
    n_al = len(on_device)
    members = ev["members"]
    t_cycle = device.cycle_time_ns * 1e-9
    write_s = ev["phases"] * ev["rows_written"] * device.write_latency_ns * 1e-9
    group_s = ev["cycles"] * t_cycle + write_s
    ref = reference_layout(device, wl if reference_bases is None else None, reference_bases)
    # the reference's crossbars run no alignments: the rest of the device does the work
    slowdown = 1.0 / (1.0 - ref["fraction"]) if device.reference_resident else 1.0
    bank = np.arange(ev["groups"]) % device.banks
    busiest = np.bincount(bank, weights=group_s, minlength=device.banks).max(initial=0)
    compute_s = float(busiest) * slowdown
    streaming_bits = int(ev["writes"].sum() + ev["reads"].sum())
    resident_bits = resident_host_bits(on_device) + int(ev["reads"].sum())
    host_bits = resident_bits if device.reference_resident else streaming_bits
    bandwidth_bits = device.host_bandwidth_gb_per_s * 8e9
    host_s = host_bits / bandwidth_bits
    cpu_s = not_fitting / cpu_rate if cpu_rate and not_fitting else 0.0
    seconds = max(compute_s, host_s, cpu_s)
    energy = ev["energy_cost"]
    window_reads = 2 * int(ev["window_bases"].sum()) if device.reference_resident else 0
    joules = {
        "gates": float(np.sum(energy.switched)) * device.gate_energy_fj * 1e-15,
        "moves": float(np.sum(energy.moves)) * device.move_energy_pj_per_bit * 1e-12,
        "cell_writes": float(ev["writes"].sum()) * device.write_energy_pj_per_bit * 1e-12,
        "cell_reads": float(ev["reads"].sum() + window_reads)
        * device.read_energy_pj_per_bit
        * 1e-12,
        "host_transfer": host_bits * device.host_energy_pj_per_bit * 1e-12,
        "static": device.controller_power_w * seconds,
    }
    total_j = sum(joules.values())
    # Steady state: the workload repeated until every bank is busy; each group keeps its
    # shape, so the device spends sum(members x group time) per group-size of alignments.
    weighted_s = float(np.sum(members * group_s / ev["size"])) * slowdown
    compute_rate = device.banks * n_al / weighted_s if weighted_s else float("inf")
    host_rate = n_al * bandwidth_bits / host_bits if host_bits else float("inf")
    per_alignment_j = total_j / n_al if n_al else 0.0
    dynamic_j = per_alignment_j - joules["static"] / n_al if n_al else 0.0
    power_rate = float("inf")
    if device.power_budget_w and dynamic_j > 0:
        power_rate = max(device.power_budget_w - device.controller_power_w, 0.0) / dynamic_j
    steady_device = min(compute_rate, host_rate, power_rate)
    steady = steady_device
    if not_fitting:  # the host CPU takes the rest, side by side
        share = not_fitting / n_all
        device_share = n_al / n_all
        cpu_part = cpu_rate / share if cpu_rate else float("inf")
        dev_part = steady_device / device_share if device_share else float("inf")
        steady = min(cpu_part, dev_part)
    issued_row_cycles = float(np.sum(ev["cycles"] * members))
    sections = {
        k: int(c.cycles(device.init_policy, device.move_cycles_per_bit))
        for k, c in ev["time_sections"].items()
    }
    timed = n_al + (not_fitting if cpu_rate else 0)
    rate = timed / seconds if seconds else float("inf")
    bound = _bound(compute_s, host_s, cpu_s, ev["groups"], device.banks)
    out = {
        "alignments": n_all,
        "alignments_on_device": n_al,
        "not_fitting": not_fitting,
        "not_fitting_timed": bool(cpu_rate) or not not_fitting,
        "groups": int(ev["groups"]),
        "group_size": int(size),
        "split_layout": int(np.count_nonzero(where == SPLIT)),
        "schedule": order,
        "cycles_total": int(np.sum(ev["cycles"])),
        "seconds": seconds,
        "compute_seconds": compute_s,
        "host_seconds": host_s,
        "host_cpu_seconds": cpu_s,
        "bound": bound,
        "alignments_per_second": rate,
        "steady_state_alignments_per_second": steady,
        "steady_state_compute_bound": compute_rate,
        "steady_state_host_bound": host_rate,
        "steady_state_power_bound": power_rate,
        "steady_state_bound": min(
            (("compute", compute_rate), ("host", host_rate), ("power", power_rate)),
            key=lambda kv: kv[1],
        )[0],
        "latency_per_group_seconds": float(group_s.mean()) if ev["groups"] else 0.0,
        "group_seconds_weighted": weighted_s / float(np.sum(members / ev["size"]))
        if ev["groups"]
        else 0.0,
        "joules_total": total_j,
        "joules_per_alignment": per_alignment_j,
        "alignments_per_joule": 1.0 / per_alignment_j if per_alignment_j else float("inf"),
        "energy_breakdown_joules": joules,
        "power_w": total_j / seconds if seconds else 0.0,
        "steady_state_power_w": (
            dynamic_j * steady_device + device.controller_power_w
            if np.isfinite(steady_device)
            else 0.0
        ),
        "reference_resident": device.reference_resident,
        "reference": ref,
        "host_bits": host_bits,
        "host_bits_per_alignment": host_bits / n_al if n_al else 0.0,
        "host_bits_per_alignment_by_mode": {
            "streaming": streaming_bits / n_al if n_al else 0.0,
            "reference_resident": resident_bits / n_al if n_al else 0.0,
        },
        "gates_switched_cells": int(np.sum(energy.switched)),
        "time_breakdown_cycles": sections,
        "device_occupancy": n_al / float(ev["size"].sum()) if ev["groups"] else 0.0,
        "lockstep_efficiency": ev["own_cycles"] / issued_row_cycles if issued_row_cycles else 1.0,
        "alignments_not_fitting_columns": not_fitting,
        "endurance": endurance(ev, on_device, device, steady_device),
        "area_mm2": area_mm2(device),
        "approximate": bool(wl.approximate),
    }
    return out


def _evaluate_layouts(wl: Workload, where, device: Device, size: int, order: str) -> dict:
    """``model.evaluate`` of the ``ROW`` and the ``SPLIT`` alignments (groups of their own,
    the split ones 2/3 as many per group: three crossbar rows each), merged per group and
    totalled; adds ``members``, ``size`` and ``rows_written`` (rows per crossbar) per group."""
    per_group = ("cycles", "phases", "writes", "reads", "window_bases")
    merged = {k: [] for k in per_group + ("members", "size", "rows_written")}
    energy, own, columns = pr.ZERO, 0, []
    for where_value, rows_per_alignment in ((ROW, 2), (SPLIT, 3)):
        idx = np.flatnonzero(where == where_value)
        if not idx.size:
            continue
        sub = wl.subset(idx) if idx.size < len(wl) else wl
        per_bank = max(1, device.crossbars_per_bank // rows_per_alignment)
        g_size = max(1, size * 2 // rows_per_alignment)
        ev = evaluate(
            sub,
            g_size,
            device.init_policy,
            device.move_cycles_per_bit,
            None,
            order,
            split=where_value == SPLIT,
        )
        members = np.bincount(ev["group"], minlength=ev["groups"])
        for k in per_group:
            merged[k].append(ev[k])
        merged["members"].append(members)
        merged["size"].append(np.full(ev["groups"], g_size))
        merged["rows_written"].append(np.minimum(device.rows, -(-members // per_bank)))
        energy = energy + sum_cost(ev["energy_cost"])
        own += ev["own_cycles"]
        columns.append(ev)
    out = {k: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for k, v in merged.items()}
    out["groups"] = int(out["cycles"].shape[0])
    out["energy_cost"] = energy
    out["own_cycles"] = own
    out["time_sections"] = _merge_sections([e["time_sections"] for e in columns])
    return out


def _merge_sections(parts: list[dict]) -> dict:
    out: dict = {}
    for part in parts:
        for k, c in part.items():
            out[k] = out.get(k, pr.ZERO) + c
    return out


SENSITIVITY = (
    # parameter, low, high, why this range
    ("cycle_time_ns", 1.0, 10.0, "1 ns (optimistic) to 10 ns (a set/reset pulse, NVSim)"),
    ("gate_energy_fj", 6.39, 600.0, "AritPIM's TOPS/W-derived figure to a full cell write"),
    ("host_bandwidth_gb_per_s", 12.8, 819.2, "half a DDR4-3200 channel to one HBM3 stack"),
    ("crossbars", 2**14, 2**18, "a quarter to four times the 2^16-crossbar device"),
    ("write_latency_ns", 1.0, 100.0, "row write 1 ns to 100 ns"),
    ("power_budget_w", 25.0, 250.0, "a 25 W module to a 250 W accelerator card (0: no cap)"),
)


def sensitivity(
    wl: Workload, device: Device, cpu_rate: float | None = None, reference_bases=None
) -> list[dict]:
    """Steady-state throughput and energy per alignment with each uncertain parameter at the
    low and high end of its range, the others at ``device`` (the tornado plot's bars)."""
    kw = {"cpu_rate": cpu_rate, "reference_bases": reference_bases}
    base = pim_estimate(wl, device, **kw)
    out = []
    for name, low, high, why in SENSITIVITY:
        row = {"parameter": name, "default": _param(device, name), "range": why}
        for end, value in (("low", low), ("high", high)):
            dev = (
                scaled_device(device, int(value))
                if name == "crossbars"
                else device.replace(**{name: value})
            )
            est = pim_estimate(wl, dev, **kw)
            row[end] = value
            row[f"throughput_{end}"] = est["steady_state_alignments_per_second"]
            row[f"compute_bound_{end}"] = est["steady_state_compute_bound"]
            row[f"joules_per_alignment_{end}"] = est["joules_per_alignment"]
        out.append(row)
    return [
        {
            **r,
            "throughput_default": base["steady_state_alignments_per_second"],
            "joules_per_alignment_default": base["joules_per_alignment"],
        }
        for r in out
    ]


def _param(device: Device, name: str):
    return device.crossbars if name == "crossbars" else getattr(device, name)


def latency_curve(pim: dict, device: Device, points: int = 13) -> list[dict]:
    """Latency against throughput for batches of B alignments like the workload's: a batch
    fills ``ceil(B / group size)`` groups, run ``ceil(groups / banks)`` rounds of the mean
    (member-weighted) group time, plus its host transfers, which one batch cannot overlap."""
    size, banks = pim["group_size"], device.banks
    t_group = pim["group_seconds_weighted"]
    bits = pim["host_bits_per_alignment"]
    bandwidth = device.host_bandwidth_gb_per_s * 8e9
    top = 10 * size * banks
    out = []
    for batch in np.unique(np.geomspace(1, top, points).round().astype(np.int64)):
        groups = -(-int(batch) // size)
        rounds = -(-groups // banks)
        seconds = rounds * t_group + int(batch) * bits / bandwidth
        out.append(
            {
                "batch": int(batch),
                "latency_seconds": seconds,
                "alignments_per_second": int(batch) / seconds if seconds else float("inf"),
            }
        )
    return out


def _bound(compute_s, host_s, cpu_s, groups, banks) -> str:
    """What sets ``seconds``: the host (link or CPU fallback), or the device's compute; a
    device with idle banks (fewer groups than banks) is latency-bound."""
    if max(host_s, cpu_s) > compute_s:
        return "host"
    return "latency" if groups < banks else "compute"


def resident_host_bits(wl: Workload) -> int:
    """Host bits sent when the reference is resident: each read at 2 bits per base, its N
    positions aside, and its window's address."""
    n_count = wl.n_count if wl.n_count is not None else np.zeros(len(wl), dtype=np.int64)
    return int(np.sum(2 * wl.m + ADDRESS_BITS + N_POSITION_BITS * n_count))


def reference_layout(device: Device, wl: Workload | None, bases: int | None) -> dict:
    """Where a resident reference sits: 2 bits per base in crossbars of its own, one copy per
    chip (a window is copied into a compute row inside its chip). ``bases`` defaults to the
    workload's target bases."""
    if bases is None:
        bases = int(np.sum(wl.n)) if wl is not None else 0
    per_chip = -(-2 * bases // (device.rows * device.columns)) if bases else 0
    per_chip_all = device.crossbars_per_bank * device.banks_per_chip
    if device.reference_resident and per_chip >= per_chip_all:
        raise ValueError(
            f"a reference of {bases:,} bases needs {per_chip:,} crossbars per chip; the "
            f"device has {per_chip_all:,} (use more chips' worth of crossbars, or "
            "reference_resident = false)"
        )
    return {
        "bases": int(bases),
        "crossbars_per_chip": int(per_chip),
        "fraction": per_chip / per_chip_all if device.reference_resident else 0.0,
    }


def endurance(ev: dict, wl: Workload, device: Device, rate: float) -> dict:
    """Cell writes per alignment spread over the columns it uses (wear levelled), and the
    years a cell lasts at ``rate`` alignments/s for 1e9 and 1e12 write cycles."""
    n = len(wl)
    if not n:
        return {"writes_per_cell_per_alignment": 0.0, "lifetime_years": {}}
    writes = float(np.sum(ev["energy_cost"].switched) + ev["writes"].sum())
    used = float(np.mean(np.minimum(columns_per_alignment(wl)[0], device.columns)))
    per_cell = writes / n / used
    rows = device.banks * device.rows * (device.crossbars_per_bank // 2)  # compute rows
    per_row_rate = rate / rows if np.isfinite(rate) else 0.0
    cell_rate = per_cell * per_row_rate
    return {
        "writes_per_cell_per_alignment": per_cell,
        "columns_per_alignment": used,
        "lifetime_years": {
            f"{c:.0e}": (c / cell_rate / SECONDS_PER_YEAR if cell_rate else float("inf"))
            for c in ENDURANCE_CYCLES
        },
    }


def area_mm2(device: Device) -> float:
    """Die area: every crossbar's cells at ``cell_area_f2`` F^2, over the array efficiency."""
    cells = device.crossbars * device.rows * device.columns
    f_mm = device.feature_nm * 1e-6
    return cells * device.cell_area_f2 * f_mm * f_mm / device.array_efficiency


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


def format_table(report: dict) -> str:
    """The human-readable comparison printed by ``pimalign pim estimate``."""
    pim = report["pim"]
    lines = [f"{'':34}{'alignments/s':>16}{'ratio vs CPU':>14}{'energy/alignment':>18}"]
    cpu = report.get("cpu") or {}
    fast = cpu.get("auto")
    base = fast["alignments_per_second"] if fast else None
    for key, label in (
        ("auto", "CPU measured, engine auto"),
        ("adaptive", "CPU measured, engine adaptive"),
    ):
        if key in cpu:
            rate = cpu[key]["alignments_per_second"]
            lines.append(
                f"{label + ' (' + str(cpu[key]['threads']) + ' thr)':34}{rate:>16,.0f}"
                f"{rate / base:>14.2f}{'not measured':>18}"
            )
    for key, label in (
        ("alignments_per_second", "PIM estimated, this workload"),
        ("steady_state_alignments_per_second", "PIM estimated, device full"),
    ):
        rate = pim[key]
        ratio = f"{rate / base:.2f}" if base else "n/a"
        lines.append(
            f"{label:34}{rate:>16,.0f}{ratio:>14}{pim['joules_per_alignment'] * 1e9:>15.2f} nJ"
        )
    lines.append("")
    for pub in PUBLISHED:
        lines.append(
            f"published (not measured here): {pub['source']}: {pub['speedup_vs_cpu']}x "
            f"CPU, {pub['speedup_vs_gpu']}x GPU libraries on short reads"
        )
    lines.append("")
    lines.append(
        f"alignments {pim['alignments']:,}, DP cells {report['dp_cells']:,}, bits/cell "
        f"max {report['bits_per_cell_max']}, PIM cycles {pim['cycles_total']:,}, "
        f"{pim['seconds'] * 1e3:.3f} ms (compute {pim['compute_seconds'] * 1e3:.3f} ms, "
        f"host {pim['host_seconds'] * 1e3:.3f} ms), {pim['joules_total'] * 1e3:.4f} mJ"
    )
    lines.append(
        f"bound: {pim['bound']} (device full: {pim['steady_state_bound']}); host bits per "
        f"alignment {pim['host_bits_per_alignment']:,.0f} "
        f"({'reference resident' if pim['reference_resident'] else 'windows streamed'}; "
        f"streaming {pim['host_bits_per_alignment_by_mode']['streaming']:,.0f}, resident "
        f"{pim['host_bits_per_alignment_by_mode']['reference_resident']:,.0f}); lockstep "
        f"efficiency {pim['lockstep_efficiency']:.1%} "
        f"({pim['groups']:,} groups by {pim['schedule']})"
    )
    if pim["not_fitting"] or pim["split_layout"]:
        timed = "timed at the measured CPU rate" if pim["not_fitting_timed"] else "not timed"
        lines.append(
            f"{pim['not_fitting']:,} alignments need more than {report['device']['columns']:,} "
            f"columns even split: they run on the host CPU ({timed}); "
            f"{pim['split_layout']:,} run split (target FIFO in a third crossbar row)"
        )
    lines.append(
        f"power {pim['power_w']:.2f} W (device full {pim['steady_state_power_w']:.2f} W), "
        f"area {pim['area_mm2']:,.0f} mm2, {pim['alignments_per_joule']:,.0f} alignments/J"
        + (
            f" (CPU {report['cpu_alignments_per_joule']:,.0f}/J at {report['cpu_watts']:.0f} W, "
            f"{report['cpu_watts_source']})"
            if report.get("cpu_alignments_per_joule")
            else ""
        )
        + f"; cell writes per alignment per cell "
        f"{pim['endurance']['writes_per_cell_per_alignment']:.2f}, lifetime at full rate "
        + ", ".join(
            f"{_years(y)} ({c} cycles)" for c, y in pim["endurance"]["lifetime_years"].items()
        )
    )
    if pim["approximate"]:
        lines.append(
            "approximate: a workload file has no sequences, so passes are inferred and "
            "the CPU is not measured"
        )
    lines.append(PUBLISHED_NOTE)
    return "\n".join(lines)


def _years(years: float) -> str:
    if years == float("inf"):
        return "unbounded"
    if years < 1 / 365.25:
        return f"{years * 365.25 * 24:.2g} hours"
    if years < 1:
        return f"{years * 365.25:.3g} days"
    return f"{years:.3g} years"


def scaled_device(device: Device, crossbars: int) -> Device:
    """``device`` with ``crossbars`` crossbars in total: whole banks of the same size when
    possible (one chip), else one bank of ``crossbars`` crossbars."""
    if crossbars < 2:
        raise ValueError(f"crossbars must be >= 2, got {crossbars}")
    if crossbars >= device.crossbars_per_bank and crossbars % device.crossbars_per_bank == 0:
        return device.replace(chips=1, banks_per_chip=crossbars // device.crossbars_per_bank)
    return device.replace(chips=1, banks_per_chip=1, crossbars_per_bank=crossbars)


def load_workload(
    pairs: str | None,
    workload: str | None,
    mode: str | None,
    literal_n: bool,
    band: int,
    limit: int | None = None,
    *,
    bam: str | None = None,
    reads: list | None = None,
    ref: str | None = None,
    threads: int | None = None,
):
    """``(Workload, encoded pairs or None, profile or None, table or None, source)`` from one
    input: a pair TSV, a workload file, a BAM with its reference, or reads with a reference
    (``from_alignments``). ``source``: ``mode`` used, ``reference_bases`` (None: the targets)
    and, for BAM/reads, the records ``used`` and skipped."""
    from .workload import approximate_workload, profile_workload, read_pairs, read_workload_file

    given = [x for x in (pairs, workload, bam, reads) if x]
    if len(given) != 1:
        raise ValueError("give exactly one of --pairs, --workload, --bam and --reads")
    if (bam or reads) and not ref:
        raise ValueError("--bam and --reads need --ref (the reference they align to)")
    if ref and not (bam or reads):
        raise ValueError("--ref goes with --bam or --reads")
    source = {"mode": mode or ("SHW" if (bam or reads) else "NW"), "reference_bases": None}
    mode = source["mode"]
    if bam or reads:
        from .from_alignments import load_reference, pairs_from_bam, pairs_from_reads

        if reads:
            if len(reads) > 2:
                raise ValueError("--reads takes one reads file, or two for paired-end")
            *enc, counts = pairs_from_reads(
                reads[0], reads[1] if len(reads) > 1 else None, ref, threads, limit
            )
            reference = load_reference(ref)
        else:
            reference = load_reference(ref)
            *enc, counts = pairs_from_bam(bam, reference, limit=limit)
        source.update(reference_bases=int(reference.lengths.sum()), records=counts)
        wl, prof = profile_workload(*enc, mode, literal_n, band)
        return wl, tuple(enc), prof, None, source
    if pairs is not None:
        _, q_flat, q_off, t_flat, t_off = read_pairs(pairs, limit=limit)
        wl, prof = profile_workload(q_flat, q_off, t_flat, t_off, mode, literal_n, band)
        return wl, (q_flat, q_off, t_flat, t_off), prof, None, source
    table = read_workload_file(workload)
    if limit is not None:
        for name in ("band", "cells", "bits", "query_len", "target_len", "passes", "affine"):
            setattr(table, name, getattr(table, name)[:limit])
    return approximate_workload(table, mode, literal_n, band), None, None, table, source


def run_estimate(
    device: Device,
    pairs: str | None = None,
    workload: str | None = None,
    mode: str | None = None,
    literal_n: bool = False,
    band: int = 8,
    threads: int | None = None,
    limit: int | None = None,
    repeats: int = 3,
    crossbar_points: tuple = (2**10, 2**12, 2**14, 2**16, 2**18),
    cpu_watts: float | None = None,
    bam: str | None = None,
    reads: list | None = None,
    ref: str | None = None,
) -> dict:
    """The full ``pim estimate`` report (JSON-ready; see ``pimalign pim estimate --help``)."""
    wl, enc, prof, table, source = load_workload(
        pairs,
        workload,
        mode,
        literal_n,
        band,
        limit,
        bam=bam,
        reads=reads,
        ref=ref,
        threads=threads,
    )
    mode = source["mode"]
    ref_bases = source["reference_bases"]
    cpu = {}
    if enc is not None:
        for engine in ("auto", "adaptive"):
            res = measure_cpu(*enc, mode, literal_n, band, engine, threads, repeats)
            if not np.array_equal(res["distance"], prof["distance"]):
                raise RuntimeError("the PIM workload profile and the core disagree on distances")
            cpu[engine] = {k: v for k, v in res.items() if k != "distance"}
        dp_cells = int(prof["cells"].sum())
        bits_max = int(prof["bits"].max(initial=1))
    else:
        dp_cells = int(table.cells.sum())
        bits_max = int(table.bits.max(initial=1))
    cpu_rate = cpu["auto"]["alignments_per_second"] if cpu else None
    pim = pim_estimate(wl, device, cpu_rate=cpu_rate, reference_bases=ref_bases)
    watts, watts_source = cpu_power(cpu["auto"], cpu_watts) if cpu else (None, None)
    scaling = []
    for xb in crossbar_points:
        est = pim_estimate(
            wl, scaled_device(device, xb), cpu_rate=cpu_rate, reference_bases=ref_bases
        )
        scaling.append(
            {
                "crossbars": xb,
                **{
                    k: est[k]
                    for k in (
                        "alignments_per_second",
                        "steady_state_alignments_per_second",
                        "steady_state_compute_bound",
                        "steady_state_host_bound",
                        "seconds",
                    )
                },
            }
        )
    passes = np.bincount(np.asarray(wl.passes, dtype=np.int64)).tolist()
    return {
        "alignments": pim["alignments"],
        "dp_cells": dp_cells,
        "bits_per_cell_max": bits_max,
        "cycles_total": pim["cycles_total"],
        "seconds": pim["seconds"],
        "alignments_per_second": pim["alignments_per_second"],
        "steady_state_alignments_per_second": pim["steady_state_alignments_per_second"],
        "joules_total": pim["joules_total"],
        "joules_per_alignment": pim["joules_per_alignment"],
        "cpu_alignments_per_second": cpu_rate,
        "cpu_adaptive_alignments_per_second": (
            cpu["adaptive"]["alignments_per_second"] if cpu else None
        ),
        "speedup_vs_cpu": pim["alignments_per_second"] / cpu_rate if cpu_rate else None,
        "bound": pim["bound"],
        "steady_state_bound": pim["steady_state_bound"],
        "host_bits_per_alignment": pim["host_bits_per_alignment"],
        "reference_resident": pim["reference_resident"],
        "lockstep_efficiency": pim["lockstep_efficiency"],
        "not_fitting": pim["not_fitting"],
        "endurance": pim["endurance"],
        "area_mm2": pim["area_mm2"],
        "power_w": pim["power_w"],
        "alignments_per_joule": pim["alignments_per_joule"],
        "cpu_alignments_per_joule": cpu_rate / watts if cpu_rate else None,
        "cpu_watts": watts,
        "cpu_watts_source": watts_source,
        "steady_state_speedup_vs_cpu": (
            pim["steady_state_alignments_per_second"] / cpu_rate if cpu_rate else None
        ),
        "device": device.as_dict(),
        "settings": {
            "mode": mode,
            "band": band,
            "literal_n": literal_n,
            "input": pairs or workload or bam or reads,
            "reference": ref,
            "records": source.get("records"),
            "limit": limit,
            "cpu": "pimalign kernel on the same pre-encoded pairs (tiled to >= 100k pairs "
            "per call), best of repeats; 'auto' is the fastest engine "
            "(bit-parallel word + adaptive band), 'adaptive' the algorithm the "
            "PIM program executes",
        },
        "passes_histogram": passes,
        "sensitivity": sensitivity(wl, device, cpu_rate, ref_bases),
        "latency_curve": latency_curve(pim, device),
        "pim": pim,
        "cpu": cpu,
        "scaling": scaling,
        "published": PUBLISHED,
        "published_note": PUBLISHED_NOTE,
    }


REPORT_FIGURES = (
    "throughput_vs_crossbars.png",
    "energy_breakdown.png",
    "time_breakdown.png",
    "latency_vs_throughput.png",
    "tornado.png",
)


def write_report(report: dict, paths: list[str]) -> list[str]:
    """Write the figures of ``report`` (``REPORT_FIGURES``) to ``paths``."""
    from . import plots

    pim = report["pim"]
    plots.throughput_vs_crossbars(report["scaling"], report["cpu_alignments_per_second"], paths[0])
    plots.energy_breakdown(pim["energy_breakdown_joules"], pim["alignments"], paths[1])
    plots.time_breakdown(
        pim["time_breakdown_cycles"],
        report["device"]["cycle_time_ns"],
        pim["host_seconds"],
        pim["compute_seconds"],
        paths[2],
    )
    plots.latency_vs_throughput(
        report["latency_curve"], report["cpu_alignments_per_second"], paths[3]
    )
    plots.tornado(report["sensitivity"], paths[4])
    return paths
