"""NUMA nodes of the machine and their distances, with the two mask "fitness" orders.

Mirrors: topologymanager/numa_info.go.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from podfit.errors import InputError
from podfit.model.machine import Machine
from podfit.model.policy_options import TopologyManagerOptions
from podfit.topology.bitmask import get_bits, is_less_than, is_narrower_than, new_bitmask

__all__ = ["NUMADistances", "NUMAInfo", "calculate_average_for", "new_numa_info", "numa_info_from_machine"]

# node id -> distance row (row[j] = distance from that node to node j), as cAdvisor reports it.
NUMADistances = Mapping[int, Sequence[int] | None]


def calculate_average_for(distances: NUMADistances, mask: int) -> float:
    """Mean distance over all ordered pairs (including a node with itself) of nodes in ``mask``.

    Mirrors: topologymanager/numa_info.go NUMADistances.CalculateAverageFor
    """
    bits = get_bits(mask)
    if not bits:
        return 0.0
    total = 0.0
    n = 0.0
    for a in bits:
        row = distances[a]
        assert row is not None, f"no distances for NUMA node {a}"
        for b in bits:
            total += float(row[b])
            n += 1
    return total / n


@dataclass(frozen=True, slots=True)
class NUMAInfo:
    """NUMA node ids (in discovery order) and their distance rows."""

    nodes: tuple[int, ...]
    distances: Mapping[int, tuple[int, ...] | None] = field(default_factory=dict, hash=False)
    # the default affinity mask, computed once (None: a node id outside 0-63, refused per call)
    _default_mask: int | None = field(init=False, default=None, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        with suppress(ValueError):
            object.__setattr__(self, "_default_mask", new_bitmask(*self.nodes))

    def default_affinity_mask(self) -> int:
        """The mask of every NUMA node.

        Mirrors: topologymanager/numa_info.go NUMAInfo.DefaultAffinityMask
        """
        mask = self._default_mask
        return new_bitmask(*self.nodes) if mask is None else mask

    def narrowest(self, m1: int, m2: int) -> int:
        """Mirrors: topologymanager/numa_info.go NUMAInfo.Narrowest"""
        return m1 if is_narrower_than(m1, m2) else m2

    def closest(self, m1: int, m2: int) -> int:
        """Different sizes: the narrower; same size: lower average distance, then lower mask.

        Mirrors: topologymanager/numa_info.go NUMAInfo.Closest
        """
        if m1.bit_count() != m2.bit_count():
            return self.narrowest(m1, m2)
        d1 = calculate_average_for(self.distances, m1)
        d2 = calculate_average_for(self.distances, m2)
        if d1 == d2:
            return m1 if is_less_than(m1, m2) else m2
        return m1 if d1 < d2 else m2


def new_numa_info(
    topology: Sequence[tuple[int, Sequence[int] | None]], opts: TopologyManagerOptions
) -> NUMAInfo:
    """Build the NUMA info from ``(node id, distances)`` pairs; distances are only kept (and
    required) with ``prefer-closest-numa-nodes``.

    Mirrors: topologymanager/numa_info.go NewNUMAInfo
    """
    nodes: list[int] = []
    distances: dict[int, tuple[int, ...] | None] = {}
    for numa_id, node_distances in topology:
        nodes.append(numa_id)
        row: tuple[int, ...] | None = None
        if opts.prefer_closest_numa:
            if node_distances is None:
                raise InputError("machine.numaNodes", "error getting NUMA distances from cadvisor")
            row = tuple(node_distances)
        distances[numa_id] = row
    return NUMAInfo(nodes=tuple(nodes), distances=distances)


def numa_info_from_machine(machine: Machine, opts: TopologyManagerOptions) -> NUMAInfo:
    """The NUMA info the kubelet builds for ``machine`` (every NUMA node, memory-only ones too).

    Distance rows are indexed by NUMA node id, as the kubelet indexes them. (cAdvisor reports a
    row per node over the online nodes in id order, so both agree when the ids are 0..n-1; on
    machines with gaps in the ids the kubelet would index past the row -- here the row is padded
    with the distances by id instead.)
    """
    ids = machine.numa_ids
    width = max(ids, default=-1) + 1
    topology: list[tuple[int, tuple[int, ...]]] = []
    for i, numa_id in enumerate(ids):
        row = [0] * width
        for j, other in enumerate(ids):
            row[other] = machine.numa_distances[i][j]
        topology.append((numa_id, tuple(row)))
    return new_numa_info(topology, opts)
