"""Strict, chunked reading of sequencing reads (FASTQ, or FASTA without qualities).

Unlike ``bwa mem`` and ``minimap2``, which silently drop or mangle malformed records, every
problem here is an ``InputError`` naming the file, the record (1-based number and name) and what
is wrong. Accepted oddities: gzip or plain, CRLF line endings, lower-case bases, multi-line FASTA,
``/1`` and ``/2`` name suffixes (removed, as bwa does), empty reads.

A chunk is ``ReadChunk(names, seqs, quals, first, comments)``: ``seqs`` upper-case strings,
``quals`` Phred+33 strings (``None`` for FASTA), ``first`` the 1-based number of its first
record, ``comments`` the header text after the name (only when asked for: bwa mem ``-C``).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import sys
import zlib
from dataclasses import dataclass
from typing import Iterator

from .errors import InputError, read_error

GZIP_MAGIC = b"\x1f\x8b"
BAM_MAGIC = b"BAM\x01"
CONTAINERS = (  # formats a user may hand over by mistake, named by their magic bytes
    (b"CRAM", "CRAM", "convert it with `samtools fastq`"),
    (b"BZh", "bzip2", "decompress it first, e.g. with `bzcat`"),
    (b"\xfd7zXZ", "xz", "decompress it first, e.g. with `xzcat`"),
    (b"\x28\xb5\x2f\xfd", "zstd", "decompress it first, e.g. with `zstdcat`"),
)
# SAM's QNAME: 1 to 254 characters from '!' to '~' except '@'
QNAME_MAX = 254
_QNAME_CHARS = str.maketrans("", "", "".join(chr(c) for c in range(33, 127) if c != 64))


@dataclass
class ReadChunk:
    names: list
    seqs: list
    quals: list | None
    first: int
    comments: list | None = None
    done: int = -1  # bytes of the file (compressed, if so) read when the chunk was cut; -1: unknown

    def __len__(self) -> int:
        return len(self.names)

    def part(self, start: int, stop: int, step: int = 1) -> "ReadChunk":
        """Records ``start:stop:step``, numbered from this chunk's first (``first`` counts
        the records of the slice's own sequence: pairs of an interleaved file, say)."""

        def cut(values):
            return None if values is None else values[start:stop:step]

        return ReadChunk(
            cut(self.names),
            cut(self.seqs),
            cut(self.quals),
            self.first + start,
            cut(self.comments),
        )


def joined(chunks: list) -> ReadChunk:
    """One chunk of consecutive ``chunks`` (numbered from the first)."""
    if len(chunks) == 1:
        return chunks[0]

    def cat(attr):
        parts = [getattr(c, attr) for c in chunks]
        return None if parts[0] is None else [x for p in parts for x in p]

    return ReadChunk(cat("names"), cat("seqs"), cat("quals"), chunks[0].first, cat("comments"))


def open_binary(path: str):
    """A buffered binary handle on ``path`` (``-``: standard input), gunzipped when it starts
    with gzip's magic bytes (files and standard input alike). A folder, a missing file, a BAM
    or a ``.gz`` name on plain data is an ``InputError``."""
    if path == "-":
        raw = sys.stdin.buffer
    else:
        if not os.path.exists(path):
            raise InputError(path, "no such file")
        if os.path.isdir(path):
            raise InputError(path, "is a folder, not a file")
        raw = open(path, "rb")
    head = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
    for magic, kind, how in CONTAINERS:
        if head[: len(magic)] == magic:
            raise InputError(path, f"is a {kind} file, not FASTQ/FASTA ({how})")
    if head[:2] == GZIP_MAGIC:
        gz = gzip.GzipFile(fileobj=raw)
        try:
            inner = gz.peek(4)[:4]
        except (OSError, EOFError, zlib.error) as err:
            raise read_error(path, err) from None
        if inner == BAM_MAGIC:
            raise InputError(
                path, "is a BAM file, not FASTQ/FASTA (convert it with `samtools fastq`)"
            )
        return io.BufferedReader(gz, 1 << 20)
    if path.endswith(".gz") and path != "-":
        raise InputError(path, "name ends in .gz but the file is not gzip-compressed")
    return raw


