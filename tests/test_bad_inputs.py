"""Bad inputs (issue #6): every command run as a real process on the corpus in tests/data/bad/.

The standard for a bad input: exit 1 (bad input) or 2 (usage), one line on stderr that names the
file, the record (number or name) when there is one, and what is wrong; no Python traceback
(unless ``--debug``); nothing left at the output path and no temporary file beside it; inputs
untouched. Odd but valid inputs (CRLF, lower case, IUPAC codes, variable lengths, ``/1`` ``/2``
suffixes...) work.

Cases where pimalign does not meet the standard yet are ``xfail(strict=True)`` with the reason:
fix the code, then drop the mark. Corpus: ``tests/make_bad_inputs.py`` (checked below to
reproduce the committed files); corrupt index files are derived at run time from the index the
module builds. The error cases run two at a time in a thread pool; each test waits only for its
own run.

Every run is a process of its own, forked from a server that has imported numpy, Numba, pysam
and the kernels' modules once (``tests/clirun.py``: same exit code, stderr and files as
``python -m pimalign``, a crash ends only that run). Real ``python -m pimalign`` processes where
the process itself is what is tested: ``align --help`` (start-up), the signals (during start-up
and during a run), standard input from a pipe (the ``stdin:`` cases) and the read-only folder
cases (run under ``unshare`` as root). ``PIMALIGN_TEST_REAL_PROCESSES=1`` runs every case as a
real process.
"""

from __future__ import annotations

import collections
import gzip
import hashlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import clirun
import pysam
import pytest
from conftest import DATA

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "data", "bad")
REF = os.path.join(DATA, "demo_ref.fa.gz")
R1 = os.path.join(DATA, "demo_R1.fq.gz")
R2 = os.path.join(DATA, "demo_R2.fq.gz")
PIMALIGN = [sys.executable, "-m", "pimalign"]
ALIGN = "align --no-progress -t 1"
EST = "pim estimate --repeats 1 -t 1"


