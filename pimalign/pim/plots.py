"""Figures of ``pim estimate --report`` and ``pim sweep`` (matplotlib, Agg backend, PNG files).

Each function takes plain numbers (from the estimate/sweep reports) and the path to write; the
commands pass temporary paths and commit every output together (``io.atomic.atomic_outputs``).
"""

from __future__ import annotations

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


def sweep_plot(rows: list[dict], path: str) -> None:
    """Steady-state throughput vs crossbars per band/bits, and fixed-band error vs band."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    series: dict[tuple, list] = {}
    for r in rows:
        series.setdefault((r["band"], r["bits"]), []).append(r)
    bands_seen = sorted({k[0] for k in series})
    bits_seen = sorted({str(k[1]) for k in series})
    styles = ["-", "--", ":", "-."]
    for (band, bits), pts in sorted(series.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        pts = sorted(pts, key=lambda r: r["crossbars"])
        ax1.loglog(
            [p["crossbars"] for p in pts],
            [p["steady_state_alignments_per_second"] for p in pts],
            marker="o",
            ms=3,
            color=f"C{bands_seen.index(band) % 10}",
            ls=styles[bits_seen.index(str(bits)) % len(styles)],
            label=f"h={band}, bits={bits}",
        )
    ax1.set_xlabel("crossbars")
    ax1.set_ylabel("alignments per second (device full)")
    ax1.set_title("PIM throughput")
    ax1.grid(True, which="both", alpha=0.3)
    ax1.legend(fontsize=6, ncol=2)
    bands = sorted({r["band"] for r in rows})
    first = {r["band"]: r for r in rows}
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