def check_line_ends(path: str, handle) -> None:
    """Old Mac files end lines with CR alone: name that, rather than a record that never ends."""
    head = handle.peek(1 << 16)[: 1 << 16] if hasattr(handle, "peek") else b""
    if b"\r" in head and b"\n" not in head:
        raise InputError(
            path,
            "lines end with CR alone (old Mac text); convert them to LF, "
            "e.g. with `tr '\\r' '\\n'`",
        )


def check_names(path: str, first: int, names: list) -> None:
    """Every name must be a SAM QNAME; ``first`` is the record number of ``names[0]``."""
    if not names:
        return
    longest = max(range(len(names)), key=lambda x: len(names[x]))
    if len(names[longest]) > QNAME_MAX:
        raise InputError(
            path,
            f"read name is {len(names[longest])} characters long; SAM allows {QNAME_MAX}",
            first + longest,
        )
    if "".join(names).translate(_QNAME_CHARS):
        x = next(x for x, n in enumerate(names) if n.translate(_QNAME_CHARS))
        char = names[x].translate(_QNAME_CHARS)[0]
        raise InputError(
            path,
            f"read name holds {char!r}, which SAM forbids in a name "
            "(printable ASCII but '@', no spaces)",
            first + x,
        )


_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9]:[AifZHB]:")


def _comment_of(header: str) -> str:
    """The header text after the read's name (bwa's comment), without the line end."""
    parts = header[1:].rstrip("\r\n").split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


def check_comments(path: str, first: int, comments: list) -> None:
    """bwa ``-C`` appends comments to SAM records as they are: each must be SAM tags."""
    for x, text in enumerate(comments):
        if text and not all(_TAG.match(f) for f in text.split("\t")):
            raise InputError(
                path,
                f"-C: the comment {text[:40]!r} is not SAM tags (TAG:TYPE:VALUE, tabs between); "
                "drop -C",
                first + x,
            )


def _name_of(header: str) -> str:
    """A read's name from its header line: the first word, without a /1 or /2 (as bwa)."""
    name = header[1:].split(None, 1)[0] if len(header) > 1 and not header[1].isspace() else ""
    if name.endswith(("/1", "/2")):
        name = name[:-2]
    return name


def read_chunks(path: str, chunk_size: int = 50_000, comments: bool = False) -> Iterator[ReadChunk]:
    """Yield chunks of at most ``chunk_size`` records from a FASTQ or FASTA file (with each
    record's header comment when ``comments``)."""
    handle = open_binary(path)
    try:
        check_line_ends(path, handle)
        for chunk in _records(handle, path, chunk_size, comments):
            chunk.done = _position(handle)
            yield chunk
    except UnicodeDecodeError as err:
        raise InputError(path, f"non-ASCII byte 0x{err.object[err.start]:02x}") from None
    except (OSError, EOFError, zlib.error) as err:
        raise read_error(path, err) from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _records(handle, path: str, chunk_size: int, comments: bool) -> Iterator[ReadChunk]:
    first = handle.peek(1)[:1] if hasattr(handle, "peek") else b""
    if first == b"@":
        yield from _fastq(handle, path, chunk_size, comments)
        return
    text = _AsciiLines(handle, path)
    first_line = text.readline()
    if not first_line:
        raise InputError(path, "contains no records (empty file)")
    if first_line[0] == ">":
        yield from _fasta(text, path, first_line, chunk_size, comments)
    elif first_line[0] == "@":
        yield from _fastq(_Prefixed(first_line.encode(), handle), path, chunk_size, comments)
    else:
        raise InputError(
            path,
            f"not FASTQ or FASTA: first line starts with {first_line[:1]!r}, expected '@' or '>'",
            1,
        )


