"""SAM records of a chunk: one builder for every record a read gets.

Primary records are built column by column for the whole chunk; a read with supplementary or
secondary alignments then gets those records right after its primary, from the same field
rules. Fields follow bwa mem: flags, mate fields (an unmapped read takes its mapped mate's
place), ``TLEN`` from 5' end to 5' end (signed, 0 across contigs), tags ``NM MD MC AS XS RG SA``
(``record_tags``: one builder for the optional fields of every kind of record).
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from ..alphabet import COMPLEMENT_TEXT as COMPLEMENT
from ..io.reads import ReadChunk
from .placement import Placed, PlacedAlignment

PAIRED, PROPER, UNMAP, MUNMAP, REVERSE, MREVERSE, READ1, READ2 = 1, 2, 4, 8, 16, 32, 64, 128
SECONDARY, SUPPLEMENTARY = 256, 2048


def tlen(pos, end, strand, m_pos, m_end, m_strand):
    """bwa's TLEN of a record against its mate's (same contig, both mapped): from this read's
    5' end to the mate's, counting both ends, negative when the mate's lies to the left."""
    p0 = np.where(strand == 1, end - 1, pos)
    p1 = np.where(m_strand == 1, m_end - 1, m_pos)
    d = p1 - p0
    return d + np.sign(d)


def oriented(seq: str, qual: str, reverse: bool) -> tuple[str, str]:
    if not reverse or seq == "*":
        return seq, qual
    return seq.translate(COMPLEMENT)[::-1], qual[::-1] if qual != "*" else qual


class Columns(NamedTuple):
    """The per-read SAM fields that depend on the mate (arrays over a chunk's reads)."""

    flag: np.ndarray
    ctg: np.ndarray  # RNAME index (-1: *)
    pos: np.ndarray  # 0-based POS (-1: none)
    rnext: np.ndarray
    pnext: np.ndarray
    span: np.ndarray  # TLEN
    mc: list  # the mate's CIGAR (the MC tag), or "" (no mate, or an unmapped one)


def _columns(me: Placed, mate: Placed | None, which: int, proper, label) -> Columns:
    n = me.mapped.shape[0]
    mapped = me.mapped
    rev = mapped & (me.strand == 1)
    flag = np.full(n, which, dtype=np.int64) | np.where(mapped, np.where(rev, REVERSE, 0), UNMAP)
    ctg = np.where(mapped, me.contig, -1)
    pos = np.where(mapped, me.pos, -1)
    if mate is None:
        zeros = np.zeros(n, dtype=np.int64)
        return Columns(flag, ctg, pos, np.full(n, "*", dtype=object), zeros, zeros, [""] * n)
    flag |= PAIRED | np.where(proper, PROPER, 0)
    flag |= np.where(mate.mapped, np.where(mate.strand == 1, MREVERSE, 0), MUNMAP)
    adopt = ~mapped & mate.mapped  # an unmapped read takes its mapped mate's place
    ctg = np.where(adopt, mate.contig, ctg)
    pos = np.where(adopt, mate.pos, pos)
    rnext = np.where(
        mate.mapped,
        np.where(mate.contig == ctg, "=", label[mate.contig]),
        np.where(mapped, "=", "*"),
    )
    pnext = np.where(mate.mapped, mate.pos + 1, np.where(mapped, pos + 1, 0))
    both = mapped & mate.mapped & (me.contig == mate.contig)
    span = np.where(both, tlen(me.pos, me.end, me.strand, mate.pos, mate.end, mate.strand), 0)
    mc = [c if m else "" for c, m in zip(mate.cigar, mate.mapped.tolist())]
    return Columns(flag, ctg, pos, rnext, pnext, span, mc)


RECORD_KINDS = ("primary", "supplementary", "secondary", "unmapped")


def record_tags(
    kind: str,
    nm: int = 0,
    md: str = "",
    mate_cigar: str = "",
    score: int = 0,
    sub: int = 0,
    rg: str = "",
    sa: str = "",
) -> str:
    """The optional fields of one SAM record (each a tab and ``TAG:TYPE:VALUE``), in bwa mem's
    order ``NM MD MC AS XS RG SA``, for every ``kind`` of record (``RECORD_KINDS``) a read gets:

    - ``"primary"``: all of them: ``MC`` when there is a mapped mate (``mate_cigar``), ``XS`` the
      runner-up score ``sub``, ``RG`` with a read group, ``SA`` when the read has supplementary
      records (``sa``: their entries, ``_sa_entries``);
    - ``"supplementary"``: the same fields (``sub`` 0, ``sa`` naming the primary and the others);
    - ``"secondary"``: no ``XS`` and no ``SA``;
    - ``"unmapped"``: the mate's ``MC`` and ``RG`` only.
    """
    if kind not in RECORD_KINDS:
        raise ValueError(f"record kind {kind!r} is none of {RECORD_KINDS}")
    mc = f"\tMC:Z:{mate_cigar}" if mate_cigar else ""
    rg_tag = f"\tRG:Z:{rg}" if rg else ""
    if kind == "unmapped":
        return mc + rg_tag
    text = f"\tNM:i:{nm}\tMD:Z:{md}{mc}\tAS:i:{score}"
    if kind == "secondary":
        return text + rg_tag
    return f"{text}\tXS:i:{sub}{rg_tag}" + (f"\tSA:Z:{sa}" if sa else "")


