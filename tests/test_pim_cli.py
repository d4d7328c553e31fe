"""``pimalign pim ...`` through pimalign's own entry point (needs ``cli.pim.add_parser`` wired
into ``pimalign/cli/main.py``'s ``build_parser``)."""

import json
import os

from conftest import DATA

from pimalign.cli.main import main

DEMO = os.path.join(DATA, "pairs_reads_demo.tsv.gz")


def test_pim_ops_prints_aritpim_addition_cost(capsys):
    assert main(["pim", "ops", "--bits", "32", "--json"]) == 0
    ops = {r["op"]: r for r in json.loads(capsys.readouterr().out)["ops"]}
    assert ops["add"]["cycles"] == 18 * 32 + 1


def test_pim_estimate_end_to_end(tmp_path, capsys):
    out = tmp_path / "est.json"
    assert (
        main(
            [
                "pim",
                "estimate",
                "--pairs",
                DEMO,
                "--limit",
                "200",
                "--repeats",
                "1",
                "--json",
                str(out),
                "--report",
                str(tmp_path / "rep"),
            ]
        )
        == 0
    )
    report = json.loads(out.read_text())
    assert report["alignments"] == 200 and report["speedup_vs_cpu"] > 0
    assert len(os.listdir(tmp_path / "rep")) == 5
    assert "PIM estimated" in capsys.readouterr().out


def test_pim_sweep_to_stdout(capsys):
    assert (
        main(
            [
                "pim",
                "sweep",
                "--pairs",
                DEMO,
                "--limit",
                "40",
                "--bands",
                "8",
                "--crossbars",
                "1024,2048",
                "--bits",
                "exact",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("#band") and len(lines) == 1 + 2 * 2  # exact and fixed band
    header = lines[0][1:].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:]]
    assert sorted(r["schedule"] for r in rows) == ["exact", "exact", "fixed", "fixed"]


def test_pim_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[logic]\ncycle_time_ns = 0\n")
    assert main(["pim", "estimate", "--pairs", DEMO, "--device", str(bad)]) == 2
    assert "logic.cycle_time_ns" in capsys.readouterr().err
    assert main(["pim", "estimate", "--pairs", str(tmp_path / "missing.tsv")]) == 1
    assert main(["pim", "estimate", "--workload", str(tmp_path / "missing.tsv")]) == 1


def test_pim_estimate_report_is_the_same_under_any_hash_seed(tmp_path):
    """The report (key order included) may not depend on Python's string hash seed: the time
    breakdown's sections were once gathered through a set and came out in a different order
    from run to run."""
    import subprocess
    import sys

    workload = tmp_path / "w.tsv"
    assert main(["editdist", DEMO, "--workload", "-o", str(workload)]) == 0
    reports = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"est{seed}.json"
        proc = subprocess.run(
            [sys.executable, "-m", "pimalign", "pim", "estimate", "--workload", str(workload),
             "--json", str(out)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-2000:]
        reports.append(out.read_bytes())
    assert reports[0] == reports[1] == reports[2]
    assert len(json.loads(reports[0])["pim"]["time_breakdown_cycles"]) > 5
