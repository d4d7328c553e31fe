"""The unit-cost wavefront (``kernels.waves``) against the reference DP."""

import random

import numpy as np
import pytest
import reference as ref
from conftest import mutate, random_seq

from pimalign.alphabet import encode
from pimalign.kernels.bitpar import few_substitutions, text_substitutions
from pimalign.kernels.edit import MODE_HW, MODE_NW, MODE_SHW, diagonal_interval
from pimalign.kernels.waves import HW_BOUND, extend, wave_edit
from pimalign.kernels.wordscan import RAW, common_suffix, text_suffix

MODES = {"NW": MODE_NW, "SHW": MODE_SHW, "HW": MODE_HW}


def wave(q, t, mode, limit, literal_n=False, budget=1 << 30, guess=None):
    """``wave_edit`` over the whole matrix's band for ``guess`` (default: the trivial bound)."""
    guess = max(len(q), len(t)) if guess is None else guess
    lo, hi = diagonal_interval(MODES[mode], len(q), len(t), guess)
    reach = np.empty(hi - lo + 3, dtype=np.int32)
    return wave_edit(
        encode(q), encode(t), MODES[mode], 5 if literal_n else 4, lo, hi, limit, budget, reach
    )


@pytest.mark.parametrize("ncode", [4, 5])
def test_extend_stops_where_codes_differ_or_cannot_match(ncode):
    """Eight codes at a time and the overlapping last word stop exactly where the scalar rule
    does: at the first unequal pair, or at an N when N matches nothing (ncode 4)."""
    rng = random.Random(3 + ncode)
    for _ in range(3000):
        t = random_seq(rng, rng.randint(0, 40), "ACGTN" if rng.random() < 0.3 else "ACGT")
        d = rng.randint(0, len(t))
        tail = t[d:]
        q = list(tail[: rng.randint(0, len(tail))])
        if q and rng.random() < 0.7:
            q[rng.randrange(len(q))] = rng.choice("ACGTN")
        q = "".join(q) + random_seq(rng, rng.randint(0, 5))
        i = rng.randint(0, min(len(q), len(t) - d))
        want = i
        while (
            want < min(len(q), len(t) - d)
            and q[want] == t[want + d]
            and (q[want] != "N" or ncode == 5)
        ):
            want += 1
        assert extend(encode(q), encode(t), i, d, ncode) == want, (q, t, i, d)


def _swapped(rng, seq):
    return "".join(c.lower() if rng.random() < 0.3 else c for c in seq)


@pytest.mark.parametrize("ncode", [4, 5])
def test_raw_text_matches_as_its_codes(ncode):
    """On text known to hold only bases (``wordscan.RAW``) extend, the HW wave, the common
    suffix and the substitution count give what they give on the codes: case never matters, an
    N matches as ``ncode`` says, and that holds in the first word, a middle one and the
    overlapping last one."""
    rng = random.Random(17 + ncode)
    raw = RAW | ncode
    for _ in range(3000):
        t = random_seq(rng, rng.randint(1, 40), "ACGTN" if rng.random() < 0.4 else "ACGT")
        d = rng.randint(0, len(t) - 1)
        q = mutate(rng, t[d:], rng.choice([0.0, 0.05, 0.2])) or "A"
        if rng.random() < 0.3:
            q = q[:-1] + "N"
        qt, tt = _swapped(rng, q), _swapped(rng, t)
        qb = np.frombuffer(qt.encode(), dtype=np.uint8)
        tb = np.frombuffer(tt.encode(), dtype=np.uint8)
        i = rng.randint(0, max(0, min(len(q), len(t) - d)))
        assert extend(qb, tb, i, d, raw) == extend(encode(q), encode(t), i, d, ncode), (qt, tt)
        lo, hi = diagonal_interval(MODE_HW, len(q), len(t), len(q))
        reach = np.empty(hi - lo + 3, dtype=np.int32)
        on_codes = wave_edit(encode(q), encode(t), MODE_HW, ncode, lo, hi, 6, 1 << 30, reach)
        assert wave_edit(qb, tb, MODE_HW, raw, lo, hi, 6, 1 << 30, reach) == on_codes, (qt, tt)
        lim = rng.randint(0, min(len(q), len(t)))
        codes = (encode(q), encode(t[d:]))
        assert text_suffix(qb, tb[d:], raw, lim) == common_suffix(*codes, ncode, lim), (qt, tt)
        assert text_suffix(*codes, ncode, lim) == common_suffix(*codes, ncode, lim)
        same = (qb, np.frombuffer(_swapped(rng, q).encode(), dtype=np.uint8))
        want = few_substitutions(encode(q), encode(same[1].tobytes().decode()), ncode)
        assert text_substitutions(*same, raw) == want, (qt, same[1].tobytes())
        assert text_substitutions(*codes, ncode) == few_substitutions(*codes, ncode)
    assert extend(np.frombuffer(b"acgtNacgt", np.uint8), np.frombuffer(b"ACGTnACGT", np.uint8),
                  0, 0, RAW | 4) == 4  # fmt: skip
    assert extend(np.frombuffer(b"acgtNacgt", np.uint8), np.frombuffer(b"ACGTnACGT", np.uint8),
                  0, 0, RAW | 5) == 9  # fmt: skip


