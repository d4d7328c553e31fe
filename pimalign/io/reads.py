"""Strict, chunked reading of sequencing reads (FASTQ, or FASTA without qualities).

Unlike ``bwa mem`` and ``minimap2``, which silently drop or mangle malformed records, every
problem here is an ``InputError`` naming the file, the record (1-based number and name) and what
is wrong. Accepted oddities: gzip or plain, CRLF line endings, lower-case bases, multi-line FASTA,
``/1`` and ``/2`` name suffixes (removed, as bwa does), empty reads.

A chunk is ``ReadChunk(names, seqs, quals, first)``: ``seqs`` upper-case strings, ``quals``
Phred+33 strings (``None`` for FASTA), ``first`` the 1-based number of its first record.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from dataclasses import dataclass
from typing import Iterator

from .errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
BAM_MAGIC = b"BAM\x01"


@dataclass
class ReadChunk:
    names: list
    seqs: list
    quals: list | None
    first: int

    def __len__(self) -> int:
        return len(self.names)


def _open_binary(path: str):
    if path == "-":
        return sys.stdin.buffer
    if not os.path.exists(path):
        raise InputError(path, "no such file")
    if os.path.isdir(path):
        raise InputError(path, "is a folder, not a file")
    raw = open(path, "rb")
    head = raw.peek(4)[:4]
    if head[:2] == GZIP_MAGIC:
        gz = gzip.GzipFile(fileobj=raw)
        try:
            inner = gz.peek(4)[:4]
        except (OSError, EOFError, zlib.error) as err:
            raise InputError(path, f"corrupt or truncated gzip data ({err})") from None
        if inner == BAM_MAGIC:
            raise InputError(path, "is a BAM file, not FASTQ/FASTA (convert it with "
                                   "`samtools fastq`)")
        return io.BufferedReader(gz, 1 << 20)
    if path.endswith(".gz"):
        raise InputError(path, "name ends in .gz but the file is not gzip-compressed")
    return raw


def _name_of(header: str) -> str:
    name = header[1:].split(None, 1)[0] if len(header) > 1 and not header[1].isspace() else ""
    if name.endswith(("/1", "/2")):
        name = name[:-2]
    return name


def read_chunks(path: str, chunk_size: int = 50_000) -> Iterator[ReadChunk]:
    """Yield chunks of at most ``chunk_size`` records from a FASTQ or FASTA file."""
    handle = _open_binary(path)
    try:
        text = io.TextIOWrapper(handle, encoding="ascii", errors="strict", newline=None)
        first_line = text.readline()
        if not first_line:
            raise InputError(path, "contains no records (empty file)")
        if first_line[0] == "@":
            yield from _fastq(text, path, first_line, chunk_size)
        elif first_line[0] == ">":
            yield from _fasta(text, path, first_line, chunk_size)
        else:
            raise InputError(path, f"not FASTQ or FASTA: first line starts with "
                                   f"{first_line[:1]!r}, expected '@' or '>'", 1)
    except UnicodeDecodeError as err:
        raise InputError(path, f"non-ASCII byte 0x{err.object[err.start]:02x}") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise InputError(path, f"corrupt or truncated gzip data ({err})") from None
    except OSError as err:
        if isinstance(err, InputError):
            raise
        raise InputError(path, f"read error ({err})") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _fastq(text, path: str, header: str, chunk_size: int) -> Iterator[ReadChunk]:
    names, seqs, quals = [], [], []
    number = 0
    first = 1
    readline = text.readline
    while header:
        number += 1
        header = header.rstrip("\n")
        if not header.startswith("@"):
            raise InputError(path, f"expected a FASTQ header starting with '@', found "
                                   f"{header[:20]!r}", number)
        name = _name_of(header)
        if not name:
            raise InputError(path, "empty read name", number)
        seq = readline()
        plus = readline()
        qual = readline()
        if not qual:
            raise InputError(path, "file ends inside this record (truncated)",
                             f"{number} ({name})")
        if not plus.startswith("+"):
            raise InputError(path, f"expected the '+' line, found {plus.rstrip()[:20]!r} "
                                   "(multi-line FASTQ is not supported)", f"{number} ({name})")
        seq = seq.rstrip("\n")
        qual = qual.rstrip("\n")
        if len(qual) != len(seq):
            raise InputError(path, f"quality has {len(qual)} characters but the sequence has "
                                   f"{len(seq)}", f"{number} ({name})")
        names.append(name)
        seqs.append(seq.upper())
        quals.append(qual)
        if len(names) >= chunk_size:
            yield ReadChunk(names, seqs, quals, first)
            first = number + 1
            names, seqs, quals = [], [], []
        header = readline()
        while header == "\n":
            header = readline()
    if names:
        yield ReadChunk(names, seqs, quals, first)


def _fasta(text, path: str, header: str, chunk_size: int) -> Iterator[ReadChunk]:
    names, seqs = [], []
    number = 0
    first = 1
    parts: list = []
    for line in text:
        if line.startswith(">"):
            number += 1
            name = _name_of(header.rstrip("\n"))
            if not name:
                raise InputError(path, "empty read name", number)
            names.append(name)
            seqs.append("".join(parts).upper())
            parts = []
            header = line
            if len(names) >= chunk_size:
                yield ReadChunk(names, seqs, None, first)
                first = number + 1
                names, seqs = [], []
        else:
            parts.append(line.strip())
    number += 1
    name = _name_of(header.rstrip("\n"))
    if not name:
        raise InputError(path, "empty read name", number)
    names.append(name)
    seqs.append("".join(parts).upper())
    yield ReadChunk(names, seqs, None, first)
