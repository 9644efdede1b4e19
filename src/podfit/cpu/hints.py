"""NUMA topology hints of the static CPU policy.

Mirrors: cpumanager/policy_static.go ``generateCPUTopologyHints`` and ``isHintSocketAligned``
(v1.36), plus the ``CPUDetails`` lookups they use (topology.go ``NUMANodes``,
``CPUsInNUMANodes``, ``SocketsInNUMANodes``), over podfit's ``Machine``.
"""

from __future__ import annotations

from collections.abc import Iterable

from podfit.model.machine import Machine
from podfit.model.policy_options import CPUManagerOptions
from podfit.topology.bitmask import get_bits, iterate_bit_masks
from podfit.topology.hint import TopologyHint

__all__ = [
    "cpu_numa_ids",
    "cpus_in_numa_nodes",
    "generate_cpu_topology_hints",
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


def generate_cpu_topology_hints(
    machine: Machine, options: CPUManagerOptions, available: int, reusable: int, request: int
) -> list[TopologyHint]:
    """Every NUMA combination that can hold ``request`` CPUs (``reusable`` ones must all be
    inside it); the narrowest combinations that could hold the request on an empty machine are
    preferred (with ``align-by-socket``, also socket-aligned ones). Order: ``IterateBitMasks``.

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
