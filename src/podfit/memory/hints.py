"""Memory Manager topology hints: which NUMA masks can hold a request, which one is the default,
how a too-narrow Topology Manager hint is extended, and the single-vs-cross NUMA rule.

Mirrors: pkg/kubelet/cm/memorymanager/policy_static.go (v1.36, index id 4195507488)
``calculateHints``, ``isHintPreferred``, ``getDefaultHint``, ``isAffinitySatisfyRequest``,
``extendTopologyManagerHint``, ``isHintInGroup``, ``findBestHint``, ``regenerateHints``,
``isAffinityViolatingNUMAAllocations``, and the hint selection shared by ``Allocate`` and
``AllocatePod`` (:func:`select_hint`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from podfit.memory.machine_state import are_groups_equal
from podfit.memory.state import Block, NUMANodeMap
from podfit.model.pod import RESOURCE_MEMORY
from podfit.topology.bitmask import count, get_bits, is_narrower_than, iterate_bit_masks, new_bitmask
from podfit.topology.hint import TopologyHint

__all__ = [
    "calculate_hints",
    "extend_topology_manager_hint",
    "find_best_hint",
    "get_default_hint",
    "is_affinity_satisfy_request",
    "is_affinity_violating_numa_allocations",
    "is_hint_in_group",
    "regenerate_hints",
    "select_hint",
]

Hints = dict[str, list[TopologyHint]]
ReusableFor = Mapping[int, Mapping[str, int]]
"""NUMA mask -> resource -> reusable init-container bytes of the pod being placed."""


def _sums(
    machine_state: NUMANodeMap, bits: Sequence[int], requested: Mapping[str, int]
) -> tuple[dict[str, int], dict[str, int]]:
    free: dict[str, int] = {}
    allocatable: dict[str, int] = {}
    for node_id in bits:
        tables = machine_state[node_id].memory_map
        for name in requested:
            table = tables.get(name)
            free[name] = free.get(name, 0) + (table.free if table else 0)
            allocatable[name] = allocatable.get(name, 0) + (table.allocatable if table else 0)
    return free, allocatable


def calculate_hints(machine_state: NUMANodeMap, requested: Mapping[str, int], reusable: ReusableFor) -> Hints:
    """One hint per NUMA mask (kubelet order) whose free memory plus the pod's reusable memory covers
    every requested resource, skipping single-NUMA masks on nodes that belong to a multi-NUMA group
    and multi-NUMA masks that would mix groups; preferred = as narrow as the narrowest mask whose
    *allocatable* memory could hold the request. An empty result means no NUMA node has room.

    Mirrors: memorymanager/policy_static.go calculateHints / isHintPreferred (v1.36)
    """
    numa_nodes = sorted(machine_state)
    min_affinity_size = len(numa_nodes)
    hints: Hints = {}
    for mask in iterate_bit_masks(numa_nodes):
        bits = get_bits(mask)
        single = len(bits) == 1
        free, allocatable = _sums(machine_state, bits, requested)
        if any(allocatable[name] < size for name, size in requested.items()):
            continue
        min_affinity_size = min(min_affinity_size, count(mask))
        if single and len(machine_state[bits[0]].cells) > 1:
            continue
        if not single and any(
            machine_state[n].number_of_assignments > 0
            and (len(machine_state[n].cells) == 1 or not are_groups_equal(machine_state[n].cells, bits))
            for n in bits
        ):
            continue
        reuse = reusable.get(mask, {})
        if any(free[name] + reuse.get(name, 0) < size for name, size in requested.items()):
            continue
        for name in requested:
            hints.setdefault(name, []).append(TopologyHint(mask, False))
    for name in requested:
        if name in hints:
            hints[name] = [
                TopologyHint(h.numa_affinity, count(h.numa_affinity or 0) == min_affinity_size)
                for h in hints[name]
            ]
    return hints


def find_best_hint(hints: Sequence[TopologyHint]) -> TopologyHint:
    """The first preferred hint, narrowest among equals (``TopologyHint(None, False)`` if none).

    Mirrors: memorymanager/policy_static.go findBestHint (v1.36)
    """
    best = TopologyHint(None, False)
    for hint in hints:
        if best.numa_affinity is None:
            best = hint
            continue
        if hint.preferred and not best.preferred:
            best = hint
            continue
        if (
            hint.preferred == best.preferred
            and hint.numa_affinity is not None
            and is_narrower_than(hint.numa_affinity, best.numa_affinity)
        ):
            best = hint
    return best


def get_default_hint(
    machine_state: NUMANodeMap, requested: Mapping[str, int], reusable: ReusableFor
) -> tuple[TopologyHint | None, str | None]:
    """The hint used when the Topology Manager gave no NUMA affinity.

    Mirrors: memorymanager/policy_static.go getDefaultHint (v1.36)
    """
    hints = calculate_hints(machine_state, requested, reusable)
    if not hints:
        return None, (
            "[memorymanager] failed to get the default NUMA affinity, "
            "no NUMA nodes with enough memory is available"
        )
    return find_best_hint(hints.get(RESOURCE_MEMORY, [])), None


def is_affinity_satisfy_request(machine_state: NUMANodeMap, mask: int, requested: Mapping[str, int]) -> bool:
    """Whether the mask's free memory covers every requested resource.

    Mirrors: memorymanager/policy_static.go isAffinitySatisfyRequest (v1.36)
    """
    free, _ = _sums(machine_state, get_bits(mask), requested)
    return all(free.get(name, 0) >= size for name, size in requested.items())


def is_hint_in_group(hint: Sequence[int], group: Sequence[int]) -> bool:
    """Whether every NUMA id of ``hint`` is in ``group``.

    Mirrors: memorymanager/policy_static.go isHintInGroup (v1.36)
    """
    return set(hint) <= set(group)


def extend_topology_manager_hint(
    machine_state: NUMANodeMap, requested: Mapping[str, int], reusable: ReusableFor, mask: int
) -> tuple[TopologyHint | None, str | None]:
    """The best hint among those containing ``mask`` (the Topology Manager may hand back a subset).

    Mirrors: memorymanager/policy_static.go extendTopologyManagerHint (v1.36)
    """
    hints = calculate_hints(machine_state, requested, reusable)
    bits = get_bits(mask)
    filtered = [
        h for h in hints.get(RESOURCE_MEMORY, []) if is_hint_in_group(bits, get_bits(h.numa_affinity or 0))
    ]
    if not filtered:
        return None, "[memorymanager] failed to find NUMA nodes to extend the current topology hint"
    return find_best_hint(filtered), None


def is_affinity_violating_numa_allocations(machine_state: NUMANodeMap, mask: int) -> bool:
    """A multi-NUMA mask may not use a node already used alone or with another group.

    Mirrors: memorymanager/policy_static.go isAffinityViolatingNUMAAllocations (v1.36)
    """
    bits = get_bits(mask)
    if len(bits) == 1:
        return False
    for node_id in bits:
        node = machine_state[node_id]
        if node.number_of_assignments == 0:
            continue
        if len(node.cells) == 1 or not are_groups_equal(node.cells, bits):
            return True
    return False


def regenerate_hints(blocks: Sequence[Block], requested: Mapping[str, int]) -> Hints | None:
    """Preferred hints re-made from blocks already allocated (after a restart); ``None`` when the
    blocks do not match the request.

    Mirrors: memorymanager/policy_static.go regenerateHints (v1.36)
    """
    hints: Hints = {name: [] for name in requested}
    if len(blocks) != len(requested):
        return None
    for block in blocks:
        if block.type not in requested or block.size != requested[block.type]:
            return None
        try:
            affinity = new_bitmask(*block.numa_affinity)
        except ValueError:
            return None
        hints[block.type].append(TopologyHint(affinity, True))
    return hints


def select_hint(
    machine_state: NUMANodeMap,
    requested: Mapping[str, int],
    reusable: ReusableFor,
    given: TopologyHint | None,
) -> tuple[TopologyHint | None, str | None]:
    """The hint memory is pinned to: the Topology Manager's (``None`` = the store's empty hint),
    or the default hint when it has no NUMA affinity; extended when its free memory is short;
    refused when it would mix single- and cross-NUMA use of a node.

    Mirrors: memorymanager/policy_static.go Allocate / AllocatePod, hint steps (v1.36)
    """
    best = given if given is not None else TopologyHint(None, False)
    if best.numa_affinity is None:
        default, err = get_default_hint(machine_state, requested, reusable)
        if err is not None or default is None:
            return None, err
        if not default.preferred and best.preferred:
            return None, "[memorymanager] failed to find the default preferred hint"
        best = default
    mask = best.numa_affinity or 0
    if not is_affinity_satisfy_request(machine_state, mask, requested):
        extended, err = extend_topology_manager_hint(machine_state, requested, reusable, mask)
        if err is not None or extended is None:
            return None, err
        if not extended.preferred and best.preferred:
            return None, "[memorymanager] failed to find the extended preferred hint"
        best = extended
    if is_affinity_violating_numa_allocations(machine_state, best.numa_affinity or 0):
        return None, "[memorymanager] preferred hint violates NUMA node allocation"
    return best, None
