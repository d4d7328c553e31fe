"""Command line: ``pimalign <command> ...``.

Exit codes: 0 success, 1 bad input or I/O error (one line on stderr naming file and record),
2 usage error, 130 interrupted. ``--debug`` shows the Python traceback instead of the one line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from ..io.errors import InputError
from .args import EXIT_INPUT, EXIT_INTERRUPT, EXIT_OK, EXIT_USAGE, OptionError, ranged
from .args import UsageError as _UsageError
from .args import log as _log
from .args import threads as threads_type
from .args import warn as _warn

_LOADED = time.time()  # about when the program started (Python and this module loaded)


class _Parser(argparse.ArgumentParser):
    """argparse that shows defaults and exits with 2 on usage errors (its own default)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.ArgumentDefaultsHelpFormatter)
        super().__init__(*args, **kwargs)


def _add_index(sub) -> None:
    p = sub.add_parser(
        "index",
        help="build a minimizer index of a reference FASTA (or check one)",
        description="Build one index file (versioned header, reference checksum, 2-bit packed "
        "sequence, memory-mapped minimizer table) from a FASTA or FASTA.gz reference, reading "
        "it one contig at a time. With --check, verify an existing index file in full instead "
        "(its header, table and positions, every array's SHA-256, the reference checksum, and "
        "the minimizer table rebuilt from the sequence: as long as building; mapping checks "
        "all but the last two, the SHA-256 while it starts).",
    )
    p.add_argument("reference", metavar="REF.fa[.gz]|INDEX")
    p.add_argument("-o", "--output", help="index file (default: REF with .pmi appended)")
    p.add_argument("-k", type=ranged(5, 28), default=19, help="minimizer k-mer length (5..28)")
    p.add_argument("-w", type=ranged(1, 255), default=10, help="minimizer window (1..255)")
    p.add_argument("--check", action="store_true", help="verify the index file REF in full")
    p.set_defaults(func=_run_index)


def _run_index(args) -> int:
    from ..mapper.run import run_index

    if args.check:
        from ..mapper.index import check_index, is_index_file

        if not is_index_file(args.reference):
            raise InputError(args.reference, "not a pimalign index (bad magic bytes)")
        check_index(args.reference)
        _log(f"index: {args.reference} is intact")
        return EXIT_OK
    output = args.output or args.reference + ".pmi"
    index = run_index(args.reference, output, args.k, args.w)
    _log(
        f"index: {len(index.ref.names)} contigs, {int(index.ref.offsets[-1])} bp, "
        f"{index.minimizers} minimizers, frequency cut-off {index.occ_threshold} -> {output}"
    )
    return EXIT_OK


SHORT = {"k": "-k", "max_occ": "-c", "mismatch": "-B", "unpaired": "-U", "min_score": "-T"}


