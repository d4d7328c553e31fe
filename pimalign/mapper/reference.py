"""Reference genomes: FASTA in, one packed uint8 code array plus a contig table out.

Contigs are concatenated without separators; contig ``c`` covers ``[offsets[c], offsets[c+1])``
of ``seq`` (0-based). IUPAC ambiguity codes become N (code 4), kept in coordinates but never
seeded. Rejected with an ``InputError``: no contigs, an empty contig, duplicate names, a
reference made only of N, characters that are not nucleotides.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ..alphabet import encode_many
from ..io.errors import InputError
from ..io.reads import read_chunks


@dataclass
class Reference:
    names: list
    offsets: np.ndarray  # int64, len(names)+1
    seq: np.ndarray  # uint8 codes, all contigs back to back

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def checksum(self) -> str:
        """SHA-256 over contig names, lengths and codes: what an index was built from."""
        digest = hashlib.sha256()
        for name, length in zip(self.names, self.lengths.tolist()):
            digest.update(f"{name}\t{length}\n".encode())
        digest.update(np.ascontiguousarray(self.seq).data)
        return digest.hexdigest()


def read_reference(path: str) -> Reference:
    """Read and validate a (gzipped) FASTA reference."""
    names, seqs = [], []
    for chunk in read_chunks(path, chunk_size=1 << 30):
        if chunk.quals is not None:
            raise InputError(path, "is FASTQ; the reference must be FASTA")
        names.extend(chunk.names)
        seqs.extend(chunk.seqs)
    seen = {}
    for number, (name, seq) in enumerate(zip(names, seqs), start=1):
        if name in seen:
            raise InputError(path, f"duplicate contig name (also record {seen[name]})",
                             f"{number} ({name})")
        seen[name] = number
        if not seq:
            raise InputError(path, "empty contig", f"{number} ({name})")
    try:
        flat, offsets = encode_many(seqs, iupac=True)
    except ValueError as err:
        index, _, problem = str(err).partition(": ")
        number = int(index.split()[1])
        raise InputError(path, problem, f"{number + 1} ({names[number]})") from None
    if flat.size and int((flat < 4).sum()) == 0:
        raise InputError(path, "the reference holds only N: nothing to align to")
    return Reference(names, offsets, flat)
