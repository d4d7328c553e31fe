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
repeated until the device is full): ``min(compute, host link, host CPU, power)``, each bound in
alignments per second of the timed alignments (the host CPU's too: they are not free).
``bound`` names what set ``seconds``; endurance, area, power and alignments per joule come
with it (``report`` adds the CPU, a sensitivity analysis and a latency-vs-throughput curve).
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
    cpu_watts: float | None = None,
) -> dict:
    """Seconds, joules and throughput of ``wl`` on ``device`` (see module doc); JSON-ready.

    ``order``: lockstep groups by shape (default) or in input order. ``reference_bases``: the
    size of the resident reference (default: the alignments' target bases). ``cpu_rate``: the
    host CPU's alignments per second, which times the alignments that do not fit a crossbar
    row; ``cpu_watts`` its power while doing so (their energy). Without ``cpu_rate`` those
    alignments are counted (``not_fitting``) but not timed: every rate, time and energy is then
    of the device's alignments alone, and with none on the device they are NaN, never an
    infinite rate or zero seconds.
    """
    device.validate()
    size = group_size or device.group_size
    n_all = len(wl)
    ring = device.target_window == "ring" and not wl.approximate  # a file has no drift
    where = layout(wl, device.columns, ring)
    on_device, not_fitting = _on_device(wl, where)
    ev = _evaluate_layouts(wl, where, device, size, order, ring)
    n_al = len(on_device)
    timed = n_al + (not_fitting if cpu_rate else 0)
    members = ev["members"]
    tm = _timing(ev, device, wl, on_device, not_fitting, cpu_rate, reference_bases)
    cpu_j = tm.cpu_s * (cpu_watts or 0.0)
    # a workload whose device energy over its time would exceed the power cap is throttled
    dynamic = sum(_energy(ev, device, tm.host_bits, 0.0, 0.0).values())
    power_s = _power_seconds(device, dynamic)
    tm = tm._replace(seconds=max(tm.seconds, power_s))
    group_s, host_bits, seconds = tm.group_s, tm.host_bits, tm.seconds
    joules = _energy(ev, device, host_bits, seconds, cpu_j)
    total_j = sum(joules.values())
    device_j = total_j - joules["host_cpu"]
    nan = float("nan")
    per_alignment_j = total_j / timed if timed else nan
    weighted_s = float(np.sum(members * group_s / ev["size"])) * tm.slowdown
    rates = _steady_rates(
        device, timed, weighted_s, host_bits, device_j - joules["static"], not_fitting, cpu_rate
    )
    device_share = n_al / timed if timed else 0.0  # device alignments per timed alignment
    issued_row_cycles = float(np.sum(ev["cycles"] * members))
    return {
        "alignments": n_all,
        "alignments_on_device": n_al,
        "not_fitting": not_fitting,
        "not_fitting_timed": bool(cpu_rate) or not not_fitting,
        "alignments_timed": timed,
        "groups": int(ev["groups"]),
        "group_size": int(size),
        "split_layout": int(np.count_nonzero(where == SPLIT)),
        "schedule": order,
        "cycles_total": int(np.sum(ev["cycles"])),
        "seconds": seconds if timed else nan,
        "compute_seconds": tm.compute_s,
        "host_seconds": tm.host_s,
        "host_cpu_seconds": tm.cpu_s,
        "bound": _bound(tm, ev["groups"], device.banks, power_s) if timed else "none",
        "power_seconds": power_s,
        "alignments_per_second": timed / seconds if timed and seconds else nan,
        **rates,
        "latency_per_group_seconds": float(group_s.mean()) if ev["groups"] else 0.0,
        "group_seconds_weighted": (
            weighted_s / float(np.sum(members / ev["size"])) if ev["groups"] else 0.0
        ),
        "joules_total": total_j,
        "joules_per_alignment": per_alignment_j,
        "joules_per_alignment_on_device": device_j / n_al if n_al else nan,
        "steady_state_joules_per_alignment": _steady_joules(
            total_j - joules["static"], timed, static_power_w(device), rates
        ),
        "alignments_per_joule": 1.0 / per_alignment_j if per_alignment_j else nan,
        "energy_breakdown_joules": joules,
        "power_w": device_j / seconds if timed and seconds else nan,
        "reference_resident": device.reference_resident,
        "target_window": "ring" if ring else "fifo",
        "reference": tm.ref,
        "host_bits": host_bits,
        "host_bits_per_alignment": host_bits / n_al if n_al else 0.0,
        "host_bits_per_alignment_by_mode": tm.bits_per_alignment(n_al),
        "reads": read_count(on_device),
        "windows_per_read": n_al / read_count(on_device) if n_al else 0.0,
        "host_bits_per_read": host_bits / read_count(on_device) if n_al else 0.0,
        "host_bits_per_window": host_bits / n_al if n_al else 0.0,
        "gates_switched_cells": int(np.sum(ev["energy_cost"].switched)),
        "time_breakdown_cycles": _section_cycles(ev, device),
        "device_occupancy": n_al / float(ev["size"].sum()) if ev["groups"] else 0.0,
        "lockstep_efficiency": ev["own_cycles"] / issued_row_cycles if issued_row_cycles else 1.0,
        "alignments_not_fitting_columns": not_fitting,
        "columns_needed_max": int(tm.columns_max),
        "endurance": endurance(
            ev,
            on_device,
            device,
            rates["steady_state_alignments_per_second"] * device_share,
            ring,
            {k: rates[f"steady_state_{k}_bound"] * device_share for k in ("host", "compute")},
        ),
        "area_mm2": area_mm2(device),
        "area_breakdown_mm2": area_breakdown_mm2(device),
        "static_power_w": static_power_w(device),
        "gate_cycle_ns": device.gate_cycle_ns,
        "window_copy_seconds": tm.window_copy_s,
        "approximate": bool(wl.approximate),
    }


