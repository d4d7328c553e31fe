"""Nothing read from an index, and no option combination, can take a kernel out of bounds
(issue #31): every case below ends in a clean error (exit 1 or 2, one line on stderr, no output
file) or in a correct result.

Commands run in this process (``cli.main``), so a kernel reading outside its arrays would end the
test run itself. Indexes of the bundled ``data/demo_ref.fa.gz`` are built once per module; random
choices are seeded.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import struct

import numpy as np
import pysam
import pytest
from conftest import DATA

from pimalign.cli.main import main

REF = os.path.join(DATA, "demo_ref.fa.gz")
READS = 300  # pairs of data/demo_R{1,2}.fq.gz used
BUILT = [(19, 10), (17, 10), (21, 10), (28, 10), (19, 5), (15, 20), (28, 255)]


def _head(source: str, target: str, records: int) -> None:
    with gzip.open(source, "rt") as src, open(target, "w") as out:
        for _ in range(4 * records):
            out.write(src.readline())


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """Folder with ``r1.fq``/``r2.fq`` (the first READS pairs) and ``k{k}w{w}.pmi`` for BUILT."""
    folder = tmp_path_factory.mktemp("integrity")
    _head(os.path.join(DATA, "demo_R1.fq.gz"), str(folder / "r1.fq"), READS)
    _head(os.path.join(DATA, "demo_R2.fq.gz"), str(folder / "r2.fq"), READS)
    for k, w in BUILT:
        path = str(folder / f"k{k}w{w}.pmi")
        assert main(["index", REF, "-k", str(k), "-w", str(w), "-o", path]) == 0
    return folder


def _run(argv, capsys) -> tuple[int, list[str]]:
    """Exit code and the error lines (stderr without ``[pimalign]`` log lines)."""
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    return code, [x for x in err.splitlines() if x.strip() and not x.startswith("[pimalign]")]


def _placements(path: str) -> dict:
    """``(name, read 1?) -> (contig, position, reverse?)`` of the mapped primary records."""
    out = {}
    with pysam.AlignmentFile(path, check_sq=False) as sam:
        for rec in sam:
            if not (rec.is_unmapped or rec.is_secondary or rec.is_supplementary):
                out[rec.query_name, rec.is_read1] = (rec.reference_id, rec.pos, rec.is_reverse)
    return out


@pytest.fixture(scope="module")
def k19_sam(work):
    out = str(work / "k19w10.sam")
    argv = ["align", str(work / "k19w10.pmi"), str(work / "r1.fq"), str(work / "r2.fq")]
    assert main(argv + ["-o", out, "-t", "1", "--no-progress"]) == 0
    return _placements(out)


@pytest.mark.parametrize("k,w", BUILT[1:])
def test_index_k_and_w_are_used_with_default_options(work, k19_sam, k, w, capsys):
    """An index built with another k or w maps as the k=19 one does (pairs and single ends)."""
    out = str(work / f"k{k}w{w}.sam")
    argv = ["align", str(work / f"k{k}w{w}.pmi"), str(work / "r1.fq"), str(work / "r2.fq")]
    code, errors = _run(argv + ["-o", out, "-t", "1", "--no-progress"], capsys)
    assert (code, errors) == (0, [])
    got = _placements(out)
    # w = 255 leaves reads of 150 bp without a guaranteed minimizer: rescue seeding finds most
    assert len(got) >= (0.85 if w > 100 else 0.99) * len(k19_sam)
    same = sum(got.get(key) == where for key, where in k19_sam.items())
    assert same >= (0.85 if w > 100 else 0.98) * len(k19_sam)
    single = str(work / f"k{k}w{w}.se.sam")
    argv = ["align", str(work / f"k{k}w{w}.pmi"), str(work / "r1.fq"), "-o", single]
    assert main(argv + ["-t", "1", "--no-progress"]) == 0
    # single ends: w = 255 leaves a reference minimizer every ~128 bases, so about 70% map
    assert len(_placements(single)) >= (0.6 if w > 100 else 0.98) * READS


def _combos(seed: int, count: int) -> list:
    rng = random.Random(seed)
    edges = [(5, 1), (28, 255), (5, 255), (28, 1), (19, 10)]
    return edges + [(rng.randint(5, 28), rng.randint(1, 255)) for _ in range(count)]


@pytest.mark.parametrize("built", [(19, 10), (17, 10), (28, 255)])
def test_explicit_k_or_w_other_than_the_index_is_a_usage_error(work, built, capsys, tmp_path):
    """Every asked (k, w) against an index built with others: exit 2, one line, no output."""
    k0, w0 = built
    index = str(work / f"k{k0}w{w0}.pmi")
    for k, w in _combos(31 + k0 + w0, 12):
        for flags in (["--k", str(k)], ["--w", str(w)], ["--k", str(k), "--w", str(w)]):
            out = str(tmp_path / "o.bam")
            argv = ["align", index, str(work / "r1.fq"), "-o", out, "--no-progress"] + flags
            same = (k == k0 or "--k" not in flags) and (w == w0 or "--w" not in flags)
            if same:
                continue  # a correct run, covered above
            code, errors = _run(argv, capsys)
            assert code == 2, (flags, errors)
            assert len(errors) == 1 and "index built with" in errors[0], errors
            assert os.listdir(tmp_path) == []


def test_aligner_with_another_k_is_a_value_error(work):
    import pimalign

    with pytest.raises(ValueError, match="index built with k=19, not 21"):
        pimalign.Aligner(str(work / "k19w10.pmi"), k=21)
    with pytest.raises(ValueError, match="index built with w=10, not 3"):
        pimalign.Aligner(str(work / "k17w10.pmi"), w=3)
    with open(work / "r1.fq") as handle:
        handle.readline()
        read = handle.readline().strip()
    hits = {h.r_st for h in pimalign.Aligner(str(work / "k21w10.pmi")).map(read)}
    assert hits == {h.r_st for h in pimalign.Aligner(str(work / "k19w10.pmi"), k=19).map(read)}
    assert hits


# ---- crafted and damaged index files ---------------------------------------------------------

ORDER = ("packed", "n_start", "n_end", "table", "keys", "pos")


def _read(path: str) -> tuple[dict, dict]:
    """``(header, array name -> numpy copy)`` of an index file."""
    raw = open(path, "rb").read()
    (length,) = struct.unpack("<Q", raw[16:24])
    meta = json.loads(raw[24 : 24 + length])
    arrays = {}
    for name in ORDER:
        spec = meta["arrays"][name]
        dtype = np.dtype(spec["dtype"])
        start = spec["offset"]
        arrays[name] = np.frombuffer(raw, dtype, spec["count"], start).copy()
    return meta, arrays


def _write(path: str, meta: dict, arrays: dict, patch=None, digests=True, tail=b"") -> None:
    """An index file laid out as ``save_index`` does, digests recomputed (when ``digests``),
    its JSON text passed through ``patch`` (so offsets follow the patched length)."""
    from pimalign.mapper.index import _sampled

    meta = json.loads(json.dumps(meta))
    names = [name for name in ORDER if name in meta["arrays"]]
    for name in names:
        spec = meta["arrays"][name]
        if digests:
            spec["sha256"] = hashlib.sha256(arrays[name].tobytes()).hexdigest()
            spec["sampled"] = _sampled(arrays[name])
    header = b""
    for _ in range(4):
        position = 24 + len(header)
        for name in names:
            position = -(-position // 64) * 64
            meta["arrays"][name]["offset"] = position
            position += arrays[name].nbytes
        text = json.dumps(meta)
        header = (patch(text) if patch else text).encode()
    with open(path, "wb") as out:
        out.write(b"PIMALIGN-INDEX\n\x00" + struct.pack("<Q", len(header)) + header)
        for name in names:
            out.seek(meta["arrays"][name]["offset"])
            out.write(arrays[name].tobytes())
        out.write(tail)


def _set(**values):
    def edit(meta, arrays):
        meta.update(values)

    return edit


def _spec(name, **values):
    def edit(meta, arrays):
        meta["arrays"][name].update(values)

    return edit


def _array(name, change):
    def edit(meta, arrays):
        arrays[name] = arrays[name].copy()
        change(arrays[name], meta)

    return edit


def _text(old, new):
    return lambda text: text.replace(old, new, 1)


TOTAL = 300_000  # bases of data/demo_ref.fa.gz
CRAFTED = {
    "k-1e999": (None, _text('"k": 19', '"k": 1e999')),
    "k-19.7": (None, _text('"k": 19', '"k": 19.7')),
    "k-true": (None, _text('"k": 19', '"k": true')),
    "k-99": (_set(k=99), None),
    "w-0": (_set(w=0), None),
    "rbits-other": (_set(rbits=20), None),
    "occ-1e30": (_set(occ_threshold=10**30), None),
    "occ-1e999": (None, _text('"occ_threshold": ', '"occ_threshold": 1e999, "x": ')),
    "occ-zero": (_set(occ_threshold=0), None),
    "offsets-nested": (
        None,
        _text('"offsets": [0, 300000]', '"offsets": ' + "[" * 100_000 + "]" * 100_000),
    ),
    "offsets-1e999": (None, _text('"offsets": [0, 300000]', '"offsets": [0, 1e999]')),
    "offsets-longer": (_set(offsets=[0, 900_000]), None),
    "offsets-decreasing": (_set(offsets=[0, 0]), None),
    "version-string": (_set(version="2"), None),
    "header-is-a-list": (None, lambda text: "[" + text + "]"),
    "header-huge-int": (None, _text('"k": 19', '"k": ' + "9" * 5000)),
    "name-tab": (_set(contigs=["a\tb"]), None),
    "name-newline": (_set(contigs=["a\nb"]), None),
    "name-empty": (_set(contigs=[""]), None),
    "name-not-a-string": (_set(contigs=[7]), None),
    "dtype-object": (_spec("pos", dtype="|O8"), None),
    "dtype-big-endian": (_spec("pos", dtype=">u4"), None),
    "dtype-float": (_spec("table", dtype="<f4"), None),
    "dtype-nested": (_spec("keys", dtype=[["a", "<u2"]]), None),
    "count-1e999": (None, lambda text: text.replace('"count": ', '"count": 1e999, "c": ', 1)),
    "count-negative": (_spec("pos", count=-1), None),
    "offset-misaligned": (None, lambda text: text.replace('"offset": ', '"offset": 3, "o": ', 1)),
    "arrays-missing": (lambda meta, arrays: meta["arrays"].pop("keys"), None),
    "table-past-keys": (
        _array("table", lambda t, m: t.__setitem__(slice(1, -1), 0xFFFFFFF0)),
        None,
    ),
    "table-2e9": (
        _array(
            "table",
            lambda t, m: t.__setitem__(slice(1, -1), 2_000_000_000 + 4 * np.arange(t.size - 2)),
        ),
        None,
    ),
    "table-decreasing": (_array("table", lambda t, m: t.__setitem__(len(t) // 2, 0)), None),
    "table-short-end": (_array("table", lambda t, m: t.__setitem__(-1, t[-1] - 1)), None),
    "pos-past-genome": (_array("pos", lambda p, m: p.__setitem__(5, TOTAL + 10)), None),
    "pos-max": (_array("pos", lambda p, m: p.__setitem__(-1, 0xFFFFFFFF)), None),
    "nruns-outside": (
        lambda meta, arrays: arrays.update(
            n_start=np.array([TOTAL + 5], np.int64), n_end=np.array([TOTAL + 9], np.int64)
        ),
        None,
    ),
    # the FASTA's IUPAC letters (CRAM's reference): kept only where the sequence holds N (T: U)
    "iupac-a-list": (_set(iupac=[[5, "R"]]), None),
    "iupac-where-a-base-is": (_set(iupac={"bases": 1, "runs": [[5, "R"]]}), None),
    "iupac-u-where-not-t": (_set(iupac={"bases": 2, "runs": [[5, "UU"]]}), None),
    "iupac-letter-x": (_set(iupac={"bases": 1, "runs": [[5, "X"]]}), None),
    "iupac-past-genome": (_set(iupac={"bases": 2, "runs": [[TOTAL - 1, "RR"]]}), None),
    "iupac-overlapping": (_set(iupac={"bases": 3, "runs": [[5, "RR"], [6, "R"]]}), None),
    "iupac-count-differs": (_set(iupac={"bases": 2, "runs": [[5, "R"]]}), None),
    "iupac-none-kept-of-few": (_set(iupac={"bases": 3, "runs": None}), None),
    "nruns-reversed": (
        lambda meta, arrays: arrays.update(
            n_start=np.array([50, 10], np.int64), n_end=np.array([60, 20], np.int64)
        ),
        None,
    ),
}


def _counts_follow(meta, arrays):
    for name in meta["arrays"]:
        meta["arrays"][name]["count"] = int(arrays[name].size)


@pytest.fixture(scope="module")
def crafted(work):
    """``case name -> path`` of the CRAFTED indexes (digests recomputed: self-consistent)."""
    meta0, arrays0 = _read(str(work / "k19w10.pmi"))
    folder = work / "crafted"
    folder.mkdir()
    out = {}
    for name, (edit, patch) in CRAFTED.items():
        meta, arrays = json.loads(json.dumps(meta0)), dict(arrays0)
        if edit:
            edit(meta, arrays)
            if not name.startswith(("count", "dtype", "arrays")):
                _counts_follow(meta, arrays)
        out[name] = str(folder / f"{name}.pmi")
        _write(out[name], meta, arrays, patch)
    out["trailing-bytes"] = str(folder / "trailing.pmi")
    _write(out["trailing-bytes"], meta0, arrays0, tail=b"\0" * 100)
    out["intact-rewrite"] = str(folder / "intact.pmi")
    _write(out["intact-rewrite"], meta0, arrays0)
    return out


def _clean_error(argv, capsys, folder) -> str:
    """Run ``argv``: exit 1, one error line (returned), nothing left in ``folder``."""
    code, errors = _run(argv, capsys)
    assert code == 1 and len(errors) == 1, (code, errors)
    assert "Traceback" not in errors[0] and " error: " in errors[0], errors
    assert os.listdir(folder) == [], os.listdir(folder)
    return errors[0]


@pytest.mark.parametrize("case", sorted(CRAFTED) + ["trailing-bytes"])
def test_crafted_index_is_a_clean_error(case, crafted, work, capsys, tmp_path):
    from pimalign.io.errors import InputError
    from pimalign.mapper.index import check_index, load_index

    path = crafted[case]
    with pytest.raises(InputError):
        load_index(path)
    with pytest.raises(InputError):
        check_index(path)
    line = _clean_error(["index", "--check", path], capsys, tmp_path)
    assert os.path.basename(path) in line
    reads = str(work / "r1.fq")
    for out in ("o.bam", "o.sam"):
        argv = ["align", path, reads, "-o", str(tmp_path / out), "--no-progress", "-t", "1"]
        assert _clean_error(argv, capsys, tmp_path) == line.replace("index: ", "align: ")


def test_rewritten_intact_index_maps_as_the_original(crafted, work, capsys, tmp_path):
    """The test's writer lays files out as save_index does: its untouched copy is accepted."""
    assert main(["index", "--check", crafted["intact-rewrite"]]) == 0
    out = str(tmp_path / "o.sam")
    argv = ["align", crafted["intact-rewrite"], str(work / "r1.fq"), "-o", out, "--no-progress"]
    assert main(argv) == 0
    assert len(_placements(out)) >= 0.98 * READS


