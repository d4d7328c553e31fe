"""Python strings read in place (``pimalign.strbuf``) give exactly what encoding them gives."""

import random

import numpy as np
import pytest
from conftest import random_seq

import pimalign
from pimalign import strbuf
from pimalign.alphabet import _ENCODE, SequenceError, encode_many
from pimalign.api import batch_encoded

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
    flat, off, bad = strbuf.gather(seqs, _ENCODE)
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
    assert strbuf.gather(seqs, _ENCODE) is None
    assert strbuf.addresses_and_lengths(seqs) is None


@pytest.mark.parametrize("mode", ["NW", "SHW", "HW"])
@pytest.mark.parametrize("task", ["distance", "locations"])
def test_str_batches_equal_pre_encoded_batches(mode, task):
    rng = random.Random(5)
    qs = [random_seq(rng, rng.randint(0, 40), "ACGTN") for _ in range(3000)]
    ts = [random_seq(rng, rng.randint(0, 60), "ACGTn") for _ in range(3000)]
    qs[7], ts[9] = "", ""
    got = pimalign.batch_align(qs, ts, mode, task, threads=2)
    want = batch_encoded(*encoded_slowly(qs), *encoded_slowly(ts), mode, task, threads=2)
    for name in ("distance", "start", "end", "band", "cells", "bits"):
        assert (getattr(got, name) == getattr(want, name)).all(), name


@pytest.mark.parametrize(
    "qs,ts,message",
    [
        (["ACGT", "AXC"], ["AC", "AC"], "record 1: invalid character 'X' at position 1"),
        (["ACGT", "AC"], ["AC", "A-C"], "record 1: invalid character '-' at position 1"),
        (["AC", "AC"], ["AC", "ACé"], "record 1: invalid character 'é' at position 2"),
        (["A C"], ["AC"], "record 0: invalid character ' ' at position 1"),
    ],
)
def test_bad_characters_are_named_as_the_encoder_names_them(qs, ts, message):
    with pytest.raises(SequenceError) as err:
        pimalign.edit_distances(qs, ts)
    assert str(err.value) == message
    with pytest.raises(SequenceError) as again:
        encode_many(qs) and encode_many(ts)
    assert str(again.value) == message
