"""Mapping parameters and the presets that name them (``-x sr``).

Each parameter is declared once, here: its default, the text ``pimalign align -h`` shows and the
range of values it accepts (the command line and ``Aligner`` both check it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from ..kernels.options import Scoring, Search

MIN_MID_OCC = 10  # minimap2's floor under the frequency cut-off


def _knob(default: int, help_text: str, low: int, high: int):
    return field(default=default, metadata={"help": help_text, "range": (low, high)})


@dataclass(frozen=True)
class MapParams:
    """Every knob of ``pimalign align``; units are bases unless stated.

    Scoring follows bwa mem: ``match`` added per matching base, ``mismatch`` subtracted per
    mismatch, ``ambiguous`` per base against an N, a gap of length L costs
    ``gap_open + L * gap_extend``, and a read end is soft-clipped when that scores more than
    ``clip5``/``clip3`` (the penalty decides the clip, never ``AS``). Alignments scoring below
    ``min_score`` are not reported, except a mate placed in a proper pair (bwa's ``-T``).
    """

    k: int = _knob(19, "minimizer k-mer length (the index's when REF is an index)", 5, 28)
    w: int = _knob(10, "minimizer window (k-mers)", 1, 255)
    mid_occ: int = _knob(
        0,
        "minimizers more frequent than this seed a read only as the rarest of a streak (0: the "
        "index's cut-off, at its most frequent 2e-4 fraction, at least 10)",
        0,
        10**9,
    )
    max_occ: int = _knob(5000, "never seed with minimizers more frequent than this", 1, 10**9)
    max_gap: int = _knob(30, "seed hits on diagonals this close form one candidate", 0, 10_000)
    max_cand: int = _knob(8, "candidate loci extended per read", 1, 64)
    drop_pct: int = _knob(
        50, "skip loci with fewer seed votes than this %% of the best (bwa -D)", 0, 100
    )
    pad: int = _knob(6, "reference bases added each side of an extension window", 0, 1000)
    band: int = _knob(
        8, "initial half-width of the adaptive band (it widens, stays exact)", 1, 1000
    )
    match: int = _knob(1, "match score (bwa -A)", 1, 100)
    mismatch: int = _knob(4, "mismatch penalty (bwa -B)", 0, 100)
    gap_open: int = _knob(6, "gap open penalty (bwa -O)", 0, 100)
    gap_extend: int = _knob(1, "gap extension penalty (bwa -E)", 0, 100)
    ambiguous: int = _knob(1, "penalty of a base against an N (bwa: 1, whatever -B is)", 0, 100)
    clip5: int = _knob(5, "5' clipping penalty (bwa -L)", 0, 1000)
    clip3: int = _knob(5, "3' clipping penalty (bwa -L)", 0, 1000)
    min_score: int = _knob(30, "minimum score to report (bwa -T)", 0, 100_000)
    unpaired: int = _knob(17, "penalty for placing a pair's ends unpaired (bwa -U)", 0, 1000)
    secondary: int = _knob(0, "secondary records per read (minimap2 -N; bwa: none)", 0, 100)
    secondary_pct: int = _knob(
        80, "secondary records score at least this %% of the primary", 0, 100
    )
    max_read_len: int = _knob(10_000, "longest read accepted (a short-read mapper)", 1, 1_000_000)
    rescue: bool = True  # mate rescue inside the proper-pair window (--no-rescue)
    # --workload: every extension's bit width over its whole band, as the PIM model needs
    # (otherwise the DP skips cells that cannot reach the ungapped score: same alignments)
    band_bits: bool = False
    # the knobs set by name (``preset``'s overrides): an index's own k and w replace the
    # defaults, never a value asked for (a different one is an error, ``run.open_index``)
    explicit: frozenset = field(default=frozenset(), compare=False)

    def check(self) -> "MapParams":
        for f in knobs():
            value = getattr(self, f.name)
            low, high = f.metadata["range"]
            if not low <= value <= high:
                raise ValueError(
                    f"{f.name.replace('_', '-')} must be in {low}..{high}, got {value}"
                )
        return self

    def asked(self, name: str) -> int | None:
        """The value of knob ``name`` when it was set by name, else None (the default)."""
        return getattr(self, name) if name in self.explicit else None

    @property
    def scoring(self) -> Scoring:
        return Scoring(
            self.match,
            self.mismatch,
            self.gap_open,
            self.gap_extend,
            self.clip5,
            self.clip3,
            self.ambiguous,
        )

    def search(self, occ_threshold: int) -> Search:
        """The kernels' search record; ``occ_threshold`` is the index's frequency cut-off."""
        mid = self.mid_occ or max(MIN_MID_OCC, occ_threshold)
        return Search(
            self.k,
            self.w,
            mid,
            self.max_occ,
            self.max_gap,
            self.max_cand,
            self.drop_pct,
            self.pad,
            self.band,
            self.min_score,
            not self.band_bits,
        )


def knobs():
    """The integer parameters (each a ``--flag`` of ``pimalign align``), in declaration order."""
    return [f for f in fields(MapParams) if "range" in f.metadata]


PRESETS = {
    # Illumina-like short reads (50-300 bp), bwa mem's scoring.
    "sr": MapParams(),
}


def preset(name: str, **overrides) -> MapParams:
    """The named preset with ``overrides`` (``None`` values ignored) applied and checked."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}")
    unknown = set(overrides) - ({f.name for f in fields(MapParams)} - {"explicit"})
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(sorted(unknown))}")
    changes = {key: value for key, value in overrides.items() if value is not None}
    return replace(PRESETS[name], **changes, explicit=frozenset(changes)).check()
