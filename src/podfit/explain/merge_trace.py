"""The Topology Manager's merge, replayed with the rule that decided each comparison.

The winner is the kubelet's (``Policy.merge``; the caller checks they agree); this module adds
which merged candidates were compared and by which branch of the kubelet's ``compare`` (its
"Case" labels: 1, 2, 3a, 3b, 3ca, 3cb, 3cc, plus the preferred / not-preferred rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice, product
from math import prod

from podfit.explain.values import Candidate, Demand, MergeTrace, ResourceHints
from podfit.topology.fastmerge import HintSpace
from podfit.topology.hint import ProviderHints, TopologyHint
from podfit.topology.merge import HintMerger, filter_providers_hints, merge_permutation, new_hint_merger
from podfit.topology.policy import POLICY_SINGLE_NUMA_NODE, Policy, filter_single_numa_hints

__all__ = ["RULES", "labelled_compare", "merged_candidates", "trace_merge"]

RULES: dict[str, str] = {
    "first": "the first merged hint with a non-empty mask",
    "empty-mask": "a merged hint with no NUMA node left is never chosen",
    "preferred-wins": "a preferred hint beats a non-preferred one",
    "preferred-kept": "the preferred best so far beats a non-preferred candidate",
    "both-preferred": "both preferred: the fitter mask wins "
    "(narrowest, or closest with prefer-closest-numa-nodes)",
    "case 1": "case 1: best so far is wider than B (the narrowest any resource can get): "
    "the fitter mask wins",
    "case 2": "case 2: best so far has exactly B NUMA nodes: kept unless the candidate also has B, "
    "then the fitter mask",
    "case 3a": "case 3a: best so far narrower than B, candidate wider than B: best kept",
    "case 3b": "case 3b: best so far narrower than B, candidate has exactly B: candidate wins",
    "case 3ca": "case 3ca: both narrower than B: the wider (candidate) wins",
    "case 3cb": "case 3cb: both narrower than B: the wider (best so far) is kept",
    "case 3cc": "case 3cc: both narrower than B with the same count: the fitter mask wins",
    "no-candidate": "no merged hint had a NUMA node: the default mask, not preferred",
    "not-traced": "too many hints to list the comparisons: the winner is the engine's merge",
}

_PRODUCT_LIMIT = 20_000
_KEEP_CANDIDATES = 256
_MAX_HINTS = 4096  # longer hint lists (many NUMA nodes) are shown truncated and not walked


def labelled_compare(
    merger: HintMerger, current: TopologyHint | None, candidate: TopologyHint
) -> tuple[TopologyHint | None, str]:
    """``merger.compare(current, candidate)`` and the name of the branch that decided it.

    Mirrors: topologymanager/policy.go HintMerger.compare
    """
    assert candidate.numa_affinity is not None
    cand_count = candidate.numa_affinity.bit_count()
    if cand_count == 0:
        return current, "empty-mask"
    if current is None:
        return candidate, "first"
    if not current.preferred and candidate.preferred:
        return candidate, "preferred-wins"
    if current.preferred and not candidate.preferred:
        return current, "preferred-kept"
    if current.preferred and candidate.preferred:
        return merger.compare_numa_affinity_masks(current, candidate), "both-preferred"
    assert current.numa_affinity is not None
    b = merger.best_non_preferred_affinity_count
    cur_count = current.numa_affinity.bit_count()
    if cur_count > b:
        return merger.compare_numa_affinity_masks(current, candidate), "case 1"
    if cur_count == b:
        if cand_count != b:
            return current, "case 2"
        return merger.compare_numa_affinity_masks(current, candidate), "case 2"
    if cand_count > b:
        return current, "case 3a"
    if cand_count == b:
        return candidate, "case 3b"
    if cand_count > cur_count:
        return candidate, "case 3ca"
    if cand_count < cur_count:
        return current, "case 3cb"
    return merger.compare_numa_affinity_masks(current, candidate), "case 3cc"


def _reachable(default: int, lists: Sequence[Sequence[TopologyHint]]) -> list[TopologyHint]:
    """Every distinct merged hint, by dynamic programming over (AND mask, first mask, preferred)."""
    states: set[tuple[int, int | None, bool]] = {(default, None, True)}
    for hints in lists:
        nxt: set[tuple[int, int | None, bool]] = set()
        for mask, first, ok in states:
            for h in hints:
                m, f, good = mask, first, ok and h.preferred
                if h.numa_affinity is not None:
                    m &= h.numa_affinity
                    if f is None:
                        f = h.numa_affinity
                    elif h.numa_affinity != f:
                        good = False
                nxt.add((m, f, good))
        states = nxt
    merged = {(m, ok) for m, _, ok in states}
    return [TopologyHint(m, ok) for m, ok in sorted(merged, key=lambda x: (x[0], not x[1]))]


def merged_candidates(default: int, lists: Sequence[Sequence[TopologyHint]]) -> list[TopologyHint]:
    """The distinct merged hints: in the kubelet's walk order (first occurrence) when the product
    is small, else in mask order (the winner does not depend on the order)."""
    if prod(len(h) for h in lists) <= _PRODUCT_LIMIT:
        seen: dict[tuple[int | None, bool], TopologyHint] = {}
        for perm in product(*lists):
            h = merge_permutation(default, perm)
            seen.setdefault((h.numa_affinity, h.preferred), h)
        return list(seen.values())
    return _reachable(default, lists)


def _resources(
    names: Sequence[str], providers_hints: Sequence[ProviderHints], demands: dict[tuple[str, str], Demand]
) -> tuple[ResourceHints, ...]:
    out: list[ResourceHints] = []
    for name, hints in zip(names, providers_hints, strict=True):
        if not hints:
            asked = [d for (p, _), d in demands.items() if p == name]
            # an empty answer counts as "no preference" for the merge, whatever was asked
            out.extend(ResourceHints(name, d.resource, None, d) for d in asked)
            if not asked:
                out.append(ResourceHints(name, "(no preference)", None))
            continue
        for resource, rh in hints.items():
            hs = None if rh is None else tuple(islice(rh, _KEEP_CANDIDATES))
            total = None
            if rh is not None and hs is not None:
                size = rh.size if isinstance(rh, HintSpace) else len(rh)
                total = size if size > len(hs) else None
            out.append(ResourceHints(name, resource, hs, demands.get((name, resource)), total))
    return tuple(out)


def _untraced(
    policy: Policy,
    container: str | None,
    resources: tuple[ResourceHints, ...],
    providers_hints: Sequence[ProviderHints],
) -> MergeTrace:
    best, admit = policy.merge(providers_hints)
    return MergeTrace(
        container=container,
        policy=policy.name,
        resources=resources,
        considered=(),
        best_non_preferred_affinity_count=0,
        compare_by="closest" if policy.opts.prefer_closest_numa else "narrowest",
        candidates=(),
        candidates_total=0,
        best_hint=best,
        winning_rule="not-traced",
        admit=admit,
    )


def trace_merge(
    policy: Policy,
    container: str | None,
    names: Sequence[str],
    providers_hints: Sequence[ProviderHints],
    demands: dict[tuple[str, str], Demand],
) -> MergeTrace:
    """The merge of ``providers_hints`` under ``policy``, with every comparison's rule."""
    assert policy.numa_info is not None
    resources = _resources(names, providers_hints, demands)
    filtered = filter_providers_hints(providers_hints)
    if policy.name == POLICY_SINGLE_NUMA_NODE:
        filtered = filter_single_numa_hints(filtered)  # type: ignore[assignment]
    if any(len(h) > _MAX_HINTS for h in filtered):
        return _untraced(policy, container, resources, providers_hints)
    lists = [tuple(h) for h in filtered]
    merger = new_hint_merger(policy.numa_info, lists, policy.name, policy.opts)
    default = policy.numa_info.default_affinity_mask()
    best: TopologyHint | None = None
    rule = "no-candidate"
    candidates: list[Candidate] = []
    all_candidates = merged_candidates(default, lists)
    for cand in all_candidates:
        new, why = labelled_compare(merger, best, cand)
        became = new is cand and new is not best
        if became:
            rule = why
        if len(candidates) < _KEEP_CANDIDATES:
            candidates.append(Candidate(cand, why, became))
        best = new
    if best is None:
        best = TopologyHint(default, False)
    if policy.name == POLICY_SINGLE_NUMA_NODE and best.numa_affinity == default:
        best = TopologyHint(None, best.preferred)
    return MergeTrace(
        container=container,
        policy=policy.name,
        resources=resources,
        considered=tuple(lists),
        best_non_preferred_affinity_count=merger.best_non_preferred_affinity_count,
        compare_by="closest" if merger.prefer_closest else "narrowest",
        candidates=tuple(candidates),
        candidates_total=len(all_candidates),
        best_hint=best,
        winning_rule=rule,
        admit=policy.can_admit_pod_result(best),
    )
