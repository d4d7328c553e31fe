"""Gather a sample's chunks: merge the coordinate-sorted BAMs in chunk order, index the result, and
join the chunks' workload tables (Snakemake script; samtools runs inside pysam).

``samtools merge`` breaks position ties by input order, and the chunks are consecutive pieces of the
input, so the merged file holds the records of one whole-input run in the same order.
"""

import gzip
import sys

import pysam


def merge_bams(inputs: list[str], output: str, index: str, threads: int) -> None:
    # -c/-p: one @RG and one @PG per ID (every chunk carries the same ones)
    pysam.merge("-f", "-c", "-p", "-@", str(threads), "-o", output, *inputs, catch_stdout=False)
    pysam.index("-@", str(threads), "-o", index, output, catch_stdout=False)


def join_workloads(inputs: list[str], output: str) -> int:
    """Concatenate the tables, keeping the first header line only; returns the rows written."""
    rows = 0
    with gzip.open(output, "wt", compresslevel=3) as out:
        for number, path in enumerate(inputs):
            with gzip.open(path, "rt") as handle:
                for line in handle:
                    if line.startswith("#"):
                        if number == 0:
                            out.write(line)
                        continue
                    out.write(line)
                    rows += 1
    return rows


def main(snakemake) -> None:
    with open(snakemake.log[0], "w") as log:
        sys.stderr = log
        bams = [str(p) for p in snakemake.input.bams]
        merge_bams(bams, snakemake.output.bam, snakemake.output.bai, snakemake.threads)
        rows = join_workloads(
            [str(p) for p in snakemake.input.workloads], snakemake.output.workload
        )
        print(
            f"merged {len(bams)} chunks -> {snakemake.output.bam}; {rows} workload rows", file=log
        )


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake)
