"""Argument types shared by the command lines: every number has a documented range."""

from __future__ import annotations

import argparse

MAX_THREADS = 1024


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
