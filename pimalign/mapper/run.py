"""``pimalign index`` and ``pimalign align`` as functions: the whole run, streamed in chunks."""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from dataclasses import replace
from typing import Callable, Iterator

import numba
import numpy as np

from ..io.errors import InputError
from ..io.reads import ReadChunk, read_chunks
from ..io.sam import SamSink, header_text, output_format, parse_read_group
from .index import Index, build_index, is_index_file, load_index, save_index
from .pairing import MODEL_PAIRS, InsertModel, model_from_sizes
from .params import MapParams
from .pipeline import ChunkMapper, ReadPairs
from .records import SamStyle, restyle
from .reference import IUPAC_KEEP, read_reference

BWA_STYLE = SamStyle()  # bwa mem's records: supplementary hard-clipped, flagged 0x800
WORKLOAD_HEADER = "#read\tkind\tquery_len\ttarget_len\tband\tcells\tbits\tpasses\tscore\n"


def _quiet(message: str) -> None:
    pass


def open_index(
    ref: str,
    k: int | None = None,
    w: int | None = None,
    log: Callable[[str], None] = _quiet,
    warn: Callable[[str], None] = _quiet,
) -> Index:
    """An index file, or a FASTA: its ``REF.pmi`` (as ``pimalign index REF`` writes it) when
    that holds the same reference (checksum over names, lengths and bases) with the ``k``/``w``
    asked for, else the FASTA indexed in memory (with ``k``/``w`` when given, else 19/10).

    ``k``/``w`` are the values asked for (None: any): an index file built with another is a
    ``ValueError`` (a usage error), as seeding must use the index's own k and w.
    """
    if not os.path.exists(ref):
        raise InputError(ref, "no such file")
    if is_index_file(ref):
        index = load_index(ref, verify="background")
        for name, asked, built in (("k", k, index.k), ("w", w, index.w)):
            if asked is not None and asked != built:
                raise ValueError(
                    f"{ref}: index built with {name}={built}, not {asked}: omit {name} (the "
                    f"index's is used) or rebuild it with `pimalign index -{name} {asked}`"
                )
        return index
    kw = {n: v for n, v in (("k", k), ("w", w)) if v}
    beside = ref + ".pmi"
    if not is_index_file(beside):
        return build_index(ref, **kw)
    reference = read_reference(ref)
    index = load_index(beside, verify="background")
    if index.ref.checksum != reference.checksum:
        warn(f"{beside} does not match {ref} (another reference checksum): indexing {ref}")
    elif (kw.get("k", index.k), kw.get("w", index.w)) != (index.k, index.w):
        warn(f"{beside} has k={index.k} w={index.w}, not k={k} w={w}: indexing {ref}")
    else:
        log(f"using the index {beside}: it matches {ref} (same reference checksum)")
        # the checksum covers codes, not the letters IUPAC codes became: the FASTA's are true
        r, i = reference, index.ref
        i.iupac_pos, i.iupac_letters, i.iupac_bases = r.iupac_pos, r.iupac_letters, r.iupac_bases
        return index
    return build_index(reference, **kw)


def _pairs(
    path1: str, path2: str, size: int, comments: bool = False
) -> Iterator[tuple[ReadChunk, ReadChunk]]:
    it1, it2 = read_chunks(path1, size, comments), read_chunks(path2, size, comments)
    for c1, c2 in itertools.zip_longest(it1, it2):
        if c1 is None or c2 is None:
            short, other, chunk = (path1, path2, c2) if c1 is None else (path2, path1, c1)
            raise InputError(
                short, f"has fewer reads than {other} (it ends before read {chunk.first})"
            )
        yield c1, c2


_END = object()


def _prefetched(items: Iterator) -> Iterator:
    """``items`` with the next one read by a helper thread while the caller works on the current.

    The mapping kernels release the GIL, so parsing the next chunk overlaps them. Order and
    errors are unchanged: an input error surfaces where the caller asks for that chunk.
    """
    from concurrent.futures import ThreadPoolExecutor

    items = iter(items)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pimalign-reader") as pool:
        pending = pool.submit(next, items, _END)
        while True:
            item = pending.result()
            if item is _END:
                return
            pending = pool.submit(next, items, _END)
            yield item


