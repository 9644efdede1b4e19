"""Hint merging: the literal reference port of the kubelet's ``HintMerger`` and an exact fast
version that never enumerates the cartesian product.

Mirrors: topologymanager/policy.go.

Why the fast merge is exact: once ``best_non_preferred_affinity_count`` (B) is fixed, ``compare``
orders merged hints totally -- preferred before non-preferred; preferred by "fitter" mask
(Narrowest, or Closest with prefer-closest-numa-nodes); non-preferred in three bands: count == B
(fitter first), count < B (larger count first, then fitter), count > B (fitter first). So the
winner depends only on the *set* of reachable merged (mask, preferred) values, not on the order
the product is walked in. ``merge_fast`` computes that set by dynamic programming over the hint
lists (deduplicated states; an AND-convolution by superset zeta transform when the state set is
large) and folds ``compare`` over it. tests/topology checks it equals ``HintMerger.merge`` on
random inputs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Final

from podfit.model.policy_options import TopologyManagerOptions
from podfit.topology.fastmerge import HintSpace, preferred_merged_masks, reachable_merged_hints
from podfit.topology.hint import ProviderHints, TopologyHint
from podfit.topology.numa_info import NUMAInfo

__all__ = [
    "POLICY_SINGLE_NUMA_NODE",
    "HintMerger",
    "filter_providers_hints",
    "iterate_all_provider_topology_hints",
    "max_of_min_affinity_counts",
    "merge_fast",
    "merge_permutation",
    "narrowest_hint",
    "new_hint_merger",
]

POLICY_SINGLE_NUMA_NODE: Final = "single-numa-node"

_ANY_PREFERRED: Final = TopologyHint(None, True)
_ANY_NOT_PREFERRED: Final = TopologyHint(None, False)
_AS_IS: Final = (list, tuple, HintSpace)


def merge_permutation(default_affinity: int, permutation: Sequence[TopologyHint]) -> TopologyHint:
    """AND of the masks (nil masks do not constrain); preferred iff every hint is preferred and
    every non-nil mask equals the first non-nil mask.

    Mirrors: topologymanager/policy.go mergePermutation
    """
    preferred = True
    first: int | None = None
    merged = default_affinity
    for hint in permutation:
        if hint.numa_affinity is not None:
            if first is None:
                first = hint.numa_affinity
            elif hint.numa_affinity != first:
                preferred = False
            merged &= hint.numa_affinity
        if not hint.preferred:
            preferred = False
    return TopologyHint(merged, preferred)


def filter_providers_hints(providers_hints: Sequence[ProviderHints]) -> list[Sequence[TopologyHint]]:
    """One hint list per resource: a provider with no hints at all, or a resource with ``None``,
    becomes ``[any, preferred]``; a resource with an empty list becomes ``[any, not preferred]``.

    Mirrors: topologymanager/policy.go filterProvidersHints
    """
    out: list[Sequence[TopologyHint]] = []
    for hints in providers_hints:
        if not hints:
            out.append([_ANY_PREFERRED])
            continue
        for resource_hints in hints.values():
            if resource_hints is None:
                out.append([_ANY_PREFERRED])
            elif not resource_hints:
                out.append([_ANY_NOT_PREFERRED])
            elif type(resource_hints) in _AS_IS:
                out.append(resource_hints)  # read only; a HintSpace is kept compact: never listed
            else:
                out.append(list(resource_hints))
    return out


def narrowest_hint(hints: Sequence[TopologyHint]) -> TopologyHint | None:
    """The hint with the narrowest non-nil mask (first one on ties); ``None`` if there is none.

    Mirrors: topologymanager/policy.go narrowestHint
    """
    best: TopologyHint | None = None
    # a HintSpace's extensions are strict supersets of its base masks: never the narrowest
    for hint in hints.tops if type(hints) is HintSpace else hints:
        if hint.numa_affinity is None:
            continue
        if best is None:
            best = hint
        assert best.numa_affinity is not None
        a, b = hint.numa_affinity, best.numa_affinity
        ca, cb = a.bit_count(), b.bit_count()
        if ca < cb or (ca == cb and a < b):
            best = hint
    return best


def max_of_min_affinity_counts(filtered_hints: Sequence[Sequence[TopologyHint]]) -> int:
    """Max over resources of the size of that resource's narrowest hint.

    Mirrors: topologymanager/policy.go maxOfMinAffinityCounts
    """
    result = 0
    for hints in filtered_hints:
        nh = narrowest_hint(hints)
        if nh is None or nh.numa_affinity is None:
            continue
        result = max(result, nh.numa_affinity.bit_count())
    return result


def iterate_all_provider_topology_hints(
    all_provider_hints: Sequence[Sequence[TopologyHint]],
) -> Iterator[tuple[TopologyHint, ...]]:
    """Every permutation (one hint per list), first list outermost.

    Mirrors: topologymanager/policy.go iterateAllProviderTopologyHints
    """
    return product(*all_provider_hints)


@dataclass(frozen=True, slots=True)
class HintMerger:
    """The merge of one admission: the hint lists, B and the mask comparison to use."""

    numa_info: NUMAInfo
    hints: tuple[Sequence[TopologyHint], ...]
    best_non_preferred_affinity_count: int
    prefer_closest: bool

    def compare_numa_affinity_masks(self, current: TopologyHint, candidate: TopologyHint) -> TopologyHint:
        """The fitter of two hints (current on equal masks).

        Mirrors: topologymanager/policy.go NewHintMerger compareNumaAffinityMasks
        """
        cur, cand = current.numa_affinity, candidate.numa_affinity
        assert cur is not None and cand is not None
        if cand == cur:
            return current
        if self.prefer_closest:
            best = self.numa_info.closest(cur, cand)
        else:
            best = self.numa_info.narrowest(cur, cand)
        return current if best == cur else candidate

    def compare(self, current: TopologyHint | None, candidate: TopologyHint) -> TopologyHint | None:
        """Which of the best-so-far and a merged candidate wins (cases 1, 2, 3a, 3b, 3ca, 3cb, 3cc).

        Mirrors: topologymanager/policy.go HintMerger.compare
        """
        assert candidate.numa_affinity is not None
        cand_count = candidate.numa_affinity.bit_count()
        if cand_count == 0:
            return current
        if current is None:
            return candidate
        if not current.preferred and candidate.preferred:
            return candidate
        if current.preferred and not candidate.preferred:
            return current
        if current.preferred and candidate.preferred:
            return self.compare_numa_affinity_masks(current, candidate)
        assert current.numa_affinity is not None
        best = self.best_non_preferred_affinity_count
        cur_count = current.numa_affinity.bit_count()
        if cur_count > best:  # case 1
            return self.compare_numa_affinity_masks(current, candidate)
        if cur_count == best:  # case 2
            if cand_count != best:
                return current
            return self.compare_numa_affinity_masks(current, candidate)
        if cand_count > best:  # case 3a
            return current
        if cand_count == best:  # case 3b
            return candidate
        if cand_count > cur_count:  # case 3ca
            return candidate
        if cand_count < cur_count:  # case 3cb
            return current
        return self.compare_numa_affinity_masks(current, candidate)  # case 3cc

    def merge(self) -> TopologyHint:
        """Reference merge: walk the whole cartesian product (exponential; for tests/small inputs).

        Mirrors: topologymanager/policy.go HintMerger.Merge
        """
        default = self.numa_info.default_affinity_mask()
        best: TopologyHint | None = None
        for permutation in iterate_all_provider_topology_hints(self.hints):
            best = self.compare(best, merge_permutation(default, permutation))
        return best if best is not None else TopologyHint(default, False)

    def merge_fast(self) -> TopologyHint:
        """The same winner as ``merge`` without walking the product (see the module docstring)."""
        default = self.numa_info.default_affinity_mask()
        best: TopologyHint | None = None
        distances = self.numa_info.distances if self.prefer_closest else None
        candidates = reachable_merged_hints(
            default, self.hints, self.best_non_preferred_affinity_count, distances
        )
        for candidate in candidates:
            best = self.compare(best, candidate)
        return best if best is not None else TopologyHint(default, False)


def _frozen(hints: Sequence[TopologyHint]) -> Sequence[TopologyHint]:
    """A read-only copy (a HintSpace is one already, and stays compact)."""
    if type(hints) is HintSpace:
        return hints
    return tuple(hints)


def new_hint_merger(
    numa_info: NUMAInfo,
    hints: Sequence[Sequence[TopologyHint]],
    policy_name: str,
    opts: TopologyManagerOptions,
) -> HintMerger:
    """Mirrors: topologymanager/policy.go NewHintMerger"""
    frozen = tuple(_frozen(h) for h in hints)
    return HintMerger(
        numa_info=numa_info,
        hints=frozen,
        best_non_preferred_affinity_count=max_of_min_affinity_counts(frozen),
        prefer_closest=policy_name != POLICY_SINGLE_NUMA_NODE and opts.prefer_closest_numa,
    )


def merge_fast(
    numa_info: NUMAInfo,
    hints: Sequence[Sequence[TopologyHint]],
    policy_name: str,
    opts: TopologyManagerOptions,
) -> TopologyHint:
    """``new_hint_merger(...).merge_fast()`` (the winner of ``HintMerger.Merge``), going straight
    to the fittest preferred merge when there is one: preferred merges beat every other, and
    among them ``compare`` keeps the narrowest mask (fewer nodes, then the numerically lower),
    which needs neither B nor the merger."""
    prefer_closest = policy_name != POLICY_SINGLE_NUMA_NODE and opts.prefer_closest_numa
    if not prefer_closest:
        preferred = preferred_merged_masks(numa_info.default_affinity_mask(), hints)
        if preferred:
            best = preferred[0]
            count = best.bit_count()
            for m in preferred:  # ascending: the first of the smallest count is the narrowest
                c = m.bit_count()
                if c < count:
                    best, count = m, c
            return TopologyHint(best, True)
    return new_hint_merger(numa_info, hints, policy_name, opts).merge_fast()
