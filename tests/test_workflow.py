"""The Snakemake workflow and wrappers (workflow/), run by real Snakemake on the bundled data.

Every run happens in a temporary folder (the repository is never written to), with TMPDIR pointed
at a scratch folder that must be empty afterwards.
"""

import difflib
import gzip
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import clirun
import pysam
import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "workflow"
SNAKEFILE = WORKFLOW / "Snakefile"
DATA = ROOT / "data"
DEMO = ("demo_ref.fa.gz", "demo_R1.fq.gz", "demo_R2.fq.gz", "pairs_reads_demo.tsv.gz")
READ_GROUP = r"@RG\tID:{0}\tSM:{0}"


# -- helpers (test_slurm.py uses them too) ----------------------------------------------------


def environment(scratch: Path | None = None) -> dict:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    if scratch is not None:
        scratch.mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(scratch)
    return env


def snakemake(
    *args, cwd: Path, scratch: Path | None = None, check: bool = True, timeout: int = 600
) -> subprocess.CompletedProcess:
    """Run ``python -m snakemake ARGS`` in ``cwd``; stdout and stderr together in ``.stdout``."""
    res = subprocess.run(
        [sys.executable, "-m", "snakemake", *map(str, args)],
        cwd=cwd,
        env=environment(scratch),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    if check:
        assert res.returncode == 0, res.stdout[-6000:]
    return res


def pimalign(*args, cwd: Path) -> None:
    """``python -m pimalign ARGS`` in ``cwd``, forked off ``tests/clirun.py``'s server."""
    res = clirun.run(list(map(str, args)), cwd=cwd, text=True)
    assert res.returncode == 0, res.stderr


def copy_demo(folder: Path) -> None:
    (folder / "data").mkdir(parents=True)
    for name in DEMO:
        shutil.copy(DATA / name, folder / "data" / name)


def bam_records(path: Path) -> tuple[list[str], list[str]]:
    """(header lines without @PG, records as SAM text in file order)."""
    with pysam.AlignmentFile(str(path), check_sq=False) as bam:
        header = [line for line in str(bam.header).splitlines() if not line.startswith("@PG")]
        return header, [r.to_string() for r in bam.fetch(until_eof=True)]


def whole_run(
    folder: Path,
    index: Path,
    reads: list[Path],
    sample: str,
    out: Path,
    workload: Path | None = None,
) -> Path:
    """One ``pimalign align`` on a sample's whole input (the reference for a scattered run)."""
    extra = ["--workload", workload] if workload else []
    pimalign(
        "align",
        index,
        *reads,
        "-R",
        READ_GROUP.format(sample),
        "-o",
        out,
        "-t",
        "2",
        "--no-progress",
        *extra,
        cwd=folder,
    )
    return out


def leftovers(folder: Path) -> list[str]:
    """Temporary files (pimalign's ``.NAME.XXXX.tmp*``, the wrapper's ``pimalign-align.*``)."""
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if ".tmp" in p.name or p.name.startswith("pimalign-align.")
    )


def workload_rows(path: Path) -> list[str]:
    with gzip.open(path, "rt") as handle:
        return sorted(line for line in handle if not line.startswith("#"))


