"""Topology Manager policies: none, best-effort, restricted, single-numa-node.

Mirrors: topologymanager/policy_none.go, policy_best_effort.go, policy_restricted.go,
policy_single_numa_node.go.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Final

from podfit.model.policy_options import TopologyManagerOptions
from podfit.topology.fastmerge import HintSpace, best_preferred_merge
from podfit.topology.hint import ProviderHints, TopologyHint
from podfit.topology.merge import (
    POLICY_SINGLE_NUMA_NODE,
    filter_providers_hints,
    merge_fast,
    new_hint_merger,
)
from podfit.topology.numa_info import NUMAInfo

__all__ = [
    "POLICY_BEST_EFFORT",
    "POLICY_NAMES",
    "POLICY_NONE",
    "POLICY_RESTRICTED",
    "POLICY_SINGLE_NUMA_NODE",
    "Policy",
    "filter_single_numa_hints",
    "is_alignment_guaranteed",
    "new_policy",
]

POLICY_NONE: Final = "none"
POLICY_BEST_EFFORT: Final = "best-effort"
POLICY_RESTRICTED: Final = "restricted"
POLICY_NAMES: Final = (POLICY_NONE, POLICY_BEST_EFFORT, POLICY_RESTRICTED, POLICY_SINGLE_NUMA_NODE)

_new = tuple.__new__
_NONE_RESULT: Final = (TopologyHint(None, False), True)
_ANY_PREFERRED_RESULT: Final = (TopologyHint(None, True), True)


def filter_single_numa_hints(
    all_resources_hints: Sequence[Sequence[TopologyHint]],
) -> list[list[TopologyHint]]:
    """Keep only preferred hints that are "any" or exactly one NUMA node (a list may become empty).

    Mirrors: topologymanager/policy_single_numa_node.go filterSingleNumaHints
    """
    out: list[list[TopologyHint]] = []
    for hints in all_resources_hints:
        # a HintSpace's extensions are never preferred: only its base hints can pass
        source = hints.tops if type(hints) is HintSpace else hints
        out.append(
            [
                h
                for h in source
                if h.preferred and (h.numa_affinity is None or h.numa_affinity.bit_count() == 1)
            ]
        )
    return out


@dataclass(frozen=True, slots=True)
class Policy:
    """A policy bound to the machine's NUMA info and the policy options.

    ``exact_reference=True`` merges by walking the whole cartesian product like the kubelet
    (exponential); the default uses the equivalent fast merge.
    """

    name: str
    numa_info: NUMAInfo | None = None
    opts: TopologyManagerOptions = field(default_factory=TopologyManagerOptions)
    exact_reference: bool = False
    # derived once from the fields above (a policy never changes): the default affinity mask and
    # whether ``merge`` may try the direct preferred merge (fast merge, no prefer-closest order)
    _default: int = field(init=False, default=0, compare=False, hash=False, repr=False)
    _direct: bool = field(init=False, default=False, compare=False, hash=False, repr=False)
    _single: bool = field(init=False, default=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        info = self.numa_info
        if self.name == POLICY_NONE or info is None or self.exact_reference:
            return
        with suppress(ValueError):  # a node id outside 0-63: ``merge`` refuses it per call
            object.__setattr__(self, "_default", info.default_affinity_mask())
            single = self.name == POLICY_SINGLE_NUMA_NODE
            object.__setattr__(self, "_single", single)
            object.__setattr__(self, "_direct", single or not self.opts.prefer_closest_numa)

    def can_admit_pod_result(self, hint: TopologyHint) -> bool:
        """best-effort (and none) always admit; restricted and single-numa-node need a preferred hint.

        Mirrors: topologymanager/policy_*.go canAdmitPodResult
        """
        if self.name in (POLICY_NONE, POLICY_BEST_EFFORT):
            return True
        return hint.preferred

    def merge(self, providers_hints: Sequence[ProviderHints]) -> tuple[TopologyHint, bool]:
        """The merged hint and whether the pod (or container) may be admitted.

        A preferred merge, when there is one, wins under every policy's ``compare`` (the narrowest
        such mask without prefer-closest-numa-nodes) and every policy admits it, so the fast merge
        tries ``best_preferred_merge`` on the unfiltered hints first.

        Mirrors: topologymanager/policy_*.go Merge
        """
        if self._direct:
            mask = best_preferred_merge(self._default, providers_hints, self._single)
            if mask is not None:
                if self._single and mask == self._default:
                    return _ANY_PREFERRED_RESULT
                return _new(TopologyHint, (mask, True)), True
        if self.name == POLICY_NONE:
            return _NONE_RESULT
        assert self.numa_info is not None, "policy needs NUMA info"
        filtered: Sequence[Sequence[TopologyHint]] = filter_providers_hints(providers_hints)
        if self.name == POLICY_SINGLE_NUMA_NODE:
            filtered = filter_single_numa_hints(filtered)
        if self.exact_reference:
            best = new_hint_merger(self.numa_info, filtered, self.name, self.opts).merge()
        else:
            best = merge_fast(self.numa_info, filtered, self.name, self.opts)
        single_numa = self.name == POLICY_SINGLE_NUMA_NODE
        if single_numa and best.numa_affinity == self.numa_info.default_affinity_mask():
            best = TopologyHint(None, best.preferred)
        return best, self.can_admit_pod_result(best)


def new_policy(
    name: str,
    numa_info: NUMAInfo | None,
    opts: TopologyManagerOptions | None = None,
    *,
    exact_reference: bool = False,
) -> Policy:
    """A policy by its kubelet name (``ValueError`` for an unknown name: 'unknown policy: "x"').

    Mirrors: topologymanager/policy_*.go New*Policy
    """
    if name not in POLICY_NAMES:
        raise ValueError(f'unknown policy: "{name}"')
    return Policy(
        name=name,
        numa_info=None if name == POLICY_NONE else numa_info,
        opts=opts or TopologyManagerOptions(),
        exact_reference=exact_reference,
    )


def is_alignment_guaranteed(policy: Policy) -> bool:
    """Only single-numa-node guarantees NUMA alignment (or failure).

    Mirrors: topologymanager/policy.go IsAlignmentGuaranteed
    """
    return policy.name == POLICY_SINGLE_NUMA_NODE
