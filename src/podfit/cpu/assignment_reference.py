"""The packed CPU assignment, literally: a step-by-step port of the kubelet's ``cpuAccumulator`` and
``takeByTopologyNUMAPacked`` (uncore-cache step included), kept as the reference the fast path
(:mod:`podfit.cpu.accumulator`, :func:`podfit.cpu.assignment.take_numa_packed`) is checked against.

Nothing here is optimised: sets of CPU ids, a ``CPUDetails``-like mapping filtered on every take,
every sorted list recomputed where the Go code recomputes it, the same loops and the same checks
in the same order. Read in v1.36.2 (microshift 8e16b12f, ``pkg/kubelet/cm/cpumanager/
cpu_assignment.go`` and ``topology/topology.go``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from podfit.cpu.assignment import CPUAssignmentError, CPUSorting, take_by_topology_numa_distributed
from podfit.model.cpuset import cpus, mask
from podfit.model.machine import CPUInfo, Machine
from podfit.model.policy_options import CPUManagerOptions

__all__ = ["CPUDetails", "CPUTopology", "ReferenceAccumulator", "take_by_topology_numa_packed_reference"]


class CPUDetails:
    """Mirrors: cpumanager/topology/topology.go CPUDetails (v1.36.2): CPU id -> CPUInfo."""

    def __init__(self, infos: Mapping[int, CPUInfo]) -> None:
        self.infos = dict(infos)

    def keep_only(self, keep: Iterable[int]) -> CPUDetails:
        """Mirrors: topology.go CPUDetails.KeepOnly"""
        wanted = set(keep)
        return CPUDetails({c: i for c, i in self.infos.items() if c in wanted})

    def _ids(self, of: Callable[[CPUInfo], int], where: Callable[[CPUInfo], bool] | None = None) -> list[int]:
        return sorted({of(i) for i in self.infos.values() if where is None or where(i)})

    def _cpus(self, where: Callable[[CPUInfo], bool]) -> set[int]:
        return {c for c, i in self.infos.items() if where(i)}

    def cpus(self) -> set[int]:
        """Mirrors: topology.go CPUDetails.CPUs"""
        return set(self.infos)

    def numa_nodes(self) -> list[int]:
        return self._ids(lambda i: i.numa)

    def sockets(self) -> list[int]:
        return self._ids(lambda i: i.socket)

    def numa_nodes_in_sockets(self, *ids: int) -> list[int]:
        return self._ids(lambda i: i.numa, lambda i: i.socket in ids)

    def sockets_in_numa_nodes(self, *ids: int) -> list[int]:
        return self._ids(lambda i: i.socket, lambda i: i.numa in ids)

    def cores_in_numa_nodes(self, *ids: int) -> list[int]:
        return self._ids(lambda i: i.core, lambda i: i.numa in ids)

    def cores_in_sockets(self, *ids: int) -> list[int]:
        return self._ids(lambda i: i.core, lambda i: i.socket in ids)

    def uncore_caches(self) -> list[int]:
        return self._ids(lambda i: i.uncore)

    def uncore_in_numa_nodes(self, *ids: int) -> list[int]:
        return self._ids(lambda i: i.uncore, lambda i: i.numa in ids)

    def cores_needed_in_uncore_cache(self, num_cores_needed: int, *ids: int) -> list[int]:
        """Mirrors: topology.go CPUDetails.CoresNeededInUncoreCache: the lowest core ids."""
        core_ids = self._ids(lambda i: i.core, lambda i: i.uncore in ids)
        return core_ids if len(core_ids) <= num_cores_needed else core_ids[:num_cores_needed]

    def cpus_in_numa_nodes(self, *ids: int) -> set[int]:
        return self._cpus(lambda i: i.numa in ids)

    def cpus_in_sockets(self, *ids: int) -> set[int]:
        return self._cpus(lambda i: i.socket in ids)

    def cpus_in_cores(self, *ids: int) -> set[int]:
        return self._cpus(lambda i: i.core in ids)

    def cpus_in_uncore_caches(self, *ids: int) -> set[int]:
        return self._cpus(lambda i: i.uncore in ids)


class CPUTopology:
    """Mirrors: topology.go CPUTopology (what ``Discover`` builds from the machine)."""

    def __init__(self, machine: Machine) -> None:
        self.details = CPUDetails(machine.cpu_info)
        self.num_cpus = len(self.details.infos)
        self.num_cores = len({i.core for i in self.details.infos.values()})
        self.num_sockets = machine.num_sockets
        self.num_numa_nodes = len(self.details.numa_nodes())
        self.num_uncore_cache = len(self.details.uncore_caches())

    def cpus_per_core(self) -> int:
        return self.num_cpus // self.num_cores if self.num_cores else 0

    def cpus_per_socket(self) -> int:
        return self.num_cpus // self.num_sockets if self.num_sockets else 0

    def cpus_per_uncore(self) -> int:
        return self.num_cpus // self.num_uncore_cache if self.num_uncore_cache else 0


class ReferenceAccumulator:
    """Mirrors: cpumanager/cpu_assignment.go cpuAccumulator, method by method (v1.36.2)."""

    def __init__(
        self,
        topo: CPUTopology,
        available: set[int],
        num_cpus: int,
        sorting: CPUSorting,
        partial_round_up: bool = True,
    ) -> None:
        """Mirrors: cpu_assignment.go newCPUAccumulator"""
        self.partial_round_up = partial_round_up
        self.topo = topo
        self.details = topo.details.keep_only(available)
        self.num_cpus_needed = num_cpus
        self.result: set[int] = set()
        self.numa_first = topo.num_sockets >= topo.num_numa_nodes
        self.sorting = sorting

    # -- sorting ------------------------------------------------------------------------------
    def sort(self, ids: list[int], get_cpus: Callable[..., set[int]]) -> list[int]:
        """Mirrors: cpu_assignment.go cpuAccumulator.sort (available CPUs, then id, ascending)"""
        return sorted(ids, key=lambda x: (len(get_cpus(x)), x))

    def sort_available_numa_nodes(self) -> list[int]:
        """Mirrors: cpu_assignment.go numaFirst / socketsFirst sortAvailableNUMANodes"""
        d = self.details
        if self.numa_first:
            return self.sort(d.numa_nodes(), d.cpus_in_numa_nodes)
        result: list[int] = []
        for socket in self.sort_available_sockets():
            result += self.sort(d.numa_nodes_in_sockets(socket), d.cpus_in_numa_nodes)
        return result

    def sort_available_sockets(self) -> list[int]:
        """Mirrors: cpu_assignment.go numaFirst / socketsFirst sortAvailableSockets"""
        d = self.details
        if not self.numa_first:
            return self.sort(d.sockets(), d.cpus_in_sockets)
        result: list[int] = []
        for numa in self.sort_available_numa_nodes():
            result += self.sort(d.sockets_in_numa_nodes(numa), d.cpus_in_sockets)
        return result

    def sort_available_cores(self) -> list[int]:
        """Mirrors: cpu_assignment.go numaFirst / socketsFirst sortAvailableCores"""
        d = self.details
        result: list[int] = []
        if self.numa_first:
            for socket in self.sort_available_sockets():
                result += self.sort(d.cores_in_sockets(socket), d.cpus_in_cores)
        else:
            for numa in self.sort_available_numa_nodes():
                result += self.sort(d.cores_in_numa_nodes(numa), d.cpus_in_cores)
        return result

    def sort_available_uncore_caches(self) -> list[int]:
        """Mirrors: cpu_assignment.go cpuAccumulator.sortAvailableUncoreCaches"""
        d = self.details
        result: list[int] = []
        for numa in self.sort_available_numa_nodes():
            result += self.sort(d.uncore_in_numa_nodes(numa), d.cpus_in_uncore_caches)
        return result

    def sort_available_cpus_packed(self) -> list[int]:
        """Mirrors: cpu_assignment.go sortAvailableCPUsPacked"""
        result: list[int] = []
        for core in self.sort_available_cores():
            result += sorted(self.details.cpus_in_cores(core))
        return result

    def sort_available_cpus_spread(self) -> list[int]:
        """Mirrors: cpu_assignment.go sortAvailableCPUsSpread"""
        result: list[int] = []
        for socket in self.sort_available_sockets():
            result += sorted(self.details.cpus_in_sockets(socket))
        return result

    def available_cpu_sorter(self) -> list[int]:
        if self.sorting == "packed":
            return self.sort_available_cpus_packed()
        return self.sort_available_cpus_spread()

    # -- free entities -------------------------------------------------------------------------
    def is_numa_node_free(self, numa: int) -> bool:
        return len(self.details.cpus_in_numa_nodes(numa)) == len(self.topo.details.cpus_in_numa_nodes(numa))

    def is_socket_free(self, socket: int) -> bool:
        return len(self.details.cpus_in_sockets(socket)) == self.topo.cpus_per_socket()

    def is_uncore_cache_free(self, uncore: int) -> bool:
        return len(self.details.cpus_in_uncore_caches(uncore)) == len(
            self.topo.details.cpus_in_uncore_caches(uncore)
        )

    def is_core_free(self, core: int) -> bool:
        return len(self.details.cpus_in_cores(core)) == self.topo.cpus_per_core()

    def free_numa_nodes(self) -> list[int]:
        return [n for n in self.sort_available_numa_nodes() if self.is_numa_node_free(n)]

    def free_sockets(self) -> list[int]:
        return [s for s in self.sort_available_sockets() if self.is_socket_free(s)]

    def free_uncore_cache(self) -> list[int]:
        return [u for u in self.sort_available_uncore_caches() if self.is_uncore_cache_free(u)]

    def free_cores(self) -> list[int]:
        return [c for c in self.sort_available_cores() if self.is_core_free(c)]

    # -- state ---------------------------------------------------------------------------------
    def take(self, taken: set[int]) -> None:
        """Mirrors: cpu_assignment.go cpuAccumulator.take"""
        self.result |= taken
        self.details = self.details.keep_only(self.details.cpus() - self.result)
        self.num_cpus_needed -= len(taken)

    def needs_at_least(self, n: int) -> bool:
        return self.num_cpus_needed >= n

    def is_satisfied(self) -> bool:
        return self.num_cpus_needed < 1

    def is_failed(self) -> bool:
        return self.num_cpus_needed > len(self.details.cpus())

    # -- takes ---------------------------------------------------------------------------------
    def take_full_numa_nodes(self) -> None:
        for numa in self.free_numa_nodes():
            whole = self.topo.details.cpus_in_numa_nodes(numa)
            if not self.needs_at_least(len(whole)):
                continue
            self.take(whole)

    def take_full_sockets(self) -> None:
        for socket in self.free_sockets():
            whole = self.topo.details.cpus_in_sockets(socket)
            if not self.needs_at_least(len(whole)):
                continue
            self.take(whole)

    def take_full_first_level(self) -> None:
        if self.numa_first:
            self.take_full_numa_nodes()
        else:
            self.take_full_sockets()

    def take_full_second_level(self) -> None:
        if self.numa_first:
            self.take_full_sockets()
        else:
            self.take_full_numa_nodes()

    def take_full_uncore(self) -> None:
        """Mirrors: cpu_assignment.go takeFullUncore"""
        for uncore in self.free_uncore_cache():
            whole = self.topo.details.cpus_in_uncore_caches(uncore)
            if not self.needs_at_least(len(whole)):
                continue
            self.take(whole)

    def take_partial_uncore(self, uncore: int) -> None:
        """Mirrors: cpu_assignment.go takePartialUncore (v1.34.2+; v1.33.5 without the round-up)"""
        per_core = self.topo.cpus_per_core()
        if not self.partial_round_up:
            cores = self.details.cores_needed_in_uncore_cache(self.num_cpus_needed // per_core, uncore)
            taken = self.details.cpus_in_cores(*cores)
            if self.num_cpus_needed == len(taken):
                self.take(taken)
            return
        num_cores_needed = (self.num_cpus_needed + per_core - 1) // per_core
        free_cores = self.details.cores_needed_in_uncore_cache(num_cores_needed, uncore)
        free_cpus = self.details.cpus_in_cores(*free_cores)
        if self.num_cpus_needed % 2 != 0 and per_core > 1:
            listed = sorted(free_cpus)
            if len(listed) > self.num_cpus_needed:
                listed = listed[: len(free_cpus) - 1]
            free_cpus = set(listed)
        if self.num_cpus_needed != len(free_cpus):
            return
        self.take(free_cpus)

    def take_uncore_cache(self) -> None:
        """Mirrors: cpu_assignment.go takeUncoreCache"""
        num_cpus_in_uncore = self.topo.cpus_per_uncore()
        for uncore in self.sort_available_uncore_caches():
            if self.needs_at_least(num_cpus_in_uncore):
                self.take_full_uncore()
            if self.is_satisfied():
                return
            self.take_partial_uncore(uncore)
            if self.is_satisfied():
                return

    def take_full_cores(self) -> None:
        for core in self.free_cores():
            whole = self.topo.details.cpus_in_cores(core)
            if not self.needs_at_least(len(whole)):
                continue
            self.take(whole)

    def take_remaining_cpus(self) -> None:
        for cpu in self.available_cpu_sorter():
            self.take({cpu})
            if self.is_satisfied():
                return


def take_by_topology_numa_packed_reference(
    machine: Machine,
    available: int,
    num_cpus: int,
    sorting: CPUSorting = "packed",
    uncore: bool = False,
    uncore_round_up: bool = True,
) -> int:
    """Mirrors: cpumanager/cpu_assignment.go takeByTopologyNUMAPacked (v1.36.2), literally."""
    acc = ReferenceAccumulator(CPUTopology(machine), set(cpus(available)), num_cpus, sorting, uncore_round_up)
    if acc.is_satisfied():
        return mask(acc.result)
    if acc.is_failed():
        raise CPUAssignmentError(
            "not enough cpus available to satisfy request: "
            f"requested={num_cpus}, available={available.bit_count()}"
        )
    acc.take_full_first_level()
    if acc.is_satisfied():
        return mask(acc.result)
    acc.take_full_second_level()
    if acc.is_satisfied():
        return mask(acc.result)
    if uncore:
        acc.take_uncore_cache()
        if acc.is_satisfied():
            return mask(acc.result)
    if sorting != "spread":
        acc.take_full_cores()
        if acc.is_satisfied():
            return mask(acc.result)
    acc.take_remaining_cpus()
    if acc.is_satisfied():
        return mask(acc.result)
    raise CPUAssignmentError("failed to allocate cpus")


def take_by_topology_reference(
    machine: Machine,
    options: CPUManagerOptions,
    group: int,
    available: int,
    num_cpus: int,
    uncore_round_up: bool = True,
) -> int:
    """The static policy's choice of algorithm with the literal packed take (the distributed one
    has no separate reference: its inner packed takes run with uncore alignment off).

    Mirrors: cpumanager/policy_static.go staticPolicy.takeByTopology (v1.36.2)
    """
    sorting: CPUSorting = "spread" if options.distribute_cpus_across_cores else "packed"
    if options.distribute_cpus_across_numa:
        size = group if options.full_physical_cpus_only else 1
        return take_by_topology_numa_distributed(machine, available, num_cpus, size, cpu_sorting=sorting)
    return take_by_topology_numa_packed_reference(
        machine, available, num_cpus, sorting, options.prefer_align_by_uncore_cache, uncore_round_up
    )
