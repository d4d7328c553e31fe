"""Per-pass workload of the exact adaptive band, as the core records it.

The core reports one workload row per alignment (widest band, total cells, bits of the deciding
pass). The PIM program needs every pass: its kind (adaptive or static), its diagonal interval and
the bits its cells need. ``profile_pairs`` runs ``kernels.edit.edit_align`` (distance task, no
bound ``k``) with a pass record, so the schedule the PIM model executes is the core's by
construction. ``fixed_band`` runs only the adaptive pass (RAPIDx-style: the band never widens),
for the speed/accuracy trade-off of ``pim sweep``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..kernels.edit import (  # noqa: F401  (the kinds are re-exported for the model)
    INF,
    KIND_ADAPTIVE,
    KIND_STATIC,
    MODE_HW,
    band_pass,
    edit_align,
)
from ..runtime.threadrun import run_ranges

MAX_PASSES = 40  # Ukkonen doubling from >= 1 up to max(m, n) < 2**30 needs at most ~32 passes


def profile_pairs(q_flat, q_off, t_flat, t_off, mode, ncode, h0):
    """The exact adaptive band on every pair, each pass recorded by the core itself.

    Inputs: packed pairs (``alphabet.encode_many``), mode id (``kernels.edit.MODE_*``), ``ncode``
    (4: N mismatches everything, 5: N matches N), initial half-width ``h0 >= 1``.
    Returns ``(distance, cells, passes, kind, dlo, dhi, bits, best, cut)``: the first three
    of length pairs; the rest ``(pairs, MAX_PASSES)`` with, for pass ``i < passes``, its kind
    (0 adaptive, 1 static), diagonal interval (adaptive: the least and greatest diagonal
    ``centre - i`` of the band's centre, the drift that sizes the PIM target window), bits per
    cell (``bits_for_range`` of its largest in-row range), result (``INF`` if none) and the
    bound rows were cut at (-1 none): ``kernels.edit.edit_align``'s own record of its passes.
    """
    n_pairs = q_off.shape[0] - 1
    dist = np.empty(n_pairs, dtype=np.int64)
    cells = np.empty(n_pairs, dtype=np.int64)
    passes = np.empty(n_pairs, dtype=np.int64)
    record = np.zeros((n_pairs, MAX_PASSES, 6), dtype=np.int64)
    mode, ncode, h0 = int(mode), int(ncode), int(h0)  # one signature
    args = (q_flat, q_off, t_flat, t_off, mode, ncode, h0, dist, cells, passes, record)
    run_ranges(_profile_range, n_pairs, *args)
    return _profile_out(dist, cells, passes, record)


@njit(cache=True, nogil=True)
def _profile_range(
    q_flat, q_off, t_flat, t_off, mode, ncode, h0, dist, cells, passes, record, lo, hi
):
    """``profile_pairs``' alignments of pairs ``lo..hi-1``."""
    for p in range(lo, hi):
        q = q_flat[q_off[p] : q_off[p + 1]]
        t = t_flat[t_off[p] : t_off[p + 1]]
        last = np.empty(t.shape[0] + 1, dtype=np.int32)
        res = edit_align(q, t, mode, -1, ncode, h0, -1, False, last, record[p])
        dist[p] = res[0]
        cells[p] = res[5]
        passes[p] = res[7]


@njit(cache=True, nogil=True)
def _profile_out(dist, cells, passes, record):
    """``profile_pairs``' tuple from its per-pair arrays and pass records."""
    n_pairs = dist.shape[0]
    kind = np.full((n_pairs, MAX_PASSES), -1, dtype=np.int8)
    best = np.full((n_pairs, MAX_PASSES), INF, dtype=np.int64)
    for p in range(n_pairs):
        for i in range(min(passes[p], MAX_PASSES)):
            kind[p, i] = record[p, i, 0]
            best[p, i] = record[p, i, 4]
    return (
        dist,
        cells,
        passes,
        kind,
        record[:, :, 1].copy(),
        record[:, :, 2].copy(),
        record[:, :, 3].copy(),
        best,
        record[:, :, 5].copy(),
    )


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
        best, _, _, _, _, _, _, _, _ = band_pass(
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
