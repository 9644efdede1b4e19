"""The set of merged hints the cartesian product of hint lists can reach, without walking it.

A dynamic programme over the hint lists with two state sets:

* "still preferred": every hint so far preferred and every concrete mask equal -- the state is
  that common raw mask (``None`` while only "any" hints were seen);
* "reachable": the AND of the masks (with the default affinity) of any partial permutation.

The reachable step is an AND-convolution of two mask sets. For dense sets on contiguous
NUMA ids it is done with a superset zeta / Moebius transform, O(n * 2^n) instead of
O(|states| * |hints|). Masks that AND to 0 can never win (``compare`` skips empty masks) and are
dropped early.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from podfit.topology.hint import TopologyHint

__all__ = ["and_convolution", "reachable_merged_hints"]

_ZETA_MAX_WIDTH = 16


def _and_convolution_zeta(left: Iterable[int], right: Iterable[int], width: int) -> set[int]:
    size = 1 << width
    f = [0] * size
    g = [0] * size
    for x in left:
        f[x] = 1
    for x in right:
        g[x] = 1
    for vec in (f, g):
        for i in range(width):
            bit = 1 << i
            for s in range(size):
                if not s & bit:
                    vec[s] += vec[s | bit]
    h = [a * b for a, b in zip(f, g, strict=True)]
    for i in range(width):
        bit = 1 << i
        for s in range(size):
            if not s & bit:
                h[s] -= h[s | bit]
    return {s for s in range(1, size) if h[s]}


def and_convolution(left: set[int], right: set[int], universe: int) -> set[int]:
    """``{l & r for l in left for r in right} - {0}``, all masks within ``universe``."""
    if not left or not right:
        return set()
    width = universe.bit_length()
    if (
        universe == (1 << width) - 1
        and width <= _ZETA_MAX_WIDTH
        and len(left) * len(right) > 4 * width * (1 << width)
    ):
        return _and_convolution_zeta(left, right, width)
    out = {a & b for a in left for b in right}
    out.discard(0)
    return out


def reachable_merged_hints(
    default_affinity: int, hint_lists: Sequence[Sequence[TopologyHint]]
) -> list[TopologyHint]:
    """The merged hints the winner is chosen from: every distinct preferred ``merge_permutation``
    result with a non-empty mask; only if there is none, every distinct non-empty merged mask
    (all of them non-preferred then).

    Preferred merges always beat non-preferred ones in ``HintMerger.compare``, so the second set
    is only needed when the first is empty -- and then every permutation with a non-empty mask is
    non-preferred, so the plain set of reachable non-empty AND masks is exactly the candidate set.
    """
    d = default_affinity
    # raw common mask of the still-preferred partial permutations (None: only "any" hints so far)
    preferred: set[int | None] = {None}
    # every reachable AND of the masks (with the default affinity), whatever the preference
    reachable: set[int] = {d} if d else set()
    for hints in hint_lists:
        preferred_masks = {h.numa_affinity for h in hints if h.preferred and h.numa_affinity is not None}
        concrete = {h.numa_affinity & d for h in hints if h.numa_affinity is not None}
        any_preferred = any(h.preferred and h.numa_affinity is None for h in hints)
        any_hint = any(h.numa_affinity is None for h in hints)
        new_preferred: set[int | None] = set(preferred) if any_preferred else set()
        if None in preferred:
            new_preferred |= {m for m in preferred_masks if m & d}
        new_preferred |= {p for p in preferred if p in preferred_masks}
        new_reachable = and_convolution(reachable, concrete, d)
        if any_hint:
            new_reachable |= reachable
        preferred, reachable = new_preferred, new_reachable
        if not reachable:
            return []
    out = sorted({d if p is None else d & p for p in preferred} - {0})
    if out:
        return [TopologyHint(m, True) for m in out]
    return [TopologyHint(m, False) for m in sorted(reachable)]
