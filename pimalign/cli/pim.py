"""``pimalign pim ops|estimate|sweep``: the PIM model on the command line.

``add_parser(subparsers)`` adds the ``pim`` command to pimalign's argparse tree; each
sub-command's ``func(args)`` returns an exit code. Bad input files raise ``InputError``, bad
option values ``ValueError`` (pimalign's ``main`` turns them into exit codes 1 and 2).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..io.atomic import atomic_outputs, check_output_path
from ..io.errors import InputError
from ..kernels.options import EDIT_MODES
from .args import add_band_option, ranged, ranged_list
from .args import threads as threads_type


def _log(message: str) -> None:
    print(f"[pimalign] {message}", file=sys.stderr)


FORMAT = argparse.ArgumentDefaultsHelpFormatter


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``pim`` (with ``ops``, ``estimate``, ``sweep``) to ``subparsers``."""
    pim = subparsers.add_parser(
        "pim",
        help="ReRAM processing-in-memory model: primitive costs, estimates, sweeps",
        description="Model of the exact adaptive band on a memristive digital-PIM device "
        "(RACER/AritPIM lineage). See the README, section 'The ReRAM processing-in-memory model'.",
        formatter_class=FORMAT,
    )
    sub = pim.add_subparsers(dest="pim_command", metavar="PIM_COMMAND", required=True)
    _add_ops(sub)
    _add_estimate(sub)
    _add_sweep(sub)
    return pim


def _add_ops(sub) -> None:
    p = sub.add_parser(
        "ops",
        formatter_class=FORMAT,
        help="cycle and gate counts of primitives",
        description="Cycles and gates of the bit-serial primitives built from "
        "NOR, NOT and INIT on N-bit operands.",
    )
    p.add_argument("--bits", type=ranged(1, 1024), default=8, help="operand width N (1..1024)")
    p.add_argument(
        "--init",
        choices=["per-gate", "bulk"],
        default="per-gate",
        help="per-gate: one INIT before every gate (AritPIM 1-INIT); bulk: one INIT "
        "cycle per primitive",
    )
    p.add_argument("--device", help="device TOML (for the move cost); default: built-in")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run_ops)


def _add_workload_source(sub, name: str, helptext: str) -> argparse.ArgumentParser:
    """A sub-command reading a workload (``estimate``, ``sweep``): its source and model options."""
    p = sub.add_parser(name, formatter_class=FORMAT, help=helptext, description=helptext + ".")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--pairs",
        metavar="FILE",
        help="pair TSV (query<TAB>target or id<TAB>query<TAB>target, .gz ok): "
        "exact workload, CPU measured on the same pairs",
    )
    src.add_argument(
        "--workload",
        metavar="FILE",
        help="workload TSV from `editdist --workload` or `align --workload` "
        "(approximate: no sequences, no CPU measurement)",
    )
    src.add_argument(
        "--bam",
        metavar="FILE",
        help="any aligner's SAM/BAM/CRAM (with --ref): each primary alignment's read "
        "against the reference window at its position, exact, SHW",
    )
    src.add_argument(
        "--reads",
        nargs="+",
        metavar="FASTQ",
        help="one reads file or two (paired), with --ref: mapped by pimalign align, then as --bam",
    )
    p.add_argument(
        "--ref", metavar="REF", help="reference FASTA or pimalign index, for --bam/--reads"
    )
    p.add_argument(
        "--device",
        help="a preset (default, rapidx: RAPIDx's setting, every value sourced or marked an "
        "assumption) or a device TOML overriding the built-in defaults",
    )
    p.add_argument(
        "--mode",
        choices=list(EDIT_MODES),
        help="edit-distance mode (default: NW for --pairs/--workload, SHW for --bam/--reads)",
    )
    p.add_argument("--literal-n", action="store_true", help="N matches N")
    p.add_argument(
        "--limit", type=ranged(1, 10**10), help="use only the first N alignments (1..1e10)"
    )
    return p


def _add_estimate(sub) -> None:
    p = _add_workload_source(
        sub, "estimate", "PIM time and energy of a workload next to the measured CPU"
    )
    add_band_option(p, "initial half-width h of the adaptive band")
    p.add_argument(
        "--json",
        dest="json_out",
        metavar="OUT",
        help="write the report as strict JSON (a non-finite number, such as an unbounded power "
        "bound, is null)",
    )
    p.add_argument("--report", metavar="DIR", help="write figures into DIR")
    p.add_argument("-t", "--threads", type=threads_type, help="CPU threads (1..1024; default: all)")
    p.add_argument(
        "--repeats",
        type=ranged(1, 1000),
        default=30,
        help="CPU timing runs of the fixed batch, the best kept (1..1000)",
    )
    _add_cpu_rate(p)
    p.add_argument(
        "--cpu-watts",
        type=ranged(0.001, 100_000.0, float),
        help="CPU power while aligning, for alignments per joule (default: measured "
        "package energy where RAPL is readable, else 7.5 W per thread)",
    )
    p.set_defaults(func=run_estimate_cmd)


def _add_sweep(sub) -> None:
    p = _add_workload_source(
        sub, "sweep", "PIM throughput over crossbars, bit width and band width"
    )
    p.add_argument(
        "--bands",
        type=ranged_list(1, 10_000),
        default=[2, 4, 8, 16, 32],
        help="band half-widths h (1..10000)",
    )
    p.add_argument(
        "--crossbars",
        type=ranged_list(2, 1 << 40),
        default=[2**10, 2**12, 2**14, 2**16],
        help="total crossbar counts (2..2**40)",
    )
    p.add_argument(
        "--bits",
        type=ranged_list(1, 64, words=("exact",)),
        default=["exact", 4, 6, 8],
        help="bits per cell: 'exact' (what each pass needs) or fixed widths",
    )
    _add_cpu_rate(p)
    p.add_argument("-o", "--output", default="-", help="table TSV (- for stdout)")
    p.add_argument("--plot", metavar="PNG", help="write the sweep figure")
    p.set_defaults(func=run_sweep_cmd)


