"""Reference genomes: FASTA in, one packed uint8 code array plus a contig table out.

Contigs are concatenated without separators; contig ``c`` covers ``[offsets[c], offsets[c+1])``
of ``seq`` (0-based). IUPAC ambiguity codes become N (code 4), kept in coordinates but never
seeded. Rejected with an ``InputError``: no contigs, an empty contig, duplicate names, a
reference made only of N, characters that are not nucleotides.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

import numpy as np

from ..io.errors import InputError, read_error


@dataclass
class Reference:
    names: list
    offsets: np.ndarray  # int64, len(names)+1
    seq: np.ndarray  # uint8 codes, all contigs back to back

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def contig_of(self, pos):
        """Index of the contig holding each concatenated 0-based position ``pos``."""
        return np.searchsorted(self.offsets, pos, side="right") - 1

    def checksum(self) -> str:
        """SHA-256 over contig names, lengths and codes: what an index was built from."""
        digest = hashlib.sha256()
        for name, length in zip(self.names, self.lengths.tolist()):
            digest.update(f"{name}\t{length}\n".encode())
        digest.update(np.ascontiguousarray(self.seq).data)
        return digest.hexdigest()


def read_reference(path: str) -> Reference:
    """Read and validate a (gzipped) FASTA reference, all at once (bytes, no per-line Python)."""
    from ..alphabet import _ENCODE_IUPAC, _translate
    from ..io.reads import open_binary

    handle = open_binary(path)
    try:
        data = handle.read()
    except (OSError, EOFError, zlib.error) as err:
        raise read_error(path, err) from None
    finally:
        handle.close()
    if not data.strip():
        raise InputError(path, "contains no records (empty file)")
    if data[:1] == b"@":
        raise InputError(path, "is FASTQ; the reference must be FASTA")
    if data[:1] != b">":
        raise InputError(path, f"not FASTA: first line starts with {data[:1]!r}, expected '>'", 1)
    names, seqs = [], []
    seen: dict = {}
    for number, record in enumerate(data[1:].split(b"\n>"), start=1):
        header, _, body = record.partition(b"\n")
        try:
            fields = header.decode("ascii").split()
        except UnicodeDecodeError:
            raise InputError(path, "non-ASCII byte in the header", number) from None
        name = fields[0] if fields else ""
        if not name:
            raise InputError(path, "empty contig name", number)
        if name in seen:
            raise InputError(
                path, f"duplicate contig name (also record {seen[name]})", f"{number} ({name})"
            )
        seen[name] = number
        seq = body.translate(None, b"\r\n \t")
        if not seq:
            raise InputError(path, "empty contig", f"{number} ({name})")
        names.append(name)
        seqs.append(seq)
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum([len(x) for x in seqs], out=offsets[1:])
    raw = b"".join(seqs)
    flat, bad = _translate(np.frombuffer(raw, dtype=np.uint8), _ENCODE_IUPAC)
    if bad >= 0:
        c = int(np.searchsorted(offsets, bad, side="right") - 1)
        char = chr(raw[bad]) if raw[bad] < 128 else f"byte 0x{raw[bad]:02x}"
        raise InputError(
            path,
            f"invalid character {char!r} at position {bad - offsets[c]}",
            f"{c + 1} ({names[c]})",
        )
    if int((flat < 4).sum()) == 0:
        raise InputError(path, "the reference holds only N: nothing to align to")
    return Reference(names, offsets, flat)
