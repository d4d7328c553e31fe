"""Closed-form gate counts of the bit-serial primitives (``primitives``), and their counter.

``Cost`` holds gate and move counts (ints or numpy arrays, so a formula can run over many band
widths at once); ``cost_*`` give what ``primitives.Machine`` counts when it executes the same
primitive (tests pin them to each other); ``ops_table`` lists them for ``pimalign pim ops``.
Counters, cycles and switched cells are defined in ``primitives``' docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

INIT_POLICIES = ("per-gate", "bulk")


@dataclass(frozen=True)
class Cost:
    """Gate and move counts; fields may be ints or numpy arrays (vectorised formulas)."""

    nor: object = 0
    not_: object = 0
    const: object = 0
    groups: object = 0
    moves: object = 0

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Cost)))

    def __mul__(self, k) -> "Cost":
        return Cost(*(getattr(self, f.name) * k for f in fields(Cost)))

    __rmul__ = __mul__

    def vec(self, k) -> "Cost":
        """The same operation on ``k`` column groups: gates and constants times k, one bulk
        group."""
        return Cost(self.nor * k, self.not_ * k, self.const * k, self.groups, self.moves * k)

    @property
    def gates(self):
        return self.nor + self.not_

    @property
    def switched(self):
        """Cells switched: every gate output, its INIT, and every constant INIT."""
        return 2 * self.gates + self.const

    def cycles(self, policy: str = "per-gate", move_cycles=0):
        if policy == "per-gate":
            logic = 2 * self.gates + self.const
        elif policy == "bulk":
            logic = self.gates + self.groups
        else:
            raise ValueError(
                f"unknown init policy {policy!r}: choose one of {', '.join(INIT_POLICIES)}"
            )
        return logic + self.moves * move_cycles

    def as_dict(self) -> dict:
        return {f.name: int(getattr(self, f.name)) for f in fields(Cost)}


ZERO = Cost()


# --------------------------------------------------------------------------------------------
# Closed forms (N bits; ``k`` column groups where the primitive is vectorised).
# --------------------------------------------------------------------------------------------


def cost_not(k=1):
    return Cost(not_=1, groups=1).vec(k)


def cost_nor(k=1):
    return Cost(nor=1, groups=1).vec(k)


def cost_or(k=1):
    return Cost(nor=1, not_=1, groups=1).vec(k)


def cost_and(k=1):
    return Cost(nor=1, not_=2, groups=1).vec(k)


def cost_and_not(k=1):
    return Cost(nor=1, not_=1, groups=1).vec(k)


def cost_and_bcast(flags, cols):
    """``flags`` flag columns each ANDed into its share of ``cols`` columns."""
    return Cost(nor=cols, not_=flags + cols, groups=1)


def cost_pick(k=1):
    return Cost(nor=2, not_=2, groups=1).vec(k)


def cost_add(n, k=1):
    return Cost(nor=9 * n, const=1, groups=2).vec(k)


def cost_sub(n, k=1):
    return Cost(nor=9 * n, not_=n, const=1, groups=2).vec(k)


def cost_lt(n, k=1):
    return Cost(nor=6 * n, not_=n, const=1, groups=2).vec(k)


def cost_eq(n, k=1):
    return Cost(nor=4 * n + (n - 1), not_=2 * (n - 1), groups=1).vec(k)


def cost_mux(n, k=1):
    return Cost(nor=3 * n, not_=1, groups=1).vec(k)


def cost_inc_bit(n, k=1):
    return Cost(nor=5 * n, not_=n, groups=1).vec(k)


def cost_dec_bit(n, k=1):
    return Cost(nor=4 * n, not_=n, groups=1).vec(k)


def cost_inc1(n, k=1):
    return Cost(nor=5 * (n - 1), not_=n, groups=1).vec(k)


def cost_or_reduce(n, k=1):
    """OR of ``n`` flags (``n - 1`` ORs); one group even when ``n == 1`` (no gates)."""
    return Cost(nor=n - 1, not_=n - 1, groups=1).vec(k)


def cost_copy(n, k=1):
    return Cost(not_=2 * n, groups=1).vec(k)


def cost_cond_shift(entries, width):
    return Cost(nor=3 * entries * width, not_=1, groups=1)


def cost_const(bits):
    return Cost(const=bits, groups=2)


def cost_move(bits):
    return Cost(moves=bits)


def cost_min(n, k=1):
    """``min(a, b)`` of N-bit values: compare then select."""
    return cost_lt(n, k) + cost_mux(n, k)


OPS = {
    "add": ("N-bit addition (ripple, 9-NOR full adder)", cost_add),
    "subtract": ("N-bit subtraction (a + ~b + 1)", cost_sub),
    "compare": ("N-bit unsigned a < b (carry chain only)", cost_lt),
    "equal": ("N-bit equality (XNOR + AND chain)", cost_eq),
    "min": ("N-bit minimum (compare + mux)", cost_min),
    "mux": ("N-bit select s ? a : b", cost_mux),
    "increment": ("N-bit a + c, c one bit (half adders)", cost_inc_bit),
    "decrement": ("N-bit a - d, d one bit (half subtractors)", cost_dec_bit),
    "copy": ("copy N bits to other columns of the row (2 NOT)", cost_copy),
    "shift": (
        "conditional shift of N one-bit entries by one column",
        lambda n: cost_cond_shift(n, 1),
    ),
    "move": ("move N bits to the same row of another crossbar", cost_move),
}


def ops_table(bits: int, policy: str = "per-gate", move_cycles: int = 2) -> list[dict]:
    """Cycle and gate counts of every primitive on ``bits``-bit operands."""
    if bits < 1:
        raise ValueError(f"--bits must be >= 1, got {bits}")
    if policy not in INIT_POLICIES:
        raise ValueError(
            f"unknown init policy {policy!r}: choose one of {', '.join(INIT_POLICIES)}"
        )
    rows = []
    for name, (what, fn) in OPS.items():
        c = fn(bits)
        rows.append(
            {
                "op": name,
                "description": what,
                "bits": bits,
                "init": policy,
                "cycles": int(c.cycles(policy, move_cycles)),
                "nor": int(c.nor),
                "not": int(c.not_),
                "init_cells": int(c.gates + c.const),
                "switched_cells": int(c.switched),
                "moves": int(c.moves),
            }
        )
    return rows
