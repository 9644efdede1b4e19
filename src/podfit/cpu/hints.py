"""NUMA topology hints of the static CPU policy.

Mirrors: cpumanager/policy_static.go ``generateCPUTopologyHints`` and ``isHintSocketAligned``
(v1.36), plus the ``CPUDetails`` lookups they use (topology.go ``NUMANodes``,
``CPUsInNUMANodes``, ``SocketsInNUMANodes``), over podfit's ``Machine``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import combinations

from podfit.model.machine import Machine
from podfit.model.policy_options import CPUManagerOptions
from podfit.topology.bitmask import get_bits, iterate_bit_masks
from podfit.topology.hint import TopologyHint

__all__ = [
    "cpu_numa_ids",
    "cpus_in_numa_nodes",
    "generate_cpu_topology_hints",
    "generate_cpu_topology_hints_reference",
    "is_hint_socket_aligned",
    "sockets_in_numa_nodes",
]


def cpu_numa_ids(machine: Machine) -> list[int]:
    """The NUMA nodes that hold CPUs, ascending (memory-only nodes are unknown to the CPU Manager).

    Mirrors: cpumanager/topology/topology.go CPUDetails.NUMANodes (v1.36)
    """
    return sorted({c.numa for c in machine.cpus})


def cpus_in_numa_nodes(machine: Machine, numa_ids: Iterable[int]) -> int:
    """Mirrors: cpumanager/topology/topology.go CPUDetails.CPUsInNUMANodes (v1.36)"""
    out = 0
    by_numa = machine.numa_cpus
    for n in numa_ids:
        out |= by_numa.get(n, 0)
    return out


def sockets_in_numa_nodes(machine: Machine, numa_ids: Iterable[int]) -> set[int]:
    """Mirrors: cpumanager/topology/topology.go CPUDetails.SocketsInNUMANodes (v1.36)"""
    wanted = set(numa_ids)
    return {c.socket for c in machine.cpus if c.numa in wanted}


def is_hint_socket_aligned(machine: Machine, hint: TopologyHint, min_affinity_size: int) -> bool:
    """Whether the hint's NUMA nodes span exactly as many sockets as the smallest fit needs.

    Mirrors: cpumanager/policy_static.go isHintSocketAligned (v1.36)
    """
    assert hint.numa_affinity is not None
    num_sockets = machine.num_sockets
    numa_per_socket = machine.num_numa_nodes_with_cpus // num_sockets if num_sockets else 0
    if numa_per_socket == 0:
        return False
    min_sockets = (min_affinity_size + numa_per_socket - 1) // numa_per_socket
    return len(sockets_in_numa_nodes(machine, get_bits(hint.numa_affinity))) == min_sockets


def generate_cpu_topology_hints_reference(
    machine: Machine, options: CPUManagerOptions, available: int, reusable: int, request: int
) -> list[TopologyHint]:
    """Every NUMA combination that can hold ``request`` CPUs (``reusable`` ones must all be
    inside it); the narrowest combinations that could hold the request on an empty machine are
    preferred (with ``align-by-socket``, also socket-aligned ones). Order: ``IterateBitMasks``.
    The literal version (CPU sets rebuilt per mask); :func:`generate_cpu_topology_hints` is the
    same computation with per-mask counts built incrementally.

    Mirrors: cpumanager/policy_static.go generateCPUTopologyHints (v1.36)
    """
    numa_ids = cpu_numa_ids(machine)
    min_affinity_size = len(numa_ids)
    num_reusable = reusable.bit_count()
    masks: list[int] = []
    for mask in iterate_bit_masks(numa_ids):
        cpus_in_mask = cpus_in_numa_nodes(machine, get_bits(mask))
        count = mask.bit_count()
        if cpus_in_mask.bit_count() >= request and count < min_affinity_size:
            min_affinity_size = count
        if reusable & ~cpus_in_mask:
            continue  # a reusable CPU lies outside this combination
        if num_reusable + (available & cpus_in_mask).bit_count() < request:
            continue
        masks.append(mask)

    hints: list[TopologyHint] = []
    for mask in masks:
        hint = TopologyHint(mask, False)
        preferred = mask.bit_count() == min_affinity_size
        if options.align_by_socket and is_hint_socket_aligned(machine, hint, min_affinity_size):
            preferred = True
        hints.append(TopologyHint(mask, preferred))
    return hints


def _masks_of_size(ids: Sequence[int], size: int) -> Iterator[int]:
    """The masks of ``size`` nodes in ``IterateBitMasks(ids)`` order (without its range checks)."""
    bits = [1 << i for i in ids]
    if size == 1:
        return iter(bits)
    return (sum(combo) for combo in combinations(bits, size))


def generate_cpu_topology_hints(
    machine: Machine, options: CPUManagerOptions, available: int, reusable: int, request: int
) -> list[TopologyHint]:
    """The hints of :func:`generate_cpu_topology_hints_reference`, in the same order.

    A mask's CPU count and available-CPU count are its lowest node's plus those of the mask
    without that node (already seen: ``IterateBitMasks`` goes by increasing size); "every
    reusable CPU inside" is "the reusable CPUs' NUMA nodes inside the mask"; the sockets of a mask
    are the union of its nodes' sockets.

    Mirrors: cpumanager/policy_static.go generateCPUTopologyHints (v1.36)
    """
    by_numa = machine.numa_cpus
    numa_ids = sorted(n for n, cpus in by_numa.items() if cpus)  # == cpu_numa_ids(machine)
    total = {1 << n: by_numa[n].bit_count() for n in numa_ids}
    free = {1 << n: (available & by_numa[n]).bit_count() for n in numa_ids}
    reuse_numa = 0
    outside = reusable
    for n in numa_ids:
        if reusable & by_numa[n]:
            reuse_numa |= 1 << n
            outside &= ~by_numa[n]
    need = request - reusable.bit_count()
    min_affinity_size = len(numa_ids)
    masks: list[int] = []
    for size in range(1, len(numa_ids) + 1):
        fits = False
        for mask in _masks_of_size(numa_ids, size):
            if size > 1:
                rest = mask & (mask - 1)
                low = mask ^ rest
                in_mask = total[mask] = total[rest] + total[low]
                free_in = free[mask] = free[rest] + free[low]
            else:
                in_mask, free_in = total[mask], free[mask]
            if in_mask >= request:
                fits = True
            if free_in >= need and not (outside or reuse_numa & ~mask):
                masks.append(mask)
        if fits and size < min_affinity_size:
            min_affinity_size = size

    if options.align_by_socket:
        socket_of = {
            1 << n: sum(1 << s for s, cpus in machine.socket_cpus.items() if cpus & by_numa[n])
            for n in numa_ids
        }
        num_sockets = machine.num_sockets
        numa_per_socket = machine.num_numa_nodes_with_cpus // num_sockets if num_sockets else 0
        min_sockets = -(-min_affinity_size // numa_per_socket) if numa_per_socket else -1
        hints: list[TopologyHint] = []
        for mask in masks:
            sockets = 0
            m = mask
            while m:
                low = m & -m
                sockets |= socket_of.get(low, 0)
                m ^= low
            preferred = mask.bit_count() == min_affinity_size or sockets.bit_count() == min_sockets
            hints.append(TopologyHint(mask, preferred))
        return hints
    return [TopologyHint(m, m.bit_count() == min_affinity_size) for m in masks]
