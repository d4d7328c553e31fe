"""Figures of ``pim estimate --report`` and ``pim sweep`` (matplotlib, Agg backend, PNG files).

Each function takes plain numbers (from the estimate/sweep reports) and the path to write; the
commands pass temporary paths and commit every output together (``io.atomic.atomic_outputs``).
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _save(fig, path: str) -> None:
    fig.savefig(path, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)


def throughput_vs_crossbars(points: list[dict], cpu_rate: float | None, path: str) -> None:
    """Steady-state PIM alignments/s against crossbar count, with the host bound and the CPU."""
    xs = [p["crossbars"] for p in points]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.loglog(
        xs,
        [p["steady_state_alignments_per_second"] for p in points],
        "o-",
        label="PIM estimated (device full)",
    )
    ax.loglog(
        xs,
        [p["steady_state_compute_bound"] for p in points],
        ":",
        color="grey",
        label="compute bound",
    )
    ax.axhline(
        points[0]["steady_state_host_bound"], color="tab:red", ls="--", label="host-transfer bound"
    )
    if cpu_rate:
        ax.axhline(cpu_rate, color="k", ls="-.", label="CPU measured (engine auto)")
    ax.set_xlabel("crossbars")
    ax.set_ylabel("alignments per second")
    ax.set_title("Throughput vs number of crossbars")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    _save(fig, path)


def energy_breakdown(joules: dict, alignments: int, path: str) -> None:
    """Energy per alignment by component (nJ)."""
    names = list(joules)
    vals = [joules[k] / max(alignments, 1) * 1e9 for k in names]
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.barh(names, vals, color="tab:green")
    ax.set_xlabel("nJ per alignment")
    ax.set_title("Energy breakdown")
    for y, v in enumerate(vals):
        ax.text(v, y, f" {v:.3g}", va="center", fontsize=8)
    _save(fig, path)


def time_breakdown(
    cycles: dict, cycle_ns: float, host_s: float, compute_s: float, path: str
) -> None:
    """Where the time goes: issued cycles per program section, and compute vs host time."""
    names = sorted(cycles, key=cycles.get)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.6, 3.8), width_ratios=[3, 1])
    ax1.barh(names, [cycles[k] * cycle_ns * 1e-6 for k in names], color="tab:blue")
    ax1.set_xlabel("ms of issued cycles (all groups)")
    ax1.set_title("Program sections")
    ax2.bar(["compute", "host"], [compute_s * 1e3, host_s * 1e3], color=["tab:blue", "tab:red"])
    ax2.set_ylabel("ms")
    ax2.set_title("This workload")
    _save(fig, path)


def latency_vs_throughput(points: list[dict], cpu_rate: float | None, path: str) -> None:
    """Batch latency against throughput (batch size along the curve)."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    xs = [p["alignments_per_second"] for p in points]
    ys = [p["latency_seconds"] for p in points]
    ax.loglog(xs, ys, "o-", ms=3, label="PIM estimated, batches like this workload")
    for p in points[:: max(1, len(points) // 6)]:
        ax.annotate(
            f"{p['batch']:,}",
            (p["alignments_per_second"], p["latency_seconds"]),
            fontsize=6,
            xytext=(3, -8),
            textcoords="offset points",
        )
    if cpu_rate:
        ax.axvline(cpu_rate, color="k", ls="-.", label="CPU measured (engine auto)")
    ax.set_xlabel("alignments per second")
    ax.set_ylabel("batch latency (s)")
    ax.set_title("Latency vs throughput (labels: batch size)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    _save(fig, path)


def tornado(rows: list[dict], path: str) -> None:
    """Steady-state throughput and energy per alignment over each parameter's range."""
    from matplotlib.patches import Patch

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
    names = [r["parameter"] for r in rows]
    for ax, key, scale, unit in (
        (ax1, "throughput", 1.0, "alignments/s (device full)"),
        (ax2, "joules_per_alignment", 1e9, "nJ per alignment"),
    ):
        base = rows[0][f"{key}_default"] * scale
        for y, r in enumerate(rows):
            lo, hi = r[f"{key}_low"] * scale, r[f"{key}_high"] * scale
            ax.barh(y, lo - base, left=base, color="tab:blue", alpha=0.7)
            ax.barh(y, hi - base, left=base, color="tab:orange", alpha=0.7)
        ax.axvline(base, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel(unit)
    ax1.set_yticks(range(len(rows)), names)
    ax1.legend(
        handles=[
            Patch(color="tab:blue", alpha=0.7, label="parameter at its low end"),
            Patch(color="tab:orange", alpha=0.7, label="parameter at its high end"),
        ],
        fontsize=7,
    )
    ax1.set_title("Sensitivity: throughput")
    ax2.set_title("Sensitivity: energy")
    _save(fig, path)


def sweep_plot(rows: list[dict], path: str) -> None:
    """Steady-state throughput vs crossbars per band/bits/schedule with the compute and host
    rooflines (invalid rows, whose fixed bits overflow or whose alignments fit no crossbar row
    untimed, hollow; NaN points are not drawn), and fixed-band error vs band."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    series: dict[tuple, list] = {}
    for r in rows:
        series.setdefault((r["band"], r["bits"], r.get("schedule", "exact")), []).append(r)
    bands_seen = sorted({k[0] for k in series})
    bits_seen = sorted({str(k[1]) for k in series})
    styles = ["-", "--", ":", "-."]
    for (band, bits, sched), pts in sorted(series.items(), key=lambda kv: str(kv[0])):
        pts = sorted(pts, key=lambda r: r["crossbars"])
        color = f"C{bands_seen.index(band) % 10}"
        valid = all(p.get("valid", 1) for p in pts)
        ax1.loglog(
            [p["crossbars"] for p in pts],
            [p["steady_state_alignments_per_second"] for p in pts],
            marker="o" if sched == "exact" else "^",
            ms=3 if valid else 4,
            mfc=color if valid else "none",
            color=color,
            ls=styles[bits_seen.index(str(bits)) % len(styles)],
            alpha=1.0 if valid else 0.45,
            label=f"h={band}, bits={bits}, {sched}" + ("" if valid else " (invalid)"),
        )
    for band in bands_seen:  # rooflines of the exact schedule at exact bits
        pts = sorted(
            (r for r in rows if r["band"] == band and str(r["bits"]) == "exact"),
            key=lambda r: r["crossbars"],
        )
        pts = [p for p in pts if p.get("schedule", "exact") == "exact"]
        if not pts:
            continue
        color = f"C{bands_seen.index(band) % 10}"
        xs = [p["crossbars"] for p in pts]
        ax1.loglog(
            xs, [p["steady_state_compute_bound"] for p in pts], color=color, lw=0.8, ls=(0, (1, 3))
        )
        host = pts[0]["steady_state_host_bound"]
        if math.isfinite(host):
            ax1.axhline(host, color=color, lw=0.8, ls=(0, (6, 3)))
    ax1.plot([], [], color="grey", lw=0.8, ls=(0, (1, 3)), label="compute roofline")
    ax1.plot([], [], color="grey", lw=0.8, ls=(0, (6, 3)), label="host roofline")
    ax1.set_xlabel("crossbars")
    ax1.set_ylabel("alignments per second (device full)")
    ax1.set_title("PIM throughput")
    ax1.grid(True, which="both", alpha=0.3)
    ax1.legend(fontsize=6, ncol=2)
    bands = sorted({r["band"] for r in rows})
    first = {r["band"]: r for r in rows}
    if any(v != v for r in rows for v in (r["fixed_band_differs_fraction"],)):
        ax2.text(
            0.5, 0.5, "no sequences: accuracy not measured", ha="center", transform=ax2.transAxes
        )
    ax2.plot(
        bands,
        [100 * first[b]["fixed_band_differs_fraction"] for b in bands],
        "o-",
        label="fixed band differs (%)",
    )
    ax2.plot(
        bands,
        [100 * first[b]["fixed_band_lost_fraction"] for b in bands],
        "s--",
        label="fixed band lost the end (%)",
    )
    ax2.set_xscale("log", base=2)
    ax2.set_xlabel("band half-width h")
    ax2.set_ylabel("% of alignments")
    ax2.set_title("Fixed (non-widening) band vs exact")
    ax2.grid(True, alpha=0.3)
    ax2.legend(fontsize=8)
    _save(fig, path)
