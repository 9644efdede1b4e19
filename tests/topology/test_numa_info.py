"""NUMA info built from a Machine value."""

from __future__ import annotations

from podfit.model.machine import CPUInfo, Machine, NUMANode
from podfit.model.policy_options import TopologyManagerOptions
from podfit.topology.numa_info import numa_info_from_machine


def _machine(ids: tuple[int, ...], distances: tuple[tuple[int, ...], ...] | None = None) -> Machine:
    cpus = tuple(CPUInfo(cpu=i, core=i, socket=0, numa=n) for i, n in enumerate(ids))
    return Machine(
        cpus=cpus, numa_nodes=tuple(NUMANode(id=n, memory=1 << 30) for n in ids), distances=distances
    )


def test_contiguous_ids_keep_rows() -> None:
    m = _machine((0, 1, 2), ((10, 11, 20), (11, 10, 20), (20, 20, 10)))
    info = numa_info_from_machine(m, TopologyManagerOptions(prefer_closest_numa=True))
    assert info.nodes == (0, 1, 2)
    assert info.distances == {0: (10, 11, 20), 1: (11, 10, 20), 2: (20, 20, 10)}
    assert info.default_affinity_mask() == 0b111


def test_rows_are_indexed_by_node_id() -> None:
    m = _machine((0, 2), ((10, 21), (21, 10)))
    info = numa_info_from_machine(m, TopologyManagerOptions(prefer_closest_numa=True))
    assert info.distances == {0: (10, 0, 21), 2: (21, 0, 10)}
    assert info.closest(0b101, 0b001) == 0b001


def test_distances_dropped_without_prefer_closest() -> None:
    info = numa_info_from_machine(_machine((0, 1)), TopologyManagerOptions())
    assert info.distances == {0: None, 1: None}
