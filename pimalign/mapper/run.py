"""``pimalign index`` and ``pimalign align`` as functions: the whole run, streamed in chunks."""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from typing import Callable, Iterator

import numba

from ..io.errors import InputError
from ..io.reads import ReadChunk, read_chunks
from ..io.sam import SamSink, header_text, output_format, parse_read_group
from .index import Index, build_index, is_index_file, load_index, save_index
from .pairing import MODEL_PAIRS, InsertModel
from .params import MapParams
from .pipeline import ChunkMapper, ReadPairs

WORKLOAD_HEADER = "#read\tkind\tquery_len\ttarget_len\tband\tcells\tbits\tpasses\tscore\n"


def open_index(ref: str, k: int | None = None, w: int | None = None) -> Index:
    """An index file, or a FASTA indexed in memory (with ``k``/``w`` when given, else 19/10).

    ``k``/``w`` are the values asked for (None: any): an index built with another is a
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
    return build_index(ref, **{n: v for n, v in (("k", k), ("w", w)) if v})


def _pairs(path1: str, path2: str, size: int) -> Iterator[tuple[ReadChunk, ReadChunk]]:
    it1, it2 = read_chunks(path1, size), read_chunks(path2, size)
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


def learn_insert(mapper: ChunkMapper, path1: str, path2: str):
    """The insert model from the first MODEL_PAIRS pairs of the input (a fixed number, so a
    chunked run that passes it back with ``-I`` gets the same model).

    Returns ``(model or None, pairs read, their candidates)``.
    """
    for c1, c2 in _pairs(path1, path2, MODEL_PAIRS):
        model, seeded = mapper.model_from(ReadPairs(c1, c2, path1, path2))
        return model, len(c1), seeded
    return None, 0, None


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
    chunk_size: int = 10_000,
    log: Callable[[str], None] = lambda m: None,
    progress: bool = True,
    verbose: bool = False,
) -> dict:
    """Map reads to ``ref`` and write ``output``; returns counts for the log. ``verbose`` logs
    the start and every chunk mapped (as bwa mem's ``Processed N reads`` lines)."""
    from .. import __version__
    from ..io.atomic import atomic_output
    from ..io.textout import text_writer

    fmt = output_format(output)
    rg_line, rg_id = parse_read_group(read_group)
    _check_outputs(output, workload, (ref, reads1) + ((reads2,) if reads2 else ()))
    if verbose:
        log(f"loading {ref}")
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    index = open_index(ref, params.asked("k"), params.asked("w"))
    if (index.k, index.w) != (params.k, params.w):
        log(f"index built with k={index.k} w={index.w}: those are used")
    mapper = ChunkMapper(index, params, rg_id)
    seeded = None
    if reads2 and insert is None:
        insert, seeded = _learn_and_log(mapper, reads1, reads2, log)
    header = header_text(index.ref.names, index.ref.lengths, sort, rg_line, command, __version__)
    counts = {"reads": 0, "records": 0}
    chunks = _chunks(reads1, reads2, chunk_size, seeded)
    seeded = None  # the chunk iterator holds them until the first chunk is mapped
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
            mapper, chunks, (reads1, reads2), insert, sink, work_out, counts, progress, on_chunk
        )
        fasta_tmp = None
        if fmt == "CRAM":  # the sink deletes it (and its .fai) with its other temporaries
            fasta_tmp = sink._temp(".fa")
            write_fasta(mapper.index, fasta_tmp)
        index.confirm()  # (a run without reads wrote nothing yet)
        counts["written"] = sink.finish(sort, threads, fasta_tmp)
    counts["insert"] = insert
    return counts


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


def _learn_and_log(mapper: ChunkMapper, reads1: str, reads2: str, log):
    insert, read, seeded = learn_insert(mapper, reads1, reads2)
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
    return insert, seeded


def _chunks(reads1: str, reads2: str | None, size: int, seeded) -> Iterator:
    """``(chunk1, chunk2 or None, candidates already seeded or None)`` for each chunk."""
    if reads2 is None:
        for c in read_chunks(reads1, size):
            yield c, None, None
        return
    for c1, c2 in _pairs(reads1, reads2, size):
        yield c1, c2, seeded
        seeded = None


def _map_all(mapper, chunks, paths, insert, sink, work_out, counts, progress, on_chunk):
    """Map every chunk, in order, into ``sink`` (and ``work_out``), counting reads and records."""
    from tqdm import tqdm

    reads1, reads2 = paths
    with tqdm(unit=" reads", file=sys.stderr, disable=not progress or None, desc="align") as bar:
        for c1, c2, seeded in _prefetched(chunks):
            if c2 is None:
                done = mapper.single(c1, reads1)
            else:
                done = mapper.paired(ReadPairs(c1, c2, reads1, reads2), insert, seeded)
            del seeded
            mapper.index.confirm()  # the index's digests, before the first record is written
            sink.write(done.lines)
            if work_out is not None:
                write_workload(mapper, work_out)
            mapper.workload.clear()
            reads = len(c1) * (2 if c2 is not None else 1)
            counts["reads"] += reads
            counts["records"] += done.records
            bar.update(reads)
            if on_chunk is not None:
                on_chunk()


def write_fasta(index: Index, path: str) -> None:
    """The index's sequence as FASTA, 80 bases a line (IUPAC codes as N), once its digests
    have matched."""
    from ..alphabet import decode

    index.confirm()
    block = 80 * 65536  # bases decoded at a time
    with open(path, "w") as out:
        for name, a, b in zip(index.ref.names, index.ref.offsets[:-1], index.ref.offsets[1:]):
            out.write(f">{name}\n")
            for start in range(int(a), int(b), block):
                seq = decode(index.ref.fetch(start, min(int(b), start + block)))
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
