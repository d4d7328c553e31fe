"""Map one chunk of reads (single or paired) to SAM records and workload rows.

Steps per chunk: encode -> candidates (seed, cluster, extend) -> [pairs: mate rescue, pair
choice] -> primary, supplementary and secondary choice -> ``placement.place`` (CIGAR, MD, NM,
MAPQ) -> ``records.sam_lines``. Everything depends only on the reads of the pair, the index, the
parameters and the insert model, never on chunk boundaries or thread count.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from ..alphabet import SequenceError, encode_many
from ..io.errors import InputError
from ..io.reads import ReadChunk
from ..kernels.affine import NEG
from ..kernels.mapping import FIELDS, rescue_batch
from ..runtime.threadrun import run_ranges
from .candidates import (
    SEED_SCORE,
    Candidates,
    Choice,
    choose,
    empty_block,
    find_candidates,
    name_hashes,
    rivals,
    runner_up,
)
from .index import Index
from .pairing import (
    InsertModel,
    choose_pairs,
    insert_sizes,
    is_proper,
    mapq_pair,
    model_from_sizes,
    rescue_window,
)
from .params import MapParams
from .placement import Placed, Reported, place
from .records import READ1, READ2, sam_lines

_SCORE, _STRAND, _RST, _REN = (FIELDS.index(f) for f in ("score", "strand", "r_st", "r_en"))
RESCUE_K = 12  # k-mer length that places a mate inside its rescue window
MAX_MATESW = 50  # alignments of an end its mate is rescued around (bwa's max_matesw)
WIDE_CAND = 64  # candidates per end when a pair's copies overflowed the slots
NSUB_GAP = 13  # 6.02 x 13 = 78: ~60 near pairs' 4.343 ln(n + 1) could take it under 60


class Encoded(NamedTuple):
    flat: np.ndarray
    off: np.ndarray


class ReadPairs(NamedTuple):
    """A chunk of read pairs: both ends' chunks and the files they came from (for messages)."""

    chunk1: ReadChunk
    chunk2: ReadChunk
    path1: str
    path2: str


class PairCandidates(NamedTuple):
    """Both ends of a chunk of pairs, encoded, with their seeded candidates."""

    end1: Encoded
    end2: Encoded
    c1: Candidates
    c2: Candidates
    first: int  # the chunk's first record number, to tell chunks apart


class WorkloadRows(NamedTuple):
    """One row per extension of a chunk (the PIM model's input, ``run.WORKLOAD_HEADER``)."""

    read: np.ndarray  # read names
    kind: str
    query_len: np.ndarray
    target_len: np.ndarray
    band: np.ndarray
    cells: np.ndarray
    bits: np.ndarray
    passes: np.ndarray
    score: np.ndarray


class Mapped(NamedTuple):
    """A chunk's SAM text (one string per read, or per pair), how many records it holds, and
    its primary records that are mapped, paired and properly paired (``samtools flagstat``)."""

    lines: list
    records: int
    mapped: int = 0
    paired: int = 0
    proper: int = 0