def _on_device(wl: Workload, where: np.ndarray) -> tuple[Workload, int]:
    """The alignments placed on the device (``where`` not ``HOST``) and how many are not."""
    on_idx = np.flatnonzero(where != HOST)
    on_device = wl.subset(on_idx) if on_idx.size < len(wl) else wl
    return on_device, int(len(wl) - on_idx.size)


def _section_cycles(ev: dict, device: Device) -> dict:
    """Issued cycles by program section (``evaluate``'s ``time_sections``) on ``device``."""
    policy, move = device.init_policy, device.move_cycles_per_bit
    return {k: int(c.cycles(policy, move)) for k, c in ev["time_sections"].items()}


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
    columns_max: int  # the most columns one alignment's row needs (all of them)
    window_copy_s: float  # all groups' seconds copying windows out of the resident reference

    def bits_per_alignment(self, n_al: int) -> dict:
        """Host bits per alignment in each mode (0 without alignments)."""
        return {
            "streaming": self.streaming_bits / n_al if n_al else 0.0,
            "reference_resident": self.resident_bits / n_al if n_al else 0.0,
        }


def _timing(ev, device: Device, wl, on_device, not_fitting, cpu_rate, reference_bases) -> Timing:
    """Compute, host-link and host-CPU seconds of the evaluated groups ``ev``."""
    t_cycle = device.gate_cycle_ns * 1e-9
    write_s = ev["phases"] * ev["rows_written"] * device.write_latency_ns * 1e-9
    ref = reference_layout(device, wl if reference_bases is None else None, reference_bases)
    copy_s = window_copy_seconds(ev, device, ref)
    group_s = ev["cycles"] * t_cycle + write_s + copy_s
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
    ring = device.target_window == "ring" and not wl.approximate
    columns_max = int(columns_per_alignment(wl, ring)[0].max(initial=0))
    return Timing(
        group_s, slowdown, ref, streaming_bits, resident_bits, host_bits, compute_s, host_s,
        cpu_s, seconds, columns_max, float(np.sum(copy_s)),
    )  # fmt: skip


