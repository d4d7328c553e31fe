"""No output path may equal or shadow an input, side files included, and a BAM and its index
are replaced so that no failure pairs a new BAM with an old index (issue #31). Commands run in
this process (``cli.main``) on 100 reads of the bundled data."""

from __future__ import annotations

import gzip
import hashlib
import json
import os

import pytest
from conftest import DATA

from pimalign.cli.main import main

REF = os.path.join(DATA, "demo_ref.fa.gz")


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("paths") / "demo.pmi")
    assert main(["index", REF, "-o", path]) == 0
    return path


@pytest.fixture
def reads(tmp_path):
    with gzip.open(os.path.join(DATA, "demo_R1.fq.gz"), "rt") as src:
        text = "".join(src.readline() for _ in range(400))
    path = tmp_path / "r.fq"
    path.write_text(text)
    return str(path)


def _digests(folder) -> dict:
    return {
        name: hashlib.sha256(open(os.path.join(folder, name), "rb").read()).hexdigest()
        for name in sorted(os.listdir(folder))
    }


def _error(argv, capsys, folder) -> tuple[int, str]:
    """Exit code and the one error line; nothing in ``folder`` changed."""
    before = _digests(folder)
    capsys.readouterr()
    code = main(argv)
    lines = [x for x in capsys.readouterr().err.splitlines() if not x.startswith("[pimalign]")]
    assert len(lines) == 1 and " error: " in lines[0], lines
    assert _digests(folder) == before
    return code, lines[0]


@pytest.mark.parametrize(
    "reads_name,output",
    [("out.bam.bai", "out.bam"), ("out.bam.csi", "out.bam"), ("o.cram.crai", "o.cram")],
)
def test_reads_named_as_the_outputs_index(index, reads, reads_name, output, capsys, tmp_path):
    shadow = str(tmp_path / reads_name)
    os.rename(reads, shadow)
    argv = ["align", index, shadow, "-o", str(tmp_path / output), "--no-progress"]
    code, line = _error(argv, capsys, tmp_path)
    assert code == 1 and "is an input" in line
    argv = ["align", index, shadow, "-o", str(tmp_path / output), "--no-progress", "--sort", "none"]
    assert _error(argv, capsys, tmp_path)[0] == 1  # (an unsorted BAM removes the old .bai)


def test_reads_linked_as_the_outputs_index(index, reads, capsys, tmp_path):
    os.symlink(reads, tmp_path / "o.bam.bai")
    argv = ["align", index, reads, "-o", str(tmp_path / "o.bam"), "--no-progress"]
    assert _error(argv, capsys, tmp_path)[0] == 1


@pytest.mark.parametrize("workload", ["x.bam.bai", "x.bam.csi", "x.bam"])
def test_workload_on_the_output_or_its_index(index, reads, workload, capsys, tmp_path):
    argv = ["align", index, reads, "-o", str(tmp_path / "x.bam"), "--no-progress"]
    code, line = _error(argv + ["--workload", str(tmp_path / workload)], capsys, tmp_path)
    assert code == 2 and "--workload" in line


def test_index_output_on_its_reference(capsys, tmp_path):
    ref = tmp_path / "ref.fa"
    ref.write_text(">c\n" + "ACGTTGCA" * 50 + "\n")
    assert _error(["index", str(ref), "-o", str(ref)], capsys, tmp_path)[0] == 1


def test_failed_index_rename_never_pairs_a_new_bam_with_the_old_index(
    index, reads, monkeypatch, tmp_path
):
    """The old .bai goes before the new BAM is renamed in; the new .bai comes after it."""
    import pimalign.io.sam as sam

    out = str(tmp_path / "o.bam")
    argv = ["align", index, reads, "-o", out, "--no-progress"]
    assert main(argv) == 0
    assert os.path.exists(out + ".bai")
    real = sam.commit

    def failing(tmp, path):
        if path.endswith(".bai"):
            raise OSError(13, "Permission denied", path)
        real(tmp, path)

    monkeypatch.setattr(sam, "commit", failing)
    assert main(argv) == 1
    assert not os.path.exists(out + ".bai")  # the new BAM stands alone, never with a stale .bai
    assert sorted(os.listdir(tmp_path)) == ["o.bam", "r.fq"]


