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
from types import SimpleNamespace

import numpy as np

from ..alphabet import NCODE_LITERAL, NCODE_MISMATCH, encode_many
from ..kernels.edit import INF, MODE_HW, MODE_NW
from ..kernels.options import mode_id
from . import primitives as pr
from .model import PhaseShape, phase_sections, query_write_bits, read_bits, write_bits
from .profile import KIND_ADAPTIVE, KIND_STATIC, profile_pairs

COL0, OUTSIDE = 5, 6  # FIFO codes besides bases 0..4
WINDOWS = ("ring", "fifo")  # target-window layouts (``mirror_group``)
Q_END, Q_PAST = 7, 6  # query codes after the last base


def to_bits(values, nbits: int) -> np.ndarray:
    """Unsigned ints ``(...)`` -> bool bits ``(..., nbits)``, least significant first."""
    values = np.asarray(values, dtype=np.int64)
    return ((values[..., None] >> np.arange(nbits)) & 1).astype(bool)


def from_bits(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.int64) << np.arange(bits.shape[-1])).sum(axis=-1)


def scan_order(w: int, h: int, adaptive: bool) -> list[int]:
    """Adaptive: by distance to the centre slot ``h``, left first; static: left to right."""
    if not adaptive:
        return list(range(w))
    order = [h]
    for d in range(1, h + 1):
        order += [h - d, h + d]
    return order


# ------------------------------------------------------------------------------------------
# The row program. ``st`` holds the row state as bool arrays (rows first).
# ------------------------------------------------------------------------------------------


def _decode(mc, win, w):
    """Flags per window entry: ``outside`` (code >= 6, W + 1 entries) and ``col0`` (W)."""
    c0, c1, c2 = win[..., 0], win[..., 1], win[..., 2]
    outside = pr.and_(mc, c2, c1)
    col0 = pr.and_not(mc, pr.and_(mc, c2[:, :w], c0[:, :w]), c1[:, :w])
    return outside, col0


def _qok(mc, q, ncode):
    """Query base can match (``code < ncode``)."""
    if ncode == NCODE_MISMATCH:
        return pr.not_(mc, q[:, 2])
    return pr.not_(mc, pr.and_(mc, q[:, 2], pr.or_(mc, q[:, 1], q[:, 0])))


def _min_valid(mc, a, a_ok, b, b_ok):
    """Minimum of two (value, valid) pairs; an invalid operand never wins."""
    take_a = pr.pick(mc, a_ok, b_ok, pr.lt(mc, a, b))
    return pr.mux(mc, take_a, a, b), pr.or_(mc, a_ok, b_ok)


def _cells(mc, st, win, outside, col0, qcur, qok, bval, static):
    w = st.w
    same = pr.eq(mc, win[:, :w, :], qcur[:, None, :])
    mis = pr.not_(mc, pr.and_bcast(mc, qok, same))
    dv, dc = pr.inc_bit(mc, st.Pv[:, 0:w], mis)
    uv, uc = pr.inc1(mc, st.Pv[:, 1 : w + 1])
    diag = np.concatenate([dv, dc[..., None]], axis=-1)
    up = np.concatenate([uv, uc[..., None]], axis=-1)
    x, x_ok = _min_valid(mc, diag, st.Pok[:, 0:w], up, st.Pok[:, 1 : w + 1])
    cells, oks = [], []
    for k in range(w):
        v, ok = x[:, k], x_ok[:, k]
        if k:
            left, _ = pr.inc1(mc, cells[-1])
            v, ok = _min_valid(mc, v, ok, left, oks[-1])
        v = pr.mux(mc, col0[:, k], bval, v)
        ok = pr.or_(mc, ok, col0[:, k])
        bad = pr.or_(mc, outside[:, k], st.nV[:, k]) if static else outside[:, k]
        ok = pr.and_not(mc, ok, bad)
        cells.append(v)
        oks.append(ok)
    return np.stack(cells, axis=1), np.stack(oks, axis=1)