def test_hand_made_cases():
    # a mismatch in the first word, at a word boundary, and in the overlapping last word
    base = "ACGTACGTTGCAAGCTAG"
    for at in (0, 7, 8, 15, 17):
        q = base[:at] + ("A" if base[at] != "A" else "C") + base[at + 1 :]
        assert wave(q, base, "NW", 5) == (1, len(base)), at
    assert wave("ACGT", "ACGT", "NW", 0) == (0, 4)
    assert wave("ACGT", "ACGA", "NW", 0) == (-1, -1)  # above the limit
    assert wave("NN", "NN", "NW", 5) == (2, 2)  # N matches nothing
    assert wave("NN", "NN", "NW", 5, literal_n=True) == (0, 2)  # a literal N matches N
    assert wave("AC", "GGACTTAC", "HW", 3) == (0, 4)  # the leftmost of two exact ends
    assert wave("AC", "GGAGTTAC", "HW", 3) == (0, 8)
    assert wave("ACG", "TTACG", "SHW", 5) == (2, 5)  # SHW pays for the target's prefix
    assert wave("AAAC", "A" * 20 + "AAAC", "HW", 2) == (0, 24)  # q[0] matching everywhere
    assert wave("NAC", "GGNACNAC", "HW", 2, literal_n=True) == (0, 5)
    assert wave("NAC", "GGNACNAC", "HW", 2) == (1, 5)  # an N never matches: AC after it does
    assert wave("A", "C", "HW", 1) == (1, 0)  # deleting A ties with X: the leftmost end, column 0
    assert wave("AAAA", "A", "NW", 4) == (3, 1)
    assert wave("A", "AAAA", "SHW", 4) == (0, 1)


@pytest.mark.parametrize("mode", ["NW", "SHW", "HW"])
@pytest.mark.parametrize("literal_n", [False, True])
def test_wave_equals_the_dp_or_says_above_the_limit(mode, literal_n):
    """Within a band the wave is exact: the distance and leftmost optimal end when the distance
    is within the limit (and Ukkonen's guess), -1 when it is above the limit; HW may decline
    (-2) a pair its first round does not settle."""
    rng = random.Random(11 + 3 * MODES[mode] + literal_n)
    declined = 0
    for _ in range(2500):
        t = random_seq(rng, rng.randint(1, 160), "ACGTN" if rng.random() < 0.2 else "ACGT")
        q = mutate(rng, t, rng.random() * 0.35) or "A"
        if rng.random() < 0.3:
            t = random_seq(rng, rng.randint(0, 25)) + t + random_seq(rng, rng.randint(0, 25))
        if rng.random() < 0.05:
            q = "N" * rng.randint(1, 5)
        want, ends = ref.edit_distance_fast(q, t, mode, literal_n)
        guess = rng.choice([want, want + rng.randint(0, 10), max(len(q), len(t))])
        limit = rng.choice([guess, rng.randint(0, guess)])
        got = wave(q, t, mode, limit, literal_n, guess=guess)
        if got == (-2, -1):  # HW declines past its first round (the word is cheaper there)
            assert mode == "HW" and limit > HW_BOUND and want > HW_BOUND, (q, t, limit)
            declined += 1
        elif want <= limit:
            assert got == (want, ends[0] + 1), (q, t, mode, guess, limit)
        else:
            assert got == (-1, -1), (q, t, mode, guess, limit)
    assert declined < 2000


def test_wave_declines_past_its_budget():
    rng = random.Random(2)
    t = random_seq(rng, 150)
    q = mutate(rng, t, 0.2)
    want = ref.edit_distance(q, t, "NW")[0]
    assert wave(q, t, "NW", want, budget=0) == (-2, -1)
    assert wave(q, t, "NW", want)[0] == want


