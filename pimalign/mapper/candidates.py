"""Candidate alignments of a batch of reads, the best one, its runner-up and MAPQ.

``find_candidates`` runs the Numba seeding/extension kernel; ``choose`` picks per read the
primary alignment, the second-best score at an overlapping query interval (``XS``, the evidence
of a repeat) and supplementary alignments (other parts of a chimeric read), and ``mapq_se``
turns best versus second-best into a mapping quality the way bwa mem does.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ..kernels.affine import NEG
from ..kernels.mapping import RUNS, map_batch
from .index import Index
from .params import MapParams

FIELDS = ("score", "strand", "r_st", "r_en", "q_st", "q_en", "win_st", "win_en", "col0", "votes",
          "band", "cells", "bits", "passes")
SEED_SCORE = 19  # bwa's fallback runner-up score: one minimum-length seed


@dataclass
class Candidates:
    """Arrays of shape ``(reads, max_cand)`` (see ``kernels.mapping``), plus read lengths."""

    score: np.ndarray
    strand: np.ndarray
    r_st: np.ndarray
    r_en: np.ndarray
    q_st: np.ndarray
    q_en: np.ndarray
    win_st: np.ndarray
    win_en: np.ndarray
    col0: np.ndarray
    votes: np.ndarray
    band: np.ndarray
    cells: np.ndarray
    bits: np.ndarray
    passes: np.ndarray
    length: np.ndarray
    run_op: np.ndarray  # (reads, max_cand, RUNS) uint8 SAM op letters of DP alignments
    run_len: np.ndarray  # (reads, max_cand, RUNS) int32
    n_run: np.ndarray  # (reads, max_cand) runs kept, -1 = none (recompute for output)

    def fwd_interval(self):
        """Query intervals in the read's own (sequenced) orientation."""
        m = self.length[:, None]
        st = np.where(self.strand == 1, m - self.q_en, self.q_st)
        en = np.where(self.strand == 1, m - self.q_st, self.q_en)
        return st, en


def find_candidates(index: Index, flat: np.ndarray, off: np.ndarray, p: MapParams) -> Candidates:
    """Seed, cluster and extend every read (``flat``/``off`` from ``encode_many``)."""
    n = off.shape[0] - 1
    arrays = {name: np.zeros((n, p.max_cand), dtype=np.int64) for name in FIELDS}
    run_op = np.zeros((n, p.max_cand, RUNS), dtype=np.uint8)
    run_len = np.zeros((n, p.max_cand, RUNS), dtype=np.int32)
    n_run = np.zeros((n, p.max_cand), dtype=np.int64)
    table, shift = index.table
    map_batch(flat, off, index.ref.seq, index.ref.offsets, index.keys, table, shift, index.vals,
              index.k, index.w, p.max_occ, p.max_gap, p.max_cand, p.drop_pct, p.pad, p.match,
              p.mismatch, p.gap_open, p.gap_extend, p.clip5, p.clip3, p.band, *arrays.values(),
              run_op, run_len, n_run)
    return Candidates(length=np.diff(off), run_op=run_op, run_len=run_len, n_run=n_run, **arrays)


def _overlap(a_st, a_en, b_st, b_en):
    return np.maximum(0, np.minimum(a_en, b_en) - np.maximum(a_st, b_st))


@dataclass
class Choice:
    """Per read: ``best`` slot (-1 unmapped), ``sub`` runner-up score (0 none), ``sub_n``
    (runner-ups within 5 of the best) and a boolean ``(reads, max_cand)`` mask of supplementary
    slots."""

    best: np.ndarray
    sub: np.ndarray
    sub_n: np.ndarray
    supplementary: np.ndarray
    rival: np.ndarray  # (reads, max_cand): other loci for the same part of the read


def name_hashes(names) -> np.ndarray:
    """A stable 32-bit hash per read name (CRC-32), to break ties reproducibly."""
    return np.fromiter((zlib.crc32(n.encode()) for n in names), dtype=np.int64, count=len(names))


def pick_tied(scores: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """Per row, the column of the maximum; among equal maxima the ``hash % ties``-th one.

    Like bwa's random choice between equally good repeat copies, but reproducible: the same
    read always lands on the same copy, whatever the chunking or thread count.
    """
    top = scores.max(axis=1, initial=NEG)[:, None] if scores.shape[1] else scores[:, :1]
    tied = (scores == top) & (top > NEG)
    count = tied.sum(axis=1)
    want = np.where(count > 0, hashes % np.maximum(count, 1), 0)
    rank = np.cumsum(tied, axis=1) - 1
    hit = tied & (rank == want[:, None])
    return np.where(count > 0, np.argmax(hit, axis=1), np.argmax(scores, axis=1))


def choose(c: Candidates, p: MapParams, hashes: np.ndarray) -> Choice:
    n, width = c.score.shape
    rows = np.arange(n)
    valid = c.score >= p.min_score
    best = pick_tied(np.where(valid, c.score, NEG), hashes)
    has = valid[rows, best]
    best = np.where(has, best, -1)
    b = np.maximum(best, 0)
    st, en = c.fwd_interval()
    b_st, b_en = st[rows, b][:, None], en[rows, b][:, None]
    q_ov = _overlap(st, en, b_st, b_en)
    shorter = np.minimum(en - st, b_en - b_st)
    same_locus = (c.strand == c.strand[rows, b][:, None]) & (
        _overlap(c.r_st, c.r_en, c.r_st[rows, b][:, None], c.r_en[rows, b][:, None]) > 0)
    others = valid & (np.arange(width)[None, :] != b[:, None]) & has[:, None]
    rival = others & (q_ov * 2 >= shorter) & ~same_locus
    sub = np.where(rival, c.score, 0).max(axis=1) if width else np.zeros(n, dtype=np.int64)
    sub_n = (rival & (c.score >= c.score[rows, b][:, None] - 5)).sum(axis=1)
    supplementary = others & (q_ov * 2 < (en - st)) & ((en - st) - q_ov >= p.min_score)
    # at most one supplementary per clipped side would need more care; keep the best one only
    sup_score = np.where(supplementary, c.score, NEG)
    keep = np.argmax(sup_score, axis=1)
    one = np.zeros_like(supplementary)
    one[rows, keep] = supplementary[rows, keep]
    return Choice(best, sub, sub_n, one, rival)


def mapq_se(score, sub, sub_n, aligned_len, p: MapParams) -> np.ndarray:
    """bwa mem's approximate single-end MAPQ (0..60) from best and second-best scores."""
    score = np.maximum(np.asarray(score, dtype=np.float64), 0.0)  # unmapped rows hold NEG
    runner = np.maximum(np.asarray(sub, dtype=np.float64), SEED_SCORE * p.match)
    length = np.maximum(np.asarray(aligned_len, dtype=np.float64), 1.0)
    identity = 1.0 - (length * p.match - score) / (p.match + p.mismatch) / length
    factor = np.log(50.0) / np.log(np.maximum(length, 50.0)) * identity * identity
    q = (6.02 * (score - runner) / p.match * factor * factor + 0.499).astype(np.int64)
    q -= (4.343 * np.log(np.asarray(sub_n) + 1.0) + 0.499).astype(np.int64)
    q = np.clip(q, 0, 60)
    return np.where(runner >= score, 0, q)
