"""The PIM model: primitive costs, the bit-level mirror against the core, the closed-form model
against the mirror, scaling laws, device TOML loading, workload files and the estimate."""

import argparse
import gzip
import json
import os
import random

import numpy as np
import pytest
from conftest import DATA, mutate, random_seq

import pimalign
from pimalign.alphabet import encode_many
from pimalign.cli.pim import add_parser
from pimalign.io.errors import InputError
from pimalign.pim import closed_forms as cf
from pimalign.pim import primitives as pr
from pimalign.pim.cpu import tile_pairs
from pimalign.pim.device import DEFAULT, default_toml_text, load_device
from pimalign.pim.estimate import pim_estimate, scaled_device
from pimalign.pim.mirror import WINDOWS, mirror_distances
from pimalign.pim.profile import fixed_band, profile_pairs
from pimalign.pim.report import run_estimate
from pimalign.pim.schedule import HOST, ROW, SPLIT, columns_per_alignment, evaluate, layout
from pimalign.pim.source import WorkloadSource
from pimalign.pim.sweep import COLUMNS, run_sweep
from pimalign.pim.workload import (
    approximate_workload,
    profile_workload,
    read_pairs,
    read_workload_file,
)

DEMO = os.path.join(DATA, "pairs_reads_demo.tsv.gz")
MODES = {"NW": 0, "SHW": 1, "HW": 2}
JSON_KEYS = {
    "alignments": int,
    "dp_cells": int,
    "bits_per_cell_max": int,
    "cycles_total": int,
    "seconds": float,
    "alignments_per_second": float,
    "joules_total": float,
    "joules_per_alignment": float,
    "device": dict,
    # the issue-13 fields, kept stable for scripts
    "bound": str,
    "host_bits_per_alignment": float,
    "reference_resident": bool,
    "lockstep_efficiency": float,
    "not_fitting": int,
    "endurance": dict,
    "area_mm2": float,
    "power_w": float,
    "alignments_per_joule": float,
    "cpu_alignments_per_joule": float,
    "sensitivity": list,
    "latency_curve": list,
}


def random_pairs(rng, count, max_len=40, flank=0, rate=0.5):
    qs, ts = [], []
    for _ in range(count):
        t = random_seq(rng, rng.randint(0, max_len), "ACGTN" if rng.random() < 0.15 else "ACGT")
        q = mutate(rng, t, rng.random() * rate)
        if flank and rng.random() < 0.5:
            t = random_seq(rng, rng.randint(0, flank)) + t + random_seq(rng, rng.randint(0, flank))
        if rng.random() < 0.5:
            q, t = t, q
        qs.append(q)
        ts.append(t)
    return qs, ts


def demo_pairs(count):
    with gzip.open(DEMO, "rt") as handle:
        rows = [line.rstrip("\n").split("\t") for _, line in zip(range(count), handle)]
    return [r[0] for r in rows], [r[1] for r in rows]


def to_int(bits):
    return (bits.astype(np.int64) << np.arange(bits.shape[-1])).sum(axis=-1)


def bits_of(values, n):
    return ((np.asarray(values)[..., None] >> np.arange(n)) & 1).astype(bool)


# -- primitives ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 8, 16, 32, 64])
def test_serial_addition_costs_18n_plus_1_with_one_init_per_gate(n):
    assert cf.cost_add(n).cycles("per-gate") == 18 * n + 1
    assert cf.cost_sub(n).cycles("per-gate") == 20 * n + 1  # AritPIM's subtraction
    rng = np.random.default_rng(n)
    a, b = rng.integers(0, 2 ** min(n, 62), 64), rng.integers(0, 2 ** min(n, 62), 64)
    mc = pr.Machine(64)
    s, carry = pr.add(mc, bits_of(a, n), bits_of(b, n))
    assert mc.total().cycles("per-gate") == 18 * n + 1
    assert mc.total().cycles("bulk") == 9 * n + 2
    got = to_int(s) + (carry.astype(np.int64) << n)
    assert (got == a + b).all()


