"""bwa mem's scoring as one record the Numba kernels take (``Scoring``), and its per-base rule.

A match adds ``match``; a mismatch between two of A, C, G, T subtracts ``mismatch``; a pair with
an N on either side subtracts ``ambiguous`` (bwa charges 1, whatever ``-B`` is); a gap of length L
costs ``gap_open + L * gap_extend``; clipping a read's 5' (3') end costs ``clip5`` (``clip3``)
when deciding whether to clip, never in the reported score.
"""

from __future__ import annotations

from numba import njit

from .options import Scoring


@njit(cache=True, nogil=True)
def pair_score(qc, tc, sc):
    """Score of aligning code ``qc`` against ``tc`` (0-3 bases, 4 = N)."""
    if qc > 3 or tc > 3:
        return -sc.ambiguous
    return sc.match if qc == tc else -sc.mismatch


@njit(cache=True, nogil=True)
def row_profile(qc, sc, out):
    """``out[tc]`` = ``pair_score(qc, tc)`` for tc in 0..4 (one query base against any target)."""
    for tc in range(5):
        out[tc] = pair_score(qc, tc, sc)


@njit(cache=True, nogil=True)
def swap_clips(sc):
    """``sc`` with the 5' and 3' clipping penalties exchanged (a read aligned reverse-complemented
    starts with its 3' end)."""
    return Scoring(
        sc.match, sc.mismatch, sc.gap_open, sc.gap_extend, sc.clip3, sc.clip5, sc.ambiguous
    )
