"""``bwa mem``'s options on ``pimalign align``: spelled as bwa spells them, in bwa's units.

``OPTIONS`` is the one table of every bwa mem option (0.7.17's usage): what bwa means by it and
what pimalign does with it. Each option either takes bwa's meaning, is accepted at bwa's
default only (pimalign's default behaviour stands in for bwa's), or is an ``OptionError``: one
line naming it, exit 2. None is ignored where it would change the output. The README's table
is this one.
"""

from __future__ import annotations

import argparse
import re

from .args import OptionError, ranged

# flag, bwa's meaning, pimalign
OPTIONS = (
    ("-t INT", "number of threads [1]", "same (default: all cores)"),
    (
        "-k INT",
        "minimum seed length [19]",
        "minimizer length `--k` (5..28); with an index it must equal the index's",
    ),
    (
        "-w INT",
        "band width [100]",
        "accepted at 100 only: the band widens until exact (pimalign's minimizer window is `--w`)",
    ),
    ("-d INT", "off-diagonal X-dropoff [100]", "accepted at 100 (x `-A`) only: no X-drop"),
    ("-r FLOAT", "re-seed inside seeds longer than k * FLOAT [1.5]", "accepted at 1.5 only"),
    ("-y INT", "seed occurrence for the 3rd round seeding [20]", "accepted at 20 only"),
    (
        "-c INT",
        "skip seeds with more than INT occurrences [500]",
        "same, `--max-occ` (pimalign's default 5000)",
    ),
    (
        "-D FLOAT",
        "drop chains shorter than FLOAT of the longest [0.50]",
        "same, `--drop-pct` (rounded to a whole percent)",
    ),
    ("-W INT", "discard a chain with fewer seeded bases [0]", "accepted at 0 only"),
    ("-m INT", "rounds of mate rescue [50]", "accepted at 50 only"),
    ("-S", "skip mate rescue", "same, `--no-rescue`"),
    ("-P", "skip pairing (rescue only)", "error: not implemented"),
    ("-A INT", "match score, scales -TdBOELU unless given [1]", "same (scales them too)"),
    ("-B INT", "mismatch penalty [4]", "same, `--mismatch`"),
    (
        "-O INT[,INT]",
        "gap open, deletions and insertions [6,6]",
        "same, `--gap-open`; two different values: error",
    ),
    ("-E INT[,INT]", "gap extension [1,1]", "same, `--gap-extend`; two different values: error"),
    ("-L INT[,INT]", "5' and 3' clipping penalties [5,5]", "same, `--clip5`, `--clip3`"),
    ("-U INT", "penalty for an unpaired read pair [17]", "same, `--unpaired`"),
    (
        "-x STR",
        "read type: pacbio, ont2d, intractg",
        "`sr` (default), `intractg` (-B9 -O16 -L5); pacbio, ont2d: error (short reads only)",
    ),
    (
        "-p",
        "smart pairing: interleaved pairs in one file",
        "interleaved pairs (mates named alike, strictly alternating)",
    ),
    ("-R STR", "read group header line", "same"),
    ("-H STR/FILE", "header lines (STR starting with @, or a FILE)", "same (not @HD, @SQ, @PG)"),
    ("-o FILE", "output file [stdout]", "same; the extension picks SAM, BAM or CRAM"),
    ("-j", "ignore the .alt file", "always so (pimalign reads no .alt file): accepted"),
    ("-5", "smallest query coordinate as primary of a split alignment", "error: not implemented"),
    (
        "-q",
        "keep the MAPQ of supplementary alignments",
        "error: not implemented (capped at the primary's, as bwa's default)",
    ),
    (
        "-K INT",
        "input bases per batch, for reproducibility",
        "accepted, no effect: output never depends on batching or threads",
    ),
    (
        "-v INT",
        "verbosity: 1 error, 2 warning, 3 message, 4+ debug [3]",
        "same (4: a line per chunk, `--verbose`)",
    ),
    ("-T INT", "minimum score to output [30]", "same, `--min-score`"),
    (
        "-h INT[,INT]",
        "XA hits limits [5,200]",
        "same: `XA` lists up to INT alternative hits "
        "scoring >= 80% of the primary (the second INT, for ALT hits, has no use: no .alt); a "
        "bare -h is help",
    ),
    (
        "-a",
        "output all alignments for SE or unpaired PE",
        "same: secondary records (score "
        ">= -D of the primary, at most `--max-cand`), not for the ends of a proper pair",
    ),
    ("-C", "append the FASTA/FASTQ comment to SAM", "same (the comment must be SAM tags)"),
    ("-V", "reference FASTA header in the XR tag", "error: not implemented"),
    ("-Y", "soft clipping for supplementary alignments", "same (default: hard clips, as bwa)"),
    ("-M", "mark shorter split hits as secondary", "same: flag 0x100 instead of 0x800"),
    ("-I FLOAT[,FLOAT[,INT[,INT]]]", "insert size mean, sd, max, min", "same"),
)

