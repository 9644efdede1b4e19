"""NUMA topology hints of the static CPU policy.

Mirrors: cpumanager/policy_static.go ``generateCPUTopologyHints`` and ``isHintSocketAligned``
, plus the ``CPUDetails`` lookups they use (topology.go ``NUMANodes``,
``CPUsInNUMANodes``, ``SocketsInNUMANodes``), over podfit's ``Machine``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations, repeat

from podfit.model.machine import Machine
from podfit.model.policy_options import CPUManagerOptions
from podfit.topology.bitmask import get_bits, iterate_bit_masks
from podfit.topology.hint import TopologyHint, new_hints

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

    Mirrors: cpumanager/topology/topology.go CPUDetails.NUMANodes
    """
    return sorted({c.numa for c in machine.cpus})


def cpus_in_numa_nodes(machine: Machine, numa_ids: Iterable[int]) -> int:
    """Mirrors: cpumanager/topology/topology.go CPUDetails.CPUsInNUMANodes"""
    out = 0
    by_numa = machine.numa_cpus
    for n in numa_ids:
        out |= by_numa.get(n, 0)
    return out


def sockets_in_numa_nodes(machine: Machine, numa_ids: Iterable[int]) -> set[int]:
    """Mirrors: cpumanager/topology/topology.go CPUDetails.SocketsInNUMANodes"""
    wanted = set(numa_ids)
    return {c.socket for c in machine.cpus if c.numa in wanted}


def is_hint_socket_aligned(machine: Machine, hint: TopologyHint, min_affinity_size: int) -> bool:
    """Whether the hint's NUMA nodes span exactly as many sockets as the smallest fit needs.

    Mirrors: cpumanager/policy_static.go isHintSocketAligned
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

    Mirrors: cpumanager/policy_static.go generateCPUTopologyHints
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


@dataclass(frozen=True, slots=True)
class _Tables:
    """For the CPU NUMA nodes of a machine, masks numbered by position (``c``, bit i = the i-th
    node id)."""

    numa_ids: tuple[int, ...]  # the NUMA nodes with CPUs, ascending
    node_cpus: tuple[int, ...]  # their CPU masks
    reach: tuple[int, ...]  # [k - 1]: the CPUs of the k largest nodes together
    blocks: list[list[int]]  # the masks of each size, in IterateBitMasks order
    plain: list[TopologyHint]  # per c: its hint (the real mask), not preferred
    preferred: list[TopologyHint]  # per c: preferred
    block_plain: list[list[TopologyHint]]  # per size: the hints of every mask of the block
    block_preferred: list[list[TopologyHint]]


def _machine_tables(machine: Machine) -> _Tables:
    """The machine's tables, built on first use and kept on the machine (``Machine.derived``)."""
    tables = machine.derived.get("cpu-hint-tables")
    if tables is None:
        tables = machine.derived["cpu-hint-tables"] = _tables(tuple(machine.numa_cpus.items()))
    return tables  # type: ignore[return-value]


def _tables(numa_cpus: tuple[tuple[int, int], ...]) -> _Tables:
    """The tables of one machine (``numa_cpus``: its (NUMA id, CPU mask) pairs). Hints are
    immutable values, so calls share them."""
    numa_ids = tuple(sorted(n for n, cpus in numa_cpus if cpus))  # == cpu_numa_ids(machine)
    node_cpus = tuple(dict(numa_cpus)[i] for i in numa_ids)
    reach, acc = [], 0
    for count in sorted((c.bit_count() for c in node_cpus), reverse=True):
        acc += count
        reach.append(acc)
    n = len(numa_ids)
    bits = [1 << i for i in range(n)]
    blocks = [bits if size == 1 else list(map(sum, combinations(bits, size))) for size in range(1, n + 1)]
    real: list[int | None] = list(_unions([1 << i for i in numa_ids]))
    real[0] = None  # never selected
    plain = new_hints(zip(real, repeat(False)))
    preferred = new_hints(zip(real, repeat(True)))
    return _Tables(
        numa_ids,
        node_cpus,
        tuple(reach),
        blocks,
        plain,
        preferred,
        [list(map(plain.__getitem__, b)) for b in blocks],
        [list(map(preferred.__getitem__, b)) for b in blocks],
    )


