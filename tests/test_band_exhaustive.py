"""The adaptive band against a plain DP on every pair of strings up to length 6 over ACGT.

Exhaustive up to renaming the letters (edit distance does not care which letter is which): a
pair is kept when the letters of ``query + target`` first appear in the order A, C, G, T, which
leaves 1.25 M pairs of the 29.8 M. Every mode, bands 1-3 (short queries
put the certificate's edges within reach), and the bounds ``k`` 1 and 2. Random tests rarely reach
the certificate's edge: ``cov_hi >= hi - 1`` there passes thousands of random pairs and fails
2,285 of these.
"""

from __future__ import annotations

import numpy as np
import pytest

from pimalign import batch_align

MAX_LEN = 6
MODES = ["NW", "SHW", "HW"]


def renamed_strings(length: int) -> np.ndarray:
    """Every string of ``length`` codes 0..3 whose codes first appear in increasing order
    (restricted growth strings), as a ``(count, length)`` uint8 array."""
    rows = np.zeros((1, length), dtype=np.uint8)
    top = np.full(1, -1, dtype=np.int64)  # greatest code used so far, per row
    for pos in range(length):
        grown, tops = [], []
        for code in range(4):
            keep = code <= top + 1
            new = rows[keep].copy()
            new[:, pos] = code
            grown.append(new)
            tops.append(np.maximum(top[keep], code))
        rows, top = np.concatenate(grown), np.concatenate(tops)
    return rows


def plain_dp(queries: np.ndarray, targets: np.ndarray, mode: str) -> np.ndarray:
    """Edit distance of each row pair by the full DP matrix (vectorised over rows only):
    NW global, SHW the whole query against a prefix of the target, HW against any infix."""
    pairs, m = queries.shape
    n = targets.shape[1]
    free_start = mode == "HW"
    row = np.zeros((pairs, n + 1), dtype=np.int64)
    if not free_start:
        row[:] = np.arange(n + 1)
    for i in range(1, m + 1):
        new = np.empty_like(row)
        new[:, 0] = i
        diag_or_up = np.minimum(row[:, :-1] + (queries[:, i - 1, None] != targets), row[:, 1:] + 1)
        for j in range(1, n + 1):
            new[:, j] = np.minimum(diag_or_up[:, j - 1], new[:, j - 1] + 1)
        row = new
    return row[:, -1] if mode == "NW" else row.min(axis=1)


@pytest.fixture(scope="module")
def all_pairs():
    """(query strings, target strings, {mode: plain-DP distances})."""
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    queries, targets = [], []
    want = {mode: [] for mode in MODES}
    for m in range(MAX_LEN + 1):
        for n in range(MAX_LEN + 1):
            codes = renamed_strings(m + n)
            text = letters[codes]
            queries += [bytes(r).decode() for r in text[:, :m]]
            targets += [bytes(r).decode() for r in text[:, m:]]
            for mode in MODES:
                want[mode].append(plain_dp(codes[:, :m], codes[:, m:], mode))
    return queries, targets, {mode: np.concatenate(d) for mode, d in want.items()}


def test_renamed_strings_count_the_set_partitions():
    """Strings up to renaming are counted by Stirling numbers of the second kind:
    S(6,1..4) = 1 + 31 + 90 + 65."""
    assert len(renamed_strings(6)) == 187
    assert len(renamed_strings(0)) == 1
    assert sorted(renamed_strings(3).tolist()) == [
        [0, 0, 0],
        [0, 0, 1],
        [0, 1, 0],
        [0, 1, 1],
        [0, 1, 2],
    ]


def test_plain_dp_on_known_pairs():
    q = np.array([[0, 1, 2, 3]], dtype=np.uint8)
    t = np.array([[2, 0, 1, 2, 3, 1]], dtype=np.uint8)
    assert plain_dp(q, t, "NW").tolist() == [2]
    assert plain_dp(q, t, "SHW").tolist() == [1]
    assert plain_dp(q, t, "HW").tolist() == [0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("band", [1, 2, 3])
def test_every_short_pair_matches_the_plain_dp(all_pairs, mode, band):
    queries, targets, want = all_pairs
    got = batch_align(queries, targets, mode, "distance", -1, None, False, band, "adaptive")
    d = want[mode]
    bad = np.flatnonzero(got.distance != d)
    assert bad.size == 0, [(queries[i], targets[i], got.distance[i], d[i]) for i in bad[:5]]


@pytest.mark.parametrize("mode", MODES)
def test_every_short_pair_with_k_at_and_below_the_distance(all_pairs, mode):
    """``k = d`` finds ``d``; ``k = d - 1`` reports -1 (above the bound)."""
    queries, targets, want = all_pairs
    d = want[mode]
    for k in (1, 2):
        got = batch_align(queries, targets, mode, "distance", k, None, False, 2, "adaptive")
        expect = np.where(d <= k, d, -1)
        bad = np.flatnonzero(got.distance != expect)
        assert bad.size == 0, [(queries[i], targets[i], got.distance[i], d[i]) for i in bad[:5]]