def test_ops_table_reports_aritpim_counts_and_rejects_bad_widths():
    rows = {r["op"]: r for r in cf.ops_table(32)}
    assert rows["add"]["cycles"] == 577 and rows["add"]["nor"] == 288
    assert rows["subtract"]["cycles"] == 641
    assert {r["op"]: r["cycles"] for r in cf.ops_table(4, "bulk")}["add"] == 38
    with pytest.raises(ValueError, match="bits"):
        cf.ops_table(0)
    with pytest.raises(ValueError, match="init policy"):
        cf.ops_table(8, "sometimes")


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_every_primitive_computes_right_and_matches_its_closed_form(n):
    rows, k = 200, 3
    rng = np.random.default_rng(100 + n)
    a = rng.integers(0, 2**n, (rows, k))
    b = rng.integers(0, 2**n, (rows, k))
    s = rng.integers(0, 2, (rows, k)).astype(bool)
    A, B = bits_of(a, n), bits_of(b, n)
    mask = 2**n - 1
    cases = [
        (lambda mc: to_int(pr.add(mc, A, B)[0]), (a + b) & mask, cf.cost_add(n, k)),
        (lambda mc: to_int(pr.sub(mc, A, B)[0]), (a - b) & mask, cf.cost_sub(n, k)),
        (lambda mc: pr.lt(mc, A, B), a < b, cf.cost_lt(n, k)),
        (lambda mc: pr.eq(mc, A, B), a == b, cf.cost_eq(n, k)),
        (lambda mc: to_int(pr.mux(mc, s, A, B)), np.where(s, a, b), cf.cost_mux(n, k)),
        (lambda mc: to_int(pr.inc_bit(mc, A, s)[0]), (a + s) & mask, cf.cost_inc_bit(n, k)),
        (lambda mc: to_int(pr.dec_bit(mc, A, s)[0]), (a - s) & mask, cf.cost_dec_bit(n, k)),
        (lambda mc: to_int(pr.inc1(mc, A)[0]), (a + 1) & mask, cf.cost_inc1(n, k)),
        (lambda mc: to_int(pr.copy(mc, A)), a, cf.cost_copy(n, k)),
        (lambda mc: pr.or_reduce(mc, A), a > 0, cf.cost_or_reduce(n, k)),
        (lambda mc: to_int(pr.and_bcast(mc, s, A)), np.where(s, a, 0), cf.cost_and_bcast(k, n * k)),
    ]
    for run, want, cost in cases:
        mc = pr.Machine(rows)
        got = run(mc)
        assert (np.asarray(got) == want).all()
        assert mc.total().as_dict() == cost.as_dict()
    # Conditional shift of a (rows, E, n) region and constants.
    mc = pr.Machine(rows)
    region = bits_of(rng.integers(0, 2**n, (rows, 6)), n)
    fill = np.zeros((rows, 1, n), dtype=bool)
    out = pr.cond_shift(mc, region, s[:, 0], fill)
    want = np.where(
        s[:, 0, None],
        np.concatenate([to_int(region)[:, 1:], np.zeros((rows, 1), int)], 1),
        to_int(region),
    )
    assert (to_int(out) == want).all()
    assert mc.total() == cf.cost_cond_shift(6, n)
    mc = pr.Machine(rows)
    assert (to_int(pr.const(mc, 5, n)) == 5 & mask).all() and mc.total() == cf.cost_const(n)


# -- profile and fixed band ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_profile_replays_the_core_exactly(mode, rng):
    qs, ts = random_pairs(rng, 1500, max_len=120, flank=30)
    q_flat, q_off = encode_many(qs)
    t_flat, t_off = encode_many(ts)
    for band in (1, 8):
        core = pimalign.batch_align(qs, ts, mode=mode, band=band, engine="adaptive")
        dist, cells, passes, kind, dlo, dhi, bits, best, _ = profile_pairs(
            q_flat, q_off, t_flat, t_off, MODES[mode], 4, band
        )
        assert (dist == core.distance).all() and (cells == core.cells).all()
        last = bits[np.arange(len(qs)), passes - 1]
        assert (last == core.bits).all()  # the core reports the deciding pass's bits
        fixed = fixed_band(q_flat, q_off, t_flat, t_off, MODES[mode], 4, band)
        kept = fixed >= 0
        assert (fixed[kept] >= dist[kept]).all()  # a real alignment's cost: never below exact


# -- the mirror against the core ----------------------------------------------------------------


@pytest.mark.parametrize(
    "mode,count,flank,band,literal_n",
    [
        ("NW", 2000, 0, 3, False),
        ("SHW", 1000, 15, 4, False),
        ("HW", 800, 12, 2, False),
        ("NW", 500, 10, 5, True),
    ],
)
def test_mirror_distances_equal_the_core_on_random_pairs(mode, count, flank, band, literal_n):
    rng = random.Random(hash((mode, band)) & 0xFFFF)
    qs, ts = random_pairs(rng, count, max_len=30, flank=flank)
    got = mirror_distances(qs, ts, mode=mode, literal_n=literal_n, band=band)
    core = pimalign.batch_align(
        qs, ts, mode=mode, literal_n=literal_n, band=band, engine="adaptive"
    )
    assert (got.distance == core.distance).all()
    assert not got.overflow.any()  # cells at the core's bits per cell never overflow


def test_mirror_on_edge_cases_all_modes():
    pairs = [
        ("", ""),
        ("", "ACGT"),
        ("ACGT", ""),
        ("A", "A"),
        ("A", "C"),
        ("N", "N"),
        ("NNNN", "NNNN"),
        ("NNNN", "ACGT"),
        ("ACGTA", "ACGTTGCA" * 5),
        ("ACGTTGCA" * 5, "ACGTA"),
        ("GATTACA", "TACGATTACAGG"),
    ]
    qs, ts = [p[0] for p in pairs], [p[1] for p in pairs]
    for mode in MODES:
        for literal_n, band in ((False, 1), (True, 8)):
            got = mirror_distances(qs, ts, mode=mode, literal_n=literal_n, band=band)
            core = pimalign.batch_align(
                qs, ts, mode=mode, literal_n=literal_n, band=band, engine="adaptive"
            )
            assert (got.distance == core.distance).all(), (mode, literal_n, band)
            assert not got.overflow.any()


