"""The static policy's ``iterateCombinations`` with Go's slice semantics.

``iterateCombinations`` hands its callback a slice that ``append`` built on the recursion's
accumulator. Go's ``append`` writes in place when the accumulator has spare capacity, so the
slices of sibling combinations can share one backing array: a combination the caller keeps
(``bestCombo = combo``, ``bestLocalRemainder = subset`` in ``takeByTopologyNUMADistributed``) is
overwritten by the combinations iterated after it. v1.36.2 keeps such references, so which NUMA
nodes it uses depends on this aliasing (kubernetes/kubernetes PR #141238, open in 2026-08, copies
the slices; later releases will differ).

A combination is handed out as a :class:`GoIntSlice` handle: ``values()`` reads the backing array
*now*, as a kept Go slice would be read later. Capacity grows as Go's ``growslice`` grows an
``[]int`` below 256 elements (double, at least the new length, rounded up to a malloc size class);
the combinations here have at most 64 NUMA nodes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

__all__ = ["GoIntSlice", "go_append", "go_iterate_combinations"]

# malloc size classes (bytes) up to 2 KiB: an []int of n elements needs 8n bytes
_SIZE_CLASSES: Final = (
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352,
    384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048,
)  # fmt: skip


class GoIntSlice:
    """A Go ``[]int``: a backing array (``len(array)`` is the capacity) and a length."""

    __slots__ = ("array", "length")

    def __init__(self, array: list[int], length: int) -> None:
        self.array = array
        self.length = length

    def values(self) -> list[int]:
        """The elements as the backing array holds them now."""
        return self.array[: self.length]


def _grown_capacity(old_cap: int, new_len: int) -> int:
    """Mirrors: Go runtime/slice.go growslice (nextslicecap + roundupsize) for 8-byte elements."""
    if old_cap >= 256:
        raise ValueError("slices of 256 or more elements are not modelled")
    new_cap = max(new_len, 2 * old_cap)
    size = new_cap * 8
    for klass in _SIZE_CLASSES:
        if klass >= size:
            return klass // 8
    raise ValueError("slices above 2 KiB are not modelled")


def go_append(s: GoIntSlice, x: int) -> GoIntSlice:
    """Go's ``append(s, x)``: in place when capacity allows (sharing the array), else a copy."""
    cap = len(s.array)
    if s.length < cap:
        s.array[s.length] = x
        return GoIntSlice(s.array, s.length + 1)
    array = [*s.array[: s.length], x]
    array += [0] * (_grown_capacity(cap, s.length + 1) - len(array))
    return GoIntSlice(array, s.length + 1)


def go_iterate_combinations(n: Sequence[int], k: int, f: Callable[[GoIntSlice], bool]) -> None:
    """Call ``f`` on every k-subset of ``n`` (lexicographic order of positions) until it returns
    True (Go's ``Break``); the accumulator starts as ``[]int{}``.

    Mirrors: cpumanager/cpu_assignment.go cpuAccumulator.iterateCombinations (v1.36.2)
    """
    if k < 1:
        return

    def helper(k: int, start: int, accum: GoIntSlice) -> bool:
        if k == 0:
            return f(accum)
        # any() stops at the first Break, as the Go loop returns it
        return any(helper(k - 1, i + 1, go_append(accum, n[i])) for i in range(start, len(n) - k + 1))

    helper(k, 0, GoIntSlice([], 0))
