"""The mapper end to end on the bundled demo (dwgsim reads of a 300 kb E. coli piece, truth in
the names), plus index, tags, pairing and bad-input checks. The commands run as processes
forked off ``tests/clirun.py``'s server."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys

import clirun
import numpy as np
import pysam
import pytest
from conftest import DATA

REF = os.path.join(DATA, "demo_ref.fa.gz")
R1 = os.path.join(DATA, "demo_R1.fq.gz")
R2 = os.path.join(DATA, "demo_R2.fq.gz")
ROOT = os.path.dirname(DATA)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))


def run(*args, check=True):
    proc = clirun.run(list(args), text=True)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return proc


def records(path):
    with pysam.AlignmentFile(path, check_sq=False) as bam:
        return [r.to_string() for r in bam.fetch(until_eof=True)]


@pytest.fixture(scope="module")
def index_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("idx") / "demo.pmi"
    run("index", REF, "-o", str(out))
    return str(out)


@pytest.fixture(scope="module")
def reference():
    with pysam.FastxFile(REF) as handle:
        entry = next(iter(handle))
        return entry.name, entry.sequence.upper()


@pytest.fixture(scope="module")
def pe_bam(tmp_path_factory, index_file):
    out = tmp_path_factory.mktemp("pe") / "pe.bam"
    run(
        "align",
        index_file,
        R1,
        R2,
        "-o",
        str(out),
        "-t",
        "2",
        "--no-progress",
        "-R",
        r"@RG\tID:demo\tSM:s1",
    )
    return str(out)


def fastq_names(path):
    with pysam.FastxFile(path) as handle:
        return [e.name[:-2] if e.name.endswith(("/1", "/2")) else e.name for e in handle]


def test_index_round_trip_and_corruption(tmp_path, index_file):
    from pimalign.io.errors import InputError
    from pimalign.mapper.index import load_index

    index = load_index(index_file)
    assert index.ref.names == ["ecoli536_1000001_1300000"]
    assert int(index.ref.offsets[-1]) == 300_000
    table = np.asarray(index.table, dtype=np.int64)
    assert table[0] == 0 and table[-1] == index.keys.shape[0] and np.all(np.diff(table) >= 0)
    raw = bytearray(open(index_file, "rb").read())
    bad = tmp_path / "bad.pmi"
    raw[-100] ^= 0xFF
    bad.write_bytes(bytes(raw))
    with pytest.raises(InputError, match="damaged"):
        load_index(str(bad))
    bad.write_bytes(bytes(raw[: len(raw) // 2]))
    with pytest.raises(InputError, match="cut short"):
        load_index(str(bad))


def test_index_holds_exactly_the_minimizers_of_each_contig(tmp_path):
    """The bucketed table, built a few hundred bases at a time, equals the minimizers of each
    whole contig (the plain kernel on the unpacked sequence), N runs and IUPAC codes included."""
    import random

    from pimalign.alphabet import encode_many
    from pimalign.kernels.minimizers import minimizers
    from pimalign.mapper.index import build_index

    rng = random.Random(8)
    contigs = []
    for length in (150, 25, 4000, 2999):
        seq = [rng.choice("ACGT") for _ in range(length)]
        for _ in range(length // 300):
            at = rng.randrange(length)
            seq[at : at + rng.randrange(1, 40)] = "N" * len(seq[at : at + 40])
        if length > 100:
            seq[50] = "R"
        contigs.append("".join(seq)[:length])
    fasta = tmp_path / "g.fa"
    fasta.write_text("".join(f">c{x}\n{s}\n" for x, s in enumerate(contigs)))
    for segment in (300, 1 << 20):
        index = build_index(str(fasta), k=15, w=7, segment=segment)
        table = np.asarray(index.table, dtype=np.int64)
        bucket = np.repeat(np.arange(table.shape[0] - 1), np.diff(table)).astype(np.uint64)
        keys = np.asarray(index.keys, dtype=np.uint64)
        got = set(
            zip(
                ((bucket << np.uint64(index.rbits)) | (keys >> np.uint64(1))).tolist(),
                np.asarray(index.pos).tolist(),
                (keys & np.uint64(1)).tolist(),
            )
        )
        want = set()
        flat, off = encode_many(contigs, iupac=True)
        for c in range(len(contigs)):
            seq = flat[off[c] : off[c + 1]]
            h, p, s = (np.empty(seq.size + 1, t) for t in (np.uint64, np.int64, np.uint8))
            n = minimizers(seq, 15, 7, h, p, s)
            want |= set(zip(h[:n].tolist(), (p[:n] + off[c]).tolist(), s[:n].tolist()))
        assert got == want and len(want) == index.keys.shape[0]
        assert np.array_equal(index.ref.fetch(0, int(off[-1])), flat)


def test_single_end_every_read_once_and_accurate(tmp_path, index_file):
    from score_truth import score

    out = tmp_path / "se.bam"
    run("align", index_file, R1, "-o", str(out), "--no-progress")
    assert os.path.exists(str(out) + ".bai")
    with pysam.AlignmentFile(str(out)) as bam:
        primary = [
            r.query_name
            for r in bam.fetch(until_eof=True)
            if not r.is_secondary and not r.is_supplementary
        ]
    assert sorted(primary) == sorted(fastq_names(R1))
    s = score(str(out))
    assert s["correct"] >= 0.97
    assert s["wrong_q30"] == 0
    if shutil.which("samtools"):
        assert subprocess.run(["samtools", "quickcheck", str(out)]).returncode == 0


def test_tags_recomputed_from_reference(pe_bam, reference):
    name, ref = reference
    checked = 0
    with pysam.AlignmentFile(pe_bam) as bam:
        for rec in bam.fetch(until_eof=True):
            if rec.is_unmapped:
                continue
            nm, md = _nm_md(rec, ref)
            assert rec.get_tag("NM") == nm, rec.to_string()
            assert rec.get_tag("MD") == md, rec.to_string()
            assert rec.get_tag("RG") == "demo"
            assert rec.query_alignment_length == sum(n for op, n in rec.cigartuples if op in (0, 1))
            checked += 1
    assert checked > 3900


def _nm_md(rec, ref):
    """NM and MD recomputed by walking the CIGAR over the reference (the slow twin)."""
    q = rec.query_sequence
    i, j = 0, rec.reference_start
    nm = 0
    md = []
    run = 0
    for op, n in rec.cigartuples:
        if op == 4:
            i += n
        elif op == 0:
            for _ in range(n):
                if q[i] == ref[j] and q[i] != "N":
                    run += 1
                else:
                    nm += 1
                    md.append(str(run))
                    md.append(ref[j])
                    run = 0
                i += 1
                j += 1
        elif op == 1:
            nm += n
            i += n
        elif op == 2:
            nm += n
            md.append(str(run))
            md.append("^" + ref[j : j + n])
            run = 0
            j += n
    md.append(str(run))
    return nm, "".join(md)


def test_pairs_flags_mates_and_accuracy(pe_bam):
    from score_truth import score

    s = score(pe_bam)
    assert s["correct"] >= 0.98
    assert s["wrong_q30"] == 0
    with pysam.AlignmentFile(pe_bam) as bam:
        header = bam.header.to_dict()
        recs = [r for r in bam.fetch(until_eof=True) if not r.is_supplementary]
    assert header["RG"][0]["ID"] == "demo"
    assert header["PG"][0]["ID"] == "pimalign"
    assert header["HD"]["SO"] == "coordinate"
    by_name = {}
    for r in recs:
        by_name.setdefault(r.query_name, []).append(r)
    assert len(by_name) == 2000 and all(len(v) == 2 for v in by_name.values())
    proper = 0
    for a, b in by_name.values():
        assert a.is_read1 != b.is_read1
        for x, y in ((a, b), (b, a)):
            assert x.is_paired
            assert x.mate_is_unmapped == y.is_unmapped
            if not y.is_unmapped:
                assert x.next_reference_start == y.reference_start
                assert x.mate_is_reverse == y.is_reverse
        if a.is_proper_pair:
            proper += 1
            assert b.is_proper_pair
            assert a.template_length == -b.template_length != 0
            assert a.is_reverse != b.is_reverse
    assert proper >= 1950


def test_same_records_for_threads_and_chunks(tmp_path, index_file, pe_bam):
    one = tmp_path / "t1.bam"
    run(
        "align",
        index_file,
        R1,
        R2,
        "-o",
        str(one),
        "-t",
        "1",
        "--chunk-size",
        "333",
        "--no-progress",
        "-R",
        r"@RG\tID:demo\tSM:s1",
    )
    assert records(str(one)) == records(pe_bam)


def test_insert_model_learned_in_pieces_seeds_each_pair_once(index_file):
    """Chunks smaller than the model's sample: the same model as from one chunk, and each
    chunk read to learn it comes back with its own candidates, so mapping seeds no pair twice."""
    from pimalign.mapper.index import load_index
    from pimalign.mapper.params import MapParams
    from pimalign.mapper.pipeline import ChunkMapper, ReadPairs
    from pimalign.mapper.run import learn_insert, pair_stream

    mapper = ChunkMapper(load_index(index_file), MapParams())
    whole, read, _ = learn_insert(mapper, R1, R2)
    seeded = []
    find = mapper.candidates
    mapper.candidates = lambda reads: seeded.append(len(reads.off) - 1) or find(reads)
    model, read_pieces, replay = learn_insert(mapper, R1, R2, stream=pair_stream(R1, R2, 333))
    assert (model, read_pieces) == (whole, read) and read == 2000 and model is not None
    assert seeded == [333] * 12 + [2, 2]  # 2,000 pairs: both ends of each chunk, once
    pieces = list(replay)
    assert [c1.first for c1, _, _ in pieces] == [1 + 333 * x for x in range(7)]
    assert all(pc is not None and pc.first == c1.first for c1, _, pc in pieces)
    seeded.clear()
    for c1, c2, pc in pieces:
        mapper.paired(ReadPairs(c1, c2, R1, R2), model, pc)
    assert seeded == []


def test_sam_to_stdout_and_unsorted_order(index_file):
    proc = run("align", index_file, R1, "-o", "-", "--no-progress")
    lines = [l for l in proc.stdout.splitlines() if not l.startswith("@")]
    assert [l.split("\t")[0] for l in lines] == fastq_names(R1)


def test_cram_and_queryname(tmp_path, index_file):
    cram = tmp_path / "x.cram"
    run("align", index_file, R1, "-o", str(cram), "--no-progress")
    assert os.path.exists(str(cram) + ".crai")
    fasta = tmp_path / "ref.fa"
    with gzip.open(REF, "rt") as src:
        fasta.write_text(src.read())
    with pysam.AlignmentFile(str(cram), reference_filename=str(fasta)) as handle:
        assert sum(1 for _ in handle.fetch(until_eof=True)) == 2000
    qn = tmp_path / "q.bam"
    run("align", index_file, R1, R2, "-o", str(qn), "--sort", "queryname", "--no-progress")
    with pysam.AlignmentFile(str(qn)) as bam:
        assert bam.header.to_dict()["HD"]["SO"] == "queryname"


def test_workload_file(tmp_path, index_file):
    work = tmp_path / "w.tsv.gz"
    out = tmp_path / "o.sam"
    run("align", index_file, R1, "-o", str(out), "--workload", str(work), "--no-progress")
    with gzip.open(work, "rt") as handle:
        header = handle.readline().rstrip("\n").lstrip("#").split("\t")
        rows = [l.rstrip("\n").split("\t") for l in handle]
    assert header == [
        "read",
        "kind",
        "query_len",
        "target_len",
        "band",
        "cells",
        "bits",
        "passes",
        "score",
    ]
    assert len(rows) >= 1900
    cells = np.array([int(r[5]) for r in rows])
    assert (cells >= 1).all()


def test_aligner_api(reference):
    import pimalign

    name, ref = reference
    a = pimalign.Aligner(REF)
    read = ref[5000:5150]
    hits = list(a.map(read))
    assert len(hits) == 1 and hits[0].r_st == 5000 and hits[0].r_en == 5150
    assert hits[0].strand == 1 and hits[0].cigar == "150M" and hits[0].NM == 0
    rc = read[::-1].translate(str.maketrans("ACGT", "TGCA"))
    hit = next(a.map(rc))
    assert hit.strand == -1 and hit.r_st == 5000 and hit.q_st == 0 and hit.q_en == 150
    mutated = read[:70] + read[75:]  # a 5 bp deletion
    hit = next(a.map(mutated))
    assert hit.cigar == "70M5D75M" and hit.NM == 5 and hit.MD == "70^" + read[70:75] + "75"
    assert list(a.map("ACGT" * 5)) == []


@pytest.mark.parametrize(
    "case",
    [
        "short_qual",
        "no_plus",
        "truncated",
        "pair_count",
        "pair_names",
        "not_fastq",
        "empty",
        "bad_char",
    ],
)
def test_bad_reads_exit_1_and_leave_nothing(tmp_path, index_file, case):
    good = "@r1\nACGTACGTAC\n+\nIIIIIIIIII\n"
    text = {
        "short_qual": "@r1\nACGTACGTAC\n+\nIIIII\n",
        "no_plus": "@r1\nACGTACGTAC\nIIIIIIIIII\n@r2\nACGT\n+\nIIII\n",
        "truncated": good + "@r2\nACGTAC\n",
        "not_fastq": "hello\n",
        "empty": "",
        "bad_char": "@r1\nACGTXCGTAC\n+\nIIIIIIIIII\n",
        "pair_count": good,
        "pair_names": good,
    }[case]
    reads = tmp_path / "r.fq"
    reads.write_text(text)
    args = [str(reads)]
    if case == "pair_count":
        (tmp_path / "r2.fq").write_text(good + good.replace("r1", "r2"))
        args.append(str(tmp_path / "r2.fq"))
    if case == "pair_names":
        (tmp_path / "r2.fq").write_text(good.replace("r1", "zz"))
        args.append(str(tmp_path / "r2.fq"))
    out = tmp_path / "out.bam"
    proc = run("align", index_file, *args, "-o", str(out), "--no-progress", check=False)
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr
    assert "r.fq" in last or "r2.fq" in last
    assert not out.exists()
    assert [p for p in os.listdir(tmp_path) if p.startswith(".out")] == []


def test_bad_reference(tmp_path):
    cases = {
        "dup.fa": ">a\nACGT\n>a\nACGT\n",
        "emptyctg.fa": ">a\n>b\nACGT\n",
        "allN.fa": ">a\nNNNN\n",
        "none.fa": "",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        proc = run("index", str(path), "-o", str(tmp_path / "x.pmi"), check=False)
        assert proc.returncode == 1, (name, proc.stderr)
        assert name in proc.stderr and "Traceback" not in proc.stderr
        assert not (tmp_path / "x.pmi").exists()


def test_lowercase_crlf_and_suffixes(tmp_path, index_file, reference):
    _, ref = reference
    read = ref[20000:20150]
    text = (
        f"@x/1\r\n{read.lower()}\r\n+\r\n{'I' * 150}\r\n"
        f"@y/1\r\n{read[:100]}\r\n+\r\n{'I' * 100}\r\n@z\r\n\r\n+\r\n\r\n"
    )
    path = tmp_path / "odd.fq"
    path.write_text(text)
    out = tmp_path / "odd.sam"
    run("align", index_file, str(path), "-o", str(out), "--sort", "none", "--no-progress")
    with pysam.AlignmentFile(str(out)) as sam:
        recs = list(sam.fetch(until_eof=True))
    assert [r.query_name for r in recs] == ["x", "y", "z"]
    assert recs[0].reference_start == 20000 and recs[0].cigarstring == "150M"
    assert recs[1].reference_start == 20000 and recs[2].is_unmapped


def test_text_retry_when_room_is_short(reference):
    """CIGAR/MD longer than their room are recomputed with enough room, never truncated."""
    from pimalign.alphabet import encode_many
    from pimalign.mapper.candidates import choose, name_hashes
    from pimalign.mapper.params import preset
    from pimalign.mapper.pipeline import ChunkMapper, Encoded
    from pimalign.mapper.placement import texts
    from pimalign.mapper.run import open_index

    _, ref = reference
    seqs = [
        ref[9000:9150],
        ref[9000:9040] + "T" + ref[9041:9150],
        ref[30000:30070] + ref[30075:30155],
    ]
    mapper = ChunkMapper(open_index(REF), preset("sr"))
    flat, off = encode_many(seqs)
    c = mapper.candidates(Encoded(flat, off))
    best = choose(c, mapper.p, name_hashes(["a", "b", "c"])).best
    rows = np.arange(3)
    seq = mapper.index.ref.arrays
    roomy = texts(seq, flat, off, c, rows, best, mapper.p)
    tight = texts(seq, flat, off, c, rows, best, mapper.p, room=2)
    assert roomy.cigar == tight.cigar and roomy.md == tight.md
    assert roomy.cigar[2] == "70M5D80M" and roomy.md[2] == "70^" + ref[30070:30075] + "80"


def test_repeat_copies_secondary_and_mapq(tmp_path):
    """A read from a two-copy repeat: MAPQ 0, XS == AS, and one secondary record on request."""
    import random

    import pimalign

    rng = random.Random(3)
    rand = lambda n: "".join(rng.choice("ACGT") for _ in range(n))  # noqa: E731
    repeat = rand(400)
    genome = rand(3000) + repeat + rand(3000) + repeat + rand(3000)
    ref = tmp_path / "rep.fa"
    ref.write_text(">rep\n" + genome + "\n")
    read = repeat[100:250]
    plain = list(pimalign.Aligner(str(ref)).map(read))
    assert len(plain) == 1 and plain[0].mapq == 0 and plain[0].r_st in (3100, 6500)
    hits = list(pimalign.Aligner(str(ref), secondary=1).map(read))
    assert [h.is_primary for h in hits] == [True, False]
    assert sorted(h.r_st for h in hits) == [3100, 6500]
    fq = tmp_path / "r.fq"
    fq.write_text(f"@r\n{read}\n+\n{'I' * 150}\n")
    out = tmp_path / "r.sam"
    run(
        "align",
        str(ref),
        str(fq),
        "-o",
        str(out),
        "--sort",
        "none",
        "--secondary",
        "1",
        "--no-progress",
    )
    with pysam.AlignmentFile(str(out)) as sam:
        recs = list(sam.fetch(until_eof=True))
    assert [r.is_secondary for r in recs] == [False, True]
    assert recs[0].get_tag("AS") == recs[0].get_tag("XS") == 150
    assert recs[1].query_sequence is None and recs[1].mapping_quality == 0