class ChunkMapper:
    """Maps chunks against one index with fixed parameters (and insert model for pairs)."""

    def __init__(self, index: Index, params: MapParams, read_group: str | None = None):
        self.index = index
        # seeds are the index's (w, k) minimizers: its k and w, whatever params say
        self.p = replace(params, k=index.k, w=index.w)
        self.rg = read_group
        self.names = index.ref.names
        self.offsets = index.ref.offsets
        self.workload: list[WorkloadRows] = []  # the chunk's extensions, for --workload

    def encode(self, chunk: ReadChunk, path: str) -> Encoded:
        try:
            flat, off = encode_many(chunk.seqs, iupac=True)
        except SequenceError as err:
            raise InputError(
                path, err.problem, f"{chunk.first + err.record} ({chunk.names[err.record]})"
            ) from None
        lengths = np.diff(off)
        if lengths.size and lengths.max() > self.p.max_read_len:
            rec = int(np.argmax(lengths))
            raise InputError(
                path,
                f"read is {lengths[rec]} bp, longer than --max-read-len "
                f"{self.p.max_read_len} (a short-read mapper; use minimap2 for "
                "long reads)",
                f"{chunk.first + rec} ({chunk.names[rec]})",
            )
        return Encoded(flat, off)

    def candidates(self, reads: Encoded) -> Candidates:
        return find_candidates(self.index, reads.flat, reads.off, self.p)

    def _place(
        self, reads: Encoded, c: Candidates, slot, report, ch: Choice, supplementary=None
    ) -> Placed:
        sub, sub_n = runner_up(c, slot, self.p)
        if supplementary is None:
            supplementary = ch.supplementary
        secondary = self._secondary(c, slot)
        chosen = Reported(slot, report, sub, sub_n, supplementary, secondary)
        return place(self.index.ref, reads.flat, reads.off, c, chosen, self.p)

    def _secondary(self, c: Candidates, slot):
        """Secondary slots on request: rivals of the reported ``slot`` scoring at least
        ``secondary_pct`` % of it, best first, at most ``secondary`` per read. Rivals of the
        slot, not of the end's own best: where the pair chose another copy, the best is one of
        its alternatives (bwa's ``mem_sam_pe`` swaps the two before ``mem_gen_alt``)."""
        if self.p.secondary == 0:
            return np.zeros(c.score.shape, dtype=bool)
        rival = rivals(c, slot)
        rows = np.arange(slot.shape[0])
        keep = rival & (
            c.score * 100 >= self.p.secondary_pct * c.score[rows, np.maximum(slot, 0)][:, None]
        )
        order = np.argsort(-np.where(keep, c.score, NEG), axis=1, kind="stable")
        ranked = np.take_along_axis(keep, order, axis=1)
        ranked[:, self.p.secondary :] = False
        out = np.zeros_like(keep)
        r, col = np.nonzero(ranked)
        out[r, order[r, col]] = True
        return out

    # -- single end ------------------------------------------------------------------------
    def single_placed(self, chunk: ReadChunk, path: str) -> Placed:
        reads = self.encode(chunk, path)
        c = self.candidates(reads)
        self._record_workload(chunk.names, c)
        ch = choose(c, self.p, name_hashes(chunk.names))
        report = c.score[np.arange(len(chunk)), np.maximum(ch.best, 0)] >= self.p.min_score
        return self._place(reads, c, ch.best, report, ch)

    def single(self, chunk: ReadChunk, path: str) -> Mapped:
        placed = self.single_placed(chunk, path)
        lines = sam_lines(chunk, placed, None, 0, None, self.names, self.rg)
        return Mapped(lines, len(chunk) + _extra_records(placed), int(placed.mapped.sum()))

    # -- pairs -----------------------------------------------------------------------------
    def pair_candidates(self, pairs: ReadPairs) -> PairCandidates:
        check_pairs(pairs)
        end1, end2 = self.encode(pairs.chunk1, pairs.path1), self.encode(pairs.chunk2, pairs.path2)
        return PairCandidates(
            end1, end2, self.candidates(end1), self.candidates(end2), pairs.chunk1.first
        )

    def model_from(self, pairs: ReadPairs) -> tuple[InsertModel | None, PairCandidates]:
        """The insert model learned from these pairs, and their candidates (the first chunk is
        usually these very pairs: ``paired`` takes them back instead of seeding again)."""
        sizes, pc = self.model_sizes(pairs, len(pairs.chunk1))
        return model_from_sizes(sizes), pc

    def model_sizes(self, pairs: ReadPairs, rows: int) -> tuple[np.ndarray, PairCandidates]:
        """The insert sizes that teach the model (``pairing.insert_sizes``) among the first
        ``rows`` of these pairs, and the candidates of all of them (for ``paired``)."""
        pc = self.pair_candidates(pairs)
        part = [c.head(rows) for c in (pc.c1, pc.c2)]
        hashes = name_hashes(pairs.chunk1.names[:rows])
        ch1, ch2 = choose(part[0], self.p, hashes), choose(part[1], self.p, hashes)
        contig_of = self.index.ref.contig_of
        return insert_sizes(part[0], part[1], ch1.best, ch2.best, ch1.sub, ch2.sub, contig_of), pc

    def paired(
        self, pairs: ReadPairs, model: InsertModel | None, seeded: PairCandidates | None = None
    ) -> Mapped:
        placed1, placed2, proper = self.paired_placed(pairs, model, seeded)
        chunk1, chunk2 = pairs.chunk1, pairs.chunk2
        first = sam_lines(chunk1, placed1, placed2, READ1, proper, self.names, self.rg)
        second = sam_lines(chunk2, placed2, placed1, READ2, proper, self.names, self.rg)
        lines = [a + b for a, b in zip(first, second)]
        records = 2 * len(chunk1) + _extra_records(placed1) + _extra_records(placed2)
        mapped = int(placed1.mapped.sum() + placed2.mapped.sum())
        proper_mapped = int((proper & placed1.mapped).sum() + (proper & placed2.mapped).sum())
        return Mapped(lines, records, mapped, 2 * len(chunk1), proper_mapped)

    def paired_placed(
        self, pairs: ReadPairs, model: InsertModel | None, seeded: PairCandidates | None = None
    ):
        """Both ends' ``Placed`` and the proper-pair flags (bwa mem's rules, see
        ``pairing.choose_pairs``; an end with a supplementary alignment is not paired).
        ``seeded``: these pairs' candidates when already found (``model_from``)."""
        chunk1 = pairs.chunk1
        if (
            seeded is not None
            and seeded.first == chunk1.first
            and len(chunk1) == seeded.c1.length.shape[0]
        ):
            check_pairs(pairs)
            pc = seeded
        else:
            pc = self.pair_candidates(pairs)
        c1, c2 = pc.c1, pc.c2
        hashes = name_hashes(chunk1.names)
        ch1, ch2 = choose(c1, self.p, hashes), choose(c2, self.p, hashes)
        if model is not None and self.p.rescue:
            c1, c2 = self._rescue(pc, ch1, ch2, model)
            ch1, ch2 = choose(c1, self.p, hashes), choose(c2, self.p, hashes)
        self._record_workload(chunk1.names, c1)
        self._record_workload(pairs.chunk2.names, c2)
        chimeric = ch1.supplementary.any(axis=1) | ch2.supplementary.any(axis=1)
        pair = choose_pairs(c1, c2, ch1.best, ch2.best, self.offsets, model, self.p, hashes)
        paired = pair.paired & ~chimeric
        rows = np.arange(len(chunk1))
        slot1 = np.where(paired, pair.slot1, ch1.best)
        slot2 = np.where(paired, pair.slot2, ch2.best)
        # Copies left unseen for want of slots may pair as well as the best (both ends left
        # copies as good as the pair's) or near the second-best (one end's unseen copy with
        # the other end's best reaches within bwa's margin of it): bwa keeps every copy and
        # counts those pairs (its n_sub), so these pairs are searched again wide.
        s1, s2 = c1.score[rows, np.maximum(slot1, 0)], c2.score[rows, np.maximum(slot2, 0)]
        lost1, lost2 = c1.lost[:, 0], c2.lost[:, 0]
        top1 = np.maximum(c1.score.max(axis=1), lost1)
        top2 = np.maximum(c2.score.max(axis=1), lost2)
        unpaired_sum = top1 + top2 - self.p.unpaired
        margin = max(self.p.match + self.p.mismatch, self.p.gap_open + self.p.gap_extend)
        floor = np.maximum(pair.sub, unpaired_sum) - margin
        unseen = (lost1 >= s1) & (lost2 >= s2)
        near = ((lost1 > 0) & (lost1 + top2 >= floor)) | ((lost2 > 0) & (lost2 + top1 >= floor))
        # (the count lowers MAPQ only where the pair's raw MAPQ is above 0 and not far over 60)
        gap = (pair.score - np.maximum(pair.sub, unpaired_sum)) / self.p.match
        near &= (gap > 0) & (gap < NSUB_GAP)
        doubt = np.flatnonzero(paired & (unseen | near))
        if doubt.size and self.p.max_cand < WIDE_CAND:
            sub, sub_n = self._wide_sub(pairs, doubt, model, pair.score[doubt])
            old_sub, old_n = pair.sub[doubt], pair.sub_n[doubt]
            pair.sub[doubt] = np.maximum(old_sub, sub)
            pair.sub_n[doubt] = np.where(
                sub > old_sub, sub_n, np.where(sub == old_sub, np.maximum(old_n, sub_n), old_n)
            )
        report1 = paired | (c1.score[rows, np.maximum(slot1, 0)] >= self.p.min_score)
        report2 = paired | (c2.score[rows, np.maximum(slot2, 0)] >= self.p.min_score)
        placed1 = self._place(
            pc.end1, c1, slot1, report1, ch1, ch1.supplementary & ~paired[:, None]
        )
        placed2 = self._place(
            pc.end2, c2, slot2, report2, ch2, ch2.supplementary & ~paired[:, None]
        )
        proper = paired | (
            placed1.mapped
            & placed2.mapped
            & is_proper(
                placed1.strand,
                c1.r_st[rows, np.maximum(slot1, 0)],
                c1.r_en[rows, np.maximum(slot1, 0)],
                placed2.strand,
                c2.r_st[rows, np.maximum(slot2, 0)],
                c2.r_en[rows, np.maximum(slot2, 0)],
                placed1.contig == placed2.contig,
                model,
            )
        )
        unpaired = (
            np.where(ch1.best >= 0, c1.score[rows, np.maximum(ch1.best, 0)], 0)
            + np.where(ch2.best >= 0, c2.score[rows, np.maximum(ch2.best, 0)], 0)
            - self.p.unpaired
        )
        for placed, c, slot in ((placed1, c1, slot1), (placed2, c2, slot2)):
            csub = c.csub[rows, np.maximum(slot, 0)]
            q = mapq_pair(
                placed.mapq, pair.score, pair.sub, pair.sub_n, unpaired, self.p, csub, placed.score
            )
            placed.mapq = np.where(paired & placed.mapped, q, placed.mapq)
        return placed1, placed2, proper

    def _wide_sub(self, pairs: ReadPairs, rows, model: InsertModel, top):
        """The second-best pair score of pairs ``rows`` (whose best pair scores ``top``) when
        each end keeps ``WIDE_CAND`` candidates, ``top`` again when an equally good (or better)
        pair turns up among the copies the narrow search dropped; and how many pairs score
        within bwa's margin of that second (``n_sub``)."""
        sub = [
            ReadChunk([c.names[r] for r in rows], [c.seqs[r] for r in rows], None, c.first)
            for c in (pairs.chunk1, pairs.chunk2)
        ]
        wide = ChunkMapper(self.index, replace(self.p, max_cand=WIDE_CAND))
        pc = wide.pair_candidates(ReadPairs(sub[0], sub[1], pairs.path1, pairs.path2))
        hashes = name_hashes(sub[0].names)
        ch1, ch2 = choose(pc.c1, wide.p, hashes), choose(pc.c2, wide.p, hashes)
        c1, c2 = wide._rescue(pc, ch1, ch2, model)
        again = choose_pairs(c1, c2, ch1.best, ch2.best, self.offsets, model, wide.p, hashes)
        return np.where(again.score > top, top, again.sub), again.sub_n

    def _rescue(self, pc: PairCandidates, ch1: Choice, ch2: Choice, model: InsertModel):
        """bwa mem's mate rescue (``mem_sam_pe``/``mem_matesw``): around every alignment of
        either end that scores within ``--unpaired`` of that end's best (at most
        ``MAX_MATESW``, best first), look for the mate inside the insert window unless a mate
        candidate already lies there; a mate found (scoring at least one seed) is one more
        candidate slot. So each copy of a duplication longer than the insert gets its mate, and
        the pair choice sees every equally good pair (bwa's second-best pair and ``n_sub``)."""
        c1, c2 = pc.c1, pc.c2
        anchors1, anchors2 = _anchors(c1, ch1, self.p), _anchors(c2, ch2, self.p)
        grown2 = self._rescue_into(c1, anchors1, c2, pc.end2, model)
        grown1 = self._rescue_into(c2, anchors2, c1, pc.end1, model)
        return grown1, grown2

    def _rescue_into(self, c_anchor, anchors, c_mate, mate: Encoded, model: InsertModel):
        """``c_mate`` grown by the mates rescued around ``anchors`` (``(reads, rounds)`` slots
        of ``c_anchor``, -1 none), one anchor rank per round as bwa takes them in turn: a mate
        found in an earlier round counts as already there for the later ones."""
        n = c_anchor.score.shape[0]
        lengths = np.diff(mate.off)
        grown: list = []  # new slots, each (len(FIELDS), reads), added at the end
        count = np.zeros(n, dtype=np.int64)  # new slots each read has filled
        for rank in range(anchors.shape[1]):
            live = np.flatnonzero(anchors[:, rank] >= 0)  # the reads with an anchor this round
            b = anchors[live, rank]
            strand = c_anchor.strand[live, b]
            st, en = c_anchor.r_st[live, b], c_anchor.r_en[live, b]
            m_strand, ws, we = rescue_window(strand, st, en, model, lengths[live])
            contig = self.index.ref.contig_of(st)
            ws = np.maximum(ws, self.offsets[contig])
            we = np.minimum(we, self.offsets[contig + 1])
            # already a mate candidate there on the right strand? then nothing to rescue
            there = np.zeros(live.size, dtype=bool)
            for score, strand_, r_st, r_en in _slot_fields(c_mate, grown):
                there |= (
                    (score[live] >= self.p.min_score)
                    & (strand_[live] == m_strand[:, None])
                    & (r_st[live] >= ws[:, None])
                    & (r_en[live] <= we[:, None])
                ).any(axis=1)
            todo = ~there & (we > ws)
            jobs = live[todo]
            if jobs.size == 0:
                continue
            found = empty_block(jobs.size, 1)
            run_ranges(
                rescue_batch,
                jobs.size,
                mate.flat,
                mate.off,
                self.index.ref.arrays,
                jobs,
                m_strand[todo],
                ws[todo],
                we[todo],
                RESCUE_K,
                self.p.search(self.index.occ_threshold),
                self.p.scoring,
                found,
            )
            found = found[:, :, 0]
            keep = found[_SCORE] >= SEED_SCORE * self.p.match
            # the same alignment found from another anchor is not a second candidate
            for score, strand_, r_st, r_en in _slot_fields(c_mate, grown):
                keep &= ~(
                    (strand_[jobs] == found[_STRAND][:, None])
                    & (r_st[jobs] == found[_RST][:, None])
                    & (r_en[jobs] == found[_REN][:, None])
                    & (score[jobs] > NEG)
                ).any(axis=1)
            kept, found = jobs[keep], found[:, keep]
            # each read's rescued mates fill its next free new slot (few slots for the chunk)
            cols = count[kept]
            for col in np.unique(cols):
                if col == len(grown):
                    grown.append(empty_block(n, 1)[:, :, 0])
                grown[col][:, kept[cols == col]] = found[:, cols == col]
            count[kept] += 1
        return c_mate.with_slots(grown) if grown else c_mate

    def _record_workload(self, names, c: Candidates):
        r, s = np.nonzero(c.score > NEG)
        self.workload.append(
            WorkloadRows(
                np.asarray(names, dtype=object)[r],
                "extend",
                c.length[r],
                (c.win_en - c.win_st)[r, s],
                c.band[r, s],
                c.cells[r, s],
                c.bits[r, s],
                c.passes[r, s],
                c.score[r, s],
            )
        )