def write_yaml(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


NO_PIM = "pim:\n  estimate: false\n"


# -- the workflow on the bundled demo (default config) ---------------------------------------


def run_demo(folder: Path) -> types.SimpleNamespace:
    """The default config on a copy of data/ in ``folder``, PIM estimate off (see
    test_default_run_with_pim). Once per test run: the ``demo_run`` fixture (tests/conftest.py),
    which test_slurm.py compares its SLURM run with."""
    copy_demo(folder)
    write_yaml(folder / "nopim.yaml", NO_PIM)
    res = snakemake(
        "-s",
        SNAKEFILE,
        "--cores",
        "2",
        "--configfile",
        "nopim.yaml",
        cwd=folder,
        scratch=folder / "scratch",
    )
    return types.SimpleNamespace(folder=folder, results=folder / "results", log=res.stdout)


def test_demo_run_outputs_and_no_leftovers(demo_run):
    r = demo_run.results
    for name in (
        "bam/demo.bam",
        "bam/demo.bam.bai",
        "index/reference.pmi",
        "insert/demo.txt",
        "workload/demo.tsv.gz",
        "stats/demo.flagstat.txt",
        "stats/demo.idxstats.tsv",
        "stats/demo.summary.json",
        "plots/demo.mapq.png",
        "plots/demo.insert.png",
        "plots/demo.coverage.png",
        "plots/demo.workload.png",
        "editdist/demo_pairs.tsv",
        "plots/demo_pairs.editdist.png",
        "logs/align/demo/1-of-2.log",
        "logs/align/demo/2-of-2.log",
    ):
        assert (r / name).stat().st_size > 0, name
    assert not [p for p in (r / "chunks").rglob("*") if p.is_file()]  # temp() chunks removed
    assert leftovers(demo_run.folder) == []
    assert list((demo_run.folder / "scratch").iterdir()) == []
    # every chunk got the whole sample's insert model (-I in the @PG command lines)
    model = (r / "insert" / "demo.txt").read_text().strip()
    assert model.count(",") == 3  # MEAN,SD,MAX,MIN as bwa mem -I takes it
    with pysam.AlignmentFile(str(r / "bam" / "demo.bam")) as bam:
        programs = [pg.get("CL", "") for pg in bam.header.to_dict().get("PG", [])]
    assert any(f"-I {model}" in cl for cl in programs), programs


def test_merged_bam_equals_one_run_on_the_whole_input(demo_run):
    folder = demo_run.folder
    whole = whole_run(
        folder,
        demo_run.results / "index" / "reference.pmi",
        [DATA / "demo_R1.fq.gz", DATA / "demo_R2.fq.gz"],
        "demo",
        folder / "whole.bam",
        folder / "whole.workload.tsv.gz",
    )
    header, records = bam_records(demo_run.results / "bam" / "demo.bam")
    whole_header, whole_records = bam_records(whole)
    assert len(records) == 4000
    assert records == whole_records  # same records, same order
    assert header == whole_header
    assert workload_rows(demo_run.results / "workload" / "demo.tsv.gz") == workload_rows(
        folder / "whole.workload.tsv.gz"
    )


def test_stats_equal_samtools(demo_run):
    bam = str(demo_run.results / "bam" / "demo.bam")
    stats = demo_run.results / "stats"
    assert (stats / "demo.flagstat.txt").read_text() == pysam.flagstat(bam)
    assert (stats / "demo.idxstats.tsv").read_text() == pysam.idxstats(bam)
    summary = json.loads((stats / "demo.summary.json").read_text())
    assert summary["flagstat_qc_passed"]["total"] == 4000
    assert [c["mapped"] for c in summary["contigs"]] == [
        int(line.split("\t")[2]) for line in pysam.idxstats(bam).splitlines()[:-1]
    ]
    assert 0.9 < summary["mapped_fraction"] <= 1.0
    assert 300 < summary["insert_median"] < 500


def test_report_with_the_plots(demo_run):
    report = demo_run.folder / "report.html"
    snakemake(
        "-s", SNAKEFILE, "--configfile", "nopim.yaml", "--report", report, cwd=demo_run.folder
    )
    html = report.read_text(errors="replace")
    for plot in (
        "demo.mapq.png",
        "demo.insert.png",
        "demo.coverage.png",
        "demo.workload.png",
        "demo_pairs.editdist.png",
        "demo.flagstat.txt",
    ):
        assert plot in html, plot


def test_second_run_has_nothing_to_do(demo_run):
    res = snakemake(
        "-s", SNAKEFILE, "--cores", "2", "--configfile", "nopim.yaml", "-n", cwd=demo_run.folder
    )
    assert "Nothing to be done" in res.stdout, res.stdout[-3000:]


def test_default_run_with_pim_estimate_and_report(demo_run):
    """The default config, as the README runs it: adds the PIM estimates to the demo run."""
    folder = demo_run.folder
    res = snakemake("-s", SNAKEFILE, "--cores", "2", cwd=folder, scratch=folder / "scratch")
    assert "align_chunk" not in res.stdout  # only the PIM jobs were missing
    for name in ("pim/demo.json", "pim/editdist_demo_pairs.json"):
        json.loads((demo_run.results / name).read_text())
    for name in ("pim/demo", "pim/editdist_demo_pairs"):
        assert list((demo_run.results / name).glob("*.png")), name
    snakemake("-s", SNAKEFILE, "--report", folder / "report_pim.html", cwd=folder)
    html = (folder / "report_pim.html").read_text(errors="replace")
    assert "PIM estimate" in html and "demo.mapq.png" in html
    assert any(p.name in html for p in (demo_run.results / "pim" / "demo").glob("*.png"))
    assert leftovers(folder) == []


def test_lint_is_clean(tmp_path):
    res = snakemake("-s", SNAKEFILE, "--lint", "--directory", tmp_path, cwd=tmp_path)
    assert "Congratulations, your workflow is in a good condition!" in res.stdout, res.stdout


# -- config ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config,message",
    [
        ("samples:\n  s: [a.fq, b.fq, c.fq]\n", "is not valid under any of the given schemas"),
        ("chunks: 0\n", "less than the minimum of 1"),
        ("pim:\n  estimate: maybe\n", "is not of type 'boolean'"),
        ("samples:\n  'bad name': [a.fq]\n", "does not match"),
        ("colour: blue\n", "Additional properties are not allowed"),
    ],
)
def test_config_is_validated(tmp_path, config, message):
    write_yaml(tmp_path / "bad.yaml", config)
    res = snakemake("-s", SNAKEFILE, "-n", "--configfile", "bad.yaml", cwd=tmp_path, check=False)
    assert res.returncode != 0
    assert message in res.stdout, res.stdout[-3000:]


