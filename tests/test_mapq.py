"""bwa mem's MAPQ rules pinned at the value level (``mapper.candidates.mapq_se``,
``mapper.pairing.mapq_pair``) and bwa's pairing in duplications longer than the insert.

Every expected number was printed by bwa mem 0.7.17 (Debian) on the case named: single-end
records of the E. coli dwgsim set (AS, XS, CIGAR -> MAPQ), and a hand-made genome holding one
2 kb segment two, three or six times.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import pimalign
from pimalign.mapper.candidates import mapq_se
from pimalign.mapper.pairing import mapq_pair
from pimalign.mapper.params import preset

P = preset("sr")

# (AS, XS, aligned length = max(query, reference span), bwa's MAPQ); no rival within 7 of AS
BWA_SE = [
    (150, 140, 150, 22),
    (150, 136, 150, 30),
    (150, 130, 150, 43),
    (150, 123, 150, 58),
    (149, 124, 150, 54),
    (150, 142, 150, 17),
    (131, 121, 150, 19),  # 146M1I3M
    (132, 111, 152, 41),  # 36M2D114M
    (133, 113, 151, 39),  # 53M1D97M
    (137, 122, 147, 31),  # 3S147M
    (140, 128, 145, 26),  # 5S145M
    (142, 115, 150, 56),  # 120M1I29M
    (148, 122, 148, 56),  # 148M2S
    # hand-made (tests/make_golden.py's helpers, bwa mem 0.7.17): a 50 bp read of a segment
    # present twice, 2 mismatches apart (exactly mapQ_coef_len: the length factor applies)
    (50, 40, 50, 35),
    # 60 bp reads, 5 and 4 mismatches, no runner-up: compared with one 19 bp seed (19, not 20)
    (37, 0, 60, 42),
    (42, 0, 60, 58),
]


def test_single_end_mapq_equals_bwa_mem():
    """bwa's length factor is ``mapQ_coef_fac / ln(l)`` with ``mapQ_coef_fac`` an int field
    holding ln 50, so 3: with 3.91 instead every MAPQ here comes out 1.7x too high (37 for
    AS 150 / XS 140 where bwa says 22)."""
    score, sub, length, want = (np.array(col) for col in zip(*BWA_SE))
    got = mapq_se(score, sub, np.zeros_like(score), length, P)
    assert got.tolist() == want.tolist()


def test_single_end_mapq_rivals_and_no_runner_up():
    """bwa: AS 150 with a rival at 145 (one within 7: sub_n 1) gives 8; no runner-up at all
    compares with one 19 bp seed (60); a read shorter than 50 bp has no length factor."""
    assert mapq_se([150], [145], [1], [150], P).tolist() == [8]
    assert mapq_se([150], [0], [0], [150], P).tolist() == [60]
    assert mapq_se([40], [30], [0], [40], P).tolist() == [int(6.02 * 10 + 0.499)]
    assert mapq_se([140], [140], [3], [150], P).tolist() == [0]


def test_pair_mapq_caps_at_40_above_the_end_and_at_the_tandem_runner_up():
    """bwa's ``mem_sam_pe``: the pair's raw MAPQ (best pair vs max(second pair, unpaired
    sum)) raises an end at most 40 above its own; the tandem-repeat runner-up caps it."""
    q = mapq_pair(
        np.array([0, 20, 60]),
        np.array([300, 300, 300]),
        np.array([0, 0, 0]),
        np.array([0, 0, 0]),
        np.array([283, 283, 283]),
        P,
    )
    assert q.tolist() == [40, 60, 60]
    # no near pair: nothing subtracted (raw 6.02 * 5 + 0.499 -> 30)
    q = mapq_pair(np.array([0]), np.array([300]), np.array([295]), np.array([0]), [0], P)
    assert q.tolist() == [30]
    # one near pair: less 4.343 ln(2) + 0.499 -> 3
    q = mapq_pair(np.array([30]), np.array([300]), np.array([290]), np.array([1]), [0], P)
    assert q.tolist() == [57]
    # n_sub near pairs: raw 6.02 * 10 -> 60, less 4.343 ln(3) -> 55
    q = mapq_pair(np.array([0]), np.array([300]), np.array([290]), np.array([2]), [0], P)
    assert q.tolist() == [40]
    q = mapq_pair(np.array([30]), np.array([300]), np.array([290]), np.array([2]), [0], P)
    assert q.tolist() == [55]
    capped = mapq_pair(
        np.array([30]),
        np.array([300]),
        np.array([0]),
        np.array([0]),
        [0],
        P,
        csub=np.array([145]),
        score=np.array([150]),
    )
    assert capped.tolist() == [int(6.02 * 5 + 0.499)]


COMP = str.maketrans("ACGT", "TGCA")


def _revcomp(s):
    return s.translate(COMP)[::-1]


def _no_seed(s):
    """A substitution every 16 bases: no 19 bp exact match is left (no seed for bwa or
    pimalign), 12-mers are (the mate is found only by rescue)."""
    s = list(s)
    for i in range(7, len(s), 16):
        s[i] = "ACGT"[("ACGT".index(s[i]) + 1) % 4]
    return "".join(s)


@pytest.fixture(scope="module", params=[2, 3, 6])
def duplication(request, tmp_path_factory):
    """A random genome holding one 2 kb segment ``copies`` times, 6 kb apart."""
    rng = random.Random(2)
    seg = "".join(rng.choice("ACGT") for _ in range(2000))
    genome = "".join(rng.choice("ACGT") for _ in range(6000))
    starts = []
    for _ in range(request.param):
        starts.append(len(genome))
        genome += seg + "".join(rng.choice("ACGT") for _ in range(6000))
    ref = tmp_path_factory.mktemp("dup") / "dup.fa"
    ref.write_text(">chr\n" + genome + "\n")
    return pimalign.Aligner(str(ref), insert="400,30"), genome, starts


def _pair(genome, st):
    frag = genome[st : st + 400]
    return frag[:150], _no_seed(_revcomp(frag)[:150])


def test_pair_inside_a_duplication_longer_than_the_insert_gets_mapq_0(duplication):
    """Mate 1 lies at every copy, mate 2 has no seed and is found only by rescue. bwa rescues
    the mate around every alignment within -U of the best, so every copy holds a pair, the
    second-best pair equals the best and both ends get MAPQ 0 (bwa 0.7.17: AS 150 / 105, XS
    150 / 105 at 2, 3 and 6 copies). Rescue around the best end alone made the pair look
    unique: MAPQ 40 and 60."""
    aligner, genome, starts = duplication
    for off in (300, 700, 1200):
        hits = [h for h in aligner.map(*_pair(genome, starts[0] + off)) if h.is_primary]
        assert [(h.read, h.mapq, h.AS) for h in hits] == [(1, 0, 150), (2, 0, 105)]
        assert hits[0].r_st - off in starts
        assert hits[1].r_st - hits[0].r_st == 250


def test_pair_straddling_the_duplication_edge_is_confident(duplication):
    """Mate 1 in unique sequence just before the first copy, mate 2 (seedless) inside it:
    one proper pair exists, as bwa says: MAPQ 60 and 60 at the true place."""
    aligner, genome, starts = duplication
    st = starts[0] - 200
    hits = [h for h in aligner.map(*_pair(genome, st)) if h.is_primary]
    assert [(h.read, h.mapq, h.r_st) for h in hits] == [(1, 60, st), (2, 60, st + 250)]


def test_near_pairs_among_more_copies_than_slots_count_as_bwa(tmp_path):
    """A 1 kb unit in 15 copies (more than the 8 slots); mate 1 matches all of them, mate 2
    only the first exactly and the other 14 with one mismatch. The best pair scores 300, the
    other 14 pairs 295: bwa 0.7.17 counts all 14 near the second (n_sub 14) and writes MAPQ
    18/18 (6.02 x 5 - 12). Counting only the pairs the slots held gave 21/21."""
    rng = random.Random(7)
    unit = "".join(rng.choice("ACGT") for _ in range(1000))
    other = unit[:520] + ("A" if unit[520] != "A" else "C") + unit[521:]
    parts = []
    for copy in range(15):
        parts.append("".join(rng.choice("ACGT") for _ in range(3000)) + (other if copy else unit))
    genome = "".join(parts) + "".join(rng.choice("ACGT") for _ in range(3000))
    ref = tmp_path / "copies.fa"
    ref.write_text(">dup\n" + genome + "\n")
    aligner = pimalign.Aligner(str(ref), insert="500,50")
    hits = [h for h in aligner.map(unit[100:250], _revcomp(unit[450:600])) if h.is_primary]
    assert [(h.read, h.mapq, h.AS, h.r_st) for h in hits] == [
        (1, 18, 150, 3100),
        (2, 18, 150, 3450),
    ]


def test_pairing_ends_with_different_slot_counts():
    """After the mate rescue the two ends may hold different numbers of slots: the pair is
    chosen over all of each end's slots and reported in each end's own slot numbers (a pair
    in end 1's slot 2 and end 2's slot 4 of 5, -I 500,50). It once read end 2 with end 1's
    width (out of bounds) and crashed on E. coli pairs with -I 500,50."""
    from pimalign.mapper.candidates import Candidates, empty_block
    from pimalign.mapper.pairing import InsertModel, choose_pairs

    def end(slots, placed):
        block = empty_block(1, slots)
        c = Candidates(block, np.array([150]), None, None, None)
        for slot, (score, strand, st) in placed.items():
            c.score[0, slot], c.strand[0, slot] = score, strand
            c.r_st[0, slot], c.r_en[0, slot] = st, st + 150
        return c

    c1 = end(3, {0: (150, 0, 10_000), 2: (150, 0, 50_000)})
    c2 = end(5, {0: (150, 1, 90_000), 1: (140, 1, 20_000), 4: (150, 1, 50_350)})
    model = InsertModel.from_sd(500, 50)
    p = preset("sr")
    got = choose_pairs(
        c1, c2, np.array([0]), np.array([0]), np.array([0, 100_000]), model, p, np.array([7])
    )
    assert got.paired[0] and (got.slot1[0], got.slot2[0]) == (2, 4)
    # 300 + the insert 499 bp's log-likelihood, 0.721 * ln(2 erfc(0.02 / sqrt 2)) rounded: 300
    assert got.score[0] == 300 and got.sub[0] == NEG_PAIR
    # end 2's slot 1 moved next to end 1's slot 0: a second pair, insert 349 bp (z = 3.02):
    # 290 + 0.721 * ln(2 erfc(3.02 / sqrt 2)) = 290 - 3.81, rounded as bwa does: 286
    c2.r_st[0, 1], c2.r_en[0, 1] = 10_200, 10_350
    got = choose_pairs(
        c1, c2, np.array([0]), np.array([0]), np.array([0, 100_000]), model, p, np.array([7])
    )
    assert (got.slot1[0], got.slot2[0]) == (2, 4) and (got.score[0], got.sub[0]) == (300, 286)


NEG_PAIR = -(1 << 29)
