"""bwa mem's MAPQ rules pinned at the value level (``mapper.candidates.mapq_se``,
``mapper.pairing.mapq_pair``) and bwa's pairing in duplications longer than the insert.

Every expected number was printed by bwa mem 0.7.17 (Debian) on the case named: single-end
records of the E. coli dwgsim set (AS, XS, CIGAR -> MAPQ), and a hand-made genome holding one
2 kb segment two, three or six times.
"""

from __future__ import annotations

import numpy as np

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