def test_command_line_samples_replace_the_demo(tmp_path):
    write_yaml(
        tmp_path / "mine.yaml",
        f"""\
        reference: {DATA / "demo_ref.fa.gz"}
        samples:
          mine: {DATA / "demo_R1.fq.gz"}
        """,
    )
    res = snakemake("-s", SNAKEFILE, "-n", "--configfile", "mine.yaml", cwd=tmp_path)
    assert "results/bam/mine.bam" in res.stdout
    assert "results/bam/demo.bam" not in res.stdout
    assert "demo_pairs" not in res.stdout
    assert "insert_size" not in res.stdout  # single-end: no insert model


# -- failures --------------------------------------------------------------------------------


def test_failed_chunk_leaves_no_partial_outputs(tmp_path):
    lines = gzip.open(DATA / "demo_R1.fq.gz", "rt").read().splitlines(True)
    lines[4 * 1500 + 1] = "ACGTJ" + lines[4 * 1500 + 1][5:]  # read 1501: chunk 2 of 2
    (tmp_path / "bad.fq").write_text("".join(lines))
    write_yaml(
        tmp_path / "bad.yaml",
        textwrap.dedent(f"""\
        reference: {DATA / "demo_ref.fa.gz"}
        samples:
          bad: bad.fq
        """)
        + NO_PIM,
    )
    res = snakemake(
        "-s",
        SNAKEFILE,
        "--cores",
        "2",
        "--configfile",
        "bad.yaml",
        cwd=tmp_path,
        scratch=tmp_path / "scratch",
        check=False,
    )
    assert res.returncode != 0
    assert "Error in rule align_chunk" in res.stdout
    log = (tmp_path / "results" / "logs" / "align" / "bad" / "2-of-2.log").read_text()
    # the chunk's record 501 is the sample's read 1501; the message names the read
    assert "2-of-2.R1.fq.gz: record 501 (ecoli536_1000001_1300000_212766_212951" in log
    assert "invalid character 'J'" in log
    results = tmp_path / "results"
    assert not (results / "chunks" / "bad" / "2-of-2.bam").exists()
    assert not (results / "chunks" / "bad" / "2-of-2.workload.tsv.gz").exists()
    assert not (results / "bam").exists()
    assert leftovers(tmp_path) == []
    assert list((tmp_path / "scratch").iterdir()) == []


# -- used as a module ------------------------------------------------------------------------

MODULE_SNAKEFILE = """\
configfile: "config.yaml"


module pimalign:
    snakefile:
        "{snakefile}"
    config:
        config["pimalign"]


use rule * from pimalign as pimalign_*


rule all:
    input:
        rules.pimalign_all.input,
        "mapped_reads.txt",
    default_target: True


rule count_mapped:
    input:
        "mapped/stats/pe.flagstat.txt",
    output:
        "mapped_reads.txt",
    log:
        "logs/count_mapped.log",
    shell:
        "grep -m1 ' mapped (' {{input}} > {{output}} 2> {{log}}"
"""


