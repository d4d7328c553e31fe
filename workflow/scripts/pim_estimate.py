"""Run ``pimalign pim estimate`` on an alignment workload or on a pair file (Snakemake script).

``params.source`` names the input: ``workload`` (``--workload``, the table written by
``pimalign align --workload``) or ``pairs`` (``--pairs``, a pair TSV). ``input.device``, when given,
is the device TOML (``--device``); ``params.extra`` adds options (``--mode``, ``--repeats``, ...);
``threads`` becomes ``-t``. Writes ``output.json`` (``--json``) and the plots of ``output.report``
(``--report``); stdout and stderr go to the log.
"""

import os
import shlex
import subprocess
import sys


def command(
    source: str,
    path: str,
    device: str | None,
    json_out: str,
    report_dir: str,
    threads: int = 1,
    extra: str = "",
) -> list:
    if source not in ("workload", "pairs"):
        raise ValueError(f"params.source must be 'workload' or 'pairs', got {source!r}")
    args = [
        sys.executable,
        "-m",
        "pimalign",
        "pim",
        "estimate",
        f"--{source}",
        path,
        "-t",
        str(max(1, threads)),
    ]
    if device:
        args += ["--device", device]
    return args + shlex.split(extra) + ["--json", json_out, "--report", report_dir]


def main(snakemake) -> None:
    source = snakemake.params.source
    devices = list(snakemake.input.get("device") or [])
    args = command(
        source,
        str(getattr(snakemake.input, source)),
        devices[0] if devices else None,
        str(snakemake.output.json),
        str(snakemake.output.report),
        snakemake.threads,
        snakemake.params.get("extra", "") or "",
    )
    os.makedirs(snakemake.output.report, exist_ok=True)
    with open(snakemake.log[0], "w") as log:
        print("$ " + " ".join(args), file=log, flush=True)
        result = subprocess.run(args, stderr=log, stdout=log)
    if result.returncode:
        sys.exit(f"pimalign pim estimate failed (exit {result.returncode}); see {snakemake.log[0]}")


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake)
