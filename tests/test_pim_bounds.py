"""The PIM estimate's bounds: alignments that fit no crossbar row are host work (timed on a CPU
rate, or marked untimed), and no steady state exceeds the bound that binds it."""

import json
import math
import random

import numpy as np
import pytest
from conftest import mutate, random_seq

from pimalign.alphabet import encode_many
from pimalign.pim.device import DEFAULT
from pimalign.pim.estimate import area_mm2, pim_estimate, reference_layout, static_power_w
from pimalign.pim.workload import profile_workload

RATES = (
    "alignments_per_second",
    "steady_state_alignments_per_second",
    "seconds",
    "joules_per_alignment",
)


def reads(count, length=150, rate=0.02, seed=33):
    rng = random.Random(seed)
    targets = [random_seq(rng, length) for _ in range(count)]
    return [mutate(rng, t, rate) for t in targets], targets


@pytest.fixture(scope="module")
def pairs_150():
    qs, ts = reads(300)
    return (*encode_many(qs), *encode_many(ts))


def test_a_band_too_wide_for_a_row_is_host_work_never_free(pairs_150):
    wl = profile_workload(*pairs_150, "NW", False, 16)[0]
    untimed = pim_estimate(wl, DEFAULT)
    assert untimed["not_fitting"] == 300 and untimed["alignments_on_device"] == 0
    assert untimed["columns_needed_max"] > DEFAULT.columns
    assert not untimed["not_fitting_timed"] and untimed["bound"] == "none"
    for key in RATES:  # unknown, never infinite, zero seconds or 0 J
        assert math.isnan(untimed[key]), key
    rate, watts = 1e6, 15.0
    est = pim_estimate(wl, DEFAULT, cpu_rate=rate, cpu_watts=watts)
    assert est["bound"] == est["steady_state_bound"] == "host-cpu"
    assert est["alignments_per_second"] == pytest.approx(rate)
    assert est["steady_state_alignments_per_second"] == pytest.approx(rate)
    assert est["seconds"] == pytest.approx(300 / rate)
    # the host CPU's energy: its watts for its seconds, per alignment watts / rate
    assert est["energy_breakdown_joules"]["host_cpu"] == pytest.approx(watts * 300 / rate)
    # and the idle device's static power (its bank controllers) meanwhile
    static = static_power_w(DEFAULT)
    assert est["joules_per_alignment"] == pytest.approx((watts + static) / rate)
    assert est["cycles_total"] == 0 and est["power_w"] == pytest.approx(static)


def test_sweep_rows_that_do_not_fit_are_invalid_with_a_reason(tmp_path):
    from pimalign.pim.source import WorkloadSource
    from pimalign.pim.sweep import run_sweep

    qs, ts = reads(60)
    path = tmp_path / "p.tsv"
    path.write_text("".join(f"{q}\t{t}\n" for q, t in zip(qs, ts)))
    src = WorkloadSource(pairs=str(path))
    rows = run_sweep(DEFAULT, src, bands=(8, 16), crossbars=(65536,), bits=("exact", 4))
    for r in rows:
        if r["band"] == 16:
            assert r["valid"] == 0 and r["not_fitting"] == 60
            assert "more than a 1,024-column crossbar row" in r["reason"]
            assert all(math.isnan(r[k]) for k in RATES)
        else:
            assert r["valid"] == 1 and r["reason"] == "-" and r["not_fitting"] == 0
            assert all(np.isfinite(r[k]) and r[k] > 0 for k in RATES)
    timed = run_sweep(DEFAULT, src, bands=(16,), crossbars=(65536,), bits=("exact",), cpu_rate=2e5)
    assert all(r["valid"] == 1 and r["steady_state_bound"] == "host-cpu" for r in timed)
    assert all(r["steady_state_alignments_per_second"] == pytest.approx(2e5) for r in timed)


