"""Memory Manager topology hints: which NUMA masks can hold a request, which one is the default,
how a too-narrow Topology Manager hint is extended, and the single-vs-cross NUMA rule.

Mirrors: pkg/kubelet/cm/memorymanager/policy_static.go
``calculateHints``, ``isHintPreferred``, ``getDefaultHint``, ``isAffinitySatisfyRequest``,
``extendTopologyManagerHint``, ``isHintInGroup``, ``findBestHint``, ``regenerateHints``,
``isAffinityViolatingNUMAAllocations``, and the hint selection shared by ``Allocate`` and
``AllocatePod`` (:func:`select_hint`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import cast

from podfit.memory.machine_state import are_groups_equal
from podfit.memory.state import Block, NUMANodeMap
from podfit.model.pod import RESOURCE_MEMORY
from podfit.topology.bitmask import (
    MAX_BITS,
    count,
    get_bits,
    is_narrower_than,
    iterate_bit_masks,
    new_bitmask,
)
from podfit.topology.fastmerge import HintSpace
from podfit.topology.hint import TopologyHint, new_hints

__all__ = [
    "calculate_hints",
    "calculate_hints_reference",
    "extend_topology_manager_hint",
    "find_best_hint",
    "free_memory_covers",
    "get_default_hint",
    "hints_of",
    "is_affinity_satisfy_request",
    "is_affinity_violating_numa_allocations",
    "is_hint_in_group",
    "mixes_groups",
    "regenerate_hints",
    "select_hint",
]

Hints = dict[str, Sequence[TopologyHint]]
ReusableFor = Mapping[int, Mapping[str, int]]
"""NUMA mask -> resource -> reusable init-container bytes of the pod being placed."""


def _sums(
    machine_state: NUMANodeMap, bits: Sequence[int], requested: Mapping[str, int]
) -> tuple[dict[str, int], dict[str, int]]:
    free: dict[str, int] = {}
    allocatable: dict[str, int] = {}
    for numa_id in bits:
        tables = machine_state[numa_id].memory_map
        for name in requested:
            table = tables.get(name)
            free[name] = free.get(name, 0) + (table.free if table else 0)
            allocatable[name] = allocatable.get(name, 0) + (table.allocatable if table else 0)
    return free, allocatable


def calculate_hints_reference(
    machine_state: NUMANodeMap, requested: Mapping[str, int], reusable: ReusableFor
) -> Hints:
    """One hint per NUMA mask (kubelet order) whose free memory plus the pod's reusable memory covers
    every requested resource, skipping single-NUMA masks on nodes that belong to a multi-NUMA group
    and multi-NUMA masks that would mix groups; preferred = as narrow as the narrowest mask whose
    *allocatable* memory could hold the request. An empty result means no NUMA node has room.
    The literal version over every NUMA mask; :func:`calculate_hints` gives the same hints.

    Mirrors: memorymanager/policy_static.go calculateHints / isHintPreferred
    """
    min_affinity_size = len(machine_state)
    masks: list[int] = []
    for mask in iterate_bit_masks(sorted(machine_state)):
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
        masks.append(mask)
    if not masks:
        return {}
    # every requested resource gets the same hints (its own list of them)
    preferred = new_hints((m, m.bit_count() == min_affinity_size) for m in masks)
    return {name: preferred.copy() for name in requested}


def _columns(
    machine_state: NUMANodeMap, names: Sequence[str]
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Per NUMA node: its free and its allocatable bytes of each of ``names`` (0 when absent)."""
    free: dict[int, list[int]] = {}
    allocatable: dict[int, list[int]] = {}
    for numa_id, numa_node in machine_state.items():
        tables = numa_node.memory_map
        f, a = [], []
        for name in names:
            table = tables.get(name)
            if table is None:
                f.append(0)
                a.append(0)
            else:
                f.append(table.free)
                a.append(table.allocatable)
        free[numa_id], allocatable[numa_id] = f, a
    return free, allocatable


