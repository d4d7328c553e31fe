"""The PIM estimate's bounds: alignments that fit no crossbar row are host work (timed on a CPU
rate, or marked untimed), and no steady state exceeds the bound that binds it."""

import math
import random

import numpy as np
import pytest
from conftest import mutate, random_seq

from pimalign.alphabet import encode_many
from pimalign.pim.device import DEFAULT
from pimalign.pim.estimate import pim_estimate
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
    assert est["joules_per_alignment"] == pytest.approx(watts / rate)
    assert est["cycles_total"] == 0 and est["power_w"] == 0.0


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
    area = d.crossbars * d.rows * d.columns * 4 * (28e-6) ** 2 / 0.4
    est = pim_estimate(wl, d)
    assert est["area_mm2"] == pytest.approx(area)
    assert est["power_limit_w"] == pytest.approx(0.5 * area)
    assert est["watts_per_mm2"] == pytest.approx(est["steady_state_power_w"] / area)
    # host-bound without the limit: 25.6 GB/s over the bits each alignment moves
    free = pim_estimate(wl, d.replace(thermal_limit_w_per_mm2=0.0))
    assert free["steady_state_bound"] == "host" and free["power_limit_w"] == float("inf")
    assert free["watts_per_mm2"] > 0.5  # more than ordinary cooling sheds
    assert est["unthrottled_watts_per_mm2"] == pytest.approx(free["watts_per_mm2"])
    dynamic = est["joules_per_alignment"] - est["energy_breakdown_joules"]["static"] / 300
    assert est["steady_state_bound"] == "power"
    assert est["steady_state_alignments_per_second"] == pytest.approx(
        (0.5 * area - d.controller_power_w) / dynamic
    )
    assert est["watts_per_mm2"] == pytest.approx(0.5)
    # at the compute bound (a link that never binds) the power bound binds too
    fast = pim_estimate(wl, d.replace(host_bandwidth_gb_per_s=1e6))
    assert fast["steady_state_compute_bound"] < fast["steady_state_host_bound"]
    assert fast["steady_state_bound"] == "power"
    nocap = pim_estimate(wl, d.replace(host_bandwidth_gb_per_s=1e6, thermal_limit_w_per_mm2=0.0))
    assert nocap["steady_state_bound"] == "compute"
    assert nocap["watts_per_mm2"] > 5  # the 11 W/mm2 order
    # a limit so low that this workload's own run is throttled: its bound is power
    cool = d.replace(thermal_limit_w_per_mm2=1e-6)
    slow = pim_estimate(wl, cool)
    dynamic_j = slow["joules_total"] - slow["energy_breakdown_joules"]["static"]
    assert slow["bound"] == "power"
    assert slow["seconds"] == pytest.approx(dynamic_j / (1e-6 * area - d.controller_power_w))
    with pytest.raises(ValueError, match="leaves nothing of the power limit"):
        pim_estimate(wl, d.replace(power_budget_w=1.0, controller_power_w=2.0))