def test_no_steady_state_above_its_binding_bound(pairs_150):
    """A few alignments that fit no row: untimed, the steady state is the device's alignments'
    (never more, as when they were counted as free); timed, the host CPU is one more bound and
    the steady state the least of them, each a hand computation."""
    from dataclasses import replace

    wl = profile_workload(*pairs_150, "NW", False, 8)[0]
    # three alignments made too long for a row: their queries claim 400 bases
    wide = replace(wl, m=np.where(np.arange(len(wl)) < 3, 400, wl.m))
    base = pim_estimate(wl.subset(np.arange(3, len(wl))), DEFAULT)
    est = pim_estimate(wide, DEFAULT)
    assert est["not_fitting"] == 3 and est["alignments_timed"] == 297
    bounds = [est[f"steady_state_{k}_bound"] for k in ("compute", "host", "host_cpu", "power")]
    assert est["steady_state_alignments_per_second"] == min(bounds)
    assert est["steady_state_host_bound"] == pytest.approx(base["steady_state_host_bound"])
    rate = 1e6
    timed = pim_estimate(wide, DEFAULT, cpu_rate=rate, cpu_watts=10.0)
    assert timed["alignments_timed"] == 300
    assert timed["steady_state_host_cpu_bound"] == pytest.approx(rate * 300 / 3)
    # the device's bounds over all 300: the device's 297 take the same time and bits
    scale = 300 / 297
    for k in ("compute", "host"):
        assert timed[f"steady_state_{k}_bound"] == pytest.approx(
            base[f"steady_state_{k}_bound"] * scale
        )
    bounds = {k: timed[f"steady_state_{k.replace('-', '_')}_bound"] for k in
              ("compute", "host", "host-cpu", "power")}  # fmt: skip
    assert timed["steady_state_alignments_per_second"] == min(bounds.values())
    assert timed["steady_state_bound"] == min(bounds, key=bounds.get)


def test_power_density_and_the_thermal_limit(pairs_150):
    """W/mm2 at the steady state, and a thermal limit (0.5 W/mm2 by default) under which the
    steady state is power-bound, at the compute bound of the default device too."""
    wl = profile_workload(*pairs_150, "NW", False, 8)[0]
    d = DEFAULT
    area = area_mm2(d)
    est = pim_estimate(wl, d)
    assert est["area_mm2"] == pytest.approx(area)
    assert est["power_limit_w"] == pytest.approx(0.5 * area)
    assert est["watts_per_mm2"] == pytest.approx(est["steady_state_power_w"] / area)
    # host-bound without the limit: 25.6 GB/s over the bits each alignment moves
    free = pim_estimate(wl, d.replace(thermal_limit_w_per_mm2=0.0))
    assert free["steady_state_bound"] == "host" and free["power_limit_w"] == float("inf")
    assert free["watts_per_mm2"] > 0.5  # more than ordinary cooling sheds
    assert est["unthrottled_watts_per_mm2"] == pytest.approx(free["watts_per_mm2"])
    static_j = est["energy_breakdown_joules"]["static"]
    dynamic = est["joules_per_alignment"] - static_j / 300
    assert est["steady_state_bound"] == "power"
    assert est["steady_state_alignments_per_second"] == pytest.approx(
        (0.5 * area - static_power_w(d)) / dynamic
    )
    assert est["watts_per_mm2"] == pytest.approx(0.5)
    assert est["steady_state_power_w"] == pytest.approx(0.5 * area)
    # at the compute bound (a link that never binds) the power bound binds too
    fast = pim_estimate(wl, d.replace(host_bandwidth_gb_per_s=1e6))
    assert fast["steady_state_compute_bound"] < fast["steady_state_host_bound"]
    assert fast["steady_state_bound"] == "power"
    nocap = pim_estimate(wl, d.replace(host_bandwidth_gb_per_s=1e6, thermal_limit_w_per_mm2=0.0))
    assert nocap["steady_state_bound"] == "compute"
    assert nocap["watts_per_mm2"] > 2  # the issue: 11 W/mm2 at 3.33 ns gates; 3.9 at 10 ns
    # a limit so low that this workload's own run is throttled: its bound is power
    cool = d.replace(thermal_limit_w_per_mm2=1e-6, controller_power_w_per_bank=0.0)
    slow = pim_estimate(wl, cool)
    dynamic_j = slow["joules_total"] - slow["energy_breakdown_joules"]["static"]
    assert slow["bound"] == "power"
    assert slow["seconds"] == pytest.approx(dynamic_j / (1e-6 * area))
    with pytest.raises(ValueError, match="leaves nothing of the power limit"):
        pim_estimate(wl, d.replace(power_budget_w=1.0, controller_power_w=2.0))


