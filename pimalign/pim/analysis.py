"""Beyond one estimate: how the steady state moves over each uncertain device parameter
(``sensitivity``, the tornado plot) and batch latency against throughput (``latency_curve``)."""

from __future__ import annotations

import numpy as np

from .device import Device
from .estimate import pim_estimate, scaled_device
from .schedule import Workload

SENSITIVITY = (
    # parameter, low, high, why this range
    (
        "cycle_time_ns",
        1.0,
        30.0,
        "1 ns to 30 ns; gates run at max(cycle, write pulse), so only above 10 ns it moves",
    ),
    ("gate_energy_fj", 6.39, 600.0, "AritPIM's TOPS/W-derived figure to a full cell write"),
    ("host_bandwidth_gb_per_s", 12.8, 819.2, "half a DDR4-3200 channel to one HBM3 stack"),
    ("crossbars", 2**14, 2**18, "a quarter to four times the 2^16-crossbar device"),
    ("write_latency_ns", 1.0, 100.0, "row write 1 ns to 100 ns"),
    ("power_budget_w", 25.0, 250.0, "a 25 W module to a 250 W accelerator card (0: no cap)"),
    ("controller_power_w_per_bank", 0.001, 0.1, "a bank controller of 1 mW to 100 mW"),
    ("sense_amp_energy_fj_per_bit", 2.0, 200.0, "a sense amplifier of 2 fJ to 200 fJ a bit"),
    ("driver_energy_fj_per_crossbar_cycle", 10.0, 1000.0, "drivers 10 fJ to 1 pJ a cycle"),
    ("sense_amp_area_um2", 0.25, 4.0, "a sense amplifier of 0.25 to 4 um2 (die area, power)"),
    (
        "thermal_limit_w_per_mm2",
        0.1,
        1.0,
        "0.1 W/mm2 (passive cooling) to 1 W/mm2 (a GPU-class heat sink; H100 0.86)",
    ),
)


def sensitivity(
    wl: Workload,
    device: Device,
    cpu_rate: float | None = None,
    reference_bases=None,
    cpu_watts: float | None = None,
) -> list[dict]:
    """Steady-state throughput and energy per alignment with each uncertain parameter at the
    low and high end of its range, the others at ``device`` (the tornado plot's bars)."""
    kw = {"cpu_rate": cpu_rate, "reference_bases": reference_bases, "cpu_watts": cpu_watts}
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
