"""The set of merged hints the cartesian product of hint lists can reach, without walking it.

Two passes over the hint lists:

* "still preferred": every hint so far preferred and every concrete mask equal -- the state is
  that common raw mask (``None`` while only "any" hints were seen). Preferred merges always win
  in ``HintMerger.compare``, so when this pass finds one the second pass is skipped.
* "reachable": the AND of the masks (with the default affinity) of any partial permutation.
  The step is an AND-convolution of two mask sets; for dense sets on contiguous NUMA ids it is
  done with a superset zeta / Moebius transform, O(n * 2^n) instead of O(|states| * |hints|).
  Masks that AND to 0 can never win (``compare`` skips empty masks) and are dropped early.

A :class:`HintSpace` is a hint list too large to list (a device on a 34-NUMA machine has
2^34 - 2^32 hints): base hints on some NUMA nodes, each also extended by every subset of the
remaining ("free") nodes as a non-preferred hint. The reachable pass then works on *families*
``(core, free)`` = every ``core | y`` with ``y`` a subset of ``free``; families are closed under
AND, and the best member of a family under ``compare``'s total order is found directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import combinations
from typing import Final, cast, overload

from podfit.topology.bitmask import get_bits, iterate_bit_masks
from podfit.topology.hint import ProviderHints, TopologyHint
from podfit.topology.numa_info import NUMADistances, calculate_average_for

__all__ = [
    "HintSpace",
    "and_convolution",
    "best_preferred_merge",
    "preferred_merged_masks",
    "reachable_merged_hints",
]

_ZETA_MAX_WIDTH: Final = 16
_MAX_LEN: Final = (1 << 63) - 1


class HintSpace:
    """The hints ``base`` plus, for each mask ``g`` of ``extendable`` (default: every base mask;
    always a subset of them), every strict extension ``g | y`` (``y`` a non-empty subset of
    ``free``), not preferred. Iteration follows ``IterateBitMasks(nodes)`` (the order a
    full-enumeration hint generator emits); ``free`` must be disjoint from every base mask.

    ``free_alone`` (only without base hints): every non-empty subset of ``free`` is a hint by
    itself too, preferred when it is one node -- every mask of a request any mask can hold (a
    device request of 0: each NUMA mask qualifies and the narrowest is one node).

    A read-only sequence of hints (registered as a ``collections.abc.Sequence``; :meth:`hints`
    gives it the static type) written as a plain class, without the ABC's mixins as a base: a
    class whose base is an ABC stays a Python class under compilers such as mypyc, and this one
    corrupted memory compiled that way.
    """

    nodes: tuple[int, ...]
    base: tuple[TopologyHint, ...]
    free: int
    free_alone: bool
    extendable: frozenset[int]
    _index: dict[int, bool]

    def __init__(
        self,
        nodes: Sequence[int],
        base: Sequence[TopologyHint],
        free: int,
        extendable: Iterable[int] | None = None,
        free_alone: bool = False,
    ) -> None:
        self.nodes = tuple(nodes)
        self.base = tuple(base)
        self.free = free
        self.free_alone = free_alone
        # every base hint has a mask (asserted below)
        self._index = cast("dict[int, bool]", {h.numa_affinity: h.preferred for h in self.base})
        self.extendable = frozenset(self._index if extendable is None else extendable)
        assert all(m is not None and not m & free for m in self._index), "base masks must avoid free"
        assert self.extendable <= self._index.keys(), "extendable masks must be base masks"
        assert not (free_alone and self.base), "free_alone goes without base hints"

    @property
    def tops(self) -> tuple[TopologyHint, ...]:
        """The hints no other hint of the space is narrower than, in iteration order: every
        preferred hint and the narrowest ones are among them (extensions are strict supersets,
        never preferred)."""
        if not self.free_alone:
            return self.base
        free = self.free
        return tuple(TopologyHint(1 << n, True) for n in self.nodes if free >> n & 1)

    def __iter__(self) -> Iterator[TopologyHint]:
        index, free, ext, alone = self._index, self.free, self.extendable, self.free_alone
        for mask in iterate_bit_masks(self.nodes):
            core = mask & ~free
            if core == mask:
                if core in index:
                    yield TopologyHint(mask, index[core])
            elif core in ext:
                yield TopologyHint(mask, False)
            elif alone and not core:
                yield TopologyHint(mask, mask.bit_count() == 1)

    @property
    def size(self) -> int:
        """The exact number of hints (may exceed what ``len()`` can return on 64 NUMA nodes)."""
        subsets = (1 << self.free.bit_count()) - 1
        return len(self.base) + len(self.extendable) * subsets + (subsets if self.free_alone else 0)

    def __len__(self) -> int:
        return min(self.size, _MAX_LEN)  # len() is capped at Py_ssize_t's maximum

    def __bool__(self) -> bool:
        return bool(self.base) or (self.free_alone and bool(self.free))

    @overload
    def __getitem__(self, i: int) -> TopologyHint: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[TopologyHint]: ...
    def __getitem__(self, i: int | slice) -> TopologyHint | Sequence[TopologyHint]:
        return list(self)[i]  # for completeness only: materialises the list

    def __contains__(self, hint: object) -> bool:
        return any(h == hint for h in self)

    def __reversed__(self) -> Iterator[TopologyHint]:
        return reversed(list(self))

    def index(self, hint: object) -> int:
        for i, h in enumerate(self):
            if h == hint:
                return i
        raise ValueError(f"{hint!r} is not in the hint space")

    def count(self, hint: object) -> int:
        return sum(1 for h in self if h == hint)

    @property
    def hints(self) -> Sequence[TopologyHint]:
        """This space, typed as the sequence of hints it is."""
        return cast("Sequence[TopologyHint]", self)

    def _key(self) -> tuple[object, ...]:
        return (self.nodes, self.base, self.free, self.extendable, self.free_alone)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HintSpace):
            return self._key() == other._key()
        if isinstance(other, list | tuple):  # the same hints in the same order
            return self.size == len(other) and list(self) == list(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"HintSpace(nodes={self.nodes!r}, base={list(self.base)!r}, free={self.free:#x}, "
            f"extendable={sorted(self.extendable)!r}, free_alone={self.free_alone!r})"
        )


Sequence.register(HintSpace)


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


def preferred_merged_masks(d: int, hint_lists: Sequence[Sequence[TopologyHint]]) -> list[int]:
    """Masks (non-empty, with the default affinity) of every preferred ``merge_permutation``.

    A preferred permutation takes preferred hints only, and its concrete masks are all one mask
    ``m``: a list without a preferred "any" hint must give ``m`` itself, the others may give
    "any". So the raw masks are those preferred in every list without "any" (if there is such a
    list), else those preferred in some list plus the all-"any" merge ``d``.
    """
    common: set[int] | None = None  # the preferred masks of every list without "any"
    union: set[int] = set()  # the preferred masks of the lists with "any" (while all have one)
    for hints in hint_lists:
        preferred_masks: set[int] = set()
        any_preferred = False
        for mask, preferred in hints.tops if type(hints) is HintSpace else hints:
            if preferred:
                if mask is None:
                    any_preferred = True
                else:
                    preferred_masks.add(mask)
        if any_preferred:
            if common is None:
                union |= preferred_masks
        else:
            common = preferred_masks if common is None else common & preferred_masks
            if not common:
                return []
    if common is None:
        out = {d & m for m in union}
        out.add(d)
    else:
        out = {d & m for m in common}
    out.discard(0)
    return sorted(out)


def best_preferred_merge(d: int, providers_hints: Sequence[ProviderHints], single_numa: bool) -> int | None:
    """The winner's mask when the merge of the *unfiltered* provider hints has a preferred result:
    ``filter_providers_hints`` (then ``filter_single_numa_hints`` if ``single_numa``), then the
    narrowest (fewest nodes, then numerically lowest) of ``preferred_merged_masks`` -- in one
    pass that builds no filtered lists. ``None``: no preferred merge, or an input this pass does
    not read (a hint container other than list, tuple or :class:`HintSpace`); the caller then
    runs the plain merge, which decides both cases.

    A provider with no hints, or a resource with ``None``, filters to ``[any, preferred]``, which
    constrains no preferred merge; an empty resource list filters to ``[any, not preferred]``
    (nothing under single-numa-node), which leaves none.
    """
    common: set[int] | None = None  # the preferred masks of every list without "any"
    union: set[int] = set()  # the preferred masks of the lists with "any" (while all have one)
    for hints in providers_hints:
        if not hints:
            continue
        for resource_hints in hints.values():
            if resource_hints is None:
                continue
            kind = type(resource_hints)
            if kind is list or kind is tuple:
                source = resource_hints
            elif kind is HintSpace:
                source = cast(HintSpace, resource_hints).tops  # extensions are never preferred
            else:
                return None
            masks: set[int] = set()  # an empty list leaves none: no preferred merge
            any_preferred = False
            for mask, preferred in source:
                if preferred:
                    if mask is None:
                        any_preferred = True
                    elif not single_numa or mask.bit_count() == 1:
                        masks.add(mask)
            if any_preferred:
                if common is None:
                    union |= masks
            elif common is None:
                if not masks:
                    return None
                common = masks
            else:
                common &= masks
                if not common:
                    return None
    best: int | None = None
    count = 0
    if common is None:
        if d:
            best, count = d, d.bit_count()
        common = union
    for mask in common:
        mask &= d
        if mask:
            c = mask.bit_count()
            if best is None or c < count or (c == count and mask < best):
                best, count = mask, c
    return best


def _reachable_masks(d: int, hint_lists: Sequence[Sequence[TopologyHint]]) -> list[int]:
    reachable: set[int] = {d} if d else set()
    for hints in hint_lists:
        concrete = {h.numa_affinity & d for h in hints if h.numa_affinity is not None}
        new_reachable = and_convolution(reachable, concrete, d)
        if any(h.numa_affinity is None for h in hints):
            new_reachable |= reachable
        reachable = new_reachable
        if not reachable:
            return []
    return sorted(reachable)


def _reachable_families(d: int, hint_lists: Sequence[Sequence[TopologyHint]]) -> set[tuple[int, int]]:
    """Reachable merged masks as families ``(core, free)`` (every ``core | y``, ``y`` within free)."""
    families: set[tuple[int, int]] = {(d, 0)} if d else set()
    for hints in hint_lists:
        if isinstance(hints, HintSpace):
            free, ext = hints.free & d, hints.extendable
            step = {
                (h.numa_affinity & d, free if h.numa_affinity in ext else 0)
                for h in hints.base
                if h.numa_affinity is not None
            }
            if hints.free_alone and free:
                step.add((0, free))  # every subset of the free nodes alone
            keep = False
        else:
            step = {(h.numa_affinity & d, 0) for h in hints if h.numa_affinity is not None}
            keep = any(h.numa_affinity is None for h in hints)
        new: set[tuple[int, int]] = set(families) if keep else set()
        for c1, f1 in families:
            u1 = c1 | f1
            for c2, f2 in step:
                core = c1 & c2
                free = u1 & (c2 | f2) & ~core
                if core or free:
                    new.add((core, free))
        families = new
        if not families:
            break
    return families


def _family_best(core: int, free: int, best_count: int, distances: NUMADistances | None) -> int | None:
    """The member of a family that ``compare`` ranks first among non-preferred hints (``None``:
    the family holds only the empty mask)."""
    base = core.bit_count()
    kmin, kmax = max(base, 1), base + free.bit_count()
    if kmax == 0:
        return None
    if kmin <= best_count <= kmax:
        k = best_count  # count == B beats every other band
    elif best_count > kmax:
        k = kmax  # below B: the largest count wins
    else:
        k = kmin  # above B: the fitter (narrower first) wins
    extra = k - base
    bits = get_bits(free)
    if distances is None or extra == 0:
        return core | sum(1 << b for b in bits[:extra])  # narrowest: the numerically lowest
    best: tuple[float, int] | None = None
    for combo in combinations(bits, extra):
        mask = core | sum(1 << b for b in combo)
        key = (calculate_average_for(distances, mask), mask)
        if best is None or key < best:
            best = key
    assert best is not None
    return best[1]


def reachable_merged_hints(
    default_affinity: int,
    hint_lists: Sequence[Sequence[TopologyHint]],
    best_count: int = 0,
    distances: NUMADistances | None = None,
) -> list[TopologyHint]:
    """The merged hints the winner is chosen from: every distinct preferred ``merge_permutation``
    result with a non-empty mask; only if there is none, the distinct non-empty merged masks (all
    non-preferred then) -- or, when a list is a :class:`HintSpace`, the best member of each
    reachable family under ``compare``'s order given ``best_count`` (B) and, for
    prefer-closest-numa-nodes, the distance rows indexed by NUMA id.

    Preferred merges always beat non-preferred ones in ``HintMerger.compare``, so the second set
    is only needed when the first is empty -- and then every permutation with a non-empty mask is
    non-preferred, so the plain set of reachable non-empty AND masks is exactly the candidate set.
    """
    d = default_affinity
    preferred = preferred_merged_masks(d, hint_lists)
    if preferred:
        return [TopologyHint(m, True) for m in preferred]
    if not any(type(h) is HintSpace for h in hint_lists):
        return [TopologyHint(m, False) for m in _reachable_masks(d, hint_lists)]
    out: set[int] = set()
    for core, free in _reachable_families(d, hint_lists):
        mask = _family_best(core, free, best_count, distances)
        if mask is not None:
            out.add(mask)
    return [TopologyHint(m, False) for m in sorted(out)]