def test_used_as_a_module(tmp_path):
    """A tiny outer workflow: a paired and a single-end sample in 3 uneven chunks, two-file
    edit distances; each merged BAM equals one run on the whole input."""
    (tmp_path / "Snakefile").write_text(MODULE_SNAKEFILE.format(snakefile=SNAKEFILE))
    r1, r2 = DATA / "demo_R1.fq.gz", DATA / "demo_R2.fq.gz"
    write_yaml(
        tmp_path / "config.yaml",
        f"""\
        pimalign:
          reference: {DATA / "demo_ref.fa.gz"}
          samples:
            pe: [{r1}, {r2}]
            se: [{r2}]
          chunks: 3
          outdir: mapped
          editdist:
            pairs:
              mates: [{r1}, {r2}]
            extra: "--mode HW --task locations"
          pim:
            estimate: false
        """,
    )
    snakemake("--cores", "2", cwd=tmp_path, scratch=tmp_path / "scratch")
    mapped = tmp_path / "mapped"
    assert " mapped (" in (tmp_path / "mapped_reads.txt").read_text()
    assert len((mapped / "editdist" / "mates.tsv").read_text().splitlines()) == 2001
    split_log = (mapped / "logs" / "split_reads" / "pe.R1.log").read_text()
    assert "(667, 667, 666)" in split_log
    index = mapped / "index" / "reference.pmi"
    for sample, reads in (("pe", [r1, r2]), ("se", [r2])):
        whole = whole_run(tmp_path, index, reads, sample, tmp_path / f"{sample}.whole.bam")
        assert bam_records(mapped / "bam" / f"{sample}.bam") == bam_records(whole), sample
    assert not (mapped / "insert" / "se.txt").exists()
    assert leftovers(tmp_path) == []


# -- wrappers --------------------------------------------------------------------------------

# A user's bwa mem rule, shaped like snakemake-wrappers' bio/bwa/mem test.
BWA_RULE = r"""
rule bwa_mem:
    input:
        reads=["reads/{sample}.1.fastq", "reads/{sample}.2.fastq"],
        idx=multiext("genome", ".amb", ".ann", ".bwt", ".pac", ".sa"),
    output:
        "mapped/{sample}.bam",
    log:
        "logs/bwa_mem/{sample}.log",
    params:
        extra=r"-R '@RG\tID:{sample}\tSM:{sample}'",
        sorting="none",  # Can be 'none', 'samtools' or 'pimalign'.
        sort_order="queryname",  # Can be 'queryname' or 'coordinate'.
        sort_extra="",  # Extra args for samtools.
    threads: 2
    wrapper:
        "v5.0.0/bio/bwa/mem"
"""


def _rule_text(snakefile: Path, name: str) -> str:
    text = snakefile.read_text()
    start = text.index(f"rule {name}:")
    end = text.find("\n\n\nrule ", start)
    return text[start : end if end >= 0 else len(text)].strip("\n")


