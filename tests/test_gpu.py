"""The GPU backend against the CPU kernels.

Three layers, none needing a GPU:
- the CUDA kernels themselves under Numba's CUDA simulator, in a subprocess
  (``NUMBA_ENABLE_CUDASIM`` must be set before Numba is imported, and pytest has imported it);
- the same per-pair code compiled for the CPU (``edit_batch_twin``) on many more pairs, fast;
- the clear error, in a fresh process without the simulator, when no GPU is present.
Every comparison is exact: distance, start and end of every pair, and the CIGAR for paths.
"""

import gzip
import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import mutate, random_seq

from pimalign.alphabet import encode_many
from pimalign.editdist.api import batch_encoded
from pimalign.gpu import edit_batch_gpu
from pimalign.gpu.batch import repack

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODES = ("NW", "SHW", "HW")
FIELDS = ("distance", "start", "end")

# Empty sides, length 1, all-N, very different lengths, query lengths around word boundaries.
EDGE = [
    ("", ""),
    ("", "ACGT"),
    ("ACGT", ""),
    ("A", "A"),
    ("A", "C"),
    ("N", "N"),
    ("A", "N"),
    ("NNNN", "NNNN"),
    ("NNNNNNN", "ACGTNAC"),
    ("ACG", "T" * 120),
    ("A" * 120, "AC"),
    ("ACGT" * 30, "A"),
    ("T", "ACGT" * 30),
    ("N" * 70, "N" * 66),
]


def make_pairs(seed: int, count: int, max_len: int) -> tuple[list[str], list[str]]:
    """Edge cases, then related pairs (some inside flanks, some with N) and unrelated ones."""
    rng = random.Random(seed)
    queries = [q for q, _ in EDGE]
    targets = [t for _, t in EDGE]
    for length in (63, 64, 65, 127, 128, 129):
        if length <= max_len + 10:
            t = random_seq(rng, length)
            queries.append(mutate(rng, t, 0.02)[:length].ljust(length, "A"))
            targets.append(t)
    while len(queries) < count:
        t = random_seq(rng, rng.randint(0, max_len), "ACGTN" if rng.random() < 0.2 else "ACGT")
        q = mutate(rng, t, rng.random() * 0.35)
        r = rng.random()
        if r < 0.3:
            t = random_seq(rng, rng.randint(0, 25)) + t + random_seq(rng, rng.randint(0, 25))
        elif r < 0.38:
            q = random_seq(rng, rng.randint(0, max_len))
        queries.append(q)
        targets.append(t)
    return queries, targets


def mismatches(got: dict, want, label: str, queries, targets) -> list[str]:
    out = []
    if "cigars" in got:
        bad = [p for p, (a, b) in enumerate(zip(got["cigars"], want.cigars)) if a != b]
        if bad:
            p = bad[0]
            out.append(
                f"{label} cigar: {len(bad)} pairs differ, first {p} ({queries[p]!r} vs "
                f"{targets[p]!r}): gpu {got['cigars'][p]} cpu {want.cigars[p]}"
            )
    for name in FIELDS:
        bad = np.flatnonzero(np.asarray(got[name]) != getattr(want, name))
        if bad.size:
            p = int(bad[0])
            out.append(
                f"{label} {name}: {bad.size} pairs differ, first {p} "
                f"({queries[p]!r} vs {targets[p]!r}): gpu {int(got[name][p])} "
                f"cpu {int(getattr(want, name)[p])}"
            )
    return out