def _scan(mc, st, cells, oks, adaptive):
    order = scan_order(st.w, st.h, adaptive)
    best, best_ok = cells[:, order[0]], oks[:, order[0]]
    if adaptive:
        sel1 = pr.const(mc, int(order[0] >= st.h), 1)[:, 0]
        sel2 = pr.const(mc, int(order[0] >= st.h + 1), 1)[:, 0]
    for k in order[1:]:
        upd = pr.pick(mc, oks[:, k], best_ok, pr.lt(mc, cells[:, k], best))
        best = pr.mux(mc, upd, cells[:, k], best)
        best_ok = pr.or_(mc, best_ok, oks[:, k])
        if adaptive:
            sel1 = pr.or_(mc, sel1, upd) if k >= st.h else pr.and_not(mc, sel1, upd)
            sel2 = pr.or_(mc, sel2, upd) if k >= st.h + 1 else pr.and_not(mc, sel2, upd)
    if adaptive:
        st.sel1, st.sel2 = sel1, sel2
    return best, best_ok


def _renorm(mc, st, cells, oks, best, best_ok, adaptive):
    b = st.b
    delta = best[:, 0]
    bad = pr.or_(mc, pr.or_reduce(mc, best[:, 1:]), pr.not_(mc, best_ok))
    low, _ = pr.dec_bit(mc, cells, np.broadcast_to(delta[:, None], oks.shape))
    spill = pr.or_reduce(mc, pr.and_(mc, oks, low[..., b]))
    bad = pr.or_(mc, bad, spill)
    st.ovf = pr.or_(mc, st.ovf, pr.and_not(mc, bad, st.done))
    first = 1 if adaptive else 0
    st.Pv[:, first : first + st.w] = low[..., :b]
    st.Pok[:, first : first + st.w] = oks
    st.M, _ = pr.inc_bit(mc, st.M, delta)


def _coverage(mc, st, outside, col0, shifted):
    if shifted:
        st.E, _ = pr.inc_bit(mc, st.E, st.sel2)
        st.E, _ = pr.dec_bit(mc, st.E, pr.not_(mc, st.sel1))
    left_in = pr.and_not(mc, pr.nor(mc, outside[:, 0], col0[:, 0]), st.done)
    right_in = pr.nor(mc, outside[:, st.w], st.done)
    upd = pr.and_(mc, left_in, pr.lt(mc, st.maxE, st.E))
    st.maxE = pr.mux(mc, upd, st.E, st.maxE)
    st.any_lo = pr.or_(mc, st.any_lo, left_in)
    upd = pr.and_(mc, right_in, pr.lt(mc, st.E, st.minE))
    st.minE = pr.mux(mc, upd, st.E, st.minE)
    st.any_hi = pr.or_(mc, st.any_hi, right_in)


def _fill_window(mc, st, new_base):
    """The ring layout's window upkeep (adaptive): the staged bases slide one column (a ring:
    one base moved in from the target crossbar row), the pair at the drift register's index
    (the two columns past the window) is picked, and the window shifts by the band's move
    taking them in."""
    st.G = np.concatenate([st.G[:, 1:], pr.move(mc, new_base)[:, None]], axis=1)
    items = [
        np.concatenate([st.G[:, j], st.G[:, j + 1]], axis=-1) for j in range(st.G.shape[1] - 1)
    ]
    bit = 0
    while len(items) > 1:  # a tree of 2:1 multiplexers on the index bits, lowest first
        nxt = [
            pr.mux(mc, st.E[:, bit], items[j + 1], items[j]) for j in range(0, len(items) - 1, 2)
        ]
        items = nxt + items[len(items) - len(items) % 2 :]
        bit += 1
    pair = items[0]
    for sel, fill in ((st.sel1, pair[:, :3]), (st.sel2, pair[:, 3:])):
        st.F = pr.cond_shift(mc, st.F, sel, fill[:, None, :])