def _slot_fields(c: Candidates, grown: list):
    """``(score, strand, r_st, r_en)``, each ``(reads, k)``, of ``c``'s slots and then of each
    new slot in ``grown`` (``(len(FIELDS), reads)`` blocks not yet joined to ``c``)."""
    yield c.score, c.strand, c.r_st, c.r_en
    for e in grown:
        yield e[_SCORE, :, None], e[_STRAND, :, None], e[_RST, :, None], e[_REN, :, None]


def _anchors(c: Candidates, ch: Choice, p: MapParams) -> np.ndarray:
    """``(reads, rounds)``: the slots a mate is rescued around, best first (-1 none): every
    candidate scoring within ``p.unpaired`` of the read's best (bwa's ``pen_unpaired``), at
    most ``MAX_MATESW`` (bwa's ``max_matesw``); ties in slot order."""
    rows = np.arange(c.score.shape[0])
    best = np.where(ch.best >= 0, c.score[rows, np.maximum(ch.best, 0)], NEG)
    good = (c.score > NEG) & (c.score >= best[:, None] - p.unpaired) & (ch.best >= 0)[:, None]
    rounds = min(int(good.sum(axis=1).max(initial=0)), MAX_MATESW)
    order = np.argsort(-np.where(good, c.score, NEG), axis=1, kind="stable")[:, :rounds]
    return np.where(np.take_along_axis(good, order, axis=1), order, -1)


def _extra_records(placed: Placed) -> int:
    return sum(len(v) for v in placed.supplementary.values()) + sum(
        len(v) for v in placed.secondary.values()
    )


def check_pairs(pairs: ReadPairs) -> None:
    """Both files must hold the same reads in the same order (names equal after /1 /2)."""
    chunk1, chunk2, path1, path2 = pairs
    if len(chunk1) != len(chunk2):
        short, other = (path2, path1) if len(chunk2) < len(chunk1) else (path1, path2)
        number = chunk1.first + min(len(chunk1), len(chunk2))
        raise InputError(short, f"has fewer reads than {other} (it ends before read {number})")
    for r, (a, b) in enumerate(zip(chunk1.names, chunk2.names)):
        if a != b:
            raise InputError(
                path2,
                f"read name {b!r} does not match {a!r} in {path1} (paired "
                "files must list mates in the same order)",
                chunk2.first + r,
            )


__all__ = ["ChunkMapper", "FIELDS", "Mapped", "PairCandidates", "ReadPairs", "check_pairs"]
