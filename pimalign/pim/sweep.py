"""``pim sweep``: PIM throughput and energy over crossbar count, bits per cell and band width,
with the accuracy a band that never widens (RAPIDx's choice) would cost at each band width.

For every band half-width ``h`` the exact workload is profiled (its passes change with ``h``)
and the adaptive pass alone is run as a *fixed band*: the table reports the fraction of
alignments whose fixed-band result differs from the exact distance, the mean and maximum excess
over those, and the fraction where the band lost the end (no result at all; NW only).
``bits``: ``exact`` provisions each pass at the width it needs (the mirror's oracle); an integer
``B`` provisions every pass at ``B`` bits, and alignments needing more overflow: such a row is
marked ``valid`` 0 (its throughput is not achievable with exact results).

``schedule``: ``exact`` runs every pass the exact band needs; ``fixed`` runs only the first
pass (RAPIDx's non-widening band) on the same device: its throughput beside its accuracy loss.
Each row says what bounds it (``steady_state_bound``: compute, host, host-cpu or power). A row
whose alignments fit no crossbar row (a band too wide for 1024 columns: a band is never split
over rows) is ``valid`` 0 with its ``reason`` and NaN rates, unless ``--cpu-rate`` times them.
"""

from __future__ import annotations

import numpy as np

from ..alphabet import NCODE_LITERAL, NCODE_MISMATCH
from ..kernels.options import mode_id
from .device import Device
from .estimate import pim_estimate, scaled_device
from .profile import fixed_band
from .source import WorkloadSource, load_workload

COLUMNS = (
    "band",
    "schedule",
    "crossbars",
    "bits",
    "valid",
    "reason",
    "alignments",
    "alignments_per_second",
    "steady_state_alignments_per_second",
    "steady_state_compute_bound",
    "steady_state_host_bound",
    "steady_state_host_cpu_bound",
    "steady_state_power_bound",
    "steady_state_bound",
    "not_fitting",
    "columns_needed_max",
    "seconds",
    "joules_per_alignment",
    "overflow_fraction",
    "fixed_band_differs_fraction",
    "fixed_band_mean_excess",
    "fixed_band_max_excess",
    "fixed_band_lost_fraction",
)


def fixed_band_accuracy(enc, exact, mode: str, literal_n: bool, band: int) -> dict:
    """How the adaptive pass alone (no widening) compares with the exact distances."""
    ncode = NCODE_LITERAL if literal_n else NCODE_MISMATCH
    got = fixed_band(*enc, mode_id(mode), ncode, band)
    lost = got < 0
    differs = (got != exact) & ~lost
    excess = (got - exact)[differs]
    n = max(len(exact), 1)
    return {
        "fixed_band_differs_fraction": float(differs.sum() / n),
        "fixed_band_mean_excess": float(excess.mean()) if excess.size else 0.0,
        "fixed_band_max_excess": int(excess.max()) if excess.size else 0,
        "fixed_band_lost_fraction": float(lost.sum() / n),
    }


def run_sweep(
    device: Device,
    src: WorkloadSource,
    bands=(2, 4, 8, 16, 32),
    crossbars=(2**10, 2**12, 2**14, 2**16),
    bits=("exact", 4, 6, 8),
    cpu_rate: float | None = None,
    cpu_watts: float | None = None,
) -> list[dict]:
    """One row per (band, schedule, crossbars, bits); see ``COLUMNS``. The input is read (and
    reads mapped) once; each band re-profiles the same pairs. ``cpu_rate`` (alignments/s of a
    CPU measured elsewhere, ``cpu_watts`` its power) times the alignments that fit no crossbar
    row; without it a row with such alignments is ``valid`` 0 and says why (``reason``)."""
    from .workload import approximate_workload, profile_workload

    if any(h < 1 for h in bands):
        raise ValueError(f"band half-widths must be >= 1, got {min(bands)}")
    rows = []
    wl, enc, prof, table, source = load_workload(src, bands[0])
    literal_n = src.literal_n
    mode = source["mode"]
    reads = wl.read  # which read each alignment is (the host sends a read once)
    for h in bands:
        if enc is not None:
            wl, prof = profile_workload(*enc, mode, literal_n, h)
            wl.read = reads
        else:
            wl = approximate_workload(table, mode, literal_n, h)
        if enc is not None:
            acc = fixed_band_accuracy(enc, prof["distance"], mode, literal_n, h)
        else:
            acc = dict.fromkeys(COLUMNS[-4:], float("nan"))
        schedules = [("exact", wl)]
        if enc is not None:
            schedules.append(("fixed", first_pass_only(wl)))
        for schedule, wl_s in schedules:
            needed = np.max(np.where(wl_s.kind >= 0, wl_s.bits, 1), axis=1)
            for b in bits:
                if b == "exact":
                    wl_b, overflow = wl_s, 0.0
                else:
                    if int(b) < 1:
                        raise ValueError(f"bit widths must be >= 1, got {b}")
                    wl_b = _fixed_bits(wl_s, int(b))
                    overflow = float(np.mean(needed > int(b))) if len(wl_s) else 0.0
                for xb in crossbars:
                    est = pim_estimate(
                        wl_b,
                        scaled_device(device, int(xb)),
                        reference_bases=source["reference_bases"],
                        cpu_rate=cpu_rate,
                        cpu_watts=cpu_watts,
                    )
                    reason = row_reason(est, overflow, int(b) if b != "exact" else None, device)
                    rows.append(
                        {
                            **{k: est[k] for k in COLUMNS if k in est},
                            **acc,
                            "band": h,
                            "schedule": schedule,
                            "crossbars": int(xb),
                            "bits": b,
                            "valid": int(not reason),
                            "reason": reason or "-",
                            "overflow_fraction": overflow,
                        }
                    )
    return rows


def row_reason(est: dict, overflow: float, bits: int | None, device: Device) -> str:
    """Why a sweep row's numbers are not achievable with exact results ("" when they are):
    cells too narrow for the distances, or alignments that fit no crossbar row and that no
    CPU rate times (their time and energy are unknown, so the row's rates are the device's
    alone, or NaN with nothing on the device)."""
    why = []
    if overflow:
        why.append(f"{overflow:.1%} of alignments overflow {bits}-bit cells")
    if not est["not_fitting_timed"]:
        why.append(
            f"{est['not_fitting']:,} of {est['alignments']:,} alignments need up to "
            f"{est['columns_needed_max']:,} columns, more than a {device.columns:,}-column "
            "crossbar row (a band is not split over rows); untimed without --cpu-rate"
        )
    return "; ".join(why)


def first_pass_only(wl):
    """``wl`` with every alignment stopped after its first pass (a band that never widens)."""
    from dataclasses import replace

    return replace(
        wl,
        passes=np.minimum(wl.passes, 1),
        **{name: getattr(wl, name)[:, :1] for name in ("kind", "dlo", "dhi", "bits")},
    )


def _fixed_bits(wl, b: int):
    from dataclasses import replace

    return replace(wl, bits=np.where(wl.kind >= 0, b, 0))


def format_rows(rows: list[dict]) -> str:
    """Tab-separated table with a ``#`` header."""
    out = ["#" + "\t".join(COLUMNS)]
    for r in rows:
        out.append("\t".join(_fmt(r[c]) for c in COLUMNS))
    return "\n".join(out) + "\n"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)
