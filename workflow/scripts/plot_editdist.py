"""Plots of an edit-distance table (``pimalign editdist``): distances and, when the table has them,
the band and bits per cell of each pair (Snakemake script)."""

import sys

import numpy as np


def read_table(path: str) -> dict[str, np.ndarray]:
    values: dict[str, list[int]] = {}
    names: list[str] = []
    with open(path) as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if line.startswith("#"):
                names = [f.lstrip("#") for f in fields]
                values = {n: [] for n in names if n in ("distance", "band", "bits")}
                continue
            for n in values:
                values[n].append(int(fields[names.index(n)]))
    return {n: np.asarray(v, dtype=np.int64) for n, v in values.items()}


def integer_bins(data: np.ndarray):
    """One bin per integer value where they are few, else 50 bins."""
    low, high = float(np.min(data)), float(np.max(data))
    if np.issubdtype(data.dtype, np.integer) and high - low <= 60:
        return np.arange(low, high + 2) - 0.5
    return 50


def plot(table: dict[str, np.ndarray], title: str, png: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [n for n in ("distance", "band", "bits") if n in table]
    fig, axes = plt.subplots(
        1, max(1, len(panels)), figsize=(4 * max(1, len(panels)), 3.5), squeeze=False
    )
    for ax, name in zip(axes[0], panels):
        data = table[name]
        if data.size:
            ax.hist(data, bins=integer_bins(data), color="#dd8452")
        ax.set(xlabel=name, ylabel="pairs")
    count = table["distance"].size if "distance" in table else 0
    fig.suptitle(f"{title}: {count} pairs")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


def main(snakemake) -> None:
    with open(snakemake.log[0], "w") as log:
        sys.stderr = log
        plot(
            read_table(str(snakemake.input[0])), snakemake.wildcards.pairs, str(snakemake.output[0])
        )


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake)
