"""Mapping in repeats: tandem arrays, near-identical copies, frequent minimizers.

Each rule is pinned on a small seeded genome; the last test maps simulated reads on a repeat-rich
genome from ``benchmarks/make_genome.py`` and requires no read placed wrongly with MAPQ >= 30.
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np
import pytest

import pimalign

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "benchmarks"))

COMP = str.maketrans("ACGT", "TGCA")


def rand(rng, n):
    return "".join(rng.choice("ACGT") for _ in range(n))


def mutate(rng, seq, rate):
    return "".join(rng.choice("ACGT".replace(b, "")) if rng.random() < rate else b for b in seq)


def only(hits):
    hits = [h for h in hits if h.is_primary]
    return hits[0] if hits else None


@pytest.mark.parametrize("rate", [0.0, 0.003])
def test_read_in_a_tandem_array_gets_a_low_mapq(tmp_path, rate):
    """A read inside 30 copies of a 70 bp unit aligns as well (or nearly) one unit along: its
    XS comes within a mismatch of its AS (bwa's tandem-repeat runner-up) and MAPQ is low."""
    rng = random.Random(4)
    unit = rand(rng, 70)
    array = "".join(mutate(rng, unit, rate) for _ in range(30))
    genome = rand(rng, 5000) + array + rand(rng, 5000)
    ref = tmp_path / "t.fa"
    ref.write_text(">t\n" + genome + "\n")
    aligner = pimalign.Aligner(str(ref))
    for start in (5000 + 700, 5000 + 1203):
        hit = only(aligner.map(genome[start : start + 150]))
        assert hit is not None and 5000 <= hit.r_st < 5000 + len(array)
        assert hit.mapq <= 25, (start, hit)


def _ungapped_local(read, window):
    best = run = 0
    for x, y in zip(read, window):
        run = max(run + (1 if x == y else -4), 0)
        best = max(best, run)
    return best


def test_short_unit_array_shifts_past_the_redundancy_margin_are_runners_up(tmp_path):
    """A unit shorter than bwa's redundancy margin (5% of the read: 7 bp) still gives distinct
    placements a few units along (9 bp along, 94% of the span shared, is not the same hit to
    bwa). A read in an impure AAT array scores 148 in place and 146 whole units along, so its
    runner-up is 146 and bwa's formula caps MAPQ at 6.02 * 2 * (ln 50 / ln 150)^2 ~ 7 (the
    runner-up used to come only from other clusters: MAPQ 22)."""
    rng = random.Random(8)
    array = "".join(mutate(rng, "AAT", 0.03) for _ in range(300))
    genome = rand(rng, 5000) + array + rand(rng, 5000)
    ref = tmp_path / "s.fa"
    ref.write_text(">s\n" + genome + "\n")
    aligner = pimalign.Aligner(str(ref))
    for st in range(5100, 5215, 23):  # the random draws made when this case was found
        mutate(rng, genome[st : st + 150], 0.007)
    read = mutate(rng, genome[5215 : 5215 + 150], 0.007)
    hit = only(aligner.map(read))
    assert (hit.r_st, hit.cigar) == (5215, "150M")
    own = _ungapped_local(read, genome[5215 : 5215 + 150])
    shifted = max(
        _ungapped_local(read, genome[5215 + 3 * j : 5215 + 3 * j + 150])
        for j in range(-16, 17)
        if abs(3 * j) * 20 > 150
    )
    assert (own, shifted) == (148, 146)
    assert hit.mapq <= 7, hit


def test_unique_locus_beats_a_tandem_array_with_more_raw_hits(tmp_path):
    """Seeds repeated along a tandem array count once per seed: a read whose first half lies in
    a short-unit array and whose second half is unique maps to its true place."""
    rng = random.Random(6)
    unit = rand(rng, 5)
    genome = list(rand(rng, 20_000))
    read_at = 12_000
    genome[read_at : read_at + 75] = list((unit * 15)[:75])
    genome = "".join(genome)
    decoy = (unit * 600)[:3000]
    ref = tmp_path / "u.fa"
    ref.write_text(">u\n" + genome + "\n>decoy\n" + decoy + "\n")
    read = genome[read_at : read_at + 150]
    hit = only(pimalign.Aligner(str(ref)).map(read))
    assert (hit.ctg, hit.r_st) == ("u", read_at)


def test_no_wrong_placement_with_mapq_30_on_a_repeat_rich_genome(tmp_path):
    """2 Mb of make_genome's repeats (Alu-like, LINE-like, tandem, segmental duplications) and
    3,000 reads with 1% errors: every read placed with MAPQ >= 30 is at its origin."""
    from make_genome import BASES, make

    codes = make(2_000_000, 3, 0.12, 0.10, 0.02, 0.03, 0.0)
    genome = BASES[codes].tobytes().decode()
    ref = tmp_path / "g.fa"
    ref.write_text(">g\n" + genome + "\n")
    aligner = pimalign.Aligner(str(ref))
    rng = random.Random(9)
    starts = np.random.default_rng(9).integers(0, len(genome) - 150, size=3000)
    wrong, confident = [], 0
    for start in starts.tolist():
        read = mutate(rng, genome[start : start + 150], 0.01)
        reverse = rng.random() < 0.5
        hit = only(aligner.map(read.translate(COMP)[::-1] if reverse else read))
        if hit is None or hit.mapq < 30:
            continue
        confident += 1
        if abs(hit.r_st - start) > 10:
            wrong.append((start, hit.r_st, hit.mapq, hit.AS))
    assert confident > 2500
    assert wrong == []
