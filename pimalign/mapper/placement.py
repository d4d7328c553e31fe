"""From chosen candidate slots to placed alignments: CIGAR, MD, NM, position, MAPQ.

``place`` turns each read's chosen slot (and its supplementary and secondary slots) into
``Placed`` arrays and ``PlacedAlignment`` records, computing the text of every alignment in one
parallel kernel call (``kernels.samtext``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..kernels.mapping import F_WEN, F_WST
from ..kernels.samtext import L_CIGAR, L_MD, L_NM, L_START, alignment_text
from ..runtime.threadrun import run_ranges
from .candidates import Candidates, mapq_se
from .params import MapParams
from .reference import Reference

TEXT_ROOM = 96  # bytes of CIGAR and of MD per alignment on the first try (long ones get more)


class PlacedAlignment(NamedTuple):
    """One alignment of a read as SAM writes it (0-based ``pos``/``end`` on ``contig``): a
    primary's (``Placed.hit``), a supplementary's or a secondary's. Internal: the public
    ``pimalign.Hit`` (``mapper.aligner``) is built from it."""

    contig: int
    pos: int
    end: int
    strand: int
    cigar: str
    md: str
    nm: int
    score: int
    mapq: int


@dataclass
class Placed:
    """The primary alignment of one end of each read (arrays of length reads), and its other
    records: ``supplementary`` and ``secondary`` map a read to its extra ``PlacedAlignment``s."""

    mapped: np.ndarray
    strand: np.ndarray
    contig: np.ndarray
    pos: np.ndarray  # 0-based on the contig
    end: np.ndarray  # 0-based exclusive on the contig
    mapq: np.ndarray
    score: np.ndarray
    sub: np.ndarray
    nm: np.ndarray
    cigar: list
    md: list
    supplementary: dict
    secondary: dict

    def hit(self, r: int) -> PlacedAlignment:
        """Read ``r``'s primary alignment."""
        return PlacedAlignment(
            contig=int(self.contig[r]),
            pos=int(self.pos[r]),
            end=int(self.end[r]),
            strand=int(self.strand[r]),
            cigar=self.cigar[r],
            md=self.md[r],
            nm=int(self.nm[r]),
            score=int(self.score[r]),
            mapq=int(self.mapq[r]),
        )


class Reported(NamedTuple):
    """What ``place`` reports of each read, rows by read: its ``slot`` (-1: none) where
    ``report`` holds, that slot's runner-up score ``sub`` and count ``sub_n`` (for MAPQ), and
    masks over slots of its ``supplementary`` (at most one) and ``secondary`` alignments."""

    slot: np.ndarray
    report: np.ndarray
    sub: np.ndarray
    sub_n: np.ndarray
    supplementary: np.ndarray
    secondary: np.ndarray


class Texts(NamedTuple):
    cigar: list
    md: list
    nm: np.ndarray
    start: np.ndarray  # 0-based concatenated reference start


def texts(ref, flat, off, c: Candidates, rows, slots, p: MapParams, room: int = TEXT_ROOM) -> Texts:
    """CIGAR and MD text, NM and reference start of each (read, slot) job (``room``: bytes
    tried first for each text; a longer one is computed again with enough)."""
    cand = c.columns(rows, slots)
    n = rows.size
    room = np.full(n, room, dtype=np.int64)
    cigars: list = [None] * n
    mds: list = [None] * n
    lens = np.zeros((4, n), dtype=np.int64)
    pending = np.arange(n)
    # at most two rounds: the second gives every overflowing job room for its longest text
    while pending.size:
        text_off = np.zeros(pending.size + 1, dtype=np.int64)
        np.cumsum(room[pending], out=text_off[1:])
        cig_buf = np.empty(int(text_off[-1]), dtype=np.uint8)
        md_buf = np.empty(int(text_off[-1]), dtype=np.uint8)
        part = np.zeros((4, pending.size), dtype=np.int64)
        run_ranges(
            alignment_text,
            pending.size,
            flat,
            off,
            ref,
            rows[pending],
            cand[pending],
            c.run_op[rows[pending], slots[pending]],
            c.run_len[rows[pending], slots[pending]],
            c.n_run[rows[pending], slots[pending]],
            p.pad,
            p.band,
            p.scoring,
            text_off,
            cig_buf,
            md_buf,
            part,
        )
        lens[:, pending] = part
        cig_bytes, md_bytes = cig_buf.tobytes(), md_buf.tobytes()
        starts = text_off[:-1].tolist()
        for y, a, cl, ml in zip(
            pending.tolist(), starts, part[L_CIGAR].tolist(), part[L_MD].tolist()
        ):
            if cl >= 0:
                cigars[y] = cig_bytes[a : a + cl].decode()
                mds[y] = md_bytes[a : a + ml].decode()
        long = pending[part[L_CIGAR] < 0]
        length = off[rows[long] + 1] - off[rows[long]]
        room[long] = 4 * (length + cand[long, F_WEN] - cand[long, F_WST]) + 16
        pending = long
    return Texts(cigars, mds, lens[L_NM], lens[L_START])


