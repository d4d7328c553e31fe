"""Memory is bounded by the input's useful size (issue #31): a line bound before parsing reads,
and a traceback cap on every editdist task that keeps one (CIGARs, HW starts). Commands run in
this process (``cli.main``)."""

from __future__ import annotations

import os

import pytest
from conftest import DATA

import pimalign.io.reads as reads_module
from pimalign.cli.main import main

REF = os.path.join(DATA, "demo_ref.fa.gz")


def _one_error(argv, capsys, folder) -> str:
    capsys.readouterr()
    assert main(argv) == 1
    lines = [x for x in capsys.readouterr().err.splitlines() if not x.startswith("[pimalign]")]
    assert len(lines) == 1 and " error: " in lines[0], lines
    assert [x for x in os.listdir(folder) if x.startswith((".o", "o."))] == []
    return lines[0]


def test_dev_zero_as_reads_fails_after_the_line_bound(capsys, tmp_path):
    line = _one_error(["align", REF, "/dev/zero", "-o", str(tmp_path / "o.bam")], capsys, tmp_path)
    assert "/dev/zero: line 1 is longer than 64 MiB" in line


@pytest.mark.parametrize(
    "name,text,where",
    [
        ("long.fq", "@r1\n" + "A" * 5000 + "\n+\n" + "I" * 5000 + "\n", "record 1: the record"),
        ("long.fa", ">r1\n" + "ACGT" * 1500 + "\n", "line 2"),
        ("multi.fa", ">r0\nACGT\n>r1\n" + ("ACGT" * 20 + "\n") * 100, "record 2: the sequence"),
        ("nul.fq", "\0" * 9000, "line 1"),
        ("late.fq", "@r0\nACGT\n+\nIIII\n@r1\n" + "C" * 9000, "record 2: the record"),
    ],
)
def test_lines_and_records_past_the_bound(name, text, where, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(reads_module, "LINE_MAX", 4096)
    monkeypatch.setattr(reads_module, "BLOCK", 1024)
    path = tmp_path / name
    path.write_text(text)
    argv = ["align", REF, str(path), "-o", str(tmp_path / "o.bam"), "--no-progress"]
    line = _one_error(argv, capsys, tmp_path)
    assert where in line and "longer than 0 MiB" in line, line


def test_reads_under_the_bound_still_parse(monkeypatch):
    monkeypatch.setattr(reads_module, "LINE_MAX", 4096)
    monkeypatch.setattr(reads_module, "BLOCK", 1024)
    import gzip

    path = os.path.join(DATA, "demo_R1.fq.gz")
    chunks = list(reads_module.read_chunks(path, 500))
    with gzip.open(path, "rt") as handle:
        assert sum(len(c) for c in chunks) == sum(1 for _ in handle) // 4


def test_hw_locations_traceback_is_capped(monkeypatch, capsys, tmp_path):
    """HW starts read a traceback: a pair needing more than PATH_MEMORY is one error line."""
    import random

    import pimalign.editdist.api as api

    monkeypatch.setattr(api, "PATH_MEMORY", 1 << 16)
    rng = random.Random(31)
    for name in "qt":
        seq = "".join(rng.choice("ACGT") for _ in range(2000))
        (tmp_path / f"{name}.fa").write_text(f">{name}\n{seq}\n")
    out = str(tmp_path / "o.tsv")
    argv = ["editdist", str(tmp_path / "q.fa"), str(tmp_path / "t.fa"), "--mode", "HW", "-o", out]
    line = _one_error(argv + ["--task", "locations"], capsys, tmp_path)
    assert "its start needs a traceback" in line and "--task distance" in line
    assert main(argv + ["--task", "distance"]) == 0


def _naive_runs(seq: str) -> list:
    """``(start, end)`` of the runs of N in ``seq`` (the contigs joined), the slow way."""
    runs, i = [], 0
    while i < len(seq):
        if seq[i] == "N":
            j = i
            while j < len(seq) and seq[j] == "N":
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def test_n_runs_are_counted_before_room_is_made(tmp_path):
    """N runs (IUPAC codes count as N) equal the slow way's, contig ends merged; the arrays
    are sized by the runs found, not by the worst case of every other base an N."""
    import random

    from pimalign.mapper.reference import read_reference

    rng = random.Random(5)
    contigs = []
    for c in range(6):
        parts = [
            rng.choice(["ACGT" * rng.randint(1, 30), "N" * rng.randint(1, 9), "RY"])
            for _ in range(200)
        ]
        contigs.append("".join(parts) + ("N" if c == 2 else ""))
    contigs[3] = "N" + contigs[3]
    fasta = tmp_path / "r.fa"
    fasta.write_text("".join(f">c{c}\n{s}\n" for c, s in enumerate(contigs)))
    ref = read_reference(str(fasta))
    joined = "".join(contigs).replace("R", "N").replace("Y", "N")
    assert list(zip(ref.n_start.tolist(), ref.n_end.tolist())) == _naive_runs(joined)
    (tmp_path / "alt.fa").write_text(">a\n" + "AN" * 200_000 + "\n")
    alt = read_reference(str(tmp_path / "alt.fa"))
    assert alt.n_start.shape[0] == 200_000