def _cut(mc, st):
    stop = pr.and_not(mc, pr.lt(mc, st.cut, st.M), st.done)
    st.res_ok = pr.and_not(mc, st.res_ok, stop)
    st.done = pr.or_(mc, st.done, stop)


def _capture(mc, st, qnext, outside, mode, adaptive):
    final = pr.and_(mc, pr.and_(mc, qnext[:, 0], qnext[:, 1]), qnext[:, 2])
    fin = pr.and_not(mc, final, st.done)
    if mode == MODE_NW:
        w, b = st.w, st.b
        first = 1 if adaptive else 0
        last_col = pr.and_not(mc, outside[:, 1 : w + 1], outside[:, :w])
        vals = pr.and_bcast(mc, last_col, st.Pv[:, first : first + w])
        val = pr.or_reduce(mc, np.swapaxes(vals, 1, 2))
        val_ok = pr.or_reduce(mc, pr.and_(mc, last_col, st.Pok[:, first : first + w]))
        pad = pr.const(mc, 0, st.Bm - b)
        val, _ = pr.add(mc, st.M, np.concatenate([val, pad], axis=1))
    else:
        val, val_ok = st.M, pr.const(mc, 1, 1)[:, 0]
    st.res = pr.mux(mc, fin, val, st.res)
    st.res_ok = pr.mux(mc, fin, val_ok[:, None], st.res_ok[:, None])[:, 0]
    st.done = pr.or_(mc, st.done, fin)


