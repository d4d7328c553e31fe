"""The CPU baseline of ``pim estimate``: per core, best of N runs of a fixed batch in CPU
seconds, times the stated cores; or a rate given with ``--cpu-rate``; the JSON says which."""

import json
import os

import numpy as np
import pytest
from conftest import DATA

from pimalign.cli.main import main
from pimalign.pim import cpu as cpu_mod
from pimalign.pim.cpu import fixed_batch, measure_cpu, tile_pairs
from pimalign.pim.device import DEFAULT
from pimalign.pim.report import run_estimate
from pimalign.pim.source import WorkloadSource
from pimalign.pim.workload import read_pairs

DEMO = os.path.join(DATA, "pairs_reads_demo.tsv.gz")


@pytest.fixture(scope="module")
def enc():
    return read_pairs(DEMO, limit=300)[1:]


def test_the_fixed_batch_is_the_pairs_tiled_then_cut(enc):
    q_flat, q_off, t_flat, t_off = fixed_batch(*enc, 700)
    assert q_off.shape[0] == t_off.shape[0] == 701
    tiled = tile_pairs(*enc, 3)
    assert np.array_equal(q_off, tiled[1][:701]) and np.array_equal(t_off, tiled[3][:701])
    assert np.array_equal(q_flat, tiled[0][: tiled[1][700]])
    assert np.array_equal(t_flat, tiled[2][: tiled[3][700]])
    cut = fixed_batch(*enc, 100)  # fewer than the pairs: the first 100
    assert np.array_equal(cut[1], enc[1][:101])


def test_the_baseline_is_the_per_core_rate_times_the_stated_cores(enc, monkeypatch):
    monkeypatch.setattr(cpu_mod.os, "getloadavg", lambda: (0.1, 0.1, 0.1))
    kw = {"batch_pairs": 500, "min_seconds": 0.0}
    res = measure_cpu(*enc, "NW", False, 8, "auto", cores=3, repeats=4, **kw)
    assert res["source"] == "measured" and res["threads"] == 1 and res["cores"] == 3
    assert res["runs"] == 4 and len(res["run_rates_per_core"]) == 4 and res["batch_pairs"] == 500
    assert res["alignments_per_second_per_core"] == max(res["run_rates_per_core"])
    assert res["alignments_per_second"] == 3 * res["alignments_per_second_per_core"]
    assert res["load_average_before"] == [0.1, 0.1, 0.1] and res["load_warning"] is None
    # a loaded machine is flagged (the rate itself is in CPU seconds)
    busy = cpu_mod.LOAD_PER_CORE_WARNING * cpu_mod.stated_cores() + 1
    monkeypatch.setattr(cpu_mod.os, "getloadavg", lambda: (busy, busy, busy))
    res = measure_cpu(*enc, "NW", False, 8, "auto", cores=1, repeats=2, batch_pairs=200)
    assert f"load average {busy:.2f}" in res["load_warning"]
    assert 2 <= res["runs"] <= 100  # more runs until they span min_seconds, at most 50 x


def test_a_given_cpu_rate_is_the_baseline_and_sets_the_speedup():
    src = WorkloadSource(pairs=DEMO, limit=100)
    report = run_estimate(DEFAULT, src, cpu_rate=1e6, cpu_cores=4)
    base = report["cpu_baseline"]
    assert base["source"] == "given with --cpu-rate" and base["cores"] == 4
    assert base["alignments_per_second"] == 1e6
    assert base["alignments_per_second_per_core"] == 2.5e5
    assert "adaptive" not in report["cpu"]  # nothing measured
    assert report["speedup_vs_cpu"] == pytest.approx(report["alignments_per_second"] / 1e6)
    assert report["steady_state_speedup_vs_cpu"] == pytest.approx(
        report["steady_state_alignments_per_second"] / 1e6
    )
    json.dumps(report)


def test_cli_records_the_measured_baseline_and_takes_a_rate_for_a_workload_file(tmp_path, capsys):
    out = tmp_path / "est.json"
    argv = ["pim", "estimate", "--pairs", DEMO, "--limit", "100", "--repeats", "2"]
    assert main(argv + ["--cpu-cores", "2", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    base = report["cpu_baseline"]
    assert base["source"] == "measured" and base["cores"] == 2 and 2 <= base["runs"] <= 100
    assert report["cpu_alignments_per_second"] == base["alignments_per_second"]
    assert base["alignments_per_second"] == 2 * base["alignments_per_second_per_core"]
    assert "per core" in capsys.readouterr().out
    workload = tmp_path / "w.tsv"
    assert main(["editdist", DEMO, "--workload", "-o", str(workload)]) == 0
    out2 = tmp_path / "w.json"
    argv = ["pim", "estimate", "--workload", str(workload), "--cpu-rate", "2e6"]
    assert main(argv + ["--json", str(out2)]) == 0
    report = json.loads(out2.read_text())
    assert report["cpu_baseline"]["alignments_per_second"] == 2e6
    assert report["speedup_vs_cpu"] == pytest.approx(report["alignments_per_second"] / 2e6)
    with pytest.raises(SystemExit) as err:  # out of range: a usage error
        main(argv[:-1] + ["0"])
    assert err.value.code == 2
    assert "--cpu-rate" in capsys.readouterr().err
