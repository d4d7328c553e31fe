"""The edit-distance kernel against its slow twins, edlib, and itself across bands and threads."""

import random

import numpy as np
import pytest
import reference as ref
from conftest import mutate, random_seq
from hypothesis import given, settings
from hypothesis import strategies as st

import pimalign

MODES = ["NW", "SHW", "HW"]


def check_pair(q, t, mode, literal_n=False, band=8):
    """Distance, every optimal end, the CIGAR's replayed cost and the k behaviour."""
    d, ends = ref.edit_distance_fast(q, t, mode, literal_n)
    got = pimalign.align(q, t, mode=mode, task="path", literal_n=literal_n, band=band)
    assert got["editDistance"] == d, (q, t, mode, got)
    assert [e for _, e in got["locations"]] == ends
    start, end = got["locations"][0]
    cost, used_q, used_t = ref.cigar_cost(q, t, got["cigar"], start, literal_n)
    assert (cost, used_q) == (d, len(q))
    assert start + used_t - 1 == end
    if mode == "NW":
        assert (start, end) == (0, len(t) - 1)
    for k in (d - 1, d, d + 1):
        if k >= 0:
            dk = pimalign.align(q, t, mode=mode, k=k, literal_n=literal_n, band=band)
            assert dk["editDistance"] == (d if d <= k else -1), (q, t, mode, k)
    return got


@st.composite
def pairs(draw, max_len=400):
    length = draw(st.integers(0, max_len))
    seed = draw(st.integers(0, 2**32 - 1))
    rate = draw(st.floats(0.0, 0.4))
    rng = random.Random(seed)
    alphabet = "ACGTN" if draw(st.booleans()) and length % 7 == 0 else "ACGT"
    target = random_seq(rng, length, alphabet)
    query = mutate(rng, target, rate)
    if draw(st.booleans()):
        # Unrelated flanks make infix alignment meaningful.
        target = random_seq(rng, rng.randint(0, 30)) + target + random_seq(rng, rng.randint(0, 30))
    if draw(st.booleans()):
        query, target = target, query
    return query, target


@settings(max_examples=600, deadline=None)
@given(pairs(), st.sampled_from(MODES), st.booleans(), st.sampled_from([0, 1, 3, 8, 20]))
def test_kernel_matches_reference_dp(pair, mode, literal_n, band):
    check_pair(*pair, mode, literal_n, band)


def test_the_fast_twin_equals_the_plain_dp(rng):
    """``reference.edit_distance_fast`` (bit vectors), the reference of the long-pair tests, gives
    the full matrix's distance and every optimal end: all modes, N both ways, lower case,
    empty sides, unrelated flanks."""
    for _ in range(400):
        target = random_seq(rng, rng.randint(0, 60), rng.choice(["ACGT", "ACGTN", "acgtN"]))
        query = mutate(rng, target, rng.random() * 0.4)
        if rng.random() < 0.3:
            target = random_seq(rng, rng.randint(0, 15)) + target + random_seq(rng, 5)
        if rng.random() < 0.1:
            query = random_seq(rng, rng.randint(0, 20), "ACGTN")
        for mode in MODES:
            for literal in (False, True):
                want = ref.edit_distance(query, target, mode, literal)
                assert ref.edit_distance_fast(query, target, mode, literal) == want, (
                    query,
                    target,
                    mode,
                    literal,
                )


def test_thousands_of_seeded_pairs_against_plain_python_dp(rng):
    for _ in range(1500):
        target = random_seq(rng, rng.randint(0, 40), "ACGTN")
        query = mutate(rng, target, rng.random() * 0.4)
        mode = rng.choice(MODES)
        literal = rng.random() < 0.5
        d, ends = ref.edit_distance(query, target, mode, literal)
        got = pimalign.align(
            query,
            target,
            mode=mode,
            task="locations",
            literal_n=literal,
            band=rng.choice([0, 2, 8]),
        )
        assert got["editDistance"] == d
        assert [e for _, e in got["locations"]] == ends


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "q,t",
    [
        ("", ""),
        ("", "ACGT"),
        ("ACGT", ""),
        ("A", "A"),
        ("A", "C"),
        ("A", ""),
        ("", "N"),
        ("NNNN", "NNNN"),
        ("N", "A"),
        ("ACGT" * 50, "A"),
        ("A", "ACGT" * 50),
        ("ACGTACGT", "ACGTACGT" * 30),
        ("ACGT" * 100, "TGCA" * 100),
        ("acgt", "ACGT"),
    ],
)
def test_edge_cases(q, t, mode):
    check_pair(q, t, mode)
    check_pair(q, t, mode, literal_n=True)


