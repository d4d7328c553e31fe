"""Property test: whatever reads go in come back out of the SAM unchanged (pysam reads them back).

Random names, lengths (0..300), bases (mixed case, N, IUPAC codes), qualities and a mix of reads
that map (cut from the demo reference, either strand) and reads that do not.
"""

from __future__ import annotations

import os

import pysam
from conftest import DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REF = os.path.join(DATA, "demo_ref.fa.gz")
COMPLEMENT = str.maketrans("ACGTNRYKMSWBDHV", "TGCANYRMKSWVHDB")

_aligner = None


def aligner_mapper():
    global _aligner
    if _aligner is None:
        from pimalign.mapper.params import preset
        from pimalign.mapper.pipeline import ChunkMapper
        from pimalign.mapper.run import open_index

        _aligner = ChunkMapper(open_index(REF), preset("sr"))
    return _aligner


def reference_text() -> str:
    with pysam.FastxFile(REF) as handle:
        return next(iter(handle)).sequence.upper()


REFERENCE = None

read = st.one_of(
    # from the reference, maybe reverse-complemented, maybe mutated with odd letters
    st.tuples(
        st.integers(0, 299_000),
        st.integers(30, 300),
        st.booleans(),
        st.lists(st.tuples(st.integers(0, 299), st.sampled_from("acgtNRYn")), max_size=6),
    ),
    # random text
    st.text(alphabet="ACGTNacgtnRY", max_size=300),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(read, st.integers(0, 10**6)), min_size=1, max_size=25))
def test_reads_round_trip_through_sam(tmp_path_factory, reads):
    from pimalign.io.reads import ReadChunk

    global REFERENCE
    if REFERENCE is None:
        REFERENCE = reference_text()
    names, seqs, quals = [], [], []
    for x, (spec, salt) in enumerate(reads):
        if isinstance(spec, tuple):
            start, length, reverse, edits = spec
            seq = list(REFERENCE[start : start + length])
            for pos, base in edits:
                if pos < len(seq):
                    seq[pos] = base
            seq = "".join(seq)
            if reverse:
                seq = seq.upper().translate(COMPLEMENT)[::-1]
        else:
            seq = spec
        names.append(f"r{x}_{salt}")
        seqs.append(seq.upper())
        quals.append("".join(chr(33 + (salt + i * 7) % 42) for i in range(len(seq))))
    mapper = aligner_mapper()
    lines = mapper.single(ReadChunk(names, seqs, quals, 1), "<reads>").lines
    mapper.workload.clear()
    folder = tmp_path_factory.mktemp("rt")
    sam = folder / "o.sam"
    header = "@HD\tVN:1.6\n@SQ\tSN:ecoli536_1000001_1300000\tLN:300000\n"
    sam.write_text(header + "".join(lines))
    with pysam.AlignmentFile(str(sam)) as handle:
        recs = [r for r in handle.fetch(until_eof=True)]
    assert [r.query_name for r in recs] == names
    for rec, seq, qual in zip(recs, seqs, quals):
        got_seq = rec.query_sequence or ""
        got_qual = "".join(chr(q + 33) for q in (rec.query_qualities or []))
        if rec.is_reverse:
            got_seq = got_seq.translate(COMPLEMENT)[::-1]
            got_qual = got_qual[::-1]
        assert got_seq == seq
        if qual == "*":
            # A one-base read of quality 9 has QUAL "*", which SAM reads as "no qualities".
            assert got_qual == ""
        else:
            assert got_qual == qual
        if not rec.is_unmapped:
            assert rec.query_alignment_length + sum(
                n for op, n in rec.cigartuples if op == 4
            ) == len(seq)
