"""Shared by the command lines: argument types (every number has a documented range), exit
codes, the usage error and the progress line."""

from __future__ import annotations

import argparse
import sys

MAX_THREADS = 1024
EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERRUPT = 0, 1, 2, 130


class UsageError(Exception):
    """A usage error found after parsing (``cli.main`` prints the usage and exits 2)."""


class OptionError(UsageError):
    """An option that cannot apply (``cli.main`` prints this one line, no usage, exits 2)."""


# bwa mem's -v levels: 1 errors, 2 warnings, 3 messages (the default), 4 and up per-chunk lines
ERRORS, WARNINGS, MESSAGES, DEBUG = 1, 2, 3, 4
_verbosity = [MESSAGES]


def set_verbosity(level: int) -> None:
    """Show log lines of ``level`` and below from now on (errors are always shown)."""
    _verbosity[0] = level


def verbosity() -> int:
    return _verbosity[0]


def log(message: str, level: int = MESSAGES) -> None:
    """One progress line on stderr, shown when the verbosity is at least ``level``."""
    if level <= _verbosity[0]:
        print(f"[pimalign] {message}", file=sys.stderr)


def warn(message: str) -> None:
    """A warning line (shown from ``-v 2``)."""
    log(f"warning: {message}", WARNINGS)


def ranged(low, high, kind=int):
    """An argparse type: an integer (or ``kind=float``, a finite number) in ``low..high``
    (the message names the range)."""
    noun = "an integer" if kind is int else "a number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
        if not low <= value <= high:  # nan fails this too
            raise argparse.ArgumentTypeError(f"must be in {low}..{high}, got {value}")
        return value

    parse.__name__ = f"{noun[3:] if kind is int else noun[2:]} in {low}..{high}"
    return parse


def ranged_list(low: int, high: int, words: tuple = ()):
    """An argparse type: comma-separated integers in ``low..high`` (or one of ``words``)."""
    one = ranged(low, high)

    def parse(text: str) -> list:
        out = []
        for part in (x.strip() for x in text.split(",")):
            if part in words:
                out.append(part)
            elif part:
                out.append(one(part))
        if not out:
            raise argparse.ArgumentTypeError("expected at least one value")
        return out

    parse.__name__ = f"list of integers in {low}..{high}"
    return parse


threads = ranged(1, MAX_THREADS)


def add_band_option(parser, what: str = "initial half-width of the adaptive band") -> None:
    """``--band`` (1..10000, default 8) on ``parser``: one definition for editdist and pim."""
    parser.add_argument("--band", type=ranged(1, 10_000), default=8, help=f"{what} (1..10000)")
