"""The fork server of the tests (``tests/clirun.py``) gives what a real ``python -m pimalign``
gives: exit code, stdout and stderr (less the timing line), files, folder and umask."""

import os
import re
import stat
import subprocess

import clirun
import pytest


def _real(args, **kwargs):
    return subprocess.run(clirun.PIMALIGN + args, capture_output=True, **kwargs)


def _same(a, b) -> tuple:
    def text(data):
        return re.sub(rb"Real time: [^\n]*", b"REAL", data)

    return (a.returncode, a.stdout, text(a.stderr)), (b.returncode, b.stdout, text(b.stderr))


@pytest.mark.parametrize(
    "args,stdin",
    [
        (["editdist", "-", "--mode", "HW", "--task", "locations"], b"p1\tACGT\tACGA\r\n"),
        (["editdist", "-", "--mode", "XX"], b"p1\tACGT\tACGA\n"),  # argparse: SystemExit(2)
        (["align", "no_such.pmi", "no_such.fq"], None),  # bad input: exit 1
        (["bogus"], None),  # argparse: the usage, exit 2
    ],
)
def test_same_as_a_real_process(args, stdin):
    forked, real = _same(clirun.run(args, input=stdin), _real(args, input=stdin))
    assert forked == real


def test_text_as_subprocess():
    """``text=True``: decoded and with universal newlines, as ``subprocess.run`` gives them."""
    args = ["editdist", "-", "--mode", "HW", "--task", "locations"]
    text = "p1\tACGT\tACGA\r\n"
    forked, real = clirun.run(args, input=text, text=True), _real(args, input=text, text=True)
    assert (forked.returncode, forked.stdout) == (real.returncode, real.stdout)
    assert isinstance(forked.stderr, str) and forked.stderr.count("\n") == real.stderr.count("\n")


def test_folder_umask_and_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "pairs.tsv").write_text("p1\tACGT\tACGA\n")
    old = os.umask(0o027)
    try:
        forked = clirun.run(["editdist", "../pairs.tsv", "-o", "d.tsv"], cwd=tmp_path / "a")
        real = _real(["editdist", "../pairs.tsv", "-o", "d.tsv"], cwd=tmp_path / "b")
    finally:
        os.umask(old)
    mine, theirs = _same(forked, real)
    assert mine == theirs
    a, b = tmp_path / "a" / "d.tsv", tmp_path / "b" / "d.tsv"
    assert a.read_bytes() == b.read_bytes()
    assert stat.S_IMODE(a.stat().st_mode) == stat.S_IMODE(b.stat().st_mode) == 0o640


def test_uncaught_exception_is_the_interpreters(tmp_path):
    """--debug lets the exception out of ``main``: the interpreter prints the traceback, exit 1."""
    (tmp_path / "bad.tsv").write_text("p1\tACGT\n")
    args = ["--debug", "editdist", str(tmp_path / "bad.tsv")]
    forked, real = clirun.run(args), _real(args)
    assert forked.returncode == real.returncode == 1
    assert b"Traceback (most recent call last)" in forked.stderr
    assert forked.stderr.splitlines()[-1] == real.stderr.splitlines()[-1]