# ---- reproducible, well-formed outputs -----------------------------------------------------------

PAIRS = os.path.join(DATA, "pairs_reads_demo.tsv.gz")


def _gzip_header_is_bare(data: bytes) -> bool:
    """gzip magic, no FNAME flag, mtime 0 (``gzip -n``)."""
    return data[:2] == b"\x1f\x8b" and data[3] & 0x08 == 0 and data[4:8] == b"\0\0\0\0"


def test_editdist_gz_output_is_reproducible_gzip_that_pim_reads(tmp_path):
    out = str(tmp_path / "w.tsv.gz")
    assert main(["editdist", PAIRS, "--workload", "-o", out]) == 0
    first = open(out, "rb").read()
    assert _gzip_header_is_bare(first)
    assert gzip.decompress(first).startswith(b"#id\tdistance\tband")
    assert main(["editdist", PAIRS, "--workload", "-o", out]) == 0
    assert open(out, "rb").read() == first
    report = str(tmp_path / "e.json")
    assert main(["pim", "estimate", "--workload", out, "--repeats", "1", "--json", report]) == 0


def _strict(text: str):
    def refuse(name):
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_pim_json_is_strict_json(tmp_path, capsys):
    report = str(tmp_path / "e.json")
    argv = ["pim", "estimate", "--pairs", PAIRS, "--repeats", "1", "--json", report]
    assert main(argv) == 0
    data = _strict(open(report).read())
    assert "steady_state_power_bound" in json.dumps(data)
    capsys.readouterr()
    assert main(["pim", "ops", "--bits", "16", "--json"]) == 0
    _strict(capsys.readouterr().out)


def test_finite_turns_non_finite_numbers_into_null():
    import numpy as np

    from pimalign.cli.pim import finite

    value = {
        "a": float("inf"),
        "b": [np.float64("nan"), np.int64(3)],
        "c": np.array([1.5, -np.inf]),
    }
    assert finite(value) == {"a": None, "b": [None, 3], "c": [1.5, None]}


def test_workload_gz_and_cram_name_no_temporary_file(index, reads, tmp_path):
    work = str(tmp_path / "w.tsv.gz")
    argv = ["align", index, reads, "-o", str(tmp_path / "o.cram"), "--no-progress"]
    assert main(argv + ["--workload", work]) == 0
    first = open(work, "rb").read()
    assert _gzip_header_is_bare(first)
    assert main(argv + ["--workload", work]) == 0
    assert open(work, "rb").read() == first
    import pysam

    with pysam.AlignmentFile(str(tmp_path / "o.cram"), "rc") as cram:
        header = str(cram.header)
        assert sum(1 for _ in cram.fetch(until_eof=True)) == 100
    assert "@SQ" in header and "UR:" not in header and ".tmp" not in header


def test_cram_bytes_follow_the_inputs_only(index, reads, tmp_path):
    """The same reads give the same CRAM and .crai, byte for byte, whatever the thread count
    and the output's folder (in this process ``@PG CL`` is the same): htslib's file id (the
    path it wrote, a temporary one) becomes the output's name, and the header's padding
    (sized by a header naming the temporary reference) no longer depends on any path."""
    outs = []
    for folder, threads in (("a", "1"), ("a-folder-with-a-much-longer-name", "2")):
        (tmp_path / folder).mkdir()
        out = str(tmp_path / folder / "o.cram")
        assert main(["align", index, reads, "-o", out, "-t", threads, "--no-progress"]) == 0
        outs.append((open(out, "rb").read(), open(out + ".crai", "rb").read()))
    assert outs[0] == outs[1]
    assert outs[0][0][:26] == b"CRAM\x03\x00" + b"o.cram".ljust(20, b"\0")


