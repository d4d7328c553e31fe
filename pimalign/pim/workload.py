"""Workloads for the PIM model: from sequence pairs (exact) or from workload files (approximate).

- ``read_pairs``: a pair TSV (``io.pairs.read_tsv_pairs``) encoded as packed arrays.
- ``profile_workload``: the exact per-pass workload of encoded pairs (``profile.profile_pairs``).
- ``read_workload_file``: the TSV that ``pimalign editdist --workload`` writes (header
  ``#id  distance  [start end cigar]  band  cells  bits``) or that ``pimalign align --workload``
  writes (gzipped, header ``#read  kind  query_len  target_len  band  cells  bits  passes
  score``; kind ``extend``/``rescue`` = affine Gotoh). Columns are found by header name.
- ``approximate_workload``: a workload file turned into model inputs. Without sequences the
  passes are unknown: each alignment becomes one pass of ``ceil(cells / band)`` DP rows over
  ``band`` cells at ``bits`` bits, target length ``target_len`` (or the row count when absent).
  A mapper row with ``passes`` 0 is an ungapped extension: ``cells`` base compares, no DP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..alphabet import NCODE_LITERAL, NCODE_MISMATCH, SequenceError, encode_many
from ..io.errors import InputError, read_error
from ..io.pairs import open_text, read_tsv_pairs
from ..kernels.options import mode_id
from .profile import KIND_ADAPTIVE, profile_pairs
from .schedule import Workload

AFFINE_KINDS = ("extend", "rescue")
REQUIRED = ("band", "cells", "bits")


def read_pairs(path: str, chunk_size: int = 100_000, limit: int | None = None):
    """``(ids, q_flat, q_off, t_flat, t_off)`` of the first ``limit`` pairs of a pair TSV."""
    ids, queries, targets = [], [], []
    for chunk_ids, qs, ts, lines in read_tsv_pairs(path, chunk_size):
        for seqs in (qs, ts):
            try:
                encode_many(seqs)
            except SequenceError as err:
                raise InputError(path, err.problem, line=lines[err.record]) from None
        ids += chunk_ids
        queries += qs
        targets += ts
        if limit is not None and len(ids) >= limit:
            break
    if limit is not None:
        ids, queries, targets = ids[:limit], queries[:limit], targets[:limit]
    if not ids:
        raise InputError(path, "no sequence pairs found")
    q_flat, q_off = encode_many(queries)
    t_flat, t_off = encode_many(targets)
    return ids, q_flat, q_off, t_flat, t_off


def profile_workload(
    q_flat, q_off, t_flat, t_off, mode: str = "NW", literal_n: bool = False, band: int = 8
) -> tuple[Workload, dict]:
    """Exact workload of encoded pairs, and the profile (``distance``, ``cells``, ``passes``...)."""
    mode = mode_id(mode)
    if band < 1:
        raise ValueError(f"band must be >= 1 for the PIM model, got {band}")
    ncode = NCODE_LITERAL if literal_n else NCODE_MISMATCH
    dist, cells, passes, kind, dlo, dhi, bits, best, _ = profile_pairs(
        q_flat, q_off, t_flat, t_off, mode, ncode, band
    )
    width = int(passes.max(initial=1))
    is_n = np.r_[0, np.cumsum(q_flat == 4)]
    wl = Workload(
        m=np.diff(q_off),
        n=np.diff(t_off),
        passes=passes,
        kind=kind[:, :width],
        dlo=dlo[:, :width],
        dhi=dhi[:, :width],
        bits=bits[:, :width],
        mode=mode,
        ncode=ncode,
        h=band,
        n_count=is_n[q_off[1:]] - is_n[q_off[:-1]],
    )
    prof = {
        "distance": dist,
        "cells": cells,
        "passes": passes,
        "bits": bits[:, :width],
        "kind": kind[:, :width],
    }
    return wl, prof


@dataclass
class WorkloadTable:
    """Columns of a workload file (int64 arrays; -1 where the file has no such column)."""

    band: np.ndarray
    cells: np.ndarray
    bits: np.ndarray
    query_len: np.ndarray
    target_len: np.ndarray
    passes: np.ndarray
    affine: np.ndarray
    fmt: str

    def __len__(self):
        return int(self.band.shape[0])


NUMERIC_COLUMNS = ("band", "cells", "bits", "query_len", "target_len", "passes")


def read_workload_file(path: str) -> WorkloadTable:
    """Parse an ``editdist --workload`` or ``align --workload`` file (plain or gzip)."""
    with open_text(path) as handle:
        header = None
        cols: dict[str, list] = {}
        kinds: list[bool] = []
        try:
            for line_no, line in enumerate(handle, start=1):
                line = line.rstrip("\n")
                if not line:
                    continue
                if header is None:
                    header = _workload_header(path, line)
                    cols = {c: [] for c in NUMERIC_COLUMNS if c in header}
                elif not line.startswith("#"):
                    kinds.append(_workload_row(path, line, line_no, header, cols))
        except UnicodeDecodeError as err:
            raise InputError(path, f"non-ASCII byte 0x{err.object[err.start]:02x}") from None
        except (EOFError, OSError) as err:
            raise read_error(path, err) from None
    if header is None or not kinds:
        raise InputError(path, "no workload rows found")
    n = len(kinds)

    def col(name, default):
        return (
            np.array(cols[name], dtype=np.int64)
            if name in cols
            else np.full(n, default, dtype=np.int64)
        )

    fmt = "align" if "kind" in header else "editdist"
    return WorkloadTable(
        band=col("band", 0),
        cells=col("cells", 0),
        bits=col("bits", 1),
        query_len=col("query_len", -1),
        target_len=col("target_len", -1),
        passes=col("passes", 1),
        affine=np.array(kinds, dtype=bool),
        fmt=fmt,
    )


def _workload_header(path: str, line: str) -> list[str]:
    """The column names of a workload file's first line (an ``InputError`` unless it is a
    ``#`` header with every required column)."""
    if not line.startswith("#"):
        raise InputError(
            path, "first line must be a '#' header naming the columns (band, cells, bits, ...)",
            line=1,
        )  # fmt: skip
    header = line[1:].split("\t")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            path, f"header lacks column(s) {', '.join(missing)}; is this a --workload file?",
            line=1,
        )  # fmt: skip
    return header


