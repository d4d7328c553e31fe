"""The records of numbers the mapping kernels take, as NamedTuples Numba accepts.

Kept free of Numba imports so that building the command-line parser (which shows their
defaults) does not load it.
"""

from __future__ import annotations

from typing import NamedTuple


class Scoring(NamedTuple):
    """bwa mem's scores (see ``kernels.scoring``)."""

    match: int
    mismatch: int
    gap_open: int
    gap_extend: int
    clip5: int
    clip3: int
    ambiguous: int  # a base against an N


class Search(NamedTuple):
    """How reads are seeded and extended (``MapParams`` fields of the same names)."""

    k: int
    w: int
    max_occ: int
    max_gap: int
    max_cand: int
    drop_pct: int
    pad: int
    band: int
    min_score: int
