"""Closed-form cost of the PIM program and its vectorised evaluation over a workload.

Cost of one pass (a *phase*) run by a lockstep group (see ``mirror`` for the layout):

    phase = row0 + (I - 1) * row + captures * capture

``I``: DP rows of the pass (longest query + 1), ``captures``: distinct query lengths in the group
(the controller knows the lengths and issues the result capture only at those rows). ``row`` is a
sum of primitive closed forms (``closed_forms.cost_*``) in the band width ``W``, bits per cell
``b``, target-window terms and register widths ``Bm``/``Be``. With one INIT per gate it is
exactly, in the ring layout (the default: the target in a crossbar row of its own, one base
moved per DP row into a window that slides with the band, ``K`` staged bases = the band
centre's drift range + 2)

    adaptive row = 211 W + 124 W b - 36 b + 33 Bm + 62 Be + 36 (W + 1) + 38 (K - 2)  (+ 6 moves)
    static row   = 195 W + 112 W b - 48 b + 47 Bm - 38                               (+ 6 moves)

and in the FIFO layout (the whole target of length ``L`` in the compute row, shifted with the
band)

    adaptive row = 36 L + 211 W + 124 W b - 36 b + 33 Bm + 62 Be   cycles  (+ 3 moves)
    static row   =        195 W + 112 W b - 48 b + 47 Bm - 38      cycles  (+ 3 moves)

(``36 L`` / ``36 (W + 1)``: two conditional shifts of the target FIFO / of the window;
``38 (K - 2)``: picking the two staged bases the band can move onto; ``W`` and ``W b``: the
cells and the minimum scan; ``Be``: coverage tracking for the certificate). Bulk init roughly
halves these. Tests pin every term to the mirror's executed gates, in both layouts.

``schedule`` applies these forms to a whole workload (lockstep groups, layouts).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..alphabet import NCODE_MISMATCH
from ..kernels.edit import MODE_NW
from . import closed_forms as C
from .profile import KIND_ADAPTIVE, KIND_STATIC

KIND_AFFINE = 2  # analytic only: affine Gotoh rows (workload files from the mapper)
KIND_UNGAPPED = 3  # analytic only: the mapper's ungapped extension (workload rows, passes 0)


@dataclass(frozen=True)
class PhaseShape:
    """One pass as a lockstep group runs it (fields may be numpy arrays in vectorised use)."""

    kind: int
    W: object
    b: object
    L: object
    I: object
    Bm: object
    Be: object
    captures: tuple = ()
    ring: bool = False  # the target window slides: one new base per DP row (see ``mirror``)
    K: object = 0  # ring, adaptive: staged bases (``staged_bases``); 0 otherwise


def _minv(n, k=1):
    return C.cost_lt(n, k) + C.cost_pick(k) + C.cost_mux(n, k) + C.cost_or(k)


def _qok(ncode):
    if ncode == NCODE_MISMATCH:
        return C.cost_not()
    return C.cost_or() + C.cost_and() + C.cost_not()


def staged_bases(drift_range):
    """``K`` for the ring layout's adaptive pass: the two columns past the window at every
    diagonal the band centre takes, ``drift_range`` (greatest - least) + 2."""
    return drift_range + 2


def cost_select_pair(K):
    """Pick entries ``o`` and ``o + 1`` (3 bits each) of ``K`` staged ones by a binary index:
    a tree of ``K - 2`` 6-bit multiplexers over the ``K - 1`` adjacent pairs."""
    return C.cost_mux(6) * (K - 2)


def cost_window_fill(W, K, adaptive: bool):
    """One DP row's target-window upkeep in the ring layout: one base moved in from the
    target crossbar row; adaptive, also the pair of bases the band may move onto, picked by
    the centre's drift, shifted into the window by the band's move (0, 1 or 2)."""
    if not adaptive:
        return C.cost_move(3)
    return C.cost_move(3) + cost_select_pair(K) + C.cost_cond_shift(W + 1, 3) * 2


def sections_row(kind, W, b, L, Bm, Be, ncode, first: bool, ring=False, K=0) -> dict:
    """Closed-form cost of one DP row, per program section (``first``: DP row 0; ``ring``:
    the sliding target window with ``K`` staged bases, else the shifting FIFO of ``L``)."""
    adaptive = kind == KIND_ADAPTIVE
    s = {
        "query-move": C.cost_move(3),
        "decode": C.cost_and(W + 1) + C.cost_and(W) + C.cost_and_not(W),
    }
    if ring and not first:
        s["window-fill"] = cost_window_fill(W, K, adaptive)
    if adaptive:
        cov = (
            C.cost_nor() * 2
            + C.cost_and_not()
            + (C.cost_lt(Be) + C.cost_and() + C.cost_mux(Be) + C.cost_or()) * 2
        )
        if not first:
            cov = cov + C.cost_inc_bit(Be) + C.cost_not() + C.cost_dec_bit(Be)
            s["band-shift"] = C.cost_const(1) + C.cost_cond_shift(W + 1, b + 1) * 2
            if not ring:
                s["fifo-shift"] = C.cost_cond_shift(L, 3) * 2
        s["coverage"] = cov
    if not first:
        s["boundary"] = _qok(ncode) + C.cost_const(Bm) + C.cost_sub(Bm)
        mask = C.cost_and_not() + (C.cost_or() if not adaptive else C.ZERO)
        s["cells"] = (
            C.cost_eq(3, W)
            + C.cost_and_bcast(1, W)
            + C.cost_not(W)
            + C.cost_inc_bit(b, W)
            + C.cost_inc1(b, W)
            + _minv(b + 1, W)
            + (C.cost_inc1(b + 1) + _minv(b + 1)) * (W - 1)
            + (C.cost_mux(b + 1) + C.cost_or() + mask) * W
        )
    scan = (C.cost_lt(b + 1) + C.cost_pick() + C.cost_mux(b + 1) + C.cost_or()) * (W - 1)
    if adaptive:
        scan = scan + C.cost_const(1) * 2 + C.cost_or() * (2 * (W - 1))
    s["scan"] = scan
    s["renormalise"] = (
        C.cost_or_reduce(b)
        + C.cost_not()
        + C.cost_or()
        + C.cost_dec_bit(b + 1, W)
        + C.cost_and(W)
        + C.cost_or_reduce(W)
        + C.cost_or()
        + C.cost_and_not()
        + C.cost_or()
        + C.cost_inc_bit(Bm)
    )
    if not adaptive:
        s["cut"] = C.cost_lt(Bm) + C.cost_and_not() * 2 + C.cost_or()
    return s


def sections_affine_row(W, b, L, Bm, Be, ncode, first: bool) -> dict:
    """Analytic-only cost of one affine (Gotoh, three matrices H, E, F) DP row.

    Not executed by the mirror: it reuses the edit program's layout and primitives with
    ``F = max(F_up - e, H_up - o - e)``, ``E = max(E_left - e, H_left - o - e)`` (sequential),
    ``H = max(H_diag + score, E, F)``, scores selected by the match flag; the previous H and F
    rows shift with the band; the row maximum may move by more than one, so renormalising is a
    full subtraction. Soft clipping is not modelled.
    """
    s = {
        "query-move": C.cost_move(3),
        "decode": C.cost_and(W + 1) + C.cost_and(W) + C.cost_and_not(W),
        "coverage": (
            C.cost_nor() * 2
            + C.cost_and_not()
            + (C.cost_lt(Be) + C.cost_and() + C.cost_mux(Be) + C.cost_or()) * 2
        ),
    }
    if not first:
        s["coverage"] = s["coverage"] + C.cost_inc_bit(Be) + C.cost_not() + C.cost_dec_bit(Be)
        s["band-shift"] = C.cost_const(1) * 2 + C.cost_cond_shift(W + 1, 2 * (b + 1)) * 2
        s["fifo-shift"] = C.cost_cond_shift(L, 3) * 2
        s["boundary"] = _qok(ncode) + (C.cost_const(Bm) + C.cost_sub(Bm)) * 2
        n1 = b + 1
        s["cells"] = (
            C.cost_eq(3, W)
            + C.cost_and_bcast(1, W)
            + C.cost_mux(n1, W)
            + C.cost_add(n1, W)
            + C.cost_sub(n1, W) * 2
            + _minv(n1, W)
            + (C.cost_sub(n1) * 2 + _minv(n1)) * (W - 1)
            + _minv(n1) * (2 * W)
            + (C.cost_mux(n1) + C.cost_or() + C.cost_and_not()) * (3 * W)
        )
    s["scan"] = (
        (C.cost_lt(b + 1) + C.cost_pick() + C.cost_mux(b + 1) + C.cost_or()) * (W - 1)
        + C.cost_const(1) * 2
        + C.cost_or() * (2 * (W - 1))
    )
    s["renormalise"] = (
        C.cost_or_reduce(b)
        + C.cost_not()
        + C.cost_or()
        + C.cost_sub(b + 1, 3 * W)
        + C.cost_and(3 * W)
        + C.cost_or_reduce(3 * W)
        + C.cost_or()
        + C.cost_and_not()
        + C.cost_or()
        + C.cost_add(Bm)
    )
    return s


def sections_ungapped_base(Bm, Be) -> dict:
    """Analytic-only cost of one base of an ungapped extension (the mapper's ``passes=0`` rows).

    Query base i and target base i sit in the alignment's rows: one 3-bit compare, the score
    register takes ``+match`` or ``-mismatch`` (a constant picked by the compare, then a
    ``Bm``-bit add), and the best score so far and its position (``Be`` bits) follow it (one
    compare, two selects, a position counter). No band, no DP cells.
    """
    return {
        "query-move": C.cost_move(3),
        "compare": C.cost_eq(3),
        "score": C.cost_mux(Bm) + C.cost_add(Bm),
        "best": C.cost_lt(Bm) + C.cost_mux(Bm) + C.cost_mux(Be) + C.cost_inc_bit(Be),
    }


def capture_cost(mode, W, b, Bm) -> C.Cost:
    """Result capture at a DP row where some alignment ends."""
    c = C.cost_and() * 2 + C.cost_and_not() + C.cost_mux(Bm) + C.cost_mux(1) + C.cost_or()
    if mode == MODE_NW:
        c = c + (
            C.cost_and_not(W)
            + C.cost_and_bcast(W, W * b)
            + C.cost_or_reduce(W, b)
            + C.cost_and(W)
            + C.cost_or_reduce(W)
            + C.cost_const(Bm - b)
            + C.cost_add(Bm)
        )
    else:
        c = c + C.cost_const(1)
    return c


def _total(sections: dict) -> C.Cost:
    tot = C.ZERO
    for c in sections.values():
        tot = tot + c
    return tot


def phase_sections(shape: PhaseShape, mode, ncode, n_captures=None) -> dict:
    """Per-section cost of a whole phase."""
    ncap = len(shape.captures) if n_captures is None else n_captures
    if shape.kind == KIND_UNGAPPED:  # I - 1 bases, setup of score, best and position
        out = {k: c * (shape.I - 1) for k, c in sections_ungapped_base(shape.Bm, shape.Be).items()}
        out["setup"] = C.cost_const(shape.Bm) * 2 + C.cost_const(shape.Be) * 2
        return out
    if shape.kind == KIND_AFFINE:
        a = (shape.W, shape.b, shape.L, shape.Bm, shape.Be, ncode)
        first, rest = sections_affine_row(*a, True), sections_affine_row(*a, False)
        mode = -1  # captures like SHW/HW: the row's best
    else:
        a = (shape.kind, shape.W, shape.b, shape.L, shape.Bm, shape.Be, ncode)
        first = sections_row(*a, True, shape.ring, shape.K)
        rest = sections_row(*a, False, shape.ring, shape.K)
    out = {}
    # In the sections' own order: a set's order changes with the string hash seed, and so did
    # the report's breakdown order from run to run.
    for name in list(first) + [name for name in rest if name not in first]:
        out[name] = first.get(name, C.ZERO) + rest.get(name, C.ZERO) * (shape.I - 1)
    out["capture"] = capture_cost(mode, shape.W, shape.b, shape.Bm) * ncap
    return out


def phase_cost(shape: PhaseShape, mode, ncode, n_captures=None) -> C.Cost:
    """Closed-form gate/move counts of one phase (equals the mirror's executed counts)."""
    return _total(phase_sections(shape, mode, ncode, n_captures))


def query_write_bits(width):
    """Host bits written into the query crossbar row (3-bit codes, ``width`` entries)."""
    return 3 * width


def target_entries(shape: PhaseShape):
    """Target bases (3-bit codes) one alignment's phase reads: the FIFO's ``L``, or in the
    ring layout the first window and staged bases and one more per later DP row."""
    if not shape.ring or shape.kind in (KIND_UNGAPPED, KIND_AFFINE):
        return shape.L
    return shape.W + 1 + shape.K + shape.I - 1


def write_bits(shape: PhaseShape):
    """Host bits written for one alignment before a phase: its compute-crossbar row and, in
    the ring layout, the target bases of its target-crossbar row (``target_entries``)."""
    W, b, L, Bm, Be = shape.W, shape.b, shape.L, shape.Bm, shape.Be
    if shape.kind == KIND_UNGAPPED:  # the target bases and the two score constants
        return 3 * L + 2 * Bm
    common = 3 * target_entries(shape) + W * (b + 2) + 1 + 2 * Bm + 3
    if shape.kind == KIND_ADAPTIVE:
        return common + 3 + 3 * Be + 2
    if shape.kind == KIND_AFFINE:
        return common + 3 + 3 * Be + 2 + 2 * W * (b + 2) + 1
    return common + Bm + W


def read_bits(shape: PhaseShape):
    """Host bits read back from one row after a phase (result, flags; adaptive: coverage)."""
    if shape.kind == KIND_UNGAPPED:
        return shape.Bm + shape.Be
    extra = 2 * shape.Be + 2 if shape.kind != KIND_STATIC else 0
    return shape.Bm + 2 + extra


def columns_needed(shape: PhaseShape):
    """Approximate compute-crossbar columns one row needs (one INIT per gate: scratch reused).

    FIFO (or the ring layout's window and staged bases), previous row (with INF ends), the new
    row, registers, and the largest live temporaries (diag and up for all cells while the
    minimum is formed, decode flags, one primitive's temps).
    """
    W, b, L, Bm, Be = shape.W, shape.b, shape.L, shape.Bm, shape.Be
    if shape.kind == KIND_UNGAPPED:  # target, constants, score, best, position, temporaries
        return 3 * L + 4 * Bm + 2 * Be + 3 * Bm + 16
    regs = 2 * Bm + 3 + 6 + (b + 1)
    if shape.kind == KIND_AFFINE:
        regs = regs + 3 + 3 * Be + 2 + 2 + 2 * W * (b + 2) + (W + 2) * (b + 1)
    if shape.kind != KIND_STATIC:
        regs = regs + 3 + 3 * Be + 2 + 2
        prev = (W + 2) * (b + 1)
    else:
        regs = regs + Bm + W
        prev = (W + 1) * (b + 1)
    if shape.ring and shape.kind != KIND_AFFINE:  # window, staged bases, the pick's pairs
        target = 3 * (W + 1 + shape.K) + 6 * shape.K
    else:
        target = 3 * L
    return target + prev + W * (b + 2) + regs + 2 * W * (b + 1) + 4 * W + 16


# ------------------------------------------------------------------------------------------
# Vectorised evaluation over a workload.
# ------------------------------------------------------------------------------------------
