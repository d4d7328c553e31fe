"""Python strings read in place (``pimalign.editdist.strbuf``) give exactly what encoding them
gives."""

import random

import numpy as np
import pytest
from conftest import random_seq

import pimalign
from pimalign.alphabet import _ENCODE, SequenceError, encode_many, gather_str
from pimalign.editdist import strbuf
from pimalign.editdist.api import batch_encoded

pytestmark = pytest.mark.skipif(not strbuf.available(), reason="not a CPython str layout")


def encoded_slowly(seqs):
    """The reference: one bytes object per sequence through numpy."""
    codes = [_ENCODE[np.frombuffer(s.encode("ascii"), dtype=np.uint8)] for s in seqs]
    lengths = np.array([len(c) for c in codes], dtype=np.int64)
    flat = np.concatenate(codes) if codes else np.zeros(0, np.uint8)
    return flat, np.r_[0, np.cumsum(lengths)]


class Seq(str):
    pass


@pytest.mark.parametrize("count", [1, 7, 20_000])  # 20,000: the parallel loops
def test_gather_equals_encoding(count):
    rng = random.Random(count)
    seqs = [random_seq(rng, rng.randint(0, 30), "ACGTNacgtn") for _ in range(count)]
    flat, off, bad = gather_str(seqs, _ENCODE)
    want_flat, want_off = encoded_slowly(seqs)
    assert bad is None and (off == want_off).all() and (flat == want_flat).all()


@pytest.mark.parametrize(
    "seqs",
    [
        [b"ACGT", b"AC"],  # bytes
        ["ACGT", Seq("AC")],  # a str subclass
        ["ACGT", "ACé"],  # not ASCII
        ["ACGT", 5],  # not a sequence at all
        ("ACGT", "AC"),  # not a list
        [],
    ],
)
def test_anything_but_a_list_of_ascii_str_is_left_to_the_encoder(seqs):
    assert gather_str(seqs, _ENCODE) is None
    assert strbuf.addresses_and_lengths(seqs) is None


@pytest.mark.parametrize("mode", ["NW", "SHW", "HW"])
@pytest.mark.parametrize("task", ["distance", "locations", "path"])
def test_str_batches_equal_pre_encoded_batches(mode, task):
    rng = random.Random(5)
    qs = [random_seq(rng, rng.randint(0, 40), "ACGTN") for _ in range(3000)]
    ts = [random_seq(rng, rng.randint(0, 60), "ACGTn") for _ in range(3000)]
    qs[7], ts[9] = "", ""
    got = pimalign.batch_align(qs, ts, mode, task, threads=2)
    want = batch_encoded(*encoded_slowly(qs), *encoded_slowly(ts), mode, task, threads=2)
    for name in ("distance", "start", "end", "band", "cells", "bits"):
        assert (getattr(got, name) == getattr(want, name)).all(), name
    assert got.cigars == want.cigars


@pytest.mark.parametrize(
    "qs,ts,message",
    [
        (["ACGT", "AXC"], ["AC", "AC"], "record 1: invalid character 'X' at position 1"),
        (["ACGT", "AC"], ["AC", "A-C"], "record 1: invalid character '-' at position 1"),
        (["AC", "AC"], ["AC", "ACé"], "record 1: invalid character 'é' at position 2"),
        (["A C"], ["AC"], "record 0: invalid character ' ' at position 1"),
    ],
)
@pytest.mark.parametrize("mode", ["NW", "HW"])  # HW reads the text itself (textbatch)
def test_bad_characters_are_named_as_the_encoder_names_them(qs, ts, message, mode):
    with pytest.raises(SequenceError) as err:
        pimalign.edit_distances(qs, ts, mode)
    assert str(err.value) == message
    with pytest.raises(SequenceError) as again:
        encode_many(qs) and encode_many(ts)
    assert str(again.value) == message


def _near_copies(rng, count, alphabet="ACGTacgtNn"):
    """Pairs mostly equal (a few edits, case changes, Ns): long common prefixes and suffixes,
    the part the raw-byte trimming reads eight bytes at a time."""
    qs, ts = [], []
    for _ in range(count):
        q = random_seq(rng, rng.randint(0, 90), "ACGT")
        t = list(q)
        for _ in range(rng.randint(0, 3)):
            at = rng.randint(0, len(t))
            kind = rng.randint(0, 4)
            if kind == 0 and t:
                t[min(at, len(t) - 1)] = rng.choice(alphabet)
            elif kind == 1:
                t.insert(at, rng.choice("ACGT"))
            elif kind == 2 and t:
                del t[min(at, len(t) - 1)]
            elif t:
                i = min(at, len(t) - 1)
                t[i] = t[i].swapcase()
        if rng.random() < 0.2 and q:
            i = rng.randrange(len(q))
            q = q[:i] + rng.choice("Nn") + q[i + 1 :]
            t = list(q) if rng.random() < 0.5 else t
        qs.append(q)
        ts.append("".join(t))
    return qs, ts


@pytest.mark.parametrize("mode", ["NW", "SHW", "HW"])
@pytest.mark.parametrize("task", ["distance", "locations", "path"])
@pytest.mark.parametrize("literal_n", [False, True])
def test_near_identical_str_pairs_equal_pre_encoded_pairs(mode, task, literal_n):
    rng = random.Random(11)
    qs, ts = _near_copies(rng, 4000)
    got = pimalign.batch_align(qs, ts, mode, task, threads=2, literal_n=literal_n)
    want = batch_encoded(
        *encoded_slowly(qs), *encoded_slowly(ts), mode, task, threads=2, literal_n=literal_n
    )
    for name in ("distance", "start", "end", "band", "cells", "bits"):
        assert (getattr(got, name) == getattr(want, name)).all(), name
    assert got.cigars == want.cigars


@pytest.mark.parametrize(
    "qs,ts,message",
    [
        # the same invalid byte in both, after a common prefix of whole words
        (["ACGTACGTACGTACGT#A"], ["ACGTACGTACGTACGT#A"], "invalid character '#' at position 16"),
        (
            ["ACGTACGTACGTACGTA", "ACGTAC@GTACGTACGT"],
            ["ACGTACGTACGTACGTA"] * 2,
            "record 1: invalid character '@' at position 6",
        ),
        # in the common suffix
        (["TTACGTACGTACGTACG!"], ["GGACGTACGTACGTACG!"], "invalid character '!' at position 17"),
    ],
)
@pytest.mark.parametrize("mode", ["NW", "HW"])
def test_invalid_bytes_inside_common_prefixes_and_suffixes_are_found(qs, ts, message, mode):
    with pytest.raises(SequenceError) as err:
        pimalign.edit_distances(qs, ts, mode)
    assert message in str(err.value)
