"""bwa mem command lines from common pipelines and wrapper examples, with ``bwa mem`` replaced by
``pimalign align`` (issue 32): each works with bwa's meaning, or exits 2 with one line naming
the option. Run in this process (``cli.main``) on the first 200 demo pairs."""

import contextlib
import gzip
import io
import itertools
import os
import shlex
import shutil
import subprocess
import sys

import pysam
import pytest
from conftest import DATA

from pimalign.cli.main import main

PAIRS = 200


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    """The inputs: ref.fa with its ref.fa.pmi, the first pairs as two files and interleaved,
    single-end reads with SAM-tag comments, and a header file."""
    top = tmp_path_factory.mktemp("bwa_cli")
    with gzip.open(os.path.join(DATA, "demo_ref.fa.gz"), "rb") as src:
        (top / "ref.fa").write_bytes(src.read())
    ends = []
    for n in (1, 2):
        with gzip.open(os.path.join(DATA, f"demo_R{n}.fq.gz"), "rt") as src:
            ends.append(list(itertools.islice(src, 4 * PAIRS)))
        (top / f"r{n}.fq").write_text("".join(ends[-1]))
    with open(top / "inter.fq", "w") as out:
        for x in range(0, 4 * PAIRS, 4):
            out.writelines(ends[0][x : x + 4] + ends[1][x : x + 4])
    one = ends[0]
    with open(top / "comments.fq", "w") as out:
        for x in range(0, 4 * PAIRS, 4):
            name = one[x].split()[0]
            out.write(f"{name} BC:Z:ACGT{x // 4}\tRX:Z:NN\n" + "".join(one[x + 1 : x + 4]))
    (top / "header.txt").write_text("@CO\tfrom a file\n@CO\tsecond line\n")
    _quiet(["index", str(top / "ref.fa")])
    return top