def _interleaved(path: str, size: int, comments: bool = False):
    """Pairs of an interleaved file (bwa ``-p``): records 1, 3, 5... and their mates 2, 4,
    6..., each mate named as its read (after /1 /2); chunks number the pairs."""
    for c in read_chunks(path, 2 * size, comments):
        if len(c) % 2:
            x = len(c) - 1
            raise InputError(
                path,
                "interleaved pairs (-p): the last read has no mate (an odd number of reads)",
                f"{c.first + x} ({c.names[x]})",
            )
        c1, c2 = c.part(0, len(c), 2), c.part(1, len(c), 2)
        c1.done = c.done
        for r, (a, b) in enumerate(zip(c1.names, c2.names)):
            if a != b:
                raise InputError(
                    path,
                    f"interleaved pairs (-p): read {b!r} follows {a!r}; mates must follow "
                    "each other, named alike",
                    c.first + 2 * r + 1,
                )
        c1.first = c2.first = (c.first + 1) // 2
        yield c1, c2


def pair_stream(path1: str, path2: str | None, size: int, comments: bool = False):
    """Chunks of pairs from two files, or from one interleaved file (``path2`` None)."""
    if path2 is None:
        return _interleaved(path1, size, comments)
    return _pairs(path1, path2, size, comments)


def learn_insert(mapper: ChunkMapper, path1: str, path2: str | None, stream=None):
    """The insert model from the first MODEL_PAIRS pairs of the input (a fixed number, so a
    chunked run that passes it back with ``-I`` gets the same model, whatever the chunk size).
    Each input is read once: the chunks read to learn it are held with their candidates and
    replayed (pipes and FIFOs work).

    ``path2`` None: ``path1`` holds interleaved pairs. ``stream``: the pair chunks to read
    from (default: ``pair_stream`` in chunks of MODEL_PAIRS). Returns ``(model or None, pairs
    read, the stream's chunks again from the first as (chunk1, chunk2, their candidates or
    None))``.
    """
    stream = iter(pair_stream(path1, path2, MODEL_PAIRS) if stream is None else stream)
    held, sizes, count = [], [], 0
    for c1, c2 in stream:
        take = min(len(c1), MODEL_PAIRS - count)
        part, seeded = mapper.model_sizes(ReadPairs(c1, c2, path1, path2 or path1), take)
        held.append((c1, c2, seeded))
        sizes.append(part)
        count += take
        if count >= MODEL_PAIRS:
            break
    model = model_from_sizes(np.concatenate(sizes)) if held else None
    return model, count, _replayed(held, stream)


def _replayed(held: list, stream) -> Iterator:
    """The held ``(chunk1, chunk2, candidates)``, each let go once given, then the rest of
    ``stream`` with no candidates."""
    held.reverse()
    while held:
        yield held.pop()
    for c1, c2 in stream:
        yield c1, c2, None


