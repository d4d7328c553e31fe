"""A workload on the device: where each alignment runs, which lockstep group it joins, and what
every group's program costs (``evaluate``), from the closed forms of ``model``.

A workload is a set of alignments with their passes (``profile.profile_pairs``). ``schedule``
fills lockstep groups (``rows x crossbars_per_bank / 2`` per bank: each alignment uses a row of a
compute crossbar and one of a query crossbar) by shape, or in input order; every pass of a group
is a phase whose shape is the group's maximum. ``layout`` says where each alignment runs: one
row, split (the target FIFO in a third crossbar row) or the host.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..alphabet import NCODE_MISMATCH
from ..kernels.edit import MODE_HW, MODE_NW
from . import primitives as pr
from .model import (
    KIND_ADAPTIVE,
    KIND_AFFINE,
    KIND_STATIC,
    KIND_UNGAPPED,
    C,
    PhaseShape,
    _total,
    columns_needed,
    phase_cost,
    phase_sections,
    query_write_bits,
    read_bits,
    staged_bases,
    target_entries,
    write_bits,
)


@dataclass
class Workload:
    """Per-alignment inputs of the model (numpy arrays of length ``alignments``).

    ``m``/``n``: query/target lengths; ``passes``; ``kind``/``dlo``/``dhi``/``bits``:
    ``(alignments, max passes)`` as ``profile.profile_pairs`` returns them; ``mode``, ``ncode``,
    ``h``: the run's settings. ``approximate`` says the passes were inferred (workload files).
    """

    m: np.ndarray
    n: np.ndarray
    passes: np.ndarray
    kind: np.ndarray
    dlo: np.ndarray
    dhi: np.ndarray
    bits: np.ndarray
    mode: int = MODE_NW
    ncode: int = NCODE_MISMATCH
    h: int = 8
    approximate: bool = False
    affine: np.ndarray | None = None  # True where the alignment is affine (analytic only)
    query_len: np.ndarray | None = None  # approximate: real query length when known
    band: np.ndarray | None = None  # approximate: cells per DP row (the file's band)
    ungapped: np.ndarray | None = None  # approximate: True for an ungapped extension
    n_count: np.ndarray | None = None  # N bases per query (sent aside when the ref is resident)
    read: np.ndarray | None = None  # each alignment's read (None: every alignment its own read)

    def __len__(self):
        return int(self.m.shape[0])

    def subset(self, idx) -> "Workload":
        """The alignments ``idx`` (an index array), same settings."""
        from dataclasses import replace

        pick = {
            name: getattr(self, name)[idx]
            for name in ("m", "n", "passes", "kind", "dlo", "dhi", "bits")
        }
        for name in ("affine", "query_len", "band", "ungapped", "n_count", "read"):
            if getattr(self, name) is not None:
                pick[name] = getattr(self, name)[idx]
        return replace(self, **pick)

    def shape_key(self) -> np.ndarray:
        """A per-alignment key of what sets a phase's cost: passes, widest band (rounded up to
        a power of two), the band centre's drift range (the ring layout's staged bases, in
        powers of two), bits per cell, query length (rounded up to 16) and kind. Alignments
        of one key run well in one lockstep group."""
        drift = np.zeros(len(self), dtype=np.int64)
        if self.approximate:
            width = self.band
            kind = np.array([int(k) for k in self._approximate_kinds()], dtype=np.int64)
        else:
            static = np.where(self.kind == KIND_STATIC, self.dhi - self.dlo + 1, 0)
            width = np.maximum(static.max(axis=1, initial=0), 2 * self.h + 1)
            kind = np.zeros(len(self), dtype=np.int64)
            moved = np.where(self.kind == KIND_ADAPTIVE, self.dhi - self.dlo, 0)
            drift = np.ceil(np.log2(moved.max(axis=1, initial=0) + 1)).astype(np.int64)
        width = 1 << np.ceil(np.log2(np.maximum(width, 1))).astype(np.int64)
        bits = np.max(np.where(self.kind >= 0, self.bits, 1), axis=1)
        m16 = -(-self.m // 16)
        key = np.minimum(self.passes, 63) * 64 + kind
        key = key * 32 + np.minimum(drift, 31)
        key = key * 2**20 + np.minimum(width, 2**19)
        key = key * 64 + np.minimum(bits, 63)
        return key * 2**16 + np.minimum(m16, 2**16 - 1)

    def _approximate_kinds(self) -> np.ndarray:
        """Per alignment: KIND_ADAPTIVE, KIND_AFFINE or KIND_UNGAPPED (approximate only)."""
        n = len(self)
        affine = self.affine if self.affine is not None else np.zeros(n, dtype=bool)
        ungapped = self.ungapped if self.ungapped is not None else np.zeros(n, dtype=bool)
        return np.where(ungapped, KIND_UNGAPPED, np.where(affine, KIND_AFFINE, KIND_ADAPTIVE))


def _group_max(values, group, n_groups, initial=0):
    out = np.full(n_groups, initial, dtype=np.int64)
    np.maximum.at(out, group, values)
    return out


def _phase_arrays(wl: Workload, group, n_groups, ring: bool = False):
    """Yield ``(kind, p, participants mask, shape arrays per group, counts per group)``.
    ``ring``: the sliding target window (exact workloads; a workload file has no drift, so it
    keeps the FIFO)."""
    h = wl.h
    width = 2 * h + 1
    c0 = np.where(wl.mode == MODE_HW, np.maximum(0, (wl.n - wl.m) // 2), 0)
    top = np.maximum(_group_max(wl.m, group, n_groups), _group_max(wl.n, group, n_groups))
    bmax = _group_max(np.max(np.where(wl.kind >= 0, wl.bits, 1), axis=1), group, n_groups)
    bm = np.maximum(np.array([int(x).bit_length() for x in top + 2]), bmax + 1)
    be = np.array([int(max(x, 1)).bit_length() for x in top + 2]) + 1
    if wl.approximate:
        kinds = wl._approximate_kinds()
        for kind in (KIND_ADAPTIVE, KIND_AFFINE, KIND_UNGAPPED):
            part = kinds == kind
            if not part.any():
                continue
            g = group[part]
            count = np.bincount(g, minlength=n_groups)
            w = _group_max(wl.band[part], g, n_groups, 1)
            b = _group_max(np.maximum(wl.bits[part, 0], 1), g, n_groups, 1)
            i_rows = _group_max(wl.m[part] + 1, g, n_groups, 1)
            if kind == KIND_UNGAPPED:  # the target window, not shifted
                length = np.maximum(1, _group_max(wl.n[part], g, n_groups))
            else:
                length = np.maximum(w + 1, _group_max(wl.n[part] + wl.band[part] + 2, g, n_groups))
            key = np.unique(g * (int(wl.m.max()) + 2) + wl.m[part])
            ncap = np.bincount(key // (int(wl.m.max()) + 2), minlength=n_groups)
            yield kind, 0, part, PhaseShape(kind, w, b, length, i_rows, bm, be), count, ncap
        return
    for p in range(int(wl.passes.max(initial=0))):
        for kind in (KIND_ADAPTIVE, KIND_STATIC):
            part = (wl.passes > p) & (wl.kind[:, p] == kind) & (wl.dlo[:, p] <= wl.dhi[:, p])
            if not part.any():
                continue
            g = group[part]
            count = np.bincount(g, minlength=n_groups)
            b = _group_max(np.maximum(wl.bits[part, p], 1), g, n_groups, 1)
            i_rows = _group_max(wl.m[part] + 1, g, n_groups, 1)
            stage = 0
            if kind == KIND_ADAPTIVE:
                w = np.full(n_groups, width)
                length = np.maximum(w + 1, _group_max(h - c0[part] + wl.n[part] + 2, g, n_groups))
                if ring:
                    drift = wl.dhi[part, p] - wl.dlo[part, p]
                    stage = staged_bases(_group_max(drift, g, n_groups))
            else:
                w = _group_max(wl.dhi[part, p] - wl.dlo[part, p] + 1, g, n_groups, 1)
                length = i_rows + w
            if ring:
                length = w + 1
            key = np.unique(g * (int(wl.m.max()) + 2) + wl.m[part])
            ncap = np.bincount(key // (int(wl.m.max()) + 2), minlength=n_groups)
            shape = PhaseShape(kind, w, b, length, i_rows, bm, be, (), ring, stage)
            yield kind, p, part, shape, count, ncap


def columns_per_alignment(
    wl: Workload, ring: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per alignment, over its phases: the most compute-crossbar columns one row needs
    (``columns_needed``), the target FIFO's share of them (``3 L``; in the ``ring`` layout the
    bases of the target's own crossbar row, ``3 target_entries``) and the band window's
    (``3 (W + 1)``, FIFO layout only): what a split layout (``SPLIT``) keeps in the compute
    row."""
    n = len(wl)
    whole, fifo, window = (np.zeros(n, dtype=np.int64) for _ in range(3))
    if not n:
        return whole, fifo, window
    for kind, _, _, shape, count, _ in _phase_arrays(wl, np.arange(n), n, ring):
        on = count > 0
        whole = np.where(on, np.maximum(whole, columns_needed(shape)), whole)
        if kind == KIND_UNGAPPED:
            continue
        if shape.ring:  # the target row's bases; the compute row holds no FIFO
            fifo = np.where(on, np.maximum(fifo, 3 * target_entries(shape)), fifo)
        else:
            fifo = np.where(on, np.maximum(fifo, 3 * shape.L), fifo)
            window = np.where(on, np.maximum(window, 3 * (shape.W + 1)), window)
    return whole, fifo, window


