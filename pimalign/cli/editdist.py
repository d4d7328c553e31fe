"""``pimalign editdist``: edit distances (and locations, CIGARs) of sequence pairs from a TSV
or two FASTA/FASTQ files, written as TSV."""

from __future__ import annotations

import os
import sys

from ..io.errors import InputError
from ..kernels.options import EDIT_MODES
from .args import EXIT_OK, UsageError, add_band_option, log, ranged
from .args import threads as threads_type


def add_editdist(sub) -> None:
    """Add the ``editdist`` subcommand to ``sub`` (the main parser's subparsers)."""
    p = sub.add_parser(
        "editdist",
        help="edit distance of sequence pairs",
        description="Edit distance of sequence pairs read from a TSV (query<TAB>target or "
        "id<TAB>query<TAB>target; .gz or - for stdin) or from two FASTA/FASTQ files "
        "taken record by record. Writes a TSV: id, distance (-1 above -k), then "
        "start/end (0-based, inclusive, on the target) for --task locations or path, "
        "the extended CIGAR for --task path, and the band/cells/bits workload with "
        "--workload.",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="one pair TSV, or a query FASTA/FASTQ and a target FASTA/FASTQ",
    )
    p.add_argument(
        "-o", "--output", default="-", help="output TSV (- for stdout; gzip when it ends .gz)"
    )
    p.add_argument(
        "--mode",
        choices=list(EDIT_MODES),
        default="NW",
        help="NW global, HW infix (target ends free), SHW prefix (target end free)",
    )
    p.add_argument("--task", choices=["distance", "locations", "path"], default="distance")
    p.add_argument(
        "-k",
        type=ranged(-1, 10**9),
        default=-1,
        help="maximum distance of interest (-1: none; -1..1e9)",
    )
    p.add_argument(
        "-t", "--threads", type=threads_type, default=os.cpu_count() or 1, help="threads (1..1024)"
    )
    p.add_argument(
        "--literal-n",
        action="store_true",
        help="N matches N (edlib); by default N mismatches everything (bwa)",
    )
    add_band_option(p)
    p.add_argument(
        "--workload",
        action="store_true",
        help="add band, cells and bits columns (the PIM model's workload)",
    )
    p.add_argument(
        "--engine",
        choices=["auto", "adaptive"],
        default="auto",
        help="auto: bit-parallel banded word where it decides, adaptive band elsewhere; "
        "adaptive: always the adaptive band (the workload the PIM model executes)",
    )
    p.add_argument(
        "--chunk-size", type=ranged(1, 10**7), default=100_000, help="pairs per batch (1..1e7)"
    )
    p.add_argument(
        "--device",
        choices=["cpu", "gpu"],
        default="cpu",
        help="gpu: CUDA kernels for every task (no workload columns)",
    )
    p.set_defaults(func=run_editdist)


def run_editdist(args) -> int:
    """Run ``pimalign editdist``; returns the exit code."""
    from tqdm import tqdm

    from ..io.atomic import atomic_output, check_output_path
    from ..io.pairs import read_fastx_pairs, read_tsv_pairs
    from ..io.textout import text_writer, wants_gzip

    _check_device(args)
    if len(args.inputs) == 1:
        chunks = read_tsv_pairs(args.inputs[0], args.chunk_size)
    elif len(args.inputs) == 2:
        chunks = read_fastx_pairs(args.inputs[0], args.inputs[1], args.chunk_size)
    else:
        raise UsageError("editdist takes one pair TSV or two FASTA/FASTQ files")

    def write_all(handle) -> int:
        handle.write("#" + "\t".join(_columns(args)) + "\n")
        total = 0
        with tqdm(unit=" pairs", file=sys.stderr, disable=None, desc="editdist") as bar:
            for ids, queries, targets, records in chunks:
                res = _align_chunk(args, queries, targets, records)
                handle.write(_rows(args, ids, res))
                total += len(ids)
                bar.update(len(ids))
        return total

    if args.output == "-":
        total = write_all(sys.stdout)
        sys.stdout.flush()
    else:
        check_output_path(args.output, tuple(args.inputs))
        with atomic_output(args.output) as tmp:
            with text_writer(tmp, wants_gzip(args.output)) as handle:
                total = write_all(handle)
    log(f"editdist: {total} pairs, mode {args.mode}, task {args.task}")
    return EXIT_OK


def _check_device(args) -> None:
    """``--device gpu`` needs a GPU (or the simulator) and reports no workload."""
    if args.device != "gpu":
        return
    from ..gpu import require

    if args.workload:
        raise UsageError("--device gpu reports no workload; drop --workload")
    try:
        require()
    except RuntimeError as err:
        raise UsageError(str(err)) from None


def _columns(args) -> list[str]:
    """The output's column names for the task and options asked."""
    columns = ["id", "distance"]
    if args.task != "distance":
        columns += ["start", "end"]
    if args.task == "path":
        columns.append("cigar")
    if args.workload:
        columns += ["band", "cells", "bits"]
    return columns


def _input_error(args, which: int, problem: str, number: int) -> InputError:
    """An error in record ``number`` of input ``which`` (0 queries, 1 targets): a line of a pair
    TSV, else a record of the FASTA/FASTQ file."""
    if len(args.inputs) == 1:
        return InputError(args.inputs[0], problem, line=number)
    return InputError(args.inputs[which], problem, number)


def _align_chunk(args, queries, targets, records):
    """One chunk's ``BatchResult``; a bad sequence or a too-large path is an ``InputError``."""
    from ..alphabet import SequenceError, encode_many
    from ..editdist.api import PathTooLarge, batch_encoded

    encoded = []
    for which, seqs in enumerate((queries, targets)):
        try:
            encoded.append(encode_many(seqs))
        except SequenceError as err:
            raise _input_error(args, which, err.problem, records[err.record]) from None
    try:
        return batch_encoded(
            *encoded[0], *encoded[1], args.mode, args.task, args.k, args.threads,
            args.literal_n, args.band, args.engine, args.device,
        )  # fmt: skip
    except PathTooLarge as err:
        raise _input_error(args, 0, str(err), records[err.record]) from None


def _rows(args, ids, res) -> str:
    """The chunk's output lines."""
    fields = [ids, res.distance.tolist()]
    if args.task != "distance":
        fields += [res.start.tolist(), res.end.tolist()]
    if args.task == "path":
        fields.append(["*" if c is None else c for c in res.cigars])
    if args.workload:
        fields += [res.band.tolist(), res.cells.tolist(), res.bits.tolist()]
    return "".join("\t".join(map(str, row)) + "\n" for row in zip(*fields))