def _position(handle) -> int:
    """Bytes of the file read so far (of the compressed file, for gzip); -1 for a pipe."""
    inner = getattr(handle, "raw", None)
    target = getattr(inner, "fileobj", None) or handle
    try:
        return int(target.tell())
    except (OSError, ValueError, AttributeError):
        return -1


BLOCK = 4 << 20  # bytes read at a time
# The longest line (FASTA) or unfinished record (FASTQ) held while parsing: reads are far
# shorter (align's --max-read-len is at most 1 Mb), and /dev/zero, a binary file or a 2 GB
# line fails after this many bytes instead of filling memory.
LINE_MAX = 64 << 20


def _too_long(path: str, what: str, record) -> InputError:
    return InputError(
        path, f"{what} is longer than {LINE_MAX >> 20} MiB: not a FASTQ/FASTA file of reads", record
    )


class _Prefixed:
    """``head`` then the rest of ``handle``, read by blocks (``read`` only)."""

    def __init__(self, head: bytes, handle):
        self.head, self.handle = head, handle

    def read(self, size: int) -> bytes:
        if self.head:
            out, self.head = self.head, b""
            return out
        return self.handle.read(size)


class _AsciiLines:
    """Lines of a binary stream as str (CRLF folded), naming the line of a non-ASCII byte."""

    def __init__(self, handle, path: str):
        self.handle = handle
        self.path = path
        self.number = 0

    def readline(self) -> str:
        raw = self.handle.readline(LINE_MAX + 1)
        self.number += 1
        if len(raw) > LINE_MAX:
            raise _too_long(self.path, f"line {self.number}", None)
        try:
            return raw.decode("ascii").replace("\r\n", "\n")
        except UnicodeDecodeError as err:
            raise InputError(
                self.path, f"non-ASCII byte 0x{raw[err.start]:02x} at line {self.number}"
            ) from None

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line


