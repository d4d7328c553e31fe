"""Outputs and their neighbours: special files, side files, leftovers, identical bytes, full
disks, standard streams (issue 14). Every command runs as a process of its own: forked off
``tests/clirun.py``'s server, or a real ``python -m pimalign`` when standard input is a pipe or
the run needs a prefix (a tmpfs in a mount namespace)."""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import subprocess
import sys
import threading

import clirun
import pysam
import pytest
from conftest import DATA

REF = os.path.join(DATA, "demo_ref.fa.gz")
R1 = os.path.join(DATA, "demo_R1.fq.gz")
R2 = os.path.join(DATA, "demo_R2.fq.gz")
PAIRS = os.path.join(DATA, "pairs_reads_demo.tsv.gz")
PIMALIGN = [sys.executable, "-m", "pimalign"]


def run(*args, stdin=None, check=True):
    args = [str(a) for a in args]
    if stdin is None:
        proc = clirun.run(args)
    else:
        proc = subprocess.run(PIMALIGN + args, input=stdin, capture_output=True)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr.decode())
    return proc


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    path = tmp_path_factory.mktemp("idx") / "demo.pmi"
    run("index", REF, "-o", path)
    return str(path)


def test_dev_null_is_written_into_not_replaced(index, tmp_path):
    """Outputs that are special files (a device, a FIFO) are written in place: /dev/null stays
    a character device (as root a rename would have replaced it)."""
    before = os.stat("/dev/null")
    run("editdist", PAIRS, "-o", "/dev/null")
    run(
        "align",
        "--no-progress",
        index,
        R1,
        "-o",
        str(tmp_path / "o.bam"),
        "--workload",
        "/dev/null",
    )
    run(
        "pim",
        "estimate",
        "--repeats",
        "1",
        "--pairs",
        PAIRS,
        "--limit",
        "50",
        "--json",
        "/dev/null",
    )
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_fifo_output_receives_the_data(tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    run("editdist", PAIRS, "-o", fifo)
    reader.join(timeout=60)
    assert got and got[0].startswith(b"#id\tdistance") and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_unsorted_bam_over_a_sorted_one_drops_its_stale_index(index, tmp_path):
    out = tmp_path / "o.bam"
    run("align", "--no-progress", index, R1, "-o", out)
    assert (tmp_path / "o.bam.bai").exists()
    run("align", "--no-progress", index, R1, "-o", out, "--sort", "none")
    assert not (tmp_path / "o.bam.bai").exists()
    run("align", "--no-progress", index, R1, "-o", out)
    with pysam.AlignmentFile(str(out)) as bam:  # the new index describes the new file
        assert bam.count("ecoli536_1000001_1300000", 0, 300_000) == bam.mapped > 1900


def test_a_later_run_clears_temporaries_of_a_killed_one(index, tmp_path):
    """SIGKILL leaves .NAME.pimalign-PID-*.tmp files; the next run writing NAME deletes those
    whose process is gone, and leaves a live process's alone."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    stale = tmp_path / f".o.bam.pimalign-{dead}-0badf00d.tmp.sam"
    live = tmp_path / f".o.bam.pimalign-{os.getpid()}-0badf00d.tmp.sam"
    other = tmp_path / f".p.bam.pimalign-{dead}-0badf00d.tmp.sam"
    for path in (stale, live, other):
        path.write_text("@HD\tVN:1.6\n")
    run("align", "--no-progress", index, R1, "-o", tmp_path / "o.bam")
    assert not stale.exists() and live.exists() and other.exists()


def test_identical_runs_write_identical_bytes(index, tmp_path):
    """samtools adds no @PG line naming temporary files: the same input and options give the
    same BAM, byte for byte."""
    digests = []
    out = tmp_path / "o.bam"
    for _ in range(2):
        run("align", "--no-progress", index, R1, R2, "-o", out)
        digests.append((out.read_bytes(), (tmp_path / "o.bam.bai").read_bytes()))
    assert digests[0] == digests[1]


def test_many_threads_are_capped_for_sorting(index, tmp_path):
    run("align", "--no-progress", "-t", "1000", index, R1, "-o", tmp_path / "o.bam")
    assert (tmp_path / "o.bam.bai").exists()


def test_gzip_reads_on_standard_input(index, tmp_path):
    with open(R1, "rb") as handle:
        run("align", "--no-progress", index, "-", "-o", tmp_path / "o.sam", stdin=handle.read())
    with pysam.AlignmentFile(str(tmp_path / "o.sam")) as sam:
        assert sum(1 for _ in sam.fetch(until_eof=True)) == 2000


def test_workload_on_standard_output(index, tmp_path):
    proc = run("align", "--no-progress", index, R1, "-o", tmp_path / "o.bam", "--workload", "-")
    lines = proc.stdout.decode().splitlines()
    assert lines[0].startswith("#read\tkind") and len(lines) > 1900
    assert not (tmp_path / "-").exists()


def test_cram_reads_back_without_the_reference(index, tmp_path):
    out = tmp_path / "o.cram"
    run("align", "--no-progress", index, R1, "-o", out)
    assert (tmp_path / "o.cram.crai").exists()
    with pysam.AlignmentFile(str(out), "rc") as cram:  # no reference_filename: embedded
        records = list(cram.fetch(until_eof=True))
    assert len(records) == 2000 and all(r.query_sequence for r in records)


def _tmpfs_prefix(folder, size_kb: int) -> list[str] | None:
    """A command prefix running in a mount namespace where ``folder`` is a tmpfs of
    ``size_kb``, or None where that cannot be had (not root, no unshare)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return None
    script = 'mount -t tmpfs -o size="$1"k tmpfs "$0" && shift && exec "$@"'
    prefix = ["unshare", "--mount", "sh", "-c", script, str(folder), str(size_kb)]
    probe = subprocess.run(prefix + ["true"], capture_output=True)
    return prefix if probe.returncode == 0 else None


@pytest.mark.parametrize("where", ["sam", "sort"])
def test_full_disk_is_one_line_naming_the_output(index, tmp_path, where):
    """A full disk while writing the SAM text, or while samtools sorts: exit 1, one line
    naming the output and the cause, and (seen from inside the full folder) nothing left."""
    out = tmp_path / "out"
    out.mkdir()
    if where == "sam":
        size = 128
    else:  # room for the SAM text but not for it and the sorted BAM
        run("align", "--no-progress", index, R1, R2, "-o", tmp_path / "probe.sam", "--sort", "none")
        size = os.path.getsize(tmp_path / "probe.sam") // 1024 + 48
    prefix = _tmpfs_prefix(out, size)
    if prefix is None:
        pytest.skip("needs root and unshare to make a small tmpfs")
    check = f'"$@"; code=$?; ls -A "{out}" >&2; exit $code'
    proc = subprocess.run(
        prefix
        + ["sh", "-c", check, "sh"]
        + PIMALIGN
        + ["align", "--no-progress", index, R1, R2, "-o", str(out / "o.bam")],
        capture_output=True,
        text=True,
    )
    lines = [x for x in proc.stderr.splitlines() if x.strip() and not x.startswith("[pimalign]")]
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines == [
        f"pimalign align: error: {out / 'o.bam'}: "
        + (
            "No space left on device"
            if where == "sam"
            else "writing failed: no space left on device"
        )
    ], proc.stderr


def test_empty_gzip_on_stdin_is_named(index, tmp_path):
    proc = run(
        "align",
        "--no-progress",
        index,
        "-",
        "-o",
        tmp_path / "o.bam",
        stdin=gzip.compress(b""),
        check=False,
    )
    assert proc.returncode == 1 and b"-: contains no records" in proc.stderr