def test_periphery_window_copy_gate_cycle_and_lifetimes(pairs_150):
    """Each new cost term against its hand computation on one group of 300 reads (input
    order: one group, whatever their drift)."""
    wl = profile_workload(*pairs_150, "NW", False, 8)[0]
    d = DEFAULT
    est = pim_estimate(wl, d, order="input")
    assert est["groups"] == 1 and d.gate_cycle_ns == est["gate_cycle_ns"] == 10.0
    # the window copy: 1 + (n - 1) / 512 reference rows a window, every bank of the chip
    # copying at once, over the chip's reference crossbars, a cycle a row
    ref = reference_layout(d, wl, None)
    rows = 300 + (int(wl.n.sum()) - 300) / 512
    copy = rows * d.banks_per_chip / ref["crossbars_per_chip"] * 10e-9
    assert est["window_copy_seconds"] == pytest.approx(copy)
    streamed = pim_estimate(wl, d.replace(reference_resident=False), order="input")
    assert streamed["window_copy_seconds"] == 0
    # one group: its cycles at the gate cycle, its row writes (2 rows a crossbar for 300
    # alignments over 256 compute crossbars, once per phase, 10 ns each) and its copy
    write_s = est["compute_seconds"] * (1 - ref["fraction"]) - copy - est["cycles_total"] * 1e-8
    phases = write_s / (2 * 10e-9)
    assert phases == pytest.approx(round(phases)) and 1 <= round(phases) <= int(wl.passes.max()) * 2
    fast = pim_estimate(wl, d.replace(write_latency_ns=3.33), order="input")  # RACER's cycle
    assert fast["gate_cycle_ns"] == 3.33
    # periphery energy: sense amps on every bit moved or read, drivers on every crossbar cycle
    j = est["energy_breakdown_joules"]
    sensed = j["moves"] / 0.7e-12 + j["cell_reads"] / 0.1e-12
    assert j["sense_amps"] == pytest.approx(sensed * 20e-15)
    crossbars = 300 / d.group_size * d.crossbars_per_bank
    assert j["drivers"] == pytest.approx(est["cycles_total"] * crossbars * 100e-15)
    assert est["static_power_w"] == pytest.approx(128 * 0.01)
    assert j["static"] == pytest.approx(1.28 * est["seconds"])
    parts = est["area_breakdown_mm2"]
    assert parts["sense_amps"] == pytest.approx(d.crossbars * 1024 * 1e-6)
    assert parts["drivers"] == pytest.approx(d.crossbars * 2048 * 0.5e-6)
    assert parts["controllers"] == pytest.approx(128 * 0.1)
    assert parts["other"] == pytest.approx(0.3 * est["area_mm2"])
    # lifetimes at the steady state and at the host and compute bounds: years x rate constant
    life = est["endurance"]
    steady = est["steady_state_alignments_per_second"]
    for name in ("host", "compute"):
        at = life["lifetime_at"][name]
        assert at["rate"] == est[f"steady_state_{name}_bound"]
        assert at["years"]["1e+12"] * at["rate"] == pytest.approx(
            life["lifetime_years"]["1e+12"] * steady
        )
    assert life["lifetime_at"]["compute"]["years"]["1e+12"] < life["lifetime_years"]["1e+12"]
    # the periphery is in the tornado
    from pimalign.pim.analysis import SENSITIVITY

    names = {row[0] for row in SENSITIVITY}
    assert {"controller_power_w_per_bank", "sense_amp_energy_fj_per_bit"} <= names
    assert {"driver_energy_fj_per_crossbar_cycle", "sense_amp_area_um2"} <= names


