"""Bit-serial arithmetic from the stateful-logic gate set NOR, NOT and INIT, with exact counters.

Execution model (MAGIC NOR/NOT as in AritPIM, arXiv 2206.04218): every crossbar row holds one
alignment and every gate acts on one column (the same column in all rows at once: row
parallelism). A gate writes a fresh output cell that must first be initialised to 1:

- ``per-gate`` init (AritPIM's conservative "1-INIT"): one INIT cycle before every gate, so an
  N-bit ripple addition (9-NOR full adder) costs ``18N + 1`` cycles (``+1``: the carry's INIT);
- ``bulk`` init: the outputs of one primitive operation are initialised together in one cycle.

Values live in numpy bool arrays whose first axis is the crossbar row and whose last axis holds
bits, least significant first. A primitive applied to a ``(rows, W, N)`` array runs the same gate
sequence on W column groups one after the other (W times the gates, the same number of bulk
INIT cycles). ``Machine`` counts every gate it executes; ``closed_forms.cost_*`` give the same
counts in closed form (tests pin them to each other).

Counters (``Cost``): ``nor``/``not_`` gates, ``const`` cells initialised to a constant (INIT0 or
INIT1 that is not a gate's output preparation), ``groups`` bulk-init cycles, ``moves`` bits copied
between crossbars (row-parallel). Cycles: per-gate ``2*gates + const``, bulk ``gates + groups``,
plus ``moves * move_cycles``. Switched cells (energy): ``2*gates + const`` under both policies.
"""

from __future__ import annotations

import numpy as np

from .closed_forms import INIT_POLICIES, ZERO, Cost  # noqa: F401  (the counters it fills)


class Machine:
    """Executes gates on numpy bool columns and counts them, per program section."""

    def __init__(self, rows: int):
        self.rows = rows
        self.section = "other"
        self.sections: dict[str, dict[str, int]] = {}

    def _add(self, key: str, count: int) -> None:
        sec = self.sections.get(self.section)
        if sec is None:
            sec = self.sections[self.section] = dict.fromkeys(
                ("nor", "not_", "const", "groups", "moves"), 0
            )
        sec[key] += count

    def _cols(self, out: np.ndarray) -> int:
        return out.size // self.rows if self.rows else int(np.prod(out.shape[1:], dtype=np.int64))

    # -- the gate set --------------------------------------------------------------------------
    def NOT(self, x):
        out = ~x
        self._add("not_", self._cols(out))
        return out

    def NOR(self, x, y):
        out = np.bitwise_or(x, y)
        np.invert(out, out=out)
        self._add("nor", self._cols(out))
        return out

    def INIT(self, shape, value: bool):
        out = np.full((self.rows, *shape), value, dtype=bool)
        self._add("const", self._cols(out))
        return out

    def group(self, k: int = 1) -> None:
        self._add("groups", k)

    def MOVE(self, x):
        self._add("moves", self._cols(x))
        return x.copy()

    # -- totals --------------------------------------------------------------------------------
    def total(self) -> Cost:
        tot = ZERO
        for sec in self.sections.values():
            tot = tot + Cost(**sec)
        return tot

    def snapshot(self) -> dict:
        return {k: dict(v) for k, v in self.sections.items()}


def since(mc: Machine, before: dict) -> Cost:
    """Counts executed since ``before = mc.snapshot()``."""
    tot = ZERO
    for name, sec in mc.sections.items():
        old = before.get(name, {})
        tot = tot + Cost(**{k: v - old.get(k, 0) for k, v in sec.items()})
    return tot


# --------------------------------------------------------------------------------------------
# Leaf primitives. Each opens one bulk-init group for its gate outputs (two when it also writes a
# constant carry). Arrays: ``(rows, ..., N)`` for N-bit values, ``(rows, ...)`` for flags.
# --------------------------------------------------------------------------------------------


def not_(mc, x):
    mc.group()
    return mc.NOT(x)


def nor(mc, x, y):
    mc.group()
    return mc.NOR(x, y)


def or_(mc, x, y):
    mc.group()
    return mc.NOT(mc.NOR(x, y))


def and_(mc, x, y):
    mc.group()
    return mc.NOR(mc.NOT(x), mc.NOT(y))


def and_not(mc, x, y):
    """``x & ~y``."""
    mc.group()
    return mc.NOR(mc.NOT(x), y)


def and_bcast(mc, flag, x):
    """``flag & x`` where one flag column serves every column of the last axis of ``x``."""
    mc.group()
    return mc.NOR(mc.NOT(flag)[..., None], mc.NOT(x))


def pick(mc, ok, other_ok, better):
    """``ok & (~other_ok | better)``: take a candidate that is valid and beats a valid rival."""
    mc.group()
    return mc.NOR(mc.NOT(ok), mc.NOR(mc.NOT(other_ok), better))


def _xnor(mc, x, y):
    t1 = mc.NOR(x, y)
    return mc.NOR(mc.NOR(x, t1), mc.NOR(y, t1))


def _full_add(mc, a, b, c):
    """AritPIM-style 9-NOR full adder: returns ``(sum, carry)``."""
    t1 = mc.NOR(a, b)
    t4 = mc.NOR(mc.NOR(a, t1), mc.NOR(b, t1))  # XNOR(a, b)
    t5 = mc.NOR(t4, c)
    s = mc.NOR(mc.NOR(t4, t5), mc.NOR(c, t5))
    return s, mc.NOR(t1, t5)


def _carry(mc, a, b, c):
    """Carry of ``a + b + c`` from the first six NORs of the full adder."""
    t1 = mc.NOR(a, b)
    t4 = mc.NOR(mc.NOR(a, t1), mc.NOR(b, t1))
    return mc.NOR(t1, mc.NOR(t4, c))


