"""Map one chunk of reads (single or paired) to SAM text lines and workload rows.

Steps per chunk: encode -> candidates (seed, cluster, extend) -> [pairs: mate rescue, pair
choice] -> primary and supplementary choice, MAPQ -> traceback of the chosen alignments (CIGAR,
MD, NM) -> SAM lines in input order. Everything depends only on the reads of the pair, the
index, the parameters and the insert model, never on chunk boundaries or thread count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..alphabet import encode_many
from ..io.errors import InputError
from ..io.reads import ReadChunk
from ..kernels.affine import NEG
from ..kernels.mapping import alignment_text, rescue_batch
from .candidates import FIELDS, Candidates, choose, find_candidates, mapq_se, name_hashes
from .index import Index
from .pairing import (InsertModel, choose_pairs, estimate_insert, mapq_pair, rescue_window)
from .params import MapParams

TEXT_ROOM = 96  # bytes of CIGAR and of MD text per alignment before the long-text retry
RESCUE_K = 12  # k-mer length that places a mate inside its rescue window
_COMPLEMENT = str.maketrans("ACGTNRYKMSWBDHVacgtn", "TGCANYRMKSWVHDBtgcan")

# SAM flags
PAIRED, PROPER, UNMAP, MUNMAP, REVERSE, MREVERSE, READ1, READ2 = 1, 2, 4, 8, 16, 32, 64, 128
SECONDARY, SUPPLEMENTARY = 256, 2048


@dataclass
class Placed:
    """The alignments written for one end of each read (arrays of length reads)."""

    mapped: np.ndarray
    strand: np.ndarray
    contig: np.ndarray
    pos: np.ndarray  # 0-based on the contig
    end: np.ndarray  # 0-based exclusive on the contig
    mapq: np.ndarray
    score: np.ndarray
    sub: np.ndarray
    cigar: list
    md: list
    nm: np.ndarray


class ChunkMapper:
    """Maps chunks against one index with fixed parameters (and insert model for pairs)."""

    def __init__(self, index: Index, params: MapParams, read_group: str | None = None):
        self.index = index
        self.p = params
        self.rg = read_group
        self.names = index.ref.names
        self.offsets = index.ref.offsets
        self.workload: list = []  # per chunk, a tuple of arrays (see workload_rows)
        self._seen = None  # (first record, names, c1, c2) of the pairs the model came from

    def contig_of(self, pos):
        return np.searchsorted(self.offsets, pos, side="right") - 1

    # -- candidates ------------------------------------------------------------------------
    def encode(self, chunk: ReadChunk, path: str) -> tuple[np.ndarray, np.ndarray]:
        try:
            flat, off = encode_many(chunk.seqs, iupac=True)
        except ValueError as err:
            index, _, problem = str(err).partition(": ")
            rec = int(index.split()[1])
            raise InputError(path, problem, f"{chunk.first + rec} ({chunk.names[rec]})") from None
        lengths = np.diff(off)
        if lengths.size and lengths.max() > self.p.max_read_len:
            rec = int(np.argmax(lengths))
            raise InputError(path, f"read is {lengths[rec]} bp, longer than --max-read-len "
                                   f"{self.p.max_read_len} (a short-read mapper; use minimap2 for "
                                   "long reads)", f"{chunk.first + rec} ({chunk.names[rec]})")
        return flat, off

    def candidates(self, flat, off) -> Candidates:
        return find_candidates(self.index, flat, off, self.p)

    # -- single end ------------------------------------------------------------------------
    def single_placed(self, chunk: ReadChunk, path: str):
        """Primary (``Placed``) and supplementary (dict read -> tuple) alignments of a chunk."""
        flat, off = self.encode(chunk, path)
        c = self.candidates(flat, off)
        self._record_workload(chunk.names, c, "extend")
        ch = choose(c, self.p, name_hashes(chunk.names))
        return self._place(flat, off, c, ch.best, ch.sub, ch.sub_n, ch.supplementary, ch.rival)

    def single(self, chunk: ReadChunk, path: str) -> list[str]:
        placed, sup = self.single_placed(chunk, path)
        lines = self._block_lines(chunk, placed, None, 0, None)
        for r in sorted(sup, reverse=True):
            lines[r:r + 1] = self._lines(chunk, r, placed, None, 0, sup[r])
        return lines

    # -- pairs -----------------------------------------------------------------------------
    def model_from(self, chunk1: ReadChunk, chunk2: ReadChunk, path1: str, path2: str):
        """Insert model learned from (at most the first MODEL_PAIRS of) these pairs."""
        check_pairs(chunk1, chunk2, path1, path2)
        flat1, off1 = self.encode(chunk1, path1)
        flat2, off2 = self.encode(chunk2, path2)
        c1, c2 = self.candidates(flat1, off1), self.candidates(flat2, off2)
        # the first chunk is usually these very pairs: keep its candidates for paired()
        self._seen = (chunk1.first, chunk1.names, c1, c2)
        hashes = name_hashes(chunk1.names)
        ch1, ch2 = choose(c1, self.p, hashes), choose(c2, self.p, hashes)
        return estimate_insert(c1, c2, ch1.best, ch2.best, ch1.sub, ch2.sub, self.contig_of,
                               self.p)

    def paired(self, chunk1: ReadChunk, chunk2: ReadChunk, path1: str, path2: str,
               model: InsertModel | None) -> list[str]:
        placed1, placed2, sup1, sup2, proper = self.paired_placed(chunk1, chunk2, path1, path2,
                                                                  model)
        first = self._block_lines(chunk1, placed1, placed2, READ1, proper)
        second = self._block_lines(chunk2, placed2, placed1, READ2, proper)
        for r in sup1:
            first[r] = "".join(self._lines(chunk1, r, placed1, placed2, READ1, sup1[r], proper[r]))
        for r in sup2:
            second[r] = "".join(self._lines(chunk2, r, placed2, placed1, READ2, sup2[r], proper[r]))
        lines = [None] * (2 * len(first))
        lines[0::2] = first
        lines[1::2] = second
        return lines

    def paired_placed(self, chunk1: ReadChunk, chunk2: ReadChunk, path1: str, path2: str,
                      model: InsertModel | None):
        """Both ends' ``Placed`` and supplementary alignments, and the proper-pair flags."""
        check_pairs(chunk1, chunk2, path1, path2)
        flat1, off1 = self.encode(chunk1, path1)
        flat2, off2 = self.encode(chunk2, path2)
        seen, self._seen = self._seen, None
        if seen is not None and seen[0] == chunk1.first and seen[1] == chunk1.names:
            c1, c2 = seen[2], seen[3]
        else:
            c1, c2 = self.candidates(flat1, off1), self.candidates(flat2, off2)
        hashes = name_hashes(chunk1.names)
        ch1, ch2 = choose(c1, self.p, hashes), choose(c2, self.p, hashes)
        if model is not None and self.p.rescue:
            c1, c2 = self._rescue(flat1, off1, flat2, off2, c1, c2, ch1, ch2, model)
            ch1, ch2 = choose(c1, self.p, hashes), choose(c2, self.p, hashes)
        self._record_workload(chunk1.names, c1, "extend")
        self._record_workload(chunk2.names, c2, "extend")
        pc = choose_pairs(c1, c2, ch1.best, ch2.best, self.offsets, model, self.p, hashes)
        placed1, sup1 = self._place(flat1, off1, c1, pc.slot1, ch1.sub, ch1.sub_n,
                                    ch1.supplementary & (pc.slot1 >= 0)[:, None], ch1.rival)
        placed2, sup2 = self._place(flat2, off2, c2, pc.slot2, ch2.sub, ch2.sub_n,
                                    ch2.supplementary & (pc.slot2 >= 0)[:, None], ch2.rival)
        rows = np.arange(len(chunk1))
        unpaired_sum = (np.where(ch1.best >= 0, c1.score[rows, np.maximum(ch1.best, 0)], 0)
                        + np.where(ch2.best >= 0, c2.score[rows, np.maximum(ch2.best, 0)], 0)
                        - self.p.unpaired)
        for placed in (placed1, placed2):
            q = mapq_pair(placed.mapq, pc.score, pc.sub, unpaired_sum, self.p)
            placed.mapq = np.where(pc.proper & placed.mapped, q, placed.mapq)
        return placed1, placed2, sup1, sup2, pc.proper

    def _rescue(self, flat1, off1, flat2, off2, c1, c2, ch1, ch2, model):
        """Look for each end's mate inside the insert window of the end's best alignment; a
        mate found there is added as one more candidate slot."""
        n = c1.score.shape[0]
        rows = np.arange(n)
        added = []
        for c_anchor, ch_anchor, c_mate, flat_m, off_m in ((c1, ch1, c2, flat2, off2),
                                                           (c2, ch2, c1, flat1, off1)):
            b = np.maximum(ch_anchor.best, 0)
            strand = c_anchor.strand[rows, b]
            st, en = c_anchor.r_st[rows, b], c_anchor.r_en[rows, b]
            mate_len = np.diff(off_m)
            m_strand, ws, we = rescue_window(strand, st, en, model, mate_len)
            contig = self.contig_of(st)
            ws = np.maximum(ws, self.offsets[contig])
            we = np.minimum(we, self.offsets[contig + 1])
            # already a mate candidate there on the right strand? then nothing to rescue
            there = ((c_mate.score >= self.p.min_score) & (c_mate.strand == m_strand[:, None])
                     & (c_mate.r_st >= ws[:, None]) & (c_mate.r_en <= we[:, None])).any(axis=1)
            jobs = np.flatnonzero((ch_anchor.best >= 0) & ~there & (we > ws))
            out = {name: np.zeros(jobs.size, dtype=np.int64) for name in
                   ("score", "r_st", "r_en", "q_st", "q_en", "win_st", "win_en", "col0", "band",
                    "cells", "bits", "passes")}
            if jobs.size:
                p = self.p
                rescue_batch(flat_m, off_m, self.index.ref.seq, self.offsets, jobs,
                             m_strand[jobs], ws[jobs], we[jobs], RESCUE_K, p.pad, p.match,
                             p.mismatch, p.gap_open, p.gap_extend, p.clip5, p.clip3, p.band,
                             *out.values())
            added.append((jobs, m_strand, out))
        # append one slot to each side's candidates
        result = []
        for c, (jobs, m_strand, out) in zip((c2, c1), added):
            extra = {name: np.zeros(n, dtype=np.int64) for name in FIELDS}
            extra["score"][:] = NEG
            for name, values in out.items():
                extra[name][jobs] = values
            extra["strand"][jobs] = m_strand[jobs]
            grown = Candidates(
                length=c.length,
                run_op=np.concatenate([c.run_op, np.zeros_like(c.run_op[:, :1])], axis=1),
                run_len=np.concatenate([c.run_len, np.zeros_like(c.run_len[:, :1])], axis=1),
                n_run=np.concatenate([c.n_run, np.full((n, 1), -1, dtype=np.int64)], axis=1),
                **{name: np.concatenate([getattr(c, name), extra[name][:, None]], axis=1)
                   for name in FIELDS})
            result.append(grown)
        return result[1], result[0]

    # -- placing and text ------------------------------------------------------------------
    def _place(self, flat, off, c: Candidates, slot, sub, sub_n, supplementary, rival=None):
        """Traceback of each read's chosen slot, supplementary and secondary slots; MAPQ.

        Returns ``(placed, extra)``: ``extra`` maps a read to ``{"sup": tuple, "sec": [tuples]}``
        (tuples: contig, pos, strand, cigar, md, nm, score, mapq).
        """
        n = slot.shape[0]
        rows = np.arange(n)
        mapped = slot >= 0
        s = np.maximum(slot, 0)
        sup_r, sup_s = np.nonzero(supplementary)
        sec_r = sec_s = np.zeros(0, dtype=np.int64)
        if self.p.secondary > 0 and rival is not None:
            keep = (rival & mapped[:, None] & (slot[:, None] != np.arange(c.score.shape[1]))
                    & (c.score * 100 >= self.p.secondary_pct * c.score[rows, s][:, None]))
            # best-scoring first, at most p.secondary per read
            order = np.argsort(-np.where(keep, c.score, NEG), axis=1, kind="stable")
            ranked = np.take_along_axis(keep, order, axis=1)
            ranked[:, self.p.secondary:] = False
            sec_r, col = np.nonzero(ranked)
            sec_s = order[sec_r, col]
        job_r = np.concatenate([rows[mapped], sup_r, sec_r])
        job_s = np.concatenate([s[mapped], sup_s, sec_s])
        text = self._texts(flat, off, c, job_r, job_s)
        k = int(mapped.sum())
        cigar = [None] * n
        md = [None] * n
        nm = np.zeros(n, dtype=np.int64)
        pos = np.zeros(n, dtype=np.int64)
        for x, r in enumerate(rows[mapped].tolist()):
            cigar[r], md[r], nm[r], pos[r] = text[0][x], text[1][x], text[2][x], text[3][x]
        score = c.score[rows, s]
        aligned = np.maximum(c.q_en[rows, s] - c.q_st[rows, s], c.r_en[rows, s] - c.r_st[rows, s])
        mapq = np.where(mapped, mapq_se(score, sub, sub_n, aligned, self.p), 0)
        contig = self.contig_of(pos)
        end = c.r_en[rows, s] - self.offsets[contig]
        placed = Placed(mapped, c.strand[rows, s], contig, pos - self.offsets[contig], end, mapq,
                        score, sub, cigar, md, nm)
        extra: dict = {}
        for x in range(k, job_r.size):
            r, sl = int(job_r[x]), int(job_s[x])
            g = int(text[3][x])
            ctg = int(self.contig_of(g))
            if x < k + sup_r.size:
                q = int(mapq_se(c.score[r, sl], 0, 0, c.q_en[r, sl] - c.q_st[r, sl], self.p))
                q = min(q, int(mapq[r]))
            else:
                q = 0
            record = (ctg, g - int(self.offsets[ctg]), int(c.strand[r, sl]), text[0][x],
                      text[1][x], int(text[2][x]), int(c.score[r, sl]), q)
            entry = extra.setdefault(r, {"sup": None, "sec": []})
            if x < k + sup_r.size:
                entry["sup"] = record
            else:
                entry["sec"].append(record)
        return placed, extra

    def _texts(self, flat, off, c: Candidates, job_r, job_s, room=None):
        """CIGAR and MD text, NM and reference start of each (read, slot) job."""
        p = self.p
        strands = c.strand[job_r, job_s]
        ws, we = c.win_st[job_r, job_s], c.win_en[job_r, job_s]
        diag = np.where(c.passes[job_r, job_s] == 0, c.r_st[job_r, job_s] - c.q_st[job_r, job_s],
                        -1)
        if room is None:
            room = np.full(job_r.size, TEXT_ROOM, dtype=np.int64)
        text_off = np.zeros(job_r.size + 1, dtype=np.int64)
        np.cumsum(room, out=text_off[1:])
        cig_buf = np.empty(int(text_off[-1]), dtype=np.uint8)
        md_buf = np.empty(int(text_off[-1]), dtype=np.uint8)
        cig_len = np.zeros(job_r.size, dtype=np.int64)
        md_len = np.zeros(job_r.size, dtype=np.int64)
        nm = np.zeros(job_r.size, dtype=np.int64)
        r_start = np.zeros(job_r.size, dtype=np.int64)
        if job_r.size:
            alignment_text(flat, off, self.index.ref.seq, job_r, strands, ws, we,
                           c.col0[job_r, job_s], diag, c.run_op[job_r, job_s],
                           c.run_len[job_r, job_s], c.n_run[job_r, job_s], c.r_st[job_r, job_s],
                           p.pad, p.match, p.mismatch, p.gap_open, p.gap_extend, p.clip5,
                           p.clip3, p.band, text_off, cig_buf, cig_len, md_buf, md_len, nm,
                           r_start)
        cig_bytes, md_bytes = cig_buf.tobytes(), md_buf.tobytes()
        starts = text_off[:-1].tolist()
        cigars = [cig_bytes[a:a + max(n, 0)].decode() for a, n in zip(starts, cig_len.tolist())]
        mds = [md_bytes[a:a + max(n, 0)].decode() for a, n in zip(starts, md_len.tolist())]
        long = np.flatnonzero(cig_len < 0)
        if long.size:
            big = 4 * ((off[job_r[long] + 1] - off[job_r[long]]) + (we - ws)[long]) + 16
            more = self._texts(flat, off, c, job_r[long], job_s[long], big)
            for x, y in enumerate(long.tolist()):
                cigars[y], mds[y] = more[0][x], more[1][x]
        return cigars, mds, nm, r_start

    def _block_lines(self, chunk, me: Placed, mate: Placed | None, which, proper):
        """SAM lines of every read's primary record, built column by column (fast path; reads
        with a supplementary alignment are redone by ``_lines``)."""
        n = len(chunk)
        names = np.asarray(self.names + ["*"], dtype=object)
        mapped = me.mapped
        rev = mapped & (me.strand == 1)
        flag = np.full(n, which, dtype=np.int64)
        flag |= np.where(mapped, np.where(rev, REVERSE, 0), UNMAP)
        rname_id = np.where(mapped, me.contig, -1)
        pos = np.where(mapped, me.pos + 1, 0)
        rnext = np.full(n, "*", dtype=object)
        pnext = np.zeros(n, dtype=np.int64)
        tlen = np.zeros(n, dtype=np.int64)
        if mate is not None:
            flag |= PAIRED | np.where(proper, PROPER, 0)
            flag |= np.where(mate.mapped, np.where(mate.strand == 1, MREVERSE, 0), MUNMAP)
            # an unmapped read takes its mapped mate's place (SAM convention)
            adopt = ~mapped & mate.mapped
            rname_id = np.where(adopt, mate.contig, rname_id)
            pos = np.where(adopt, mate.pos + 1, pos)
            pnext = np.where(mate.mapped, mate.pos + 1, np.where(mapped, pos, 0))
            same = np.where(mate.mapped, mate.contig == rname_id, mapped)
            rnext = np.where(same, "=", np.where(mate.mapped, names[mate.contig], "*"))
            both = mapped & mate.mapped & (me.contig == mate.contig)
            size = np.maximum(me.end, mate.end) - np.minimum(me.pos, mate.pos)
            leftmost = (me.pos < mate.pos) | ((me.pos == mate.pos) & (which == READ1))
            tlen = np.where(both, np.where(leftmost, size, -size), 0)
        rname = names[rname_id]
        quals = chunk.quals if chunk.quals is not None else ["*"] * n
        seqs = [s if s else "*" for s in chunk.seqs]
        quals = [q if q else "*" for q in quals]
        rev_list = rev.tolist()
        seq_out = [s.translate(_COMPLEMENT)[::-1] if (r and s != "*") else s
                   for s, r in zip(seqs, rev_list)]
        qual_out = [q[::-1] if (r and q != "*") else q for q, r in zip(quals, rev_list)]
        mapq = np.where(mapped, me.mapq, 0)
        cigar = [c if m else "*" for c, m in zip(me.cigar, mapped.tolist())]
        rg = f"\tRG:Z:{self.rg}" if self.rg else ""
        tags = [f"\tNM:i:{nm}\tMD:Z:{md}\tAS:i:{sc}\tXS:i:{xs}{rg}\n" if m else rg + "\n"
                for m, nm, md, sc, xs in zip(mapped.tolist(), me.nm.tolist(), me.md,
                                             me.score.tolist(), me.sub.tolist())]
        return ["\t".join(fields) + t for fields, t in zip(
            zip(chunk.names, map(str, flag.tolist()), rname.tolist(), map(str, pos.tolist()),
                map(str, mapq.tolist()), cigar, rnext.tolist(), map(str, pnext.tolist()),
                map(str, tlen.tolist()), seq_out, qual_out), tags)]

    def _lines(self, chunk, r, me: Placed, mate: Placed | None, which, extra, proper=False):
        """Primary record of read ``r`` followed by its supplementary and secondary records."""
        sup = extra["sup"] if extra else None
        name = chunk.names[r]
        seq = chunk.seqs[r]
        qual = chunk.quals[r] if chunk.quals is not None else "*"
        flag = which
        if mate is not None:
            flag |= PAIRED
            if proper:
                flag |= PROPER
            if not mate.mapped[r]:
                flag |= MUNMAP
            elif mate.strand[r]:
                flag |= MREVERSE
        rg = f"\tRG:Z:{self.rg}" if self.rg else ""
        if not seq:
            seq, qual = "*", "*"
        if me.mapped[r]:
            rev = bool(me.strand[r])
            if rev:
                flag |= REVERSE
                seq_out = seq.translate(_COMPLEMENT)[::-1] if seq != "*" else seq
                qual_out = qual[::-1] if qual != "*" else qual
            else:
                seq_out, qual_out = seq, qual
            rname = self.names[me.contig[r]]
            pos = int(me.pos[r]) + 1
            mapq = int(me.mapq[r])
            cigar = me.cigar[r]
        else:
            flag |= UNMAP
            seq_out, qual_out = seq, qual
            rname, pos, mapq, cigar = "*", 0, 0, "*"
            if mate is not None and mate.mapped[r]:
                rname, pos = self.names[mate.contig[r]], int(mate.pos[r]) + 1
        rnext, pnext, tlen = "*", 0, 0
        if mate is not None:
            if mate.mapped[r]:
                mname = self.names[mate.contig[r]]
                pnext = int(mate.pos[r]) + 1
                rnext = "=" if mname == rname else mname
                if me.mapped[r] and mate.contig[r] == me.contig[r]:
                    left = min(me.pos[r], mate.pos[r])
                    right = max(me.end[r], mate.end[r])
                    size = int(right - left)
                    first = me.pos[r] < mate.pos[r] or (me.pos[r] == mate.pos[r]
                                                        and which == READ1)
                    tlen = size if first else -size
            elif me.mapped[r]:
                rnext, pnext = "=", pos
        fields = [name, str(flag), rname, str(pos), str(mapq), cigar, rnext, str(pnext),
                  str(tlen), seq_out, qual_out]
        if not me.mapped[r]:
            return ["\t".join(fields) + rg + "\n"]
        tags = f"\tNM:i:{me.nm[r]}\tMD:Z:{me.md[r]}\tAS:i:{me.score[r]}\tXS:i:{me.sub[r]}"
        lines = []
        if sup is not None:
            ctg, spos, sstrand, scig, smd, snm, sscore, smapq = sup
            tags += (f"\tSA:Z:{self.names[ctg]},{spos + 1},{'-' if sstrand else '+'},{scig},"
                     f"{smapq},{snm};")
            s_flag = (flag & ~(REVERSE | PROPER)) | SUPPLEMENTARY | (REVERSE if sstrand else 0)
            s_seq = seq.translate(_COMPLEMENT)[::-1] if (sstrand and seq != "*") else seq
            s_qual = qual[::-1] if (sstrand and qual != "*") else qual
            s_fields = [name, str(s_flag), self.names[ctg], str(spos + 1), str(smapq), scig,
                        rnext if rnext != "=" or self.names[ctg] == rname else rname,
                        str(pnext), str(tlen), s_seq, s_qual]
            s_tags = (f"\tNM:i:{snm}\tMD:Z:{smd}\tAS:i:{sscore}\tXS:i:0\tSA:Z:{rname},{pos},"
                      f"{'-' if me.strand[r] else '+'},{cigar},{mapq},{me.nm[r]};")
            lines.append("\t".join(s_fields) + s_tags + rg + "\n")
        for ctg, spos, sstrand, scig, smd, snm, sscore, smapq in (extra["sec"] if extra else []):
            s_flag = (flag & ~REVERSE) | SECONDARY | (REVERSE if sstrand else 0)
            mate_name = rname if rnext == "=" else rnext
            s_rnext = "=" if mate_name == self.names[ctg] else mate_name
            lines.append("\t".join([name, str(s_flag), self.names[ctg], str(spos + 1), "0", scig,
                                    s_rnext, str(pnext), "0", "*", "*"])
                         + f"\tNM:i:{snm}\tMD:Z:{smd}\tAS:i:{sscore}" + rg + "\n")
        lines.insert(0, "\t".join(fields) + tags + rg + "\n")
        return lines

    # -- workload --------------------------------------------------------------------------
    def _record_workload(self, names, c: Candidates, kind):
        r, s = np.nonzero(c.score > NEG)
        self.workload.append((np.asarray(names, dtype=object)[r], kind, c.length[r],
                              (c.win_en - c.win_st)[r, s], c.band[r, s], c.cells[r, s],
                              c.bits[r, s], c.passes[r, s], c.score[r, s]))


def check_pairs(chunk1: ReadChunk, chunk2: ReadChunk, path1: str, path2: str) -> None:
    """Both files must hold the same reads in the same order (names equal after /1 /2)."""
    if len(chunk1) != len(chunk2):
        short, other = (path2, path1) if len(chunk2) < len(chunk1) else (path1, path2)
        number = chunk1.first + min(len(chunk1), len(chunk2))
        raise InputError(short, f"has fewer reads than {other} (it ends before read {number})")
    for r, (a, b) in enumerate(zip(chunk1.names, chunk2.names)):
        if a != b:
            raise InputError(path2, f"read name {b!r} does not match {a!r} in {path1} (paired "
                                    "files must list mates in the same order)",
                             chunk2.first + r)
