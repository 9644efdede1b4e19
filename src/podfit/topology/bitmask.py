"""NUMA node masks as plain ints (bit i = NUMA node i), with the kubelet's bitmask semantics.

Mirrors: topologymanager/bitmask/bitmask.go. The Go type is a ``uint64``; every
operation here keeps that 64-bit range (bit numbers outside 0-63 are refused or ignored exactly
where the Go code refuses or ignores them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import combinations
from typing import Final

__all__ = [
    "MAX_BITS",
    "add",
    "and_",
    "any_set",
    "count",
    "fill",
    "format_bitmask",
    "get_bits",
    "is_empty",
    "is_equal",
    "is_greater_than",
    "is_less_than",
    "is_narrower_than",
    "is_set",
    "iterate_bit_masks",
    "new_bitmask",
    "or_",
    "remove",
]

MAX_BITS: Final = 64
_FULL: Final = (1 << MAX_BITS) - 1
_RANGE_ERROR: Final = "bit number must be in range 0-63"


# the set bits of every mask on up to 8 NUMA nodes, read by ``get_bits`` (an immutable table)
_SMALL: Final = 1 << 8
_SMALL_BITS: Final[tuple[tuple[int, ...], ...]] = tuple(
    tuple(bit for bit in range(8) if m >> bit & 1) for m in range(_SMALL)
)


def _check(bits: Iterable[int]) -> list[int]:
    checked = list(bits)
    for bit in checked:
        if bit < 0 or bit >= MAX_BITS:
            raise ValueError(_RANGE_ERROR)
    return checked


def new_bitmask(*bits: int) -> int:
    """The mask with ``bits`` set; ``ValueError`` if a bit is outside 0-63.

    Mirrors: topologymanager/bitmask/bitmask.go NewBitMask
    """
    return add(0, *bits)


def add(mask: int, *bits: int) -> int:
    """``mask`` with ``bits`` set (all or nothing: ``ValueError`` leaves no partial result).

    Mirrors: topologymanager/bitmask/bitmask.go Add
    """
    for bit in _check(bits):
        mask |= 1 << bit
    return mask


def remove(mask: int, *bits: int) -> int:
    """``mask`` with ``bits`` cleared (``ValueError`` for a bit outside 0-63).

    Mirrors: topologymanager/bitmask/bitmask.go Remove
    """
    for bit in _check(bits):
        mask &= ~(1 << bit)
    return mask


def and_(first: int, *masks: int) -> int:
    """Bitwise AND of ``first`` and every mask.

    Mirrors: topologymanager/bitmask/bitmask.go And
    """
    for m in masks:
        first &= m
    return first


def or_(first: int, *masks: int) -> int:
    """Bitwise OR of ``first`` and every mask.

    Mirrors: topologymanager/bitmask/bitmask.go Or
    """
    for m in masks:
        first |= m
    return first


def fill() -> int:
    """All 64 bits set.

    Mirrors: topologymanager/bitmask/bitmask.go Fill
    """
    return _FULL


def is_empty(mask: int) -> bool:
    """Mirrors: topologymanager/bitmask/bitmask.go IsEmpty"""
    return mask == 0


def is_set(mask: int, bit: int) -> bool:
    """Whether ``bit`` is set; bits outside 0-63 are never set.

    Mirrors: topologymanager/bitmask/bitmask.go IsSet
    """
    if bit < 0 or bit >= MAX_BITS:
        return False
    return bool(mask >> bit & 1)


def any_set(mask: int, bits: Iterable[int]) -> bool:
    """Mirrors: topologymanager/bitmask/bitmask.go AnySet"""
    return any(is_set(mask, b) for b in bits)


def is_equal(a: int, b: int) -> bool:
    """Mirrors: topologymanager/bitmask/bitmask.go IsEqual"""
    return a == b


def count(mask: int) -> int:
    """Number of set bits.

    Mirrors: topologymanager/bitmask/bitmask.go Count
    """
    return mask.bit_count()


def get_bits(mask: int) -> list[int]:
    """The set bit numbers, ascending.

    Mirrors: topologymanager/bitmask/bitmask.go GetBits
    """
    if 0 <= mask < _SMALL:
        return list(_SMALL_BITS[mask])
    out: list[int] = []
    m = mask & _FULL
    while m:
        low = m & -m
        out.append(low.bit_length() - 1)
        m ^= low
    return out


def is_less_than(a: int, b: int) -> bool:
    """``a`` has "more lower-numbered bits set": plain numeric comparison.

    Mirrors: topologymanager/bitmask/bitmask.go IsLessThan
    """
    return a < b


def is_greater_than(a: int, b: int) -> bool:
    """Mirrors: topologymanager/bitmask/bitmask.go IsGreaterThan"""
    return a > b


def is_narrower_than(a: int, b: int) -> bool:
    """Fewer bits set wins; on equal counts the numerically smaller mask wins.

    Mirrors: topologymanager/bitmask/bitmask.go IsNarrowerThan
    """
    ca, cb = a.bit_count(), b.bit_count()
    if ca == cb:
        return a < b
    return ca < cb


def format_bitmask(mask: int) -> str:
    """Binary text the way the kubelet logs a mask (zero-padded to an even width, at least 2).

    Mirrors: topologymanager/bitmask/bitmask.go String
    """
    grouping = 2
    for shift in range(MAX_BITS - grouping, 0, -grouping):
        if mask > (1 << shift):
            return format(mask, f"0{shift + grouping}b")
    return format(mask, f"0{grouping}b")


def iterate_bit_masks(bits: Iterable[int]) -> Iterator[int]:
    """Every non-empty subset of ``bits`` as a mask: by increasing size, then in
    lexicographic order of the positions in ``bits`` (the order hint generators emit).

    Mirrors: topologymanager/bitmask/bitmask.go IterateBitMasks
    """
    seq = list(bits)
    for size in range(1, len(seq) + 1):
        for combo in combinations(seq, size):
            yield new_bitmask(*combo)
