"""Per-machine lookups for the CPU accumulator: (id, CPU mask) tables of the NUMA nodes, sockets,
cores and uncore caches, which of them lie inside which parent, the machine-wide averages the
kubelet's ``CPUTopology`` reports, and the nesting order (NUMA nodes or sockets first).

Mirrors: cpumanager/topology/topology.go ``CPUTopology`` / ``CPUDetails`` (the parts
``cpu_assignment.go`` reads), v1.36.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from podfit.model.cpuset import cpus
from podfit.model.machine import Machine

__all__ = ["Groups", "TopologyIndex"]

Groups = tuple[tuple[int, int], ...]  # (id, CPU mask) of each core / socket / NUMA node / uncore cache, by id


def _groups(by_id: Mapping[int, int]) -> Groups:
    return tuple(sorted((g, m) for g, m in by_id.items() if m))


def _smallest(groups: Groups) -> int:
    return min((m.bit_count() for _, m in groups), default=0)


def _within(groups: Groups, parents: Groups) -> dict[int, Groups]:
    """Per parent id: the groups with a CPU inside that parent."""
    return {p: tuple((g, m) for g, m in groups if m & pm) for p, pm in parents}


@dataclass(frozen=True, slots=True)
class TopologyIndex:
    """Per-machine lookups the accumulator needs (built once per machine: see :meth:`of`)."""

    machine: Machine
    core_of: Mapping[int, int]
    socket_of: Mapping[int, int]
    numa_of: Mapping[int, int]
    uncore_of: Mapping[int, int]
    cpus_per_core: int
    cpus_per_socket: int
    cpus_per_uncore: int
    numa_first: bool
    numas: Groups
    sockets: Groups
    numas_in_socket: Mapping[int, Groups]
    sockets_in_numa: Mapping[int, Groups]
    cores_in_socket: Mapping[int, Groups]
    cores_in_numa: Mapping[int, Groups]
    uncores_in_numa: Mapping[int, Groups]
    cores_in_uncore: Mapping[int, Groups]
    # the smallest NUMA node / socket / uncore cache / core (CPU count): a request below it cannot
    # take a whole one, so the take is skipped without sorting anything (same result, same trace)
    min_numa_size: int = 0
    min_socket_size: int = 0
    min_uncore_size: int = 0
    min_core_size: int = 0

    @classmethod
    def of(cls, machine: Machine) -> TopologyIndex:
        info = machine.cpu_info
        n_cpus = machine.num_cpus
        n_sockets = machine.num_sockets
        n_uncore = machine.num_uncore_caches
        numas, sockets = _groups(machine.numa_cpus), _groups(machine.socket_cpus)
        cores, uncores = _groups(machine.core_cpus), _groups(machine.uncore_cpus)
        return cls(
            machine=machine,
            core_of={c: i.core for c, i in info.items()},
            socket_of={c: i.socket for c, i in info.items()},
            numa_of={c: i.numa for c, i in info.items()},
            uncore_of={c: i.uncore for c, i in info.items()},
            cpus_per_core=machine.cpus_per_core,
            cpus_per_socket=n_cpus // n_sockets if n_sockets else 0,
            cpus_per_uncore=n_cpus // n_uncore if n_uncore else 0,
            numa_first=n_sockets >= machine.num_numa_nodes_with_cpus,
            numas=numas,
            sockets=sockets,
            numas_in_socket=_within(numas, sockets),
            sockets_in_numa=_within(sockets, numas),
            cores_in_socket=_within(cores, sockets),
            cores_in_numa=_within(cores, numas),
            uncores_in_numa=_within(uncores, numas),
            cores_in_uncore=_within(cores, uncores),
            min_numa_size=_smallest(numas),
            min_socket_size=_smallest(sockets),
            min_uncore_size=_smallest(uncores),
            min_core_size=_smallest(cores),
        )

    def ids(self, m: int, of: Mapping[int, int]) -> list[int]:
        """The distinct ids (core, socket, NUMA or uncore, per ``of``) of the CPUs in ``m``."""
        return list(dict.fromkeys(of[c] for c in cpus(m)))