def test_device_presets_name_a_source_or_an_assumption_for_every_change(pairs_150, tmp_path):
    from dataclasses import fields

    from pimalign.pim.device import PRESETS, RAPIDX, RAPIDX_SOURCES, load_device

    assert load_device("default") is DEFAULT and load_device("rapidx") is RAPIDX
    assert set(PRESETS) == {"default", "rapidx"}
    changed = {
        f.name for f in fields(DEFAULT) if getattr(RAPIDX, f.name) != getattr(DEFAULT, f.name)
    }
    assert changed - {"name"} == set(RAPIDX_SOURCES)
    for key, (value, source) in RAPIDX_SOURCES.items():
        assert getattr(RAPIDX, key) == value
        assert "assumption" in source or source.startswith("[")
    wl = profile_workload(*pairs_150, "NW", False, 8)[0]
    est = pim_estimate(wl, RAPIDX)
    # reads resident, no thermal limit: compute-bound at 3.33 ns gates with bulk INIT
    assert est["steady_state_bound"] == "compute" and est["gate_cycle_ns"] == 3.33
    same = pim_estimate(wl, DEFAULT.replace(init_policy="bulk", write_latency_ns=3.33))
    assert est["steady_state_compute_bound"] == pytest.approx(same["steady_state_compute_bound"])
    assert (
        est["steady_state_joules_per_alignment"]
        < 0.05 * pim_estimate(wl, DEFAULT)["steady_state_joules_per_alignment"]
    )
    from pimalign.cli.main import main

    out = tmp_path / "r.json"
    qs, ts = reads(20)
    pairs = tmp_path / "p.tsv"
    pairs.write_text("".join(f"{q}\t{t}\n" for q, t in zip(qs, ts)))
    argv = ["pim", "estimate", "--pairs", str(pairs), "--repeats", "1", "--device", "rapidx"]
    assert main(argv + ["--json", str(out)]) == 0
    assert out.exists()
    assert main(["pim", "estimate", "--pairs", str(pairs), "--device", "rapidz"]) == 1


def test_an_estimate_with_nothing_to_time_is_refused_in_one_line(tmp_path, capsys):
    from pimalign.cli.main import main

    workload = tmp_path / "aff.tsv"
    workload.write_text(
        "#read\tkind\tquery_len\ttarget_len\tband\tcells\tbits\tpasses\tscore\n"
        "r1\textend\t150\t190\t17\t2567\t5\t1\t140\n"
    )
    out = tmp_path / "est.json"
    argv = ["pim", "estimate", "--workload", str(workload), "--json", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no alignment fits a 1,024-column crossbar row" in err[0]
    assert "--cpu-rate" in err[0] and not out.exists()
    assert main(argv + ["--cpu-rate", "1e6"]) == 0
    report = json.loads(out.read_text())
    assert report["bound"] == "host-cpu" and report["alignments_per_second"] == pytest.approx(1e6)


def test_the_shape_key_groups_by_the_band_centres_drift(pairs_150):
    """The ring layout's staged bases grow with the drift range: alignments of one drift class
    share a group, so the first pass alone (the fixed band) is never slower than every pass."""
    from pimalign.pim.sweep import first_pass_only

    wl = profile_workload(*pairs_150, "NW", False, 4)[0]
    drift = (wl.dhi - wl.dlo)[:, 0]
    assert drift.min() < drift.max()  # 2% indels move the centre by different amounts
    key = wl.shape_key()
    same = wl.passes == wl.passes[0]
    low, high = same & (drift == drift[same].min()), same & (drift >= 4 * drift[same].min() + 4)
    assert low.any() and high.any() and not set(key[low]) & set(key[high])
    exact = pim_estimate(wl, DEFAULT)
    fixed = pim_estimate(first_pass_only(wl), DEFAULT)
    rate = "steady_state_compute_bound"
    assert fixed[rate] >= exact[rate]
