"""Write the bad-input corpus ``tests/data/bad/`` (issue #6).

Every file is small and made deterministically from the bundled demo data, so the corpus can be
rebuilt and checked (``tests/test_bad_inputs.py`` asserts that this script reproduces the
committed files byte for byte)::

    python tests/make_bad_inputs.py            # rewrite tests/data/bad/
    python tests/make_bad_inputs.py OUTDIR     # write elsewhere

Files whose content depends on pimalign's own formats (corrupt index files) are not here: the
test module derives them at run time from the index it builds.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")
BAD = os.path.join(HERE, "data", "bad")


def _gzip(data: bytes) -> bytes:
    """gzip bytes with a fixed header (mtime 0, no file name) so the output is reproducible."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="", compresslevel=6) as gz:
        gz.write(data)
    return buf.getvalue()


def _demo_fastq(path: str, count: int) -> list[tuple[str, str, str]]:
    """The first ``count`` records of a bundled FASTQ as (name without /1 /2, seq, qual)."""
    out = []
    with gzip.open(path, "rt") as handle:
        while len(out) < count:
            head, seq, _, qual = (handle.readline().rstrip("\n") for _ in range(4))
            name = head[1:].split()[0]
            out.append((name[:-2] if name.endswith(("/1", "/2")) else name, seq, qual))
    return out


def _demo_reference(start: int, length: int) -> str:
    with gzip.open(os.path.join(DATA, "demo_ref.fa.gz"), "rt") as handle:
        seq = "".join(line.strip() for line in handle if not line.startswith(">"))
    return seq[start : start + length]


def fq(records, eol: str = "\n") -> str:
    return "".join(f"@{n}{eol}{s}{eol}+{eol}{q}{eol}" for n, s, q in records)


def fa(records, width: int = 60) -> str:
    out = []
    for name, seq in records:
        out.append(f">{name}\n")
        out += [seq[x : x + width] + "\n" for x in range(0, len(seq), width)]
    return "".join(out)


def _tiny_bam(records) -> bytes:
    """An unaligned BAM of ``records`` (what `samtools import` makes), as bytes."""
    import tempfile

    import pysam

    header = pysam.AlignmentHeader.from_dict({"HD": {"VN": "1.6", "SO": "unsorted"}})
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.bam")
        with pysam.AlignmentFile(path, "wb", header=header) as out:
            for name, seq, qual in records:
                rec = pysam.AlignedSegment(header)
                rec.query_name = name
                rec.flag = 4
                rec.query_sequence = seq
                rec.query_qualities = pysam.qualitystring_to_array(qual)
                out.write(rec)
        with open(path, "rb") as handle:
            return handle.read()