def run_align(
    ref: str,
    reads1: str,
    reads2: str | None,
    output: str,
    params: MapParams,
    *,
    threads: int = 1,
    read_group: str | None = None,
    sort: str = "coordinate",
    workload: str | None = None,
    insert: InsertModel | None = None,
    command: str = "pimalign align",
    chunk_size: int = 5_000,
    log: Callable[[str], None] = _quiet,
    progress: bool = True,
    verbose: bool = False,
    interleaved: bool = False,
    header_lines: list | None = None,
    style: SamStyle = BWA_STYLE,
    alt_ok: bool = False,
    warn: Callable[[str], None] | None = None,
    cram_version: str = "3.0",
) -> dict:
    """Map reads to ``ref`` and write ``output``; returns counts for the log. ``verbose`` logs
    the start and every chunk mapped (as bwa mem's ``Processed N reads`` lines).

    ``interleaved``: ``reads1`` holds pairs, mate after mate (bwa ``-p``). ``header_lines``:
    more header lines (bwa ``-H``). ``style``: bwa's record options (``records.SamStyle``).
    Each input is read once, so pipes and FIFOs work.
    """
    from .. import __version__
    from ..io.atomic import atomic_output
    from ..io.textout import text_writer

    warn = warn or (lambda m: log(f"warning: {m}"))
    fmt = output_format(output)
    rg_line, rg_id = parse_read_group(read_group)
    _check_outputs(output, workload, (ref, reads1) + ((reads2,) if reads2 else ()))
    if verbose:
        log(f"loading {ref}")
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    index = open_index(ref, params.asked("k"), params.asked("w"), log, warn)
    if (index.k, index.w) != (params.k, params.w):
        log(f"index built with k={index.k} w={index.w}: those are used")
    _warn_alt(ref, alt_ok, warn)
    if fmt == "CRAM":
        _check_cram_reference(ref, index)
    mapper = ChunkMapper(index, replace(params, band_bits=bool(workload)), rg_id)
    comments = style.comments
    if reads2 is not None or interleaved:
        chunks = pair_stream(reads1, None if interleaved else reads2, chunk_size, comments)
        reads2 = reads2 or reads1
        if insert is None:
            insert, chunks = _learn_and_log(mapper, reads1, reads2, chunks, log)
        else:
            chunks = ((c1, c2, None) for c1, c2 in chunks)
    else:
        chunks = _single(reads1, chunk_size, comments, warn)
    header = header_text(index.ref.names, index.ref.lengths, sort, rg_line, command, __version__)
    header = _with_header_lines(header, header_lines or [])
    if fmt == "CRAM":  # htslib finds each contig's sequence by its M5 (SamSink.finish)
        header = _with_md5(header, index)
    counts = {"reads": 0, "records": 0, "mapped": 0, "paired": 0, "proper": 0}
    with contextlib.ExitStack() as stack:
        work_out = None
        if workload == "-":
            work_out = sys.stdout
            work_out.write(WORKLOAD_HEADER)
        elif workload:
            work_tmp = stack.enter_context(atomic_output(workload))
            work_out = stack.enter_context(text_writer(work_tmp, True, level=3))
            work_out.write(WORKLOAD_HEADER)
        sink = stack.enter_context(SamSink(output, header))
        on_chunk = (lambda: log(f"{counts['reads']:,} reads mapped")) if verbose else None
        _map_all(
            mapper,
            chunks,
            (reads1, reads2),
            insert,
            sink,
            work_out,
            counts,
            progress,
            on_chunk,
            style,
        )
        if output != "-" and (sort != "none" or fmt != "SAM"):
            what = f"sorting ({sort}) and writing" if sort != "none" else "writing"
            log(f"{what} {counts['records']:,} records to {output}")
        reference = None
        if fmt == "CRAM":  # the sink deletes them with its other temporaries
            reference = sink.reference_prefix()
            write_contigs_by_md5(mapper.index, reference)
        index.confirm()  # (a run without reads wrote nothing yet)
        counts["written"] = sink.finish(sort, threads, reference, cram_version=cram_version)
    counts["insert"] = insert
    counts["summary"] = {k: counts[k] for k in ("reads", "mapped", "paired", "proper")}
    return counts


def _warn_alt(ref: str, alt_ok: bool, warn) -> None:
    """bwa maps ALT contigs apart when ``REF.alt`` exists (unless -j); pimalign never does."""
    if alt_ok:
        return
    for alt in (ref + ".alt", os.path.splitext(ref)[0] + ".alt"):
        if os.path.exists(alt):
            warn(f"{alt} is not read: ALT contigs are mapped as primary ones (as bwa mem -j)")
            return


def _check_cram_reference(ref: str, index: Index) -> None:
    """A CRAM is encoded against the reference and names it by ``M5``: both need the FASTA's
    own sequence, IUPAC codes included (``Reference.text``); a ``ValueError`` when the index
    lacks them."""
    if index.ref.iupac_pos is not None:
        return
    bases = index.ref.iupac_bases
    if bases is None:
        raise ValueError(
            f"{ref}: CRAM needs the reference's IUPAC codes, which an index of an earlier "
            "pimalign does not keep: rebuild it with `pimalign index`, or give the FASTA"
        )
    raise ValueError(
        f"{ref}: CRAM needs the reference's IUPAC codes, and it holds {bases:,} (more than "
        f"the {IUPAC_KEEP:,} pimalign keeps): write .bam instead"
    )