def xfail(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


@dataclass
class Case:
    """``args``: the command line, split on spaces, with ``{bad}`` (the corpus), ``{work}``
    (module files: ``demo.pmi`` and the corrupt indexes) and ``{out}`` (this case's empty output
    folder) filled in. ``expect``: substrings of the last stderr line (a tuple = any of them).
    ``setup``: files to create in ``{out}`` first (they must be left as they were)."""

    args: str
    code: int
    expect: tuple
    setup: tuple = ()
    readonly: bool = False

    def argv(self, paths: dict) -> list[str]:
        return [part.format(**paths) for part in self.args.split()]


def case(name, args, code, *expect, fail=None, setup=(), readonly=False):
    marks = [xfail(fail)] if fail else []
    return pytest.param(Case(args, code, expect, tuple(setup), readonly), id=name, marks=marks)


I1 = "{work}/demo.pmi"  # the module's index of data/demo_ref.fa.gz

CASES = [
    # ---- align: broken containers and empty files --------------------------------------------
    case(
        "align-truncated-gzip",
        f"{ALIGN} {I1} {{bad}}/truncated.fq.gz -o {{out}}/o.bam",
        1,
        "truncated.fq.gz",
        "truncated",
    ),
    case(
        "align-gz-name-not-gzip",
        f"{ALIGN} {I1} {{bad}}/not_gzip.fq.gz -o {{out}}/o.bam",
        1,
        "not_gzip.fq.gz",
        "not gzip",
    ),
    case(
        "align-gzip-magic-then-garbage",
        f"{ALIGN} {I1} {{bad}}/garbage_after_magic.fq.gz -o {{out}}/o.bam",
        1,
        "garbage_after_magic.fq.gz",
        "corrupt",
    ),
    case(
        "align-empty-file",
        f"{ALIGN} {I1} {{bad}}/empty.fq -o {{out}}/o.bam",
        1,
        "empty.fq",
        "no records",
    ),
    case(
        "align-empty-gzip",
        f"{ALIGN} {I1} {{bad}}/empty.fq.gz -o {{out}}/o.bam",
        1,
        "empty.fq.gz",
        "no records",
    ),
    case(
        "align-only-blank-lines",
        f"{ALIGN} {I1} {{bad}}/blank_lines.fq -o {{out}}/o.bam",
        1,
        "blank_lines.fq",
        "record 1",
        "not FASTQ or FASTA",
    ),
    case(
        "align-bam-as-fastq",
        f"{ALIGN} {I1} {{bad}}/reads.bam -o {{out}}/o.bam",
        1,
        "reads.bam",
        "BAM",
    ),
    case(
        "align-sam-as-fastq",
        f"{ALIGN} {I1} {{bad}}/sam_as_fastq.fq -o {{out}}/o.bam",
        1,
        "sam_as_fastq.fq",
        "record 1",
        "'+'",
    ),
    case(
        "align-index-as-reads",
        f"{ALIGN} {I1} {I1} -o {{out}}/o.bam",
        1,
        "demo.pmi",
        ("non-ASCII", "not FASTQ"),
    ),
    case(
        "align-missing-reads-file",
        f"{ALIGN} {I1} {{bad}}/no_such.fq -o {{out}}/o.bam",
        1,
        "no_such.fq",
        "no such file",
    ),
    # ---- align: malformed FASTQ records -------------------------------------------------------
    case(
        "align-quality-shorter",
        f"{ALIGN} {I1} {{bad}}/qual_short.fq -o {{out}}/o.bam",
        1,
        "qual_short.fq",
        "record 2 (r2)",
        "quality has 149",
        "150",
    ),
    case(
        "align-quality-longer",
        f"{ALIGN} {I1} {{bad}}/qual_long.fq -o {{out}}/o.bam",
        1,
        "qual_long.fq",
        "record 2 (r2)",
        "quality has 151",
        "150",
    ),
    case(
        "align-missing-plus-line",
        f"{ALIGN} {I1} {{bad}}/missing_plus.fq -o {{out}}/o.bam",
        1,
        "missing_plus.fq",
        "record 2 (r2)",
        "'+'",
    ),
    case(
        "align-record-cut-at-eof",
        f"{ALIGN} {I1} {{bad}}/cut_mid_record.fq -o {{out}}/o.bam",
        1,
        "cut_mid_record.fq",
        "record 3 (r3)",
        "truncated",
    ),
    case(
        "align-file-cut-in-quality",
        f"{ALIGN} {I1} {{bad}}/cut_in_quality.fq -o {{out}}/o.bam",
        1,
        "cut_in_quality.fq",
        "record 3 (r3)",
        "quality has 40",
    ),
    case(
        "align-no-header-line",
        f"{ALIGN} {I1} {{bad}}/no_header.fq -o {{out}}/o.bam",
        1,
        "no_header.fq",
        "record 1",
        "expected '@' or '>'",
    ),
    case(
        "align-header-without-at",
        f"{ALIGN} {I1} {{bad}}/bad_header.fq -o {{out}}/o.bam",
        1,
        "bad_header.fq",
        "record 2",
        "'@'",
    ),
    case(
        "align-empty-read-name",
        f"{ALIGN} {I1} {{bad}}/empty_name.fq -o {{out}}/o.bam",
        1,
        "empty_name.fq",
        "record 2",
        "empty read name",
    ),
    case(
        "align-multiline-fastq",
        f"{ALIGN} {I1} {{bad}}/multiline.fq -o {{out}}/o.bam",
        1,
        "multiline.fq",
        "record 2 (r2)",
        "multi-line",
    ),
    case(
        "align-dot-in-sequence",
        f"{ALIGN} {I1} {{bad}}/invalid_base.fq -o {{out}}/o.bam",
        1,
        "invalid_base.fq",
        "record 2 (r2)",
        "invalid character '.'",
    ),
    case(
        "align-digit-in-sequence",
        f"{ALIGN} {I1} {{bad}}/digit_in_seq.fq -o {{out}}/o.bam",
        1,
        "digit_in_seq.fq",
        "record 3 (r3)",
        "invalid character '7'",
    ),
    case(
        "align-non-ascii-sequence",
        f"{ALIGN} {I1} {{bad}}/non_ascii_seq.fq -o {{out}}/o.bam",
        1,
        "non_ascii_seq.fq",
        "record 2",
        "0xe9",
    ),
    case(
        "align-non-ascii-name",
        f"{ALIGN} {I1} {{bad}}/non_ascii_name.fq -o {{out}}/o.bam",
        1,
        "non_ascii_name.fq",
        "record 2",
        "non-ASCII",
    ),
    case(
        "align-non-ascii-quality",
        f"{ALIGN} {I1} {{bad}}/non_ascii_qual.fq -o {{out}}/o.bam",
        1,
        "non_ascii_qual.fq",
        "record 3",
        "0xff",
    ),
    case(
        "align-non-ascii-fasta-reads",
        f"{ALIGN} {I1} {{bad}}/non_ascii_reads.fa -o {{out}}/o.bam",
        1,
        "non_ascii_reads.fa",
        "0xe9",
        ("record 3", "line 10"),
    ),
    case(
        "align-quality-below-phred33",
        f"{ALIGN} {I1} {{bad}}/qual_below_33.fq -o {{out}}/o.bam",
        1,
        "qual_below_33.fq",
        "record 2",
        "quality",
    ),
    case(
        "align-100kb-read",
        f"{ALIGN} {I1} {{bad}}/long_100kb.fq.gz -o {{out}}/o.bam",
        1,
        "long_100kb.fq.gz",
        "record 2 (long)",
        "100000 bp",
        "--max-read-len 10000",
    ),
    case(
        "align-bad-record-in-later-chunk",
        f"{ALIGN} {I1} {{bad}}/qual_short.fq -o {{out}}/o.bam --chunk-size 1 "
        "--workload {out}/w.tsv.gz",
        1,
        "qual_short.fq",
        "record 2 (r2)",
    ),
    case(
        "align-from-stdin-is-named",
        f"{ALIGN} {I1} - -o {{out}}/o.bam",
        1,
        "-: ",
        "record 2 (r2)",
        "quality has 149",
        setup=("stdin:qual_short.fq",),
    ),
    # ---- align: paired files ------------------------------------------------------------------
    case(
        "align-pair-r2-fewer-reads",
        f"{ALIGN} {I1} {{bad}}/ok.fq {{bad}}/pair_R2_fewer.fq -o {{out}}/o.bam",
        1,
        "pair_R2_fewer.fq",
        "fewer reads",
    ),
    case(
        "align-pair-r2-more-reads",
        f"{ALIGN} {I1} {{bad}}/ok.fq {{bad}}/pair_R2_more.fq -o {{out}}/o.bam",
        1,
        "ok.fq",
        "fewer reads",
    ),
    case(
        "align-pair-counts-with-insert-size",
        f"{ALIGN} {I1} {{bad}}/ok.fq {{bad}}/pair_R2_fewer.fq -o {{out}}/o.bam -I 400,50",
        1,
        "pair_R2_fewer.fq",
        "fewer reads",
        "read 3",
    ),
    case(
        "align-pair-names-do-not-pair",
        f"{ALIGN} {I1} {{bad}}/ok.fq {{bad}}/pair_R2_names.fq -o {{out}}/o.bam",
        1,
        "pair_R2_names.fq",
        "record 2",
        "'r3' does not match 'r2'",
    ),
    case(
        "align-pair-bad-mate-record",
        f"{ALIGN} {I1} {{bad}}/ok.fq {{bad}}/qual_short.fq -o {{out}}/o.bam",
        1,
        "qual_short.fq",
        "record 2 (r2)",
        "quality",
    ),
    case(
        "align-pair-empty-mate-file",
        f"{ALIGN} {I1} {{bad}}/ok.fq {{bad}}/empty.fq -o {{out}}/o.bam",
        1,
        "empty.fq",
        "no records",
    ),
    # ---- references (index, and align with a FASTA reference) ---------------------------------
    case(
        "index-duplicate-contigs",
        "index {bad}/ref_dup_names.fa -o {out}/x.pmi",
        1,
        "ref_dup_names.fa",
        "record 3 (chrA)",
        "duplicate contig name",
    ),
    case(
        "index-empty-contig",
        "index {bad}/ref_empty_contig.fa -o {out}/x.pmi",
        1,
        "ref_empty_contig.fa",
        "record 2 (chrE)",
        "empty contig",
    ),
    case(
        "index-empty-last-contig",
        "index {bad}/ref_empty_last_contig.fa -o {out}/x.pmi",
        1,
        "ref_empty_last_contig.fa",
        "record 2 (chrZ)",
        "empty contig",
    ),
    case("index-only-n", "index {bad}/ref_only_n.fa -o {out}/x.pmi", 1, "ref_only_n.fa", "only N"),
    case(
        "index-no-contigs-empty-file",
        "index {bad}/ref_empty.fa -o {out}/x.pmi",
        1,
        "ref_empty.fa",
        "no records",
    ),
    case(
        "index-no-header-line",
        "index {bad}/ref_no_header.fa -o {out}/x.pmi",
        1,
        "ref_no_header.fa",
        "record 1",
        ("expected '>'", "expected '@' or '>'"),
    ),
    case(
        "index-empty-contig-name",
        "index {bad}/ref_empty_name.fa -o {out}/x.pmi",
        1,
        "ref_empty_name.fa",
        "record 1",
        "empty",
        "name",
    ),
    case(
        "index-invalid-base",
        "index {bad}/ref_bad_char.fa -o {out}/x.pmi",
        1,
        "ref_bad_char.fa",
        "record 1 (chrA)",
        "invalid character 'X' at position 3000",
    ),
    case(
        "index-non-ascii",
        "index {bad}/ref_non_ascii.fa -o {out}/x.pmi",
        1,
        "ref_non_ascii.fa",
        "0xc5",
        ("record 1", "line 10"),
    ),
    case(
        "index-fastq-as-reference",
        "index {bad}/ref_is_fastq.fq -o {out}/x.pmi",
        1,
        "ref_is_fastq.fq",
        "FASTQ",
        "must be FASTA",
    ),
    case(
        "index-truncated-gzip",
        "index {bad}/ref_truncated.fa.gz -o {out}/x.pmi",
        1,
        "ref_truncated.fa.gz",
        "truncated",
    ),
    case("index-bam-as-reference", "index {bad}/reads.bam -o {out}/x.pmi", 1, "reads.bam", "BAM"),
    case(
        "index-missing-reference",
        "index {bad}/no_such.fa -o {out}/x.pmi",
        1,
        "no_such.fa",
        "no such file",
    ),
    case(
        "align-fastq-as-reference",
        f"{ALIGN} {{bad}}/ref_is_fastq.fq {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "ref_is_fastq.fq",
        "must be FASTA",
    ),
    case(
        "align-fasta-reference-duplicate-contigs",
        f"{ALIGN} {{bad}}/ref_dup_names.fa {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "ref_dup_names.fa",
        "record 3 (chrA)",
        "duplicate",
    ),
    # ---- stale or corrupt index files ---------------------------------------------------------
    case(
        "index-file-checksum-mismatch",
        f"{ALIGN} {{work}}/idx_checksum.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_checksum.pmi",
        "damaged",
    ),
    case(
        "index-file-sequence-bit-flip",
        f"{ALIGN} {{work}}/idx_seq_flip.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_seq_flip.pmi",
        "'packed'",
        "damaged",
    ),
    case(
        "index-file-stale-version",
        f"{ALIGN} {{work}}/idx_version.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_version.pmi",
        "version 0",
        "rebuild",
    ),
    case(
        "index-file-cut-short",
        f"{ALIGN} {{work}}/idx_cut.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_cut.pmi",
        "cut short",
    ),
    case(
        "index-file-cut-in-header",
        f"{ALIGN} {{work}}/idx_cut_header.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_cut_header.pmi",
        "header",
    ),
    case(
        "index-file-magic-only",
        f"{ALIGN} {{work}}/idx_magic_only.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_magic_only.pmi",
        "cut short",
    ),
    case(
        "index-file-header-garbage",
        f"{ALIGN} {{work}}/idx_header_garbage.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_header_garbage.pmi",
        "header is corrupt",
    ),
    case(
        "index-file-header-length-huge",
        f"{ALIGN} {{work}}/idx_len_huge.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_len_huge.pmi",
        ("cut short", "corrupt"),
    ),
    case(
        "index-file-header-without-arrays",
        f"{ALIGN} {{work}}/idx_no_arrays.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_no_arrays.pmi",
        "corrupt",
    ),
    case(
        "index-file-header-k-out-of-range",
        f"{ALIGN} {{work}}/idx_k99.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_k99.pmi",
        "k",
    ),
    case(
        "index-file-contig-table-mismatch",
        f"{ALIGN} {{work}}/idx_offsets.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_offsets.pmi",
        ("corrupt", "checksum", "does not match"),
    ),
    case(
        "index-file-empty",
        f"{ALIGN} {{work}}/idx_empty.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "idx_empty.pmi",
        "no records",
    ),
    case(
        "align-missing-index",
        f"{ALIGN} {{work}}/no_such.pmi {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "no_such.pmi",
        "no such file",
    ),
    # ---- output paths -------------------------------------------------------------------------
    case(
        "align-output-folder-missing",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/nope/o.bam",
        1,
        "nope/o.bam",
        "does not exist",
    ),
    case(
        "align-workload-folder-missing",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.bam --workload {{out}}/nope/w.tsv.gz",
        1,
        "nope/w.tsv.gz",
        "does not exist",
    ),
    case(
        "index-output-folder-missing",
        "index {bad}/ref_ok.fa -o {out}/nope/x.pmi",
        1,
        "nope/x.pmi",
        "does not exist",
    ),
    case(
        "editdist-output-folder-missing",
        "editdist {bad}/pairs_ok.tsv -o {out}/nope/d.tsv",
        1,
        "nope/d.tsv",
        "does not exist",
    ),
    case(
        "estimate-json-folder-missing",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --json {{out}}/nope/e.json",
        1,
        "nope/e.json",
        "does not exist",
    ),
    case(
        "align-output-folder-read-only",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "o.bam",
        "not writable",
        readonly=True,
    ),
    case(
        "index-output-folder-read-only",
        "index {bad}/ref_ok.fa -o {out}/x.pmi",
        1,
        "x.pmi",
        "not writable",
        readonly=True,
    ),
    case(
        "editdist-output-folder-read-only",
        "editdist {bad}/pairs_ok.tsv -o {out}/d.tsv",
        1,
        "d.tsv",
        "not writable",
        readonly=True,
    ),
    case(
        "align-output-is-input",
        f"{ALIGN} {I1} {{out}}/reads.sam -o {{out}}/reads.sam",
        1,
        "reads.sam",
        "same file as an input",
        setup=("ok.fq:reads.sam",),
    ),
    case(
        "align-workload-is-input",
        f"{ALIGN} {I1} {{out}}/reads.fq -o {{out}}/o.sam --workload {{out}}/reads.fq",
        1,
        "reads.fq",
        "same file as an input",
        setup=("ok.fq:reads.fq",),
    ),
    case(
        "align-workload-is-output",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.sam --workload {{out}}/o.sam",
        2,
        "o.sam",
        ("same", "workload"),
    ),
    case(
        "index-output-is-reference",
        "index {out}/ref.fa -o {out}/ref.fa",
        1,
        "ref.fa",
        "same file as an input",
        setup=("ref_ok.fa:ref.fa",),
    ),
    case(
        "index-output-is-a-folder",
        "index {bad}/ref_ok.fa -o {out}/adir",
        1,
        "adir",
        ("folder", "directory"),
        setup=("dir:adir",),
    ),
    case(
        "editdist-output-is-input",
        "editdist {out}/pairs.tsv -o {out}/pairs.tsv",
        1,
        "pairs.tsv",
        "same file as an input",
        setup=("pairs_ok.tsv:pairs.tsv",),
    ),
    case(
        "editdist-output-is-a-folder",
        "editdist {bad}/pairs_ok.tsv -o {out}/adir",
        1,
        "adir",
        ("folder", "directory"),
        setup=("dir:adir",),
    ),
    case(
        "estimate-json-is-input",
        f"{EST} --pairs {{out}}/pairs.tsv --json {{out}}/pairs.tsv",
        1,
        "pairs.tsv",
        "same file as an input",
        setup=("pairs_ok.tsv:pairs.tsv",),
    ),
    case(
        "estimate-report-folder-is-a-file",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --report {{out}}/pairs.tsv",
        1,
        "pairs.tsv",
        "not a folder",
        setup=("pairs_ok.tsv:pairs.tsv",),
    ),
    # ---- usage errors (exit 2) ----------------------------------------------------------------
    case(
        "align-unknown-output-extension",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.txt",
        2,
        "o.txt",
        "unknown extension",
    ),
    case(
        "align-three-read-files",
        f"{ALIGN} {I1} {{bad}}/ok.fq {{bad}}/ok.fq {{bad}}/ok.fq -o {{out}}/o.bam",
        2,
        "one reads file, or two",
    ),
    case(
        "align-max-read-len-zero",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.bam --max-read-len 0",
        2,
        "max-read-len",
    ),
    case(
        "align-bad-insert-size",
        f"{ALIGN} {I1} {{bad}}/ok.fq {{bad}}/ok_R2.fq -o {{out}}/o.bam -I 400,x",
        2,
        "MEAN[,SD[,MAX[,MIN]]]",
        "'400,x'",
    ),
    case(
        "align-insert-bounds-crossed",
        f"{ALIGN} {I1} {{bad}}/ok.fq {{bad}}/ok_R2.fq -o {{out}}/o.bam -I 400,50,300,350",
        2,
        "MIN <= MAX",
    ),
    case("align-bad-read-group", f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.bam -R ID:x", 2, "@RG"),
    case(
        "index-k-out-of-range", "index {bad}/ref_ok.fa -o {out}/x.pmi -k 3", 2, "must be in 5..28"
    ),
    case(
        "editdist-three-inputs",
        "editdist {bad}/pairs_ok.tsv {bad}/pairs_ok.tsv {bad}/pairs_ok.tsv -o {out}/d.tsv",
        2,
        "one pair TSV or two",
    ),
    # ---- editdist -----------------------------------------------------------------------------
    case(
        "editdist-iupac-in-tsv",
        "editdist {bad}/pairs_iupac.tsv -o {out}/d.tsv",
        1,
        "pairs_iupac.tsv",
        "line 2",
        "invalid character 'R'",
    ),
    case(
        "editdist-iupac-in-fastq",
        "editdist {bad}/iupac.fq {bad}/ok.fq -o {out}/d.tsv",
        1,
        "iupac.fq",
        "record 2",
        "invalid character 'R' at position 50",
    ),
    case(
        "editdist-iupac-in-target-fastq",
        "editdist {bad}/ok.fq {bad}/iupac.fq -o {out}/d.tsv",
        1,
        "iupac.fq",
        "record 2",
        "invalid character 'R'",
    ),
    case(
        "editdist-iupac-in-later-chunk",
        "editdist {bad}/pairs_iupac.tsv -o {out}/d.tsv --chunk-size 1",
        1,
        "pairs_iupac.tsv",
        "line 2",
        "'R'",
    ),
    case(
        "editdist-non-ascii-tsv",
        "editdist {bad}/pairs_non_ascii.tsv -o {out}/d.tsv",
        1,
        "pairs_non_ascii.tsv",
        "0xe9",
        "line",
    ),
    case(
        "editdist-truncated-gzip-tsv",
        "editdist {bad}/pairs_truncated.tsv.gz -o {out}/d.tsv",
        1,
        "pairs_truncated.tsv.gz",
        "truncated",
    ),
    case(
        "editdist-gz-name-not-gzip",
        "editdist {bad}/pairs_not_gzip.tsv.gz -o {out}/d.tsv",
        1,
        "pairs_not_gzip.tsv.gz",
        "not gzip",
    ),
    case(
        "editdist-four-columns",
        "editdist {bad}/pairs_four_columns.tsv -o {out}/d.tsv",
        1,
        "pairs_four_columns.tsv",
        "line 2",
        "found 4",
    ),
    case(
        "editdist-fastq-given-as-tsv",
        "editdist {bad}/ok.fq -o {out}/d.tsv",
        1,
        "ok.fq",
        "line 1",
        "columns",
    ),
    case(
        "editdist-bam-given-as-tsv",
        "editdist {bad}/reads.bam -o {out}/d.tsv",
        1,
        "reads.bam",
        ("BAM", "non-ASCII"),
    ),
    case(
        "editdist-empty-tsv",
        "editdist {bad}/pairs_empty.tsv -o {out}/d.tsv",
        1,
        "pairs_empty.tsv",
        ("no records", "no sequence pairs", "empty"),
    ),
    case(
        "editdist-empty-fastq-pair",
        "editdist {bad}/empty.fq {bad}/empty.fq -o {out}/d.tsv",
        1,
        "empty.fq",
        ("no records", "empty"),
    ),
    case(
        "editdist-fastq-quality-shorter",
        "editdist {bad}/qual_short.fq {bad}/ok.fq -o {out}/d.tsv",
        1,
        "qual_short.fq",
        "record 2",
        "quality",
    ),
    case(
        "editdist-fastq-quality-longer",
        "editdist {bad}/qual_long.fq {bad}/ok.fq -o {out}/d.tsv",
        1,
        "qual_long.fq",
        "record 2",
        ("151", "longer"),
    ),
    case(
        "editdist-fastq-record-cut-at-eof",
        "editdist {bad}/ok.fq {bad}/cut_mid_record.fq -o {out}/d.tsv",
        1,
        "cut_mid_record.fq",
        "record 3",
        "truncated",
    ),
    case(
        "editdist-fastq-missing-plus",
        "editdist {bad}/ok.fq {bad}/missing_plus.fq -o {out}/d.tsv",
        1,
        "missing_plus.fq",
        "record 2",
        "'+'",
    ),
    case(
        "editdist-fastq-truncated-gzip",
        "editdist {bad}/truncated.fq.gz {bad}/ok.fq -o {out}/d.tsv",
        1,
        "truncated.fq.gz",
        "truncated",
    ),
    case(
        "editdist-fastq-gz-name-not-gzip",
        "editdist {bad}/not_gzip.fq.gz {bad}/ok.fq -o {out}/d.tsv",
        1,
        "not_gzip.fq.gz",
        "not gzip",
    ),
    case(
        "editdist-fastq-bam",
        "editdist {bad}/reads.bam {bad}/ok.fq -o {out}/d.tsv",
        1,
        "reads.bam",
        "BAM",
    ),
    case(
        "editdist-fastq-non-ascii",
        "editdist {bad}/ok.fq {bad}/non_ascii_seq.fq -o {out}/d.tsv",
        1,
        "non_ascii_seq.fq",
        "record 2",
        "0xe9",
    ),
    case(
        "editdist-fastq-invalid-base",
        "editdist {bad}/ok.fq {bad}/invalid_base.fq -o {out}/d.tsv",
        1,
        "invalid_base.fq",
        "record 2",
        "invalid character '.' at position 70",
    ),
    case(
        "editdist-fastq-count-mismatch",
        "editdist {bad}/ok.fq {bad}/long_100kb.fq.gz -o {out}/d.tsv",
        1,
        "long_100kb.fq.gz",
        "fewer records",
    ),
    # ---- pim estimate -------------------------------------------------------------------------
    # A bad device TOML exits 2 (cli/pim.py: ValueError = bad option value; test_pim_cli agrees).
    case(
        "estimate-device-unknown-key",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_unknown_key.toml",
        2,
        "dev_unknown_key.toml",
        "unknown key logic.turbo",
    ),
    case(
        "estimate-device-unknown-section",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_unknown_section.toml",
        2,
        "dev_unknown_section.toml",
        "[cooling]",
    ),
    case(
        "estimate-device-key-in-wrong-section",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_wrong_section.toml",
        2,
        "dev_wrong_section.toml",
        "memory.cycle_time_ns",
        "[logic]",
    ),
    case(
        "estimate-device-negative-cycle-time",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_negative_cycle.toml",
        2,
        "dev_negative_cycle.toml",
        "logic.cycle_time_ns",
        "-3.33",
    ),
    case(
        "estimate-device-nan-cycle-time",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_nan_cycle.toml "
        "--json {out}/e.json",
        2,
        "dev_nan_cycle.toml",
        "logic.cycle_time_ns",
    ),
    case(
        "estimate-device-infinite-energy",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_inf_energy.toml "
        "--json {out}/e.json",
        2,
        "dev_inf_energy.toml",
        "logic.gate_energy_fj",
    ),
    case(
        "estimate-device-zero-rows",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_zero_rows.toml",
        2,
        "dev_zero_rows.toml",
        "crossbar.rows",
    ),
    case(
        "estimate-device-string-for-integer",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_string_rows.toml",
        2,
        "dev_string_rows.toml",
        "crossbar.rows",
        "'1024'",
    ),
    case(
        "estimate-device-bad-init-policy",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_bad_init.toml",
        2,
        "dev_bad_init.toml",
        "init_policy",
    ),
    case(
        "estimate-device-toml-syntax",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_bad_syntax.toml",
        2,
        "dev_bad_syntax.toml",
        "not valid TOML",
        "line 1",
    ),
    case(
        "estimate-device-section-not-table",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_not_table.toml",
        2,
        "dev_not_table.toml",
        "[logic]",
        "table",
    ),
    case(
        "estimate-device-not-utf8",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_non_utf8.toml",
        2,
        "dev_non_utf8.toml",
        "0xe9",
    ),
    case(
        "estimate-device-missing-file",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/no_such.toml",
        1,
        "no_such.toml",
        ("no such file", "No such file"),
    ),
    case(
        "estimate-pairs-iupac",
        f"{EST} --pairs {{bad}}/pairs_iupac.tsv",
        1,
        "pairs_iupac.tsv",
        "line 2",
        "invalid character 'R'",
    ),
    case(
        "estimate-pairs-empty",
        f"{EST} --pairs {{bad}}/pairs_empty.tsv",
        1,
        "pairs_empty.tsv",
        ("no sequence pairs", "no pairs"),
    ),
    case(
        "estimate-pairs-truncated-gzip",
        f"{EST} --pairs {{bad}}/pairs_truncated.tsv.gz",
        1,
        "pairs_truncated.tsv.gz",
        "truncated",
    ),
    case(
        "estimate-pairs-gz-name-not-gzip",
        f"{EST} --pairs {{bad}}/pairs_not_gzip.tsv.gz",
        1,
        "pairs_not_gzip.tsv.gz",
        "not gzip",
    ),
    case(
        "estimate-workload-no-header",
        f"{EST} --workload {{bad}}/wl_no_header.tsv",
        1,
        "wl_no_header.tsv",
        "line 1",
        "header",
    ),
    case(
        "estimate-workload-missing-column",
        f"{EST} --workload {{bad}}/wl_missing_column.tsv",
        1,
        "wl_missing_column.tsv",
        "lacks column(s) bits",
    ),
    case(
        "estimate-workload-not-integer",
        f"{EST} --workload {{bad}}/wl_not_integer.tsv",
        1,
        "wl_not_integer.tsv",
        "line 3",
        "'many'",
    ),
    case(
        "estimate-workload-negative",
        f"{EST} --workload {{bad}}/wl_negative.tsv",
        1,
        "wl_negative.tsv",
        "line 2",
        "negative",
    ),
    case(
        "estimate-workload-no-rows",
        f"{EST} --workload {{bad}}/wl_header_only.tsv",
        1,
        "wl_header_only.tsv",
        "no workload rows",
    ),
    case(
        "estimate-workload-is-gzip-fastq",
        f"{EST} --workload {{bad}}/truncated.fq.gz",
        1,
        "truncated.fq.gz",
        "truncated gzip",
    ),
    # ---- round two (issue 14), by kind ------------------------------------------------------
    # names: SAM's QNAME and RNAME rules, read group lines
    case(
        "align-read-name-too-long",
        f"{ALIGN} {I1} {{bad}}/name_too_long.fq -o {{out}}/o.bam",
        1,
        "name_too_long.fq",
        "record 2",
        "254",
    ),
    case(
        "align-read-name-nul",
        f"{ALIGN} {I1} {{bad}}/name_with_nul.fq -o {{out}}/o.bam",
        1,
        "name_with_nul.fq",
        "record 2",
        "SAM forbids",
    ),
    case(
        "align-read-name-at",
        f"{ALIGN} {I1} {{bad}}/name_with_at.fq -o {{out}}/o.sam",
        1,
        "name_with_at.fq",
        "record 2",
        "'@'",
    ),
    case(
        "align-read-group-newline",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.bam -R @RG\\tID:x{{nl}}SM:y",
        2,
        "read group holds '\\n'",
    ),
    case(
        "align-read-group-bad-field",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.bam -R @RG\\tID:x\\tSM",
        2,
        "TAG:VALUE",
    ),
    case(
        "index-contig-named-star",
        "index {bad}/ref_star_name.fa -o {out}/x.pmi",
        1,
        "ref_star_name.fa",
        "record 2",
        "not a valid SAM reference name",
    ),
    case(
        "index-contig-named-eq",
        "index {bad}/ref_eq_name.fa -o {out}/x.pmi",
        1,
        "ref_eq_name.fa",
        "record 1",
        "'=x'",
    ),
    case(
        "index-contig-name-comma",
        "index {bad}/ref_comma_name.fa -o {out}/x.pmi",
        1,
        "ref_comma_name.fa",
        "'chr1,alt'",
    ),
    # numbers: every option has a range
    case(
        "align-insert-inf",
        f"{ALIGN} {I1} {{bad}}/ok.fq {{bad}}/ok_R2.fq -o {{out}}/o.bam -I inf,50",
        2,
        "insert size mean and sd",
    ),
    case(
        "align-insert-huge",
        f"{ALIGN} {I1} {{bad}}/ok.fq {{bad}}/ok_R2.fq -o {{out}}/o.bam -I 1e308,1e308",
        2,
        "insert size mean and sd",
    ),
    case(
        "align-pad-huge",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.bam --pad 1000000000",
        2,
        "pad must be in 0..1000",
    ),
    case(
        "align-pad-int64",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.bam --pad 9223372036854775807",
        2,
        "pad must be in 0..1000",
    ),
    case(
        "align-drop-pct-1000",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.bam --drop-pct 1000",
        2,
        "drop-pct must be in 0..100",
    ),
    case(
        "align-match-int64",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.bam --match 9223372036854775807",
        2,
        "match must be in 1..100",
    ),
    case(
        "align-threads-zero",
        f"align --no-progress {I1} {{bad}}/ok.fq -o {{out}}/o.bam -t 0",
        2,
        "must be in 1..1024",
    ),
    case(
        "editdist-band-zero",
        "editdist {bad}/pairs_ok.tsv -o {out}/d.tsv --band 0",
        2,
        "must be in 1..10000",
    ),
    case(
        "editdist-band-negative-path",
        "editdist {bad}/pairs_ok.tsv -o {out}/d.tsv --engine adaptive --band -5 --task path",
        2,
        "must be in 1..10000",
    ),
    case(
        "sweep-crossbars-huge",
        "pim sweep --pairs {bad}/pairs_ok.tsv -o {out}/s.tsv --crossbars 99999999999999999999",
        2,
        "must be in 2..1099511627776",
    ),
    case(
        "estimate-device-rows-huge",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_rows_huge.toml",
        2,
        "crossbar.rows",
        "1..1048576",
    ),
    case(
        "estimate-device-chips-huge",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_chips_huge.toml",
        2,
        "organisation.chips",
        "1..1048576",
    ),
    case(
        "estimate-device-gate-set-string",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --device {{bad}}/dev_gate_string.toml",
        2,
        "list of gate names",
        "'NOR'",
    ),
    # sizes: memory-bounded paths
    case(
        "editdist-path-too-large",
        "editdist {bad}/pairs_long_path.tsv.gz --task path -o {out}/d.tsv",
        1,
        "pairs_long_path.tsv.gz",
        "line 1",
        "MiB",
    ),
    # file types and line ends, on files and standard input
    case(
        "align-cram-as-reads",
        f"{ALIGN} {I1} {{bad}}/reads.cram -o {{out}}/o.bam",
        1,
        "reads.cram",
        "is a CRAM file",
    ),
    case(
        "align-bzip2-as-reads",
        f"{ALIGN} {I1} {{bad}}/reads.fq.bz2 -o {{out}}/o.bam",
        1,
        "reads.fq.bz2",
        "bzip2",
    ),
    case(
        "align-cram-on-stdin",
        f"{ALIGN} {I1} - -o {{out}}/o.bam",
        1,
        "-:",
        "is a CRAM file",
        setup=("stdin:reads.cram",),
    ),
    case("align-stdin-twice", f"{ALIGN} {I1} - - -o {{out}}/o.bam", 2, "read once"),
    case(
        "align-cr-only-line-ends",
        f"{ALIGN} {I1} {{bad}}/cr_only.fq -o {{out}}/o.bam",
        1,
        "cr_only.fq",
        "CR alone",
    ),
    case(
        "index-cr-only-line-ends",
        "index {bad}/ref_cr_only.fa -o {out}/x.pmi",
        1,
        "ref_cr_only.fa",
        "CR alone",
    ),
    case(
        "editdist-trailing-tab",
        "editdist {bad}/pairs_trailing_tab.tsv -o {out}/d.tsv",
        1,
        "pairs_trailing_tab.tsv",
        "line 1",
        "empty column",
    ),
    case(
        "editdist-doubled-tab",
        "editdist {bad}/pairs_doubled_tab.tsv -o {out}/d.tsv",
        1,
        "pairs_doubled_tab.tsv",
        "line 1",
        "empty column",
    ),
    case(
        "align-workload-and-output-on-stdout",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o - --workload -",
        2,
        "both want standard output",
    ),
    # outputs: side files, several outputs together
    case(
        "align-index-path-is-folder",
        f"{ALIGN} {I1} {{bad}}/ok.fq -o {{out}}/o.bam",
        1,
        "o.bam.bai",
        "is a folder",
        setup=("ok.fq:o.bam", "dir:o.bam.bai"),
    ),
    case(
        "estimate-figure-path-is-folder",
        f"{EST} --pairs {{bad}}/pairs_ok.tsv --json {{out}}/r.json --report {{out}}/rep",
        1,
        "energy_breakdown.png",
        "folder",
        setup=("dir:rep", "dir:rep/energy_breakdown.png"),
    ),
]


# ---- fixtures ------------------------------------------------------------------------------------


def run(args):
    """``python -m pimalign ARGS`` (forked off the server, ``tests/clirun.py``)."""
    return clirun.run(list(args), text=True)


def run_real(args):
    """``python -m pimalign ARGS`` as a real process, start-up included."""
    return subprocess.run(PIMALIGN + list(args), capture_output=True, text=True)


def _corrupt_indexes(index: str, folder: str) -> None:
    """Stale, cut-short and corrupt copies of ``index`` (see pimalign/mapper/index.py)."""
    raw = open(index, "rb").read()
    (length,) = struct.unpack("<Q", raw[16:24])
    header, body = raw[24 : 24 + length], raw[24 + length :]
    meta = json.loads(header)

    def put(name, data):
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(data)

    def edit(old: bytes, new: bytes) -> bytes:
        assert old in header and len(old) == len(new), old
        return raw[:24] + header.replace(old, new) + body

    flipped = bytearray(raw)
    flipped[-100] ^= 0xFF
    put("idx_checksum.pmi", bytes(flipped))
    flipped = bytearray(raw)
    flipped[meta["arrays"]["packed"]["offset"] + 200] ^= 0x01  # a base of the packed sequence
    put("idx_seq_flip.pmi", bytes(flipped))
    put("idx_version.pmi", edit(b'"version": 2', b'"version": 0'))
    put("idx_cut.pmi", raw[: len(raw) // 2])
    put("idx_cut_header.pmi", raw[: 24 + length // 2])
    put("idx_magic_only.pmi", raw[:16])
    garbage = bytearray(header)
    garbage[5:15] = b"#@!garbage"
    put("idx_header_garbage.pmi", raw[:24] + bytes(garbage) + body)
    put("idx_len_huge.pmi", raw[:16] + struct.pack("<Q", 1 << 60) + raw[24:])
    del meta["arrays"]
    small = json.dumps(meta).encode()
    put("idx_no_arrays.pmi", raw[:16] + struct.pack("<Q", len(small)) + small + body)
    put("idx_k99.pmi", edit(b'"k": 19', b'"k": 99'))
    put("idx_offsets.pmi", edit(b'"offsets": [0, 300000]', b'"offsets": [0, 900000]'))
    put("idx_empty.pmi", b"")


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """The module's folder: ``demo.pmi`` (data/demo_ref.fa.gz, built once) and corrupt copies."""
    folder = tmp_path_factory.mktemp("work")
    index = folder / "demo.pmi"
    res = run(["index", REF, "-o", str(index)])
    assert res.returncode == 0, res.stderr
    _corrupt_indexes(str(index), str(folder))
    return str(folder)


def _tree(folder: str) -> dict:
    """Every file under ``folder`` (hidden ones included) -> SHA-256 (folders -> 'dir')."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            out[os.path.relpath(os.path.join(root, name), folder)] = "dir"
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return out


_RO_SCRIPT = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


def _readonly_prefix(folder: str) -> list[str] | None:
    """A command prefix under which ``folder`` is read-only, or None when that cannot be had.

    chmod is enough for a normal user; root ignores folder permissions, so as root the command
    runs in a private mount namespace where the folder is bind-mounted read-only."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        return []
    if not shutil.which("unshare"):
        return None
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c", _RO_SCRIPT, folder, "true"], capture_output=True
    )
    return ["unshare", "--mount", "sh", "-c", _RO_SCRIPT, folder] if probe.returncode == 0 else None


@dataclass
class Outcome:
    code: int | None = None
    stdout: str = ""
    stderr: str = ""
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    out: str = ""
    skip: str | None = None


def _execute(c: Case, work: str, out: str) -> Outcome:
    os.makedirs(out)
    stdin = None
    for item in c.setup:
        source, _, target = item.partition(":")
        if source == "dir":
            os.mkdir(os.path.join(out, target))
        elif source == "stdin":
            stdin = open(os.path.join(BAD, target), "rb").read()
        else:
            shutil.copy(os.path.join(BAD, source), os.path.join(out, target))
    before = _tree(out)
    prefix = []
    if c.readonly:
        prefix = _readonly_prefix(out)
        if prefix is None:
            return Outcome(skip="cannot make a read-only folder here (root without unshare)")
    args = c.argv({"bad": BAD, "work": work, "out": out, "nl": "\n"})
    try:
        if prefix or stdin is not None:  # a real process: under unshare, or reading a pipe
            res = subprocess.run(
                prefix + PIMALIGN + args, input=stdin, capture_output=True, timeout=120
            )
        else:
            res = clirun.run(args, timeout=120)
    finally:
        if c.readonly and not prefix:
            os.chmod(out, 0o755)
    return Outcome(
        res.returncode,
        res.stdout.decode(errors="replace"),
        res.stderr.decode(errors="replace"),
        before,
        _tree(out),
        out,
    )


class _Runner:
    """Runs the selected cases two at a time, in table order; ``get(id)`` waits for one."""

    def __init__(self, work, root, selected):
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.futures = {}
        self.lock = threading.Lock()
        self.work, self.root, self.selected = work, root, selected

    def get(self, name: str, c: Case) -> Outcome:
        with self.lock:
            if not self.futures:
                for param in CASES:
                    if param.id in self.selected:
                        self.futures[param.id] = self.pool.submit(
                            _execute, param.values[0], self.work, os.path.join(self.root, param.id)
                        )
            if name not in self.futures:
                self.futures[name] = self.pool.submit(
                    _execute, c, self.work, os.path.join(self.root, name)
                )
        return self.futures[name].result()


@pytest.fixture(scope="module")
def runner(request, work, tmp_path_factory):
    selected = {
        item.callspec.id
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_bad_input" and hasattr(item, "callspec")
    }
    bad_before = sorted(os.listdir(BAD))
    r = _Runner(work, str(tmp_path_factory.mktemp("cases")), selected)
    yield r
    r.pool.shutdown(wait=True)
    assert sorted(os.listdir(BAD)) == bad_before, "a case wrote into tests/data/bad"


# ---- the table -----------------------------------------------------------------------------------


def _error_lines(stderr: str) -> list[str]:
    """stderr minus blank lines and pimalign's own ``[pimalign] ...`` log lines."""
    return [
        line for line in stderr.splitlines() if line.strip() and not line.startswith("[pimalign]")
    ]


@pytest.mark.parametrize("c", CASES)
def test_bad_input(c: Case, runner, request):
    res = runner.get(request.node.callspec.id, c)
    if res.skip:
        pytest.skip(res.skip)
    lines = _error_lines(res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    assert res.code == c.code, f"exit {res.code}, expected {c.code}; stderr:\n{res.stderr}"
    assert lines, "nothing on stderr"
    last = lines[-1]
    if c.code == 1:
        assert len(lines) == 1, f"more than one line on stderr:\n{res.stderr}"
    assert " error: " in last, last
    for want in c.expect:
        options = want if isinstance(want, tuple) else (want,)
        assert any(o in last for o in options), f"{options} not in: {last}"
    assert ".tmp" not in last, f"the message names a temporary file: {last}"
    # nothing at the output path, no temporary files, inputs given in the folder untouched
    assert res.after == res.before, (
        f"output folder changed: before {sorted(res.before)}, after {sorted(res.after)}"
    )


def test_debug_shows_the_traceback(work):
    res = run(
        [
            "--debug",
            "align",
            "--no-progress",
            os.path.join(work, "demo.pmi"),
            os.path.join(BAD, "qual_short.fq"),
            "-o",
            "-",
        ]
    )
    assert res.returncode != 0
    assert "Traceback" in res.stderr and "InputError" in res.stderr


def test_align_help_works():
    res = run_real(["align", "--help"])
    assert res.returncode == 0, res.stderr[-300:]
    assert "--max-read-len" in res.stdout


# ---- odd but valid inputs ------------------------------------------------------------------------


def _sam_records(path: str) -> list:
    with pysam.AlignmentFile(path, check_sq=False) as handle:
        return [
            r for r in handle.fetch(until_eof=True) if not r.is_secondary and not r.is_supplementary
        ]


def _ok_seqs() -> dict:
    with pysam.FastxFile(os.path.join(BAD, "ok.fq")) as handle:
        return {e.name: e.sequence for e in handle}


@pytest.mark.parametrize(
    "name,reads,check",
    [
        ("crlf", ["crlf.fq"], "same_as_ok"),
        ("lowercase", ["lowercase.fq"], "same_as_ok"),
        ("no-final-newline", ["no_final_newline.fq"], "same_as_ok"),
        ("fasta-reads", ["reads.fa"], "same_as_ok"),
        ("iupac-codes", ["iupac.fq"], "iupac"),
        ("read-of-only-n", ["all_n.fq"], "all_n"),
        ("zero-length-read", ["zero_length.fq"], "zero_length"),
        ("variable-lengths", ["variable_length.fq"], "variable"),
        ("duplicate-names", ["dup_names.fq"], "duplicates"),
        ("pairs-with-/1-/2-suffixes", ["suffix_R1.fq", "suffix_R2.fq"], "pairs"),
        ("pairs-with-illumina-comments", ["comment_R1.fq", "comment_R2.fq"], "pairs"),
        ("pairs-crlf-and-lf", ["crlf.fq", "ok_R2.fq"], "pairs"),
    ],
)
def test_odd_but_valid_reads(tmp_path, work, name, reads, check):
    out = tmp_path / "o.sam"
    res = run(
        [
            "align",
            "--no-progress",
            "-t",
            "1",
            os.path.join(work, "demo.pmi"),
            *(os.path.join(BAD, r) for r in reads),
            "-o",
            str(out),
        ]
    )
    assert res.returncode == 0, res.stderr
    assert os.listdir(tmp_path) == ["o.sam"]
    recs = _sam_records(str(out))
    by_name = collections.defaultdict(list)
    for r in recs:
        by_name[r.query_name].append(r)
    ok = _ok_seqs()
    if check == "same_as_ok":
        assert sorted(by_name) == sorted(ok)
        for n, rs in by_name.items():
            assert len(rs) == 1 and not rs[0].is_unmapped
            assert rs[0].get_forward_sequence() == ok[n]
    elif check == "iupac":
        # accepted; the codes count as N for the alignment, the read still maps
        assert sorted(by_name) == ["r1", "r2", "r3"] and all(not r.is_unmapped for r in recs)
    elif check == "all_n":
        assert sorted(by_name) == ["only_n", "r1", "r3"]
        assert by_name["only_n"][0].is_unmapped
    elif check == "zero_length":
        assert sorted(by_name) == ["empty_read", "r1", "r3"]
        empty = by_name["empty_read"][0]
        assert empty.is_unmapped and not empty.query_sequence
    elif check == "variable":
        assert {n: rs[0].query_length for n, rs in by_name.items()} == {
            "r1": 35,
            "r2": 150,
            "r3": 90,
        }
    elif check == "duplicates":
        # Decision (issue #6): duplicate names are not checked, as bwa and minimap2 do not
        # (that would need every name in memory): each record is written once, as read.
        assert len(recs) == 3 and len(by_name["r1"]) == 2 and len(by_name["r3"]) == 1
    elif check == "pairs":
        assert sorted(by_name) == ["r1", "r2", "r3"]
        for rs in by_name.values():
            assert sorted((r.is_read1, r.is_read2) for r in rs) == [(False, True), (True, False)]
            assert all(r.is_paired for r in rs)


def test_odd_but_valid_reference(tmp_path):
    """CRLF, lower case, IUPAC codes, a description after the name, 77-column lines."""
    from pimalign.mapper.index import load_index

    out = tmp_path / "odd.pmi"
    res = run(["index", os.path.join(BAD, "ref_odd_ok.fa"), "-o", str(out)])
    assert res.returncode == 0, res.stderr
    assert os.listdir(tmp_path) == ["odd.pmi"]
    index = load_index(str(out))
    assert index.ref.names == ["chrA", "chrB"]
    assert index.ref.lengths.tolist() == [6000, 4000]
    assert int((index.ref.fetch(2000, 2010) == 4).sum()) == 10  # IUPAC codes became N


@pytest.mark.parametrize(
    "args,rows",
    [
        (["pairs_odd_ok.tsv"], ["2", "3", "4"]),  # CRLF, a comment, lower case, a blank line
        (["lowercase.fq", "crlf.fq"], ["r1", "r2", "r3"]),
        (["zero_length.fq", "ok.fq"], ["r1", "empty_read", "r3"]),
        (["reads.fa", "ok.fq"], ["r1", "r2", "r3"]),
    ],
)
def test_odd_but_valid_editdist(tmp_path, args, rows):
    out = tmp_path / "d.tsv"
    res = run(["editdist", *(os.path.join(BAD, a) for a in args), "-o", str(out)])
    assert res.returncode == 0, res.stderr
    lines = out.read_text().splitlines()[1:]
    assert [line.split("\t")[0] for line in lines] == rows
    assert os.listdir(tmp_path) == ["d.tsv"]


@pytest.mark.parametrize(
    "args",
    [
        ["--pairs", "pairs_ok.tsv", "--device", "dev_ok.toml"],
        ["--workload", "wl_ok.tsv"],
    ],
)
def test_valid_pim_estimate_inputs(tmp_path, args):
    out = tmp_path / "e.json"
    res = run(
        [
            "pim",
            "estimate",
            "--repeats",
            "1",
            "-t",
            "1",
            "--json",
            str(out),
            *(os.path.join(BAD, a) if a.endswith((".tsv", ".toml")) else a for a in args),
        ]
    )
    assert res.returncode == 0, res.stderr
    assert os.listdir(tmp_path) == ["e.json"]


# ---- signals ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_reads(tmp_path_factory):
    """200,000 reads: the demo reads repeated, each with a unique name (63 MB, plain)."""
    path = tmp_path_factory.mktemp("big") / "big.fq"
    with gzip.open(R1, "rt") as handle:
        lines = handle.read().splitlines()
    records = [(lines[x + 1], lines[x + 3]) for x in range(0, len(lines), 4)]
    with open(path, "w") as out:
        for x in range(200_000):
            seq, qual = records[x % len(records)]
            out.write(f"@read{x}\n{seq}\n+\n{qual}\n")
    return str(path)


def _start_and_wait_for(args: list, line: str) -> tuple[subprocess.Popen, list]:
    """Start ``pimalign`` and read its stderr until a line containing ``line`` appears (the
    event the test waits for, whatever the machine's speed); returns the process and the lines
    read so far."""
    proc = subprocess.Popen(
        PIMALIGN + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    seen = []
    for text in proc.stderr:
        seen.append(text)
        if line in text:
            return proc, seen
    proc.wait()
    raise AssertionError(f"the run ended (exit {proc.returncode}) before {line!r}: {seen}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_run_exits_130_and_cleans_up(tmp_path, work, many_reads, sig):
    """The signal arrives once the first chunk is written (its temporary SAM exists beside the
    output): exit 130, one line, no output, no temporary file, no workload file."""
    out = tmp_path / "out"
    out.mkdir()
    args = [
        "align",
        "--no-progress",
        "--verbose",
        "-t",
        "2",
        os.path.join(work, "demo.pmi"),
        many_reads,
        "-o",
        str(out / "o.bam"),
        "--workload",
        str(out / "w.tsv.gz"),
    ]
    proc, _ = _start_and_wait_for(args, "reads mapped")
    seen = sorted(os.listdir(out))
    assert any(".tmp" in name for name in seen), seen
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert "Traceback" not in err, err
    assert proc.returncode == 130, (proc.returncode, err)
    assert _error_lines(err) == ["pimalign align: interrupted"]
    assert os.listdir(out) == [], f"left behind: {os.listdir(out)} (during the run: {seen})"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_startup_exits_130(tmp_path, work, sig):
    """The signal arrives as soon as the run says it is loading the index, before the Numba
    kernels are loaded from their cache."""
    args = [
        "align",
        "--no-progress",
        "--verbose",
        os.path.join(work, "demo.pmi"),
        os.path.join(BAD, "ok.fq"),
        "-o",
        str(tmp_path / "o.bam"),
    ]
    proc, _ = _start_and_wait_for(args, "loading")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert proc.returncode == 130, (proc.returncode, err)
    assert os.listdir(tmp_path) == []


# ---- every read exactly once -----------------------------------------------------------------


def _fastq_records(path):
    with pysam.FastxFile(path) as handle:
        return [(e.name, e.sequence, e.quality) for e in handle]


@pytest.fixture(scope="module")
def reads_with_unmappable(tmp_path_factory):
    """The demo pairs with 60 random pairs mixed in (every 34th pair); names without /1 /2."""
    folder = tmp_path_factory.mktemp("count")
    rng = random.Random(66)
    ends = [_fastq_records(R1), _fastq_records(R2)]
    paths = [str(folder / "r1.fq"), str(folder / "r2.fq")]
    handles = [open(p, "w") for p in paths]
    randoms = []
    for x in range(len(ends[0])):
        if x % 34 == 17:
            name = f"random{x}"
            randoms.append(name)
            for h in handles:
                seq = "".join(rng.choice("ACGT") for _ in range(150))
                h.write(f"@{name}\n{seq}\n+\n{'I' * 150}\n")
        for h, recs in zip(handles, ends):
            name, seq, qual = recs[x]
            h.write(f"@{name[:-2]}\n{seq}\n+\n{qual}\n")
    for h in handles:
        h.close()
    names = [n[:-2] for n, _, _ in ends[0]] + randoms
    assert len(randoms) == 59 and len(set(names)) == len(names)
    return paths, names, randoms


def test_every_read_once_single_end(tmp_path, work, reads_with_unmappable):
    (r1, _), names, randoms = reads_with_unmappable
    out = tmp_path / "se.bam"
    res = run(
        [
            "align",
            "--no-progress",
            "-t",
            "2",
            "--chunk-size",
            "300",
            os.path.join(work, "demo.pmi"),
            r1,
            "-o",
            str(out),
        ]
    )
    assert res.returncode == 0, res.stderr
    primary = _sam_records(str(out))
    assert collections.Counter(r.query_name for r in primary) == collections.Counter(names)
    unmapped = {r.query_name for r in primary if r.is_unmapped}
    assert set(randoms) <= unmapped and len(unmapped) < len(randoms) + 40
    assert sorted(os.listdir(tmp_path)) == ["se.bam", "se.bam.bai"]


def test_every_read_once_paired(tmp_path, work, reads_with_unmappable):
    (r1, r2), names, randoms = reads_with_unmappable
    out = tmp_path / "pe.bam"
    res = run(
        [
            "align",
            "--no-progress",
            "-t",
            "2",
            "--chunk-size",
            "300",
            os.path.join(work, "demo.pmi"),
            r1,
            r2,
            "-o",
            str(out),
        ]
    )
    assert res.returncode == 0, res.stderr
    primary = _sam_records(str(out))
    ends = collections.Counter((r.query_name, r.is_read1, r.is_read2) for r in primary)
    expected = collections.Counter(
        [(n, True, False) for n in names] + [(n, False, True) for n in names]
    )
    assert ends == expected
    for r in primary:
        if r.query_name in randoms:
            assert r.is_unmapped and r.mate_is_unmapped
    assert sorted(os.listdir(tmp_path)) == ["pe.bam", "pe.bam.bai"]


# ---- the corpus ----------------------------------------------------------------------------------


def test_corpus_is_what_the_generator_writes():
    import make_bad_inputs

    built = make_bad_inputs.build()
    assert sorted(built) == sorted(os.listdir(BAD)), "run: python tests/make_bad_inputs.py"
    for name, data in built.items():
        with open(os.path.join(BAD, name), "rb") as handle:
            assert handle.read() == data, f"{name} differs: run python tests/make_bad_inputs.py"


def test_every_corpus_file_is_used():
    text = open(__file__).read()
    unused = [name for name in os.listdir(BAD) if name not in text]
    assert not unused