def _sums(values: Sequence[int]) -> list[int]:
    """``out[c]`` = sum of ``values[i]`` over the bits i of ``c`` (every c < 2^len(values))."""
    out = [0]
    for v in values:
        out += [x + v for x in out]
    return out


def _unions(values: Sequence[int]) -> list[int]:
    """``out[c]`` = OR of ``values[i]`` over the bits i of ``c``."""
    out = [0]
    for v in values:
        out += [x | v for x in out]
    return out


def generate_cpu_topology_hints(
    machine: Machine, options: CPUManagerOptions, available: int, reusable: int, request: int
) -> list[TopologyHint]:
    """The hints of :func:`generate_cpu_topology_hints_reference`, in the same order.

    Masks are numbered over the positions of the CPU NUMA nodes (``c``). A mask's free-CPU
    count (and its sockets) is built for every ``c`` at once by doubling the table per node;
    "every reusable CPU inside" is "the reusable CPUs' NUMA nodes inside the mask"; the smallest
    mask that could hold the request on an empty machine has as many nodes as the largest nodes
    needed to reach ``request`` CPUs. ``IterateBitMasks`` goes by size: per size, every mask
    qualifies when its smallest nodes hold enough free CPUs, else each is tested.

    Mirrors: cpumanager/policy_static.go generateCPUTopologyHints
    """
    t = _machine_tables(machine)
    numa_ids, node_cpus = t.numa_ids, t.node_cpus
    reuse_pos = 0
    outside = reusable
    if reusable:
        for pos, cpus in enumerate(node_cpus):
            if reusable & cpus:
                reuse_pos |= 1 << pos
                outside &= ~cpus
    min_affinity_size = len(numa_ids)
    for k, reached in enumerate(t.reach, 1):
        if reached >= request:
            min_affinity_size = k
            break
    if outside:
        return []  # a reusable CPU is on no CPU NUMA node: no mask holds it
    need = request - reusable.bit_count()
    node_free = [(available & cpus).bit_count() for cpus in node_cpus]
    free: list[int] | None = None  # per c, built when a size has masks without enough free CPUs
    least = 0  # the free CPUs of the `size` emptiest nodes: every mask of that size has as many
    least_free = sorted(node_free)
    by_socket: list[int] | None = None
    min_sockets = -1
    if options.align_by_socket:
        by_socket = _unions(
            [sum(1 << s for s, cpus in machine.socket_cpus.items() if cpus & node) for node in node_cpus]
        )
        num_sockets = machine.num_sockets
        numa_per_socket = machine.num_numa_nodes_with_cpus // num_sockets if num_sockets else 0
        if numa_per_socket:
            min_sockets = -(-min_affinity_size // numa_per_socket)
    hints: list[TopologyHint] = []
    for size, block in enumerate(t.blocks, 1):
        least += least_free[size - 1]
        if not reuse_pos and least >= need:
            selected = block  # every mask of this size qualifies
            if by_socket is None or size == min_affinity_size:
                hints += (t.block_preferred if size == min_affinity_size else t.block_plain)[size - 1]
                continue
        else:
            if free is None:
                free = _sums(node_free)
            if reuse_pos:
                selected = [c for c in block if free[c] >= need and not reuse_pos & ~c]
            else:
                selected = [c for c in block if free[c] >= need]
        if size == min_affinity_size:
            hints += map(t.preferred.__getitem__, selected)
        elif by_socket is not None:
            hints += [
                t.preferred[c] if by_socket[c].bit_count() == min_sockets else t.plain[c] for c in selected
            ]
        else:
            hints += map(t.plain.__getitem__, selected)
    return hints
