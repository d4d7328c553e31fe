"""Read sequence pairs for batch edit distance, in chunks.

Two sources:
- a TSV of ``query<TAB>target`` or ``id<TAB>query<TAB>target`` lines (plain, ``.gz`` or ``-`` for
  stdin; ``#`` comment lines and blank lines are skipped; CRLF accepted);
- two FASTA/FASTQ files taken record by record (query i against target i), read through pysam.

Each chunk is ``(ids, queries, targets, records)``; ``records`` holds the 1-based line numbers
(TSV) or record numbers (FASTA/FASTQ) for error messages. Sequences are validated later, when
encoded; ``first_invalid`` turns an encoding error into an ``InputError``.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
from typing import Iterator

import pysam

from .errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


def open_text(path: str):
    """Open a plain or gzip text file (``-`` is stdin), detecting gzip by its magic bytes."""
    if path == "-":
        raw = sys.stdin.buffer
    else:
        if not os.path.exists(path):
            raise InputError(path, "no such file")
        if os.path.isdir(path):
            raise InputError(path, "is a folder, not a file")
        raw = open(path, "rb")
    head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if head == GZIP_MAGIC:
        raw = gzip.GzipFile(fileobj=raw)
    elif path.endswith(".gz") and path != "-":
        raise InputError(path, "name ends in .gz but the file is not gzip-compressed")
    return io.TextIOWrapper(raw, encoding="ascii", errors="strict", newline=None)


def read_tsv_pairs(path: str, chunk_size: int) -> Iterator[tuple[list, list, list, list]]:
    """Yield chunks of pairs from a TSV file; bad lines raise ``InputError``."""
    ids, queries, targets, lines = [], [], [], []
    with open_text(path) as handle:
        line_no = 0
        try:
            for line in handle:
                line_no += 1
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                fields = line.split("\t")
                if len(fields) == 2:
                    ids.append(str(line_no))
                    queries.append(fields[0])
                    targets.append(fields[1])
                elif len(fields) == 3:
                    ids.append(fields[0])
                    queries.append(fields[1])
                    targets.append(fields[2])
                else:
                    raise InputError(path, f"expected 2 or 3 tab-separated columns, found "
                                           f"{len(fields)}", f"at line {line_no}")
                lines.append(line_no)
                if len(ids) >= chunk_size:
                    yield ids, queries, targets, lines
                    ids, queries, targets, lines = [], [], [], []
        except UnicodeDecodeError as err:
            raise InputError(path, f"non-ASCII byte 0x{err.object[err.start]:02x}",
                             f"at line {line_no + 1}") from None
        except (EOFError, gzip.BadGzipFile, OSError) as err:
            raise InputError(path, f"corrupt or truncated gzip data ({err})") from None
    if ids:
        yield ids, queries, targets, lines


def read_fastx(path: str) -> Iterator[tuple[str, str]]:
    """Yield ``(name, sequence)`` from a FASTA or FASTQ file (plain or gzip) via pysam."""
    if not os.path.exists(path):
        raise InputError(path, "no such file")
    number = 0
    try:
        with pysam.FastxFile(path) as handle:
            for number, entry in enumerate(handle, start=1):
                seq = entry.sequence or ""
                qual = entry.quality
                if qual is not None and len(qual) != len(seq):
                    raise InputError(path, f"quality has {len(qual)} characters but the sequence "
                                           f"has {len(seq)}", f"{number} ({entry.name})")
                yield entry.name, seq
    except (OSError, ValueError) as err:
        raise InputError(path, f"unreadable FASTA/FASTQ ({err})", number + 1) from None


def read_fastx_pairs(query_path: str, target_path: str,
                     chunk_size: int) -> Iterator[tuple[list, list, list, list]]:
    """Yield chunks pairing record i of ``query_path`` with record i of ``target_path``."""
    ids, queries, targets, records = [], [], [], []
    targets_iter = read_fastx(target_path)
    number = 0
    for number, (name, qseq) in enumerate(read_fastx(query_path), start=1):
        try:
            _, tseq = next(targets_iter)
        except StopIteration:
            raise InputError(target_path, f"has fewer records than {query_path} "
                                          f"(it ends before record {number})") from None
        ids.append(name)
        queries.append(qseq)
        targets.append(tseq)
        records.append(number)
        if len(ids) >= chunk_size:
            yield ids, queries, targets, records
            ids, queries, targets, records = [], [], [], []
    if next(targets_iter, None) is not None:
        raise InputError(target_path, f"has more records than {query_path} ({number})")
    if ids:
        yield ids, queries, targets, records
