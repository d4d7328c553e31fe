"""Atomic outputs (``io/atomic.py``) in-process: a file appears under its name complete or not
at all, whatever ends the block (an error, Ctrl-C's KeyboardInterrupt, ``sys.exit``), and the
signal handler's registry always names every temporary file still on disk."""

from __future__ import annotations

import os

import pytest

import pimalign.io.atomic as atomic
from pimalign.io.atomic import (
    atomic_output,
    atomic_outputs,
    check_output_path,
    clear_stale_temps,
    make_temp,
)
from pimalign.io.errors import InputError


def leftovers(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if ".pimalign-" in name)


@pytest.mark.parametrize("stop", [RuntimeError("boom"), KeyboardInterrupt(), SystemExit(3)])
def test_an_interrupted_block_leaves_neither_output_nor_temporary(tmp_path, stop):
    out = tmp_path / "x.bam"
    out.write_bytes(b"old")
    with pytest.raises(type(stop)):
        with atomic_output(str(out)) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(b"half")
            raise stop
    assert out.read_bytes() == b"old"  # the earlier output stays as it was
    assert leftovers(tmp_path) == []
    assert not [p for p in atomic._LIVE_TEMPS if str(tmp_path) in p]


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), SystemExit(1)])
def test_several_outputs_appear_together_or_not_at_all(tmp_path, stop):
    paths = [str(tmp_path / "a.tsv"), str(tmp_path / "b.tsv")]
    with pytest.raises(type(stop)):
        with atomic_outputs(paths) as temps:
            for t in temps:
                with open(t, "w") as fh:
                    fh.write("x")
            raise stop
    assert os.listdir(tmp_path) == []
    with atomic_outputs(paths) as temps:
        for t, text in zip(temps, ("1", "2")):
            with open(t, "w") as fh:
                fh.write(text)
        assert not os.path.exists(paths[0])  # nothing is renamed before the block ends
    assert [open(p).read() for p in paths] == ["1", "2"]
    assert leftovers(tmp_path) == []


def test_a_target_that_became_a_folder_fails_before_any_rename(tmp_path):
    paths = [str(tmp_path / "a.tsv"), str(tmp_path / "b.tsv")]
    with pytest.raises(InputError, match="is a folder"):
        with atomic_outputs(paths) as temps:
            for t in temps:
                open(t, "w").close()
            os.mkdir(paths[1])
    assert not os.path.exists(paths[0])
    assert leftovers(tmp_path) == []


def test_temporaries_are_registered_while_on_disk_and_removed_by_the_handler(tmp_path):
    out = str(tmp_path / "r.sam")
    tmp = make_temp(out, ".sam")
    assert os.path.basename(tmp).startswith(".r.sam.pimalign-%d-" % os.getpid())
    assert tmp.endswith(".tmp.sam") and tmp in atomic._LIVE_TEMPS
    with open(tmp + ".0001", "w"):  # a spill file of samtools sort beside it
        pass
    atomic.remove_live_temps()
    assert leftovers(tmp_path) == [] and tmp not in atomic._LIVE_TEMPS


def test_commit_removes_the_old_index_before_the_new_file_lands(tmp_path):
    out = tmp_path / "x.bam"
    out.write_bytes(b"old")
    (tmp_path / "x.bam.bai").write_bytes(b"old index")
    with atomic_output(str(out)) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(b"new")
    assert out.read_bytes() == b"new"
    assert not (tmp_path / "x.bam.bai").exists()


def test_stale_temporaries_of_dead_processes_only_are_cleared(tmp_path):
    out = tmp_path / "x.bam"
    dead = tmp_path / ".x.bam.pimalign-999999999-abcd0123.tmp.bam"
    mine = tmp_path / f".x.bam.pimalign-{os.getpid()}-abcd0123.tmp.bam"
    other = tmp_path / ".y.bam.pimalign-999999999-abcd0123.tmp.bam"
    for p in (dead, mine, other):
        p.write_bytes(b"")
    assert clear_stale_temps(str(out)) == [str(dead)]
    assert sorted(os.listdir(tmp_path)) == sorted([mine.name, other.name])


def test_temporary_keeps_the_output_s_extension(tmp_path):
    """Writers pick the format by the name's extension (pysam, samtools): the temporary keeps it."""
    with atomic_output(str(tmp_path / "x.bam")) as tmp:
        assert tmp.endswith(".tmp.bam")
        open(tmp, "w").close()
    with atomic_output(str(tmp_path / "y.tsv"), ".gz") as tmp:
        assert tmp.endswith(".tmp.gz")
        open(tmp, "w").close()


def test_output_paths_are_checked_before_any_work(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        check_output_path(str(tmp_path / "missing" / "x.bam"))
    (tmp_path / "x.bam.bai").mkdir()
    with pytest.raises(InputError, match="is a folder, where the output's index goes"):
        check_output_path(str(tmp_path / "x.bam"))
    with pytest.raises(InputError, match="output path is a folder"):
        check_output_path(str(tmp_path / "x.bam.bai"))
    (tmp_path / "in.fq").write_text("")
    with pytest.raises(InputError, match="same file as an input"):
        check_output_path(str(tmp_path / "in.fq"), (str(tmp_path / "in.fq"),))
    check_output_path(str(tmp_path / "ok.bam"), (str(tmp_path / "in.fq"), "-"))


def test_temporary_has_normal_permissions_less_the_umask(tmp_path):
    """0666 less the umask, as any file the user writes (not 0600 as mkstemp's)."""
    old = os.umask(0o002)
    try:
        tmp = make_temp(str(tmp_path / "x.sam"))
    finally:
        os.umask(old)
    assert os.stat(tmp).st_mode & 0o777 == 0o664
    atomic.remove_live_temps()
