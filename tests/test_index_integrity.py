"""Nothing read from an index, and no option combination, can take a kernel out of bounds
(issue #31): every case below ends in a clean error (exit 1 or 2, one line on stderr, no output
file) or in a correct result.

Commands run in this process (``cli.main``), so a kernel reading outside its arrays would end the
test run itself. Indexes of the bundled ``data/demo_ref.fa.gz`` are built once per module; random
choices are seeded.
"""

from __future__ import annotations

import gzip
import os
import random

import pysam
import pytest
from conftest import DATA

from pimalign.cli import main

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