def simulator_checks(part: str) -> None:
    """Run in a subprocess with NUMBA_ENABLE_CUDASIM=1: the kernels against the CPU batch."""
    import warnings

    from pimalign.gpu import available, batch, simulator_enabled

    # Myers' additions wrap around on purpose; numpy scalars warn about that in the simulator.
    warnings.simplefilter("ignore", RuntimeWarning)
    assert simulator_enabled() and available()
    seed, count, bounds = {
        "distance": (11, 260, (-1, 0, 6)),
        "locations": (12, 260, (-1, 0, 6)),
    }.get(part, (13, 110, (-1, 6)))
    queries, targets = make_pairs(seed, count, 120)
    qf, qo = encode_many(queries)
    tf, to = encode_many(targets)
    errors, runs, cpu_pairs = [], 0, 0
    for mode in MODES:
        for ncode in (4, 5):
            # (4, 32): every query in the first tier (one launch, no index array);
            # (1, 2): two tiers of 64 and 128 bases, longer queries left to the CPU kernel.
            batch.TIERS = (4, 32) if ncode == 4 else (1, 2)
            # Paths: with ncode 5, column scratch for 8 words only: many launches, and the pairs
            # whose columns alone exceed it left to the CPU.
            batch.COLUMN_WORDS = 1 << 26 if ncode == 4 else 2 * 2 * 90
            for k in bounds:
                n = len(queries) if not (part == "locations" and mode == "HW" and k < 0) else 90
                stats = {}
                got = batch_encoded(
                    qf, qo[: n + 1], tf, to[: n + 1], mode, part, k,
                    literal_n=ncode == 5, device="gpu", stats=stats,
                )  # fmt: skip
                want = batch_encoded(
                    qf, qo[: n + 1], tf, to[: n + 1], mode, part, k, literal_n=ncode == 5
                )
                got = {name: getattr(got, name) for name in FIELDS + ("cigars",)}
                if part != "path":
                    del got["cigars"]
                errors += mismatches(
                    got, want, f"{mode} {part} ncode={ncode} k={k}", queries, targets
                )
                runs += 1
                cpu_pairs += stats["cpu_pairs"]
    empty = edit_batch_gpu(
        np.zeros(0, np.uint8),
        np.zeros(1, np.int64),
        np.zeros(0, np.uint8),
        np.zeros(1, np.int64),
        "HW",
        -1,
        4,
        "path" if part == "path" else "locations",
    )
    assert all(empty[name].shape == (0,) for name in FIELDS)
    print(json.dumps({"errors": errors, "runs": runs, "cpu_pairs": cpu_pairs}))


