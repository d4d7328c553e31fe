"""Mapping parameters and the presets that name them (``-x sr``)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ..kernels.options import Scoring, Search


@dataclass(frozen=True)
class MapParams:
    """Every knob of ``pimalign align``; units are bases unless stated.

    Scoring follows bwa mem: ``match`` added per matching base, ``mismatch`` subtracted per
    mismatch, ``ambiguous`` per base against an N, a gap of length L costs
    ``gap_open + L * gap_extend``, and a read end is soft-clipped when that scores more than
    ``clip5``/``clip3`` (the penalty decides the clip, never ``AS``). Alignments scoring below
    ``min_score`` are not reported, except a mate placed in a proper pair (bwa's ``-T``).
    """

    k: int = 19  # minimizer k-mer length
    w: int = 10  # minimizer window (k-mers)
    max_occ: int = 500  # minimizers seen more often in the reference are not used as seeds
    max_gap: int = 30  # seed hits on diagonals this close belong to one candidate
    max_cand: int = 8  # candidate loci extended per read
    drop_pct: int = 50  # clusters with fewer seed votes than this % of the best are skipped
    pad: int = 6  # reference bases added each side of a candidate's extension window
    band: int = 8  # initial half-width of the adaptive band (widens when needed, stays exact)
    match: int = 1
    mismatch: int = 4
    gap_open: int = 6
    gap_extend: int = 1
    ambiguous: int = 1  # penalty of a base against an N (bwa: 1, whatever -B is)
    clip5: int = 5
    clip3: int = 5
    min_score: int = 30
    unpaired: int = 17  # penalty for reporting a pair's ends as unpaired (bwa -U)
    secondary: int = 0  # secondary records per read (bwa: none; minimap2 -N)
    secondary_pct: int = 80  # ... scoring at least this % of the primary
    rescue: bool = True  # mate rescue inside the expected insert window
    max_read_len: int = 10_000  # longer reads are an input error (use a long-read mapper)

    def check(self) -> "MapParams":
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                continue
            low = 1 if f.name in ("k", "w", "max_occ", "max_cand", "band", "max_read_len",
                                  "match") else 0
            if value < low:
                raise ValueError(f"{f.name.replace('_', '-')} must be >= {low}, got {value}")
        if not 5 <= self.k <= 28:
            raise ValueError(f"k must be in 5..28, got {self.k}")
        return self

    @property
    def scoring(self) -> Scoring:
        return Scoring(self.match, self.mismatch, self.gap_open, self.gap_extend, self.clip5,
                       self.clip3, self.ambiguous)

    @property
    def search(self) -> Search:
        return Search(self.k, self.w, self.max_occ, self.max_gap, self.max_cand, self.drop_pct,
                      self.pad, self.band, self.min_score)


PRESETS = {
    # Illumina-like short reads (50-300 bp), bwa mem's scoring.
    "sr": MapParams(),
}


def preset(name: str, **overrides) -> MapParams:
    """The named preset with ``overrides`` (``None`` values ignored) applied and checked."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}")
    changes = {key: value for key, value in overrides.items() if value is not None}
    return replace(PRESETS[name], **changes).check()