# options accepted only at bwa's default (pimalign's behaviour stands in for it)
AT_DEFAULT = {"w": 100, "d": 100, "r": 1.5, "y": 20, "W": 0, "m": 50}
# options pimalign does not implement: the reason named in the error
REFUSED = {
    "P": "-P (skip pairing) is not implemented",
    "five": "-5 (smallest query coordinate as primary) is not implemented",
    "q": "-q (keep supplementary MAPQ) is not implemented: supplementary MAPQ is capped at "
    "the primary's, as bwa's default",
    "V": "-V (XR tag) is not implemented",
}
# -A scales these defaults, unless given (bwa mem's rule)
SCALED = ("mismatch", "gap_open", "gap_extend", "clip5", "clip3", "unpaired", "min_score")
BWA_PRESETS = {  # bwa's -x values that apply to short reads, as knob values
    "intractg": {"mismatch": 9, "gap_open": 16, "clip5": 5, "clip3": 5},
}
LONG_READ_PRESETS = ("pacbio", "ont2d")
XA_LIMITS = re.compile(r"^\d+(,\d+)?$")


def pair_of(flag: str):
    """An argparse type: ``INT[,INT]`` (bwa's -O, -E, -L) -> a tuple of one or two ints."""

    def parse(text: str) -> tuple:
        parts = text.split(",")
        if len(parts) > 2 or not all(p.strip().isdigit() for p in parts):
            raise argparse.ArgumentTypeError(f"{flag} expects INT[,INT], got {text!r}")
        return tuple(int(p) for p in parts)

    parse.__name__ = "INT[,INT]"
    return parse


class _BwaHelp(argparse.Action):
    """``-h``: bare, the help (exit 0); with ``INT[,INT]``, bwa's XA hit limits."""

    def __call__(self, parser, namespace, values, option_string=None):
        if values is None or not XA_LIMITS.match(values):
            parser.print_help()
            parser.exit()
        setattr(namespace, self.dest, values)


def add_options(p, group) -> None:
    """bwa mem's options not spelled on a knob (see ``cli._add_align``)."""
    p.add_argument(
        "-h",
        nargs="?",
        dest="xa_limits",
        metavar="INT[,INT]",
        action=_BwaHelp,
        help="alone: show this help; bwa's -h INT[,INT]: XA lists up to INT alternative hits "
        "scoring >= 80%% of the primary (default 5; none with -a or --secondary)",
    )
    p.add_argument("--help", action="help", help="show this help and exit")
    nd = "%(default).0s"  # no "(default: None)"
    group.add_argument(
        "-A",
        type=ranged(1, 100),
        metavar="INT",
        help="match score; scales -TBOELU unless given" + nd,
    )
    for flag, what in (
        ("-O", "gap open (--gap-open); one value, or two equal ones"),
        ("-E", "gap extension (--gap-extend); one value, or two equal ones"),
        ("-L", "5' and 3' clipping penalties (--clip5, --clip3)"),
    ):
        group.add_argument(flag, type=pair_of(flag), metavar="INT[,INT]", help=what + nd)
    group.add_argument(
        "-D", type=ranged(0.0, 1.0, float), metavar="FLOAT", help="--drop-pct / 100" + nd
    )
    for name, kind in (("w", int), ("d", int), ("r", float), ("y", int), ("W", int), ("m", int)):
        group.add_argument(
            "-" + name,
            dest="bwa_" + name,
            type=ranged(0, 10**9, kind),
            metavar=kind.__name__.upper(),
            help=f"accepted at bwa's default {AT_DEFAULT[name]} only ({_WHY[name]})" + nd,
        )
    b = p.add_argument_group("bwa mem input/output options")
    flags = (
        ("-p", "interleaved", "interleaved pairs in one file (mates alternate, named alike)"),
        ("-j", "j", "ignore ALT contigs: always so, pimalign reads no .alt file"),
        ("-a", "all", "all alignments: secondary records, single ends and unpaired ends"),
        ("-C", "comment", "append each read's FASTQ/FASTA comment (SAM tags) to its records"),
        ("-Y", "soft_supp", "soft clips (and the whole SEQ) in supplementary records"),
        ("-M", "split_secondary", "flag split hits' supplementary records 0x100, not 0x800"),
    )
    for flag, dest, what in flags:
        b.add_argument(flag, dest=dest, action="store_true", help=what + nd)
    b.add_argument(
        "-H", dest="header", action="append", metavar="STR/FILE", help="header lines" + nd
    )
    b.add_argument(
        "-K",
        type=ranged(1, 10**15),
        metavar="INT",
        help="accepted, no effect: the output never depends on batching or threads" + nd,
    )
    for name, dest in (("P", "P"), ("5", "five"), ("q", "q"), ("V", "V")):
        b.add_argument(
            "-" + name,
            dest="bwa_" + dest,
            action="store_true",
            help="refused: not implemented" + nd,
        )


