"""The workflow on a real one-node SLURM cluster (snakemake-executor-plugin-slurm, the shipped
workflow/profiles/slurm) gives the same outputs as the local run (the ``demo_run`` fixture of
tests/conftest.py: the same config on the same data, run once for test_workflow.py too).

tests/slurm/start-local-slurm.sh installs slurm-wlm and munge where they are missing (apt-get, as
root) and starts munged, slurmctld and slurmd; the test stops only the daemons it started. It skips
only where SLURM cannot be installed (not root, no apt-get or no package).
"""

import gzip
import subprocess
from pathlib import Path

import pysam
import pytest
from test_workflow import (
    NO_PIM,
    ROOT,
    SNAKEFILE,
    WORKFLOW,
    bam_records,
    copy_demo,
    leftovers,
    snakemake,
    write_yaml,
)

pytestmark = pytest.mark.slow

SCRIPTS = ROOT / "tests" / "slurm"
SLURM_FLAGS = (
    "--workflow-profile",
    WORKFLOW / "profiles" / "slurm",
    "--executor",
    "slurm",
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "2",
    "--slurm-no-account",
)
SAME = (
    "insert/demo.txt",
    "stats/demo.flagstat.txt",
    "stats/demo.idxstats.tsv",
    "stats/demo.summary.json",
    "editdist/demo_pairs.tsv",
)
PLOTS = (
    "plots/demo.mapq.png",
    "plots/demo.insert.png",
    "plots/demo.coverage.png",
    "plots/demo.workload.png",
    "plots/demo_pairs.editdist.png",
)


@pytest.fixture(scope="module")
def slurm_cluster():
    res = subprocess.run(
        ["bash", SCRIPTS / "start-local-slurm.sh"], capture_output=True, text=True, timeout=900
    )
    if res.returncode == 3:
        pytest.skip(f"SLURM cannot be installed here: {res.stderr.strip()}")
    assert res.returncode == 0, res.stderr
    yield res.stderr.strip()
    subprocess.run(["bash", SCRIPTS / "stop-local-slurm.sh"], capture_output=True, timeout=120)


def _run(folder: Path, *flags: str) -> str:
    copy_demo(folder)
    write_yaml(folder / "nopim.yaml", NO_PIM)
    try:
        res = snakemake(
            "-s",
            SNAKEFILE,
            "--configfile",
            "nopim.yaml",
            *flags,
            cwd=folder,
            scratch=folder / "scratch",
            timeout=600,
        )
    except subprocess.TimeoutExpired as err:
        log = err.output.decode(errors="replace") if isinstance(err.output, bytes) else err.output
        tail = (log or "")[-3000:]
        pytest.fail(f"snakemake ran past 600 s; the cluster: {_cluster_state()}\n{tail}")
    return res.stdout


def _cluster_state() -> str:
    """sinfo and squeue as they are now (what a job that never started was waiting for)."""
    out = []
    for cmd in (["sinfo", "-h", "-o", "%P %D %c %m %T"], ["squeue", "-h", "-o", "%i %j %T %r"]):
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        out.append(f"$ {' '.join(cmd)}\n{res.stdout}{res.stderr}")
    return "\n".join(out)


def test_slurm_run_equals_local_run(slurm_cluster, demo_run, tmp_path):
    log = _run(tmp_path / "slurm", *SLURM_FLAGS)
    submitted = log.count("has been submitted with SLURM jobid")
    assert submitted >= 10, log[-5000:]  # every job but `all` went through sbatch
    assert "localrule align_chunk" not in log

    slurm, local = tmp_path / "slurm" / "results", demo_run.results
    # records and header (not the @PG command lines, whose temporary names differ; so do the
    # BAM bytes and the .bai offsets, hence the index is compared through what it answers)
    assert bam_records(slurm / "bam" / "demo.bam") == bam_records(local / "bam" / "demo.bam")
    assert pysam.idxstats(str(slurm / "bam" / "demo.bam")) == pysam.idxstats(
        str(local / "bam" / "demo.bam")
    )
    for name in SAME:
        assert (slurm / name).read_bytes() == (local / name).read_bytes(), name
    with (
        gzip.open(slurm / "workload" / "demo.tsv.gz", "rt") as a,
        gzip.open(local / "workload" / "demo.tsv.gz", "rt") as b,
    ):
        assert a.read() == b.read()
    for name in PLOTS:
        assert (slurm / name).stat().st_size > 0, name
    assert leftovers(tmp_path) == []
    assert leftovers(demo_run.folder) == []