def add(mc, a, b, carry_in: bool = False):
    """``a + b + carry_in`` (N bits each): ``(sum, carry_out)``; ``18N + 1`` cycles with 1-INIT."""
    mc.group(2)
    c = mc.INIT(a.shape[1:-1], carry_in)
    out = np.empty(np.broadcast_shapes(a.shape, b.shape), dtype=bool)
    for i in range(a.shape[-1]):
        out[..., i], c = _full_add(mc, a[..., i], b[..., i], c)
    return out, c


def sub(mc, a, b):
    """``a - b`` modulo ``2**N``: ``(difference, no_borrow)``; ``20N + 1`` cycles with 1-INIT."""
    mc.group(2)
    c = mc.INIT(a.shape[1:-1], True)
    nb = mc.NOT(b)
    out = np.empty(a.shape, dtype=bool)
    for i in range(a.shape[-1]):
        out[..., i], c = _full_add(mc, a[..., i], nb[..., i], c)
    return out, c


def lt(mc, a, b):
    """Flag ``a < b`` (unsigned, N bits): carry of ``b + ~a``."""
    mc.group(2)
    c = mc.INIT(np.broadcast_shapes(a.shape, b.shape)[1:-1], False)
    na = mc.NOT(a)
    for i in range(a.shape[-1]):
        c = _carry(mc, b[..., i], na[..., i], c)
    return c


def eq(mc, a, b):
    """Flag ``a == b`` (N bits): XNOR per bit, then an AND chain."""
    mc.group()
    x = _xnor(mc, a[..., 0], b[..., 0])
    for i in range(1, a.shape[-1]):
        x = mc.NOR(mc.NOT(x), mc.NOT(_xnor(mc, a[..., i], b[..., i])))
    return x


def mux(mc, s, a, b):
    """``s ? a : b`` bitwise (``s`` a flag array, ``a``/``b`` N-bit)."""
    mc.group()
    ns = mc.NOT(s)[..., None]
    s = s[..., None]
    return mc.NOR(mc.NOR(a, ns), mc.NOR(b, s))


def _ripple(mc, a, c, cell):
    """Bit ``i`` of ``a`` and the running one-bit ``c`` through ``cell``, LSB first:
    ``(bits, c_out)``."""
    mc.group()
    out = np.empty(np.broadcast_shapes(a.shape, c.shape + (1,)), dtype=bool)
    for i in range(a.shape[-1]):
        out[..., i], c = cell(mc, a[..., i], c)
    return out, c


def _half_add(mc, x, c):
    t1 = mc.NOR(x, c)
    s = mc.NOT(mc.NOR(mc.NOR(x, t1), mc.NOR(c, t1)))
    return s, mc.NOR(t1, s)


def _half_sub(mc, x, d):
    t1 = mc.NOR(x, d)
    t2 = mc.NOR(x, t1)  # ~x & d: the next borrow
    return mc.NOT(mc.NOR(t2, mc.NOR(d, t1))), t2


def inc_bit(mc, a, c):
    """``a + c`` for a one-bit ``c``: half-adder chain, ``(sum, carry_out)``."""
    return _ripple(mc, a, c, _half_add)


def dec_bit(mc, a, d):
    """``a - d`` for a one-bit ``d``: half-subtractor chain, ``(difference, borrow_out)``."""
    return _ripple(mc, a, d, _half_sub)


def inc1(mc, a):
    """``a + 1``: bit 0 is ``~a0`` and its carry is ``a0`` itself; ``(sum, carry_out)``."""
    mc.group()
    out = np.empty(a.shape, dtype=bool)
    out[..., 0] = mc.NOT(a[..., 0])
    c = a[..., 0]
    for i in range(1, a.shape[-1]):
        x = a[..., i]
        t1 = mc.NOR(x, c)
        s = mc.NOT(mc.NOR(mc.NOR(x, t1), mc.NOR(c, t1)))
        c = mc.NOR(t1, s)
        out[..., i] = s
    return out, c


def or_reduce(mc, x):
    """OR over the last axis (``k`` flags: ``k - 1`` ORs)."""
    mc.group()
    acc = x[..., 0]
    for i in range(1, x.shape[-1]):
        acc = mc.NOT(mc.NOR(acc, x[..., i]))
    return acc


def copy(mc, x):
    """Copy bits to fresh columns of the same row: two NOTs per bit."""
    mc.group()
    return mc.NOT(mc.NOT(x))


def cond_shift(mc, f, sel, fill):
    """Shift entries ``f[:, x] <- f[:, x + 1]`` where ``sel`` (the last takes ``fill``), in place.

    ``f``: ``(rows, E, w)``; each output overwrites its own entry after the two NORs that read
    the old values, so the region needs no second copy. ``1 + 3*E*w`` gates.
    """
    mc.group()
    ns = mc.NOT(sel)[:, None, None]
    s = sel[:, None, None]
    src = np.concatenate([f[:, 1:], fill], axis=1)
    return mc.NOR(mc.NOR(src, ns), mc.NOR(f, s))


def const(mc, value: int, bits: int):
    """Write an unsigned constant into ``bits`` fresh cells (INIT0/INIT1 per cell)."""
    mc.group(2)
    out = np.empty((mc.rows, bits), dtype=bool)
    for i in range(bits):
        out[:, i] = mc.INIT((), bool((value >> i) & 1))
    return out


def move(mc, x):
    """Copy bits from a row of one crossbar to the same row of another (row-parallel)."""
    return mc.MOVE(x)
