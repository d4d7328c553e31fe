"""Real (not simulated) genomes for the benchmarks, taken from Debian example-data packages.

Each genome is one file that a Debian package ships (bookworm versions below); it is fetched
with ``apt-get download`` and read out of the .deb with ``dpkg-deb --fsys-tarfile`` (no install,
no root needed for that step), optionally sliced, and written as ``CACHE/<name>.fa.gz`` (60
bases a line, upper case, gzip without a timestamp); base and contig counts are checked against
the ones recorded here. A package that cannot be had is reported in one line and its genomes
are skipped.

| name | package | what |
|---|---|---|
| human_chr20_10M | vt-examples | GRCh37 chr20:35,000,001-45,000,000 (no N; Alu/L1 repeats) |
| human_chr20 | vt-examples | GRCh37 chromosome 20, whole (63.0 Mb, 5.6% N) |
| human_chrX_70M | smalt-examples | GRCh37 chrX, first 70 Mb (5.4% N) |
| pfalciparum | smalt-examples | Plasmodium falciparum, 14 chromosomes (23.3 Mb, 19.4% GC) |
| pknowlesi | smalt-examples | Plasmodium knowlesi, 1,840 contigs (26.0 Mb, 38.9% GC) |
| bjaponicum | cct-examples | Bradyrhizobium japonicum USDA 110, NC_004463.1 (9.1 Mb, 64.1% GC) |
| klebsiella_hs11286 | kleborate-examples | Klebsiella pneumoniae HS11286, chromosome + 6 plasmids |
| ecoli536 | bowtie-examples | E. coli 536, NC_008253.1 (the set of benchmarks/README.md) |

Usage:
    python benchmarks/real_genomes.py [--cache DIR] [--genomes a,b]   # fetch missing, list all
Library:
    available(cache, names=None, fetch=True) -> [(name, path)] of the genomes present
"""

from __future__ import annotations

import argparse
import gzip
import io
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

DOC = "./usr/share/doc"
# name: (package, version seen, file in the .deb, format, slice (contig, start0, end) or None,
#        expected (bases, contigs))
GENOMES = {
    "human_chr20_10M": (
        "vt-examples",
        "0.57721+ds-3",
        f"{DOC}/vt/examples/ref/20.fa.gz",
        "fasta",
        ("20", 35_000_000, 45_000_000),
        (10_000_000, 1),
    ),
    "human_chr20": (
        "vt-examples",
        "0.57721+ds-3",
        f"{DOC}/vt/examples/ref/20.fa.gz",
        "fasta",
        None,
        (63_025_520, 1),
    ),
    "human_chrX_70M": (
        "smalt-examples",
        "0.7.6-12",
        f"{DOC}/smalt/test/data/hs37chrXtrunc.fa.gz",
        "fasta",
        None,
        (69_999_930, 1),
    ),
    "pfalciparum": (
        "smalt-examples",
        "0.7.6-12",
        f"{DOC}/smalt/test/data/genome_1.fa.gz",
        "fasta",
        None,
        (23_264_425, 14),
    ),
    "pknowlesi": (
        "smalt-examples",
        "0.7.6-12",
        f"{DOC}/smalt/test/data/cigar_ref.fa.gz",
        "fasta",
        None,
        (25_989_094, 1840),
    ),
    "bjaponicum": (
        "cct-examples",
        "1:1.0.3-1",
        f"{DOC}/cct/examples/sample_projects/sample_project_3/reference_genome/NC_004463.gbk.gz",
        "genbank",
        None,
        (9_105_828, 1),
    ),
    "klebsiella_hs11286": (
        "kleborate-examples",
        "2.3.1-2",
        f"{DOC}/kleborate/examples/data/Klebs_HS11286.fna.xz",
        "fasta",
        None,
        (5_682_322, 7),
    ),
    "ecoli536": (
        "bowtie-examples",
        "1.3.1-1",
        f"{DOC}/bowtie/examples/genomes/NC_008253.fna.gz",
        "fasta",
        None,
        (4_938_920, 1),
    ),
}


def default_cache() -> str:
    """``$PIMALIGN_GENOMES``, else ``~/.cache/pimalign/genomes``."""
    return os.environ.get("PIMALIGN_GENOMES") or os.path.expanduser("~/.cache/pimalign/genomes")


def _open_bytes(data: bytes, member: str):
    """A text stream over ``data``, decompressed by the member's extension (.gz, .xz or none)."""
    raw = io.BytesIO(data)
    if member.endswith(".gz"):
        raw = gzip.GzipFile(fileobj=raw)
    elif member.endswith(".xz"):
        raw = lzma.LZMAFile(raw)
    return io.TextIOWrapper(raw, encoding="ascii", errors="replace")


def _records(stream, fmt: str):
    """Yield (name, sequence) from a FASTA or GenBank (ORIGIN blocks; name from VERSION)."""
    name, chunks, in_seq = None, [], fmt == "fasta"
    for line in stream:
        if fmt == "fasta":
            if line.startswith(">"):
                if name is not None:
                    yield name, "".join(chunks)
                name, chunks = (line[1:].split() or ["?"])[0], []
            else:
                chunks.append(line.strip())
        elif line.startswith("LOCUS"):
            name, chunks, in_seq = line.split()[1], [], False
        elif line.startswith("VERSION") and len(line.split()) > 1:
            name = line.split()[1]
        elif line.startswith("ORIGIN"):
            in_seq = True
        elif line.startswith("//"):
            yield name, "".join(chunks)
            name, in_seq = None, False
        elif in_seq:
            chunks.append("".join(line.split()[1:]))
    if fmt == "fasta" and name is not None:
        yield name, "".join(chunks)


