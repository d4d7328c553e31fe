"""The command line, each run a process of its own: forked off ``tests/clirun.py``'s server, or
a real ``python -m pimalign`` for standard input from a pipe and for ``--help``."""

import gzip
import os
import subprocess
import sys

import clirun
import pytest
import reference as ref
from conftest import DATA


def run(*args, stdin=None):
    if stdin is None:
        return clirun.run(list(args), text=True)
    return run_real(*args, stdin=stdin)


def run_real(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "pimalign", *args], input=stdin, capture_output=True, text=True
    )


def test_editdist_bundled_pairs_path(tmp_path):
    out = tmp_path / "d.tsv"
    res = run(
        "editdist",
        os.path.join(DATA, "pairs_reads_demo.tsv.gz"),
        "--task",
        "path",
        "--workload",
        "-t",
        "2",
        "-o",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "#id\tdistance\tstart\tend\tcigar\tband\tcells\tbits"
    pairs = [
        line.split("\t") for line in gzip.open(os.path.join(DATA, "pairs_reads_demo.tsv.gz"), "rt")
    ]
    assert len(lines) == len(pairs) + 1
    for row, (q, t) in zip(lines[1:60], pairs):
        ident, dist, start, end, cigar, *_ = row.split("\t")
        d, _ = ref.edit_distance_fast(q, t.strip())
        assert int(dist) == d
        assert ref.cigar_cost(q, t.strip(), cigar, int(start))[0] == d


def test_editdist_stdin_three_columns_crlf_and_comments():
    text = "# a comment\r\np1\tACGT\tACGA\r\n\r\np2\tAC\tACGT\r\n"
    res = run("editdist", "-", "--mode", "HW", "--task", "locations", stdin=text)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[1:] == ["p1\t1\t0\t2", "p2\t0\t0\t1"]


def test_editdist_two_fastx_files(tmp_path):
    (tmp_path / "q.fa").write_text(">a\nACGT\n>b\nGGGG\n")
    (tmp_path / "t.fq").write_text("@x\nACGA\n+\nIIII\n@y\nGGG\n+\nIII\n")
    res = run("editdist", str(tmp_path / "q.fa"), str(tmp_path / "t.fq"), "-k", "3")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[1:] == ["a\t1", "b\t1"]


@pytest.mark.parametrize(
    "content,message",
    [
        ("ACGT\tACXT\n", "line 1: invalid character 'X' at position 2"),
        ("ACGT\n", "line 1: expected 2 or 3 tab-separated columns, found 1"),
        ("AC\tAC\nA\tB\tC\tD\n", "line 2: expected 2 or 3"),
    ],
)
def test_editdist_bad_tsv_one_line_exit_1_no_output(tmp_path, content, message):
    src = tmp_path / "pairs.tsv"
    src.write_text(content)
    out = tmp_path / "out.tsv"
    res = run("editdist", str(src), "-o", str(out))
    assert res.returncode == 1
    assert message in res.stderr and str(src) in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists() and os.listdir(tmp_path) == ["pairs.tsv"]


def test_editdist_fastx_count_mismatch(tmp_path):
    (tmp_path / "q.fa").write_text(">a\nACGT\n>b\nGGGG\n")
    (tmp_path / "t.fa").write_text(">x\nACGA\n")
    res = run("editdist", str(tmp_path / "q.fa"), str(tmp_path / "t.fa"))
    assert res.returncode == 1 and "fewer records" in res.stderr


def test_editdist_not_gzip_and_missing_file(tmp_path):
    bad = tmp_path / "p.tsv.gz"
    bad.write_text("ACGT\tACGT\n")
    res = run("editdist", str(bad))
    assert res.returncode == 1 and "not gzip-compressed" in res.stderr
    res = run("editdist", str(tmp_path / "nope.tsv"))
    assert res.returncode == 1 and "no such file" in res.stderr


def test_usage_errors_exit_2():
    assert run("editdist").returncode == 2
    assert run("editdist", "x.tsv", "--mode", "XX").returncode == 2
    assert run("frobnicate").returncode == 2
    res = run_real("editdist", "--help")
    assert res.returncode == 0 and "(default: NW)" in res.stdout
