"""Candidate alignments of a batch of reads, the best one, its runner-up and MAPQ.

``find_candidates`` runs the Numba seeding/extension kernel; ``choose`` picks per read the best
alignment (any score: the caller applies ``-T``), the runner-up score at an overlapping query
interval (``XS``, the evidence of a repeat) and a supplementary alignment (another part of a
chimeric read); ``mapq_se`` turns best versus runner-up into a mapping quality as bwa mem does.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ..kernels.affine import NEG
from ..kernels.mapping import FIELDS, RUNS, map_batch
from ..runtime.threadrun import run_ranges
from .index import Index
from .params import MapParams

SEED_SCORE = 19  # bwa's fallback runner-up score: one minimum-length seed
MAPQ_COEF_LEN = 50  # bwa's mapQ_coef_len: reads this long or longer get a length factor
MAPQ_COEF_FAC = 3  # bwa's mapQ_coef_fac = log(50), kept in an int field (bwamem.h): 3, not 3.91
_FIELD = {name: x for x, name in enumerate(FIELDS)}


@dataclass
class Candidates:
    """Every read's candidate slots: ``block`` of shape ``(len(FIELDS), reads, slots)`` (see
    ``kernels.mapping``; each field is also an attribute, e.g. ``c.score``), read lengths and the
    kept CIGAR runs of dynamic-programming alignments."""

    block: np.ndarray
    length: np.ndarray
    run_op: np.ndarray  # (reads, slots, RUNS) uint8 SAM op letters
    run_len: np.ndarray  # (reads, slots, RUNS) int32
    n_run: np.ndarray  # (reads, slots) runs kept, -1 = none (recompute for output)

    def __getattr__(self, name):
        if name in _FIELD:
            return self.block[_FIELD[name]]
        raise AttributeError(name)

    @property
    def slots(self) -> int:
        return self.block.shape[2]

    def head(self, reads: int) -> "Candidates":
        """The first ``reads`` reads' candidates (views, no copy)."""
        return Candidates(
            self.block[:, :reads],
            self.length[:reads],
            self.run_op[:reads],
            self.run_len[:reads],
            self.n_run[:reads],
        )

    def fwd_interval(self):
        """Query intervals in the read's own (sequenced) orientation."""
        m = self.length[:, None]
        st = np.where(self.strand == 1, m - self.q_en, self.q_st)
        en = np.where(self.strand == 1, m - self.q_st, self.q_en)
        return st, en

    def with_slots(self, blocks: list) -> "Candidates":
        """These candidates and one more slot per read for each of ``blocks`` (each
        ``(len(FIELDS), reads)``), in one copy."""
        n, k = self.length.shape[0], len(blocks)
        return Candidates(
            np.concatenate([self.block, np.stack(blocks, axis=2)], axis=2),
            self.length,
            np.concatenate([self.run_op, np.zeros((n, k, RUNS), dtype=np.uint8)], axis=1),
            np.concatenate([self.run_len, np.zeros((n, k, RUNS), dtype=np.int32)], axis=1),
            np.concatenate([self.n_run, np.full((n, k), -1, dtype=np.int64)], axis=1),
        )

    def columns(self, rows, slots) -> np.ndarray:
        """The fields of the given (read, slot) pairs as rows: ``(len(rows), len(FIELDS))``."""
        return np.ascontiguousarray(self.block[:, rows, slots].T)


def empty_block(reads: int, slots: int) -> np.ndarray:
    block = np.zeros((len(FIELDS), reads, slots), dtype=np.int64)
    block[_FIELD["score"]] = NEG
    return block


def find_candidates(index: Index, flat: np.ndarray, off: np.ndarray, p: MapParams) -> Candidates:
    """Seed, cluster and extend every read (``flat``/``off`` from ``encode_many``)."""
    n = off.shape[0] - 1
    block = empty_block(n, p.max_cand)
    run_op = np.zeros((n, p.max_cand, RUNS), dtype=np.uint8)
    run_len = np.zeros((n, p.max_cand, RUNS), dtype=np.int32)
    n_run = np.zeros((n, p.max_cand), dtype=np.int64)
    run_ranges(
        map_batch,
        n,
        flat,
        off,
        index.ref.arrays,
        index.seeds,
        p.search(index.occ_threshold),
        p.scoring,
        block,
        run_op,
        run_len,
        n_run,
    )
    return Candidates(block, np.diff(off), run_op, run_len, n_run)


def _overlap(a_st, a_en, b_st, b_en):
    return np.maximum(0, np.minimum(a_en, b_en) - np.maximum(a_st, b_st))


@dataclass
class Choice:
    """Per read: ``best`` slot (-1: no candidate at all; its score may be below ``-T``),
    ``sub`` runner-up score (0 none), ``sub_n`` (runner-ups within bwa's margin of the best), a
    ``(reads, slots)`` mask of the one supplementary slot and of the ``rival`` slots (other loci
    for the same part of the read: secondary alignments)."""

    best: np.ndarray
    sub: np.ndarray
    sub_n: np.ndarray
    supplementary: np.ndarray
    rival: np.ndarray


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


