"""Snakemake wrapper: build a pimalign index from a FASTA reference (``pimalign index``).

input
    [0]  (or ``fasta``) the reference FASTA, plain or gzip-compressed
    kernels  (optional) any file the index must wait for, not read (the workflow's flag that
             every kernel is compiled)
output
    [0]  the index file (``.pmi`` by convention): one file, memory-mapped by ``pimalign align``
params
    extra  options for ``pimalign index`` (``-k``, ``-w``)
log
    the rule's log receives stderr
"""

import shlex
import sys


def run(snakemake, shell) -> None:
    n = len(snakemake.input) - (snakemake.input.get("kernels") is not None)
    fasta = snakemake.input.get("fasta") or (snakemake.input[0] if n else None)
    if n != 1 or not fasta:
        raise ValueError(f"input must be one FASTA reference; got {n} files")
    if len(snakemake.output) != 1:
        raise ValueError(f"output must be one index file; got {len(snakemake.output)}")
    pimalign = f"{shlex.quote(sys.executable)} -m pimalign"
    extra = snakemake.params.get("extra", "") or ""
    files = shlex.join([str(fasta), "-o", str(snakemake.output[0])])
    log = snakemake.log_fmt_shell(stdout=False, stderr=True)
    shell("{pimalign} index {extra} {files} {log}")


if "snakemake" in globals():
    from snakemake.shell import shell as _shell

    run(snakemake, _shell)  # noqa: F821 (injected by Snakemake)