def _with_md5(header: str, index: Index) -> str:
    """Each ``@SQ`` line with the MD5 of its contig's sequence (SAM's ``M5``: uppercase, IUPAC
    codes kept, as ``samtools dict`` computes it)."""
    import hashlib

    block = 1 << 22
    rows = header.split("\n")
    c = 0
    for x, row in enumerate(rows):
        if row.startswith("@SQ\t"):
            digest = hashlib.md5()
            a, b = int(index.ref.offsets[c]), int(index.ref.offsets[c + 1])
            for start in range(a, b, block):
                digest.update(index.ref.text(start, min(b, start + block)))
            rows[x] = f"{row}\tM5:{digest.hexdigest()}"
            c += 1
    return "\n".join(rows)


def _with_header_lines(header: str, lines: list) -> str:
    """``lines`` (bwa ``-H``) after the ``@SQ`` and ``@RG`` lines, before ``@PG``."""
    if not lines:
        return header
    rows = header.rstrip("\n").split("\n")
    at = next(x for x, row in enumerate(rows) if row.startswith("@PG\t"))
    return "\n".join(rows[:at] + lines + rows[at:]) + "\n"


INTERLEAVED_LOOK = 200  # reads looked at for an interleaved-looking single-end input


def looks_interleaved(names: list) -> bool:
    """Reads 1 and 2, 3 and 4... named alike (after /1 /2) among the first reads."""
    n = min(len(names), INTERLEAVED_LOOK) // 2 * 2
    return n >= 2 and names[0:n:2] == names[1:n:2]


def _single(path: str, size: int, comments: bool, warn) -> Iterator:
    """``(chunk, None, None)`` for each chunk of single-end reads; a warning when the first
    reads come in pairs of one name (an interleaved file mapped without -p)."""
    for c in read_chunks(path, size, comments):
        if c.first == 1 and looks_interleaved(c.names):
            n = min(len(c), INTERLEAVED_LOOK) // 2
            warn(
                f"{path} looks interleaved (its first {n} pairs of reads share a name, e.g. "
                f"{c.names[0]!r}): mapped as single-end reads; give -p to map them as pairs"
            )
        yield c, None, None


def _check_outputs(output: str, workload: str | None, inputs: tuple) -> None:
    from ..io.atomic import SIDE_FILES, check_output_path, same_file

    if output != "-":
        check_output_path(output, inputs)
    if workload and workload != "-":
        check_output_path(workload, inputs)
        if output != "-":
            side = SIDE_FILES.get(os.path.splitext(output)[1].lower(), ())
            if same_file(workload, output):
                raise ValueError(f"{workload}: --workload and -o name the same file")
            if any(same_file(workload, output + s) for s in side):
                raise ValueError(f"{workload}: --workload is where -o {output} puts its index")


def _learn_and_log(mapper: ChunkMapper, reads1: str, reads2: str, chunks, log):
    """The insert model from the first pairs of ``chunks`` (held in memory), and ``chunks``
    again from the first with their candidates (``learn_insert``)."""
    path2 = None if reads2 == reads1 else reads2
    insert, read, chunks = learn_insert(mapper, reads1, path2, chunks)
    if insert is None:
        log(
            f"too few uniquely mapped pairs among the first {read:,} to learn the insert "
            "size: no proper pairs"
        )
    else:
        log(
            f"insert size {insert.mean:.2f} +- {insert.sd:.2f}, proper pairs "
            f"{insert.low}..{insert.high} (-I {insert.text()}), from {insert.pairs:,} "
            f"uniquely mapped pairs of the first {read:,}"
        )
    return insert, chunks


def _tally(done, counts: dict) -> None:
    """Add a chunk's mapped, paired and properly paired primary records (``Mapped``)."""
    counts["mapped"] += done.mapped
    counts["paired"] += done.paired
    counts["proper"] += done.proper