def _write(path: str, records) -> None:
    """Write (name, seq) records as upper-case FASTA, 60 a line, to a reproducible .fa.gz."""
    tmp = path + ".part"
    with (
        open(tmp, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz,
    ):
        for name, seq in records:
            seq = seq.upper()
            lines = "\n".join(seq[i : i + 60] for i in range(0, len(seq), 60))
            gz.write(f">{name}\n{lines}\n".encode())
    os.replace(tmp, path)


def _download(package: str, folder: str) -> str | None:
    """``apt-get download PACKAGE`` into folder; the .deb path, or None (message printed)."""
    if not shutil.which("apt-get"):
        print(f"real_genomes: no apt-get here: {package} skipped", file=sys.stderr)
        return None
    run = subprocess.run(["apt-get", "download", "-q", package], cwd=folder, capture_output=True)
    debs = [f for f in os.listdir(folder) if f.startswith(package + "_") and f.endswith(".deb")]
    if run.returncode != 0 or not debs:
        why = run.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no .deb"]
        print(f"real_genomes: cannot download {package} ({why[0]}): skipped", file=sys.stderr)
        return None
    return os.path.join(folder, debs[0])


def _members(deb: str, wanted: set[str]) -> dict[str, bytes]:
    """The bytes of the wanted files of a .deb (``dpkg-deb --fsys-tarfile``)."""
    tar_bytes = subprocess.run(
        ["dpkg-deb", "--fsys-tarfile", deb], capture_output=True, check=True
    ).stdout
    out = {}
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        for member in tar:
            if member.name in wanted and member.isfile():
                out[member.name] = tar.extractfile(member).read()
    return out


def fetch(cache: str, names=None) -> None:
    """Make ``CACHE/<name>.fa.gz`` for each named genome (default all) that is missing.

    Packages are downloaded once each into a temporary folder and deleted afterwards; a genome
    whose base or contig count differs from the one recorded here is still written, with a
    warning (the package changed)."""
    os.makedirs(cache, exist_ok=True)
    todo = [n for n in (names or GENOMES) if not os.path.exists(os.path.join(cache, n + ".fa.gz"))]
    for package in sorted({GENOMES[n][0] for n in todo}):
        group = [n for n in todo if GENOMES[n][0] == package]
        with tempfile.TemporaryDirectory(prefix="real_genomes.") as tmp:
            deb = _download(package, tmp)
            if deb is None:
                continue
            data = _members(deb, {GENOMES[n][2] for n in group})
            for name in group:
                _, _, member, fmt, cut, (bases, contigs) = GENOMES[name]
                if member not in data:
                    print(
                        f"real_genomes: {package} has no {member}: {name} skipped", file=sys.stderr
                    )
                    continue
                recs = list(_records(_open_bytes(data[member], member), fmt))
                if cut:
                    contig, start, end = cut
                    seq = dict(recs)[contig][start:end]
                    recs = [(f"{contig}:{start + 1}-{end}", seq)]
                got = (sum(len(s) for _, s in recs), len(recs))
                if got != (bases, contigs):
                    print(
                        f"real_genomes: {name}: {got} bases, contigs; expected {(bases, contigs)}"
                    )
                _write(os.path.join(cache, name + ".fa.gz"), recs)


def available(cache: str | None = None, names=None, fetch_missing: bool = True) -> list:
    """[(name, path)] of the named genomes (default all, in GENOMES order) present in cache,
    fetching the missing ones first unless ``fetch_missing`` is False."""
    cache = cache or default_cache()
    names = list(names or GENOMES)
    unknown = [n for n in names if n not in GENOMES]
    if unknown:
        raise ValueError(f"unknown genomes {unknown}; known: {', '.join(GENOMES)}")
    if fetch_missing:
        fetch(cache, names)
    paths = [(n, os.path.join(cache, n + ".fa.gz")) for n in names]
    return [(n, p) for n, p in paths if os.path.exists(p)]


def stats(path: str) -> dict:
    """Bases, contigs, GC fraction (of A/C/G/T) and N count of a FASTA(.gz)."""
    opener = gzip.open if path.endswith(".gz") else open
    counts = dict.fromkeys("ACGTN", 0)
    bases = contigs = 0
    with opener(path, "rb") as handle:
        for line in handle:
            if line.startswith(b">"):
                contigs += 1
                continue
            line = line.strip().upper()
            bases += len(line)
            for b in counts:
                counts[b] += line.count(b.encode())
    acgt = sum(counts[b] for b in "ACGT")
    gc = (counts["G"] + counts["C"]) / max(acgt, 1)
    return {"bases": bases, "contigs": contigs, "gc": gc, "n": counts["N"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", default=default_cache(), help="folder of <name>.fa.gz")
    ap.add_argument("--genomes", default="", help=f"comma list (default all: {','.join(GENOMES)})")
    ap.add_argument("--no-fetch", action="store_true", help="only list what is there")
    args = ap.parse_args()
    names = [n for n in args.genomes.split(",") if n] or None
    print("name\tpackage\tbases\tcontigs\tGC\tN\tpath")
    for name, path in available(args.cache, names, not args.no_fetch):
        s = stats(path)
        print(
            f"{name}\t{GENOMES[name][0]} {GENOMES[name][1]}\t{s['bases']}\t{s['contigs']}\t"
            f"{s['gc']:.2%}\t{s['n']}\t{path}"
        )


if __name__ == "__main__":
    main()
