"""The 2-bit reference (``kernels/packed.py``) against the plain codes it stores: every window
of small references with N runs at the start, the end, touching contig joins and one base long.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from pimalign.kernels.packed import RefArrays, count_runs, fetch, n_runs, pack_into, window_codes


def packed_reference(contigs: list[np.ndarray]) -> RefArrays:
    """``RefArrays`` of contigs of codes 0..4, built the way the index builds them: packed one
    contig after another, N runs appended per contig (merged across a join)."""
    total = sum(len(c) for c in contigs)
    packed = np.zeros((total + 3) // 4, dtype=np.uint8)
    room = sum(count_runs(c) for c in contigs)
    starts = np.zeros(room, dtype=np.int64)
    ends = np.zeros(room, dtype=np.int64)
    count, offset, offsets = 0, 0, [0]
    for codes in contigs:
        pack_into(packed, offset, codes)
        count = n_runs(codes, offset, starts, ends, count)
        offset += len(codes)
        offsets.append(offset)
    return RefArrays(packed, starts[:count], ends[:count], np.array(offsets, dtype=np.int64))


def codes_of(text: str) -> np.ndarray:
    return np.array(["ACGTN".index(b) for b in text], dtype=np.uint8)


CASES = [
    ["NNACGTTGCANNNNACGTN", "TTN", "NNNNNGGA"],
    ["N", "A", "NN"],
    ["ACGTACGTAC"],
    ["NNNN", "NNNN"],
    ["ACNGTNNACGNTT"],
]


@pytest.mark.parametrize("contigs", CASES)
def test_every_window_reads_back_the_codes(contigs):
    codes = [codes_of(c) for c in contigs]
    ref = packed_reference(codes)
    whole = np.concatenate(codes)
    n = len(whole)
    out = np.full(n + 4, 9, dtype=np.uint8)
    for start in range(n + 1):
        for end in range(start, n + 1):
            got = window_codes(ref, start, end)
            assert got.tolist() == whole[start:end].tolist(), (contigs, start, end)
            fetch(ref, start, end, out)
            assert out[: end - start].tolist() == whole[start:end].tolist()


def test_runs_touching_across_a_contig_join_merge():
    ref = packed_reference([codes_of("ACNN"), codes_of("NGT"), codes_of("NA")])
    assert ref.n_start.tolist() == [2, 7]
    assert ref.n_end.tolist() == [5, 8]
    assert ref.offsets.tolist() == [0, 4, 7, 9]


def test_count_runs_counts_each_run_once():
    assert count_runs(codes_of("NNANNNCN")) == 3
    assert count_runs(codes_of("ACGT")) == 0
    assert count_runs(codes_of("")) == 0


def test_random_references_with_n_runs():
    """Seeded random references of 1-300 bases, N runs of 1-20 bases at random places."""
    rng = random.Random(7)
    for _ in range(60):
        length = rng.randint(1, 300)
        text = [rng.choice("ACGT") for _ in range(length)]
        for _ in range(rng.randint(0, 6)):
            a = rng.randrange(length)
            b = min(length, a + rng.randint(1, 20))
            text[a:b] = ["N"] * (b - a)
        whole = codes_of("".join(text))
        cut = rng.randint(0, length)
        parts = [p for p in (whole[:cut], whole[cut:]) if len(p)]
        ref = packed_reference(parts)
        for _ in range(200):
            start = rng.randint(0, length)
            end = rng.randint(start, length)
            assert window_codes(ref, start, end).tolist() == whole[start:end].tolist()
