"""Reference genomes: FASTA in, a 2-bit packed sequence with N runs aside and a contig table out.

Contigs are concatenated without separators; contig ``c`` covers ``[offsets[c], offsets[c+1])``
(0-based). IUPAC ambiguity codes become N (U becomes T), kept in coordinates but never seeded;
their letters are kept aside (``iupac_pos``, ``iupac_letters``, at most ``IUPAC_KEEP``) for the
outputs that name the reference's own sequence (CRAM's reference and ``M5``). The FASTA is
read contig by contig (at most one contig's text in memory at a time), so a genome costs a
quarter byte per base. Rejected with an ``InputError``: no contigs, an empty contig, duplicate
names or names SAM forbids, a reference made only of N, characters that are not nucleotides.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from ..io.errors import InputError, read_error
from ..kernels.packed import RefArrays, count_runs, fetch, n_runs, pack_into

BLOCK = 16 << 20  # bytes of FASTA read at a time
# SAM's rule for reference names (RNAME): no '*' or '=' first, none of \ , " ` ' ( ) [ ] { } < >
_NAME = re.compile(r"[0-9A-Za-z!#$%&+./:;?@^_|~-][0-9A-Za-z!#$%&*+./:;=?@^_|~-]*")
IUPAC_LETTERS = "RYKMSWBDHVU"  # letters the codes hold as N (U: as T)
IUPAC_KEEP = 1 << 18  # letters kept at most (the index header holds them): beyond, CRAM is refused
_IUPAC = np.zeros(256, dtype=bool)
_IUPAC[list((IUPAC_LETTERS + IUPAC_LETTERS.lower()).encode())] = True
_TEXT = np.frombuffer(b"ACGTN", dtype=np.uint8)


def read_only(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a``."""
    view = a.view()
    view.flags.writeable = False
    return view


@dataclass
class Reference:
    names: list
    offsets: np.ndarray  # int64, len(names) + 1
    packed: np.ndarray  # uint8, 4 bases a byte (kernels.packed)
    n_start: np.ndarray  # int64 starts of N runs
    n_end: np.ndarray  # int64 ends of N runs
    checksum: str = ""  # SHA-256 over each contig's name, length and codes, in order
    # the FASTA's other letters (uppercase) at sorted positions; None: not kept (an index of an
    # earlier pimalign, or more than IUPAC_KEEP), then iupac_bases is their count or None
    iupac_pos: np.ndarray | None = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    iupac_letters: bytes | None = b""
    iupac_bases: int | None = 0

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def arrays(self) -> RefArrays:
        """The kernels' record, read-only views whether built or memory-mapped (one signature
        for every kernel taking it: a read-only array is another Numba type)."""
        return RefArrays(*map(read_only, (self.packed, self.n_start, self.n_end, self.offsets)))

    def contig_of(self, pos):
        """Index of the contig holding each concatenated 0-based position ``pos``."""
        return np.searchsorted(self.offsets, pos, side="right") - 1

    def fetch(self, start: int, end: int) -> np.ndarray:
        """Codes 0..4 of bases ``[start, end)`` (concatenated coordinates)."""
        out = np.empty(max(end - start, 0), dtype=np.uint8)
        fetch(self.arrays, int(start), int(end), out)
        return out

    def text(self, start: int, end: int) -> bytes:
        """Bases ``[start, end)`` as the FASTA has them, in uppercase (IUPAC codes kept): the
        sequence SAM's ``M5`` digests. A ``ValueError`` when the letters were not kept."""
        if self.iupac_pos is None:
            raise ValueError("the reference's IUPAC letters were not kept: give the FASTA")
        out = _TEXT[self.fetch(start, end)]
        lo, hi = np.searchsorted(self.iupac_pos, (start, end))
        out[self.iupac_pos[lo:hi] - start] = np.frombuffer(self.iupac_letters, np.uint8)[lo:hi]
        return out.tobytes()

    def compute_checksum(self, block: int = 1 << 24) -> str:
        """The checksum recomputed from the stored sequence (``index --check``)."""
        digest = hashlib.sha256()
        for name, a, b in zip(self.names, self.offsets[:-1].tolist(), self.offsets[1:].tolist()):
            digest.update(f"{name}\t{b - a}\n".encode())
            for x in range(a, b, block):
                digest.update(self.fetch(x, min(b, x + block)).data)
        return digest.hexdigest()


