"""Paired-end logic: the insert-size model, mate-rescue windows and the choice of a pair.

Orientation is Illumina's FR: the leftmost end on the forward strand, its mate reverse. The
insert size is bwa mem's: from the forward end's first aligned base to the reverse end's last
one (``reverse end - forward start - 1``, 0-based). As bwa, the model comes from pairs whose
ends map uniquely: mean and sd over the sizes within the quartiles +- 2 IQR, and proper pairs
within the quartiles +- 3 IQR, widened to mean +- 4 sd.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..kernels.affine import NEG
from ..kernels.options import EndSlots, ProperPair
from ..kernels.pairing import best_pairs
from ..runtime.threadrun import run_ranges
from .candidates import Candidates
from .params import MapParams

MIN_PAIRS = 10  # fewer unique pairs than this: no insert model, no proper pairs (bwa's MIN_DIR_CNT)
MODEL_PAIRS = 10_000  # the model is learned from the first pairs of the input, a fixed number
MAX_INSERT = 10_000  # larger sizes are not pairs (bwa's max_ins)
UNIQUE = 0.8  # an end is unique when its runner-up scores at most this share of it (bwa)


@dataclass(frozen=True)
class InsertModel:
    mean: float
    sd: float
    low: int  # smallest insert size of a proper pair
    high: int  # largest
    pairs: int = 0  # unique pairs it was learned from (0: given with -I)

    def text(self) -> str:
        """``MEAN,SD,HIGH,LOW`` as ``-I`` takes it back (bwa's order)."""
        return f"{self.mean:.2f},{self.sd:.2f},{self.high},{self.low}"

    @classmethod
    def from_sd(
        cls, mean: float, sd: float, high: int | None = None, low: int | None = None
    ) -> "InsertModel":
        """A model given by hand: proper pairs within mean +- 4 sd unless bounds are given."""
        if high is None:
            high = int(mean + 4 * sd + 0.499)
        if low is None:
            low = max(1, int(mean - 4 * sd + 0.499))
        return cls(round(mean, 2), round(sd, 2), int(low), int(high))

    @classmethod
    def parse(cls, text: str) -> "InsertModel":
        """``MEAN[,SD[,MAX[,MIN]]]`` as given to ``-I`` (bwa's spelling: SD defaults to 10% of
        the mean, MAX and MIN to mean +- 4 SD)."""
        parts = text.split(",")
        try:
            if not 1 <= len(parts) <= 4:
                raise ValueError
            mean = float(parts[0])
            sd = float(parts[1]) if len(parts) > 1 else 0.1 * mean
            high = int(parts[2]) if len(parts) > 2 else None
            low = int(parts[3]) if len(parts) > 3 else None
        except ValueError:
            raise ValueError(
                f"insert size must be MEAN[,SD[,MAX[,MIN]]] (e.g. 400,50), got {text!r}"
            ) from None
        if not (0 < mean <= MAX_INSERT and 0 < sd <= MAX_INSERT):
            raise ValueError(f"insert size mean and sd must be in (0, {MAX_INSERT}], got {text!r}")
        model = cls.from_sd(mean, sd, high, low)
        if not 1 <= model.low <= model.high <= 10 * MAX_INSERT:
            raise ValueError(
                f"insert size bounds must satisfy 1 <= MIN <= MAX <= "
                f"{10 * MAX_INSERT}, got {text!r}"
            )
        return model


def fr_insert(strand1, st1, en1, strand2, st2, en2):
    """bwa's insert size of ends on opposite strands, and whether they point at each other."""
    fwd_st = np.where(strand1 == 0, st1, st2)
    rev_en = np.where(strand1 == 0, en2, en1)
    return rev_en - 1 - fwd_st, rev_en - 1 > fwd_st


def estimate_insert(
    c1: Candidates, c2: Candidates, best1, best2, sub1, sub2, contig_of
) -> InsertModel | None:
    """Insert model from the pairs whose two ends map uniquely, FR, on one contig (see module
    doc); ``None`` when fewer than ``MIN_PAIRS`` qualify."""
    return model_from_sizes(insert_sizes(c1, c2, best1, best2, sub1, sub2, contig_of))


def insert_sizes(c1: Candidates, c2: Candidates, best1, best2, sub1, sub2, contig_of):
    """The insert sizes of the pairs that teach the model (``estimate_insert``): both ends
    unique (runner-up at most ``UNIQUE`` of the best), FR, on one contig, facing, at most
    ``MAX_INSERT``. Per pair, so the sizes of several chunks together give one model."""
    rows = np.arange(best1.shape[0])
    b1, b2 = np.maximum(best1, 0), np.maximum(best2, 0)
    s1, s2 = c1.score[rows, b1], c2.score[rows, b2]
    runner1 = np.where(sub1 > 0, sub1, 19)
    runner2 = np.where(sub2 > 0, sub2, 19)
    ok = (best1 >= 0) & (best2 >= 0) & (runner1 <= UNIQUE * s1) & (runner2 <= UNIQUE * s2)
    d1, d2 = c1.strand[rows, b1], c2.strand[rows, b2]
    st1, en1, st2, en2 = c1.r_st[rows, b1], c1.r_en[rows, b1], c2.r_st[rows, b2], c2.r_en[rows, b2]
    ok &= (d1 != d2) & (contig_of(st1) == contig_of(st2))
    size, facing = fr_insert(d1, st1, en1, d2, st2, en2)
    ok &= facing & (size > 0) & (size <= MAX_INSERT)
    return size[ok]


def model_from_sizes(sizes) -> InsertModel | None:
    """bwa mem's model of a sample of insert sizes (``mem_pestat``): quartiles by its rounding,
    mean and sd within p25 - 2 IQR .. p75 + 2 IQR, proper pairs within p25 - 3 IQR .. p75 + 3 IQR
    widened to mean +- 4 sd; ``None`` below ``MIN_PAIRS`` sizes."""
    sizes = np.sort(np.asarray(sizes, dtype=np.int64))
    if sizes.size < MIN_PAIRS:
        return None
    p25, p75 = (int(sizes[int(q * sizes.size + 0.499)]) for q in (0.25, 0.75))
    iqr = p75 - p25
    kept = sizes[
        (sizes >= max(1, int(p25 - 2 * iqr + 0.499))) & (sizes <= int(p75 + 2 * iqr + 0.499))
    ]
    mean = float(kept.mean())
    sd = float(np.sqrt(((kept - mean) ** 2).mean()))
    low = min(int(p25 - 3 * iqr + 0.499), int(mean - 4 * sd + 0.499))
    high = max(int(p75 + 3 * iqr + 0.499), int(mean + 4 * sd + 0.499))
    return InsertModel(round(mean, 2), round(max(sd, 1.0), 2), max(low, 1), high, int(sizes.size))


def rescue_window(strand, r_st, r_en, model: InsertModel, read_len):
    """Where the mate of an end aligned at ``[r_st, r_en)`` on ``strand`` may lie for a proper
    pair. Returns ``(mate_strand, window_start, window_end)`` (concatenated coordinates, not yet
    clipped to the contig)."""
    fwd = strand == 0
    ws = np.where(fwd, r_st + model.low + 1 - read_len, r_en - 1 - model.high)
    we = np.where(fwd, r_st + model.high + 1, r_en - 1 - model.low + read_len)
    return 1 - strand, np.maximum(ws, 0), we


@dataclass
class PairChoice:
    """Per pair: chosen slots (-1 unmapped), ``paired`` (the ends were placed as a proper pair),
    best and second-best pair score, and how many pairs score near the second."""

    slot1: np.ndarray
    slot2: np.ndarray
    paired: np.ndarray
    score: np.ndarray
    sub: np.ndarray
    sub_n: np.ndarray


def choose_pairs(
    c1: Candidates,
    c2: Candidates,
    best1,
    best2,
    ref_off,
    model: InsertModel | None,
    p: MapParams,
    hashes,
) -> PairChoice:
    """bwa's pairing: the best proper combination of the two ends' candidates (any score) is
    taken when it beats the two best ends unpaired by more than ``--unpaired``; otherwise each
    end keeps its own best (reported only when it reaches ``-T``)."""
    n = c1.score.shape[0]
    w2 = c2.score.shape[1]  # the ends may hold different numbers of slots
    zeros = np.zeros(n, dtype=np.int64)
    none = np.full(n, NEG, dtype=np.int64)
    if model is None or n == 0:
        return PairChoice(best1.copy(), best2.copy(), np.zeros(n, dtype=bool), none, none, zeros)
    rows = np.arange(n)
    bs1 = np.where(best1 >= 0, c1.score[rows, np.maximum(best1, 0)], 0)
    bs2 = np.where(best2 >= 0, c2.score[rows, np.maximum(best2, 0)], 0)
    pick = np.empty(n, dtype=np.int64)
    top = np.empty(n, dtype=np.int64)
    second = np.empty(n, dtype=np.int64)
    near = np.empty(n, dtype=np.int64)
    margin = max(p.match + p.mismatch, p.gap_open + p.gap_extend)
    run_ranges(
        best_pairs,
        n,
        EndSlots(c1.score, c1.strand, c1.r_st, c1.r_en),
        EndSlots(c2.score, c2.strand, c2.r_st, c2.r_en),
        ref_off,
        ProperPair(int(model.low), int(model.high), float(model.mean), float(model.sd), p.match),
        margin,
        hashes,
        pick,
        top,
        second,
        near,
    )
    paired = (pick >= 0) & (top > bs1 + bs2 - p.unpaired)
    slot1 = np.where(paired, pick // w2, best1)
    slot2 = np.where(paired, pick % w2, best2)
    return PairChoice(
        slot1,
        slot2,
        paired,
        np.where(paired, top, NEG),
        np.where(paired, second, NEG),
        np.where(paired, near, 0),
    )


def is_proper(strand1, st1, en1, strand2, st2, en2, same_contig, model: InsertModel | None):
    """Whether two placed ends form a proper pair under ``model`` (FR, size within bounds)."""
    if model is None:
        return np.zeros(np.shape(st1), dtype=bool)
    size, facing = fr_insert(strand1, st1, en1, strand2, st2, en2)
    return same_contig & (strand1 != strand2) & facing & (size >= model.low) & (size <= model.high)


def mapq_pair(q_se, pair_score, pair_sub, sub_n, unpaired_sum, p: MapParams, csub=0, score=0):
    """bwa's pair MAPQ: raw from best vs second-best pair (less 4.343 ln(n+1) for n near
    pairs), at most 40 above the end's own, and never above what the end's tandem-repeat
    runner-up ``csub`` allows (``6.02 * (score - csub)``: a pair cannot tell repeat units
    apart)."""
    sub = np.maximum(pair_sub, unpaired_sum)
    raw = (6.02 * (pair_score - sub) / p.match + 0.499).astype(np.int64)
    raw -= np.where(sub_n > 0, (4.343 * np.log(sub_n + 1.0) + 0.499).astype(np.int64), 0)
    q_pe = np.clip(raw, 0, 60)
    q = np.where(q_pe > q_se, np.minimum(q_pe, q_se + 40), q_se).clip(0, 60)
    cap = (6.02 * (np.asarray(score) - np.asarray(csub)) / p.match + 0.499).astype(np.int64)
    return np.where(np.asarray(csub) > 0, np.minimum(q, np.maximum(cap, 0)), q)


def insert_penalty(size, model: InsertModel, match: int) -> int:
    """bwa's log-likelihood penalty of an insert size (for tests and documentation)."""
    z = abs(size - model.mean) / model.sd
    return math.floor(
        0.721 * math.log(max(2.0 * math.erfc(z / math.sqrt(2.0)), 1e-300)) * match + 0.499
    )
