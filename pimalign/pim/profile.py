"""Per-pass workload of the exact adaptive band, replayed with the core's own ``band_pass``.

The core reports one workload row per alignment (widest band, total cells, bits of the deciding
pass). The PIM program needs every pass: its kind (adaptive or static), its diagonal interval and
the bits its cells need. ``profile_pairs`` replays ``kernels.edit.edit_align``'s control flow
(distance task, no bound ``k``) pass by pass and records them; tests check that its distances and
cells equal the core's. ``fixed_band`` runs only the adaptive pass (RAPIDx-style: the band never
widens), for the speed/accuracy trade-off of ``pim sweep``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..kernels.edit import (
    INF,
    MODE_HW,
    band_pass,
    bits_for_range,
    diagonal_interval,
    trivial_upper_bound,
)

MAX_PASSES = 40  # Ukkonen doubling from >= 1 up to max(m, n) < 2**30 needs at most ~32 passes
KIND_ADAPTIVE, KIND_STATIC = 0, 1


@njit(cache=True, nogil=True)
def _record(p, out_kind, out_lo, out_hi, out_bits, out_best, pos, kind, lo, hi, bits, best):
    out_kind[p, pos] = kind
    out_lo[p, pos] = lo
    out_hi[p, pos] = hi
    out_bits[p, pos] = bits
    out_best[p, pos] = best


@njit(cache=True, nogil=True)
def _profile_one(q, t, mode, ncode, h0, p, kind, dlo, dhi, bits, best_out):
    """Passes of one pair; returns ``(distance, cells, passes)``."""
    m = q.shape[0]
    n = t.shape[0]
    delta = n - m
    tb = np.zeros((0, 0), dtype=np.uint8)
    tb_lo = np.zeros(0, dtype=np.int64)
    last = np.empty(n + 1, dtype=np.int32)
    c0 = max(0, delta // 2) if mode == MODE_HW else 0
    width = 2 * h0 + 1
    adaptive = not (mode == MODE_HW and delta + 1 > width)
    if adaptive:
        best, _, cells, rng, cov_lo, cov_hi, _ = band_pass(
            q, t, mode, ncode, True, h0, c0, 0, 0, -1, tb, tb_lo, last
        )
        _record(
            p,
            kind,
            dlo,
            dhi,
            bits,
            best_out,
            0,
            KIND_ADAPTIVE,
            c0 - h0,
            c0 + h0,
            bits_for_range(rng),
            best,
        )
        guess = -1
    else:
        guess = h0
        lo, hi = diagonal_interval(mode, m, n, guess)
        best, _, cells, rng, _, _, _ = band_pass(
            q, t, mode, ncode, False, 0, 0, lo, hi, guess, tb, tb_lo, last
        )
        _record(
            p, kind, dlo, dhi, bits, best_out, 0, KIND_STATIC, lo, hi, bits_for_range(rng), best
        )
        cov_lo, cov_hi = lo, hi
    bound = min(best, trivial_upper_bound(mode, m, n))
    lo, hi = diagonal_interval(mode, m, n, bound)
    if best <= bound and cov_lo <= lo and cov_hi >= hi:
        return best, cells, 1
    g = bound if best <= bound else min(bound, max(2 * h0, 2 * guess, 1))
    passes = 1
    while True:
        lo, hi = diagonal_interval(mode, m, n, g)
        best, _, cells2, rng, _, _, _ = band_pass(
            q, t, mode, ncode, False, 0, 0, lo, hi, g, tb, tb_lo, last
        )
        _record(
            p,
            kind,
            dlo,
            dhi,
            bits,
            best_out,
            passes,
            KIND_STATIC,
            lo,
            hi,
            bits_for_range(rng),
            best,
        )
        cells += cells2
        passes += 1
        if best <= g:
            return best, cells, passes
        if g >= bound or passes >= MAX_PASSES:
            return -1, cells, passes
        g = min(bound, 2 * g)


@njit(cache=True, parallel=True)
def profile_pairs(q_flat, q_off, t_flat, t_off, mode, ncode, h0):
    """Replay the exact adaptive band on every pair and record each pass.

    Inputs: packed pairs (``alphabet.encode_many``), mode id (``kernels.edit.MODE_*``), ``ncode``
    (4: N mismatches everything, 5: N matches N), initial half-width ``h0 >= 1``.
    Returns ``(distance, cells, passes, kind, dlo, dhi, bits, best)``: the first three of length
    pairs; the rest ``(pairs, MAX_PASSES)`` with, for pass ``i < passes``, its kind (0 adaptive,
    1 static), diagonal interval (adaptive: ``c0 - h0 .. c0 + h0`` around the start column),
    bits per cell (``bits_for_range`` of its largest in-row range) and result (``INF`` if none).
    """
    n_pairs = q_off.shape[0] - 1
    dist = np.empty(n_pairs, dtype=np.int64)
    cells = np.empty(n_pairs, dtype=np.int64)
    passes = np.empty(n_pairs, dtype=np.int64)
    kind = np.full((n_pairs, MAX_PASSES), -1, dtype=np.int8)
    dlo = np.zeros((n_pairs, MAX_PASSES), dtype=np.int64)
    dhi = np.zeros((n_pairs, MAX_PASSES), dtype=np.int64)
    bits = np.zeros((n_pairs, MAX_PASSES), dtype=np.int64)
    best = np.full((n_pairs, MAX_PASSES), INF, dtype=np.int64)
    for p in prange(n_pairs):
        q = q_flat[q_off[p] : q_off[p + 1]]
        t = t_flat[t_off[p] : t_off[p + 1]]
        d, c, np_ = _profile_one(q, t, mode, ncode, h0, p, kind, dlo, dhi, bits, best)
        dist[p] = d
        cells[p] = c
        passes[p] = np_
    return dist, cells, passes, kind, dlo, dhi, bits, best


@njit(cache=True, parallel=True)
def fixed_band(q_flat, q_off, t_flat, t_off, mode, ncode, h0):
    """Result of the adaptive pass alone (no certificate, no widening), as RAPIDx computes it.

    Returns int64 costs, ``-1`` where the band lost the alignment (NW: never reached column n).
    HW pairs whose length difference exceeds the band still run the adaptive pass.
    """
    n_pairs = q_off.shape[0] - 1
    out = np.empty(n_pairs, dtype=np.int64)
    for p in prange(n_pairs):
        q = q_flat[q_off[p] : q_off[p + 1]]
        t = t_flat[t_off[p] : t_off[p + 1]]
        m = q.shape[0]
        n = t.shape[0]
        c0 = max(0, (n - m) // 2) if mode == MODE_HW else 0
        last = np.empty(n + 1, dtype=np.int32)
        best, _, _, _, _, _, _ = band_pass(
            q,
            t,
            mode,
            ncode,
            True,
            h0,
            c0,
            0,
            0,
            -1,
            np.zeros((0, 0), dtype=np.uint8),
            np.zeros(0, dtype=np.int64),
            last,
        )
        out[p] = -1 if best >= INF else best
    return out
