"""Reading reads (``io/reads.py``) in-process, at the value level: the bounds of each rule
(Phred+33 '!'..'~', QNAME 1..254 characters without '@'), what bwa also accepts (``/1`` ``/2``
suffixes removed, lower case upper-cased, CRLF, empty reads, multi-line FASTA) and the record
numbers of chunks."""

from __future__ import annotations

import gzip

import pytest

from pimalign.io.errors import InputError
from pimalign.io.reads import read_chunks


def write(tmp_path, text: str, name: str = "r.fq", gz: bool = False) -> str:
    path = tmp_path / (name + ".gz" * gz)
    data = text.encode("latin-1")
    path.write_bytes(gzip.compress(data) if gz else data)
    return str(path)


def everything(path: str, chunk_size: int = 50_000):
    names, seqs, quals, firsts = [], [], [], []
    for chunk in read_chunks(path, chunk_size):
        names += chunk.names
        seqs += chunk.seqs
        quals += chunk.quals if chunk.quals is not None else [None] * len(chunk.names)
        firsts.append(chunk.first)
    return names, seqs, quals, firsts


def test_quality_bounds_are_bang_and_tilde(tmp_path):
    path = write(tmp_path, "@a\nACGT\n+\n!~I5\n")
    assert everything(path)[2] == ["!~I5"]
    for bad in (" ", "\x7f"):
        path = write(tmp_path, f"@a\nACGT\n+\nII{bad}I\n")
        with pytest.raises(InputError, match="outside Phred"):
            everything(path)


def test_name_length_bounds_and_at_sign(tmp_path):
    ok = "n" * 254
    assert everything(write(tmp_path, f"@{ok}\nA\n+\nI\n"))[0] == [ok]
    with pytest.raises(InputError):
        everything(write(tmp_path, "@" + "n" * 255 + "\nA\n+\nI\n"))
    with pytest.raises(InputError):
        everything(write(tmp_path, "@a@b\nA\n+\nI\n"))


def test_what_bwa_accepts(tmp_path):
    text = "@r1/1 comment\r\nacgtn\r\n+\r\nIIIII\r\n@r2/2\n\n+\n\n"
    names, seqs, quals, _ = everything(write(tmp_path, text, gz=True))
    assert names == ["r1", "r2"]
    assert seqs == ["ACGTN", ""]
    assert quals == ["IIIII", ""]


def test_multi_line_fasta_has_no_qualities(tmp_path):
    names, seqs, quals, _ = everything(write(tmp_path, ">a x\nACG\nTT\n>b\nG\n", "r.fa"))
    assert (names, seqs, quals) == (["a", "b"], ["ACGTT", "G"], [None, None])


def test_chunks_number_their_first_record(tmp_path):
    text = "".join(f"@r{i}\nACGT\n+\nIIII\n" for i in range(7))
    names, _, _, firsts = everything(write(tmp_path, text), chunk_size=3)
    assert names == [f"r{i}" for i in range(7)]
    assert firsts == [1, 4, 7]


def test_error_names_the_record_number(tmp_path):
    text = "@a\nACGT\n+\nIIII\n@b\nACGT\n+\nIII\n"
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        everything(path)
    assert (
        str(err.value) == f"{path}: record 2 (b): quality has 3 characters but the sequence has 4"
    )
