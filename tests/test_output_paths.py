"""No output path may equal or shadow an input, side files included, and a BAM and its index
are replaced so that no failure pairs a new BAM with an old index (issue #31). Commands run in
this process (``cli.main``) on 100 reads of the bundled data."""

from __future__ import annotations

import gzip
import hashlib
import os

import pytest
from conftest import DATA

from pimalign.cli import main

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
