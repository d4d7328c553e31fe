"""Exact PIM workloads from real alignments: any aligner's BAM/SAM, or reads mapped here.

``pairs_from_bam(bam, ref)``: every mapped record with a sequence becomes one pair: its SEQ
(the read as aligned, on the reference's strand, soft clips included) against the reference
from its first aligned base minus the leading soft clip to its last aligned base plus the
trailing soft clip and ``pad`` bases (clamped to the contig). A read's secondary and
supplementary records are further windows of the same read (their SEQ, or the primary's when
they store none and clip nothing hard); each pair carries its read's index, so the host sends
the read once and an address per window. The PIM program aligns them in ``SHW`` mode (the
whole read, the window's end free), the extension a mapper runs after its seed places the
read. Unmapped records and records without a usable sequence are counted and skipped.

``pairs_from_reads(reads1, reads2, ref)``: the reads mapped by ``pimalign align`` (default
parameters) into a temporary BAM, then the same.
"""

from __future__ import annotations

import os

import numpy as np

from ..alphabet import SequenceError, encode_many
from ..io.errors import InputError

PAD = 8  # bases past the read's end in its window (the default band half-width)


def load_reference(path: str):
    """The ``Reference`` of a FASTA (read, not indexed) or of a pimalign index."""
    from ..mapper.index import is_index_file, load_index
    from ..mapper.reference import read_reference

    if not os.path.exists(path):
        raise InputError(path, "no such file")
    if not is_index_file(path):
        return read_reference(path)
    index = load_index(path, verify="background")
    index.confirm()  # every array's SHA-256: a damaged sequence is an error, not an estimate
    return index.ref


def pairs_from_bam(bam: str, ref, pad: int = PAD, limit: int | None = None):
    """``(q_flat, q_off, t_flat, t_off, counts, read_index)`` of ``bam``'s mapped records
    against ``ref`` (a ``Reference``): ``counts``: windows ``used``, distinct ``reads``, the
    ``secondary_or_supplementary`` records among them, and records skipped by reason;
    ``read_index``: each pair's read (0, 1, ... in order of first appearance; a read is a
    name and its mate number)."""
    import pysam

    if not os.path.exists(bam):
        raise InputError(bam, "no such file")
    contig = {name: i for i, name in enumerate(ref.names)}
    windows, numbers, keys, seqs, wanting = [], [], [], [], []
    primary: dict = {}
    counts = {
        "used": 0,
        "reads": 0,
        "secondary_or_supplementary": 0,
        "unmapped": 0,
        "no_sequence": 0,
    }
    save = pysam.set_verbosity(0)
    try:
        handle = pysam.AlignmentFile(bam, "r", check_sq=False)
    except (OSError, ValueError) as err:
        raise InputError(bam, f"not a readable SAM/BAM/CRAM file ({err})") from None
    finally:
        pysam.set_verbosity(save)
    with handle:
        for name, length in zip(handle.references, handle.lengths):
            if name not in contig:
                raise InputError(bam, f"contig {name!r} of the header is not in the reference")
            if int(ref.lengths[contig[name]]) != length:
                raise InputError(
                    bam,
                    f"contig {name!r} has length {length} in the header but "
                    f"{int(ref.lengths[contig[name]])} in the reference",
                )
        try:
            for number, rec in enumerate(handle, start=1):
                if rec.is_unmapped:
                    counts["unmapped"] += 1
                    continue
                further = rec.is_secondary or rec.is_supplementary
                key = (rec.query_name, rec.is_read2)
                seq = rec.query_sequence
                cigar = rec.cigartuples or []
                if not seq and (not further or any(op == 5 for op, _ in cigar)):
                    counts["no_sequence"] += 1  # nothing to align (a hard clip cut the read)
                    continue
                if seq and not further:
                    primary[key] = seq
                c = contig[rec.reference_name]
                lead = cigar[0][1] if cigar and cigar[0][0] == 4 else 0
                trail = cigar[-1][1] if len(cigar) > 1 and cigar[-1][0] == 4 else 0
                base = int(ref.offsets[c])
                start = max(0, rec.reference_start - lead)
                end = min(int(ref.lengths[c]), rec.reference_end + trail + pad)
                if not seq:
                    wanting.append(len(seqs))
                seqs.append(seq)
                keys.append(key)
                windows.append((base + start, base + end))
                numbers.append(number)
                counts["used"] += 1
                counts["secondary_or_supplementary"] += int(further)
                if limit is not None and counts["used"] >= limit:
                    break
        except (OSError, ValueError) as err:
            raise InputError(bam, f"record {number}: {err}") from None
    keep = np.ones(len(seqs), dtype=bool)
    for i in wanting:  # a further window without SEQ: the read's primary SEQ, if any
        seqs[i] = primary.get(keys[i])
        if seqs[i] is None:
            keep[i] = False
            counts["used"] -= 1
            counts["secondary_or_supplementary"] -= 1
            counts["no_sequence"] += 1
    if not keep.all():
        pick = np.flatnonzero(keep)
        seqs, keys = [seqs[i] for i in pick], [keys[i] for i in pick]
        windows, numbers = [windows[i] for i in pick], [numbers[i] for i in pick]
    if not seqs:
        raise InputError(bam, "no mapped records with a sequence")
    index: dict = {}
    read_index = np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.int64)
    counts["reads"] = len(index)
    try:
        q_flat, q_off = encode_many(seqs, iupac=True)
    except SequenceError as err:
        raise InputError(bam, f"record {numbers[err.record]}: {err.problem}") from None
    lengths = np.array([b - a for a, b in windows], dtype=np.int64)
    t_off = np.zeros(len(windows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=t_off[1:])
    t_flat = np.empty(int(t_off[-1]), dtype=np.uint8)
    for i, (a, b) in enumerate(windows):
        t_flat[t_off[i] : t_off[i + 1]] = ref.fetch(a, b)
    return q_flat, q_off, t_flat, t_off, counts, read_index


def pairs_from_reads(
    reads1: str, reads2: str | None, ref: str, threads: int | None = None, limit=None
):
    """The reads mapped by ``pimalign align`` (default parameters), as ``pairs_from_bam``."""
    import numba

    from ..io.atomic import remove_temp, temp_folder
    from ..mapper.params import preset
    from ..mapper.run import run_align

    before = numba.get_num_threads()
    threads = threads or before
    folder = temp_folder("pimalign-pim-")  # an interrupt deletes it too
    try:
        bam = os.path.join(folder, "mapped.bam")
        run_align(
            ref,
            reads1,
            reads2,
            bam,
            preset("sr"),
            threads=threads,
            sort="none",
            progress=False,
        )
        numba.set_num_threads(before)  # align set the mapping's thread count
        return pairs_from_bam(bam, load_reference(ref), limit=limit)
    finally:
        remove_temp(folder)
