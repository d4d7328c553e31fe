"""The bit-parallel banded word against the adaptive kernel and the reference DP."""

import random

import numpy as np
import pytest
import reference as ref
from conftest import mutate, random_seq

import pimalign
from pimalign.alphabet import encode
from pimalign.kernels.bitpar import REACH, banded_word, fast_edit, scratch_words
from pimalign.kernels.edit import MODE_HW, MODE_NW, MODE_SHW, band_pass


def scratch(n):
    return np.zeros((5, scratch_words(n)), dtype=np.uint64)


def reach():
    return np.zeros(REACH, dtype=np.int32)


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_banded_word_equals_scalar_static_band(mode, rng):
    """Same band, same infinite outside: the word and the scalar pass agree cell for cell."""
    for _ in range(1500):
        t = random_seq(rng, rng.randint(1, 150), "ACGTN")
        q = mutate(rng, t, rng.random() * 0.4) or "A"
        qe, te = encode(q), encode(t)
        lo = rng.randint(-min(len(q), 40), 0)
        hi = rng.randint(0, min(len(t), lo + 63))
        last = np.empty(len(t) + 1, dtype=np.int32)
        want = band_pass(
            qe,
            te,
            mode,
            4,
            False,
            0,
            0,
            lo,
            hi,
            -1,
            np.zeros((0, 0), np.uint8),
            np.zeros(0, np.int64),
            last,
        )
        got = banded_word(qe, te, mode, 4, lo, hi, scratch(len(t)), np.empty((5, 0), np.uint64))
        if want[0] < 1 << 29:
            assert got == (want[0], want[1]), (q, t, mode, lo, hi)
        else:
            assert got[0] > len(q) + len(t)


def test_fast_edit_is_exact_or_declines(rng):
    decided = 0
    for _ in range(3000):
        t = random_seq(rng, rng.randint(0, 250), "ACGTN" if rng.random() < 0.2 else "ACGT")
        q = mutate(rng, t, rng.random() * 0.4)
        if rng.random() < 0.3:
            t = random_seq(rng, rng.randint(0, 30)) + t + random_seq(rng, rng.randint(0, 30))
        mode = rng.randrange(3)
        literal = rng.random() < 0.5
        k = rng.choice([-1, rng.randint(0, 30)])
        d, e, band, cells = fast_edit(
            encode(q), encode(t), mode, k, 5 if literal else 4, scratch(len(t)), reach()
        )
        if d == -2:
            continue
        decided += 1
        want, ends = ref.edit_distance_fast(q, t, ["NW", "SHW", "HW"][mode], literal)
        assert d == (want if k < 0 or want <= k else -1), (q, t, mode, k)
        if d >= 0:
            assert e - 1 == ends[0]
            assert 0 <= band <= 64
    assert decided > 2000


def test_engines_agree_on_batches(rng):
    queries, targets = [], []
    for _ in range(2000):
        t = random_seq(rng, rng.randint(0, 300))
        queries.append(mutate(rng, t, rng.random() * 0.3))
        targets.append(t)
    for mode in ("NW", "SHW", "HW"):
        for task in ("distance", "locations"):
            auto = pimalign.batch_align(queries, targets, mode, task, threads=2)
            adaptive = pimalign.batch_align(queries, targets, mode, task, engine="adaptive")
            assert np.array_equal(auto.distance, adaptive.distance)
            assert np.array_equal(auto.end, adaptive.end)
            assert np.array_equal(auto.start, adaptive.start)
    with pytest.raises(ValueError, match="unknown engine"):
        pimalign.batch_align(["A"], ["A"], engine="gpu")


def test_paths_from_the_bit_parallel_routes_equal_the_adaptive_engine(monkeypatch):
    """engine auto takes a CIGAR from one banded word's traceback, or from the static band of
    the bit-parallel distance, or from the adaptive band: all must give the adaptive engine's
    distances, locations and CIGARs (the same tie rule on the same values). The pairs reach
    every route (long infix targets overflow one word), and small chunks of pairs are used."""
    import random

    from conftest import mutate, random_seq

    import pimalign.editdist.api as api
    from pimalign.editdist.api import batch_align

    monkeypatch.setattr(api, "PATH_SLOTS", 4096)
    rng = random.Random(7)
    queries, targets = [], []
    for _ in range(2500):
        t = random_seq(rng, rng.randint(0, 200), rng.choice(["ACGT", "ACGTN", "AC"]))
        q = mutate(rng, t, rng.choice([0, 0.02, 0.1, 0.3]))
        if rng.random() < 0.1:
            q = random_seq(rng, rng.randint(0, 50))
        if rng.random() < 0.2:
            t = random_seq(rng, rng.randint(0, 90)) + t + random_seq(rng, rng.randint(0, 90))
        if rng.random() < 0.5:
            q, t = t, q
        queries.append(q)
        targets.append(t)
    for mode in ("NW", "SHW", "HW"):
        for k in (-1, 5):
            for literal_n in (False, True):
                a = batch_align(
                    queries, targets, mode, "path", k=k, engine="auto", literal_n=literal_n
                )
                b = batch_align(
                    queries, targets, mode, "path", k=k, engine="adaptive", literal_n=literal_n
                )
                assert a.distance.tolist() == b.distance.tolist()
                assert a.start.tolist() == b.start.tolist() and a.end.tolist() == b.end.tolist()
                assert a.cigars == b.cigars
        loc = batch_align(queries, targets, mode, "locations", engine="auto")
        want = batch_align(queries, targets, mode, "locations", engine="adaptive")
        assert loc.start.tolist() == want.start.tolist() and loc.end.tolist() == want.end.tolist()