def window_copy_seconds(ev: dict, device: Device, ref: dict) -> np.ndarray:
    """Per group, the seconds to copy its alignments' target windows out of the resident
    reference (0 when the host streams them). A reference crossbar row holds ``columns / 2``
    bases, so a window of ``n`` bases spans ``1 + (n - 1) / (columns / 2)`` rows on average;
    each row read is a cycle, a chip's reference crossbars read in parallel, and every bank of
    the chip copies at once (worst case, the steady state): ``banks_per_chip`` x the group's
    row reads / the chip's reference crossbars, cycles. The window's cells are written with
    the group's rows (``rows_written``); the copy is not overlapped with compute."""
    if not device.reference_resident or not ref["crossbars_per_chip"]:
        return np.zeros(ev["groups"])
    per_row = device.columns / 2
    rows = ev["members"] + np.maximum(ev["target_bases"] - ev["members"], 0) / per_row
    reads = rows * device.banks_per_chip / ref["crossbars_per_chip"]
    return reads * device.gate_cycle_ns * 1e-9


def _energy(ev: dict, device: Device, host_bits: int, seconds: float, cpu_j: float) -> dict:
    """Joules by component: switched cells, moves, cell writes and reads (a resident
    reference's window reads included), host transfer, static power, and the host CPU's
    alignments (``cpu_j``: the ones that fit no crossbar row)."""
    energy = ev["energy_cost"]
    window_reads = 2 * int(ev["window_bases"].sum()) if device.reference_resident else 0
    reads = float(ev["reads"].sum() + window_reads)
    moves = float(np.sum(energy.moves))
    # drivers: every issued cycle of a group drives the lines of the crossbars it occupies
    crossbars = ev["members"] / np.maximum(ev["size"], 1) * device.crossbars_per_bank
    driver_cycles = float(np.sum(ev["cycles"] * crossbars))
    return {
        "gates": float(np.sum(energy.switched)) * device.gate_energy_fj * 1e-15,
        "moves": moves * device.move_energy_pj_per_bit * 1e-12,
        "cell_writes": float(ev["writes"].sum()) * device.write_energy_pj_per_bit * 1e-12,
        "cell_reads": reads * device.read_energy_pj_per_bit * 1e-12,
        "sense_amps": (moves + reads) * device.sense_amp_energy_fj_per_bit * 1e-15,
        "drivers": driver_cycles * device.driver_energy_fj_per_crossbar_cycle * 1e-15,
        "host_transfer": host_bits * device.host_energy_pj_per_bit * 1e-12,
        "static": static_power_w(device) * seconds,
        "host_cpu": float(cpu_j),
    }


def static_power_w(device: Device) -> float:
    """Static watts: a controller per bank and any other static power."""
    return device.controller_power_w_per_bank * device.banks + device.controller_power_w


def power_limit_w(device: Device) -> float:
    """The device's power cap: the lesser of its budget (``power_budget_w``) and what its die
    can shed (``thermal_limit_w_per_mm2`` x ``area_mm2``); 0 in either means no such cap, and
    with neither it is infinite."""
    limits = [device.power_budget_w]
    if device.thermal_limit_w_per_mm2:
        limits.append(device.thermal_limit_w_per_mm2 * area_mm2(device))
    return min((x for x in limits if x), default=float("inf"))