def build() -> dict[str, bytes]:
    """File name -> content of the whole corpus."""
    r1 = _demo_fastq(os.path.join(DATA, "demo_R1.fq.gz"), 4)
    r2 = _demo_fastq(os.path.join(DATA, "demo_R2.fq.gz"), 4)
    # short names keep the error messages readable; mates keep their pairing
    ok = [(f"r{i + 1}", s, q) for i, (_, s, q) in enumerate(r1[:3])]
    ok2 = [(f"r{i + 1}", s, q) for i, (_, s, q) in enumerate(r2[:3])]
    (n1, s1, q1), (n2, s2, q2), (n3, s3, q3) = ok
    rng = random.Random(6)
    files: dict[str, str | bytes] = {}

    # ---- reads (FASTQ / FASTA) ---------------------------------------------------------
    files["ok.fq"] = fq(ok)
    files["ok_R2.fq"] = fq(ok2)
    whole = _gzip(fq(ok * 20).encode())
    files["truncated.fq.gz"] = whole[: len(whole) // 2]
    files["not_gzip.fq.gz"] = fq(ok)
    files["garbage_after_magic.fq.gz"] = b"\x1f\x8b\x08\x00" + bytes(
        rng.randrange(256) for _ in range(200)
    )
    files["empty.fq"] = ""
    files["empty.fq.gz"] = _gzip(b"")
    files["blank_lines.fq"] = "\n\n\n"
    files["qual_short.fq"] = fq([ok[0], (n2, s2, q2[:-1]), ok[2]])
    files["qual_long.fq"] = fq([ok[0], (n2, s2, q2 + "I"), ok[2]])
    files["missing_plus.fq"] = fq(ok[:1]) + f"@{n2}\n{s2}\n{q2}\n" + fq(ok[2:])
    files["cut_mid_record.fq"] = fq(ok[:2]) + f"@{n3}\n{s3}\n"
    files["cut_in_quality.fq"] = fq(ok[:2]) + f"@{n3}\n{s3}\n+\n{q3[:40]}"
    files["no_header.fq"] = f"{s1}\n+\n{q1}\n"
    files["bad_header.fq"] = fq(ok[:1]) + f"{n2}\n{s2}\n+\n{q2}\n" + fq(ok[2:])
    files["empty_name.fq"] = fq(ok[:1]) + f"@\n{s2}\n+\n{q2}\n"
    files["invalid_base.fq"] = fq([ok[0], (n2, s2[:70] + "." + s2[71:], q2), ok[2]])
    files["digit_in_seq.fq"] = fq([ok[0], ok[1], (n3, s3[:10] + "7" + s3[11:], q3)])
    files["non_ascii_seq.fq"] = (fq(ok[:1]) + f"@{n2}\n{s2[:20]}\u00e9{s2[21:]}\n+\n{q2}\n").encode(
        "latin-1"
    )
    files["non_ascii_name.fq"] = (fq(ok[:1]) + f"@r\u00e92\n{s2}\n+\n{q2}\n").encode("utf-8")
    files["non_ascii_qual.fq"] = (fq(ok[:2]) + f"@{n3}\n{s3}\n+\n\u00ff{q3[1:]}\n").encode(
        "latin-1"
    )
    files["qual_below_33.fq"] = fq([ok[0], (n2, s2, q2[:5] + " " + q2[6:]), ok[2]])
    files["multiline.fq"] = fq(ok[:1]) + f"@{n2}\n{s2[:75]}\n{s2[75:]}\n+\n{q2[:75]}\n{q2[75:]}\n"
    files["sam_as_fastq.fq"] = "@HD\tVN:1.6\tSO:unsorted\n@PG\tID:x\tPN:x\n" + "".join(
        f"{n}\t4\t*\t0\t0\t*\t*\t0\t0\t{s}\t{q}\n" for n, s, q in ok
    )
    files["reads.bam"] = _tiny_bam(ok)
    long_seq = (s1 * 700)[:100_000]
    files["long_100kb.fq.gz"] = _gzip(fq([ok[0], ("long", long_seq, "I" * len(long_seq))]).encode())
    # odd but valid
    files["crlf.fq"] = fq(ok, eol="\r\n")
    files["lowercase.fq"] = fq([(n, s.lower(), q) for n, s, q in ok])
    iupac = "RYKMSWBDHV"
    files["iupac.fq"] = fq([ok[0], (n2, s2[:50] + iupac + s2[60:], q2), ok[2]])
    files["all_n.fq"] = fq([ok[0], ("only_n", "N" * 150, "#" * 150), ok[2]])
    files["zero_length.fq"] = fq([ok[0], ("empty_read", "", ""), ok[2]])
    files["variable_length.fq"] = fq([(n1, s1[:35], q1[:35]), (n2, s2, q2), (n3, s3[:90], q3[:90])])
    files["no_final_newline.fq"] = fq(ok)[:-1]
    files["dup_names.fq"] = fq([ok[0], (n1, s2, q2), ok[2]])
    files["non_ascii_reads.fa"] = (
        fa([(n, s) for n, s, _ in ok[:2]]) + f">{n3}\n{s3[:30]}\u00e9{s3[31:]}\n"
    ).encode("latin-1")
    files["reads.fa"] = fa([(n, s) for n, s, _ in ok], width=70)
    files["suffix_R1.fq"] = fq([(n + "/1", s, q) for n, s, q in ok])
    files["suffix_R2.fq"] = fq([(n + "/2", s, q) for n, s, q in ok2])
    files["comment_R1.fq"] = fq([(n + " 1:N:0:ACGT", s, q) for n, s, q in ok])
    files["comment_R2.fq"] = fq([(n + " 2:N:0:ACGT", s, q) for n, s, q in ok2])
    # pairs that do not pair up
    files["pair_R2_fewer.fq"] = fq(ok2[:2])
    files["pair_R2_more.fq"] = fq(ok2 + [("r4", r2[3][1], r2[3][2])])
    files["pair_R2_names.fq"] = fq([ok2[0], ok2[2], ok2[1]])

    # ---- references (FASTA) ------------------------------------------------------------
    ref_a, ref_b = _demo_reference(1000, 6000), _demo_reference(50_000, 4000)
    files["ref_ok.fa"] = fa([("chrA", ref_a), ("chrB", ref_b)])
    files["ref_dup_names.fa"] = fa([("chrA", ref_a), ("chrB", ref_b), ("chrA", ref_b)])
    files["ref_empty_contig.fa"] = fa([("chrA", ref_a)]) + ">chrE\n" + fa([("chrB", ref_b)])
    files["ref_empty_last_contig.fa"] = fa([("chrA", ref_a)]) + ">chrZ\n"
    files["ref_only_n.fa"] = fa([("chrN", "N" * 3000), ("chrN2", "n" * 500)])
    files["ref_empty.fa"] = ""
    files["ref_no_header.fa"] = ref_a[:600] + "\n"
    files["ref_empty_name.fa"] = ">\n" + ref_a[:600] + "\n"
    files["ref_bad_char.fa"] = fa([("chrA", ref_a[:3000] + "X" + ref_a[3001:]), ("chrB", ref_b)])
    files["ref_non_ascii.fa"] = (fa([("chrA", ref_a[:500])]) + "\u00c5CGT\n").encode("latin-1")
    files["ref_is_fastq.fq"] = fq([("chrA", ref_a, "I" * len(ref_a))])
    files["ref_truncated.fa.gz"] = _gzip(fa([("chrA", ref_a), ("chrB", ref_b)]).encode())[:1500]
    # odd but valid: CRLF, lower case, IUPAC codes, ragged line widths
    odd = ref_a[:2000].lower() + "RYKMSWBDHV" + ref_a[2010:]
    files["ref_odd_ok.fa"] = fa([("chrA desc", odd), ("chrB", ref_b)], width=77).replace(
        "\n", "\r\n"
    )

    # ---- pair TSVs for editdist / pim estimate -------------------------------------------
    pairs = [(s[:60], s[2:62]) for _, s, _ in ok]
    files["pairs_ok.tsv"] = "".join(f"{q}\t{t}\n" for q, t in pairs)
    files["pairs_iupac.tsv"] = f"p1\t{pairs[0][0]}\t{pairs[0][1]}\np2\tACGTRACGT\tACGTACGT\n"
    files["pairs_non_ascii.tsv"] = (f"{pairs[0][0]}\t{pairs[0][1]}\nAC\u00e9GT\tACGT\n").encode(
        "latin-1"
    )
    files["pairs_empty.tsv"] = ""
    randoms = "".join(
        f"{''.join(rng.choice('ACGT') for _ in range(60))}\t"
        f"{''.join(rng.choice('ACGT') for _ in range(60))}\n"
        for _ in range(40)
    )
    whole = _gzip(randoms.encode())
    files["pairs_truncated.tsv.gz"] = whole[: len(whole) // 2]
    files["pairs_not_gzip.tsv.gz"] = files["pairs_ok.tsv"]
    files["pairs_four_columns.tsv"] = f"{pairs[0][0]}\t{pairs[0][1]}\na\tACGT\tACGT\textra\n"
    files["pairs_odd_ok.tsv"] = (
        "# comment\r\n" + "".join(f"{q.lower()}\t{t}\r\n" for q, t in pairs) + "\r\n"
    )

    # ---- workload files for pim estimate --workload ---------------------------------------
    head = "#id\tdistance\tband\tcells\tbits\n"
    files["wl_ok.tsv"] = head + "a\t1\t17\t900\t3\nb\t0\t17\t850\t2\n"
    files["wl_no_header.tsv"] = "a\t1\t17\t900\t3\n"
    files["wl_missing_column.tsv"] = "#id\tdistance\tband\tcells\na\t1\t17\t900\n"
    files["wl_not_integer.tsv"] = head + "a\t1\t17\t900\t3\nb\t0\t17\tmany\t2\n"
    files["wl_negative.tsv"] = head + "a\t1\t17\t-900\t3\n"
    files["wl_header_only.tsv"] = head

    # ---- device TOMLs for pim estimate --device ------------------------------------------
    files["dev_ok.toml"] = "[logic]\ncycle_time_ns = 5.0\n"
    files["dev_unknown_key.toml"] = "[logic]\ncycle_time_ns = 3.0\nturbo = true\n"
    files["dev_unknown_section.toml"] = "[cooling]\nfans = 2\n"
    files["dev_wrong_section.toml"] = "[memory]\ncycle_time_ns = 3.0\n"
    files["dev_negative_cycle.toml"] = "[logic]\ncycle_time_ns = -3.33\n"
    files["dev_nan_cycle.toml"] = "[logic]\ncycle_time_ns = nan\n"
    files["dev_inf_energy.toml"] = "[logic]\ngate_energy_fj = inf\n"
    files["dev_zero_rows.toml"] = "[crossbar]\nrows = 0\n"
    files["dev_string_rows.toml"] = '[crossbar]\nrows = "1024"\n'
    files["dev_bad_syntax.toml"] = "[logic\ncycle_time_ns = 3\n"
    files["dev_not_table.toml"] = "logic = 3\n"
    files["dev_non_utf8.toml"] = '[device]\nname = "caf\u00e9"\n'.encode("latin-1")
    files["dev_bad_init.toml"] = '[logic]\ninit_policy = "sometimes"\n'

    # ---- round two (issue 14): names SAM forbids, containers, line ends, sizes, devices -----
    files["name_too_long.fq"] = fq([ok[0], ("r" * 300, s2, q2), ok[2]])
    files["name_with_nul.fq"] = fq([ok[0], ("r\x002", s2, q2), ok[2]])
    files["name_with_at.fq"] = fq([ok[0], ("r@2", s2, q2), ok[2]])
    files["cr_only.fq"] = fq(ok, eol="\r")
    files["reads.cram"] = b"CRAM\x03\x00" + bytes(rng.randrange(256) for _ in range(64))
    files["reads.fq.bz2"] = b"BZh91AY&SY" + bytes(rng.randrange(256) for _ in range(64))
    files["ref_star_name.fa"] = fa(
        [("chr1", _demo_reference(0, 600)), ("*", _demo_reference(600, 600))]
    )
    files["ref_eq_name.fa"] = fa([("=x", _demo_reference(0, 600))])
    files["ref_comma_name.fa"] = fa([("chr1,alt", _demo_reference(0, 600))])
    files["ref_cr_only.fa"] = fa([("chr1", _demo_reference(0, 600))]).replace("\n", "\r")
    files["pairs_trailing_tab.tsv"] = "ACGTACGT\tACGTACGT\t\n"
    files["pairs_doubled_tab.tsv"] = "p1\t\tACGT\n"
    long_q = "".join(rng.choice("ACGT") for _ in range(100_000))
    files["pairs_long_path.tsv.gz"] = _gzip(f"big\t{long_q}\t{long_q[:60_000]}\n".encode())
    files["dev_rows_huge.toml"] = "[crossbar]\nrows = 9223372036854775807\n"
    files["dev_chips_huge.toml"] = "[organisation]\nchips = 100000000000\n"
    files["dev_gate_string.toml"] = '[logic]\ngate_set = "NOR"\n'

    return {
        name: data if isinstance(data, bytes) else data.encode("ascii")
        for name, data in sorted(files.items())
    }


def write(folder: str = BAD) -> list[str]:
    os.makedirs(folder, exist_ok=True)
    corpus = build()
    for name, data in corpus.items():
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(data)
    return sorted(corpus)


if __name__ == "__main__":
    names = write(sys.argv[1] if len(sys.argv) > 1 else BAD)
    print(f"wrote {len(names)} files")