def _itf8(b: bytes, p: int) -> tuple[int, int]:
    """CRAM's ITF-8 integer at ``p``: ``(value, next position)``."""
    n = next((x for x in range(4) if not b[p] & (0x80 >> x)), 4)  # leading ones: more bytes
    value = b[p] & (0xFF >> (n + 1)) if n < 4 else b[p] & 0x0F
    for x in range(1, n + 1):
        value = (value << (4 if x == 4 else 8)) | (b[p + x] & (0x0F if x == 4 else 0xFF))
    return value - (1 << 32) * (n == 4 and value >= 1 << 31), p + n + 1


def _ltf8(b: bytes, p: int) -> tuple[int, int]:
    n = next((x for x in range(8) if not b[p] & (0x80 >> x)), 8)
    value = b[p] & (0xFF >> (n + 1)) if n < 8 else 0
    for x in range(1, n + 1):
        value = (value << 8) | b[p + x]
    return value, p + n + 1


def _slice_md5s(path: str) -> list:
    """``(contig index, 1-based start, span, MD5 hex)`` of each slice of a CRAM 3: the MD5 of
    the reference bases the slice was encoded against (CRAM spec, slice header)."""
    b, p, out = open(path, "rb").read(), 26, []
    while p < len(b):
        length = int.from_bytes(b[p : p + 4], "little")
        ref, q = _itf8(b, p + 4)
        for _ in range(3):
            _, q = _itf8(b, q)
        for _ in range(2):
            _, q = _ltf8(b, q)
        _, q = _itf8(b, q)
        count, q = _itf8(b, q)
        landmarks = []
        for _ in range(count):
            mark, q = _itf8(b, q)
            landmarks.append(mark)
        data = q + 4  # after the container header's CRC32
        if ref >= 0 and p > 26:  # (the first container holds the SAM header)
            for mark in landmarks:
                r = data + mark + 2  # a slice header block: method, content type, then...
                for _ in range(3):  # content id, sizes
                    _, r = _itf8(b, r)
                contig, r = _itf8(b, r)
                start, r = _itf8(b, r)
                span, r = _itf8(b, r)
                _, r = _itf8(b, r)
                _, r = _ltf8(b, r)
                _, r = _itf8(b, r)
                blocks, r = _itf8(b, r)
                for _ in range(blocks):
                    _, r = _itf8(b, r)
                _, r = _itf8(b, r)  # embedded reference block's content id
                out.append((contig, start, span, b[r : r + 16].hex()))
        p = data + length
    return out


IUPAC_AT = {300: "R", 301: "Y", 900: "K", 1500: "M", 2100: "S", 2101: "W", 2700: "U"}


@pytest.fixture(scope="module")
def iupac(tmp_path_factory):
    """A seeded two-contig FASTA with IUPAC codes (R Y K M S W U), a lowercase stretch and an
    N, its true uppercase sequences, its index and 120 reads drawn from it (ambiguity codes
    resolved at random), some across each code."""
    import random

    rng = random.Random(31)
    folder = tmp_path_factory.mktemp("iupac")
    first = [rng.choice("ACGT") for _ in range(3000)]
    for at, code in IUPAC_AT.items():
        first[at] = code
    first[1200] = "N"
    first = "".join(first[:1800]) + "".join(first[1800:2000]).lower() + "".join(first[2000:])
    seqs = {"chrA": first, "chrB": "".join(rng.choice("ACGT") for _ in range(2000))}
    fasta = folder / "ref.fa"
    with open(fasta, "w") as out:
        for name, seq in seqs.items():
            out.write(f">{name} a description\n")
            out.write("".join(seq[x : x + 70] + "\n" for x in range(0, len(seq), 70)))
    starts = [at - rng.randrange(10, 90) for at in IUPAC_AT for _ in range(4)]
    starts += [rng.randrange(0, 2900) for _ in range(92)]
    comp = str.maketrans("ACGT", "TGCA")
    with open(folder / "r.fq", "w") as out:
        for x, start in enumerate(starts):
            name = "chrA" if x < 100 else "chrB"
            read = "".join(
                c if c in "ACGT" else rng.choice("ACGT")
                for c in seqs[name][start : start + 100].upper()
            )
            if x % 2:
                read = read.translate(comp)[::-1]
            out.write(f"@r{x}\n{read}\n+\n{'I' * len(read)}\n")
    assert main(["index", str(fasta), "-o", str(folder / "ref.pmi")]) == 0
    return folder, {name: seq.upper() for name, seq in seqs.items()}