def test_mirror_on_real_reads_matches_core_and_stays_at_four_bits():
    qs, ts = demo_pairs(150)
    got = mirror_distances(qs, ts, mode="NW")
    core = pimalign.batch_align(qs, ts, mode="NW", engine="adaptive")
    assert (got.distance == core.distance).all() and not got.overflow.any()
    assert {shape.b for shape, _, _ in got.phases} <= set(core.bits.tolist())


def test_mirror_flags_overflow_when_cells_are_too_narrow(rng):
    qs, ts = random_pairs(rng, 200, max_len=30)
    q_flat, q_off = encode_many(qs)
    t_flat, t_off = encode_many(ts)
    needed = profile_pairs(q_flat, q_off, t_flat, t_off, 0, 4, 3)[6].max(axis=1)
    narrow = mirror_distances(qs, ts, mode="NW", band=3, fixed_bits=2)
    assert (narrow.overflow == (needed > 2)).all() and narrow.overflow.any()
    wide = mirror_distances(qs, ts, mode="NW", band=3, fixed_bits=int(needed.max()))
    core = pimalign.batch_align(qs, ts, band=3, engine="adaptive").distance
    assert not wide.overflow.any() and (wide.distance == core).all()


# -- the closed-form model against the mirror ---------------------------------------------------


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("mode,literal_n", [("NW", False), ("SHW", True), ("HW", False)])
def test_model_and_mirror_agree_exactly_on_gates_moves_and_host_bits(mode, literal_n, window):
    rng = random.Random(7)
    qs, ts = random_pairs(rng, 80, max_len=30, flank=10)
    mir = mirror_distances(qs, ts, mode=mode, literal_n=literal_n, band=3, window=window)
    wl, prof = profile_workload(*encode_many(qs), *encode_many(ts), mode, literal_n, 3)
    ring = window == "ring"
    for size in (len(qs), 30):  # one group, then lockstep groups of 30 rows
        ev = evaluate(wl, size, ring=ring)
        energy = {
            f: int(np.sum(getattr(ev["energy_cost"], f)))
            for f in ("nor", "not_", "const", "groups", "moves")
        }
        if size == len(qs):
            time_cost = {f: int(getattr(ev["time_cost"], f)[0]) for f in energy}
            assert time_cost == mir.time_cost.as_dict()
            assert energy == mir.energy_cost.as_dict()
            assert int(ev["writes"][0]) == mir.writes_bits and int(ev["reads"][0]) == mir.reads_bits
            assert {k: c.as_dict() for k, c in ev["sections"].items()} == mir.sections
        else:
            parts = [
                mirror_distances(
                    qs[i : i + size],
                    ts[i : i + size],
                    mode=mode,
                    literal_n=literal_n,
                    band=3,
                    window=window,
                )
                for i in range(0, len(qs), size)
            ]
            for g, part in enumerate(parts):
                assert {
                    f: int(getattr(ev["time_cost"], f)[g]) for f in energy
                } == part.time_cost.as_dict()
            assert sum(p.energy_cost.switched for p in parts) == int(
                np.sum(ev["energy_cost"].switched)
            )
    assert (mir.passes == prof["passes"]).all()


# -- scaling laws -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_workload():
    _, *enc = read_pairs(DEMO, limit=400)
    return profile_workload(*enc, "NW", False, 8)[0]


def test_twice_the_crossbars_twice_the_throughput_until_the_host_bound(demo_workload):
    # streaming: no crossbars hold a reference, so compute scales with the crossbars exactly
    # no thermal limit: the rooflines alone
    streaming = DEFAULT.replace(reference_resident=False, thermal_limit_w_per_mm2=0.0)
    rates = []
    for xb in (2**8, 2**9, 2**10, 2**11, 2**12, 2**16):
        est = pim_estimate(demo_workload, scaled_device(streaming, xb))
        rates.append(est)
    for small, big in zip(rates[1:3], rates[2:4]):
        assert big["steady_state_compute_bound"] == pytest.approx(
            2 * small["steady_state_compute_bound"]
        )
    host = rates[0]["steady_state_host_bound"]
    assert all(r["steady_state_host_bound"] == pytest.approx(host) for r in rates)
    assert rates[-1]["steady_state_alignments_per_second"] == pytest.approx(host)
    assert rates[0]["steady_state_alignments_per_second"] < host