def _fastq(handle, path: str, chunk_size: int, comments: bool = False) -> Iterator[ReadChunk]:
    """FASTQ in blocks: whole 4-line records are validated and split with list operations."""
    notes: list | None = [] if comments else None
    names: list = []
    seqs: list = []
    quals: list = []
    number = 0  # records completed before this block
    first = 1
    tail = ""
    while True:
        block = handle.read(BLOCK)
        try:
            text = tail + block.decode("ascii")
        except UnicodeDecodeError as err:
            line = number * 4 + tail.count("\n") + block[: err.start].count(b"\n") + 1
            raise InputError(
                path,
                f"non-ASCII byte 0x{block[err.start]:02x} at line {line}",
                f"{(line - 1) // 4 + 1}",
            ) from None
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        if block:
            keep = (len(lines) - 1) % 4 + 1  # the unfinished record (and line) wait for more
            tail = "\n".join(lines[-keep:])
            lines = lines[:-keep]
            if len(tail) > LINE_MAX:
                raise _too_long(path, "the record", number + len(lines) // 4 + 1)
        else:
            while lines and lines[-1] == "":
                lines.pop()
            if len(lines) % 4:
                whole = len(lines) - len(lines) % 4
                name = _name_of(lines[whole]) if lines[whole].startswith("@") else "?"
                raise InputError(
                    path,
                    "file ends inside this record (truncated)",
                    f"{number + whole // 4 + 1} ({name})",
                )
            if not lines and number == 0:
                raise InputError(path, "contains no records (empty file)")
        heads, bases, plus, qual = lines[0::4], lines[1::4], lines[2::4], lines[3::4]
        _check_fastq(path, number, heads, bases, plus, qual)
        block_names = list(map(_name_of, heads))
        if "" in block_names:
            raise InputError(path, "empty read name", number + block_names.index("") + 1)
        check_names(path, number + 1, block_names)
        if notes is not None:
            block_notes = list(map(_comment_of, heads))
            check_comments(path, number + 1, block_notes)
            notes += block_notes
        joined = "\n".join(bases)
        if not joined.isupper() and joined.strip("\n"):
            bases = joined.upper().split("\n")
        names += block_names
        seqs += bases
        quals += qual
        number += len(heads)
        while len(names) >= chunk_size:
            some = None if notes is None else notes[:chunk_size]
            yield ReadChunk(names[:chunk_size], seqs[:chunk_size], quals[:chunk_size], first, some)
            first += chunk_size
            names, seqs, quals = names[chunk_size:], seqs[chunk_size:], quals[chunk_size:]
            notes = None if notes is None else notes[chunk_size:]
        if not block:
            break
    if names:
        yield ReadChunk(names, seqs, quals, first, notes)


_PHRED33 = bytes(range(ord("!"), ord("~") + 1))  # the valid quality characters


def _check_fastq(path, number, heads, bases, plus, qual) -> None:
    """The first malformed record of a block, as an InputError (nothing when all are fine)."""
    bad_head = next((x for x, h in enumerate(heads) if not h.startswith("@")), None)
    bad_plus = next((x for x, p in enumerate(plus) if not p.startswith("+")), None)
    bad_len = None
    if any(map(int.__ne__, map(len, bases), map(len, qual))):
        bad_len = next(x for x, (s, q) in enumerate(zip(bases, qual)) if len(s) != len(q))
    bad_qual = None
    # bytes.translate deleting the valid characters leaves the invalid ones, at C speed (min()
    # and max() over a block's qualities took 15% of a whole mapping run).
    if "".join(qual).encode("ascii").translate(None, _PHRED33):
        bad_qual = next(
            x for x, q in enumerate(qual) if q.encode("ascii").translate(None, _PHRED33)
        )
    worst = min((x for x in (bad_head, bad_plus, bad_len, bad_qual) if x is not None), default=None)
    if worst is None:
        return
    record = number + worst + 1
    if worst == bad_head:
        raise InputError(
            path,
            f"expected a FASTQ header starting with '@', found "
            f"{heads[worst][:20]!r} (multi-line FASTQ is not supported)",
            record,
        )
    name = _name_of(heads[worst])
    if worst == bad_plus:
        raise InputError(
            path,
            f"expected the '+' line, found {plus[worst][:20]!r} "
            "(multi-line FASTQ is not supported)",
            f"{record} ({name})",
        )
    if worst == bad_len:
        raise InputError(
            path,
            f"quality has {len(qual[worst])} characters but the sequence has {len(bases[worst])}",
            f"{record} ({name})",
        )
    char = next(c for c in qual[worst] if c < "!" or c > "~")
    raise InputError(
        path, f"quality character {char!r} outside Phred+33 ('!'..'~')", f"{record} ({name})"
    )


def _fasta(
    text, path: str, header: str, chunk_size: int, comments: bool = False
) -> Iterator[ReadChunk]:
    """Multi-line FASTA reads; a record ends at the next header or at the end of the file."""
    notes: list | None = [] if comments else None
    names, seqs = [], []
    number = 0
    first = 1
    parts: list = []
    held = 0  # bases in parts
    for line in _then_end(text):
        if line is not None and not line.startswith(">"):
            parts.append(line.strip())
            held += len(parts[-1])
            if held > LINE_MAX:
                raise _too_long(path, "the sequence", number + 1)
            continue
        number += 1
        name = _name_of(header.rstrip("\n"))
        if not name:
            raise InputError(path, "empty read name", number)
        check_names(path, number, [name])
        if notes is not None:
            notes.append(_comment_of(header))
            check_comments(path, number, notes[-1:])
        names.append(name)
        seqs.append("".join(parts).upper())
        parts, held = [], 0
        header = line
        if line is None or len(names) >= chunk_size:
            yield ReadChunk(names, seqs, None, first, notes)
            first = number + 1
            names, seqs = [], []
            notes = None if notes is None else []


def _then_end(lines):
    """The lines, then ``None`` for the end of the file."""
    yield from lines
    yield None