def run_python(
    code: str, simulator: bool, timeout: int = 80, args: list[str] = ()
) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    if simulator:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (HERE, env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


PARTS = ["distance", "locations", "path"]


@pytest.fixture(scope="module")
def simulator_runs(request):
    """The selected parts' simulator processes, started together two at a time (each is one
    core's Python for 5-15 s); each test waits for its own."""
    selected = [
        item.callspec.params["part"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_kernels_under_simulator_equal_cpu"
    ]
    with ThreadPoolExecutor(2) as pool:
        yield {
            part: pool.submit(
                run_python, f"import test_gpu; test_gpu.simulator_checks({part!r})", True
            )
            for part in PARTS
            if part in selected
        }


@pytest.mark.parametrize("part", PARTS)
def test_kernels_under_simulator_equal_cpu(part, simulator_runs):
    proc = simulator_runs[part].result()
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["errors"] == []
    assert report["runs"] == (12 if part == "path" else 18)
    assert report["cpu_pairs"] > 0  # the (1, 2) tiers left the longest queries to the CPU


def twin_results(task: str, packed, mode_id: int, k: int, ncode: int, words: int) -> dict:
    """The kernels' per-pair code compiled for the CPU (``edit_batch_twin``, or
    ``path_batch_twin`` with CIGARs) on packed pairs: their distance, start, end (and cigars)."""
    from pimalign.gpu.batch import cigars_of_ops
    from pimalign.gpu.kernels import edit_batch_twin
    from pimalign.gpu.paths import path_batch_twin

    qf, qo, tf, to = packed
    n = qo.shape[0] - 1
    got = {name: np.empty(n, np.int64) for name in FIELDS}
    if task != "path":
        task_id = ("distance", "locations").index(task)
        edit_batch_twin(qf, qo, tf, to, mode_id, k, ncode, task_id, words, *got.values())
        return got
    n_ops = np.empty(n, np.int64)
    ops = np.empty(qo[-1] + to[-1], np.uint8)
    out = (got["distance"], got["start"], got["end"], n_ops, ops)
    path_batch_twin(qf, qo, tf, to, mode_id, k, ncode, words, out)
    got["cigars"] = cigars_of_ops(ops, qo[:-1] + to[:-1], n_ops, got["distance"])
    return got


@pytest.mark.parametrize("words", [1, 5])
@pytest.mark.parametrize("tasks", [("distance", "locations"), ("path",)])
def test_twin_equals_cpu_on_many_pairs(words, tasks):
    """The kernels' per-pair code, compiled for the CPU, equals the CPU batch on every pair
    (paths: the same leftmost end and tie rule, so the same CIGAR); words=1 also checks the
    not-done mark of queries longer than the kernel's words."""
    from pimalign.gpu.kernels import NOT_DONE, WORD

    queries, targets = make_pairs((5 if tasks[0] == "distance" else 7) + words, 2500, 300)
    packed = (*encode_many(queries), *encode_many(targets))
    too_long = np.flatnonzero(np.diff(packed[1]) > WORD * words)
    errors = []
    for mode_id, mode in enumerate(MODES):
        for ncode in (4, 5):
            for task in tasks:
                for k in (-1, 0, 9):
                    got = twin_results(task, packed, mode_id, k, ncode, words)
                    want = batch_encoded(*packed, mode, task, k, literal_n=ncode == 5)
                    assert np.all(got["distance"][too_long] == NOT_DONE)
                    for name in FIELDS:
                        got[name][too_long] = getattr(want, name)[too_long]
                    for p in too_long.tolist() if task == "path" else []:
                        got["cigars"][p] = want.cigars[p]
                    errors += mismatches(
                        got, want, f"{mode} {task} ncode={ncode} k={k}", queries, targets
                    )
    assert errors == []
    assert (too_long.size > 0) == (words == 1)


def test_path_ops_follow_the_tie_rule_on_a_hand_made_pair():
    """ACGT vs AGT: from the end T and G go diagonally, then C meets A: the diagonal would cost
    1 + D[1][0] = 2 > 1, so it takes I (the query's C). ACGTT vs ACGT: either T is the extra
    one; the last T goes diagonally (a match always does), then T meets G and the rule
    (diagonal, then I, then D) takes I: the 4th base is the insertion, as on the CPU."""
    packed = (*encode_many(["ACGT", "ACGTT"]), *encode_many(["AGT", "ACGT"]))
    got = twin_results("path", packed, 0, -1, 4, 1)
    assert got["distance"].tolist() == [1, 1]
    assert got["cigars"] == ["1=1I2=", "3=1I1="]
    assert got["cigars"] == batch_encoded(*packed, "NW", "path").cigars


def ptx_checks() -> None:
    """Run in a subprocess: compile every kernel for a real GPU (sm_90 PTX) without one.

    The simulator runs the kernels as Python, so it never types them for the CUDA target; this
    does (NVVM, no driver). Device functions ask the current device for its compute capability,
    which needs a driver: that one call is answered with sm_90 here."""
    from types import SimpleNamespace

    import numba.cuda.dispatcher as dispatcher
    from numba import cuda, types

    from pimalign.gpu.kernels import edit_kernel
    from pimalign.gpu.paths import path_kernel

    dispatcher.get_current_device = lambda: SimpleNamespace(compute_capability=(9, 0))
    u8, i64, u64 = (types.Array(t, 1, "C") for t in (types.uint8, types.int64, types.uint64))
    n = types.int64
    edit_sig = (u8, i64, u8, i64, i64, types.boolean, n, n, n, n, n, i64, i64, i64)
    path_sig = (u8, i64, u8, i64, i64, n, n, n, n, u64, i64, i64, i64, i64, i64, u8)
    sizes = {}
    for words in (4, 32):
        for with_start in (False, True):
            ptx, _ = cuda.compile_ptx(edit_kernel(words, with_start).py_func, edit_sig, cc=(9, 0))
            sizes[f"edit {words} {with_start}"] = ptx
        sizes[f"path {words}"] = cuda.compile_ptx(path_kernel(words).py_func, path_sig, cc=(9, 0))[
            0
        ]
    # A float in the PTX would mean a uint64/int64 mix somewhere (Numba types it float64).
    assert not [name for name, ptx in sizes.items() if ".f64" in ptx]
    sizes = {name: ptx.count("\n") for name, ptx in sizes.items()}
    print(json.dumps(sizes))


def test_kernels_compile_for_a_real_gpu():
    from numba.cuda.cudadrv import nvvm

    if not nvvm.is_available():
        pytest.skip("NVVM (the CUDA toolkit's compiler library) is not installed")
    proc = run_python("import test_gpu; test_gpu.ptx_checks()", simulator=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sizes = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(sizes) == 6 and min(sizes.values()) > 100


def test_no_gpu_gives_a_clear_error():
    code = """
import json
import numba.cuda
import numpy as np
import pimalign.gpu as gpu
out = {"real_gpu": bool(numba.cuda.is_available()), "available": gpu.available()}
for name, call in (("require", gpu.require),
                   ("edit", lambda: gpu.edit_batch_gpu(np.zeros(1, np.uint8), np.array([0, 1]),
                                                       np.zeros(1, np.uint8), np.array([0, 1])))):
    try:
        call()
        out[name] = None
    except RuntimeError as err:
        out[name] = str(err)
print(json.dumps(out))
"""
    proc = run_python(code, simulator=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["real_gpu"]:
        pytest.skip("a CUDA GPU is present")
    assert out["available"] is False
    for name in ("require", "edit"):
        assert out[name].startswith("no CUDA GPU found (numba.cuda.is_available() is False)")
        assert "device='cpu'" in out[name]


def test_arguments_are_checked_before_the_gpu():
    qf, qo = encode_many(["ACGT"])
    with pytest.raises(ValueError, match="unknown mode"):
        edit_batch_gpu(qf, qo, qf, qo, "XX")
    with pytest.raises(ValueError, match="unknown task"):
        edit_batch_gpu(qf, qo, qf, qo, "NW", task="cigar")
    with pytest.raises(ValueError, match="ncode"):
        edit_batch_gpu(qf, qo, qf, qo, "NW", ncode=3)
    with pytest.raises(ValueError, match="1 queries but 2 targets"):
        edit_batch_gpu(qf, qo, *encode_many(["A", "C"]))


def test_repack_keeps_the_selected_sequences():
    seqs = ["ACGT", "", "NNA", "T", "GGGGG"]
    flat, off = encode_many(seqs)
    sel = np.array([4, 1, 2], dtype=np.int64)
    new_flat, new_off = repack(flat, off, sel)
    want_flat, want_off = encode_many([seqs[x] for x in sel])
    assert np.array_equal(new_flat, want_flat)
    assert np.array_equal(new_off, want_off)


def run_script(args: list[str], simulator: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    if simulator:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "bench_gpu.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=80,
        cwd=ROOT,
    )


def test_benchmark_skips_without_gpu():
    import numba.cuda

    if numba.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    proc = run_script(["no_such_file.tsv"], simulator=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "no CUDA GPU: skipped"


def test_benchmark_checks_answers_under_simulator():
    pairs = os.path.join(ROOT, "data", "pairs_reads_demo.tsv.gz")
    proc = run_script(
        [pairs, "--limit", "40", "--repeats", "1", "--modes", "NW,SHW", "--allow-simulator"],
        simulator=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "CUDA simulator" in proc.stdout
    assert proc.stdout.count("40/40 agree") == 6  # two modes, three tasks


def test_cli_paths_under_simulator_equal_cpu(tmp_path):
    """``pimalign editdist --device gpu --task path`` writes the CPU's file, CIGARs included."""
    pairs = os.path.join(ROOT, "data", "pairs_reads_demo.tsv.gz")
    head = tmp_path / "p.tsv"
    with gzip.open(pairs, "rt") as handle:
        head.write_text("".join(line for _, line in zip(range(30), handle)))
    outputs = {}
    for device, simulator in (("cpu", False), ("gpu", True)):
        out = tmp_path / f"{device}.tsv"
        proc = run_python(
            "import sys; from pimalign.cli.main import main; sys.exit(main(sys.argv[1:]))",
            simulator,
            args=["editdist", str(head), "--mode", "HW", "--task", "path", "--device", device,
                  "-o", str(out)],
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
        outputs[device] = out.read_text()
    assert outputs["gpu"] == outputs["cpu"]
    assert outputs["cpu"].count("\n") >= 20 and "=" in outputs["cpu"]


def test_cli_and_api_device_gpu_without_gpu_fail_clearly(tmp_path):
    """--device gpu on a machine without CUDA: usage exit 2, one line, no output file."""
    out = tmp_path / "d.tsv"
    pairs = tmp_path / "p.tsv"
    pairs.write_text("ACGT\tAGT\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pimalign",
            "editdist",
            str(pairs),
            "--device",
            "gpu",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode == 0:
        pytest.skip("a CUDA GPU is present")
    assert proc.returncode == 2
    assert "no CUDA GPU found" in proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr and not out.exists()