def test_energy_is_proportional_to_gates(demo_workload):
    only_gates = DEFAULT.replace(
        write_energy_pj_per_bit=0.0,
        read_energy_pj_per_bit=0.0,
        move_energy_pj_per_bit=0.0,
        host_energy_pj_per_bit=0.0,
        sense_amp_energy_fj_per_bit=0.0,
        driver_energy_fj_per_crossbar_cycle=0.0,
        controller_power_w_per_bank=0.0,
    )
    one = pim_estimate(demo_workload, only_gates)
    two = pim_estimate(demo_workload, only_gates.replace(gate_energy_fj=2 * DEFAULT.gate_energy_fj))
    assert two["joules_total"] == pytest.approx(2 * one["joules_total"])
    assert one["joules_total"] == pytest.approx(
        one["gates_switched_cells"] * DEFAULT.gate_energy_fj * 1e-15
    )
    full = pim_estimate(demo_workload, DEFAULT)
    assert full["joules_total"] == pytest.approx(sum(full["energy_breakdown_joules"].values()))
    bulk = pim_estimate(demo_workload, DEFAULT.replace(init_policy="bulk"))
    assert bulk["cycles_total"] < full["cycles_total"]  # same gates, fewer INIT cycles
    assert bulk["gates_switched_cells"] == full["gates_switched_cells"]


def test_a_million_alignments_are_modelled_like_their_parts(demo_workload):
    """The model is vectorised: a million alignments (the demo workload repeated) in one call
    cost exactly the repeats times the parts. How long that takes is measured by
    ``benchmarks/bench_pim_model.py``, not asserted here."""
    from dataclasses import replace

    reps = 1_000_000 // len(demo_workload) + 1
    big = replace(
        demo_workload,
        **{
            f: np.concatenate([getattr(demo_workload, f)] * reps)
            for f in ("m", "n", "passes", "kind", "dlo", "dhi", "bits", "n_count")
        },
    )
    one = pim_estimate(demo_workload, DEFAULT)
    est = pim_estimate(big, DEFAULT)
    assert est["alignments"] == reps * one["alignments"] >= 1_000_000
    assert est["host_bits"] == reps * one["host_bits"]
    assert est["gates_switched_cells"] == reps * one["gates_switched_cells"]


# -- device TOML ----------------------------------------------------------------------------------


