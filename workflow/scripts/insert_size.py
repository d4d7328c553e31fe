"""The insert-size model of a whole paired-end sample, for its chunks (Snakemake script).

``pimalign align`` learns the model from the first 10,000 pairs of its input. A chunked run
learns it once here, from the whole sample's first pairs and with the same align options as the
chunks (``pimalign align --insert-size-only``), and passes it to every chunk with ``-I``, so the
chunks map as one run on the whole input would. Writes ``MEAN,SD,MAX,MIN`` (bwa mem -I), or
``none`` when too few pairs map uniquely (the chunks then get no ``-I``, and neither would a
whole run get a model).
"""

import shlex
import sys


def main(snakemake) -> None:
    from pimalign.cli.main import main as pimalign_main

    with open(snakemake.log[0], "w") as log:
        sys.stderr = log
        reads = [str(p) for p in snakemake.input.reads]
        if len(reads) != 2:
            raise ValueError(f"insert size needs two read files, got {len(reads)}")
        args = [
            "align",
            str(snakemake.input.idx),
            *reads,
            "--insert-size-only",
            "--no-progress",
            "-o",
            str(snakemake.output[0]),
            *shlex.split(snakemake.params.extra),
        ]
        code = pimalign_main(args)
        if code != 0:
            raise RuntimeError(f"pimalign {' '.join(args)} exited {code}")


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake)