def _covers(column: Mapping[int, list[int]], bits: Sequence[int], sizes: Sequence[int]) -> bool:
    """Whether the summed ``column`` of the nodes in ``bits`` reaches every size."""
    for i, size in enumerate(sizes):
        total = 0
        for numa_id in bits:
            total += column[numa_id][i]
        if total < size:
            return False
    return True


def mixes_groups(machine_state: NUMANodeMap, bits: Sequence[int]) -> bool:
    """Whether a node of ``bits`` is already used alone or with another group of nodes (the
    multi-NUMA test of :func:`is_affinity_violating_numa_allocations`)."""
    for numa_id in bits:
        numa_node = machine_state[numa_id]
        if numa_node.number_of_assignments > 0 and (
            len(numa_node.cells) == 1 or not are_groups_equal(numa_node.cells, bits)
        ):
            return True
    return False


def _hints_over(
    machine_state: NUMANodeMap, numa_nodes: Sequence[int], requested: Mapping[str, int], reusable: ReusableFor
) -> Hints:
    """:func:`calculate_hints_reference` restricted to the masks over ``numa_nodes`` (sorted;
    ``min_affinity_size`` still starts at the number of every NUMA node), with the per-node sums
    taken from columns read once instead of per mask."""
    if numa_nodes and numa_nodes[-1] >= MAX_BITS:
        new_bitmask(numa_nodes[-1])  # the kubelet's bitmask refuses the node id: same error
    names, sizes = list(requested), list(requested.values())
    free, allocatable = _columns(machine_state, names)
    min_affinity_size = len(machine_state)
    masks: list[int] = []
    for width in range(1, len(numa_nodes) + 1):
        for bits in combinations(numa_nodes, width):
            if not _covers(allocatable, bits, sizes):
                continue
            if width < min_affinity_size:
                min_affinity_size = width
            if width == 1:
                if len(machine_state[bits[0]].cells) > 1:
                    continue
            elif mixes_groups(machine_state, bits):
                continue
            mask = 0
            for numa_id in bits:
                mask |= 1 << numa_id
            reuse = reusable.get(mask) if reusable else None
            if reuse:
                wanted = [size - reuse.get(name, 0) for name, size in zip(names, sizes, strict=True)]
                if not _covers(free, bits, wanted):
                    continue
            elif not _covers(free, bits, sizes):
                continue
            masks.append(mask)
    if not masks:
        return {}
    # every requested resource gets the same hints (its own list of them)
    preferred = new_hints([(m, m.bit_count() == min_affinity_size) for m in masks])
    return {name: preferred.copy() for name in names}


def _idle_empty_nodes(machine_state: NUMANodeMap, requested: Mapping[str, int], reusable: ReusableFor) -> int:
    """The mask of nodes that cannot matter to a mask beyond making it multi-NUMA: no capacity for
    any requested resource, no assignment, their own group, in no other node's group and no
    reusable mask -- or 0 when the shortcut does not apply (then every mask is enumerated)."""
    for size in requested.values():
        if size <= 0:
            return 0
    empty = 0
    for numa_id, numa_node in machine_state.items():
        if numa_node.number_of_assignments or numa_node.cells != (numa_id,):
            continue
        tables = numa_node.memory_map
        for name in requested:
            t = tables.get(name)
            if t is not None and (t.allocatable != 0 or t.free != 0):
                break
        else:
            empty |= 1 << numa_id
    if not empty:
        return 0
    for numa_id, numa_node in machine_state.items():
        if not empty >> numa_id & 1:
            for cell in numa_node.cells:
                empty &= ~(1 << cell)
    for mask in reusable:
        empty &= ~mask
    return empty


