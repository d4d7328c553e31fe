"""Slow, obviously-correct twins of the kernels (full dynamic programs in plain Python)."""

from __future__ import annotations


def same(a: str, b: str, literal_n: bool = False) -> bool:
    a, b = a.upper(), b.upper()
    return a == b and (literal_n or a != "N")


def edit_matrix(query: str, target: str, mode: str = "NW", literal_n: bool = False):
    """Full DP matrix D[i][j] for NW (global), SHW (prefix) or HW (infix)."""
    m, n = len(query), len(target)
    D = [[0] * (n + 1) for _ in range(m + 1)]
    for j in range(n + 1):
        D[0][j] = 0 if mode == "HW" else j
    for i in range(1, m + 1):
        D[i][0] = i
        for j in range(1, n + 1):
            D[i][j] = min(
                D[i - 1][j - 1] + (0 if same(query[i - 1], target[j - 1], literal_n) else 1),
                D[i - 1][j] + 1,
                D[i][j - 1] + 1,
            )
    return D


def edit_distance(query: str, target: str, mode: str = "NW", literal_n: bool = False):
    """(distance, sorted end columns as 0-based inclusive target positions)."""
    D = edit_matrix(query, target, mode, literal_n)
    last = D[-1]
    if mode == "NW":
        return last[-1], [len(target) - 1]
    best = min(last)
    return best, [j - 1 for j, v in enumerate(last) if v == best]


def cigar_cost(query: str, target: str, cigar: str, start: int = 0, literal_n: bool = False):
    """Replay an extended CIGAR; returns (edit cost, query bases used, target bases used).

    Raises AssertionError when an ``=`` is not a match or an ``X`` is not a mismatch.
    """
    import re

    i, j, cost = 0, start, 0
    for count, op in re.findall(r"(\d+)([=XID])", cigar):
        for _ in range(int(count)):
            if op in "=X":
                match = same(query[i], target[j], literal_n)
                assert match == (op == "="), (cigar, i, j)
                cost += op == "X"
                i += 1
                j += 1
            elif op == "I":
                cost += 1
                i += 1
            else:
                cost += 1
                j += 1
    return cost, i, j - start


def pair_score(q: str, t: str, match: int, mismatch: int, ambiguous: int) -> int:
    """bwa's score of two bases: N on either side costs ``ambiguous``."""
    if q == "N" or t == "N":
        return -ambiguous
    return match if q == t else -mismatch


def affine_score(
    query: str,
    target: str,
    mode: str = "global",
    match: int = 1,
    mismatch: int = 4,
    gap_open: int = 6,
    gap_extend: int = 1,
    clip5: int = 5,
    clip3: int = 5,
    ambiguous: int = 1,
) -> int:
    """Full Gotoh DP. ``global``: end to end. ``extend``: target ends free, the query may be
    clipped at its start (cost clip5) and end (cost clip3); a gap of length L costs o + L*e;
    a base against an N costs ``ambiguous``."""
    neg = float("-inf")
    m, n = len(query), len(target)
    oe = gap_open + gap_extend
    H = [[neg] * (n + 1) for _ in range(m + 1)]
    E = [[neg] * (n + 1) for _ in range(m + 1)]
    F = [[neg] * (n + 1) for _ in range(m + 1)]
    for j in range(n + 1):
        H[0][j] = 0 if (mode == "extend" or j == 0) else -(gap_open + gap_extend * j)
    for i in range(1, m + 1):
        for j in range(n + 1):
            F[i][j] = max(H[i - 1][j] - oe, F[i - 1][j] - gap_extend)
            if j > 0:
                E[i][j] = max(H[i][j - 1] - oe, E[i][j - 1] - gap_extend)
                s = pair_score(query[i - 1], target[j - 1], match, mismatch, ambiguous)
                diag = H[i - 1][j - 1] + s
            else:
                diag = neg
            H[i][j] = max(diag, E[i][j], F[i][j])
            if mode == "extend":
                H[i][j] = max(H[i][j], -clip5)
    if mode == "global":
        return H[m][n]
    best = max(H[m])
    for i in range(1, m):
        best = max(best, max(H[i]) - clip3)
    return best


def affine_cigar_score(
    query: str,
    target: str,
    ops: str,
    t_start: int,
    match=1,
    mismatch=4,
    gap_open=6,
    gap_extend=1,
    clip5=5,
    clip3=5,
    ambiguous=1,
) -> int:
    """Score of an op string (one char per column: = X I D S) placed at ``t_start``."""
    import itertools

    i, j, score = 0, t_start, 0
    runs = [(op, len(list(g))) for op, g in itertools.groupby(ops)]
    for x, (op, length) in enumerate(runs):
        if op == "S":
            score -= clip5 if x == 0 else clip3
            i += length
        elif op in "=X":
            for _ in range(length):
                ok = same(query[i], target[j])
                assert ok == (op == "="), (ops, i, j)
                score += pair_score(query[i], target[j], match, mismatch, ambiguous)
                i += 1
                j += 1
        elif op == "I":
            score -= gap_open + gap_extend * length
            i += length
        else:
            score -= gap_open + gap_extend * length
            j += length
    assert i == len(query), (ops, i, len(query))
    return score


def edit_last_row(query: str, target: str, mode: str = "NW", literal_n: bool = False) -> list:
    """Last DP row of ``edit_matrix`` (same recurrence, same N rule) for long pairs: Myers'
    bit-vector algorithm (Hyyro's formulation) on Python integers, one bit per query position,
    the column's vertical deltas (+1 ``pv``, -1 ``mv``) updated per target base; the top row's
    horizontal delta is +1 (NW, SHW) or 0 (HW). ``tests/test_edit.py`` pins it to the matrix."""
    q, t = query.upper(), target.upper()
    m = len(q)
    if m == 0:
        return [0] * (len(t) + 1) if mode == "HW" else list(range(len(t) + 1))
    peq = {}  # base -> the query positions it matches
    for i, c in enumerate(q):
        if c != "N" or literal_n:
            peq[c] = peq.get(c, 0) | (1 << i)
    full, last = (1 << m) - 1, 1 << (m - 1)
    pv, mv, score = full, 0, m  # column 0: D[i][0] = i
    top = 0 if mode == "HW" else 1
    row = [score]
    for c in t:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & last:
            score += 1
        elif mh & last:
            score -= 1
        ph = ((ph << 1) | top) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
        row.append(score)
    return row


def edit_distance_fast(query: str, target: str, mode: str = "NW", literal_n: bool = False):
    """Same answer as ``edit_distance`` via ``edit_last_row``."""
    last = edit_last_row(query, target, mode, literal_n)
    if mode == "NW":
        return last[-1], [len(target) - 1]
    best = min(last)
    return best, [j - 1 for j, v in enumerate(last) if v == best]
