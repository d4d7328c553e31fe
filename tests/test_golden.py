"""Golden outputs on the hand-made set of ``tests/data/golden/`` (``tests/make_golden.py``).

Two pins per record: bwa mem 0.7.17's own fields (``bwa_se.sam``, ``bwa_pe.sam``: FLAG, RNAME,
POS, MAPQ, CIGAR, mate fields and the NM, MD, AS, XS, MC, SA tags), read by read, so each case
names the rule it checks (the clip ties, MD of two deletions, N runs, contig overhangs, the
proper-pair window's bounds); and pimalign's whole records (``pimalign_*.sam``, headers and
``@PG`` left out), so any change of output shows here. A change of output that is meant:
``PIMALIGN_GOLDEN=write python -m pytest tests/test_golden.py`` rewrites them (review the diff).
"""

from __future__ import annotations

import filecmp
import os
import sys

import clirun
import pytest
from make_golden import HERE, INSERT, write_inputs

PIMALIGN = [sys.executable, "-m", "pimalign"]
TAGS = ("NM", "MD", "AS", "XS", "MC", "SA")
# where pimalign differs from bwa on purpose, the fields left out of the comparison
OWN_WAY = {
    # bwa writes AS:i:0 XS:i:0 on an unmapped record; samtools' spec gives them no meaning there
    "nowhere": "tags",
}
MISSED = {
    "over_n_run": "a read across a 50 bp N run (or any gap too long for the band but within one "
    "cluster) gets its larger piece only: bwa also extends the seeds the first alignment left "
    "uncovered and reports the 40 bp piece as supplementary (SA)",
}


def records(sam: str) -> list[str]:
    with open(sam) as fh:
        return [line.rstrip("\n") for line in fh if not line.startswith("@")]


def by_record(lines: list[str]) -> dict[tuple, dict]:
    """``(name, mate, supplementary) -> {field: value}`` of SAM lines."""
    out = {}
    for line in lines:
        col = line.split("\t")
        flag = int(col[1])
        fields = dict(
            zip(("FLAG", "RNAME", "POS", "MAPQ", "CIGAR", "RNEXT", "PNEXT", "TLEN"), col[1:9])
        )
        tags = {t[:2]: t[5:] for t in col[11:] if t[:2] in TAGS}
        out[(col[0], flag & 0xC0, bool(flag & 0x800))] = fields | {"tags": tags}
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """pimalign's SAM of the single reads and of the pairs (``-I 300,20``, as bwa's)."""
    work = tmp_path_factory.mktemp("golden")
    index = str(work / "ref.pmi")
    j = os.path.join
    cmds = [
        ["index", j(HERE, "ref.fa"), "-o", index],
        ["align", index, j(HERE, "se.fq"), "-o", str(work / "se.sam"), "--no-progress"],
        [
            "align",
            index,
            j(HERE, "r1.fq"),
            j(HERE, "r2.fq"),
            "-I",
            INSERT,
            "-o",
            str(work / "pe.sam"),
            "--no-progress",
        ],
    ]
    for argv in cmds:
        res = clirun.run(argv, text=True)  # a process forked off tests/clirun.py's server
        assert res.returncode == 0, res.stderr
    return {"se": records(str(work / "se.sam")), "pe": records(str(work / "pe.sam"))}


def test_the_script_reproduces_the_committed_inputs(tmp_path):
    for path in write_inputs(str(tmp_path)):
        assert filecmp.cmp(path, os.path.join(HERE, os.path.basename(path)), shallow=False), path


def _cases(kind: str) -> list:
    keys = by_record(records(os.path.join(HERE, f"bwa_{kind}.sam")))

    def marks(name):
        return [pytest.mark.xfail(strict=True, reason=MISSED[name])] if name in MISSED else []

    return [
        pytest.param(kind, key, id=f"{key[0]}-{key[1] >> 6}{'-supp' * key[2]}", marks=marks(key[0]))
        for key in keys
    ]


@pytest.mark.parametrize(("kind", "key"), _cases("se") + _cases("pe"))
def test_record_equals_bwa_mem(runs, kind, key):
    want = by_record(records(os.path.join(HERE, f"bwa_{kind}.sam")))
    got = by_record(runs[kind])
    assert key in got, f"no record {key}; pimalign wrote {sorted(k for k in got if k[0] == key[0])}"
    if OWN_WAY.get(key[0]) == "tags":
        want[key].pop("tags"), got[key].pop("tags")
    assert got[key] == want[key]


def test_no_record_bwa_does_not_write(runs):
    for kind in ("se", "pe"):
        want = by_record(records(os.path.join(HERE, f"bwa_{kind}.sam")))
        assert set(by_record(runs[kind])) <= set(want)


@pytest.mark.parametrize("kind", ["se", "pe"])
def test_whole_records_equal_the_committed_golden_output(runs, kind):
    golden = os.path.join(HERE, f"pimalign_{kind}.sam")
    if os.environ.get("PIMALIGN_GOLDEN") == "write":
        with open(golden, "w") as fh:
            fh.writelines(line + "\n" for line in runs[kind])
    assert runs[kind] == records(golden)