def _workload_row(path: str, line: str, line_no: int, header: list, cols: dict) -> bool:
    """Append one row's numbers to ``cols``; returns whether it is an affine (mapper) row."""
    fields = line.split("\t")
    if len(fields) != len(header):
        raise InputError(path, f"expected {len(header)} columns, found {len(fields)}", line=line_no)
    row = dict(zip(header, fields))
    for c in cols:
        try:
            value = int(row[c])
        except ValueError:
            raise InputError(
                path, f"column {c} is not an integer: {row[c]!r}", line=line_no
            ) from None
        if value < 0:
            raise InputError(path, f"column {c} is negative: {value}", line=line_no)
        cols[c].append(value)
    kind = row.get("kind", "edit")
    if kind not in AFFINE_KINDS + ("edit",):
        raise InputError(path, f"unknown kind {kind!r} (expected extend or rescue)", line=line_no)
    return kind in AFFINE_KINDS


def approximate_workload(
    table: WorkloadTable, mode: str = "NW", literal_n: bool = False, band: int = 8
) -> Workload:
    """One pass per alignment, shaped from the file's band, cells and bits (see module doc)."""
    mode = mode_id(mode)
    w = np.maximum(table.band, 1)
    rows = np.maximum(1, -(-table.cells // w))
    m = np.where(table.query_len >= 0, table.query_len, rows - 1)
    n = np.where(table.target_len >= 0, table.target_len, rows - 1)
    half = (w - 1) // 2
    shape = (len(table), 1)
    kind = np.full(shape, KIND_ADAPTIVE, dtype=np.int8)
    # the mapper's ungapped extensions (passes 0): one compare per query base, no DP rows
    ungapped = (table.passes == 0) & (table.fmt == "align")
    return Workload(
        m=np.where(ungapped, table.cells, rows - 1),
        n=np.maximum(n, 0),
        passes=np.ones(len(table), dtype=np.int64),
        kind=kind,
        dlo=-half[:, None],
        dhi=(w - 1 - half)[:, None],
        bits=np.maximum(table.bits, 1)[:, None],
        mode=mode,
        ncode=NCODE_LITERAL if literal_n else NCODE_MISMATCH,
        h=band,
        approximate=True,
        affine=table.affine,
        query_len=m,
        band=w,
        ungapped=ungapped,
    )
