"""Snakemake wrapper: edit distances of sequence pairs (``pimalign editdist``).

input
    pairs           one pair TSV (``query<TAB>target`` or ``id<TAB>query<TAB>target``, .gz allowed)
    query, target   or two FASTA/FASTQ files, taken record by record
                    (unnamed inputs work too: one TSV, or two FASTA/FASTQ files in that order)
output
    [0]  the distance TSV (``#`` header; id, distance, then what ``extra`` asks for)
params
    extra  options for ``pimalign editdist`` (``--mode``, ``--task``, ``-k``, ``--workload``, ...)
threads
    ``-t``
log
    the rule's log receives stderr
"""

import shlex
import sys


def inputs(snakemake) -> list[str]:
    named = {k: snakemake.input.get(k) for k in ("pairs", "query", "target")}
    if named["pairs"] is not None:
        if named["query"] is not None or named["target"] is not None:
            raise ValueError("give input pairs, or input query and target, not both")
        files = [named["pairs"]]
    elif named["query"] is not None or named["target"] is not None:
        if named["query"] is None or named["target"] is None:
            raise ValueError("input query and target go together (two FASTA/FASTQ files)")
        files = [named["query"], named["target"]]
    else:
        files = list(snakemake.input)
    files = [str(f) for f in files]
    if len(files) not in (1, 2):
        raise ValueError(
            "input must be one pair TSV, or two FASTA/FASTQ files (query, target); "
            f"got {len(files)} files"
        )
    return files


def run(snakemake, shell) -> None:
    files = inputs(snakemake)
    if len(snakemake.output) != 1:
        raise ValueError(f"output must be one TSV; got {len(snakemake.output)}")
    pimalign = f"{shlex.quote(sys.executable)} -m pimalign"
    extra = snakemake.params.get("extra", "") or ""
    args = shlex.join(
        ["-t", str(max(1, int(snakemake.threads))), "-o", str(snakemake.output[0])] + files
    )
    log = snakemake.log_fmt_shell(stdout=False, stderr=True)
    shell("{pimalign} editdist {extra} {args} {log}")


if "snakemake" in globals():
    from snakemake.shell import shell as _shell

    run(snakemake, _shell)  # noqa: F821 (injected by Snakemake)