def test_shipped_toml_is_the_default_and_overrides_apply(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text(default_toml_text())
    assert load_device(str(path)) == DEFAULT
    path.write_text('[logic]\ncycle_time_ns = 2.64\ninit_policy = "bulk"\n')
    dev = load_device(str(path))
    assert dev.cycle_time_ns == 2.64 and dev.init_policy == "bulk" and dev.rows == 1024


@pytest.mark.parametrize(
    "text,key",
    [
        ("[logic]\ncycle_time_ns = -1.0\n", "logic.cycle_time_ns"),
        ("[crossbar]\nrows = 0\n", "crossbar.rows"),
        ("[crossbar]\nrowz = 10\n", "crossbar.rowz"),
        ("[crossbar]\ncycle_time_ns = 1.0\n", "belongs in [logic]"),
        ("[gpu]\ncores = 1\n", "[gpu]"),
        ('[logic]\ninit_policy = "lazy"\n', "logic.init_policy"),
        ('[logic]\ngate_set = ["NAND"]\n', "logic.gate_set"),
        ('[memory]\nwrite_energy_pj_per_bit = "a lot"\n', "memory.write_energy_pj_per_bit"),
        ("[organisation]\nchips = 1.5\n", "organisation.chips"),
        ("not = toml = at all\n", "not valid TOML"),
    ],
)
def test_toml_errors_name_the_key(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        load_device(str(path))
    assert key in str(err.value)


# -- workload files -------------------------------------------------------------------------------


def test_editdist_workload_file_gives_an_approximate_estimate(tmp_path):
    from pimalign.cli.main import main

    out = tmp_path / "w.tsv"
    assert main(["editdist", DEMO, "--workload", "--engine", "adaptive", "-o", str(out)]) == 0
    table = read_workload_file(str(out))
    assert table.fmt == "editdist" and len(table) == 2000 and (table.query_len == -1).all()
    est = pim_estimate(approximate_workload(table), DEFAULT)
    assert est["approximate"] and est["alignments"] == 2000 and est["joules_total"] > 0


def test_mapper_workload_file_with_affine_and_ungapped_rows(tmp_path):
    path = tmp_path / "aln.workload.tsv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("#read\tkind\tquery_len\ttarget_len\tband\tcells\tbits\tpasses\tscore\n")
        handle.write("r1\textend\t150\t190\t17\t2567\t5\t1\t140\n")
        handle.write("r2\trescue\t150\t600\t17\t2600\t6\t2\t90\n")
        handle.write("r3\textend\t40\t44\t5\t200\t4\t1\t30\n")
        handle.write("r4\textend\t150\t162\t1\t150\t1\t0\t150\n")
    table = read_workload_file(str(path))
    assert table.fmt == "align" and list(table.target_len) == [190, 600, 44, 162]
    wl = approximate_workload(table)
    assert list(wl.ungapped) == [False, False, False, True] and wl.m[3] == 150
    # a 150-base affine row needs ~1,600 columns even without its FIFO: the host runs it
    assert list(layout(wl, 1024)) == [HOST, HOST, ROW, ROW]
    est = pim_estimate(wl, DEFAULT)
    assert est["approximate"] and est["cycles_total"] > 0
    assert est["not_fitting"] == 2 and est["alignments_on_device"] == 2
    assert not est["not_fitting_timed"] and est["alignments_per_second"] > 0


def test_an_ungapped_row_costs_a_compare_per_base_not_a_dp_row():
    from pimalign.pim.model import KIND_UNGAPPED, PhaseShape, phase_cost, sections_ungapped_base

    bm, be = 9, 9
    per_base = sum(sections_ungapped_base(bm, be).values(), pr.ZERO)
    shape = PhaseShape(KIND_UNGAPPED, 1, 1, 162, 151, bm, be)
    cost = phase_cost(shape, 0, 4, 1)
    setup = cf.cost_const(bm) * 2 + cf.cost_const(be) * 2
    assert cost == per_base * 150 + setup
    dp = phase_cost(PhaseShape(0, 1, 1, 165, 151, bm, be), 0, 4, 1)
    assert cost.cycles("per-gate") * 5 < dp.cycles("per-gate")


def wide_pair(rng, gap=40):
    """A read whose best alignment has a ``gap``-base deletion: its band widens to > 2 gap."""
    t = "".join(rng.choice("ACGT") for _ in range(150 + gap))
    return t[:75] + t[75 + gap :], t


@pytest.fixture(scope="module")
def reads_and_outlier():
    _, *enc = read_pairs(DEMO, limit=2000)
    reads = profile_workload(*tile_pairs(*enc, 5), "NW", False, 8)[0]
    q, t = wide_pair(random.Random(3), 240)
    outlier = profile_workload(*encode_many([q]), *encode_many([t]), "NW", False, 8)[0]
    both = concat_workloads(reads, outlier)
    return reads, both, outlier


def concat_workloads(a, b):
    from dataclasses import replace

    width = max(a.kind.shape[1], b.kind.shape[1])

    def pad(x, fill):
        return np.pad(x, ((0, 0), (0, width - x.shape[1])), constant_values=fill)

    out = {
        f: np.concatenate([getattr(a, f), getattr(b, f)]) for f in ("m", "n", "passes", "n_count")
    }
    for f, fill in (("kind", -1), ("dlo", 0), ("dhi", -1), ("bits", 0)):
        out[f] = np.concatenate([pad(getattr(a, f), fill), pad(getattr(b, f), fill)])
    return replace(a, **out)


def test_one_wide_alignment_among_ten_thousand_reads_barely_moves_the_steady_state(
    reads_and_outlier,
):
    reads, both, outlier = reads_and_outlier
    assert len(reads) == 10_000 and outlier.passes[0] > 1
    static = outlier.dhi - outlier.dlo + 1
    assert static[outlier.kind == 1].max() >= 250  # the band widened past 250 cells
    # default crossbars: the wide one cannot fit 1,024 columns, the host takes it
    base, plus = pim_estimate(reads, DEFAULT), pim_estimate(both, DEFAULT)
    assert plus["not_fitting"] == 1 and base["not_fitting"] == 0
    change = plus["steady_state_alignments_per_second"] / base["steady_state_alignments_per_second"]
    assert abs(change - 1) < 0.05
    # crossbars wide enough to hold it: shape groups isolate it, input order does not
    wide = DEFAULT.replace(columns=16384)
    base = pim_estimate(reads, wide)
    by_shape = pim_estimate(both, wide)
    by_input = pim_estimate(both, wide, order="input")
    # the wide one in a group of its own (the reads in their drift classes)
    assert by_shape["not_fitting"] == 0 and by_shape["groups"] == base["groups"] + 1
    rate = "steady_state_compute_bound"
    assert abs(by_shape[rate] / base[rate] - 1) < 0.05
    assert by_input[rate] < 0.5 * base[rate]
    assert by_input["lockstep_efficiency"] < 0.5 < by_shape["lockstep_efficiency"]


def test_the_ring_window_stages_the_band_centres_drift_and_stays_exact():
    rng = random.Random(1)
    t = random_seq(rng, 60)
    inserted, deleted = t[:30] + "GGTA" + t[30:], t[:30] + t[34:]
    record = profile_pairs(*encode_many([inserted, deleted]), *encode_many([t, t]), 0, 4, 8)
    kind, drift_lo, drift_hi = record[3][:, 0], record[4][:, 0], record[5][:, 0]
    assert list(kind) == [0, 0]  # one adaptive pass each
    # 4 query bases more than the target: the centre falls 4 diagonals behind; 4 fewer: ahead
    assert drift_lo[0] == -4 and drift_hi[0] == 0
    assert drift_lo[1] <= 0 and drift_hi[1] == 4
    ring = mirror_distances([inserted, deleted], [t, t], band=8, window="ring")
    fifo = mirror_distances([inserted, deleted], [t, t], band=8, window="fifo")
    assert list(ring.distance) == list(fifo.distance) == [4, 4]
    # the window's upkeep is the band's (W + 1 + K), not the 60-base target's
    assert ring.time_cost.cycles("per-gate") < fifo.time_cost.cycles("per-gate")
    with pytest.raises(ValueError, match="unknown target window"):
        mirror_distances([t], [t], window="shift")


def test_long_targets_run_split_with_the_window_moved_per_row():
    rng = random.Random(5)
    t = "".join(rng.choice("ACGT") for _ in range(300))
    q = t[:150]  # SHW: one adaptive pass whose FIFO holds all 300 target bases
    wl = profile_workload(*encode_many([q]), *encode_many([t]), "SHW", False, 8)[0]
    whole, fifo, window = columns_per_alignment(wl)
    assert whole[0] > 1024 and whole[0] - fifo[0] + window[0] <= 1024
    assert list(layout(wl, 1024)) == [SPLIT]
    split = evaluate(wl, 1, split=True)
    plain = evaluate(wl, 1)
    extra = split["time_cost"] + plain["time_cost"] * -1
    rows = int(wl.m[0])  # DP rows after row 0, in each of its passes
    moves = sum(3 * (17 + 1) * rows for _ in range(int(wl.passes[0])))
    assert (int(extra.nor[0]), int(extra.moves[0])) == (0, moves)
    est = pim_estimate(wl, DEFAULT.replace(target_window="fifo"))
    assert est["split_layout"] == 1 and est["not_fitting"] == 0
    # the ring layout keeps only the band's window in the compute row: the read fits one row
    ring_whole, target, _ = columns_per_alignment(wl, ring=True)
    assert ring_whole[0] <= 1024 and target[0] == 3 * (18 + 2 + 150)
    assert list(layout(wl, 1024, ring=True)) == [ROW]
    est = pim_estimate(wl, DEFAULT)
    assert est["target_window"] == "ring" and est["split_layout"] == est["not_fitting"] == 0


def test_bound_and_host_bits_follow_the_layout(demo_workload):
    streaming = pim_estimate(demo_workload, DEFAULT.replace(reference_resident=False))
    resident = pim_estimate(demo_workload, DEFAULT)
    by_mode = resident["host_bits_per_alignment_by_mode"]
    assert by_mode == streaming["host_bits_per_alignment_by_mode"]
    assert resident["host_bits_per_alignment"] == by_mode["reference_resident"]
    assert streaming["host_bits_per_alignment"] == by_mode["streaming"]
    # 150-base reads: 2 bits a base plus the window address, against 3-bit windows and rows
    assert by_mode["reference_resident"] < 0.5 * by_mode["streaming"]
    expected = sum(2 * m + 48 + 16 * k for m, k in zip(demo_workload.m, demo_workload.n_count))
    assert resident["host_bits"] - resident["host_bits"] // 1 == 0
    assert resident["host_bits"] >= expected
    for est in (streaming, resident):
        slower = max(est["compute_seconds"], est["host_seconds"])
        assert est["seconds"] == slower
        if est["host_seconds"] > est["compute_seconds"]:
            assert est["bound"] == "host"
        else:
            assert est["bound"] in ("compute", "latency")
    # 400 alignments fill one group of one bank among 128: latency, not compute, sets the time
    fast_link = DEFAULT.replace(host_bandwidth_gb_per_s=1e6)
    assert pim_estimate(demo_workload, fast_link)["bound"] == "latency"
    slow_link = DEFAULT.replace(host_bandwidth_gb_per_s=1e-6)
    est = pim_estimate(demo_workload, slow_link)
    assert est["bound"] == "host" and est["steady_state_bound"] == "host"


def test_a_power_budget_caps_the_steady_state(demo_workload):
    free = pim_estimate(demo_workload, DEFAULT.replace(thermal_limit_w_per_mm2=0.0))
    assert free["steady_state_power_bound"] == float("inf")
    assert free["steady_state_power_w"] > 100  # 600 fJ a gate at the host-bound rate
    capped = pim_estimate(demo_workload, DEFAULT.replace(power_budget_w=100.0))
    assert capped["steady_state_bound"] == "power"
    assert capped["steady_state_alignments_per_second"] == pytest.approx(
        100.0 / capped["steady_state_joules_per_alignment"]
    )
    assert capped["steady_state_power_w"] == pytest.approx(100.0)


def test_endurance_area_and_power_follow_their_formulas(demo_workload):
    est = pim_estimate(demo_workload, DEFAULT)
    d = DEFAULT
    cells = d.crossbars * d.rows * d.columns
    periphery = d.crossbars * (1024 * 1.0 + 2048 * 0.5) * 1e-6 + d.banks * 0.1
    assert est["area_mm2"] == pytest.approx((cells * 4 * (28e-6) ** 2 + periphery) / 0.7)
    assert est["power_w"] == pytest.approx(est["joules_total"] / est["seconds"])
    assert est["alignments_per_joule"] == pytest.approx(1 / est["joules_per_alignment"])
    life = est["endurance"]["lifetime_years"]
    assert life["1e+12"] == pytest.approx(1000 * life["1e+09"])
    # twice the gate energy: the same writes per cell, twice the joules
    double = pim_estimate(demo_workload, d.replace(gate_energy_fj=2 * d.gate_energy_fj))
    for key in ("writes_per_cell_per_alignment", "columns_per_alignment"):
        assert double["endurance"][key] == est["endurance"][key]
    # power-bound: twice the energy, half the rate, twice the lifetime at the steady state
    rate = "steady_state_alignments_per_second"
    assert double["endurance"]["lifetime_years"]["1e+12"] * double[rate] == pytest.approx(
        life["1e+12"] * est[rate]
    )
    assert double["joules_total"] > est["joules_total"]


@pytest.mark.parametrize(
    "content,message",
    [
        ("id\tband\tcells\tbits\n", "header"),
        ("#id\tdistance\tband\n", "lacks column"),
        ("#id\tband\tcells\tbits\nx\t17\tmany\t4\n", "not an integer"),
        ("#id\tband\tcells\tbits\nx\t17\t4\n", "expected 4 columns"),
        ("#read\tkind\tband\tcells\tbits\nx\tglobal\t1\t2\t3\n", "unknown kind"),
    ],
)
def test_bad_workload_files_raise_input_errors(tmp_path, content, message):
    path = tmp_path / "w.tsv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_workload_file(str(path))


# -- estimate and sweep end to end ----------------------------------------------------------------


def run_cli(*argv):
    parser = argparse.ArgumentParser(prog="pimalign")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["pim", *argv])
    return args.func(args)


def test_estimate_on_bundled_pairs_writes_json_and_figures(tmp_path, capsys):
    out, rep = tmp_path / "est.json", tmp_path / "report"
    assert (
        run_cli(
            "estimate",
            "--pairs",
            DEMO,
            "--limit",
            "300",
            "--repeats",
            "1",
            "--json",
            str(out),
            "--report",
            str(rep),
        )
        == 0
    )
    report = json.loads(out.read_text())
    for key, kind in JSON_KEYS.items():
        assert isinstance(report[key], kind), key
    for key in ("cpu_alignments_per_second", "speedup_vs_cpu"):
        assert report[key] > 0
    assert report["alignments"] == 300 and report["bits_per_cell_max"] == 4
    assert report["device"]["cycle_time_ns"] == DEFAULT.cycle_time_ns
    assert {p["source"][:6] for p in report["published"]} == {"RAPIDx"}
    assert sorted(os.listdir(rep)) == [
        "energy_breakdown.png",
        "latency_vs_throughput.png",
        "throughput_vs_crossbars.png",
        "time_breakdown.png",
        "tornado.png",
    ]
    assert report["bound"] in ("compute", "host", "latency")
    assert set(report["endurance"]) >= {"writes_per_cell_per_alignment", "lifetime_years"}
    assert report["cpu_alignments_per_joule"] == pytest.approx(
        report["cpu_alignments_per_second"] / report["cpu_watts"]
    )
    printed = capsys.readouterr().out
    assert "CPU measured" in printed and "PIM estimated" in printed and "published" in printed


def test_estimate_json_schema_from_the_api():
    report = run_estimate(DEFAULT, WorkloadSource(pairs=DEMO, limit=100), repeats=1)
    assert set(JSON_KEYS) | {"cpu_alignments_per_second", "speedup_vs_cpu"} <= set(report)
    json.dumps(report)  # plain JSON types throughout
    assert report["speedup_vs_cpu"] == pytest.approx(
        report["alignments_per_second"] / report["cpu_alignments_per_second"]
    )


def test_sensitivity_and_latency_curve(demo_workload):
    from pimalign.pim.analysis import latency_curve, sensitivity

    thermal = {r["parameter"]: r for r in sensitivity(demo_workload, DEFAULT)}
    hot = thermal["thermal_limit_w_per_mm2"]  # power-bound: the limit moves the rate
    assert hot["throughput_low"] < hot["throughput_default"] < hot["throughput_high"]
    from pimalign.pim.estimate import area_mm2, static_power_w

    area, static = area_mm2(DEFAULT), static_power_w(DEFAULT)  # rate = (limit - static) / J
    assert hot["throughput_high"] == pytest.approx(
        hot["throughput_default"] * (1.0 * area - static) / (0.5 * area - static)
    )
    nocap = DEFAULT.replace(thermal_limit_w_per_mm2=0.0)  # the rooflines alone
    rows = {r["parameter"]: r for r in sensitivity(demo_workload, nocap)}
    base = pim_estimate(demo_workload, nocap)
    for r in rows.values():
        assert r["throughput_default"] == base["steady_state_alignments_per_second"]
        for end in ("low", "high"):  # never above either roofline
            assert r[f"throughput_{end}"] <= r[f"compute_bound_{end}"] * (1 + 1e-12)
    bw = rows["host_bandwidth_gb_per_s"]
    assert bw["throughput_low"] < bw["throughput_default"] < bw["throughput_high"]
    cycle = rows["cycle_time_ns"]
    # gates run at max(cycle, the 10 ns write pulse): 1 ns runs at 10 ns, 30 ns at 30 ns
    assert cycle["compute_bound_low"] == pytest.approx(cycle["compute_bound_high"] * 3, rel=0.05)
    gate = rows["gate_energy_fj"]
    assert gate["joules_per_alignment_low"] < gate["joules_per_alignment_high"]
    curve = latency_curve(base, nocap)
    assert curve[0]["batch"] == 1
    assert curve[0]["latency_seconds"] >= base["group_seconds_weighted"]
    rates = [p["alignments_per_second"] for p in curve]
    lat = [p["latency_seconds"] for p in curve]
    assert rates == sorted(rates) and lat == sorted(lat)
    assert rates[-1] <= base["steady_state_alignments_per_second"] * 1.0001


def test_ops_cli_json(capsys):
    assert run_cli("ops", "--bits", "32", "--json") == 0
    ops = {r["op"]: r for r in json.loads(capsys.readouterr().out)["ops"]}
    assert ops["add"]["cycles"] == 577


def test_sweep_reports_speed_and_fixed_band_accuracy(tmp_path):
    rows = run_sweep(
        DEFAULT,
        WorkloadSource(pairs=DEMO, limit=150),
        bands=(2, 8),
        crossbars=(1024, 4096),
        bits=("exact", 3, 4),
    )
    assert set(COLUMNS) <= set(rows[0])
    for r in rows:
        assert 0 <= r["fixed_band_differs_fraction"] <= 1 and r["fixed_band_max_excess"] >= 0
    assert len(rows) == 2 * 2 * 3 * 2  # exact and fixed-band schedules
    over = {r["bits"]: r["overflow_fraction"] for r in rows if r["band"] == 8}
    assert over["exact"] == 0 and over[3] >= over[4]
    assert all(r["valid"] == int(r["overflow_fraction"] == 0) for r in rows)
    assert any(not r["valid"] for r in rows)  # 3 bits overflow at h = 8
    for r in rows:
        rate = r["steady_state_alignments_per_second"]
        bounds = {k: r[f"steady_state_{k.replace('-', '_')}_bound"] for k in
                  ("compute", "host", "host-cpu", "power")}  # fmt: skip
        assert rate == min(bounds.values())
        assert r["steady_state_bound"] == min(bounds, key=bounds.get)
    # the fixed band runs only the first pass: never slower than the exact schedule
    key = lambda r: (r["band"], r["crossbars"], r["bits"])  # noqa: E731
    exact = {key(r): r for r in rows if r["schedule"] == "exact"}
    for r in rows:
        if r["schedule"] == "fixed":
            assert r["steady_state_compute_bound"] >= exact[key(r)]["steady_state_compute_bound"]
    assert (
        run_cli(
            "sweep",
            "--pairs",
            DEMO,
            "--limit",
            "50",
            "--bands",
            "4",
            "--crossbars",
            "1024",
            "--bits",
            "exact",
            "-o",
            str(tmp_path / "s.tsv"),
            "--plot",
            str(tmp_path / "s.png"),
        )
        == 0
    )
    assert (tmp_path / "s.tsv").read_text().startswith("#band\tschedule\tcrossbars")
    assert (tmp_path / "s.png").stat().st_size > 0


def test_estimate_rejects_bad_inputs(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        run_cli("estimate", "--pairs", str(tmp_path / "missing.tsv"))
    bad = tmp_path / "bad.tsv"
    bad.write_text("ACGT\tACXT\n")
    with pytest.raises(InputError, match="invalid character 'X'"):
        run_cli("estimate", "--pairs", str(bad))
    toml = tmp_path / "d.toml"
    toml.write_text("[crossbar]\nrows = -4\n")
    with pytest.raises(ValueError, match="crossbar.rows"):
        run_cli("estimate", "--pairs", DEMO, "--device", str(toml))
    toml.write_text('[movement]\ntarget_window = "shift"\n')
    with pytest.raises(ValueError, match="movement.target_window must be 'ring' or 'fifo'"):
        run_cli("estimate", "--pairs", DEMO, "--device", str(toml))


def test_documented_row_formulas_hold():
    from pimalign.pim.model import _total, sections_row

    for w, b, length, bm, be in ((17, 4, 160, 9, 10), (5, 1, 12, 5, 6), (41, 7, 300, 12, 11)):
        adaptive = _total(sections_row(0, w, b, length, bm, be, 4, False))
        static = _total(sections_row(1, w, b, length, bm, be, 4, False))
        assert (
            adaptive.cycles("per-gate")
            == 36 * length + 211 * w + 124 * w * b - 36 * b + 33 * bm + 62 * be
        )
        assert static.cycles("per-gate") == 195 * w + 112 * w * b - 48 * b + 47 * bm - 38
        assert adaptive.moves == static.moves == 3
        for k in (2, 3, 20):  # ring: the window, not the target, shifts; K staged bases
            ring = _total(sections_row(0, w, b, length, bm, be, 4, False, True, k))
            ring_static = _total(sections_row(1, w, b, length, bm, be, 4, False, True, k))
            assert ring.cycles("per-gate") == (
                211 * w + 124 * w * b - 36 * b + 33 * bm + 62 * be + 36 * (w + 1) + 38 * (k - 2)
            )
            assert ring_static.cycles("per-gate") == static.cycles("per-gate")
            assert ring.moves == ring_static.moves == 6
