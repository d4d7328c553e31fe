"""A seeded, repeat-rich synthetic genome of any size, human-like in its repeats.

On a background of random bases (41% GC) it lays, in this order:

- an Alu-like family: a 300 bp consensus copied at random places and orientations until copies
  cover ``--alu`` of the bases (12%), each copy 10-18% diverged (substitutions, 1% small indels)
  and sometimes 5'-truncated;
- LINE-like fragments of a 6 kb consensus (lengths exponential, mean 900 bp), 5-20% diverged,
  covering ``--line`` (10%);
- tandem repeats: units of 2-60 bp repeated over 100-3,000 bp, 1-8% diverged (2%);
- segmental duplications: 10-60 kb pieces of the genome copied elsewhere, 1-4% diverged (3%);
- N gaps of 1-20 kb (0.3%).

Contigs: ``--contigs`` pieces of uneven lengths. Output: FASTA, 80 bases a line.

Usage:
    python benchmarks/make_genome.py --size 200000000 --seed 1 -o genome200.fa
"""

from __future__ import annotations

import argparse

import numpy as np

BASES = np.frombuffer(b"ACGTN", dtype=np.uint8)


def random_bases(rng, n: int, gc: float = 0.41) -> np.ndarray:
    """``n`` random codes with the given GC content (made 16 Mb at a time: memory stays low)."""
    cdf = np.cumsum([(1 - gc) / 2, gc / 2, gc / 2])
    out = np.empty(n, dtype=np.uint8)
    for start in range(0, n, 1 << 24):
        part = rng.random(min(1 << 24, n - start), dtype=np.float32)
        out[start : start + part.size] = np.searchsorted(cdf, part)
    return out


def diverge(rng, seq: np.ndarray, rate: float, indel: float = 0.0) -> np.ndarray:
    """A copy of ``seq`` with ``rate`` substitutions per base and ``indel`` 1-3 bp indels."""
    out = seq.copy()
    hit = rng.random(out.size) < rate
    out[hit] = (out[hit] + rng.integers(1, 4, size=int(hit.sum()), dtype=np.uint8)) % 4
    if indel > 0:
        for pos in np.sort(rng.choice(out.size, size=int(out.size * indel), replace=False))[::-1]:
            if rng.random() < 0.5:
                out = np.delete(out, slice(pos, pos + rng.integers(1, 4)))
            else:
                out = np.insert(out, pos, random_bases(rng, int(rng.integers(1, 4))))
    return out


def revcomp(seq: np.ndarray) -> np.ndarray:
    return (3 - seq[::-1]).astype(np.uint8)


def lay(rng, genome: np.ndarray, piece: np.ndarray) -> None:
    """Overwrite a random place of ``genome`` with ``piece`` (random orientation)."""
    if piece.size >= genome.size:
        return
    if rng.random() < 0.5:
        piece = revcomp(piece)
    start = int(rng.integers(0, genome.size - piece.size))
    genome[start : start + piece.size] = piece


def make(
    size: int, seed: int, alu: float, line: float, tandem: float, segdup: float, gaps: float
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    genome = random_bases(rng, size)
    alu_consensus = random_bases(rng, 300, gc=0.52)
    covered = 0
    while covered < alu * size:
        copy = alu_consensus[int(rng.integers(0, 60)) if rng.random() < 0.3 else 0 :]
        copy = diverge(rng, copy, rng.uniform(0.10, 0.18), indel=0.01)
        lay(rng, genome, copy)
        covered += copy.size
    line_consensus = random_bases(rng, 6000, gc=0.38)
    covered = 0
    while covered < line * size:
        length = int(min(6000, max(100, rng.exponential(900))))
        frag = line_consensus[6000 - length :]
        lay(rng, genome, diverge(rng, frag, rng.uniform(0.05, 0.20)))
        covered += length
    covered = 0
    while covered < tandem * size:
        unit = random_bases(rng, int(rng.integers(2, 61)))
        copies = int(rng.integers(100, 3000)) // unit.size + 2
        lay(rng, genome, diverge(rng, np.tile(unit, copies), rng.uniform(0.01, 0.08)))
        covered += unit.size * copies
    covered = 0
    while covered < segdup * size and size > 200_000:
        length = int(rng.integers(10_000, 60_000))
        start = int(rng.integers(0, size - length))
        lay(rng, genome, diverge(rng, genome[start : start + length], rng.uniform(0.01, 0.04)))
        covered += length
    covered = 0
    while covered < gaps * size:
        length = int(rng.integers(1_000, 20_000))
        start = int(rng.integers(0, max(1, size - length)))
        genome[start : start + length] = 4
        covered += length
    return genome


def contig_sizes(rng, size: int, contigs: int) -> list[int]:
    weights = rng.uniform(0.3, 1.0, size=contigs)
    sizes = np.floor(weights / weights.sum() * size).astype(np.int64)
    sizes[0] += size - sizes.sum()
    return sizes.tolist()


def write_fasta(path: str, genome: np.ndarray, sizes: list[int], width: int = 80) -> None:
    with open(path, "wb") as out:
        start = 0
        for number, length in enumerate(sizes, start=1):
            text = BASES[genome[start : start + length]]
            start += length
            out.write(f">chr{number} synthetic, seeded\n".encode())
            full = length // width * width
            lines = np.full((full // width, width + 1), ord("\n"), dtype=np.uint8)
            lines[:, :width] = text[:full].reshape(-1, width)
            out.write(lines.tobytes())
            if full < length:
                out.write(text[full:].tobytes() + b"\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, required=True, help="bases in all")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--contigs", type=int, default=0, help="default: one per 10 Mb, 2 at least")
    ap.add_argument("--alu", type=float, default=0.12)
    ap.add_argument("--line", type=float, default=0.10)
    ap.add_argument("--tandem", type=float, default=0.02)
    ap.add_argument("--segdup", type=float, default=0.03)
    ap.add_argument("--gaps", type=float, default=0.003)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args(argv)
    genome = make(args.size, args.seed, args.alu, args.line, args.tandem, args.segdup, args.gaps)
    contigs = args.contigs or max(2, args.size // 10_000_000)
    write_fasta(
        args.output, genome, contig_sizes(np.random.default_rng(args.seed), args.size, contigs)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
