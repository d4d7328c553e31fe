"""Where compiled kernels persist (``pimalign.runtime.jitcache``) and ``pimalign compile``.

The slow tests compile kernels into a fresh cache folder, as a first run after installing does;
they assert on the cache files and the stderr line, never on timings.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pysam
import pytest

from pimalign.runtime import jitcache

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FIRST = "compiling kernels, once per installation"


def run(args, env, cwd, check=True) -> subprocess.CompletedProcess:
    res = subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=900
    )
    if check:
        assert res.returncode == 0, res.stderr[-4000:]
    return res


def read_only_copy(tmp_path: Path) -> Path:
    """The package copied under ``tmp_path/site`` with every folder unwritable: a file stands
    where each ``__pycache__`` would go (that stops root too) and the folders are chmod a-w."""
    site = tmp_path / "site"
    shutil.copytree(
        ROOT / "pimalign", site / "pimalign", ignore=shutil.ignore_patterns("__pycache__")
    )
    for folder, _, _ in os.walk(site / "pimalign"):
        (Path(folder) / "__pycache__").write_text("not a folder\n")
    for folder, _, _ in os.walk(site / "pimalign", topdown=False):
        os.chmod(folder, 0o555)
    return site


def clean_env(tmp_path: Path, site: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "usercache")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return env


def cache_files(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.suffix in (".nbi", ".nbc")
    }


@pytest.fixture
def restore_chmod(tmp_path):
    yield
    for folder, _, _ in os.walk(tmp_path):
        os.chmod(folder, 0o755)


def test_help_and_version_import_no_kernel():
    code = (
        "import sys\n"
        "from pimalign.cli.main import main\n"
        "for flag in ('--help', '--version'):\n"
        "    try:\n"
        "        main([flag])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "assert 'numba' not in sys.modules, 'numba imported'\n"
        "kernels = [m for m in sys.modules if m.startswith('pimalign.kernels.')]\n"
        "assert kernels == ['pimalign.kernels.options'], kernels  # records only, no Numba\n"
    )
    run(["-c", code], dict(os.environ), ROOT)


def test_read_only_install_caches_under_the_user_cache_folder(tmp_path, restore_chmod):
    site = read_only_copy(tmp_path)
    show = "import os, pimalign; print(os.environ.get('NUMBA_CACHE_DIR'))"
    out = run(["-c", show], clean_env(tmp_path, site), tmp_path).stdout.strip()
    assert out == str(tmp_path / "usercache" / "pimalign" / "numba")
    env = clean_env(tmp_path, site) | {"NUMBA_CACHE_DIR": str(tmp_path / "mine")}
    assert run(["-c", show], env, tmp_path).stdout.strip() == str(tmp_path / "mine")  # kept


def test_writable_install_keeps_the_cache_beside_the_sources(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(
        ROOT / "pimalign", site / "pimalign", ignore=shutil.ignore_patterns("__pycache__")
    )
    show = "import os, pimalign; print(os.environ.get('NUMBA_CACHE_DIR'))"
    assert run(["-c", show], clean_env(tmp_path, site), tmp_path).stdout.strip() == "None"


def test_stamp_follows_the_sources(tmp_path, monkeypatch):
    """A command says it compiles until it has run to the end once; editing a source file (its
    size or time: what Numba's cache checks) makes it say so again."""
    site = tmp_path / "pkg"
    shutil.copytree(ROOT / "pimalign", site, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(jitcache, "PACKAGE", str(site))
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    lines = []
    assert jitcache.announce("editdist", lines.append)
    assert len(lines) == 1 and FIRST in lines[0] and "~" in lines[0]
    jitcache.mark("editdist")
    assert not jitcache.announce("editdist", lines.append)
    assert jitcache.announce("align", lines.append)  # another command: its own kernels
    kernel = site / "kernels" / "edit.py"
    kernel.write_text(kernel.read_text() + "\n")
    assert jitcache.announce("editdist", lines.append)
    assert not jitcache.announce("compile", lines.append)  # not a compiling command
    assert jitcache.stamp_path("editdist").endswith(".nbi")  # cleared with the caches


def test_compile_help_lists_the_commands():
    res = run(["-m", "pimalign", "compile", "--help"], dict(os.environ), ROOT)
    assert "--jobs" in res.stdout and "editdist" in res.stdout


def demo_subset(folder: Path, pairs: int = 100) -> None:
    shutil.copy(DATA / "demo_ref.fa.gz", folder / "ref.fa.gz")
    for mate in (1, 2):
        with gzip.open(DATA / f"demo_R{mate}.fq.gz", "rt") as src:
            lines = [next(src) for _ in range(4 * pairs)]
        (folder / f"r{mate}.fq").write_text("".join(lines))


def records(path: Path) -> list[str]:
    with pysam.AlignmentFile(str(path), check_sq=False) as bam:
        return [r.to_string() for r in bam.fetch(until_eof=True)]


ALIGN_ARGV = ["-m", "pimalign", "align", "ref.fa.gz", "r1.fq", "r2.fq", "-t", "2", "--no-progress"]


@pytest.fixture(scope="module")
def cold_starts(tmp_path_factory):
    """The first, compiling steps of the two slow tests, started together (each compiles for
    about a minute, mostly on one core): a first ``align`` from a read-only install, and
    ``pimalign compile --only editdist`` into a fresh cache. Each test waits for its own."""
    ro, ahead = tmp_path_factory.mktemp("readonly"), tmp_path_factory.mktemp("ahead")
    site = read_only_copy(ro)
    work = ro / "work"
    work.mkdir()
    demo_subset(work)
    ro_env = clean_env(ro, site)
    ahead_env = clean_env(ahead) | {"NUMBA_CACHE_DIR": str(ahead / "cache")}
    compile_argv = ["-m", "pimalign", "compile", "--only", "editdist", "-j", "1"]
    with ThreadPoolExecutor(2) as pool:
        yield {
            "read_only": (
                ro,
                site,
                work,
                ro_env,
                pool.submit(run, [*ALIGN_ARGV, "-o", "one.bam"], ro_env, work),
            ),
            "ahead": (ahead, ahead_env, pool.submit(run, compile_argv, ahead_env, ahead)),
        }
    for folder, _, _ in os.walk(ro):
        os.chmod(folder, 0o755)


@pytest.mark.slow
def test_read_only_install_maps_and_a_second_process_reuses_the_cache(cold_starts):
    """A read-only package and no NUMBA_CACHE_DIR: the first run compiles into the user cache
    folder (and says so), the second loads from it (no new or rewritten cache file, no line)."""
    tmp_path, site, work, env, started = cold_starts["read_only"]
    first = started.result()
    assert FIRST in first.stderr
    cache = tmp_path / "usercache" / "pimalign" / "numba"
    compiled = cache_files(cache)
    assert any(name.endswith(".nbc") for name in compiled)
    assert not [p for p in (site / "pimalign").rglob("*.nb[ic]")]  # nothing beside the sources
    second = run([*ALIGN_ARGV, "-o", "two.bam"], env, work)
    assert FIRST not in second.stderr
    assert cache_files(cache) == compiled  # loaded, not compiled again
    assert records(work / "one.bam") == records(work / "two.bam")
    flags = [int(r.split("\t")[1]) for r in records(work / "two.bam")]
    assert len(flags) >= 200 and sum(not f & 4 for f in flags) > 150  # mapped


@pytest.mark.slow
def test_compile_builds_the_cache_ahead(cold_starts):
    """``pimalign compile`` reports each command, stamps it, and a later run compiles nothing."""
    tmp_path, env, started = cold_starts["ahead"]
    res = started.result()
    assert "compile: editdist (1/1)" in res.stderr and "compile: done" in res.stderr
    cache = tmp_path / "cache"
    compiled = cache_files(cache)
    assert any(name.startswith("pimalign-compiled-editdist-") for name in compiled)
    shutil.copy(DATA / "pairs_reads_demo.tsv.gz", tmp_path / "pairs.tsv.gz")
    for task in ("distance", "path"):
        argv = ["-m", "pimalign", "editdist", "pairs.tsv.gz", "--task", task, "-o", f"{task}.tsv"]
        out = run(argv, env, tmp_path)
        assert FIRST not in out.stderr
    assert cache_files(cache) == compiled
