"""Plots of an alignment workload table (``pimalign align --workload``): the band, the DP cells
per query base and the bits per cell of every extension, the PIM model's input (Snakemake
script)."""

import gzip
import sys

import numpy as np


def read_workload(path: str) -> dict[str, np.ndarray]:
    """Columns band, cells, bits, query_len of the table (``#`` header line names them)."""
    columns = ("band", "cells", "bits", "query_len")
    values = {c: [] for c in columns}
    with gzip.open(path, "rt") as handle:
        header = None
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if line.startswith("#"):
                header = [f.lstrip("#") for f in fields]
                where = {c: header.index(c) for c in columns}
                continue
            if header is None:
                raise ValueError(f"{path}: no '#' header line before the first row")
            for c in columns:
                values[c].append(int(fields[where[c]]))
    return {c: np.asarray(v, dtype=np.int64) for c, v in values.items()}


def integer_bins(data: np.ndarray):
    """One bin per integer value where they are few, else 50 bins."""
    low, high = float(np.min(data)), float(np.max(data))
    if np.issubdtype(data.dtype, np.integer) and high - low <= 60:
        return np.arange(low, high + 2) - 0.5
    return 50


def plot(work: dict[str, np.ndarray], title: str, png: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.5))
    rows = work["band"].size
    if rows:
        per_base = work["cells"] / np.maximum(work["query_len"], 1)
        for ax, data, label in (
            (axes[0], work["band"], "band (cells in the widest row)"),
            (axes[1], per_base, "DP cells per query base"),
            (axes[2], work["bits"], "bits per cell"),
        ):
            ax.hist(data, bins=integer_bins(data), color="#8172b2")
            ax.set(xlabel=label, ylabel="extensions")
    else:
        axes[1].text(
            0.5, 0.5, "no extensions", ha="center", va="center", transform=axes[1].transAxes
        )
    fig.suptitle(f"{title}: workload of {rows} extensions")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


def main(snakemake) -> None:
    with open(snakemake.log[0], "w") as log:
        sys.stderr = log
        plot(
            read_workload(str(snakemake.input[0])),
            snakemake.wildcards.sample,
            str(snakemake.output[0]),
        )


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake)