SPLIT_FIFO_SPARE = 16  # columns beside the FIFO in its own crossbar row (shift temporaries)


def layout(wl: Workload, columns: int, ring: bool = False) -> np.ndarray:
    """Where each alignment runs: ``ROW`` (one compute row and one query row; ``ring``: and a
    target row), ``SPLIT`` (FIFO layout only: its target FIFO moves to a third crossbar row;
    every DP row moves the band's window, ``3 (W + 1)`` bits, into the compute row) or ``HOST``
    (neither fits ``columns``). In the ``ring`` layout the target's bases share the query's
    crossbar row when both fit, else take a third row (``SPLIT``, no extra moves: one base a DP
    row moves either way)."""
    whole, fifo, window = columns_per_alignment(wl, ring)
    if ring:
        beside_query = 3 * (wl.m + 1) + fifo <= columns
        alone = fifo + SPLIT_FIFO_SPARE <= columns
        where = np.where(beside_query, ROW, np.where(alone, SPLIT, HOST))
        return np.where(whole <= columns, where, HOST)
    split_ok = (whole - fifo + window <= columns) & (fifo + SPLIT_FIFO_SPARE <= columns)
    return np.where(whole <= columns, ROW, np.where(split_ok & (fifo > 0), SPLIT, HOST))


ROW, SPLIT, HOST = 0, 1, 2


