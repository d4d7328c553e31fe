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
