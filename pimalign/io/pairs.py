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
    total = 0
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
                total += 1
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
    elif total == 0:
        raise InputError(path, "contains no pairs (empty file)")


def read_fastx_pairs(query_path: str, target_path: str,
                     chunk_size: int) -> Iterator[tuple[list, list, list, list]]:
    """Yield chunks pairing record i of ``query_path`` with record i of ``target_path``.

    Both files go through the strict reader of ``io.reads`` (FASTA or FASTQ, gzip or plain):
    malformed records are errors naming the file and the record.
    """
    from .reads import read_chunks

    targets = _records(read_chunks(target_path, chunk_size))
    number = 0
    ids, queries, target_seqs, numbers = [], [], [], []
    for chunk in read_chunks(query_path, chunk_size):
        for name, seq in zip(chunk.names, chunk.seqs):
            number += 1
            tseq = next(targets, None)
            if tseq is None:
                raise InputError(target_path, f"has fewer records than {query_path} (it ends "
                                              f"before record {number})")
            ids.append(name)
            queries.append(seq)
            target_seqs.append(tseq)
            numbers.append(number)
            if len(ids) >= chunk_size:
                yield ids, queries, target_seqs, numbers
                ids, queries, target_seqs, numbers = [], [], [], []
    if next(targets, None) is not None:
        raise InputError(target_path, f"has more records than {query_path} ({number})")
    if ids:
        yield ids, queries, target_seqs, numbers


def _records(chunks):
    for chunk in chunks:
        yield from chunk.seqs