REDUNDANT = 0.95  # bwa's mask_level_redun: two hits overlapping this much are one


def rivals(c: Candidates, slot: np.ndarray) -> np.ndarray:
    """``(reads, slots)`` mask of the other candidates of each read's ``slot`` that cover at
    least half of the shorter query interval (bwa's mask level) and are not the same hit (more
    than 95% of both the shorter reference and query intervals shared, bwa's redundancy rule:
    a tandem repeat's copy one unit along is a rival)."""
    n, width = c.score.shape
    rows = np.arange(n)
    s = np.maximum(slot, 0)
    st, en = c.fwd_interval()
    b_st, b_en = st[rows, s][:, None], en[rows, s][:, None]
    q_ov = _overlap(st, en, b_st, b_en)
    shorter = np.minimum(en - st, b_en - b_st)
    b_rst, b_ren = c.r_st[rows, s][:, None], c.r_en[rows, s][:, None]
    r_ov = _overlap(c.r_st, c.r_en, b_rst, b_ren)
    same_locus = (
        (c.strand == c.strand[rows, s][:, None])
        & (r_ov > REDUNDANT * np.minimum(c.r_en - c.r_st, b_ren - b_rst))
        & (q_ov > REDUNDANT * shorter)
    )
    others = (c.score > NEG) & (np.arange(width)[None, :] != s[:, None]) & (slot >= 0)[:, None]
    return others & (q_ov * 2 >= shorter) & ~same_locus


def runner_up(c: Candidates, slot: np.ndarray, p: MapParams) -> tuple[np.ndarray, np.ndarray]:
    """``(sub, sub_n)`` of each read's ``slot``: the best rival score or its tandem-repeat
    runner-up (``csub``; 0 none), and how many rivals score within bwa's margin
    (``max(a + b, o + e)``) of the slot."""
    rows = np.arange(slot.shape[0])
    rival = rivals(c, slot)
    sub = np.where(rival, c.score, 0).max(axis=1, initial=0)
    sub = np.maximum(sub, np.where(slot >= 0, c.csub[rows, np.maximum(slot, 0)], 0))
    margin = max(p.match + p.mismatch, p.gap_open + p.gap_extend)
    own = c.score[rows, np.maximum(slot, 0)][:, None]
    return sub, (rival & (own - c.score <= margin)).sum(axis=1)


def choose(c: Candidates, p: MapParams, hashes: np.ndarray) -> Choice:
    n, width = c.score.shape
    rows = np.arange(n)
    best = pick_tied(c.score, hashes)
    best = np.where(c.score[rows, best] > NEG, best, -1)
    b = np.maximum(best, 0)
    sub, sub_n = runner_up(c, best, p)
    st, en = c.fwd_interval()
    q_ov = _overlap(st, en, st[rows, b][:, None], en[rows, b][:, None])
    others = (
        (c.score >= p.min_score) & (np.arange(width)[None, :] != b[:, None]) & (best >= 0)[:, None]
    )
    supplementary = others & (q_ov * 2 < (en - st)) & ((en - st) - q_ov >= p.min_score)
    # the best-scoring one only
    keep = np.argmax(np.where(supplementary, c.score, NEG), axis=1)
    one = np.zeros_like(supplementary)
    one[rows, keep] = supplementary[rows, keep]
    return Choice(best, sub, sub_n, one, rivals(c, best))


def mapq_se(score, sub, sub_n, aligned_len, p: MapParams) -> np.ndarray:
    """bwa mem's approximate single-end MAPQ (0..60) from best and runner-up scores; a read
    without a runner-up is compared with one minimum-length seed (19 matches)."""
    score = np.maximum(np.asarray(score, dtype=np.float64), 0.0)  # unmapped rows hold NEG
    sub = np.asarray(sub, dtype=np.float64)
    runner = np.where(sub > 0, sub, SEED_SCORE * p.match)
    length = np.maximum(np.asarray(aligned_len, dtype=np.float64), 1.0)
    identity = 1.0 - (length * p.match - score) / (p.match + p.mismatch) / length
    # bwa's length factor is MAPQ_COEF_FAC / ln(l) from 50 bp on: ln 50 stored in an int (3)
    factor = MAPQ_COEF_FAC / np.log(np.maximum(length, MAPQ_COEF_LEN))
    factor = np.where(length < MAPQ_COEF_LEN, 1.0, factor)
    factor = factor * identity * identity
    q = (6.02 * (score - runner) / p.match * factor * factor + 0.499).astype(np.int64)
    q -= (4.343 * np.log(np.asarray(sub_n) + 1.0) + 0.499).astype(np.int64)
    q = np.clip(q, 0, 60)
    return np.where((runner >= score) | (score <= 0), 0, q)
