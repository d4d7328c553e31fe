"""Mapping parameters and the presets that name them (``-x sr``)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class MapParams:
    """Every knob of ``pimalign align``; units are bases unless stated.

    Scoring follows bwa mem: ``match`` added per matching base, ``mismatch`` subtracted per
    mismatch, a gap of length L costs ``gap_open + L * gap_extend``, and a read end may be
    soft-clipped for ``clip5``/``clip3``. Alignments scoring below ``min_score`` are not reported.
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
