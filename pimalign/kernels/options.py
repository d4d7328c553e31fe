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
    mid_occ: int  # seeds more frequent than this are kept only as the rarest of their streak
    max_occ: int  # seeds more frequent than this are never used
    max_gap: int
    max_cand: int
    drop_pct: int
    pad: int
    band: int
    min_score: int
    prune: bool  # the DP skips cells that cannot reach a known (ungapped) score


class ProperPair(NamedTuple):
    """What makes two ends a proper pair and how its insert size scores (``kernels.pairing``)."""

    low: int  # smallest insert size of a proper pair
    high: int  # largest
    mean: float
    sd: float
    match: int  # the match score (the insert penalty is in its units)


class EndSlots(NamedTuple):
    """One end's candidate alignments, ``(reads, slots)`` each: score, strand (0 forward),
    reference start and end (concatenated coordinates, end exclusive)."""

    score: object
    strand: object
    r_st: object
    r_en: object


class EditParams(NamedTuple):
    """What ``kernels.batch.edit_batch`` computes for every pair."""

    mode: int  # MODE_NW, MODE_SHW or MODE_HW
    k: int  # distance bound (-1: none)
    ncode: int  # codes >= ncode mismatch everything (N)
    h0: int  # the adaptive band's first half-width
    task: int  # TASK_DISTANCE, TASK_LOCATIONS or TASK_PATH
    bitparallel: bool  # try the bit-parallel routes before the adaptive band


class Runs(NamedTuple):
    """CIGAR runs of a batch: pair ``p``'s ``count[p]`` runs (BAM op codes ``ops``, lengths
    ``lens``) start at slot ``off[p]``, which must leave ``m + n`` slots for the pair."""

    off: object  # int64 (pairs,)
    ops: object  # uint8 (slots,)
    lens: object  # int64 (slots,)
    count: object  # int64 (pairs,)


class Lines(NamedTuple):
    """CIGAR text of a batch (``kernels.cigartext``): the lines of a block of pairs follow each
    other from ``room[first]``, its first pair's room (``room[p + 1] - room[p]`` bytes always
    hold pair ``p``'s line); ``end[p]`` is where pair ``p``'s line, newline included, ends."""

    text: object  # uint8 (room[-1],)
    room: object  # int64 (pairs + 1,)
    end: object  # int64 (pairs,)


class Scratch(NamedTuple):
    """One block's reused work arrays (``kernels.batch.block_scratch``)."""

    maps: object  # uint64 (5, words): pattern bitmaps
    cols: object  # uint64 (5, n + 1): the banded word's columns, for its traceback
    ops: object  # uint8 (m + n,): traceback ops (or run ops, with ``lens``)
    lens: object  # int64 (m + n,): run lengths of a traceback that is not kept (HW locations)
    reach: object  # int32 (bitpar.REACH,): the wavefront's furthest rows per diagonal, its pause
    kept: object  # int32 (n + 2 * 64,): a kept wavefront's levels, for its traceback
    level_at: object  # int64 (n + 2 * 64,): where each kept level starts in ``kept``


# Rows of the (6, pairs) int64 block of per-pair outputs the edit-distance kernels fill.
OUT_DIST, OUT_START, OUT_END, OUT_BAND, OUT_CELLS, OUT_BITS = range(6)
OUT_FIELDS = ("distance", "start", "end", "band", "cells", "bits")

# Edit-distance modes and tasks: one table, for the kernels (ids) and every command (names).
MODE_NW, MODE_SHW, MODE_HW = 0, 1, 2
EDIT_MODES = {"NW": MODE_NW, "SHW": MODE_SHW, "HW": MODE_HW}
TASK_DISTANCE, TASK_LOCATIONS, TASK_PATH = 0, 1, 2
EDIT_TASKS = {"distance": TASK_DISTANCE, "locations": TASK_LOCATIONS, "path": TASK_PATH}


def _id_of(value, table: dict, what: str) -> int:
    if isinstance(value, str):
        if value not in table:
            raise ValueError(f"unknown {what} {value!r}: choose one of {', '.join(table)}")
        return table[value]
    if isinstance(value, bool) or int(value) not in table.values():
        names = ", ".join(f"{i} ({n})" for n, i in table.items())
        raise ValueError(f"unknown {what} id {value!r}: choose one of {names}")
    return int(value)


def mode_id(mode) -> int:
    """The id of an edit-distance mode given by name ("NW", "SHW", "HW") or id."""
    return _id_of(mode, EDIT_MODES, "mode")


def task_id(task) -> int:
    """The id of a task given by name ("distance", "locations", "path") or id."""
    return _id_of(task, EDIT_TASKS, "task")


def mode_name(mode: int) -> str:
    return next(name for name, i in EDIT_MODES.items() if i == mode)
