"""One pair at a time, edlib style: ``align`` (unit-cost edit distance, locations, CIGAR) and
``align_affine`` (bwa's affine-gap scores, with soft clipping).

Both run the adaptive band (``kernels.edit``, ``kernels.affine``) and report its workload.
Coordinates are 0-based; ``locations`` are ``(start, end)`` with ``end`` inclusive, as edlib.
"""

from __future__ import annotations

import numpy as np

from ..alphabet import NCODE_LITERAL, NCODE_MISMATCH, encode
from ..kernels.batch import run_length
from ..kernels.edit import MODE_HW, MODE_NW, edit_align, traceback
from ..kernels.options import mode_id, task_id

CIGAR_CHARS = {1: "I", 2: "D", 4: "S", 7: "=", 8: "X"}
DEFAULT_BAND = 8  # initial half-width of the adaptive band, in cells


def mode_task_ids(mode: str, task: str) -> tuple[int, int]:
    """The kernels' ids of a mode and a task name (a ``ValueError`` naming a bad one)."""
    return mode_id(mode), task_id(task)


def ncode_of(literal_n: bool) -> int:
    """The kernels' N rule: codes >= this mismatch everything (5: N matches N)."""
    return NCODE_LITERAL if literal_n else NCODE_MISMATCH


def cigar_string(run_ops: np.ndarray, run_lens: np.ndarray) -> str:
    """Extended CIGAR (``=``, ``X``, ``I``, ``D``, ``S``) from run arrays."""
    return "".join(f"{int(n)}{CIGAR_CHARS[int(o)]}" for o, n in zip(run_ops, run_lens))


def _ops_cigar(ops: np.ndarray, n_ops: int) -> str:
    """Extended CIGAR of the first ``n_ops`` per-column op codes."""
    run_ops = np.empty(max(n_ops, 1), dtype=np.uint8)
    run_lens = np.empty(max(n_ops, 1), dtype=np.int64)
    n_runs = run_length(ops, n_ops, run_ops, run_lens)
    return cigar_string(run_ops[:n_runs], run_lens[:n_runs])


def align(
    query: str | bytes,
    target: str | bytes,
    mode: str = "NW",
    task: str = "distance",
    k: int = -1,
    literal_n: bool = False,
    band: int = DEFAULT_BAND,
) -> dict:
    """Align one pair, edlib style.

    Returns a dict with ``editDistance`` (-1 when above ``k``), ``locations`` (a list of
    ``(start, end)``, start ``None`` for ``task="distance"``; for HW/SHW every optimal end),
    ``cigar`` (extended CIGAR for ``task="path"``, else None; ``I`` = query base not in the target,
    ``D`` = target base not in the query) and the workload ``band`` (cells in the widest row),
    ``cells`` (DP cells computed) and ``bits`` (bits per cell relative to the row minimum).
    """
    mode_id, task_id = mode_task_ids(mode, task)
    q = encode(query)
    t = encode(target)
    ncode = ncode_of(literal_n)
    last = np.empty(t.shape[0] + 1, dtype=np.int32)
    want_tb = task_id == 2 or (task_id == 1 and mode_id == MODE_HW)
    dist, end_j, tb, tb_lo, band_w, cells, bits, _ = edit_align(
        q, t, mode_id, k, ncode, band, -1, want_tb, last, np.zeros((0, 6), dtype=np.int64)
    )
    result = {
        "editDistance": int(dist),
        "locations": [],
        "cigar": None,
        "band": int(band_w),
        "cells": int(cells),
        "bits": int(bits),
    }
    if dist < 0:
        return result
    if mode_id == MODE_NW:
        ends = [end_j]
    else:
        ends = [int(j) for j in np.flatnonzero(last == dist)]
    ops = np.empty(q.shape[0] + t.shape[0], dtype=np.uint8)
    for e in ends:
        if task_id == 0:
            start = None
        elif want_tb:
            _, start = traceback(q, t, mode_id, ncode, tb, tb_lo, e, ops)
        else:
            start = 0
        result["locations"].append((None if start is None else int(start), int(e) - 1))
    if task_id == 2:
        n_ops, _ = traceback(q, t, mode_id, ncode, tb, tb_lo, end_j, ops)
        result["cigar"] = _ops_cigar(ops, n_ops)
    return result


AFFINE_MODES = {"global": 0, "extend": 1}


def align_affine(
    query: str | bytes,
    target: str | bytes,
    mode: str = "global",
    match: int = 1,
    mismatch: int = 4,
    gap_open: int = 6,
    gap_extend: int = 1,
    clip5: int = 5,
    clip3: int = 5,
    band: int = DEFAULT_BAND,
    ambiguous: int = 1,
) -> dict:
    """Affine-gap alignment (bwa scoring: a gap of length L costs ``gap_open + L*gap_extend``).

    ``mode="global"`` aligns both sequences end to end; ``mode="extend"`` aligns the whole query
    inside the target (target ends free) and soft-clips query ends when that beats the clipping
    penalties ``clip5``/``clip3`` (a tie clips, as bwa). Returns ``score``, ``cigar`` (with
    ``=``, ``X``, ``I``, ``D``, ``S``), 0-based half-open ``q_start``/``q_end`` (aligned part of
    the query) and ``t_start``/``t_end``, and the workload ``band``, ``cells``, ``bits``.
    An N (in either sequence) costs ``ambiguous`` (bwa's 1) instead of ``mismatch``.
    """
    from ..kernels.affine import affine_align, affine_traceback
    from ..kernels.scoring import Scoring

    if mode not in AFFINE_MODES:
        raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(AFFINE_MODES)}")
    for name, value in (
        ("match", match),
        ("mismatch", mismatch),
        ("gap_open", gap_open),
        ("gap_extend", gap_extend),
        ("clip5", clip5),
        ("clip3", clip3),
        ("ambiguous", ambiguous),
    ):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    if match == 0 and gap_extend == 0:
        raise ValueError("match and gap_extend cannot both be 0")
    q = encode(query)
    t = encode(target)
    scoring = Scoring(match, mismatch, gap_open, gap_extend, clip5, clip3, ambiguous)
    score, end_i, end_j, tb, tb_lo, band_w, cells, bits, _ = affine_align(
        q, t, AFFINE_MODES[mode], scoring, band, -1, True
    )
    ops = np.empty(q.shape[0] + t.shape[0] + 1, dtype=np.uint8)
    n_ops, q_start, t_start = affine_traceback(q, t, tb, tb_lo, end_i, end_j, ops)
    return {
        "score": int(score),
        "cigar": _ops_cigar(ops, n_ops),
        "q_start": int(q_start),
        "q_end": int(end_i),
        "t_start": int(t_start),
        "t_end": int(end_j),
        "band": int(band_w),
        "cells": int(cells),
        "bits": int(bits),
    }