def calculate_hints(machine_state: NUMANodeMap, requested: Mapping[str, int], reusable: ReusableFor) -> Hints:
    """The hints of :func:`calculate_hints_reference`, without enumerating masks of idle empty
    NUMA nodes (memory-only nodes with no memory, e.g. the 32 extra nodes of a GB200 tray).

    Adding such nodes to a mask changes no sum; it only makes the mask multi-NUMA, so the
    extension qualifies exactly when the mask does not use an assigned node and its free memory
    alone covers the request (never preferred: it is wider than the narrowest fit). The result is
    then a :class:`HintSpace` per resource (same hints, same order).

    Mirrors: memorymanager/policy_static.go calculateHints / isHintPreferred
    """
    empty = _idle_empty_nodes(machine_state, requested, reusable)
    nodes = sorted(machine_state)
    if not empty:
        return _hints_over(machine_state, nodes, requested, reusable)
    core_nodes = [n for n in nodes if not empty >> n & 1]
    hints = _hints_over(machine_state, core_nodes, requested, reusable)
    base = next(iter(hints.values()), [])
    in_base = {h.numa_affinity for h in base}
    extendable: set[int] = set()
    for mask in iterate_bit_masks(core_nodes):
        bits = get_bits(mask)
        free, allocatable = _sums(machine_state, bits, requested)
        if any(allocatable[n] < size or free[n] < size for n, size in requested.items()):
            continue
        if any(machine_state[n].number_of_assignments > 0 for n in bits):
            continue
        if mask not in in_base:
            return _hints_over(machine_state, nodes, requested, reusable)  # not a base hint
        extendable.add(mask)
    if not base:
        return hints
    space = HintSpace(nodes, base, empty, extendable)
    return {name: space.hints for name in hints}


def _find_best(hints: Sequence[TopologyHint]) -> TopologyHint:
    # a HintSpace's extensions are wider than their (base) mask and never preferred
    return find_best_hint(hints.base if isinstance(hints, HintSpace) else hints)


def find_best_hint(hints: Sequence[TopologyHint]) -> TopologyHint:
    """The first preferred hint, narrowest among equals (``TopologyHint(None, False)`` if none).

    Mirrors: memorymanager/policy_static.go findBestHint
    """
    best = TopologyHint(None, False)
    for hint in hints:
        best_mask = best.numa_affinity
        if best_mask is None:
            best = hint
            continue
        if hint.preferred and not best.preferred:
            best = hint
            continue
        if (
            hint.preferred == best.preferred
            and hint.numa_affinity is not None
            and is_narrower_than(hint.numa_affinity, best_mask)
        ):
            best = hint
    return best


def hints_of(
    machine_state: NUMANodeMap, requested: Mapping[str, int], reusable: ReusableFor, reference: bool
) -> Hints:
    """:func:`calculate_hints`, or with ``reference`` :func:`calculate_hints_reference`."""
    if reference:
        return calculate_hints_reference(machine_state, requested, reusable)
    return calculate_hints(machine_state, requested, reusable)


def get_default_hint(
    machine_state: NUMANodeMap, requested: Mapping[str, int], reusable: ReusableFor, reference: bool = False
) -> tuple[TopologyHint | None, str | None]:
    """The hint used when the Topology Manager gave no NUMA affinity.

    Mirrors: memorymanager/policy_static.go getDefaultHint
    """
    hints = hints_of(machine_state, requested, reusable, reference)
    if not hints:
        return None, (
            "[memorymanager] failed to get the default NUMA affinity, "
            "no NUMA nodes with enough memory is available"
        )
    return _find_best(hints.get(RESOURCE_MEMORY, [])), None


def is_affinity_satisfy_request(machine_state: NUMANodeMap, mask: int, requested: Mapping[str, int]) -> bool:
    """Whether the mask's free memory covers every requested resource.

    Mirrors: memorymanager/policy_static.go isAffinitySatisfyRequest
    """
    return free_memory_covers(machine_state, get_bits(mask), requested)


def free_memory_covers(machine_state: NUMANodeMap, bits: Sequence[int], requested: Mapping[str, int]) -> bool:
    """Whether the free memory of the NUMA nodes ``bits`` covers every requested resource."""
    for name, size in requested.items():
        free = 0
        for numa_id in bits:
            table = machine_state[numa_id].memory_map.get(name)
            if table is not None:
                free += table.free
        if free < size:
            return False
    return True


