"""Bit-level functional mirror of the exact adaptive band (edit distance) on a ReRAM crossbar.

Data layout (one alignment per crossbar row; every row of a lockstep group runs the same gates):

- a *query crossbar* row holds the query as 3-bit codes (A C G T N = 0..4, END = 7 after the last
  base, 6 beyond); DP row ``i`` moves code ``i`` (3 bits) into the compute crossbar;
- ``window="ring"`` (the default): a *target* row (beside the query, or a third crossbar row
  when both do not fit) holds the target's 3-bit codes from the band's first column; DP row
  ``i`` moves one more code into the compute row. There the band's window (``W + 1`` codes)
  sits beside ``K`` staged codes (``K``: the range of the band centre's diagonal over the pass,
  which the core records, + 2) that slide one entry a row like a ring. The adaptive band picks
  the two staged codes it may move onto with a multiplexer tree on the diagonal register
  ``E`` (biased so that its least value indexes entry 0) and shifts them into the window by its
  move ``s``; a static band's window slides one column a row, taking the moved code;
- ``window="fifo"``: the compute row holds the whole target as a FIFO seen from the band's
  left edge instead, shifted left by ``s`` (two conditional one-entry shifts of all ``L``
  entries every row: O(m n) upkeep); a static band reads entries ``i .. i + W``;
- the *compute crossbar* row holds
  - the target window (codes 5 = column 0, 6 = outside the matrix; see above);
  - the previous DP row: ``W`` cells of ``b`` bits, values relative to that row's minimum, each
    with a valid bit (invalid = outside the band, the core's INF), plus INF entries at the ends;
  - registers: the absolute row minimum ``M``, the result, flags, and for the adaptive pass the
    diagonal offset ``E = centre - i`` with its running max/min (the coverage the certificate
    needs).

The adaptive window always spans ``centre - h .. centre + h``, columns below 0 or above n being
invalid codes, so cell ``k``'s distance to the centre is ``|k - h|`` for every row and the core's
tie rule (closest to the centre, left first) becomes a fixed scan order. One DP row: shift the
FIFO and the previous row by ``s``, decode codes, compute each cell as
``min(diag + mismatch, up + 1, left + 1)`` at ``b + 1`` bits, write the boundary ``i - M`` into
column 0, scan for the minimum (and, adaptive, its slot: the next ``s``), subtract the new
minimum (0 or 1) from every cell back to ``b`` bits, add it to ``M``. A cell whose top bit
survives the subtraction, or a minimum above 1, sets the overflow flag.

The host (here Python) schedules the passes ``kernels.edit.edit_align`` recorded for each row
(``profile.profile_pairs``): the adaptive pass, then the static widening passes with their
diagonal intervals and cut bounds, each provisioned with the bits per cell the core's DP needed
for it. Every pass's result read back must equal the core's: the mirror runs, gate by gate, the
schedule the core computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..alphabet import NCODE_LITERAL, NCODE_MISMATCH, encode_many
from ..kernels.edit import INF, MODE_HW
from ..kernels.options import mode_id
from . import primitives as pr
from .mirror_row import COL0, OUTSIDE, Q_END, Q_PAST, run_phase, to_bits
from .model import (
    PhaseShape,
    phase_sections,
    query_write_bits,
    read_bits,
    staged_bases,
    write_bits,
)
from .profile import KIND_ADAPTIVE, KIND_STATIC, profile_pairs

WINDOWS = ("ring", "fifo")  # target-window layouts (``mirror_group``)


def _query_image(queries, width):
    img = np.full((len(queries), width), Q_PAST, dtype=np.int64)
    for r, q in enumerate(queries):
        img[r, : q.shape[0]] = q
        img[r, q.shape[0]] = Q_END
    return img


def _fifo_image(t, first_col, length):
    """Codes of columns ``first_col .. first_col + length - 1`` (0: COL0, 1..n: bases)."""
    j = first_col + np.arange(length)
    codes = np.full(length, OUTSIDE, dtype=np.int64)
    codes[j == 0] = COL0
    inside = (j >= 1) & (j <= t.shape[0])
    codes[inside] = t[j[inside] - 1]
    return codes


def _row0(mode, first_col, n, width, own, b):
    """DP row 0 on slots ``first_col + k``: value ``j`` (NW/SHW) or 0 (HW) where ``0 <= j <= n``."""
    j = first_col + np.arange(width)
    ok = (j >= 0) & (j <= n) & (np.arange(width) < own)
    vals = np.where(ok, 0 if mode == MODE_HW else j, 0)
    return to_bits(np.minimum(vals, (1 << (b + 1)) - 1), b + 1), ok, bool((vals >= (1 << b)).any())


@dataclass
class MirrorResult:
    """Distances and exact counts of one mirror run (see ``mirror_distances``)."""

    distance: np.ndarray
    overflow: np.ndarray
    passes: np.ndarray
    phases: list = field(default_factory=list)
    time_cost: pr.Cost = pr.ZERO
    energy_cost: pr.Cost = pr.ZERO
    writes_bits: int = 0
    reads_bits: int = 0
    sections: dict = field(default_factory=dict)


def group_widths(m, n, bits_max):
    """Register widths of a lockstep group: ``Bm`` (absolute values) and ``Be`` (biased offset)."""
    top = int(max(np.max(m, initial=0), np.max(n, initial=0)))
    bm = max(int(top + 2).bit_length(), int(bits_max) + 1)
    be = int(max(top + 2, 1)).bit_length() + 1
    return bm, be


def mirror_group(
    queries,
    targets,
    mode: int,
    ncode: int,
    h: int,
    record,
    fixed_bits: int | None = None,
    window: str = "ring",
) -> MirrorResult:
    """Run one lockstep group (all rows share each pass's gate sequence).

    ``queries``/``targets``: lists of uint8 code arrays. ``record``: the core's passes of each
    row (``profile.profile_pairs``'s tuple): the mirror runs exactly those passes, at the bits per
    cell the core needed (or ``fixed_bits``), and every pass must give the core's result unless
    the row's cells overflowed (an ``AssertionError`` otherwise). ``window``: ``ring`` (the
    target in a crossbar row of its own, one base moved per DP row into a sliding window) or
    ``fifo`` (the whole target in the compute row, shifted with the band).
    """
    if window not in WINDOWS:
        raise ValueError(f"unknown target window {window!r}: choose {' or '.join(WINDOWS)}")
    dist_core, _, n_passes, kinds, dlos, dhis, _, bests, cuts = record
    group = _Group(queries, targets, mode, ncode, h, record, fixed_bits, window == "ring")
    res = group.res
    res.passes[:] = n_passes
    for p in range(int(n_passes.max(initial=0))):
        for kind in (KIND_ADAPTIVE, KIND_STATIC):
            idx = np.flatnonzero((n_passes > p) & (kinds[:, p] == kind))
            if idx.size == 0:
                continue
            if kind == KIND_ADAPTIVE:
                best = group.adaptive(idx, p)
            else:
                best = group.static(idx, p, dlos[idx, p], dhis[idx, p], cuts[idx, p])
            bad = (best != bests[idx, p]) & ~res.overflow[idx]
            if bad.any():
                r = int(idx[np.argmax(bad)])
                raise AssertionError(
                    f"mirror pass {p} of row {r} gave {best[np.argmax(bad)]}, "
                    f"the core {bests[r, p]}"
                )
            last = n_passes[idx] == p + 1
            found = (best <= cuts[idx, p]) | (cuts[idx, p] < 0)
            res.distance[idx[last]] = np.where(found, best, -1)[last]
    res.distance[n_passes == 0] = dist_core[n_passes == 0]
    return res


class _Group:
    """One lockstep group's fixed data (sequences, register widths, query image) and its
    running ``MirrorResult``; ``adaptive``/``static`` run one pass for a subset of its rows."""

    def __init__(self, queries, targets, mode, ncode, h, record, fixed_bits, ring):
        self.targets, self.mode, self.ncode, self.h, self.ring = targets, mode, ncode, h, ring
        self.dlos, self.dhis, self.bits_oracle = record[4], record[5], record[6]
        self.fixed_bits = fixed_bits
        rows = len(queries)
        self.m = np.array([q.shape[0] for q in queries], dtype=np.int64)
        self.n = np.array([t.shape[0] for t in targets], dtype=np.int64)
        self.c0 = np.where(mode == MODE_HW, np.maximum(0, (self.n - self.m) // 2), 0)
        bits_max = fixed_bits if fixed_bits is not None else int(self.bits_oracle.max(initial=1))
        self.bm, self.be = group_widths(self.m, self.n, bits_max)
        qimg_codes = _query_image(queries, int(self.m.max(initial=0)) + 1)
        self.qimg = to_bits(qimg_codes, 3)
        self.res = MirrorResult(
            distance=np.full(rows, -2, dtype=np.int64),
            overflow=np.zeros(rows, bool),
            passes=np.zeros(rows, dtype=np.int64),
        )
        self.res.writes_bits = int(rows * query_write_bits(qimg_codes.shape[1]))

    def _bits(self, idx, p):
        """Bits per cell of a pass: the most any of its rows needed (or ``fixed_bits``)."""
        if self.fixed_bits is not None:
            return self.fixed_bits
        return max(max(1, int(self.bits_oracle[r, p])) for r in idx)

    def _images(self, idx, starts, length):
        """3-bit target images of rows ``idx``, ``length`` columns from ``starts``."""
        return to_bits(
            np.stack([_fifo_image(self.targets[r], starts[k], length) for k, r in enumerate(idx)]),
            3,
        )

    def adaptive(self, idx, p):
        """The adaptive pass ``p`` of rows ``idx``; returns their results (INF if none)."""
        h, width, rows_i = self.h, 2 * self.h + 1, int(self.m[idx].max()) + 1
        length = int(max(width + 1, (h - self.c0[idx] + self.n[idx] + 2).max()))
        extra = {"e0": self.c0[idx]}
        stage = 0
        if self.ring:  # staged bases: the columns the centre's drift range can ask for
            drift_lo = self.dlos[idx, p]
            stage = staged_bases(int((self.dhis[idx, p] - drift_lo).max()))
            extra["target"] = self._images(idx, h + 1 + drift_lo, rows_i - 1 + stage)
            extra["bias"] = -drift_lo
        own = np.full(len(idx), width)
        return self._run(KIND_ADAPTIVE, idx, p, width, length, self.c0[idx] - h, own, stage, extra)

    def static(self, idx, p, lo, hi, cut):
        """A static pass over diagonals ``lo..hi`` with bound ``cut`` per row; rows whose
        interval is empty get INF from the host, unrun."""
        best = np.full(idx.size, INF, dtype=np.int64)
        live = lo <= hi
        if not live.any():
            return best
        idx, lo, hi = idx[live], lo[live], hi[live]
        w, rows_i = int((hi - lo + 1).max()), int(self.m[idx].max()) + 1
        own = hi - lo + 1
        extra = {"cut": cut[live], "n_valid": np.arange(w)[None, :] >= own[:, None]}
        if self.ring:
            extra["target"] = self._images(idx, lo, rows_i + w)
        best[live] = self._run(KIND_STATIC, idx, p, w, rows_i + w, lo, own, 0, extra)
        return best

    def _run(self, kind, idx, p, w, length, first, own, stage, extra):
        b = self._bits(idx, p)
        mm = self.m[idx]
        if self.ring:
            length = w + 1  # the compute row keeps the window only
        captures = tuple(sorted(set(mm.tolist())))
        shape = PhaseShape(
            kind, w, b, length, int(mm.max()) + 1, self.bm, self.be, captures, self.ring, stage
        )
        fifo = self._images(idx, first, length)
        x0, x0_ok, over = zip(
            *(_row0(self.mode, first[k], self.n[r], w, own[k], b) for k, r in enumerate(idx))
        )
        out, mc = run_phase(
            shape, self.mode, self.ncode, self.qimg[idx], fifo, np.stack(x0), np.stack(x0_ok),
            **extra,
        )  # fmt: skip
        out["ovf"] |= np.array(over)
        _check(mc, shape, self.mode, self.ncode)
        self._account(shape, idx, mc, out["ovf"])
        return np.where(out["res_ok"], out["res"], INF)

    def _account(self, shape, idx, mc, overflow):
        """Add one phase's gates, host traffic and per-section counts to the result."""
        res, rows, cost = self.res, len(idx), mc.total()
        res.phases.append((shape, rows, cost))
        res.time_cost = res.time_cost + cost
        res.energy_cost = res.energy_cost + cost * rows
        res.writes_bits += rows * write_bits(shape)
        res.reads_bits += rows * read_bits(shape)
        for name, sec in mc.sections.items():
            acc = res.sections.setdefault(name, dict.fromkeys(sec, 0))
            for key, val in sec.items():
                acc[key] += val * rows
        res.overflow[idx] |= overflow


def mirror_distances(
    queries,
    targets,
    mode: str = "NW",
    literal_n: bool = False,
    band: int = 8,
    fixed_bits: int | None = None,
    window: str = "ring",
) -> MirrorResult:
    """Edit distances computed by the bit-level mirror, all pairs in one lockstep group.

    ``queries``/``targets``: sequences of str/bytes. Cells are stored at the bits per cell the
    core's DP needs for each pass (or ``fixed_bits``). Returns a ``MirrorResult``: ``distance``
    (int64), per-row ``overflow`` flags and pass counts, per-phase shapes and counts,
    ``time_cost`` (the gate sequence issued) and ``energy_cost`` (each gate times the rows it
    acts on), host writes/reads in bits, and per-section energy counts.
    """
    mode = mode_id(mode)
    if band < 1:
        raise ValueError(f"band must be >= 1 for the PIM mirror, got {band}")
    q_flat, q_off = encode_many(queries)
    t_flat, t_off = encode_many(targets)
    ncode = NCODE_LITERAL if literal_n else NCODE_MISMATCH
    qs = [q_flat[q_off[i] : q_off[i + 1]] for i in range(len(q_off) - 1)]
    ts = [t_flat[t_off[i] : t_off[i + 1]] for i in range(len(t_off) - 1)]
    record = profile_pairs(q_flat, q_off, t_flat, t_off, mode, ncode, band)
    return mirror_group(qs, ts, mode, ncode, band, record, fixed_bits, window)


def _check(mc, shape, mode, ncode):
    """Executed counts must equal the closed form, section by section."""
    want = phase_sections(shape, mode, ncode)
    got = {k: pr.Cost(**v) for k, v in mc.sections.items()}
    for name in set(want) | set(got):
        w, g = want.get(name, pr.ZERO), got.get(name, pr.ZERO)
        if w.as_dict() != g.as_dict():
            raise AssertionError(
                f"section {name}: mirror {g.as_dict()} != closed form {w.as_dict()} ({shape})"
            )