def test_n_scoring():
    assert pimalign.align("NNNN", "NNNN")["editDistance"] == 4
    assert pimalign.align("NNNN", "NNNN", literal_n=True)["editDistance"] == 0
    assert pimalign.align("ACNT", "ACAT")["editDistance"] == 1


def test_invalid_arguments():
    with pytest.raises(ValueError, match="unknown mode 'XX'"):
        pimalign.align("A", "A", mode="XX")
    with pytest.raises(ValueError, match="unknown task 'cigar'"):
        pimalign.align("A", "A", task="cigar")
    with pytest.raises(ValueError, match="invalid character 'U' at position 2"):
        pimalign.align("ACU", "A")


def test_workload_is_reported_and_adaptive_band_follows_indels():
    rng = random.Random(7)
    target = random_seq(rng, 150)
    query = target[:50] + target[56:]  # a 6 bp deletion shifts the diagonal by 6
    got = pimalign.align(query, target, band=8)
    assert got["editDistance"] == 6
    assert got["band"] <= 17 and got["cells"] <= 145 * 17 and 1 <= got["bits"] <= 5
    # A band too narrow for the indel loses it; widening still gives the exact answer.
    narrow = pimalign.align(query, target, band=2)
    assert narrow["editDistance"] == 6 and narrow["cells"] > got["cells"] // 2


edlib = pytest.importorskip("edlib")


@pytest.mark.parametrize("mode", MODES)
def test_matches_edlib_on_random_pairs(mode, rng):
    for _ in range(700):
        target = random_seq(rng, rng.randint(1, 300))
        query = mutate(rng, target, rng.random() * 0.4)
        if mode != "NW" and query:
            query = query[rng.randint(0, len(query) // 4) :]
        if not query:
            continue
        want = edlib.align(query, target, mode=mode, task="locations")
        got = pimalign.align(query, target, mode=mode, task="path", literal_n=True)
        assert got["editDistance"] == want["editDistance"]
        assert [e for _, e in got["locations"]] == [e for _, e in want["locations"]]
        cost, _, _ = ref.cigar_cost(query, target, got["cigar"], got["locations"][0][0], True)
        assert cost == want["editDistance"]


def test_batch_equals_single_calls_and_threads_do_not_matter(rng):
    queries, targets = [], []
    for _ in range(400):
        t = random_seq(rng, rng.randint(0, 200))
        queries.append(mutate(rng, t, rng.random() * 0.3))
        targets.append(t)
    for mode in MODES:
        one = pimalign.batch_align(queries, targets, mode=mode, task="path", threads=1)
        two = pimalign.batch_align(queries, targets, mode=mode, task="path", threads=2)
        for field in ("distance", "start", "end", "band", "cells", "bits"):
            assert np.array_equal(getattr(one, field), getattr(two, field))
        assert one.cigars == two.cigars
        for i in range(0, 400, 37):
            single = pimalign.align(queries[i], targets[i], mode=mode, task="path")
            assert single["editDistance"] == one.distance[i]
            assert single["cigar"] == one.cigars[i]
            assert single["locations"][0] == (one.start[i], one.end[i])
        dist = pimalign.edit_distances(queries, targets, mode=mode, k=5)
        assert np.array_equal(dist, np.where(one.distance <= 5, one.distance, -1))


def test_batch_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="2 queries but 1 targets"):
        pimalign.edit_distances(["A", "C"], ["A"])
