"""Integer helpers of Kubernetes quantities: Go integer semantics (wrapping, truncating division)
and exact decimal comparison.

Mirrors: apimachinery/pkg/api/resource/math.go and amount.go helpers.
"""

from __future__ import annotations

from typing import Final

MAX_INT64: Final = (1 << 63) - 1
MIN_INT64: Final = -(1 << 63)


def _wrap32(x: int) -> int:
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def _wrap64(x: int) -> int:
    return ((x + (1 << 63)) & 0xFFFFFFFFFFFFFFFF) - (1 << 63)


def _go_quo(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _go_rem(a: int, b: int) -> int:
    return a - b * _go_quo(a, b)


def _ndigits(n: int) -> int:
    """Number of decimal digits of |n| (0 has 1)."""
    n = abs(n)
    d = max(1, ((n.bit_length() - 1) * 1233) >> 12)  # never above the true count
    while n >= 10**d:
        d += 1
    return d


def _remove_factors(n: int, factor: int) -> tuple[int, int]:
    """``n == result * factor**times`` with ``result`` not divisible by ``factor`` (0 -> (0, 0)).

    Mirrors: apimachinery/pkg/api/resource/math.go removeInt64Factors / removeBigIntFactors
    """
    times = 0
    while n != 0 and n % factor == 0:
        n //= factor
        times += 1
    return n, times


def _reduce(mantissa: int, exponent: int) -> tuple[int, int]:
    if mantissa == 0:
        return 0, 0
    m, times = _remove_factors(mantissa, 10)
    return m, exponent + times


def _cmp_dec(m1: int, e1: int, m2: int, e2: int) -> int:
    """Compare m1*10^e1 with m2*10^e2 exactly, without building huge powers of ten."""
    s1, s2 = (m1 > 0) - (m1 < 0), (m2 > 0) - (m2 < 0)
    if s1 != s2 or s1 == 0:
        return (s1 > s2) - (s1 < s2)
    a1, a2 = _ndigits(m1) + e1, _ndigits(m2) + e2  # 10^(a-1) <= |x| < 10^a
    if a1 != a2:
        return s1 if a1 > a2 else -s1
    lo = min(e1, e2)
    x, y = m1 * 10 ** (e1 - lo), m2 * 10 ** (e2 - lo)
    return (x > y) - (x < y)


def _positive_scale(base: int, scale: int) -> int | None:
    """base * 10^scale if it fits an int64 (Go skips the loop for a negative scale).

    Mirrors: apimachinery/pkg/api/resource/math.go positiveScaleInt64
    """
    if scale <= 0 or base == 0:
        return base
    if scale > 19:
        return None
    v = base * 10**scale
    return v if MIN_INT64 < v <= MAX_INT64 else None


def _as_scaled_int64(value: int, a_scale: int, scale: int) -> int:
    """Mirrors: apimachinery/pkg/api/resource/amount.go int64Amount.AsScaledInt64"""
    if a_scale < scale:
        shift = _wrap32(scale - a_scale)
        if shift <= 0:
            return value
        if shift > 19:
            return 0 if value == 0 else (1 if value > 0 else -1)
        q = -(-abs(value) // 10**shift)  # negativeScaleInt64: away from zero
        return q if value >= 0 else -q
    result = _positive_scale(value, _wrap32(a_scale - scale))
    return 0 if result is None else result
