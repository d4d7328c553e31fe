"""Paired-end logic: the insert-size model, mate-rescue windows and the choice of a pair.

Orientation is Illumina's FR: the leftmost end on the forward strand, its mate reverse. The
insert size is the span from the leftmost aligned base to the rightmost one (SAM's TLEN).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..kernels.affine import NEG
from ..kernels.pairing import best_pairs
from .candidates import Candidates
from .params import MapParams

MIN_PAIRS = 30  # fewer unique pairs than this: no insert model, no proper pairs
MODEL_PAIRS = 10_000  # the model is learned from the first pairs of the input, a fixed number


@dataclass(frozen=True)
class InsertModel:
    mean: float
    sd: float

    @property
    def low(self) -> int:
        return max(0, int(self.mean - 4 * self.sd))

    @property
    def high(self) -> int:
        return int(math.ceil(self.mean + 4 * self.sd))

    def text(self) -> str:
        return f"{self.mean:.2f},{self.sd:.2f}"

    @classmethod
    def parse(cls, text: str) -> "InsertModel":
        """``MEAN,SD`` as given to ``-I`` (bwa's spelling)."""
        try:
            mean, sd = (float(x) for x in text.split(","))
        except ValueError:
            raise ValueError(f"insert size must be MEAN,SD (e.g. 400,50), got {text!r}") from None
        if mean <= 0 or sd <= 0:
            raise ValueError(f"insert size mean and sd must be > 0, got {text!r}")
        return cls(round(mean, 2), round(sd, 2))


def estimate_insert(c1: Candidates, c2: Candidates, best1, best2, sub1, sub2, contig_of,
                    p: MapParams) -> InsertModel | None:
    """Insert model from pairs whose two ends map uniquely, in FR orientation on one contig.

    Outliers are dropped as bwa does (outside the quartiles +- 2 IQR); mean and sd are rounded
    to 0.01 so that a model printed and given back with ``-I`` is the same model.
    """
    rows = np.arange(best1.shape[0])
    ok = (best1 >= 0) & (best2 >= 0) & (sub1 == 0) & (sub2 == 0)
    b1, b2 = np.maximum(best1, 0), np.maximum(best2, 0)
    s1, s2 = c1.strand[rows, b1], c2.strand[rows, b2]
    st1, en1, st2, en2 = c1.r_st[rows, b1], c1.r_en[rows, b1], c2.r_st[rows, b2], c2.r_en[rows, b2]
    ok &= (s1 != s2) & (contig_of(st1) == contig_of(st2))
    fwd_st = np.where(s1 == 0, st1, st2)
    rev_en = np.where(s1 == 0, en2, en1)
    ok &= fwd_st < rev_en
    size = (np.maximum(en1, en2) - np.minimum(st1, st2))[ok]
    if size.size < MIN_PAIRS:
        return None
    q1, q3 = np.percentile(size, [25, 75])
    iqr = q3 - q1
    kept = size[(size >= q1 - 2 * iqr) & (size <= q3 + 2 * iqr)]
    if kept.size < MIN_PAIRS:
        return None
    return InsertModel(round(float(kept.mean()), 2), round(max(float(kept.std()), 1.0), 2))


def rescue_window(strand, r_st, r_en, model: InsertModel, read_len):
    """Where the mate of an end aligned at ``[r_st, r_en)`` on ``strand`` should lie.

    Returns ``(mate_strand, window_start, window_end)`` (concatenated coordinates, not yet
    clipped to the contig).
    """
    fwd = strand == 0
    ws = np.where(fwd, r_st + model.low - read_len, r_en - model.high)
    we = np.where(fwd, r_st + model.high, r_en - model.low + read_len)
    return 1 - strand, np.maximum(ws, 0), we


@dataclass
class PairChoice:
    """Per pair: chosen slots (-1 unmapped), ``proper`` flag, best and second-best pair score."""

    slot1: np.ndarray
    slot2: np.ndarray
    proper: np.ndarray
    score: np.ndarray
    sub: np.ndarray


def choose_pairs(c1: Candidates, c2: Candidates, best1, best2, ref_off,
                 model: InsertModel | None, p: MapParams, hashes) -> PairChoice:
    """Best proper pair among all slot combinations, if it beats the two best ends unpaired."""
    n, w = c1.score.shape
    slot1 = best1.copy()
    slot2 = best2.copy()
    proper = np.zeros(n, dtype=bool)
    pair_score = np.full(n, NEG, dtype=np.int64)
    pair_sub = np.full(n, NEG, dtype=np.int64)
    if model is None or n == 0:
        return PairChoice(slot1, slot2, proper, pair_score, pair_sub)
    rows = np.arange(n)
    bs1 = np.where(best1 >= 0, c1.score[rows, np.maximum(best1, 0)], 0)
    bs2 = np.where(best2 >= 0, c2.score[rows, np.maximum(best2, 0)], 0)
    pick = np.empty(n, dtype=np.int64)
    top = np.empty(n, dtype=np.int64)
    second = np.empty(n, dtype=np.int64)
    best_pairs(c1.score, c1.strand, c1.r_st, c1.r_en, c2.score, c2.strand, c2.r_st, c2.r_en,
               ref_off, p.min_score, model.low, model.high, model.mean, model.sd, p.match,
               hashes, pick, top, second)
    paired = (pick >= 0) & (top >= bs1 + bs2 - p.unpaired)
    slot1 = np.where(paired, pick // w, best1)
    slot2 = np.where(paired, pick % w, best2)
    return PairChoice(slot1, slot2, paired, np.where(paired, top, NEG),
                      np.where(paired, second, NEG))


def mapq_pair(q_se, pair_score, pair_sub, unpaired_sum, p: MapParams):
    """bwa's pair MAPQ: raw from best vs second-best pair, at most 40 above the end's own."""
    sub = np.maximum(pair_sub, unpaired_sum)
    q_pe = np.clip((6.02 * (pair_score - sub) / p.match + 0.499).astype(np.int64), 0, 60)
    return np.where(q_pe > q_se, np.minimum(q_pe, q_se + 40), q_se).clip(0, 60)