def _add_cpu_rate(p) -> None:
    p.add_argument(
        "--cpu-rate",
        type=ranged(1e-3, 1e15, float),
        help="alignments/s of a CPU baseline measured elsewhere (a server, another library), "
        "for all of --cpu-cores; times the alignments that fit no crossbar row",
    )
    p.add_argument(
        "--cpu-cores",
        type=ranged(1, 1 << 20),
        help="cores the CPU baseline stands for (default: this machine's, os.cpu_count())",
    )


def run_ops(args) -> int:
    from ..pim.closed_forms import ops_table
    from ..pim.device import load_device

    device = load_device(args.device)
    rows = ops_table(args.bits, args.init, device.move_cycles_per_bit)
    if args.json:
        ops = {"bits": args.bits, "init": args.init, "ops": rows}
        print(json.dumps(finite(ops), indent=2, allow_nan=False))
        return 0
    print(f"{'op':<10}{'cycles':>9}{'NOR':>8}{'NOT':>7}{'INIT cells':>12}{'moves':>7}  description")
    for r in rows:
        print(
            f"{r['op']:<10}{r['cycles']:>9}{r['nor']:>8}{r['not']:>7}{r['init_cells']:>12}"
            f"{r['moves']:>7}  {r['description']}"
        )
    print(
        f"({args.bits}-bit operands, init {args.init}; cycles of a move: "
        f"{device.move_cycles_per_bit} per bit)"
    )
    return 0


def _inputs(args) -> tuple[str, ...]:
    from ..pim.device import PRESETS

    reads = tuple(args.reads or ())
    device = args.device if args.device not in PRESETS else None
    named = (args.pairs, args.workload, device, args.bam, args.ref)
    return tuple(x for x in named if x) + reads


def _prepare_folder(folder: str, inputs) -> None:
    """Check the figures' folder (it is made only when the figures are written)."""
    from ..pim.report import REPORT_FIGURES

    if os.path.isdir(folder):
        for name in REPORT_FIGURES:
            check_output_path(os.path.join(folder, name), inputs)
        return
    if os.path.exists(folder):
        raise InputError(folder, "exists and is not a folder")
    check_output_path(folder, inputs)


def run_estimate_cmd(args) -> int:
    from ..pim.device import load_device
    from ..pim.report import REPORT_FIGURES, format_table, run_estimate, write_report
    from ..pim.source import WorkloadSource

    device = load_device(args.device)
    if args.json_out:
        check_output_path(args.json_out, _inputs(args))
    if args.report:
        _prepare_folder(args.report, _inputs(args))
    report = run_estimate(
        device,
        WorkloadSource.from_args(args),
        band=args.band,
        repeats=args.repeats,
        cpu_watts=args.cpu_watts,
        cpu_rate=args.cpu_rate,
        cpu_cores=args.cpu_cores,
    )
    warning = (report.get("cpu_baseline") or {}).get("load_warning")
    if warning:
        _log(f"warning: {warning}")
    print(format_table(report))
    figures = [os.path.join(args.report, name) for name in REPORT_FIGURES] if args.report else []
    outputs = ([args.json_out] if args.json_out else []) + figures
    if figures:
        os.makedirs(args.report, exist_ok=True)
    # every output appears together, or none (a failing figure leaves no JSON behind)
    with atomic_outputs(outputs) as temps:
        if args.json_out:
            with open(temps[0], "w") as handle:
                json.dump(finite(report), handle, indent=2, allow_nan=False)
                handle.write("\n")
        if figures:
            write_report(report, temps[len(temps) - len(figures) :])
    for path in figures:
        _log(f"wrote {path}")
    _log(f"pim estimate: {report['alignments']} alignments")
    return 0


def run_sweep_cmd(args) -> int:
    from ..pim.cpu import CPU_WATTS_PER_THREAD
    from ..pim.device import load_device
    from ..pim.plots import sweep_plot
    from ..pim.source import WorkloadSource
    from ..pim.sweep import format_rows, run_sweep

    device = load_device(args.device)
    if args.output != "-":
        check_output_path(args.output, _inputs(args))
    if args.plot:
        check_output_path(args.plot, _inputs(args))
    rows = run_sweep(
        device,
        WorkloadSource.from_args(args),
        bands=tuple(args.bands),
        crossbars=tuple(args.crossbars),
        bits=tuple(args.bits),
        cpu_rate=args.cpu_rate,
        cpu_watts=(
            CPU_WATTS_PER_THREAD * (args.cpu_cores or os.cpu_count() or 1)
            if args.cpu_rate
            else None
        ),
    )
    text = format_rows(rows)
    outputs = ([] if args.output == "-" else [args.output]) + ([args.plot] if args.plot else [])
    with atomic_outputs(outputs) as temps:
        if args.output != "-":
            with open(temps[0], "w") as handle:
                handle.write(text)
        if args.plot:
            sweep_plot(rows, temps[-1])
    if args.output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    _log(f"pim sweep: {len(rows)} rows")
    return 0


def finite(value):
    """``value`` as plain JSON types: numpy scalars and arrays become numbers and lists, and a
    non-finite number (an unbounded power bound, a rate over zero time) becomes None (null), so
    the output is strict JSON (RFC 8259 has no Infinity or NaN)."""
    import math

    import numpy as np

    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [
            finite(item) for item in (value.tolist() if isinstance(value, np.ndarray) else value)
        ]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value