def sam_lines(
    chunk: ReadChunk,
    me: Placed,
    mate: Placed | None,
    which: int,
    proper,
    names: list,
    rg: str | None,
) -> list[str]:
    """The SAM text of every read of ``chunk`` (one string per read, records in order).

    ``me`` is this end's placement, ``mate`` the other end's (``None`` single-end), ``which``
    READ1/READ2 (0 single-end) and ``proper`` the per-read proper-pair flags.
    """
    n = len(chunk)
    label = np.asarray(names + ["*"], dtype=object)
    col = _columns(me, mate, which, proper, label)
    mapped = me.mapped
    rev_list = (mapped & (me.strand == 1)).tolist()
    seqs = [s or "*" for s in chunk.seqs]
    quals = [q or "*" for q in (chunk.quals if chunk.quals is not None else ["*"] * n)]
    seq_out = [
        s.translate(COMPLEMENT)[::-1] if (r and s != "*") else s for s, r in zip(seqs, rev_list)
    ]
    qual_out = [q[::-1] if (r and q != "*") else q for q, r in zip(quals, rev_list)]
    rg = rg or ""
    cigar = [c if m else "*" for c, m in zip(me.cigar, mapped.tolist())]
    sa = [""] * n
    for r, sups in me.supplementary.items():
        sa[r] = _sa_entries(sups, names)
    tags = [
        record_tags(
            "primary" if m else "unmapped",
            nm=nm,
            md=md,
            mate_cigar=mc,
            score=sc,
            sub=xs,
            rg=rg,
            sa=sa_r,
        )
        + "\n"
        for m, nm, md, mc, sc, xs, sa_r in zip(
            mapped.tolist(), me.nm.tolist(), me.md, col.mc, me.score.tolist(), me.sub.tolist(), sa
        )
    ]
    fields = zip(
        chunk.names,
        map(str, col.flag.tolist()),
        label[col.ctg].tolist(),
        map(str, (col.pos + 1).tolist()),
        map(str, np.where(mapped, me.mapq, 0).tolist()),
        cigar,
        col.rnext.tolist(),
        map(str, col.pnext.tolist()),
        map(str, col.span.tolist()),
        seq_out,
        qual_out,
    )
    lines = ["\t".join(f) + t for f, t in zip(fields, tags)]
    for r in set(me.supplementary) | set(me.secondary):
        lines[r] = _with_extras(
            chunk, r, lines[r], me, mate, int(col.flag[r]), names, col.mc[r], rg
        )
    return lines


def _with_extras(chunk, r, line, me: Placed, mate, flag, names, mc, rg) -> str:
    """Read ``r``'s primary record followed by its supplementary and secondary records."""
    primary = me.hit(r)
    extra = [
        _extra(chunk, r, h, flag | SUPPLEMENTARY, primary, [], mate, names, mc, rg)
        for h in me.supplementary.get(r, [])
    ]
    extra += [
        _extra(chunk, r, h, flag | SECONDARY, primary, None, mate, names, mc, rg)
        for h in me.secondary.get(r, [])
    ]
    return "".join([line] + [e + "\n" for e in extra])


def _sa_entries(hits: list, names: list) -> str:
    """The ``SA`` tag's value naming ``hits`` (``""`` for none)."""
    return "".join(
        f"{names[h.contig]},{h.pos + 1},{'-' if h.strand else '+'},{h.cigar},{h.mapq},{h.nm};"
        for h in hits
    )


def _extra(
    chunk,
    r,
    hit: PlacedAlignment,
    flag,
    primary: PlacedAlignment,
    others,
    mate: Placed | None,
    names,
    mc,
    rg,
) -> str:
    """A supplementary (``others`` a list: its SA names the primary) or secondary (``others``
    None: no SEQ, MAPQ 0) record of read ``r``."""
    flag = (flag & ~REVERSE) | (REVERSE if hit.strand else 0)
    rnext, pnext, span = "*", 0, 0
    if mate is not None and mate.mapped[r]:
        m = mate.hit(r)
        rnext = "=" if m.contig == hit.contig else names[m.contig]
        pnext = m.pos + 1
        if m.contig == hit.contig:
            span = int(tlen(hit.pos, hit.end, hit.strand, m.pos, m.end, m.strand))
    elif mate is not None:
        rnext, pnext = "=", primary.pos + 1
    seq = chunk.seqs[r] or "*"
    qual = (chunk.quals[r] if chunk.quals is not None else "*") or "*"
    if others is None:
        seq, qual, mapq = "*", "*", 0
        tags = record_tags("secondary", nm=hit.nm, md=hit.md, mate_cigar=mc, score=hit.score, rg=rg)
    else:
        seq, qual = oriented(seq, qual, bool(hit.strand))
        mapq = hit.mapq
        sa = _sa_entries([primary] + others, names)
        tags = record_tags(
            "supplementary", nm=hit.nm, md=hit.md, mate_cigar=mc, score=hit.score, rg=rg, sa=sa
        )
    return (
        "\t".join(
            (
                chunk.names[r],
                str(flag),
                names[hit.contig],
                str(hit.pos + 1),
                str(mapq),
                hit.cigar,
                rnext,
                str(pnext),
                str(span),
                seq,
                qual,
            )
        )
        + tags
    )