def _steady_rates(device: Device, timed, weighted_s, host_bits, dynamic_j, not_fitting, cpu_rate):
    """The device-full rate and its bounds, in alignments per second of the workload's
    ``timed`` alignments (those on the device and, with ``cpu_rate``, those the host CPU runs
    beside it). The workload is repeated until every bank is busy; each group keeps its shape,
    so per ``timed`` alignments the banks spend ``weighted_s`` (the sum of members x group time
    / group size), the link moves ``host_bits``, the device spends ``dynamic_j`` and the host
    CPU aligns ``not_fitting``. The steady state is the least bound, never above it."""
    inf, nan = float("inf"), float("nan")
    if not timed:
        return {
            "steady_state_alignments_per_second": nan,
            "steady_state_compute_bound": nan,
            "steady_state_host_bound": nan,
            "steady_state_host_cpu_bound": nan,
            "steady_state_power_bound": nan,
            "steady_state_bound": "none",
            "steady_state_power_w": nan,
            "watts_per_mm2": nan,
            "power_limit_w": power_limit_w(device),
            "unthrottled_power_w": nan,
            "unthrottled_watts_per_mm2": nan,
        }
    compute = device.banks * timed / weighted_s if weighted_s else inf
    host = device.host_bandwidth_gb_per_s * 8e9 * timed / host_bits if host_bits else inf
    cpu = cpu_rate * timed / not_fitting if cpu_rate and not_fitting else inf
    static = static_power_w(device)
    limit = power_limit_w(device)
    power = inf
    if np.isfinite(limit) and dynamic_j > 0:
        power = max(limit - static, 0.0) * timed / dynamic_j
    bounds = {"compute": compute, "host": host, "host-cpu": cpu, "power": power}
    steady = min(bounds.values())
    watts = dynamic_j / timed * steady + static if np.isfinite(steady) else nan
    free = min(compute, host, cpu)  # the rate without a power cap, and its watts
    free_watts = dynamic_j / timed * free + static if np.isfinite(free) else nan
    area = area_mm2(device)
    return {
        "steady_state_alignments_per_second": steady,
        "steady_state_compute_bound": compute,
        "steady_state_host_bound": host,
        "steady_state_host_cpu_bound": cpu,
        "steady_state_power_bound": power,
        "steady_state_bound": min(bounds, key=bounds.get),
        "steady_state_power_w": watts,
        "watts_per_mm2": watts / area,
        "power_limit_w": limit,
        "unthrottled_power_w": free_watts,
        "unthrottled_watts_per_mm2": free_watts / area,
    }


def _evaluate_layouts(
    wl: Workload, where, device: Device, size: int, order: str, ring: bool = False
) -> dict:
    """``model.evaluate`` of the ``ROW`` and the ``SPLIT`` alignments (groups of their own,
    the split ones 2/3 as many per group: three crossbar rows each), merged per group and
    totalled; adds ``members``, ``size`` and ``rows_written`` (rows per crossbar) per group."""
    per_group = ("cycles", "phases", "writes", "reads", "window_bases", "target_bases")
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


def _steady_joules(dynamic_j: float, timed: int, static_w: float, rates: dict) -> float:
    """Joules per alignment at the steady state: the dynamic share and the static power
    spread over the steady rate (a workload's own run, latency-bound on an idle device, pays
    static power for its whole time instead)."""
    steady = rates["steady_state_alignments_per_second"]
    if not timed or not np.isfinite(steady) or steady <= 0:
        return float("nan")
    return dynamic_j / timed + static_w / steady


def _power_seconds(device: Device, dynamic_j: float) -> float:
    """The least seconds in which the device may spend ``dynamic_j`` under its power cap
    (0 without one)."""
    limit = power_limit_w(device)
    if not np.isfinite(limit) or dynamic_j <= 0:
        return 0.0
    spare = limit - static_power_w(device)
    if spare <= 0:
        raise ValueError(
            f"the static power ({static_power_w(device):g} W) leaves nothing of the power "
            f"limit ({limit:g} W: power_budget_w or thermal_limit_w_per_mm2 x area)"
        )
    return dynamic_j / spare


def _bound(tm: Timing, groups, banks, power_s: float = 0.0) -> str:
    """What sets ``seconds``: the power cap (``power``), the host link (``host``), the host CPU
    aligning what fits no row (``host-cpu``), or the device's compute; a device with idle
    banks (fewer groups than banks) is latency-bound."""
    if power_s > max(tm.compute_s, tm.host_s, tm.cpu_s):
        return "power"
    if tm.cpu_s > max(tm.compute_s, tm.host_s):
        return "host-cpu"
    if tm.host_s > tm.compute_s:
        return "host"
    return "latency" if groups < banks else "compute"