def test_cigar_text_kernel_equals_the_python_formatter():
    from pimalign.editdist.api import cigar_string
    from pimalign.kernels.cigartext import cigar_texts

    rng = np.random.default_rng(3)
    n_runs = rng.integers(0, 12, size=300)
    run_off = np.concatenate([[0], np.cumsum(n_runs)[:-1]]).astype(np.int64)
    total = int(n_runs.sum())
    run_ops = rng.choice(np.array([1, 2, 4, 7, 8], dtype=np.uint8), size=total)
    run_lens = rng.choice(np.array([1, 9, 10, 99, 100, 12345, 10**12]), size=total)
    lines = cigar_texts(run_off, run_ops, run_lens, n_runs).tobytes().decode().split("\n")
    assert lines[-1] == "" and len(lines) == 301
    for p in range(300):
        lo, hi = run_off[p], run_off[p] + n_runs[p]
        assert lines[p] == cigar_string(run_ops[lo:hi], run_lens[lo:hi])


def _bitmaps_slowly(q, mode, ncode, s, length, words):
    """The pattern bitmaps position by position (the definition)."""
    maps = np.zeros((5, words), dtype=np.uint64)
    for p in range(length):
        i = p + s
        if i <= 0:
            if mode == MODE_HW:
                maps[:, p >> 6] |= np.uint64(1) << np.uint64(p & 63)
        elif i <= len(q) and q[i - 1] < ncode:
            maps[q[i - 1], p >> 6] |= np.uint64(1) << np.uint64(p & 63)
    return maps


@pytest.mark.parametrize("mode", [MODE_NW, MODE_SHW, MODE_HW])
def test_pattern_bitmaps_equal_their_definition(mode):
    from pimalign.kernels.bitpar import pattern_bitmaps, scratch_words

    rng = random.Random(mode)
    for _ in range(300):
        m = rng.randint(0, 200)
        q = np.array([rng.randint(0, 4) for _ in range(m)], dtype=np.uint8)
        s = -rng.randint(0, 130)
        length = rng.randint(0, 300)
        words = scratch_words(length)
        ncode = rng.choice([4, 5])  # N (code 4) set only when it matches itself
        got = np.full((5, words), 7, dtype=np.uint64)  # stale scratch must be cleared
        pattern_bitmaps(q, mode, ncode, s, length, got)
        want = _bitmaps_slowly(q, mode, ncode, s, length, words)
        used = (length + 63) // 64 + 2
        assert (got[:, :used] == want[:, :used]).all()


@pytest.mark.parametrize("literal_n", [False, True])
def test_near_identical_equal_length_paths_equal_the_adaptive_engine(literal_n):
    """The diagonal route (equal lengths, at most one mismatch) gives the adaptive band's
    CIGARs, distances and locations; a second mismatch or an N leaves it to the other routes."""
    rng = random.Random(11 + literal_n)
    qs, ts = [], []
    for _ in range(3000):
        t = random_seq(rng, rng.randint(1, 80), "ACGT")
        q = list(t)
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            q[rng.randrange(len(q))] = rng.choice("ACGTN")
        qs.append("".join(q))
        ts.append(t if rng.random() < 0.9 else t.replace("A", "N", 1))
    for k in (-1, 0, 1):
        auto = pimalign.edit_paths(qs, ts, k=k, literal_n=literal_n)
        slow = pimalign.batch_align(
            qs, ts, "NW", "path", k=k, literal_n=literal_n, engine="adaptive"
        )
        assert auto.cigars == slow.cigars
        for name in ("distance", "start", "end"):
            assert (getattr(auto, name) == getattr(slow, name)).all(), name


@pytest.mark.parametrize("literal_n", [False, True])
def test_equal_length_pairs_a_few_substitutions_apart_are_exact(literal_n):
    """fast_edit answers equal-length NW pairs with at most two mismatching positions by their
    count (one edit between equal lengths is a substitution); pairs an indel apart on both
    sides (equal length, many mismatches, distance 2) and three mismatches take the word."""
    rng = random.Random(21 + literal_n)
    for _ in range(3000):
        t = random_seq(rng, rng.randint(1, 120), "ACGTN" if rng.random() < 0.3 else "ACGT")
        q = list(t)
        for _ in range(rng.choice([0, 1, 2, 2, 3])):
            q[rng.randrange(len(q))] = rng.choice("ACGTN")
        if rng.random() < 0.3 and len(q) > 2:  # delete here, insert there: length unchanged
            a, b = sorted(rng.sample(range(len(q)), 2))
            q = q[:a] + q[a + 1 : b] + [rng.choice("ACGT")] + q[b:]
        q = "".join(q)
        k = rng.choice([-1, -1, 0, 1, 2, 3])
        ncode = 5 if literal_n else 4
        d, e, band, cells = fast_edit(
            encode(q), encode(t), MODE_NW, k, ncode, scratch(len(t)), reach()
        )
        want = ref.edit_distance_fast(q, t, "NW", literal_n)[0]
        assert d == (want if k < 0 or want <= k else -1), (q, t, k)
        if d >= 0:
            assert e == len(t)