def schedule(wl: Workload, group_size: int, order: str = "shape") -> np.ndarray:
    """The lockstep group of each alignment. ``order="shape"``: alignments sorted by
    ``Workload.shape_key``, each key's alignments in groups of their own (a rare wide alignment
    slows only its group); ``order="input"``: groups in input order."""
    n = len(wl)
    if order not in ("shape", "input"):
        raise ValueError(f"unknown schedule {order!r}: choose shape or input")
    if order == "input" or not n:
        return np.arange(n) // group_size
    key = wl.shape_key()
    sort = np.argsort(key, kind="stable")
    sorted_key = key[sort]
    start = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    rank = np.arange(n) - np.repeat(start, np.diff(np.r_[start, n]))
    per_class = np.r_[0, np.cumsum(-(-np.diff(np.r_[start, n]) // group_size))[:-1]]
    group_sorted = np.repeat(per_class, np.diff(np.r_[start, n])) + rank // group_size
    group = np.empty(n, dtype=np.int64)
    group[sort] = group_sorted
    return group


def evaluate(
    wl: Workload,
    group_size: int,
    policy: str = "per-gate",
    move_cycles: int = 2,
    columns: int | None = None,
    order: str = "input",
    split: bool = False,
    ring: bool = False,
) -> dict:
    """Per-group program cost of a workload split into lockstep groups of ``group_size``
    (``schedule``'s ``order``). ``split``: the alignments run in the ``SPLIT`` layout (each DP
    row also moves the band's window from the FIFO's crossbar: section ``window-move``);
    ``ring``: the sliding target window (``model.cost_window_fill``; exact workloads only).

    Returns arrays per group (``time_cost``: Cost of the issued gate sequence, ``energy_cost``:
    gates times rows they act on, ``cycles``, ``phases``, row ``writes``/``reads`` bits (what
    the host moves when it streams the windows), ``window_bases`` (target window bases written),
    ``max_participants``) and totals: ``sections``/``time_sections`` (energy- and time-weighted
    Cost per program section), ``own_cycles`` (sum over alignments of the cycles each would
    need alone),
    ``not_fitting`` (alignments in a group whose phase needs more than ``columns``).
    """
    group = schedule(wl, group_size, order)
    n_groups = int(group.max(initial=-1)) + 1
    z = np.zeros(n_groups, dtype=np.int64)
    time_cost = pr.Cost(z, z, z, z, z)
    energy_cost = pr.Cost(z, z, z, z, z)
    writes = np.zeros(n_groups, dtype=np.int64)
    reads = np.zeros(n_groups, dtype=np.int64)
    window = np.zeros(n_groups, dtype=np.int64)
    phases = np.zeros(n_groups, dtype=np.int64)
    max_part = np.zeros(n_groups, dtype=np.int64)
    sections: dict[str, pr.Cost] = {}
    time_sections: dict[str, pr.Cost] = {}
    own_cycles = 0
    too_wide = np.zeros(n_groups, dtype=bool)
    qwidth = _group_max(wl.m + 1, group, n_groups, 1)
    writes += np.bincount(group, minlength=n_groups) * query_write_bits(qwidth)
    for kind, p, part, shape, count, ncap in _phase_arrays(wl, group, n_groups, ring):
        active = count > 0
        secs = phase_sections(shape, wl.mode, wl.ncode, ncap)
        if split and kind != KIND_UNGAPPED and not shape.ring:
            secs["window-move"] = _window_move(shape)
        cost = _total(secs)
        time_cost = time_cost + cost * active
        energy_cost = energy_cost + cost * count
        for name, c in secs.items():
            sections[name] = sections.get(name, pr.ZERO) + c * count
            time_sections[name] = time_sections.get(name, pr.ZERO) + c * active
        writes += count * write_bits(shape)
        reads += count * read_bits(shape)
        window += count * target_entries(shape)
        phases += active
        max_part = np.maximum(max_part, count)
        if columns is not None:
            too_wide |= active & (columns_needed(shape) > columns)
        own = _alone(wl, part, p, kind, shape, group, split)  # for the lockstep efficiency
        own_cycles += int(np.sum(own.cycles(policy, move_cycles)))
    sections = {k: sum_cost(c) for k, c in sections.items()}
    time_sections = {k: sum_cost(c) for k, c in time_sections.items()}
    cycles = time_cost.cycles(policy, move_cycles)
    return {
        "groups": n_groups,
        "group": group,
        "time_cost": time_cost,
        "energy_cost": energy_cost,
        "cycles": cycles,
        "phases": phases,
        "writes": writes,
        "reads": reads,
        "window_bases": window,
        "target_bases": np.bincount(group, weights=wl.n, minlength=n_groups),
        "max_participants": max_part,
        "sections": sections,
        "time_sections": time_sections,
        "own_cycles": own_cycles,
        "not_fitting": int(np.sum(np.bincount(group, minlength=n_groups)[too_wide])),
    }


def _window_move(shape: PhaseShape) -> pr.Cost:
    """The ``SPLIT`` layout's extra section: each DP row after the first moves the band's
    window (``W + 1`` 3-bit codes) in from the FIFO's crossbar."""
    return C.cost_move(3 * (shape.W + 1)) * (shape.I - 1)


def _alone(wl: Workload, part, p, kind, shape: PhaseShape, group, split: bool) -> pr.Cost:
    """Cost of phase ``p`` for each participant ``part`` as if it ran alone (its own shape at
    its group's register widths)."""
    g = group[part]
    own_shape = _own_shape(wl, part, p, kind, shape.Bm[g], shape.Be[g], shape.ring)
    own = phase_cost(own_shape, wl.mode, wl.ncode, 1)
    if split and kind != KIND_UNGAPPED and not own_shape.ring:
        own = own + _window_move(own_shape)
    return own


def sum_cost(c: pr.Cost) -> pr.Cost:
    return pr.Cost(
        *(int(np.sum(getattr(c, f))) for f in ("nor", "not_", "const", "groups", "moves"))
    )


def _own_shape(wl: Workload, part, p, kind, bm, be, ring=False) -> PhaseShape:
    m, n = wl.m[part], wl.n[part]
    b = np.maximum(wl.bits[part, p], 1)
    if wl.approximate:
        w = wl.band[part]
        length = np.maximum(1, n) if kind == KIND_UNGAPPED else np.maximum(w + 1, n + w + 2)
        return PhaseShape(kind, w, b, length, m + 1, bm, be)
    stage = 0
    if kind == KIND_ADAPTIVE:
        w = np.full(m.shape, 2 * wl.h + 1)
        c0 = np.where(wl.mode == MODE_HW, np.maximum(0, (n - m) // 2), 0)
        length = np.maximum(w + 1, wl.h - c0 + n + 2)
        if ring:
            stage = staged_bases(wl.dhi[part, p] - wl.dlo[part, p])
    else:
        w = wl.dhi[part, p] - wl.dlo[part, p] + 1
        length = m + 1 + w
    if ring:
        length = w + 1
    return PhaseShape(kind, w, b, length, m + 1, bm, be, (), ring, stage)
