"""Argument types shared by the command lines: every number has a documented range."""

from __future__ import annotations

import argparse

MAX_THREADS = 1024


def ranged(low: int, high: int):
    """An argparse type: an integer in ``low..high`` (the message names the range)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be in {low}..{high}, got {value}")
        return value

    parse.__name__ = f"integer in {low}..{high}"
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