def _quiet(argv):
    """``pimalign`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: help (0), a malformed value (2)
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def align(d, line: str, out: str = "out.sam"):
    """Run one bwa mem command line as ``pimalign align``, with -o ``out`` in the folder ``d``;
    returns (exit code, stderr, header dict, records as text)."""
    words = [w.format(d=d) for w in shlex.split(line)]
    path = d / out
    if path.exists():
        path.unlink()
    code, _, err = _quiet(["align", *words, "-o", str(path)])
    if code != 0:
        assert not path.exists(), "no output after an error"
        return code, err, None, None
    with pysam.AlignmentFile(str(path)) as sam:
        return code, err, sam.header.to_dict(), [r.to_string() for r in sam.fetch(until_eof=True)]


def errors(stderr: str) -> list:
    return [x for x in stderr.splitlines() if x.strip() and not x.startswith("[pimalign]")]


PE = "{d}/ref.fa {d}/r1.fq {d}/r2.fq"
SE = "{d}/ref.fa {d}/r1.fq"


@pytest.fixture(scope="module")
def base(d):
    """The plain runs the others are compared with."""
    runs = {}
    for name, line in (("pe", f"-t 2 {PE}"), ("se", f"-t 2 {SE}")):
        code, err, header, recs = align(d, line, f"base_{name}.sam")
        assert code == 0, err
        runs[name] = recs
    return runs


def fields(recs, *cols):
    return [tuple(r.split("\t")[c] for c in cols) for r in recs]


def without_rg(recs):
    return [r.replace("\tRG:Z:s1", "") for r in recs]


# (bwa mem command line after "bwa mem", what it must give: "base" (the plain paired run's
# records), "base_se", a long-option equivalent to compare with, or an option refused)
SAME_AS_LONG = {
    # bwa's short scoring options equal pimalign's long ones
    f"-B 2 -O 3 -E 2 -L 10,5 {PE}": (
        f"--mismatch 2 --gap-open 3 --gap-extend 2 --clip5 10 --clip3 5 {PE}"
    ),
    # -A scales -TBOELU unless given (bwa's rule): here all but -B
    f"-A 2 -B 6 {PE}": (
        f"--match 2 --mismatch 6 --gap-open 12 --gap-extend 2 --clip5 10 --clip3 10 "
        f"--unpaired 34 --min-score 60 {PE}"
    ),
    f"-x intractg {PE}": f"--mismatch 9 --gap-open 16 --clip5 5 --clip3 5 {PE}",
    f"-S -t 2 {PE}": f"--no-rescue {PE}",
    f"-T 20 -U 9 {SE}": f"--min-score 20 --unpaired 9 {SE}",
    f"-D 0.3 -c 100 {SE}": f"--drop-pct 30 --max-occ 100 {SE}",
}

AS_BASE = [
    # bwa's defaults spelled out (GATK and nf-core lines often carry them)
    f"-k 19 -w 100 -d 100 -r 1.5 -y 20 -c 500 -D 0.5 -W 0 -m 50 -A 1 -B 4 -O 6,6 -E 1,1 "
    f"-L 5,5 -U 17 -T 30 -t 2 {PE}",
    f"-t 2 -K 100000000 {PE}",  # fixed batch size "for reproducibility": no effect here
    f"-j -t 2 {PE}",  # no .alt file read: always so
    f"-t 2 -Y {PE}",  # no split reads here: -Y changes nothing
    f"-v 3 -t 2 {PE}",
    f"-t 2 -h 5,200 {PE}",  # bwa's default XA limits (no repeats in the demo: no XA)
]

REFUSED = {
    f"-x ont2d {SE}": "-x ont2d",
    f"-x pacbio -t 2 {SE}": "-x pacbio",
    f"-h 9 {PE}": "-h 9",  # more XA hits than the candidates kept
    f"-P {PE}": "-P",
    f"-5 -M {PE}": "-5",
    f"-q {PE}": "-q",
    f"-V {SE}": "-V",
    f"-w 50 {PE}": "-w 50",
    f"-O 6,7 {PE}": "-O 6,7",
    f"-E 1,2 {PE}": "-E 1,2",
    f"-r 2.5 {SE}": "-r 2.5",
    f"-W 20 {SE}": "-W 20",
    f"-p {PE}": "-p",
}


@pytest.mark.parametrize("line", AS_BASE)
def test_same_records_as_the_plain_run(d, base, line):
    code, err, _, recs = align(d, line)
    assert code == 0, err
    assert recs == base["pe"]


@pytest.mark.parametrize("line", list(SAME_AS_LONG))
def test_short_options_mean_the_long_ones(d, line):
    code, err, _, short = align(d, line, "short.sam")
    assert code == 0, err
    code, err, _, long = align(d, SAME_AS_LONG[line], "long.sam")
    assert code == 0, err
    assert short == long


@pytest.mark.parametrize("line", list(REFUSED))
def test_refused_in_one_line_naming_the_option(d, line):
    code, err, _, _ = align(d, line)
    assert code == 2
    lines = errors(err)
    assert len(lines) == 1 and REFUSED[line] in lines[0], err
    assert "Traceback" not in err


def test_gatk_best_practice_line(d, base):
    """GATK's `bwa mem -K 100000000 -p -v 3 -t 16 -Y ref interleaved.fq`, and the older
    `bwa mem -M -t 8 -R '@RG...' ref r1 r2`: the interleaved run gives the two-file records."""
    code, err, _, recs = align(d, "-K 100000000 -p -v 3 -t 2 -Y {d}/ref.fa {d}/inter.fq")
    assert code == 0, err
    assert recs == base["pe"]
    rg = r"'@RG\tID:s1\tSM:s1\tPL:ILLUMINA\tLB:lib1'"
    code, err, header, recs = align(d, f"-M -t 2 -R {rg} {PE}")
    assert code == 0, err
    assert header["RG"] == [{"ID": "s1", "SM": "s1", "PL": "ILLUMINA", "LB": "lib1"}]
    assert without_rg(recs) == base["pe"] and all("\tRG:Z:s1" in r for r in recs)


def test_interleaved_with_M_equals_two_files(d):
    code, err, _, inter = align(d, "-M -p {d}/ref.fa {d}/inter.fq", "i.sam")
    assert code == 0, err
    code, err, _, two = align(d, f"-M {PE}", "two.sam")
    assert code == 0, err
    assert inter == two


def test_interleaved_looking_single_end_warns(d):
    code, err, _, recs = align(d, "{d}/ref.fa {d}/inter.fq")
    assert code == 0, err
    assert "looks interleaved" in err and "give -p" in err
    assert len(recs) == 2 * PAIRS and not any(int(f) & 1 for (f,) in fields(recs, 1))


def test_all_alignments_are_secondary_records(d, base):
    """-a: the primaries of the plain run (the demo has no repeats), and on a reference holding
    a segment twice, the other copy as a secondary record (0x100, SEQ *, MAPQ 0), as bwa."""
    code, err, _, recs = align(d, f"-a {SE}")
    assert code == 0, err
    assert recs == base["se"]
    seq = "".join(x.strip() for x in open(d / "ref.fa") if not x.startswith(">"))
    copy = seq[5000:6000]
    copy = copy[:300] + ("A" if copy[300] != "A" else "C") + copy[301:]
    (d / "rep.fa").write_text(f">rep\n{seq[:30000] + copy + seq[40000:60000]}\n")
    read = seq[5200:5350]
    (d / "rep.fq").write_text(f"@r\n{read}\n+\n{'I' * len(read)}\n")
    code, err, _, recs = align(d, "-a {d}/rep.fa {d}/rep.fq")
    assert code == 0, err
    ours = [r.split("\t") for r in recs]
    assert [(int(r[1]), r[3]) for r in ours] == [(0, "5201"), (256, "30201")]
    assert ours[1][9] == "*" and ours[1][4] == "0"
    code, err, _, plain = align(d, "{d}/rep.fa {d}/rep.fq")
    assert len(plain) == 1  # no secondary record without -a (bwa: XA instead)
    if shutil.which("bwa") is None:
        pytest.skip("bwa is not installed")
    subprocess.run(["bwa", "index", str(d / "rep.fa")], capture_output=True, check=True)
    bwa = subprocess.run(
        ["bwa", "mem", "-a", str(d / "rep.fa"), str(d / "rep.fq")],
        capture_output=True,
        text=True,
        check=True,
    )
    # flags, places, CIGARs, SEQ (MAPQ of a repeat copy is the MAPQ code's, tested apart)
    cols = (0, 1, 2, 3, 5, 9)
    assert _split_fields(recs, cols) == _split_fields(bwa.stdout.splitlines(), cols)


def test_xa_as_bwa(d, tmp_path):
    """A read in three copies (one reverse): its primary and XA together name the same places
    as bwa's (which copy is primary is each tool's tie-break); -h 1 writes none, as bwa."""
    seq = "".join(x.strip() for x in open(d / "ref.fa") if not x.startswith(">"))
    comp = str.maketrans("ACGT", "TGCA")
    unit = seq[5000:6000]
    one = unit[:300] + ("A" if unit[300] != "A" else "C") + unit[301:]
    two = (unit[:500] + ("A" if unit[500] != "A" else "C") + unit[501:]).translate(comp)[::-1]
    ref = tmp_path / "xa.fa"
    ref.write_text(f">xa\n{seq[:30000] + one + seq[40000:60000] + two + seq[70000:80000]}\n")
    reads = {"a": seq[5200:5350], "b": seq[5400:5550], "c": seq[5100:5200] + "ACGTTGCAAT"}
    fq = tmp_path / "xa.fq"
    fq.write_text("".join(f"@{n}\n{s}\n+\n{'I' * len(s)}\n" for n, s in reads.items()))

    def places(lines):
        out = {}
        for r in (x.split("\t") for x in lines if x and not x.startswith("@")):
            xa = next((t[5:] for t in r[11:] if t.startswith("XA:Z:")), "")
            here = f"{r[2]},{'-' if int(r[1]) & 16 else '+'}{r[3]},{r[5]}"
            hits = [h.rsplit(",", 1)[0] for h in xa.split(";") if h]
            out[r[0]] = sorted([here] + hits)
        return out

    code, err, _, recs = align(d, f"{ref} {fq}")
    assert code == 0, err
    ours = places(recs)
    assert all(len(v) == 3 for v in ours.values()), ours
    code, err, _, recs = align(d, f"-h 1 {ref} {fq}")
    assert code == 0 and not any("XA:Z:" in r for r in recs)
    if shutil.which("bwa") is None:
        pytest.skip("bwa is not installed")
    subprocess.run(["bwa", "index", str(ref)], capture_output=True, check=True)
    bwa = subprocess.run(["bwa", "mem", str(ref), str(fq)], capture_output=True, text=True)
    assert ours == places(bwa.stdout.splitlines())


def test_xa_of_a_pair_that_chose_another_copy(d, tmp_path):
    """End 1 matches copy B exactly and copy A with one mismatch; its mate lies only beside A.
    The pair takes A, so B (the end's own best) is its alternative: bwa 0.7.17 writes
    ``XA:Z:xa,+5801,150M,0;`` on that record (pinned here: its whole record below)."""
    seq = "".join(x.strip() for x in open(d / "ref.fa") if not x.startswith(">"))
    unit = seq[5000:6000]
    a = unit[:850] + ("A" if unit[850] != "A" else "C") + unit[851:]
    ref_seq = seq[:30000] + a + seq[40000:60000]
    ref = tmp_path / "xa.fa"
    ref.write_text(f">xa\n{ref_seq}\n")
    mate = ref_seq[31100:31250].translate(str.maketrans("ACGT", "TGCA"))[::-1]
    for n, s in ((1, unit[800:950]), (2, mate)):
        (tmp_path / f"p{n}.fq").write_text(f"@p/{n}\n{s}\n+\n{'I' * 150}\n")
    code, err, _, recs = align(d, f"-I 450,50 {ref} {tmp_path / 'p1.fq'} {tmp_path / 'p2.fq'}")
    assert code == 0, err
    got = [r.split("\t")[:9] + sorted(r.split("\t")[11:]) for r in recs]
    bwa = [
        "p 99 xa 30801 40 150M = 31101 450 AS:i:145 MC:Z:150M MD:Z:50C99 NM:i:1 XS:i:150 "
        "XA:Z:xa,+5801,150M,0;",
        "p 147 xa 31101 60 150M = 30801 -450 AS:i:150 MC:Z:150M MD:Z:150 NM:i:0 XS:i:0",
    ]
    assert got == [w[:9] + sorted(w[9:]) for w in (line.split() for line in bwa)]


def test_comment_appended(d):
    code, err, _, recs = align(d, "-C -t 2 {d}/ref.fa {d}/comments.fq")
    assert code == 0, err
    with pysam.AlignmentFile(str(d / "out.sam")) as sam:
        tags = {(r.query_name, r.get_tag("BC"), r.get_tag("RX")) for r in sam.fetch(until_eof=True)}
    assert len(tags) == PAIRS and all(bc.startswith("ACGT") and rx == "NN" for _, bc, rx in tags)


def test_comment_that_is_not_a_tag_is_one_line_exit_1(d, tmp_path):
    bad = tmp_path / "illumina.fq"
    bad.write_text("@r1 1:N:0:ATCACG\nACGTACGTAC\n+\nIIIIIIIIII\n")
    code, err, _, _ = align(d, f"-C {{d}}/ref.fa {bad}")
    assert code == 1 and len(errors(err)) == 1 and "-C" in err and "record 1" in err


def test_header_lines_from_string_and_file(d, base):
    code, err, header, recs = align(d, r"-H '@CO\tpipeline x' -H {d}/header.txt " + PE)
    assert code == 0, err
    assert header["CO"] == ["pipeline x", "from a file", "second line"]
    assert recs == base["pe"]


def test_insert_size_given(d):
    code, err, _, recs = align(d, f"-I 400,50 {PE}")
    assert code == 0, err
    assert "insert size" not in err and len(recs) == 2 * PAIRS  # not learned


def test_verbosity_1_is_quiet_and_bare_h_is_help(d):
    code, err, _, recs = align(d, f"-v 1 -t 2 {PE}")
    assert code == 0 and err == "" and len(recs) == 2 * PAIRS
    code, out, err = _quiet(["align", "-h"])
    assert code == 0 and "-M" in out and "XA" in out


def test_fasta_uses_its_index_and_ends_with_the_summary(d):
    code, err, _, _ = align(d, f"-t 2 {PE}")
    assert code == 0
    assert f"using the index {d}/ref.fa.pmi" in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("[pimalign] Real time: ") and "CPU: " in last and "Peak RSS: " in last
    assert f"{2 * PAIRS} reads" in last and "% mapped" in last and "% properly paired" in last


def test_process_substitution_gives_the_files_records(d, base):
    """`bwa mem ref <(cat r1) <(cat r2)`: each input read once."""
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    out = d / "ps.sam"
    cmd = (
        f"{shlex.quote(sys.executable)} -m pimalign align -t 2 {d}/ref.fa "
        f"<(cat {d}/r1.fq) <(cat {d}/r2.fq) -o {out}"
    )
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    with pysam.AlignmentFile(str(out)) as sam:
        assert [r.to_string() for r in sam.fetch(until_eof=True)] == base["pe"]


# -- split reads: -M and -Y against bwa's own records -------------------------------------------


@pytest.fixture(scope="module")
def chimeras(d):
    """Reads joining two distant pieces of the reference, forward and reverse."""
    seq = "".join(x.strip() for x in open(d / "ref.fa") if not x.startswith(">"))
    comp = str.maketrans("ACGT", "TGCA")
    reads = {
        "fwd": seq[10000:10070] + seq[50000:50060],
        "rev": (seq[120000:120080] + seq[200000:200050]).translate(comp)[::-1],
    }
    path = d / "chim.fq"
    path.write_text("".join(f"@{n}\n{s}\n+\n{'I' * len(s)}\n" for n, s in reads.items()))
    return path


def _split_fields(lines, cols=(0, 1, 2, 3, 4, 5, 9)):
    return sorted(
        tuple(line.split("\t")[c] for c in cols)
        for line in lines
        if line and not line.startswith("@")
    )


@pytest.mark.parametrize("opts", ["", "-M", "-Y", "-M -Y"])
def test_split_reads_as_bwa(d, chimeras, opts):
    """Flags (0x800, or 0x100 with -M), CIGAR (hard clips unless -Y), SEQ, MAPQ of the split
    records equal bwa mem's."""
    code, err, _, recs = align(d, f"{opts} {{d}}/ref.fa {chimeras}")
    assert code == 0, err
    ours = _split_fields(recs)
    flags = sorted(int(f[1]) for f in ours)
    assert (
        flags.count(0x800 if "-M" not in opts else 0x100)
        + flags.count((0x800 if "-M" not in opts else 0x100) | 16)
        == 2
    ), ours
    if shutil.which("bwa") is None:
        pytest.skip("bwa is not installed: checked against bwa's rule only")
    prefix = d / "bwa_ref.fa"
    if not (d / "bwa_ref.fa.bwt").exists():
        shutil.copy(d / "ref.fa", prefix)
        subprocess.run(["bwa", "index", str(prefix)], capture_output=True, check=True)
    bwa = subprocess.run(
        ["bwa", "mem", *opts.split(), str(prefix), str(chimeras)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ours == _split_fields(bwa.stdout.splitlines())


@pytest.mark.parametrize(
    "content, message",
    [
        ("@a/1\nACGT\n+\nIIII\n@a/2\nACGT\n+\nIIII\n@b/1\nACGT\n+\nIIII\n", "no mate"),
        ("@a/1\nACGT\n+\nIIII\n@c/2\nACGT\n+\nIIII\n", "'c' follows 'a'"),
    ],
    ids=["odd", "stray"],
)
def test_interleaved_bad_pairs_one_line_exit_1(d, tmp_path, content, message):
    bad = tmp_path / "bad.fq"
    bad.write_text(content)
    code, err, _, _ = align(d, f"-p {{d}}/ref.fa {bad}")
    lines = errors(err)
    assert code == 1 and len(lines) == 1 and message in lines[0] and str(bad) in lines[0], err


@pytest.mark.parametrize("value", [r"'@HD\tVN:1.6'", r"'@CO x'", "{d}/missing.txt"])
def test_bad_header_line_one_line_exit_2(d, value):
    code, err, _, _ = align(d, f"-H {value} {SE}")
    lines = errors(err)
    assert code == 2 and len(lines) == 1 and "-H" in lines[0], err


def test_k_other_than_the_index_is_refused(d):
    code, err, _, _ = align(d, f"-k 15 {{d}}/ref.fa.pmi {d}/r1.fq")
    lines = errors(err)
    assert code == 2 and len(lines) == 1 and "-k 15" in lines[0], err


@pytest.mark.parametrize("value", ["-D 2", "-O x", "-v x", "-K 0", "-A 0"])
def test_malformed_value_one_line_naming_the_option(d, value):
    code, err, _, _ = align(d, f"{value} {SE}")
    lines = errors(err)
    assert code == 2 and len(lines) == 1 and f"argument {value.split()[0]}" in lines[0], err


def test_cram_is_3_0_without_ur_and_picard_reads_it(d, base):
    code, err, header, recs = align(
        d, rf"-t 2 -R '@RG\tID:s1\tSM:s1\tPL:ILLUMINA' {PE}", "out.cram"
    )
    assert code == 0, err
    with open(d / "out.cram", "rb") as f:
        assert f.read(6)[4:] == b"\x03\x00"
    assert all("UR" not in sq and "M5" in sq for sq in header["SQ"])
    assert len(recs) == len(base["pe"])
    picard = shutil.which("PicardCommandLine") or shutil.which("picard")
    if picard is None:
        pytest.skip("Picard is not installed")
    subprocess.run(["samtools", "faidx", str(d / "ref.fa")], check=True)
    subprocess.run(["samtools", "dict", "-o", str(d / "ref.dict"), str(d / "ref.fa")], check=True)
    proc = subprocess.run(
        [picard, "ValidateSamFile", f"I={d}/out.cram", f"R={d}/ref.fa", "MODE=SUMMARY"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and "No errors found" in proc.stdout, proc.stdout


def test_readme_table_is_the_options_table():
    """README's bwa mem table is cli.bwa.OPTIONS, and it lists every option of bwa mem's
    usage (when bwa is installed)."""
    from pimalign.cli.bwa import OPTIONS

    readme = open(os.path.join(os.path.dirname(DATA), "README.md")).read()
    rows = "\n".join(f"| `{f}` | {m} | {p} |" for f, m, p in OPTIONS)
    assert rows in readme
    if shutil.which("bwa") is None:
        pytest.skip("bwa is not installed")
    usage = subprocess.run(["bwa", "mem"], capture_output=True, text=True).stderr
    theirs = {line.split()[0] for line in usage.splitlines() if line.strip().startswith("-")}
    assert theirs == {f.split()[0] for f, _, _ in OPTIONS}