def is_hint_in_group(hint: Sequence[int], group: Sequence[int]) -> bool:
    """Whether every NUMA id of ``hint`` is in ``group``.

    Mirrors: memorymanager/policy_static.go isHintInGroup
    """
    return set(hint) <= set(group)


def extend_topology_manager_hint(
    machine_state: NUMANodeMap,
    requested: Mapping[str, int],
    reusable: ReusableFor,
    mask: int,
    reference: bool = False,
) -> tuple[TopologyHint | None, str | None]:
    """The best hint among those containing ``mask`` (the Topology Manager may hand back a subset).

    Mirrors: memorymanager/policy_static.go extendTopologyManagerHint
    """
    hints = hints_of(machine_state, requested, reusable, reference)
    memory_hints = hints.get(RESOURCE_MEMORY, [])
    failed = "[memorymanager] failed to find NUMA nodes to extend the current topology hint"
    if isinstance(memory_hints, HintSpace) and mask & memory_hints.free:
        # only extensions contain the mask: the narrowest extendable core that holds the rest
        wanted, rest = mask & memory_hints.free, mask & ~memory_hints.free
        cores = [g for g in memory_hints.extendable if g & rest == rest]
        if not cores:
            return None, failed
        best = min(cores, key=lambda g: (g.bit_count(), g))
        return TopologyHint(best | wanted, False), None
    if isinstance(memory_hints, HintSpace):
        memory_hints = memory_hints.base  # an extension is never better than its base mask
    bits = get_bits(mask)
    filtered = [h for h in memory_hints if is_hint_in_group(bits, get_bits(h.numa_affinity or 0))]
    if not filtered:
        return None, failed
    return find_best_hint(filtered), None


def is_affinity_violating_numa_allocations(machine_state: NUMANodeMap, mask: int) -> bool:
    """A multi-NUMA mask may not use a node already used alone or with another group.

    Mirrors: memorymanager/policy_static.go isAffinityViolatingNUMAAllocations
    """
    bits = get_bits(mask)
    return len(bits) > 1 and mixes_groups(machine_state, bits)


def regenerate_hints(blocks: Sequence[Block], requested: Mapping[str, int]) -> Hints | None:
    """Preferred hints re-made from blocks already allocated (after a restart); ``None`` when the
    blocks do not match the request.

    Mirrors: memorymanager/policy_static.go regenerateHints
    """
    hints: dict[str, list[TopologyHint]] = {name: [] for name in requested}
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
    return cast(Hints, hints)


def select_hint(
    machine_state: NUMANodeMap,
    requested: Mapping[str, int],
    reusable: ReusableFor,
    given: TopologyHint | None,
    reference: bool = False,
) -> tuple[TopologyHint | None, str | None]:
    """The hint memory is pinned to: the Topology Manager's (``None`` = the store's empty hint),
    or the default hint when it has no NUMA affinity; extended when its free memory is short;
    refused when it would mix single- and cross-NUMA use of a node.

    Mirrors: memorymanager/policy_static.go Allocate / AllocatePod, hint steps
    """
    best = given if given is not None else TopologyHint(None, False)
    if best.numa_affinity is None:
        default, err = get_default_hint(machine_state, requested, reusable, reference)
        if err is not None or default is None:
            return None, err
        if not default.preferred and best.preferred:
            return None, "[memorymanager] failed to find the default preferred hint"
        best = default
    mask = best.numa_affinity or 0
    if not is_affinity_satisfy_request(machine_state, mask, requested):
        extended, err = extend_topology_manager_hint(machine_state, requested, reusable, mask, reference)
        if err is not None or extended is None:
            return None, err
        if not extended.preferred and best.preferred:
            return None, "[memorymanager] failed to find the extended preferred hint"
        best = extended
    if is_affinity_violating_numa_allocations(machine_state, best.numa_affinity or 0):
        return None, "[memorymanager] preferred hint violates NUMA node allocation"
    return best, None
