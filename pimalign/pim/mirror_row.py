"""The gate program of the bit-level mirror: one DP row, one pass (see ``mirror`` for the layout).

``run_phase`` executes one pass for all rows of a lockstep group on numpy bool columns through
``primitives.Machine``, which counts every gate per program section; ``mirror._check`` then
holds those counts to ``model``'s closed forms. Codes: target ``COL0`` (column 0) and
``OUTSIDE`` besides bases 0..4; query ``Q_END`` after the last base, ``Q_PAST`` beyond.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..alphabet import NCODE_MISMATCH
from ..kernels.edit import MODE_NW
from . import primitives as pr
from .model import PhaseShape
from .profile import KIND_ADAPTIVE

COL0, OUTSIDE = 5, 6  # target codes besides bases 0..4
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
    w = shape.W
    mc = pr.Machine(qimg.shape[0])
    st = _initial_state(shape, fifo, target)
    if adaptive:
        bias = (1 << (shape.Be - 1)) if bias is None else np.asarray(bias)
        st.E = to_bits(np.asarray(e0) + bias, shape.Be)
    else:
        st.cut = to_bits(cut, shape.Bm)
        st.nV = n_valid
    captures = set(shape.captures)
    qnext = None
    for i in range(shape.I):
        mc.section = "query-move"
        qcur, qnext = qnext, pr.move(mc, qimg[:, i, :])
        if i:
            _slide(mc, st, shape, target, i)
        win = st.F[:, 0 : w + 1] if adaptive or shape.ring else st.F[:, i : i + w + 1]
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
            bval = pr.sub(mc, pr.const(mc, i, shape.Bm), st.M)[0][:, : shape.b + 1]
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


def _initial_state(shape, fifo, target):
    """The row state before DP row 0: the window (and, ring adaptive, the staged bases), an
    empty previous row, zero registers; adaptive passes also their coverage registers."""
    rows, w, b, be = fifo.shape[0], shape.W, shape.b, shape.Be
    adaptive = shape.kind == KIND_ADAPTIVE
    st = SimpleNamespace(rows=rows, w=w, b=b, h=(w - 1) // 2, Bm=shape.Bm, F=fifo.copy())
    if shape.ring and adaptive:
        st.G = target[:, : shape.K].copy()
    ends = w + 2 if adaptive else w + 1
    st.Pv = np.zeros((rows, ends, b), dtype=bool)
    st.Pok = np.zeros((rows, ends), dtype=bool)
    st.M = np.zeros((rows, shape.Bm), dtype=bool)
    st.res = np.zeros((rows, shape.Bm), dtype=bool)
    st.done = np.zeros(rows, dtype=bool)
    st.ovf = np.zeros(rows, dtype=bool)
    st.res_ok = np.zeros(rows, dtype=bool)
    if adaptive:
        st.maxE = np.zeros((rows, be), dtype=bool)
        st.minE = np.ones((rows, be), dtype=bool)
        st.any_lo = np.zeros(rows, dtype=bool)
        st.any_hi = np.zeros(rows, dtype=bool)
    return st


def _slide(mc, st, shape, target, i):
    """Move the band to DP row ``i`` (> 0): adaptive, shift the previous row and the window by
    the last row's move (ring: refill from the staged bases; fifo: shift the whole target);
    static ring, slide the window one column, moving in one base."""
    w, b = shape.W, shape.b
    if shape.kind == KIND_ADAPTIVE:
        mc.section = "band-shift"
        st.Pok[:, 0] = pr.const(mc, 0, 1)[:, 0]
        entries = np.concatenate([st.Pv, st.Pok[..., None]], axis=-1)
        for sel in (st.sel1, st.sel2):
            entries[:, : w + 1] = pr.cond_shift(mc, entries[:, : w + 1], sel, entries[:, w + 1 :])
        st.Pv, st.Pok = entries[..., :b], entries[..., b]
        if shape.ring:
            mc.section = "window-fill"
            _fill_window(mc, st, target[:, i + shape.K - 1])
        else:
            mc.section = "fifo-shift"
            fill = np.broadcast_to(to_bits(OUTSIDE, 3), (st.rows, 1, 3))
            for sel in (st.sel1, st.sel2):
                st.F = pr.cond_shift(mc, st.F, sel, fill)
    elif shape.ring:
        mc.section = "window-fill"  # a static band slides one column: a ring, one new base
        st.F = np.concatenate([st.F[:, 1:], pr.move(mc, target[:, i + w])[:, None]], axis=1)


# ------------------------------------------------------------------------------------------
# Host side: images, pass decisions, bookkeeping.
