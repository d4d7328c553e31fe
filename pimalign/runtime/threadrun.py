"""Kernels run over index ranges by a few Python threads instead of Numba's ``parallel=True``.

A ``prange`` loop costs seconds to compile (the parfor passes and a second, outlined copy of the
loop body); a plain ``nogil`` kernel that takes ``lo, hi`` compiles in a fraction of that and,
driven here, keeps the same threads busy. Every index writes only its own output slots, so
the answers do not depend on how the range is cut.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

PER_THREAD = 4  # ranges per thread: the faster threads take the slower ones' share


def bounds(n: int, parts: int) -> list[int]:
    """``parts + 1`` increasing cut points from 0 to ``n`` (ranges differing by at most 1)."""
    return [n * i // parts for i in range(parts + 1)]


def run_ranges(kernel, n: int, *args, threads: int | None = None) -> None:
    """``kernel(*args, lo, hi)`` over consecutive ranges covering ``[0, n)``, on ``threads``
    threads (default: Numba's thread count, which the commands set from ``-t``)."""
    if threads is None:
        import numba

        threads = numba.get_num_threads()
    parts = min(n, max(1, threads) * PER_THREAD)
    if threads <= 1 or parts <= 1:
        kernel(*args, 0, n)
        return
    cuts = bounds(n, parts)
    with ThreadPoolExecutor(min(threads, parts)) as pool:
        for _ in pool.map(lambda i: kernel(*args, cuts[i], cuts[i + 1]), range(parts)):
            pass
