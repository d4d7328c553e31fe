"""Cut one FASTQ/FASTA file into consecutive chunks of nearly equal size (Snakemake script).

Consecutive chunks keep the reads' order: merging the chunks' sorted alignments in chunk order gives
the records, in the same order, of one run on the whole file. Paired files are cut the same way
(same counts), so chunk i of R1 and chunk i of R2 hold the same pairs.
"""

import gzip
import sys

import pysam


def count_records(path: str) -> int:
    with pysam.FastxFile(path) as reads:
        return sum(1 for _ in reads)


def chunk_sizes(total: int, chunks: int) -> list[int]:
    """``chunks`` sizes summing to ``total``, the first ``total % chunks`` one larger."""
    return [total // chunks + (i < total % chunks) for i in range(chunks)]


def split(path: str, outputs: list[str]) -> list[int]:
    total = count_records(path)
    if total < len(outputs):
        raise ValueError(
            f"{path}: {total} reads, fewer than the {len(outputs)} chunks asked for; "
            "lower `chunks` in the config (or --set-scatter chunks=N)"
        )
    sizes = chunk_sizes(total, len(outputs))
    with pysam.FastxFile(path) as reads:
        records = iter(reads)
        for output, size in zip(outputs, sizes):
            with gzip.open(output, "wt", compresslevel=1) as handle:
                for _ in range(size):
                    handle.write(f"{next(records)}\n")
    return sizes


def main(snakemake) -> None:
    with open(snakemake.log[0], "w") as log:
        sys.stderr = log
        sizes = split(str(snakemake.input[0]), [str(p) for p in snakemake.output])
        print(
            f"{snakemake.input[0]}: {sum(sizes)} reads in {len(sizes)} chunks "
            f"({', '.join(map(str, sizes))})",
            file=log,
        )


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake)