def contigs(path: str) -> Iterator[tuple[int, str, np.ndarray, np.ndarray, bytes]]:
    """``(record number, name, codes, IUPAC positions, their letters)`` of each contig of a
    (gzipped) FASTA, validated; the letters (uppercase) of the codes that are not A, C, G, T
    or N, at positions in the contig."""
    from ..alphabet import _ENCODE_IUPAC, _translate
    from ..io.reads import check_line_ends, open_binary

    handle = open_binary(path)
    seen: dict = {}
    try:
        check_line_ends(path, handle)
        first = handle.peek(1)[:1] if hasattr(handle, "peek") else b""
        if not first:
            raise InputError(path, "contains no records (empty file)")
        if first == b"@":
            raise InputError(path, "is FASTQ; the reference must be FASTA")
        if first != b">":
            raise InputError(path, f"not FASTA: first line starts with {first!r}, expected '>'", 1)
        for number, record in enumerate(_records(handle), start=1):
            name, body = _parse_record(path, number, record, seen)
            codes, bad = _translate(np.frombuffer(body, dtype=np.uint8), _ENCODE_IUPAC)
            if bad >= 0:
                char = chr(body[bad]) if body[bad] < 128 else f"byte 0x{body[bad]:02x}"
                raise InputError(
                    path, f"invalid character {char!r} at position {bad}", f"{number} ({name})"
                )
            raw = np.frombuffer(body, dtype=np.uint8)
            at = np.flatnonzero(_IUPAC[raw])
            yield number, name, codes, at, (raw[at] & 0xDF).tobytes()  # & 0xDF: uppercase
    except (OSError, EOFError, zlib.error) as err:
        raise read_error(path, err) from None
    finally:
        handle.close()


def _records(handle) -> Iterator[bytes]:
    """The text of each ``>`` record (header line included), read block by block; a record is
    joined once, when the next one starts."""
    parts: list = []
    while True:
        block = handle.read(BLOCK)
        if not block:
            break
        tail = parts[-1][-1:] if parts else b""
        found = (tail + block).rfind(b"\n>")
        if found < 0:
            parts.append(block)
            continue
        cut = found - len(tail)  # -1: the newline was the last byte of the previous block
        done = b"".join(parts) + block[: cut + 1]
        parts = [block[cut + 1 :]]
        yield from _split(done)
    rest = b"".join(parts)
    if rest.strip():
        yield from _split(rest)


def _split(text: bytes) -> list[bytes]:
    text = text[1:] if text[:1] == b">" else text
    return text.split(b"\n>")


def _parse_record(path: str, number: int, record: bytes, seen: dict) -> tuple[str, bytes]:
    header, _, body = record.partition(b"\n")
    try:
        fields = header.decode("ascii").split()
    except UnicodeDecodeError:
        raise InputError(path, "non-ASCII byte in the header", number) from None
    name = fields[0] if fields else ""
    if not name:
        raise InputError(path, "empty contig name", number)
    if not _NAME.fullmatch(name):
        raise InputError(
            path,
            f"contig name {name!r} is not a valid SAM reference name (it may not start with "
            "'*' or '=', nor hold \\ , \" ` ' ( ) [ ] { } < >)",
            number,
        )
    if name in seen:
        raise InputError(
            path, f"duplicate contig name (also record {seen[name]})", f"{number} ({name})"
        )
    seen[name] = number
    body = body.translate(None, b"\r\n \t")
    if not body:
        raise InputError(path, "empty contig", f"{number} ({name})")
    return name, body


def read_reference(path: str) -> Reference:
    """Read, validate and pack a (gzipped) FASTA reference, one contig at a time."""
    names, lengths = [], []
    packed = np.zeros(1 << 20, dtype=np.uint8)
    n_start = np.zeros(1024, dtype=np.int64)
    n_end = np.zeros(1024, dtype=np.int64)
    runs = total = acgt = iupac = 0
    iupac_pos, iupac_letters = [], []
    digest = hashlib.sha256()
    for _, name, codes, at, letters in contigs(path):
        need = (total + codes.shape[0] + 3) // 4
        if need > packed.shape[0]:
            packed = _grown(packed, max(need, 2 * packed.shape[0]))
        pack_into(packed, total, codes)
        # room for this contig's runs, counted first (the worst case, every other base an N,
        # would reserve 8 bytes a base: 8 GiB of address space for a 537 Mb contig)
        room = runs + count_runs(codes)
        if room > n_start.shape[0]:
            size = max(room, 2 * n_start.shape[0])
            n_start, n_end = _grown(n_start, size), _grown(n_end, size)
        runs = n_runs(codes, total, n_start, n_end, runs)
        digest.update(f"{name}\t{codes.shape[0]}\n".encode())
        digest.update(codes.data)
        acgt += int(np.count_nonzero(codes < 4))
        iupac += at.shape[0]
        if at.shape[0] and iupac <= IUPAC_KEEP:
            iupac_pos.append(at + total)
            iupac_letters.append(letters)
        names.append(name)
        lengths.append(codes.shape[0])
        total += codes.shape[0]
    if acgt == 0:
        raise InputError(path, "the reference holds only N: nothing to align to")
    offsets = np.zeros(len(names) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return Reference(
        names,
        offsets,
        packed[: (total + 3) // 4].copy(),
        n_start[:runs].copy(),
        n_end[:runs].copy(),
        digest.hexdigest(),
        np.concatenate([np.zeros(0, np.int64)] + iupac_pos) if iupac <= IUPAC_KEEP else None,
        b"".join(iupac_letters) if iupac <= IUPAC_KEEP else None,
        iupac,
    )


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=array.dtype)
    out[: array.shape[0]] = array
    return out