def _records(path: str, reference: str | None = None) -> list:
    import pysam

    with pysam.AlignmentFile(path, reference_filename=reference) as aln:
        rows = [
            (r.query_name, r.flag, r.reference_name, r.reference_start, r.cigarstring)
            + (r.query_sequence, r.get_tag("NM") if r.has_tag("NM") else None)
            for r in aln.fetch(until_eof=True)
        ]
    return sorted(rows, key=str)


def test_cram_m5_is_samtools_dicts_and_the_cram_decodes_with_the_fasta(iupac, tmp_path):
    """``@SQ M5`` is what ``samtools dict`` computes (uppercase, IUPAC codes kept), from the
    FASTA and from its index; each slice was encoded against those bases (its MD5), so the
    CRAM decoded with the user's FASTA gives the SAM output's records. FASTA and index give
    the same bytes."""
    import re

    import pysam

    folder, seqs = iupac
    fasta, reads = str(folder / "ref.fa"), str(folder / "r.fq")
    dict_m5 = dict(re.findall(r"SN:(\S+)\tLN:\d+\tM5:(\w+)", pysam.dict(fasta)))
    assert dict_m5 == {n: hashlib.md5(s.encode()).hexdigest() for n, s in seqs.items()}
    sam = str(tmp_path / "o.sam")
    assert main(["align", fasta, reads, "-o", sam, "--no-progress"]) == 0
    crams = []
    for source, ref in (("fasta", fasta), ("index", str(folder / "ref.pmi"))):
        (tmp_path / source).mkdir()
        out = str(tmp_path / source / "o.cram")
        assert main(["align", ref, reads, "-o", out, "--no-progress"]) == 0
        with pysam.AlignmentFile(out, "rc") as cram:
            assert {sq["SN"]: sq["M5"] for sq in cram.header.to_dict()["SQ"]} == dict_m5
        crams.append(open(out, "rb").read())
    assert crams[0] == crams[1]
    slices = _slice_md5s(str(tmp_path / "fasta" / "o.cram"))
    names = list(seqs)
    assert slices and any(start <= 301 < start + span for _, start, span, _ in slices)
    for contig, start, span, md5 in slices:
        bases = seqs[names[contig]][start - 1 : start - 1 + span]
        assert md5 == hashlib.md5(bases.encode()).hexdigest()
    expected = _records(sam)
    assert len(expected) == 120
    assert _records(str(tmp_path / "fasta" / "o.cram"), fasta) == expected


def test_cram_from_an_index_without_iupac_letters_is_refused(iupac, capsys, tmp_path):
    """An index of an earlier pimalign (no ``iupac`` in its header) cannot name the FASTA's
    own sequence: CRAM is one usage error (exit 2) and writes nothing; BAM still works."""
    from pimalign.mapper.index import build_index, save_index

    folder, _ = iupac
    index = build_index(str(folder / "ref.fa"))
    index.ref.iupac_pos = index.ref.iupac_letters = index.ref.iupac_bases = None
    old = str(tmp_path / "old.pmi")
    save_index(index, old)
    assert b'"iupac"' not in open(old, "rb").read(4096)
    argv = ["align", old, str(folder / "r.fq"), "--no-progress", "-o"]
    code, line = _error(argv + [str(tmp_path / "o.cram")], capsys, tmp_path)
    assert code == 2 and "IUPAC" in line and "pimalign index" in line
    assert main(argv + [str(tmp_path / "o.bam")]) == 0