def run_phase(
    shape: PhaseShape,
    mode: int,
    ncode: int,
    qimg,
    fifo,
    x0,
    x0_ok,
    e0=None,
    cut=None,
    n_valid=None,
    target=None,
    bias=None,
):
    """Execute one pass for the rows of ``qimg`` in lockstep; returns ``(readback, machine)``.

    ``qimg``: ``(rows, >= I, 3)`` query codes; ``fifo``: ``(rows, L, 3)`` (ring layout: the
    first window); ``x0``/``x0_ok``: the host-written DP row 0 (``(rows, W, b + 1)`` and
    ``(rows, W)``); adaptive: ``e0`` the start column (``centre - 0``); static: ``cut`` per row
    and ``n_valid`` ``(rows, W)`` slots outside the row's own interval. Ring layout
    (``shape.ring``): ``target`` ``(rows, T, 3)`` the target crossbar row (adaptive: from column
    ``h + 1 + drift_lo``, the first ``K`` staged; static: from the interval's first column) and,
    adaptive, ``bias`` per row (``-drift_lo``: the drift register then indexes the staged bases).
    """
    adaptive = shape.kind == KIND_ADAPTIVE
    rows, w, b, bm, be = qimg.shape[0], shape.W, shape.b, shape.Bm, shape.Be
    mc = pr.Machine(rows)
    st = SimpleNamespace(rows=rows, w=w, b=b, h=(w - 1) // 2, Bm=bm, F=fifo.copy())
    if shape.ring and adaptive:
        st.G = target[:, : shape.K].copy()
    ends = w + 2 if adaptive else w + 1
    st.Pv = np.zeros((rows, ends, b), dtype=bool)
    st.Pok = np.zeros((rows, ends), dtype=bool)
    st.M = np.zeros((rows, bm), dtype=bool)
    st.res = np.zeros((rows, bm), dtype=bool)
    st.done = np.zeros(rows, dtype=bool)
    st.ovf = np.zeros(rows, dtype=bool)
    st.res_ok = np.zeros(rows, dtype=bool)
    if adaptive:
        bias = (1 << (be - 1)) if bias is None else np.asarray(bias)
        st.E = to_bits(np.asarray(e0) + bias, be)
        st.maxE = np.zeros((rows, be), dtype=bool)
        st.minE = np.ones((rows, be), dtype=bool)
        st.any_lo = np.zeros(rows, dtype=bool)
        st.any_hi = np.zeros(rows, dtype=bool)
        fill = np.broadcast_to(to_bits(OUTSIDE, 3), (rows, 1, 3))
    else:
        st.cut = to_bits(cut, bm)
        st.nV = n_valid
    captures = set(shape.captures)
    qnext = None
    for i in range(shape.I):
        mc.section = "query-move"
        qcur, qnext = qnext, pr.move(mc, qimg[:, i, :])
        if adaptive and i:
            mc.section = "band-shift"
            st.Pok[:, 0] = pr.const(mc, 0, 1)[:, 0]
            entries = np.concatenate([st.Pv, st.Pok[..., None]], axis=-1)
            for sel in (st.sel1, st.sel2):
                entries[:, : w + 1] = pr.cond_shift(
                    mc, entries[:, : w + 1], sel, entries[:, w + 1 :]
                )
            st.Pv, st.Pok = entries[..., :b], entries[..., b]
            if shape.ring:
                mc.section = "window-fill"
                _fill_window(mc, st, target[:, i + shape.K - 1])
            else:
                mc.section = "fifo-shift"
                for sel in (st.sel1, st.sel2):
                    st.F = pr.cond_shift(mc, st.F, sel, fill)
        elif shape.ring and i:
            mc.section = "window-fill"  # a static band slides one column: a ring, one new base
            st.F = np.concatenate([st.F[:, 1:], pr.move(mc, target[:, i + w])[:, None]], axis=1)
        if adaptive or shape.ring:
            win = st.F[:, 0 : w + 1]
        else:
            win = st.F[:, i : i + w + 1]
        mc.section = "decode"
        outside, col0 = _decode(mc, win, w)
        if adaptive:
            mc.section = "coverage"
            _coverage(mc, st, outside, col0, i > 0)
        if i == 0:
            cells, oks = x0, x0_ok
        else:
            mc.section = "boundary"
            qok = _qok(mc, qcur, ncode)
            bval = pr.sub(mc, pr.const(mc, i, bm), st.M)[0][:, : b + 1]
            mc.section = "cells"
            cells, oks = _cells(mc, st, win, outside, col0, qcur, qok, bval, not adaptive)
        mc.section = "scan"
        best, best_ok = _scan(mc, st, cells, oks, adaptive)
        mc.section = "renormalise"
        _renorm(mc, st, cells, oks, best, best_ok, adaptive)
        if not adaptive:
            mc.section = "cut"
            _cut(mc, st)
        if i in captures:
            mc.section = "capture"
            _capture(mc, st, qnext, outside, mode, adaptive)
    out = {"res": from_bits(st.res), "res_ok": st.res_ok.copy(), "ovf": st.ovf.copy()}
    if adaptive:
        out.update(
            maxE=from_bits(st.maxE) - bias,
            minE=from_bits(st.minE) - bias,
            any_lo=st.any_lo.copy(),
            any_hi=st.any_hi.copy(),
        )
    return out, mc


# ------------------------------------------------------------------------------------------
# Host side: images, pass decisions, bookkeeping.
# ------------------------------------------------------------------------------------------


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
    ring = window == "ring"
    dist_core, _, n_passes, kinds, dlos, dhis, bits_oracle, bests, cuts = record
    rows = len(queries)
    m = np.array([q.shape[0] for q in queries], dtype=np.int64)
    n = np.array([t.shape[0] for t in targets], dtype=np.int64)
    delta = n - m
    width = 2 * h + 1
    c0 = np.where(mode == MODE_HW, np.maximum(0, delta // 2), 0)
    bits_max = fixed_bits if fixed_bits is not None else int(bits_oracle.max(initial=1))
    bm, be = group_widths(m, n, bits_max)
    qimg_codes = _query_image(queries, int(m.max(initial=0)) + 1)
    qimg = to_bits(qimg_codes, 3)
    res = MirrorResult(
        distance=np.full(rows, -2, dtype=np.int64),
        overflow=np.zeros(rows, bool),
        passes=np.zeros(rows, dtype=np.int64),
    )
    res.writes_bits = int(rows * query_write_bits(qimg_codes.shape[1]))

    def bits_for(r, p):
        return fixed_bits if fixed_bits is not None else max(1, int(bits_oracle[r, p]))

    def images(idx, starts, length):
        return to_bits(
            np.stack([_fifo_image(targets[r], starts[k], length) for k, r in enumerate(idx)]), 3
        )

    def run(kind, idx, p, lo=None, hi=None, cut=None):
        b = max(bits_for(r, p) for r in idx)
        mm = m[idx]
        rows_i = int(mm.max()) + 1
        stage = 0
        extra = {}
        if kind == KIND_ADAPTIVE:
            w = width
            length = int(max(w + 1, (h - c0[idx] + n[idx] + 2).max()))
            first = c0[idx] - h
            own = np.full(len(idx), w)
            extra["e0"] = c0[idx]
            if ring:  # staged bases: the columns the centre's drift range can ask for
                drift_lo = dlos[idx, p]
                stage = int((dhis[idx, p] - drift_lo).max()) + 2
                extra["target"] = images(idx, h + 1 + drift_lo, rows_i - 1 + stage)
                extra["bias"] = -drift_lo
        else:
            w = int((hi - lo + 1).max())
            length = rows_i + w
            first = lo
            own = hi - lo + 1
            extra["cut"] = cut
            extra["n_valid"] = np.arange(w)[None, :] >= own[:, None]
            if ring:
                extra["target"] = images(idx, first, rows_i + w)
        if ring:
            length = w + 1  # the compute row keeps the window only
        captures = tuple(sorted(set(mm.tolist())))
        shape = PhaseShape(kind, w, b, length, rows_i, bm, be, captures, ring, stage)
        fifo = images(idx, first, length)
        x0, x0_ok, over = zip(
            *(_row0(mode, first[k], n[r], w, own[k], b) for k, r in enumerate(idx))
        )
        out, mc = run_phase(
            shape, mode, ncode, qimg[idx], fifo, np.stack(x0), np.stack(x0_ok), **extra
        )
        out["ovf"] |= np.array(over)
        cost = mc.total()
        _check(mc, shape, mode, ncode)
        res.phases.append((shape, len(idx), cost))
        res.time_cost = res.time_cost + cost
        res.energy_cost = res.energy_cost + cost * len(idx)
        res.writes_bits += len(idx) * write_bits(shape)
        res.reads_bits += len(idx) * read_bits(shape)
        for name, sec in mc.sections.items():
            acc = res.sections.setdefault(name, dict.fromkeys(sec, 0))
            for key, val in sec.items():
                acc[key] += val * len(idx)
        res.overflow[idx] |= out["ovf"]
        best = np.where(out["res_ok"], out["res"], INF)
        return out, best

    res.passes[:] = n_passes
    for p in range(int(n_passes.max(initial=0))):
        for kind in (KIND_ADAPTIVE, KIND_STATIC):
            idx = np.flatnonzero((n_passes > p) & (kinds[:, p] == kind))
            if idx.size == 0:
                continue
            if kind == KIND_ADAPTIVE:
                best = run(kind, idx, p)[1]
            else:
                iv = np.stack([dlos[idx, p], dhis[idx, p]], axis=1)
                best = _static(run, idx, p, iv, cuts[idx, p])
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


def _static(run, idx, p, iv, cut):
    """A static pass; rows whose diagonal interval is empty get INF from the host, unrun."""
    best = np.full(idx.size, INF, dtype=np.int64)
    live = iv[:, 0] <= iv[:, 1]
    if live.any():
        best[live] = run(KIND_STATIC, idx[live], p, iv[live, 0], iv[live, 1], cut[live])[1]
    return best


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