def resident_host_bits(wl: Workload) -> int:
    """Host bits sent when the reference is resident: each read once at 2 bits per base with
    its N positions aside, and an address per window (alignment). Without ``wl.read`` every
    alignment is its own read."""
    n_count = wl.n_count if wl.n_count is not None else np.zeros(len(wl), dtype=np.int64)
    read_bits = 2 * wl.m + N_POSITION_BITS * n_count
    if wl.read is not None and len(wl):
        # one copy per read: its longest window's query (a hard-clipped record is shorter)
        _, first = np.unique(wl.read, return_inverse=True)
        per_read = np.zeros(int(first.max()) + 1, dtype=np.int64)
        np.maximum.at(per_read, first, read_bits)
        read_bits = per_read
    return int(np.sum(read_bits) + ADDRESS_BITS * len(wl))


def read_count(wl: Workload) -> int:
    """Distinct reads among the alignments (each alignment its own without ``wl.read``)."""
    return int(np.unique(wl.read).size) if wl.read is not None else len(wl)


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


def endurance(
    ev: dict, wl: Workload, device: Device, rate: float, ring: bool = False, at: dict = ()
) -> dict:
    """Cell writes per alignment spread over the columns it uses (wear levelled), and the
    years a cell lasts at ``rate`` device alignments/s for 1e9 and 1e12 write cycles; ``at``:
    more named rates (the host and compute bounds), each with its lifetimes."""
    n = len(wl)
    if not n:
        return {"writes_per_cell_per_alignment": 0.0, "lifetime_years": {}, "lifetime_at": {}}
    writes = float(np.sum(ev["energy_cost"].switched) + ev["writes"].sum())
    used = float(np.mean(np.minimum(columns_per_alignment(wl, ring)[0], device.columns)))
    per_cell = writes / n / used
    rows = device.banks * device.rows * (device.crossbars_per_bank // 2)  # compute rows

    def years(at_rate):
        cell_rate = per_cell * (at_rate / rows if np.isfinite(at_rate) else 0.0)
        return {
            f"{c:.0e}": (c / cell_rate / SECONDS_PER_YEAR if cell_rate else float("inf"))
            for c in ENDURANCE_CYCLES
        }

    return {
        "writes_per_cell_per_alignment": per_cell,
        "columns_per_alignment": used,
        "lifetime_years": years(rate),
        "lifetime_at": {name: {"rate": r, "years": years(r)} for name, r in dict(at).items()},
    }


def area_breakdown_mm2(device: Device) -> dict:
    """Die area by part: the cells at ``cell_area_f2`` F^2, a sense amplifier per crossbar
    row, a driver per row and column, a controller per bank, and the rest of the die
    (``1 - array_efficiency`` of it: wiring, I/O, decoders)."""
    f_mm = device.feature_nm * 1e-6
    xb = device.crossbars
    parts = {
        "arrays": xb * device.rows * device.columns * device.cell_area_f2 * f_mm * f_mm,
        "sense_amps": xb * device.rows * device.sense_amp_area_um2 * 1e-6,
        "drivers": xb * (device.rows + device.columns) * device.driver_area_um2 * 1e-6,
        "controllers": device.banks * device.controller_area_mm2_per_bank,
    }
    parts["other"] = sum(parts.values()) * (1 / device.array_efficiency - 1)
    return parts


def area_mm2(device: Device) -> float:
    """Die area: the sum of ``area_breakdown_mm2``."""
    return sum(area_breakdown_mm2(device).values())


def scaled_device(device: Device, crossbars: int) -> Device:
    """``device`` with ``crossbars`` crossbars in total: whole banks of the same size when
    possible (one chip), else one bank of ``crossbars`` crossbars."""
    if crossbars < 2:
        raise ValueError(f"crossbars must be >= 2, got {crossbars}")
    if crossbars >= device.crossbars_per_bank and crossbars % device.crossbars_per_bank == 0:
        return device.replace(chips=1, banks_per_chip=crossbars // device.crossbars_per_bank)
    return device.replace(chips=1, banks_per_chip=1, crossbars_per_bank=crossbars)
