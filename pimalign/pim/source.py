"""Where a PIM estimate's alignments come from (``WorkloadSource``), and loading them once.

One input of four: a pair TSV (exact: every pair profiled through the core), a workload file
written by ``align --workload`` (approximate: no sequences), a BAM or SAM with its reference,
or reads with a reference (mapped here first; ``from_alignments``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class WorkloadSource:
    """Exactly one of ``pairs``, ``workload``, ``bam`` and ``reads`` (one or two FASTQ), with
    ``ref`` for the last two; ``mode`` (None: NW for pairs, SHW for alignments), N as a literal
    base or a mismatch, the first ``limit`` alignments, ``threads`` for mapping."""

    pairs: str | None = None
    workload: str | None = None
    bam: str | None = None
    reads: tuple | None = None
    ref: str | None = None
    mode: str | None = None
    literal_n: bool = False
    limit: int | None = None
    threads: int | None = None

    @property
    def given(self):
        """The input as given: a path, or the list of reads files (None: none given)."""
        return self.pairs or self.workload or self.bam or (list(self.reads) if self.reads else None)

    @classmethod
    def from_args(cls, args) -> WorkloadSource:
        """The source named by ``pim estimate``/``pim sweep``'s parsed options."""
        reads = tuple(args.reads) if args.reads else None
        fields = ("pairs", "workload", "bam", "ref", "mode", "literal_n", "limit")
        threads = getattr(args, "threads", None)  # pim sweep maps with every thread
        return cls(reads=reads, threads=threads, **{name: getattr(args, name) for name in fields})


class Loaded(NamedTuple):
    """A loaded source: the ``Workload``; the encoded pairs ``(q_flat, q_off, t_flat, t_off)``
    and their ``profile`` (None for a workload file, whose ``table`` is kept instead); and
    ``info``: the ``mode`` used, ``reference_bases`` (None: the targets) and, for alignments,
    the records used and skipped."""

    workload: object
    encoded: tuple | None
    profile: dict | None
    table: object
    info: dict


def load_workload(src: WorkloadSource, band: int) -> Loaded:
    """``src`` loaded and profiled at half-width ``band`` (a ``ValueError`` for a bad combination
    of inputs)."""
    from .workload import approximate_workload, profile_workload, read_pairs, read_workload_file

    pairs, workload, bam, reads, ref = src.pairs, src.workload, src.bam, src.reads, src.ref
    limit = src.limit
    given = [x for x in (pairs, workload, bam, reads) if x]
    if len(given) != 1:
        raise ValueError("give exactly one of --pairs, --workload, --bam and --reads")
    if (bam or reads) and not ref:
        raise ValueError("--bam and --reads need --ref (the reference they align to)")
    if ref and not (bam or reads):
        raise ValueError("--ref goes with --bam or --reads")
    mode = src.mode or ("SHW" if (bam or reads) else "NW")
    info = {"mode": mode, "reference_bases": None}
    if bam or reads:
        from .from_alignments import load_reference, pairs_from_bam, pairs_from_reads

        if reads:
            if len(reads) > 2:
                raise ValueError("--reads takes one reads file, or two for paired-end")
            *enc, counts, read_index = pairs_from_reads(
                reads[0], reads[1] if len(reads) > 1 else None, ref, src.threads, limit
            )
            reference = load_reference(ref)
        else:
            reference = load_reference(ref)
            *enc, counts, read_index = pairs_from_bam(bam, reference, limit=limit)
        info.update(reference_bases=int(reference.lengths.sum()), records=counts)
        wl, prof = profile_workload(*enc, mode, src.literal_n, band)
        wl.read = read_index
        return Loaded(wl, tuple(enc), prof, None, info)
    if pairs is not None:
        _, q_flat, q_off, t_flat, t_off = read_pairs(pairs, limit=limit)
        enc = (q_flat, q_off, t_flat, t_off)
        wl, prof = profile_workload(*enc, mode, src.literal_n, band)
        return Loaded(wl, enc, prof, None, info)
    table = read_workload_file(workload)
    if limit is not None:
        for name in ("band", "cells", "bits", "query_len", "target_len", "passes", "affine"):
            setattr(table, name, getattr(table, name)[:limit])
    return Loaded(approximate_workload(table, mode, src.literal_n, band), None, None, table, info)