def _map_all(mapper, chunks, paths, insert, sink, work_out, counts, progress, on_chunk, style):
    """Map every chunk, in order, into ``sink`` (and ``work_out``), counting reads and records."""
    from tqdm import tqdm

    reads1, reads2 = paths
    # with a file of known size the bar follows its bytes (percent and ETA), else it counts reads
    size = os.path.getsize(reads1) if reads1 != "-" and os.path.isfile(reads1) else 0
    unit = {"unit": "B", "unit_scale": True, "total": size} if size else {"unit": " reads"}
    with tqdm(file=sys.stderr, disable=not progress or None, desc="align", **unit) as bar:
        for c1, c2, seeded in _prefetched(chunks):
            if c2 is None:
                done = mapper.single(c1, reads1)
            else:
                done = mapper.paired(ReadPairs(c1, c2, reads1, reads2), insert, seeded)
            del seeded
            mapper.index.confirm()  # the index's digests, before the first record is written
            comments = (c1.comments, None if c2 is None else c2.comments)
            lines = restyle(done.lines, style, comments, 1 if c2 is None else 2)
            text = "".join(lines)
            sink.write((text,))
            _tally(done, counts)
            if work_out is not None:
                write_workload(mapper, work_out)
            mapper.workload.clear()
            reads = len(c1) * (2 if c2 is not None else 1)
            counts["reads"] += reads
            counts["records"] += text.count("\n")
            if size and c1.done >= 0:
                bar.update(c1.done - bar.n)
                bar.set_postfix_str(f"{counts['reads']:,} reads", refresh=False)
            else:
                bar.update(reads)
            if on_chunk is not None:
                on_chunk()


def write_contigs_by_md5(index: Index, prefix: str) -> None:
    """Each contig's sequence (``Reference.text``) as the file ``PREFIX.M5``, bare bases (as
    htslib's ``REF_PATH`` finds a reference by ``M5``), once the index's digests have matched."""
    import hashlib

    index.confirm()
    block = 1 << 22  # bases at a time
    offsets = index.ref.offsets.tolist()
    for a, b in zip(offsets[:-1], offsets[1:]):
        digest = hashlib.md5()
        path = f"{prefix}.contig"  # named once its MD5 is known
        with open(path, "wb") as out:
            for start in range(a, b, block):
                text = index.ref.text(start, min(b, start + block))
                digest.update(text)
                out.write(text)
        os.replace(path, f"{prefix}.{digest.hexdigest()}")


def write_fasta(index: Index, path: str) -> None:
    """The reference's sequence as FASTA (``Reference.text``: uppercase, IUPAC codes kept), 80
    bases a line, once the index's digests have matched."""
    index.confirm()
    block = 80 * 65536  # bases decoded at a time
    with open(path, "w") as out:
        for name, a, b in zip(index.ref.names, index.ref.offsets[:-1], index.ref.offsets[1:]):
            out.write(f">{name}\n")
            for start in range(int(a), int(b), block):
                seq = index.ref.text(start, min(int(b), start + block)).decode()
                out.write("".join(seq[x : x + 80] + "\n" for x in range(0, len(seq), 80)))


def write_workload(mapper: ChunkMapper, out) -> None:
    """One TSV row per extension of the last chunk (the PIM model's input; WORKLOAD_HEADER)."""
    for rows in mapper.workload:
        cols = (
            rows.query_len,
            rows.target_len,
            rows.band,
            rows.cells,
            rows.bits,
            rows.passes,
            rows.score,
        )
        out.write(
            "".join(
                f"{name}\t{rows.kind}\t" + "\t".join(map(str, values)) + "\n"
                for name, *values in zip(rows.read.tolist(), *(c.tolist() for c in cols))
            )
        )


def run_index(ref: str, output: str, k: int, w: int) -> Index:
    from ..io.atomic import atomic_output, check_output_path

    check_output_path(output, (ref,))
    index = build_index(ref, k, w)
    with atomic_output(output) as tmp:
        save_index(index, tmp)
    return index