# ---- damaged blocks (digests left as they were) ----------------------------------------------

BIG = 4_000_000  # bases of the random genome: arrays larger than the sampled digest's 64 blocks


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A seeded random 4 Mb genome, its index and 20 reads from it: ``(folder, index, reads)``."""
    folder = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(31)
    seq = np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, BIG)].tobytes().decode()
    with open(folder / "g.fa", "w") as out:
        out.write(">g1\n" + seq[: BIG // 2] + "\n>g2\n" + seq[BIG // 2 :] + "\n")
    with open(folder / "r.fq", "w") as out:
        for x in range(20):
            start = int(rng.integers(0, BIG - 200))
            out.write(f"@r{x}\n{seq[start : start + 150]}\n+\n{'I' * 150}\n")
    index = str(folder / "g.pmi")
    assert main(["index", str(folder / "g.fa"), "-o", index]) == 0
    return folder, index, str(folder / "r.fq")


def _unsampled(meta: dict, name: str) -> int:
    """A file offset inside array ``name`` that its sampled digest does not read."""
    from pimalign.mapper.index import SAMPLE_BYTES, SAMPLES

    spec = meta["arrays"][name]
    size = spec["count"] * np.dtype(spec["dtype"]).itemsize
    step = (size - SAMPLE_BYTES) // (SAMPLES - 1)
    assert step > 2 * SAMPLE_BYTES, f"{name}: every byte is sampled"
    return spec["offset"] + 17 * step + SAMPLE_BYTES + (step - 2 * SAMPLE_BYTES) // 2


def _damage_offsets(index: str) -> list:
    meta, _ = _read(index)
    size = os.path.getsize(index)
    rng = random.Random(3131)
    return [_unsampled(meta, name) for name in ("packed", "table", "keys", "pos")] + [
        rng.randrange(0, size - 4096) for _ in range(8)
    ]


@pytest.mark.parametrize("which", range(12))
def test_damaged_block_is_a_clean_error(which, big, capsys, tmp_path):
    """4 KiB of random bytes anywhere (four of them where no sampled digest looks): align to
    a file or to stdout, ``index --check`` and ``Aligner.map`` all end in one clear error."""
    import pimalign
    from pimalign.io.errors import InputError

    folder, index, reads = big
    where = _damage_offsets(index)[which]
    data = bytearray(open(index, "rb").read())
    data[where : where + 4096] = random.Random(which).randbytes(4096)
    damaged = str(folder / f"damaged{which}.pmi")
    open(damaged, "wb").write(bytes(data))
    out = tmp_path / "out"
    out.mkdir()
    _clean_error(["index", "--check", damaged], capsys, out)
    for name in ("o.bam", "o.sam"):
        argv = ["align", damaged, reads, "-o", str(out / name), "--no-progress", "-t", "1"]
        _clean_error(argv, capsys, out)
    capsys.readouterr()
    assert main(["align", damaged, reads, "-o", "-", "--no-progress", "-t", "1"]) == 1
    records = [x for x in capsys.readouterr().out.splitlines() if not x.startswith("@")]
    assert records == []
    with pytest.raises(InputError):
        list(pimalign.Aligner(damaged).map("ACGT" * 40))


def test_undamaged_big_index_maps_its_reads(big, capsys):
    folder, index, reads = big
    assert main(["index", "--check", index]) == 0
    sam = str(folder / "o.sam")
    assert main(["align", index, reads, "-o", sam, "--no-progress", "-t", "1"]) == 0
    placed = _placements(sam)
    assert len(placed) == 20


def _shuffled(name):
    def change(array, meta):
        array[:] = np.random.default_rng(7).permutation(array)

    return _array(name, change)


CHECK_ONLY = {  # consistent, in range and digests recomputed: only a rebuild tells
    "keys-shuffled": _shuffled("keys"),
    "pos-swapped": _array("pos", lambda p, m: p.__setitem__(slice(0, 2), p[1::-1].copy())),
    "occ-other": _set(occ_threshold=1000),
}


@pytest.mark.parametrize("case", sorted(CHECK_ONLY))
def test_check_rebuilds_the_table_and_rejects_a_crafted_one(case, work, capsys, tmp_path):
    """``index --check`` compares the table with one rebuilt from the sequence; mapping with
    such a file cannot go out of bounds (every value is in range) and exits 0."""
    meta, arrays = _read(str(work / "k19w10.pmi"))
    arrays = dict(arrays)
    CHECK_ONLY[case](meta, arrays)
    path = str(tmp_path / f"{case}.pmi")
    _write(path, meta, arrays)
    out = tmp_path / "out"
    out.mkdir()
    line = _clean_error(["index", "--check", path], capsys, out)
    assert "is not what its sequence gives" in line
    sam = str(out / "o.sam")
    assert main(["align", path, str(work / "r1.fq"), "-o", sam, "--no-progress", "-t", "1"]) == 0


def test_digests_are_checked_again_after_any_write(big, capsys, tmp_path):
    """A file whose digests matched is not hashed again until it changes (its ctime): then a
    damaged block is found as on the first run."""
    import shutil

    from pimalign.mapper.index import load_index

    _, index, reads = big
    copy = str(tmp_path / "copy.pmi")
    shutil.copy(index, copy)
    first = load_index(copy, verify="background")
    assert first.digests is not None
    first.confirm()
    assert load_index(copy, verify="background").digests is None  # remembered
    where = _damage_offsets(index)[3]  # in the positions, where no sampled digest looks
    with open(copy, "r+b") as handle:
        handle.seek(where)
        handle.write(bytes(4096))
    again = load_index(copy, verify="background")
    assert again.digests is not None
    out = tmp_path / "out"
    out.mkdir()
    argv = ["align", copy, reads, "-o", str(out / "o.bam"), "--no-progress", "-t", "1"]
    assert "fails its checksum" in _clean_error(argv, capsys, out)


@pytest.mark.slow  # the first run compiles the kernels for 64-bit tables (about 25 s)
def test_64_bit_table_layout_maps_as_the_32_bit_one(work, k19_sam, monkeypatch, capsys):
    """The layout of genomes over ~11.8 Gb (64-bit bucket table and positions), forced on the
    demo reference: built, saved, checked, loaded and mapped, it gives the same placements."""
    import pimalign.mapper.index as index_module

    real = index_module.table_layout

    def wide(length, k, w):
        rbits, key, _, _ = real(length, k, w)
        return rbits, key, np.dtype(np.uint64), np.dtype(np.uint64)

    monkeypatch.setattr(index_module, "table_layout", wide)
    path = str(work / "wide.pmi")
    assert main(["index", REF, "-o", path]) == 0
    assert main(["index", "--check", path]) == 0
    loaded = index_module.load_index(path)
    assert loaded.table.dtype == np.uint64 and loaded.pos.dtype == np.uint64
    out = str(work / "wide.sam")
    argv = ["align", path, str(work / "r1.fq"), str(work / "r2.fq"), "-o", out, "-t", "1"]
    assert main(argv + ["--no-progress"]) == 0
    assert _placements(out) == k19_sam
