"""Compile every pimalign kernel once, before the jobs that use them (Snakemake script).

``pimalign compile`` fills the Numba cache of the job's environment; the index, align, editdist
and PIM jobs take this rule's flag file as input, so parallel jobs load compiled kernels instead
of each compiling the same ones at once.
"""

import sys


def main(snakemake) -> None:
    from pimalign.cli.main import main as pimalign_main

    with open(snakemake.log[0], "w") as log:
        sys.stderr = log
        args = ["compile", "-j", str(max(1, min(2, snakemake.threads)))]
        code = pimalign_main(args)
        if code != 0:
            raise RuntimeError(f"pimalign {' '.join(args)} exited {code}")
    with open(snakemake.output[0], "w") as flag:
        flag.write("compiled\n")


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake)