def test_hw_declines_what_its_first_round_does_not_settle():
    t = random_seq(random.Random(5), 66)
    other = {"A": "C", "C": "G", "G": "T", "T": "A"}
    far = "".join(other[b] if x % 4 == 1 else b for x, b in enumerate(t))  # 16 substitutions
    assert ref.edit_distance(far, t, "HW")[0] > HW_BOUND
    assert wave(far, t, "HW", 30) == (-2, -1)
    near = "".join(other[b] if x % 6 == 1 else b for x, b in enumerate(t))  # 11 of them
    near = near[:-6] + t[-6:]  # 10
    assert ref.edit_distance(near, t, "HW")[0] == HW_BOUND
    assert wave(near, t, "HW", 30) == (HW_BOUND, len(t))


def test_the_wave_s_pauses_never_change_fast_edit_s_answers():
    """One scratch reused over a batch (the wave pauses after misses) gives every pair the
    answer a fresh scratch gives it."""
    from pimalign.kernels.bitpar import REACH, fast_edit, scratch_words

    rng = random.Random(8)
    maps = np.zeros((5, scratch_words(400)), dtype=np.uint64)
    shared = np.zeros(REACH, dtype=np.int32)
    for _ in range(3000):
        t = random_seq(rng, rng.randint(1, 200))
        q = mutate(rng, t, rng.choice([0.0, 0.01, 0.05, 0.3])) or "A"
        mode, k = rng.randrange(3), rng.choice([-1, 5])
        args = (encode(q), encode(t), mode, k, 4, maps)
        alone = fast_edit(*args, np.zeros(REACH, dtype=np.int32))
        assert fast_edit(*args, shared) == alone, (q, t, mode, k)


@pytest.mark.parametrize("mode", ["NW", "SHW", "HW"])
@pytest.mark.parametrize("literal_n", [False, True])
def test_kept_wave_paths_equal_the_word_s_traceback(mode, literal_n):
    """``wavepath.wave_path`` gives the banded word's distance, leftmost end, start and the very
    runs its traceback writes (the same tie rule on the same values), including pairs whose
    lengths force a first round; HW may decline past its first round."""
    from pimalign.kernels.bitpar import banded_word, scratch_words, widest_guess
    from pimalign.kernels.wavepath import wave_path
    from pimalign.kernels.wordpath import word_traceback

    rng = random.Random(60 + literal_n + 2 * MODES[mode])
    ncode = 5 if literal_n else 4
    taken = 0
    for _ in range(2000):
        t = random_seq(rng, rng.randint(1, 160), "ACGTN" if rng.random() < 0.2 else "ACGT")
        q = mutate(rng, t, rng.choice([0.0, 0.0, 0.02, 0.08, 0.25])) or "C"
        if rng.random() < 0.3:
            t = random_seq(rng, rng.randint(9, 20)) + t + random_seq(rng, rng.randint(0, 9))
        qe, te = encode(q), encode(t)
        g = widest_guess(MODES[mode], len(q), len(t), max(len(q), len(t)))
        if g < 0:
            continue
        lo, hi = diagonal_interval(MODES[mode], len(q), len(t), g)
        cap = len(q) + len(t)
        ops, lens = np.zeros(cap, np.uint8), np.zeros(cap, np.int64)
        kept, level_at = np.empty(len(t) + 64, np.int32), np.empty(len(t) + 128, np.int64)
        d, end, start, n_runs = wave_path(
            qe, te, MODES[mode], ncode, lo, hi, g, kept, level_at, ops, lens
        )
        cols = np.empty((5, len(t) + 1), np.uint64)
        maps = np.zeros((5, scratch_words(len(t))), np.uint64)
        best, w_end = banded_word(qe, te, MODES[mode], ncode, lo, hi, maps, cols)
        if d == -2:
            continue
        taken += 1
        if best > g:
            assert d == -1, (q, t)
            continue
        assert (d, end) == (best, w_end), (q, t)
        assert d == ref.edit_distance_fast(q, t, mode, literal_n)[0], (q, t)
        w_ops, w_lens = np.zeros(cap, np.uint8), np.zeros(cap, np.int64)
        w_runs, w_start = word_traceback(
            qe, te, MODES[mode], ncode, hi, cols, w_end, best, w_ops, w_lens
        )
        assert (n_runs, start) == (w_runs, w_start), (q, t)
        assert (ops[cap - n_runs :] == w_ops[cap - n_runs :]).all(), (q, t)
        assert (lens[cap - n_runs :] == w_lens[cap - n_runs :]).all(), (q, t)
    assert taken > 700