def test_align_wrapper_is_a_drop_in_for_bwa_mem(tmp_path):
    """The wrapper test's first rule is the bwa rule with only the wrapper line and idx changed;
    the whole wrapper test (every sorting, BAM/CRAM/SAM, .bai/.csi/.crai) runs in Snakemake."""
    test_snakefile = WORKFLOW / "wrappers" / "align" / "test" / "Snakefile"
    ours = _rule_text(test_snakefile, "bwa_mem").splitlines()
    theirs = BWA_RULE.strip("\n").splitlines()
    changed = [line for line in difflib.ndiff(theirs, ours) if line[:2] in ("- ", "+ ")]
    assert changed == [
        '-         idx=multiext("genome", ".amb", ".ann", ".bwt", ".pac", ".sa"),',
        '+         idx="genome.pmi",',
        '-         "v5.0.0/bio/bwa/mem"',
        "+         ALIGN",
    ], changed

    snakemake(
        "-s",
        test_snakefile,
        "--cores",
        "2",
        "--directory",
        tmp_path,
        cwd=tmp_path,
        scratch=tmp_path / "scratch",
    )
    assert list((tmp_path / "scratch").iterdir()) == []
    assert leftovers(tmp_path) == []

    def records(name, **kwargs):
        with pysam.AlignmentFile(str(tmp_path / name), **kwargs) as f:
            return f.header.to_dict(), list(f.fetch(until_eof=True))

    header, unsorted = records("mapped/a.bam")
    assert len(unsorted) == 400 and header["RG"] == [{"ID": "a", "SM": "a"}]
    assert all(r.get_tag("RG") == "a" for r in unsorted)
    assert "-t 2" in header["PG"][0]["CL"]  # threads became -t
    assert "[pimalign] align: 400 reads" in (tmp_path / "logs/bwa_mem/a.log").read_text()
    header, by_name = records("mapped_samtools/a.bam")
    assert header["HD"]["SO"] == "queryname"
    assert sorted(r.to_string() for r in by_name) == sorted(r.to_string() for r in unsorted)
    assert "-m 64M" in (tmp_path / "logs/bwa_mem_samtools/a.log").read_text()
    for bam, index in (
        ("mapped_with_index/a.bam", "mapped_with_index/a.bam.csi"),
        ("mapped_pimalign/a.bam", "mapped_pimalign/a.bam.bai"),
    ):
        with pysam.AlignmentFile(str(tmp_path / bam), index_filename=str(tmp_path / index)) as f:
            assert f.header.to_dict()["HD"]["SO"] == "coordinate"
            assert f.mapped == sum(1 for r in unsorted if not r.is_unmapped)
    assert not (tmp_path / "mapped_with_index/a.bam.bai").exists()
    _, cram = records("mapped_cram/a.cram", reference_filename=str(tmp_path / "genome.fasta"))
    assert len(cram) == 400
    with open(tmp_path / "mapped_cram/a.cram", "rb") as f:
        assert f.read(6)[4:] == b"\x03\x00"  # CRAM 3.0
    with pysam.AlignmentFile(str(tmp_path / "mapped_cram/a.cram")) as f:
        assert all("UR" not in sq and "M5" in sq for sq in f.header.to_dict()["SQ"])
    assert (tmp_path / "mapped_cram/a.cram.crai").stat().st_size > 0
    _, single = records("mapped_se/a.sam")
    assert len(single) == 200 and not any(r.is_paired for r in single)
    # bio/bwa/mem extra strings: -M -Y -K -v 1 and a read group of wildcards; -p with one input
    header, gatk = records("mapped_gatk/a.bam")
    assert header["RG"] == [{"ID": "a.L1", "SM": "a", "PL": "ILLUMINA", "LB": "a"}]
    assert sorted(r.query_name for r in gatk) == sorted(r.query_name for r in unsorted)
    assert all(r.get_tag("RG") == "a.L1" and not r.is_supplementary for r in gatk)
    _, interleaved = records("mapped_interleaved/a.bam")
    strip = [(r.query_name, r.flag, r.reference_start, r.cigarstring) for r in unsorted]
    assert [(r.query_name, r.flag, r.reference_start, r.cigarstring) for r in interleaved] == strip


BAD_RULES = """\
ALIGN = "file:{wrapper}"


rule all:
    input:
        expand("out/{{case}}.bam", case=["picard", "order", "index", "three"]),
        "out/ext.txt",


rule picard:
    input:
        reads="r1.fq",
        idx="g.pmi",
    output:
        "out/picard.bam",
    params:
        sorting="picard",
    wrapper:
        ALIGN


rule order:
    input:
        reads="r1.fq",
        idx="g.pmi",
    output:
        "out/order.bam",
    params:
        sorting="samtools",
        sort_order="position",
    wrapper:
        ALIGN


rule index:
    input:
        reads="r1.fq",
        idx="g.pmi",
    output:
        "out/index.bam",
        idx="out/index.bam.bai",
    params:
        sorting="none",
    wrapper:
        ALIGN


rule three:
    input:
        reads=["r1.fq", "r1.fq", "r1.fq"],
        idx="g.pmi",
    output:
        "out/three.bam",
    wrapper:
        ALIGN


rule ext:
    input:
        reads="r1.fq",
        idx="g.pmi",
    output:
        "out/ext.txt",
    wrapper:
        ALIGN
"""