def place(ref: Reference, flat, off, c: Candidates, chosen: Reported, p: MapParams) -> Placed:
    """Texts and MAPQ of what ``chosen`` reports of every read (encoded reads ``flat``/``off``,
    their candidates ``c``): its primary alignment (else unmapped), supplementary and
    secondary ones."""
    slot, report, sub, sub_n, supplementary, secondary = chosen
    n = slot.shape[0]
    rows = np.arange(n)
    mapped = report & (slot >= 0)
    s = np.maximum(slot, 0)
    sup_r, sup_s = np.nonzero(supplementary & mapped[:, None])
    sec_r, sec_s = np.nonzero(secondary & mapped[:, None])
    job_r = np.concatenate([rows[mapped], sup_r, sec_r])
    job_s = np.concatenate([s[mapped], sup_s, sec_s])
    text = texts(ref.arrays, flat, off, c, job_r, job_s, p)
    ref_off = ref.offsets
    k = int(mapped.sum())
    start = np.zeros(n, dtype=np.int64)
    start[mapped] = text.start[:k]
    nm = np.zeros(n, dtype=np.int64)
    nm[mapped] = text.nm[:k]
    cigar: list = [None] * n
    md: list = [None] * n
    for x, r in enumerate(rows[mapped].tolist()):
        cigar[r], md[r] = text.cigar[x], text.md[x]
    score = c.score[rows, s]
    aligned = np.maximum(c.q_en[rows, s] - c.q_st[rows, s], c.r_en[rows, s] - c.r_st[rows, s])
    mapq = np.where(mapped, mapq_se(score, sub, sub_n, aligned, p), 0)
    contig = ref.contig_of(start)
    base = ref_off[contig]
    placed = Placed(
        mapped,
        c.strand[rows, s],
        contig,
        start - base,
        c.r_en[rows, s] - base,
        mapq,
        score,
        sub,
        nm,
        cigar,
        md,
        {},
        {},
    )
    for x in range(k, job_r.size):
        r, sl = int(job_r[x]), int(job_s[x])
        g = int(text.start[x])
        ctg = int(ref.contig_of(g))
        is_sup = x < k + sup_r.size
        q = 0
        if is_sup:  # bwa: its own MAPQ against no rival, at most the primary's
            q = min(
                int(mapq_se(c.score[r, sl], 0, 0, c.q_en[r, sl] - c.q_st[r, sl], p)), int(mapq[r])
            )
        hit = PlacedAlignment(
            contig=ctg,
            pos=g - int(ref_off[ctg]),
            end=int(c.r_en[r, sl] - ref_off[ctg]),
            strand=int(c.strand[r, sl]),
            cigar=text.cigar[x],
            md=text.md[x],
            nm=int(text.nm[x]),
            score=int(c.score[r, sl]),
            mapq=q,
        )
        (placed.supplementary if is_sup else placed.secondary).setdefault(r, []).append(hit)
    return placed