def _add_align(sub) -> None:
    from ..io.sam import SORTS
    from ..mapper.params import PRESETS, knobs
    from . import bwa

    d = PRESETS["sr"]
    p = sub.add_parser(
        "align",
        help="map short reads to a reference (FASTQ in, BAM out)",
        add_help=False,
        description="Map single-end or paired-end short reads. REF is a pimalign index or a "
        "FASTA (its REF.pmi is used when it matches, else it is indexed in memory). The output "
        "format follows the extension: .bam (coordinate-sorted, with a .bai), .sam, .cram; - "
        "writes SAM to stdout. Every bwa mem option is accepted with bwa's meaning, or refused "
        "in one line naming it (README: 'bwa mem options').",
    )
    p.error = _one_line_error(p)
    p.add_argument("reference", metavar="REF")
    p.add_argument(
        "reads",
        nargs="+",
        metavar="READS.fq[.gz]",
        help="one file (with -p: interleaved pairs), or two for pairs; pipes work",
    )
    p.add_argument("-o", "--output", default="-", help="output .bam/.sam/.cram or - (SAM)")
    p.add_argument(
        "-t",
        "--threads",
        type=threads_type,
        default=os.cpu_count() or 1,
        help="threads (1..1024; samtools sorts with at most 16)",
    )
    p.add_argument("-R", "--read-group", help="read group header line, e.g. '@RG\\tID:x\\tSM:y'")
    p.add_argument("--sort", choices=SORTS, default="coordinate")
    p.add_argument(
        "-x",
        "--preset",
        default="sr",
        metavar="PRESET",
        help="sr, or bwa's intractg (-B9 -O16 -L5); bwa's pacbio and ont2d are refused",
    )
    p.add_argument(
        "-I",
        "--insert-size",
        metavar="MEAN[,SD[,MAX[,MIN]]]",
        help="insert size model for pairs, as bwa mem -I (SD: 10%% of MEAN; MAX, MIN: "
        "MEAN +- 4 SD); default: learned from the first 10000 pairs",
    )
    p.add_argument(
        "--workload",
        metavar="FILE.tsv.gz",
        help="write one row per extension: band, cells, bits (the PIM model's input); - writes "
        "plain TSV to standard output",
    )
    p.add_argument(
        "--insert-size-only",
        action="store_true",
        help="pairs: only learn the insert-size model with these options and write "
        "MEAN,SD,MAX,MIN (or 'none') to -o; a chunked run passes it back with -I",
    )
    p.add_argument(
        "--chunk-size",
        type=ranged(1, 10**7),
        default=5_000,
        help="reads (or pairs) per batch, 1..1e7: memory grows with it; the output does not change",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--cram-version",
        choices=("3.0", "3.1"),
        default="3.0",
        help="CRAM version of a .cram output (3.0: htsjdk, Picard and GATK read it)",
    )
    p.add_argument(
        "-v",
        dest="verbosity",
        type=ranged(0, 100),
        default=3,
        metavar="INT",
        help="verbosity, as bwa mem: 1 errors, 2 warnings, 3 messages, 4 and up also a line "
        "per chunk mapped",
    )
    p.add_argument(
        "--verbose",
        dest="verbosity",
        action="store_const",
        const=4,
        help="-v 4: log the start and each chunk mapped (as bwa mem's progress lines)",
    )
    g = p.add_argument_group("preset parameters (defaults of -x sr; allowed range)")
    for f in knobs():
        low, high = f.metadata["range"]
        flags = ([SHORT[f.name]] if f.name in SHORT else []) + ["--" + f.name.replace("_", "-")]
        g.add_argument(
            *flags,
            dest=f.name,
            type=int,
            default=None,
            metavar="N",
            help=f"{f.metadata['help']} (default {getattr(d, f.name)}; {low}..{high})%(default).0s",
        )  # .0s: no "None"
    g.add_argument("-S", "--no-rescue", action="store_true", help="no mate rescue (bwa -S)")
    bwa.add_options(p, p.add_argument_group("more bwa mem options (README: bwa mem options)"))
    p.set_defaults(func=_run_align)


def _one_line_error(parser):
    """A malformed option value of ``align`` as one line naming it (exit 2): a pipeline's log
    shows the option, not a page of usage."""

    def error(message: str):
        parser.exit(EXIT_USAGE, f"{parser.prog}: error: {message} (see {parser.prog} --help)\n")

    return error


def _run_align(args) -> int:
    from ..mapper.pairing import InsertModel
    from ..mapper.params import PRESETS, knobs, preset
    from ..mapper.records import SamStyle
    from ..mapper.run import run_align
    from . import bwa
    from .args import set_verbosity

    set_verbosity(args.verbosity)
    if len(args.reads) > 2:
        raise _UsageError("align takes one reads file, or two for paired-end")
    if args.reads.count("-") > 1:
        raise _UsageError("standard input (-) can be read once: give at most one reads file as -")
    if args.workload == "-" and args.output == "-":
        raise _UsageError("--workload - and -o - both want standard output; give one a file")
    if args.interleaved and len(args.reads) > 1:
        # bwa -p ignores in2.fq; a second file here would be a mistake, not a wish
        raise OptionError("-p: interleaved pairs come in one file; give one reads file")
    overrides = bwa.overrides(args, PRESETS["sr"])
    overrides.update(
        {f.name: getattr(args, f.name) for f in knobs() if getattr(args, f.name) is not None}
    )
    if args.no_rescue:
        overrides["rescue"] = False
    xa = bwa.xa_limit(args)
    if xa:  # one more than listed: more than -h alternatives means no XA at all (bwa)
        overrides.update(secondary=xa + 1, secondary_pct=bwa.XA_PCT)
    params = preset("sr", **overrides)
    insert = InsertModel.parse(args.insert_size) if args.insert_size else None
    if args.insert_size_only:
        return _insert_only(args, params)
    command = " ".join(["pimalign"] + sys.argv[1:]) if sys.argv else "pimalign align"
    style = SamStyle(
        soft_clip_supplementary=args.soft_supp,
        split_secondary=args.split_secondary,
        comments=args.comment,
        secondary_unpaired_only=args.all,
        xa_limit=xa,
    )
    if args.K is not None:
        _log("-K: accepted, no effect: the output never depends on batching or threads", 4)
    result = run_align(
        args.reference,
        args.reads[0],
        args.reads[1] if len(args.reads) > 1 else None,
        args.output,
        params,
        threads=args.threads,
        read_group=args.read_group,
        sort=args.sort,
        workload=args.workload,
        insert=insert,
        command=command,
        chunk_size=args.chunk_size,
        log=_log,
        progress=not args.no_progress and args.verbosity >= 3,
        verbose=args.verbosity >= 4,
        interleaved=args.interleaved,
        header_lines=bwa.header_lines(args.header),
        style=style,
        alt_ok=args.j,
        warn=_warn,
        cram_version=args.cram_version,
    )
    _log(f"align: {result['reads']} reads, {result['records']} records -> {args.output}")
    args.summary = result.get("summary")
    return EXIT_OK