def test_cram_of_a_reference_with_too_many_iupac_codes_is_refused(
    iupac, monkeypatch, capsys, tmp_path
):
    """Beyond IUPAC_KEEP letters an index keeps their count only: CRAM (from the FASTA or
    the index) is one usage error naming the count; the index loads and maps to BAM."""
    import pimalign.mapper.indexcheck as indexcheck
    import pimalign.mapper.reference as reference
    import pimalign.mapper.run as run

    for module in (reference, indexcheck, run):
        monkeypatch.setattr(module, "IUPAC_KEEP", 3)
    folder, _ = iupac
    pmi = str(tmp_path / "many.pmi")
    assert main(["index", str(folder / "ref.fa"), "-o", pmi]) == 0
    assert b'"iupac": {"bases": 7, "runs": null}' in open(pmi, "rb").read(4096)
    os.rename(pmi, str(folder / "many.pmi"))  # (tmp_path must stay empty for _error)
    for ref in (str(folder / "ref.fa"), str(folder / "many.pmi")):
        argv = ["align", ref, str(folder / "r.fq"), "--no-progress", "-o"]
        code, line = _error(argv + [str(tmp_path / "o.cram")], capsys, tmp_path)
        assert code == 2 and "holds 7 (more than the 3 pimalign keeps)" in line
    assert main(argv + [str(tmp_path / "o.bam")]) == 0


# ---- genome-size limits and leftovers ------------------------------------------------------------


def test_contig_longer_than_2_29_gets_a_csi_index(tmp_path):
    """A .bai cannot hold positions past 2^29: such a BAM is indexed with CSI (.csi)."""
    import pysam

    from pimalign.io.sam import SamSink

    out = str(tmp_path / "big.bam")
    header = "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:600000000\n@SQ\tSN:chr2\tLN:1000\n"
    lines = [
        f"r{x}\t0\tchr1\t{pos}\t60\t4M\t*\t0\t0\tACGT\tIIII\n"
        for x, pos in enumerate((560_000_000, 100, 550_000_001))
    ]
    with SamSink(out, header) as sink:
        sink.write(lines)
        written = sink.finish("coordinate", 1)
    assert written == [out, out + ".csi"] and not os.path.exists(out + ".bai")
    with pysam.AlignmentFile(out) as bam:
        assert [r.query_name for r in bam.fetch("chr1", 549_999_000, 600_000_000)] == ["r2", "r0"]


def test_reference_without_a_minimizer_is_a_clean_error(capsys, tmp_path):
    ref = tmp_path / "tiny.fa"
    ref.write_text(">c\nACGTACGTACGTACG\n")
    _, line = _error(["index", str(ref), "-o", str(tmp_path / "t.pmi")], capsys, tmp_path)
    assert "no minimizer" in line


def test_pim_estimate_reads_removes_its_folder(tmp_path, monkeypatch, reads):
    """The BAM of ``pim estimate --reads`` lives in a registered temporary folder: an
    interrupt's handler (``remove_live_temps``) and a failure both delete it."""
    import pimalign.io.atomic as atomic
    import pimalign.pim.from_alignments as fa

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    seen = []

    def stop(*args, **kwargs):
        seen.extend(p for p in atomic._LIVE_TEMPS if "pimalign-pim-" in p)
        atomic.remove_live_temps()  # what SIGINT's handler does before os._exit
        raise KeyboardInterrupt

    monkeypatch.setattr(fa, "pairs_from_bam", stop)
    with pytest.raises(KeyboardInterrupt):
        fa.pairs_from_reads(reads, None, REF, threads=1)
    assert seen and not any(os.path.exists(p) for p in seen)
    assert [x for x in os.listdir(tmp_path) if x.startswith("pimalign-pim-")] == []
