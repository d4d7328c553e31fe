import numpy as np
import pytest

from pimalign.alphabet import decode, encode, encode_many, reverse_complement


def test_encode_is_case_insensitive():
    assert encode("ACGTNacgtn").tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]
    assert encode(b"").size == 0


@pytest.mark.parametrize(
    "seq,char,pos",
    [("ACGU", "U", 3), ("R", "R", 0), ("AC-G", "-", 2), ("ACé", "é", 2), ("AC G", " ", 2)],
)
def test_invalid_character_names_character_and_position(seq, char, pos):
    with pytest.raises(ValueError, match=f"invalid character {char!r} at position {pos}"):
        encode(seq)


def test_encode_many_packs_and_names_record():
    flat, off = encode_many(["AC", "", "GTN"])
    assert off.tolist() == [0, 2, 2, 5]
    assert decode(flat) == "ACGTN"
    with pytest.raises(ValueError, match="record 2: invalid character 'X' at position 1"):
        encode_many(["A", "C", "GX"])


def test_reverse_complement():
    assert decode(reverse_complement(encode("AACGTN"))) == "NACGTT"
    assert reverse_complement(np.zeros(0, dtype=np.uint8)).size == 0


def test_mixed_str_and_bytes_and_non_ascii_name_the_record():
    from pimalign.alphabet import encode_many

    flat, off = encode_many(["ACGT", b"AC"])
    assert off.tolist() == [0, 4, 6]
    with pytest.raises(ValueError, match="record 2: invalid character 'é' at position 1"):
        encode_many(["ACGT", b"AC", "AéG"])
