"""``pimalign.Aligner``: map reads from Python, mappy style."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..io.reads import ReadChunk
from .pairing import InsertModel
from .params import preset as preset_params
from .pipeline import ChunkMapper, ReadPairs
from .placement import PlacedAlignment
from .run import open_index


@dataclass(frozen=True)
class Hit:
    """One alignment, with mappy's field names. Coordinates are 0-based, half-open; ``q_st``/
    ``q_en`` on the read as given; ``strand`` is +1 or -1; ``cigar`` is SAM text."""

    ctg: str
    ctg_len: int
    r_st: int
    r_en: int
    strand: int
    q_st: int
    q_en: int
    mapq: int
    cigar: str
    NM: int
    MD: str
    AS: int
    is_primary: bool
    read: int = 1  # 1 or 2 for pairs

    def __str__(self) -> str:
        return (
            f"{self.q_st}\t{self.q_en}\t{'+' if self.strand > 0 else '-'}\t{self.ctg}\t"
            f"{self.ctg_len}\t{self.r_st}\t{self.r_en}\t{self.mapq}\t{self.cigar}"
        )


def _clips(cigar: str) -> tuple[int, int]:
    ops = re.findall(r"(\d+)([MIDS])", cigar)
    lead = int(ops[0][0]) if ops and ops[0][1] == "S" else 0
    tail = int(ops[-1][0]) if len(ops) > 1 and ops[-1][1] == "S" else 0
    return lead, tail


class Aligner:
    """``Aligner(ref_or_index, preset="sr", threads=None, **params)``.

    ``ref_or_index`` is a pimalign index file or a FASTA (indexed in memory). ``map(seq)``
    yields the hits of one read; ``map(seq, seq2)`` of a pair (insert model from ``insert`` as
    ``"MEAN,SD"``, none by default: then ends are placed independently).
    """

    def __init__(
        self,
        ref_or_index: str,
        preset: str = "sr",
        threads: int | None = None,
        insert: str | None = None,
        **params,
    ):
        import numba

        self.params = preset_params(preset, **params)
        self.index = open_index(ref_or_index, self.params.asked("k"), self.params.asked("w"))
        self.mapper = ChunkMapper(self.index, self.params)
        self.insert = InsertModel.parse(insert) if insert else None
        if threads:
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))

    @property
    def seq_names(self) -> list:
        return list(self.index.ref.names)

    def map(self, seq: str, seq2: str | None = None, name: str = "read"):
        self.index.confirm()  # an index file's digests (checked once, on a helper thread)
        chunk = ReadChunk([name], [seq.upper()], None, 1)
        if seq2 is None:
            placed = self.mapper.single_placed(chunk, "<seq>")
            self.mapper.workload.clear()
            yield from self._hits(placed, len(seq), 1)
            return
        chunk2 = ReadChunk([name], [seq2.upper()], None, 1)
        pairs = ReadPairs(chunk, chunk2, "<seq>", "<seq2>")
        p1, p2, _ = self.mapper.paired_placed(pairs, self.insert)
        self.mapper.workload.clear()
        yield from self._hits(p1, len(seq), 1)
        yield from self._hits(p2, len(seq2), 2)

    def _hits(self, placed, length, which):
        if placed.mapped[0]:
            yield self._hit(placed.hit(0), True, length, which)
        for h in placed.supplementary.get(0, []) + placed.secondary.get(0, []):
            yield self._hit(h, False, length, which)

    def _hit(self, h: PlacedAlignment, primary: bool, length: int, which: int) -> Hit:
        lead, tail = _clips(h.cigar)
        q_st, q_en = (lead, length - tail) if h.strand == 0 else (tail, length - lead)
        return Hit(
            ctg=self.index.ref.names[h.contig],
            ctg_len=int(self.index.ref.lengths[h.contig]),
            r_st=h.pos,
            r_en=h.end,
            strand=-1 if h.strand else 1,
            q_st=q_st,
            q_en=q_en,
            mapq=h.mapq,
            cigar=h.cigar,
            NM=h.nm,
            MD=h.md,
            AS=h.score,
            is_primary=primary,
            read=which,
        )