def _one(flag: str, values: tuple | None, long: str):
    """``INT[,INT]`` of an option pimalign holds as one number (-O, -E)."""
    if values is None:
        return None
    if len(set(values)) > 1:
        raise OptionError(
            f"{flag} {','.join(map(str, values))}: separate deletion and insertion penalties "
            f"are not implemented; give one value ({long})"
        )
    return values[0]


def overrides(args, defaults) -> dict:
    """The knob values bwa's options ask for (``defaults``: the preset's ``MapParams``), after
    checking the options pimalign cannot apply (an ``OptionError`` names each). A knob's long
    flag (``--mismatch``) given beside them wins (the caller applies those last)."""
    for dest, reason in REFUSED.items():
        if getattr(args, "bwa_" + dest):
            raise OptionError(reason)
    out = {}
    preset = args.preset
    if preset in LONG_READ_PRESETS:
        raise OptionError(f"-x {preset}: pimalign maps short reads only (-x sr or intractg)")
    preset_set = set(BWA_PRESETS.get(preset, {}))
    if preset in BWA_PRESETS:
        out.update(BWA_PRESETS[preset])
    elif preset != "sr":
        raise OptionError(f"-x {preset}: unknown read type (sr, intractg)")
    mine = {}  # what bwa's options given here set
    for long, value in (
        ("gap_open", _one("-O", args.O, "--gap-open")),
        ("gap_extend", _one("-E", args.E, "--gap-extend")),
    ):
        if value is not None:
            mine[long] = value
    if args.L is not None:
        mine["clip5"], mine["clip3"] = args.L[0], args.L[-1]
    if args.D is not None:
        mine["drop_pct"] = int(round(args.D * 100))
    out.update(mine)
    preset_set -= set(mine)
    user = {n for n in SCALED if getattr(args, n, None) is not None} | (set(out) - preset_set)
    scale = args.A or 1
    if args.A is not None:  # bwa: -A scales the others unless given (a preset's are scaled)
        out["match"] = args.A
        for name in SCALED:
            if name not in user:
                out[name] = out.get(name, getattr(defaults, name)) * scale
    if args.all:  # bwa -a: every alignment scoring at least -D of the primary
        out["secondary"] = defaults.max_cand
        out["secondary_pct"] = out.get("drop_pct", defaults.drop_pct)
    for name, default in AT_DEFAULT.items():
        value = getattr(args, "bwa_" + name)
        allowed = (default, default * scale) if name == "d" else (default,)
        if value is not None and value not in allowed:
            raise OptionError(
                f"-{name} {value:g}: only bwa's default -{name} {default} is accepted "
                f"({_WHY[name]})"
            )
    return out


_WHY = {
    "w": "pimalign's band widens until the alignment is exact",
    "d": "pimalign's extension has no X-drop",
    "r": "pimalign re-seeds by its own rules",
    "y": "pimalign re-seeds by its own rules",
    "W": "not implemented",
    "m": "pimalign rescues each mate once, in its proper-pair window",
}


XA_DEFAULT = 5  # bwa's -h
XA_PCT = 80  # bwa's XA_drop_ratio


def xa_limit(args) -> int:
    """Alternative hits listed in ``XA`` (bwa ``-h``; 0: no XA, as with ``-a`` or explicit
    secondary records)."""
    if args.all or args.secondary is not None:
        return 0
    if args.xa_limits is None:
        return XA_DEFAULT
    limit = int(args.xa_limits.split(",")[0])
    if limit > MAX_XA:
        raise OptionError(f"-h {args.xa_limits}: at most {MAX_XA} XA hits (--max-cand - 1)")
    return limit


MAX_XA = 7  # a read keeps --max-cand 8 candidates: the primary and 7 others


def header_lines(values: list | None) -> list[str]:
    """bwa's ``-H``: a line starting with @ (``\\t`` as tab), else a file of lines."""
    lines: list[str] = []
    for value in values or ():
        if value.startswith("@"):
            lines += value.replace("\\t", "\t").split("\n")
        else:
            try:
                with open(value) as handle:
                    lines += handle.read().splitlines()
            except OSError as err:
                raise OptionError(f"-H {value}: {err.strerror or err}") from None
    out = []
    for line in (x.rstrip("\r") for x in lines):
        if not line:
            continue
        tag = line[:3]
        if not re.match(r"^@[A-Za-z][A-Za-z]$", tag) or (len(line) > 3 and line[3] != "\t"):
            raise OptionError(f"-H: {line[:40]!r} is not a SAM header line (@XY\\tTAG:VALUE)")
        if tag in ("@HD", "@SQ", "@PG"):
            raise OptionError(f"-H: {tag} lines are written by pimalign itself")
        out.append(line)
    return out