def test_align_wrapper_bad_values_fail_clearly(tmp_path):
    (tmp_path / "Snakefile").write_text(BAD_RULES.format(wrapper=WORKFLOW / "wrappers" / "align"))
    (tmp_path / "r1.fq").write_text("@r\nACGT\n+\nIIII\n")
    (tmp_path / "g.pmi").write_text("")
    res = snakemake("--cores", "2", "--keep-going", cwd=tmp_path, check=False)
    assert res.returncode != 0
    for message in (
        "Unexpected value for params.sorting ('picard')",
        "picard and fgbio are not offered",
        "Unexpected value for params.sort_order ('position')",
        "needs a coordinate-sorted output",
        "input reads must be one file, or a list of one or two (paired-end); got 3",
        "unknown extension; use .sam, .bam or .cram",
    ):
        assert message in res.stdout, message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def _load_wrapper(name: str):
    spec = importlib.util.spec_from_file_location(
        f"wrapper_{name}", WORKFLOW / "wrappers" / name / "wrapper.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _job(inputs, outputs, params=None, threads=4, tmpdir="/scratch"):
    from snakemake.iocontainers import Namedlist

    def named(values):
        values = dict(values)
        positional = values.pop(None, [])
        out = Namedlist(positional)
        for key, value in values.items():
            out.append(value)
            out._add_name(key)
        return out

    return types.SimpleNamespace(
        input=named(inputs),
        output=named(outputs),
        params=named(params or {}),
        threads=threads,
        resources=named({"tmpdir": tmpdir}),
    )


def test_align_wrapper_plan():
    wrapper = _load_wrapper("align")
    plan = wrapper.make_plan(
        _job(
            {"reads": ["a.fq", "b.fq"], "idx": ["g.fa", "g.pmi"]},
            {None: ["out.cram"], "idx": "out.cram.crai"},
            {"sorting": "samtools", "extra": "-R x"},
        )
    )
    assert (plan["ref"], plan["format"], plan["index"], plan["threads"], plan["tmp_dir"]) == (
        "g.pmi",
        "CRAM",
        "out.cram.crai",
        4,
        "/scratch",
    )
    assert (
        wrapper.make_plan(_job({"reads": "a.fq", "idx": "g.fa.gz"}, {None: ["o.sam"]}))["ref"]
        == "g.fa.gz"
    )
    bad = [
        ({"reads": "a.fq", "idx": ["g.amb", "g.bwt"]}, {None: ["o.bam"]}, {}, "pimalign index"),
        ({"reads": "a.fq", "idx": "g.pmi"}, {None: ["o.bam"]}, {"sort_extra": "-T /x"}, "-T"),
        (
            {"reads": "a.fq", "idx": "g.pmi"},
            {None: ["o.cram"], "idx": "o.cram.bai"},
            {"sorting": "pimalign"},
            "must end with .crai",
        ),
        (
            {"reads": "a.fq", "idx": "g.pmi"},
            {None: ["o.bam"], "idx": "o.bam.bai"},
            {"sorting": "samtools", "sort_order": "queryname"},
            "coordinate-sorted",
        ),
        ({"reads": [], "idx": "g.pmi"}, {None: ["o.bam"]}, {}, "got 0"),
    ]
    for inputs, outputs, params, message in bad:
        with pytest.raises(ValueError, match=message):
            wrapper.make_plan(_job(inputs, outputs, params))


def test_index_and_editdist_wrappers(tmp_path):
    wrappers = WORKFLOW / "wrappers"
    snakemake("-s", wrappers / "index" / "test" / "Snakefile", "--cores", "1", cwd=tmp_path)
    snakemake("-s", wrappers / "editdist" / "test" / "Snakefile", "--cores", "2", cwd=tmp_path)
    from pimalign.mapper.index import load_index

    assert int(load_index(str(tmp_path / "genome.pmi")).ref.offsets[-1]) == 300_000
    pairs = (tmp_path / "distances" / "pairs.tsv").read_text().splitlines()
    assert pairs[0] == "#id\tdistance\tstart\tend\tcigar\tband\tcells\tbits"
    assert len(pairs) == 2001
    reads = (tmp_path / "distances" / "reads.tsv").read_text().splitlines()
    assert reads[0] == "#id\tdistance\tstart\tend" and len(reads) == 2001
    assert "editdist: 2000 pairs, mode HW" in (tmp_path / "logs" / "editdist_reads.log").read_text()
