"""CPU measured vs GPU measured vs PIM estimated, on the same edit-distance workload.

    python benchmarks/bench_devices.py [PAIRS.tsv[.gz]] [--device D.toml] [--out results/devices.md]

Runs ``pimalign pim estimate --pairs`` (which measures the CPU kernel on the same pairs in the same
run, engines ``auto`` and ``adaptive``, and estimates the PIM device) and, where numba.cuda finds
a GPU, ``bench_gpu.py`` on the same pairs. Writes a markdown table and a bar chart
(``<out>.png``). Where there is no GPU the GPU row says so; no number is invented. Published
RAPIDx ratios are shown only as labelled, published context.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "pairs", nargs="?", default=os.path.join(ROOT, "data", "pairs_reads_demo.tsv.gz")
    )
    ap.add_argument("--device", help="PIM device TOML (default: the documented defaults)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "devices.md"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        est = os.path.join(work, "est.json")
        cmd = [
            sys.executable,
            "-m",
            "pimalign",
            "pim",
            "estimate",
            "--pairs",
            args.pairs,
            "--json",
            est,
        ] + (["--device", args.device] if args.device else [])
        subprocess.run(cmd, check=True, capture_output=True)
        with open(est) as handle:
            report = json.load(handle)
        gpu = subprocess.run(
            [
                sys.executable,
                os.path.join(HERE, "bench_gpu.py"),
                args.pairs,
                "--modes",
                "NW",
                "--tasks",
                "distance",
            ],
            capture_output=True,
            text=True,
        )
    gpu_text = gpu.stdout.strip()
    gpu_rate = None
    if "skipped" not in gpu_text and gpu.returncode == 0:
        for line in gpu_text.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) > 4 and cells[1] == "NW" and cells[2] == "distance":
                gpu_rate = float(cells[4].replace(",", ""))  # GPU pairs/s with transfers
    rows = [
        ("CPU measured, engine auto (bit-parallel)", report["cpu_alignments_per_second"]),
        (
            "CPU measured, engine adaptive (what the PIM runs)",
            report["cpu_adaptive_alignments_per_second"],
        ),
        ("GPU measured", gpu_rate),
        ("PIM estimated, this workload", report["alignments_per_second"]),
        ("PIM estimated, device full (steady state)", report["steady_state_alignments_per_second"]),
    ]
    base = report["cpu_alignments_per_second"]
    lines = [
        f"Workload: `{os.path.basename(args.pairs)}`, {report['alignments']} NW distance "
        f"alignments; CPU = this machine, 2 threads.",
        "",
        "| what | alignments/s | vs CPU auto |",
        "|---|---|---|",
    ]
    for label, rate in rows:
        if rate is None:
            lines.append(f"| {label} | no CUDA GPU on this machine: not measured | - |")
        else:
            lines.append(f"| {label} | {rate:,.0f} | {rate / base:.2f}x |")
    for pub in report.get("published", []):
        lines.append(
            f"| published (not measured here): {pub['source']} | - | "
            f"{pub['speedup_vs_cpu']}x CPU, {pub['speedup_vs_gpu']}x GPU |"
        )
    lines += ["", f"PIM energy per alignment: {report['joules_per_alignment'] * 1e9:.1f} nJ."]
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as handle:
        handle.write("# CPU vs GPU vs PIM\n\n`" + " ".join(["python"] + sys.argv) + "`\n\n" + text)
    plot(rows, os.path.splitext(args.out)[0] + ".png")


def plot(rows, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [(label, rate) for label, rate in rows if rate]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.barh([label for label, _ in shown], [rate for _, rate in shown])
    ax.set_xscale("log")
    ax.set_xlabel("alignments/s (log)")
    ax.set_title(
        "same workload: CPU measured, PIM estimated (no GPU measured here)"
        if all(label != "GPU measured" for label, _ in shown)
        else "same workload"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
