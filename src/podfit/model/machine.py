"""The node's hardware as the kubelet sees it: CPUs, NUMA nodes, memory, hugepages, devices.

Mirrors the parts of cAdvisor ``MachineInfo`` the resource managers read, and cpumanager
``topology.CPUTopology`` / ``CPUDetails``: every logical CPU carries its core, socket,
NUMA node and uncore (L3) cache ids. Core ids are machine-unique (the kubelet uses the lowest
thread id of a core). CPU sets are int bitmasks (see :mod:`podfit.model.cpuset`).
Builders (synthetic description, explicit table, presets, sysfs) live in other modules; this one
only holds the value and its derived views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from podfit.model.cpuset import mask

__all__ = ["CPUInfo", "DeviceGroup", "Machine", "NUMANode"]


@dataclass(frozen=True, slots=True)
class CPUInfo:
    """One logical CPU (a hardware thread)."""

    cpu: int
    core: int
    socket: int
    numa: int
    uncore: int = 0


@dataclass(frozen=True, slots=True)
class NUMANode:
    """A NUMA node: its memory in bytes and its hugepages as (page size in bytes, page count)."""

    id: int
    memory: int
    hugepages: tuple[tuple[int, int], ...] = ()

    def hugepage_bytes(self, page_size: int) -> int:
        """Total bytes of hugepages of ``page_size`` on this node (0 if none)."""
        return sum(size * count for size, count in self.hugepages if size == page_size)


@dataclass(frozen=True, slots=True)
class DeviceGroup:
    """``count`` devices of a device-plugin ``resource`` attached to NUMA node ``numa``
    (``None``: the devices report no NUMA affinity)."""

    resource: str
    numa: int | None
    count: int


def _default_distances(
    nodes: tuple[NUMANode, ...], socket_of: Mapping[int, int]
) -> tuple[tuple[int, ...], ...]:
    rows = []
    for a in nodes:
        row = []
        for b in nodes:
            if a.id == b.id:
                row.append(10)
            elif a.id in socket_of and socket_of.get(a.id) == socket_of.get(b.id):
                row.append(11)
            else:
                row.append(21)
        rows.append(tuple(row))
    return tuple(rows)


@dataclass(frozen=True)
class Machine:
    """A node's hardware. ``cpus`` sorted by CPU id; ``numa_nodes`` sorted by id and including
    memory-only NUMA nodes; ``distances[i][j]`` is the distance between ``numa_nodes[i]`` and
    ``numa_nodes[j]`` (``None``: 10 local, 11 same socket, 21 otherwise)."""

    cpus: tuple[CPUInfo, ...]
    numa_nodes: tuple[NUMANode, ...]
    distances: tuple[tuple[int, ...], ...] | None = None
    devices: tuple[DeviceGroup, ...] = ()
    memory_capacity: int | None = None  # machine memory (cAdvisor MemoryCapacity); None = sum of nodes
    name: str = ""
    # A memo for values other modules derive from this (immutable) machine, such as the CPU
    # manager's hint tables: computed once per machine, never shared between machines.
    derived: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)
    # the tables below, each computed on first read
    _tables: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ids = [c.cpu for c in self.cpus]
        if ids != sorted(set(ids)):
            raise ValueError("Machine.cpus must be sorted by CPU id, without duplicates")
        node_ids = [n.id for n in self.numa_nodes]
        if node_ids != sorted(set(node_ids)):
            raise ValueError("Machine.numa_nodes must be sorted by id, without duplicates")
        known = set(node_ids)
        for c in self.cpus:
            if c.numa not in known:
                raise ValueError(f"CPU {c.cpu} is on NUMA node {c.numa}, which the machine does not have")
        for d in self.devices:
            if d.numa is not None and d.numa not in known:
                raise ValueError(
                    f"device {d.resource} is on NUMA node {d.numa}, which the machine does not have"
                )
        if self.distances is not None:
            n = len(self.numa_nodes)
            if len(self.distances) != n or any(len(r) != n for r in self.distances):
                raise ValueError(f"NUMA distances must be a {n}x{n} matrix")

    # ----- sizes -------------------------------------------------------------------------
    @property
    def all_cpus(self) -> int:
        got = self._tables.get("all_cpus")
        if got is None:
            got = self._tables["all_cpus"] = self._make_all_cpus()
        return got

    def _make_all_cpus(self) -> int:
        return mask(c.cpu for c in self.cpus)

    @property
    def num_cpus(self) -> int:
        return len(self.cpus)

    @property
    def num_cores(self) -> int:
        got = self._tables.get("num_cores")
        if got is None:
            got = self._tables["num_cores"] = self._make_num_cores()
        return got

    def _make_num_cores(self) -> int:
        return len({c.core for c in self.cpus})

    @property
    def num_sockets(self) -> int:
        got = self._tables.get("num_sockets")
        if got is None:
            got = self._tables["num_sockets"] = self._make_num_sockets()
        return got

    def _make_num_sockets(self) -> int:
        return len({c.socket for c in self.cpus})

    @property
    def num_numa_nodes_with_cpus(self) -> int:
        got = self._tables.get("num_numa_nodes_with_cpus")
        if got is None:
            got = self._tables["num_numa_nodes_with_cpus"] = self._make_num_numa_nodes_with_cpus()
        return got

    def _make_num_numa_nodes_with_cpus(self) -> int:
        return len({c.numa for c in self.cpus})

    @property
    def num_numa_nodes(self) -> int:
        """All NUMA nodes, memory-only ones included (what the Topology Manager counts)."""
        return len(self.numa_nodes)

    @property
    def num_uncore_caches(self) -> int:
        got = self._tables.get("num_uncore_caches")
        if got is None:
            got = self._tables["num_uncore_caches"] = self._make_num_uncore_caches()
        return got

    def _make_num_uncore_caches(self) -> int:
        return len({c.uncore for c in self.cpus})

    @property
    def cpus_per_core(self) -> int:
        """Mirrors CPUTopology.CPUsPerCore: NumCPUs / NumCores (0 for a machine without cores)."""
        got = self._tables.get("cpus_per_core")
        if got is None:
            got = self._tables["cpus_per_core"] = self._make_cpus_per_core()
        return got

    def _make_cpus_per_core(self) -> int:
        return self.num_cpus // self.num_cores if self.num_cores else 0

    @property
    def total_memory(self) -> int:
        got = self._tables.get("total_memory")
        if got is None:
            got = self._tables["total_memory"] = self._make_total_memory()
        return got

    def _make_total_memory(self) -> int:
        return (
            self.memory_capacity
            if self.memory_capacity is not None
            else sum(n.memory for n in self.numa_nodes)
        )

    # ----- ids ---------------------------------------------------------------------------
    @property
    def numa_ids(self) -> tuple[int, ...]:
        got = self._tables.get("numa_ids")
        if got is None:
            got = self._tables["numa_ids"] = self._make_numa_ids()
        return got

    def _make_numa_ids(self) -> tuple[int, ...]:
        return tuple(n.id for n in self.numa_nodes)

    @property
    def socket_ids(self) -> tuple[int, ...]:
        got = self._tables.get("socket_ids")
        if got is None:
            got = self._tables["socket_ids"] = self._make_socket_ids()
        return got

    def _make_socket_ids(self) -> tuple[int, ...]:
        return tuple(sorted({c.socket for c in self.cpus}))

    @property
    def core_ids(self) -> tuple[int, ...]:
        got = self._tables.get("core_ids")
        if got is None:
            got = self._tables["core_ids"] = self._make_core_ids()
        return got

    def _make_core_ids(self) -> tuple[int, ...]:
        return tuple(sorted({c.core for c in self.cpus}))

    @property
    def uncore_ids(self) -> tuple[int, ...]:
        got = self._tables.get("uncore_ids")
        if got is None:
            got = self._tables["uncore_ids"] = self._make_uncore_ids()
        return got

    def _make_uncore_ids(self) -> tuple[int, ...]:
        return tuple(sorted({c.uncore for c in self.cpus}))

    @property
    def cpu_info(self) -> Mapping[int, CPUInfo]:
        got = self._tables.get("cpu_info")
        if got is None:
            got = self._tables["cpu_info"] = self._make_cpu_info()
        return got

    def _make_cpu_info(self) -> Mapping[int, CPUInfo]:
        return {c.cpu: c for c in self.cpus}

    @property
    def numa_node(self) -> Mapping[int, NUMANode]:
        got = self._tables.get("numa_node")
        if got is None:
            got = self._tables["numa_node"] = self._make_numa_node()
        return got

    def _make_numa_node(self) -> Mapping[int, NUMANode]:
        return {n.id: n for n in self.numa_nodes}

    # ----- masks -------------------------------------------------------------------------
    def _group(self, key: str) -> dict[int, int]:
        out: dict[int, int] = {}
        for c in self.cpus:
            k = getattr(c, key)
            out[k] = out.get(k, 0) | (1 << c.cpu)
        return out

    @property
    def numa_cpus(self) -> Mapping[int, int]:
        """NUMA id -> CPU mask (memory-only nodes map to 0)."""
        got = self._tables.get("numa_cpus")
        if got is None:
            got = self._tables["numa_cpus"] = self._make_numa_cpus()
        return got

    def _make_numa_cpus(self) -> Mapping[int, int]:
        groups = self._group("numa")
        return {n: groups.get(n, 0) for n in self.numa_ids}

    @property
    def socket_cpus(self) -> Mapping[int, int]:
        got = self._tables.get("socket_cpus")
        if got is None:
            got = self._tables["socket_cpus"] = self._make_socket_cpus()
        return got

    def _make_socket_cpus(self) -> Mapping[int, int]:
        return self._group("socket")

    @property
    def core_cpus(self) -> Mapping[int, int]:
        got = self._tables.get("core_cpus")
        if got is None:
            got = self._tables["core_cpus"] = self._make_core_cpus()
        return got

    def _make_core_cpus(self) -> Mapping[int, int]:
        return self._group("core")

    @property
    def uncore_cpus(self) -> Mapping[int, int]:
        got = self._tables.get("uncore_cpus")
        if got is None:
            got = self._tables["uncore_cpus"] = self._make_uncore_cpus()
        return got

    def _make_uncore_cpus(self) -> Mapping[int, int]:
        return self._group("uncore")

    @property
    def socket_numa_ids(self) -> Mapping[int, tuple[int, ...]]:
        """Socket id -> the NUMA ids whose CPUs are on that socket."""
        got = self._tables.get("socket_numa_ids")
        if got is None:
            got = self._tables["socket_numa_ids"] = self._make_socket_numa_ids()
        return got

    def _make_socket_numa_ids(self) -> Mapping[int, tuple[int, ...]]:
        out: dict[int, set[int]] = {}
        for c in self.cpus:
            out.setdefault(c.socket, set()).add(c.numa)
        return {s: tuple(sorted(v)) for s, v in out.items()}

    @property
    def numa_socket_ids(self) -> Mapping[int, tuple[int, ...]]:
        """NUMA id -> the socket ids of its CPUs."""
        got = self._tables.get("numa_socket_ids")
        if got is None:
            got = self._tables["numa_socket_ids"] = self._make_numa_socket_ids()
        return got

    def _make_numa_socket_ids(self) -> Mapping[int, tuple[int, ...]]:
        out: dict[int, set[int]] = {}
        for c in self.cpus:
            out.setdefault(c.numa, set()).add(c.socket)
        return {n: tuple(sorted(v)) for n, v in out.items()}

    def sibling_cpus(self, cpu: int) -> int:
        """The CPU mask of ``cpu``'s core (``cpu`` included)."""
        return self.core_cpus[self.cpu_info[cpu].core]

    # ----- distances and hugepages ------------------------------------------------------
    @property
    def numa_distances(self) -> tuple[tuple[int, ...], ...]:
        got = self._tables.get("numa_distances")
        if got is None:
            got = self._tables["numa_distances"] = self._make_numa_distances()
        return got

    def _make_numa_distances(self) -> tuple[tuple[int, ...], ...]:
        if self.distances is not None:
            return self.distances
        socket_of = {n: s[0] for n, s in self.numa_socket_ids.items()}
        return _default_distances(self.numa_nodes, socket_of)

    def distance(self, a: int, b: int) -> int:
        idx = {n: i for i, n in enumerate(self.numa_ids)}
        return self.numa_distances[idx[a]][idx[b]]

    @property
    def hugepage_sizes(self) -> tuple[int, ...]:
        got = self._tables.get("hugepage_sizes")
        if got is None:
            got = self._tables["hugepage_sizes"] = self._make_hugepage_sizes()
        return got

    def _make_hugepage_sizes(self) -> tuple[int, ...]:
        return tuple(sorted({size for n in self.numa_nodes for size, _ in n.hugepages}))

    def cpu_topology_rows(self) -> list[list[int]]:
        """``[cpu, core, socket, numa]`` for every CPU, sorted by cpu (the JSON ``node.cpuTopology``)."""
        return [[c.cpu, c.core, c.socket, c.numa] for c in self.cpus]
