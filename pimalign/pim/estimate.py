"""PIM estimate of a workload next to the CPU's measured throughput on the same alignments.

``pim_estimate`` turns the per-group program costs (``schedule.evaluate``, alignments placed by
``schedule.layout`` and grouped by ``schedule.schedule``) into seconds and joules for a device:

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
set ``seconds``; endurance, area, power and alignments per joule come with it (``report``
adds the CPU, a sensitivity analysis and a latency-vs-throughput curve).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import primitives as pr
from .device import Device
from .schedule import HOST, ROW, SPLIT, Workload, columns_per_alignment, evaluate, layout, sum_cost

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
    ring = device.target_window == "ring" and not wl.approximate  # a file has no drift
    where = layout(wl, device.columns, ring)
    on_device, not_fitting = _on_device(wl, where)
    ev = _evaluate_layouts(wl, where, device, size, order, ring)
    n_al = len(on_device)
    members = ev["members"]
    tm = _timing(ev, device, wl, on_device, not_fitting, cpu_rate, reference_bases)
    group_s, host_bits, seconds = tm.group_s, tm.host_bits, tm.seconds
    joules = _energy(ev, device, host_bits, seconds)
    total_j, per_alignment_j, dynamic_j = _per_alignment(joules, n_al)
    weighted_s = float(np.sum(members * group_s / ev["size"])) * tm.slowdown
    rates = _steady_rates(device, n_al, weighted_s, host_bits / n_al if n_al else 0.0, dynamic_j)
    steady_device = rates["steady_state_device"]
    steady = _with_host_cpu(steady_device, n_all, n_al, cpu_rate)
    issued_row_cycles = float(np.sum(ev["cycles"] * members))
    timed = n_al + (not_fitting if cpu_rate else 0)
    rate = timed / seconds if seconds else float("inf")
    return {
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
        "compute_seconds": tm.compute_s,
        "host_seconds": tm.host_s,
        "host_cpu_seconds": tm.cpu_s,
        "bound": _bound(tm.compute_s, tm.host_s, tm.cpu_s, ev["groups"], device.banks),
        "alignments_per_second": rate,
        "steady_state_alignments_per_second": steady,
        **{k: v for k, v in rates.items() if k != "steady_state_device"},
        "latency_per_group_seconds": float(group_s.mean()) if ev["groups"] else 0.0,
        "group_seconds_weighted": (
            weighted_s / float(np.sum(members / ev["size"])) if ev["groups"] else 0.0
        ),
        "joules_total": total_j,
        "joules_per_alignment": per_alignment_j,
        "alignments_per_joule": 1.0 / per_alignment_j if per_alignment_j else float("inf"),
        "energy_breakdown_joules": joules,
        "power_w": total_j / seconds if seconds else 0.0,
        "steady_state_power_w": _steady_power(dynamic_j, steady_device, device),
        "reference_resident": device.reference_resident,
        "target_window": "ring" if ring else "fifo",
        "reference": tm.ref,
        "host_bits": host_bits,
        "host_bits_per_alignment": host_bits / n_al if n_al else 0.0,
        "host_bits_per_alignment_by_mode": tm.bits_per_alignment(n_al),
        "gates_switched_cells": int(np.sum(ev["energy_cost"].switched)),
        "time_breakdown_cycles": _section_cycles(ev, device),
        "device_occupancy": n_al / float(ev["size"].sum()) if ev["groups"] else 0.0,
        "lockstep_efficiency": ev["own_cycles"] / issued_row_cycles if issued_row_cycles else 1.0,
        "alignments_not_fitting_columns": not_fitting,
        "endurance": endurance(ev, on_device, device, steady_device, ring),
        "area_mm2": area_mm2(device),
        "approximate": bool(wl.approximate),
    }


def _on_device(wl: Workload, where: np.ndarray) -> tuple[Workload, int]:
    """The alignments placed on the device (``where`` not ``HOST``) and how many are not."""
    on_idx = np.flatnonzero(where != HOST)
    on_device = wl.subset(on_idx) if on_idx.size < len(wl) else wl
    return on_device, int(len(wl) - on_idx.size)


def _steady_power(dynamic_j: float, steady_device: float, device: Device) -> float:
    """Watts at the device-full rate (0 when that rate is unbounded)."""
    if not np.isfinite(steady_device):
        return 0.0
    return dynamic_j * steady_device + device.controller_power_w


def _per_alignment(joules: dict, n_al: int) -> tuple[float, float, float]:
    """Total joules, joules per on-device alignment, and that without the static share."""
    total_j = sum(joules.values())
    if not n_al:
        return total_j, 0.0, 0.0
    return total_j, total_j / n_al, total_j / n_al - joules["static"] / n_al


def _section_cycles(ev: dict, device: Device) -> dict:
    """Issued cycles by program section (``evaluate``'s ``time_sections``) on ``device``."""
    policy, move = device.init_policy, device.move_cycles_per_bit
    return {k: int(c.cycles(policy, move)) for k, c in ev["time_sections"].items()}


def _with_host_cpu(steady_device: float, n_all: int, n_al: int, cpu_rate) -> float:
    """Steady alignments per second of the whole workload when the host CPU aligns, side by
    side, the ``n_all - n_al`` alignments that do not fit a row."""
    not_fitting = n_all - n_al
    if not not_fitting:
        return steady_device
    cpu_part = cpu_rate * n_all / not_fitting if cpu_rate else float("inf")
    return min(cpu_part, steady_device * n_all / n_al if n_al else float("inf"))


class Timing(NamedTuple):
    """Where a workload's seconds go (``pim_estimate``)."""

    group_s: np.ndarray  # each lockstep group's seconds (its cycles and row writes)
    slowdown: float  # 1 / the share of crossbars left to alignments (reference resident)
    ref: dict  # the resident reference's layout (``reference_layout``)
    streaming_bits: int  # host traffic when every target window is sent
    resident_bits: int  # host traffic with the reference resident
    host_bits: int  # the device's mode of the two
    compute_s: float  # the busiest bank's seconds
    host_s: float  # the host link's seconds
    cpu_s: float  # the host CPU's seconds on alignments that do not fit a row
    seconds: float  # the largest of the three: they run side by side

    def bits_per_alignment(self, n_al: int) -> dict:
        """Host bits per alignment in each mode (0 without alignments)."""
        return {
            "streaming": self.streaming_bits / n_al if n_al else 0.0,
            "reference_resident": self.resident_bits / n_al if n_al else 0.0,
        }


def _timing(ev, device: Device, wl, on_device, not_fitting, cpu_rate, reference_bases) -> Timing:
    """Compute, host-link and host-CPU seconds of the evaluated groups ``ev``."""
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
    host_s = host_bits / (device.host_bandwidth_gb_per_s * 8e9)
    cpu_s = not_fitting / cpu_rate if cpu_rate and not_fitting else 0.0
    seconds = max(compute_s, host_s, cpu_s)
    return Timing(
        group_s, slowdown, ref, streaming_bits, resident_bits, host_bits, compute_s, host_s,
        cpu_s, seconds,
    )  # fmt: skip


def _energy(ev: dict, device: Device, host_bits: int, seconds: float) -> dict:
    """Joules by component: switched cells, moves, cell writes and reads (a resident
    reference's window reads included), host transfer, static power."""
    energy = ev["energy_cost"]
    window_reads = 2 * int(ev["window_bases"].sum()) if device.reference_resident else 0
    reads = float(ev["reads"].sum() + window_reads)
    return {
        "gates": float(np.sum(energy.switched)) * device.gate_energy_fj * 1e-15,
        "moves": float(np.sum(energy.moves)) * device.move_energy_pj_per_bit * 1e-12,
        "cell_writes": float(ev["writes"].sum()) * device.write_energy_pj_per_bit * 1e-12,
        "cell_reads": reads * device.read_energy_pj_per_bit * 1e-12,
        "host_transfer": host_bits * device.host_energy_pj_per_bit * 1e-12,
        "static": device.controller_power_w * seconds,
    }


def _steady_rates(device: Device, n_al: int, weighted_s, bits_each, dynamic_j) -> dict:
    """The device-full rate and its three bounds. The workload is repeated until every bank
    is busy; each group keeps its shape, so the device spends ``weighted_s`` (the sum of
    members x group time / group size) per ``n_al`` alignments."""
    inf = float("inf")
    compute = device.banks * n_al / weighted_s if weighted_s else inf
    host = device.host_bandwidth_gb_per_s * 8e9 / bits_each if bits_each else inf
    power = inf
    if device.power_budget_w and dynamic_j > 0:
        power = max(device.power_budget_w - device.controller_power_w, 0.0) / dynamic_j
    bounds = {"compute": compute, "host": host, "power": power}
    return {
        "steady_state_device": min(bounds.values()),
        "steady_state_compute_bound": compute,
        "steady_state_host_bound": host,
        "steady_state_power_bound": power,
        "steady_state_bound": min(bounds, key=bounds.get),
    }


def _evaluate_layouts(
    wl: Workload, where, device: Device, size: int, order: str, ring: bool = False
) -> dict:
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
            ring=ring,
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


def endurance(ev: dict, wl: Workload, device: Device, rate: float, ring: bool = False) -> dict:
    """Cell writes per alignment spread over the columns it uses (wear levelled), and the
    years a cell lasts at ``rate`` alignments/s for 1e9 and 1e12 write cycles."""
    n = len(wl)
    if not n:
        return {"writes_per_cell_per_alignment": 0.0, "lifetime_years": {}}
    writes = float(np.sum(ev["energy_cost"].switched) + ev["writes"].sum())
    used = float(np.mean(np.minimum(columns_per_alignment(wl, ring)[0], device.columns)))
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


def scaled_device(device: Device, crossbars: int) -> Device:
    """``device`` with ``crossbars`` crossbars in total: whole banks of the same size when
    possible (one chip), else one bank of ``crossbars`` crossbars."""
    if crossbars < 2:
        raise ValueError(f"crossbars must be >= 2, got {crossbars}")
    if crossbars >= device.crossbars_per_bank and crossbars % device.crossbars_per_bank == 0:
        return device.replace(chips=1, banks_per_chip=crossbars // device.crossbars_per_bank)
    return device.replace(chips=1, banks_per_chip=1, crossbars_per_bank=crossbars)