class SamStyle(NamedTuple):
    """bwa mem's output options that reshape records already built (``restyle``).

    By default a supplementary record is hard-clipped (CIGAR ``H``, SEQ and QUAL trimmed), as
    bwa mem writes it; ``soft_clip_supplementary`` keeps its soft clips and whole SEQ (bwa
    ``-Y``). ``split_secondary`` flags it 0x100 instead of 0x800 (bwa ``-M``: the record is
    otherwise unchanged, SA tag included). ``comments`` appends each read's FASTQ comment to
    its records (bwa ``-C``). ``secondary_unpaired_only`` drops the secondary records of ends
    in a proper pair (bwa ``-a`` writes them for single ends and unpaired ends only).
    ``xa_limit`` N > 0: the secondary records of an end become an ``XA`` tag on its primary
    record when there are at most N of them (none when more), as bwa's ``-h N`` (the caller
    asks for N + 1 secondary alignments scoring at least 80% of the primary).
    """

    soft_clip_supplementary: bool = False
    split_secondary: bool = False
    comments: bool = False
    secondary_unpaired_only: bool = False
    xa_limit: int = 0


_CLIP_HEAD = re.compile(r"^(\d+)S")
_CLIP_TAIL = re.compile(r"(\d+)S$")


def _hard_clipped(fields: list) -> None:
    """A non-primary record's soft clips as hard clips, SEQ and QUAL trimmed (bwa's default)."""
    cigar = fields[5]
    head, tail = _CLIP_HEAD.match(cigar), _CLIP_TAIL.search(cigar)
    if head is None and tail is None:
        return
    a = int(head.group(1)) if head else 0
    b = int(tail.group(1)) if tail else 0
    if head:
        cigar = f"{a}H" + cigar[head.end() :]
    if tail:
        cigar = cigar[: len(cigar) - len(tail.group(0))] + f"{b}H"
    fields[5] = cigar
    for col in (9, 10):
        if fields[col] != "*":
            fields[col] = fields[col][a : len(fields[col]) - b]


def restyle(lines: list, style: SamStyle, comments=(None, None), per_read: int = 1) -> list:
    """``lines`` (one string per read, or per pair: ``per_read`` 2) in ``style``.

    ``comments``: the FASTQ comments of the first and second ends (lists, or None). Only reads
    with more records than ``per_read`` are reshaped unless comments are appended; the others
    are returned as they are.
    """
    with_comments = style.comments and any(c is not None for c in comments)
    out = []
    for x, text in enumerate(lines):
        if not with_comments and text.count("\n") == per_read:
            out.append(text)
            continue
        records = []
        rows = [line.split("\t") for line in text[:-1].split("\n")]
        if style.xa_limit:
            rows = _with_xa(rows, style.xa_limit)
        for fields in rows:
            flag = int(fields[1])
            if flag & SECONDARY and style.secondary_unpaired_only and flag & PROPER:
                continue
            if flag & (SECONDARY | SUPPLEMENTARY) and not style.soft_clip_supplementary:
                _hard_clipped(fields)
            if flag & SUPPLEMENTARY and style.split_secondary:
                fields[1] = str(flag & ~SUPPLEMENTARY | SECONDARY)
            if with_comments:
                notes = comments[1 if flag & READ2 else 0]
                if notes is not None and notes[x]:
                    fields.append(notes[x])
            records.append("\t".join(fields))
        out.append("\n".join(records) + "\n")
    return out


def _with_xa(rows: list, limit: int) -> list:
    """Each end's secondary records as bwa's ``XA:Z:chr,+pos,CIGAR,NM;...`` on its primary
    record (after ``SA``), when at most ``limit``; the secondary records go either way. A
    secondary hit at the primary's own place is not an alternative and is left out."""
    primary = {}
    alts: dict = {}
    kept = []
    for fields in rows:
        flag = int(fields[1])
        end = flag & (READ1 | READ2)
        if flag & SECONDARY:
            alts.setdefault(end, []).append(fields)
            continue
        if not flag & SUPPLEMENTARY:
            primary[end] = fields
        kept.append(fields)
    for end, hits in alts.items():
        main = primary.get(end)
        if main is None or len(hits) > limit:
            continue
        here = (main[2], main[3], int(main[1]) & REVERSE)
        entries = [
            f"{h[2]},{'-' if int(h[1]) & REVERSE else '+'}{h[3]},{h[5]},{_tag(h, 'NM:i:')};"
            for h in hits
            if (h[2], h[3], int(h[1]) & REVERSE) != here
        ]
        if entries:
            main.append("XA:Z:" + "".join(entries))
    return kept


def _tag(fields: list, prefix: str) -> str:
    return next((f[len(prefix) :] for f in fields[11:] if f.startswith(prefix)), "0")
