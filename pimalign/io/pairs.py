"""Read sequence pairs for batch edit distance, in chunks.

Two sources:
- a TSV of ``query<TAB>target`` or ``id<TAB>query<TAB>target`` lines (plain, ``.gz`` or ``-`` for
  stdin; ``#`` comment lines and blank lines are skipped; CRLF accepted);
- two FASTA/FASTQ files taken record by record (query i against target i), read by the strict
  reader of ``io.reads``.

Each chunk is ``(ids, queries, targets, records)``; ``records`` holds the 1-based line numbers
(TSV) or record numbers (FASTA/FASTQ) for error messages. Sequences are validated later, when
encoded (``alphabet.SequenceError`` names the record; the caller turns it into an
``InputError`` naming the line or record).
"""

from __future__ import annotations

import io
from typing import Iterator

from .errors import InputError, read_error


def open_text(path: str):
    """Open a plain or gzip ASCII text file (``-`` is stdin; see ``reads.open_binary``)."""
    from .reads import open_binary

    return io.TextIOWrapper(open_binary(path), encoding="ascii", errors="strict", newline=None)


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
                if len(fields) in (2, 3) and not all(fields):
                    raise InputError(
                        path,
                        "empty column (a stray tab?): a line is "
                        "query<TAB>target or id<TAB>query<TAB>target",
                        line=line_no,
                    )
                if len(fields) == 2:
                    ids.append(str(line_no))
                    queries.append(fields[0])
                    targets.append(fields[1])
                elif len(fields) == 3:
                    ids.append(fields[0])
                    queries.append(fields[1])
                    targets.append(fields[2])
                else:
                    raise InputError(
                        path,
                        f"expected 2 or 3 tab-separated columns, found {len(fields)}",
                        line=line_no,
                    )
                lines.append(line_no)
                total += 1
                if len(ids) >= chunk_size:
                    yield ids, queries, targets, lines
                    ids, queries, targets, lines = [], [], [], []
        except UnicodeDecodeError as err:
            raise InputError(
                path, f"non-ASCII byte 0x{err.object[err.start]:02x}", line=line_no + 1
            ) from None
        except (EOFError, OSError) as err:
            raise read_error(path, err) from None
    if ids:
        yield ids, queries, targets, lines
    elif total == 0:
        raise InputError(path, "contains no pairs (empty file)")


def read_fastx_pairs(
    query_path: str, target_path: str, chunk_size: int
) -> Iterator[tuple[list, list, list, list]]:
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
                raise InputError(
                    target_path,
                    f"has fewer records than {query_path} (it ends before record {number})",
                )
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