def _insert_only(args, params) -> int:
    from ..io.atomic import atomic_output, check_output_path
    from ..mapper.pipeline import ChunkMapper
    from ..mapper.run import learn_insert, open_index

    if len(args.reads) != 2 and not args.interleaved:
        raise _UsageError("--insert-size-only needs two read files (pairs), or -p and one")
    if args.output != "-":
        check_output_path(args.output, (args.reference, *args.reads))
    index = open_index(args.reference, params.asked("k"), params.asked("w"), _log, _warn)
    second = None if args.interleaved else args.reads[1]
    model, _, _ = learn_insert(ChunkMapper(index, params), args.reads[0], second)
    index.confirm()
    text = "none" if model is None else model.text()
    if args.output == "-":
        print(text)
    else:
        with atomic_output(args.output) as tmp:
            with open(tmp, "w") as out:
                out.write(text + "\n")
    _log(f"insert size (mean,sd,max,min): {text}")
    return EXIT_OK


def _describe(err: Exception, args) -> str:
    """The one line for an error: an operating-system error names its file (the output when
    it has none: a full disk while writing, say) and never a temporary name."""
    if not isinstance(err, OSError) or isinstance(err, InputError):
        return str(err)
    name = err.filename if isinstance(err.filename, str) else None
    output = getattr(args, "output", None) or getattr(args, "json", None)
    if name is None or ".pimalign-" in os.path.basename(name):
        name = output if isinstance(output, str) and output != "-" else name
    reason = err.strerror or str(err)
    return f"{name}: {reason}" if name else reason


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(
        prog="pimalign",
        description="Adaptive banded alignment in Numba, with a ReRAM processing-in-memory model.",
    )
    parser.add_argument("--version", action="version", version=f"pimalign {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_index(sub)
    _add_align(sub)
    from .editdist import add_editdist

    add_editdist(sub)
    from .pim import add_parser as _add_pim

    _add_pim(sub)
    from .compile import add_compile

    add_compile(sub, main)  # compile runs every command through main
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code (see module doc).

    With ``argv`` None (the program itself) SIGINT and SIGTERM delete temporary outputs and exit
    130 at once (``interrupt``); a Python caller passing ``argv`` keeps its own signal handling.
    """
    if argv is None:
        from .. import interrupt

        interrupt.install()
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("pimalign: interrupted", file=sys.stderr)
        return EXIT_INTERRUPT
    if argv is None:
        interrupt.set_command(args.command)
    from .args import MESSAGES, set_verbosity

    set_verbosity(MESSAGES)  # align's -v sets it per run (main may run many times in a process)
    started = _LOADED if argv is None else time.time()  # the program: from its start, as minimap2
    from ..runtime import jitcache

    command = " ".join(filter(None, (args.command, getattr(args, "pim_command", None))))
    first = jitcache.announce(command, _log)
    try:
        code = args.func(args)
    except OptionError as err:  # a bwa option that cannot apply: one line naming it
        print(f"pimalign {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except _UsageError as err:
        parser.print_usage(sys.stderr)
        print(f"pimalign {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"pimalign {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPT
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error of ours.
        sys.stderr.close()
        return EXIT_OK
    except (InputError, OSError, ValueError) as err:
        # Bad input and I/O failures exit 1; a ValueError is a bad option value (usage, 2).
        if args.debug:
            raise
        print(f"pimalign {args.command}: error: {_describe(err, args)}", file=sys.stderr)
        return EXIT_USAGE if isinstance(err, ValueError) else EXIT_INPUT
    if first and code == EXIT_OK:
        jitcache.mark(command)
    summary = getattr(args, "summary", None)
    _log(_final_line(started, summary))
    return code


def _final_line(started: float, summary: dict | None = None) -> str:
    """The run's last line, as minimap2's: real time, CPU time, peak memory (and, for align,
    reads, mapped % and properly paired % of the primary records)."""
    import resource

    cpu = sum(os.times()[:4])
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    line = (
        f"Real time: {time.time() - started:.3f} sec; CPU: {cpu:.3f} sec; "
        f"Peak RSS: {peak / 1024**2:.3f} GB"
    )
    if summary:
        reads = summary["reads"]
        line += f"; {reads:,} reads, {_pct(summary['mapped'], reads)} mapped"
        if summary["paired"]:
            line += f", {_pct(summary['proper'], summary['paired'])} properly paired"
    return line


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.2f}%" if d else "n/a"
