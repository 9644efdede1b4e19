"""The CPU accumulator of the static policy: which free CPUs to hand out, in which order.

Mirrors the ``cpuAccumulator`` of kubelet ``pkg/kubelet/cm/cpumanager/cpu_assignment.go``,
without the in-place-resize variant (``cpuAccumulatorForResize``, added after v1.36).

The accumulator holds the CPUs still available (``details``, an int mask), the CPUs taken so far
(``result``) and how many are still needed. Every ordering is the kubelet's: topology entities are
sorted by their number of *available* CPUs ascending, ties by id ascending, and nested
"NUMA first" or "sockets first" depending on whether the machine has at least as many sockets as
NUMA nodes (NUMA nodes inside sockets when it has fewer sockets).

Averages come from the whole machine, exactly as ``CPUTopology.CPUsPerSocket`` /
``CPUsPerCore`` / ``CPUsPerUncore`` compute them (integer division of the CPU count).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from podfit.cpu.topology_index import Groups, TopologyIndex
from podfit.model.cpuset import cpus

__all__ = ["CPUAccumulator", "CPUSorting", "TakeStep", "TopologyIndex"]  # TopologyIndex: re-exported

CPUSorting = Literal["packed", "spread"]


@dataclass(frozen=True, slots=True)
class TakeStep:
    """One take of the accumulator, recorded only when a trace list is given (``podfit explain``).

    ``phase``: ``numa`` / ``socket`` (a whole free one), ``uncore`` (a whole free L3 group),
    ``partial-uncore`` (whole cores of one L3 group), ``core`` (a whole free core), ``cpu`` (a single
    thread), ``distribute`` / ``distribute-remainder`` (NUMA-distributed share of one NUMA node).
    ``entity``: the id of that socket / NUMA node / uncore cache / core / CPU; ``cpus``: the mask
    taken; ``free``: the entity's available CPUs just before the take.
    """

    phase: str
    entity: int
    cpus: int
    free: int


class CPUAccumulator:
    """Mirrors: cpumanager/cpu_assignment.go cpuAccumulator.

    Mutable on purpose (it is the kubelet's work-in-progress object); it never outlives one call.
    """

    __slots__ = ("cpu_sorting", "details", "num_cpus_needed", "partial_round_up", "result", "topo", "trace")

    def __init__(
        self,
        topo: TopologyIndex,
        available: int,
        num_cpus: int,
        cpu_sorting: CPUSorting,
        trace: list[TakeStep] | None = None,
        partial_round_up: bool = True,
    ) -> None:
        """Mirrors: cpumanager/cpu_assignment.go newCPUAccumulator.

        ``trace``: when a list, every take is appended to it as a :class:`TakeStep` (off: no cost
        beyond one ``None`` check per take). ``partial_round_up``: the release's
        ``uncore_partial_round_up`` switch (:meth:`take_partial_uncore`)."""
        self.trace = trace
        self.partial_round_up = partial_round_up
        self.topo = topo
        self.details = available & topo.machine.all_cpus
        self.num_cpus_needed = num_cpus
        self.result = 0
        self.cpu_sorting = cpu_sorting

    # ----- masks of the available CPUs --------------------------------------------------------
    def _in(self, group: Mapping[int, int], gid: int) -> int:
        return self.details & group.get(gid, 0)

    def cpus_in_numa(self, numa: int) -> int:
        return self._in(self.topo.machine.numa_cpus, numa)

    def cpus_in_socket(self, socket: int) -> int:
        return self._in(self.topo.machine.socket_cpus, socket)

    def cpus_in_core(self, core: int) -> int:
        return self._in(self.topo.machine.core_cpus, core)

    def cpus_in_uncore(self, uncore: int) -> int:
        return self._in(self.topo.machine.uncore_cpus, uncore)

    # ----- sorting ----------------------------------------------------------------------------
    def _sort(self, groups: Groups, within: int) -> list[tuple[int, int]]:
        """Mirrors: cpumanager/cpu_assignment.go cpuAccumulator.sort: the groups with an
        available CPU in ``within``, by available CPUs, then id -- as (available count, id)."""
        d = self.details
        m = d & within
        if len(groups) == 1:  # one socket per NUMA node, one NUMA node per socket, ...
            g, gm = groups[0]
            return [((d & gm).bit_count(), g)] if gm & m else []
        keyed = [((d & gm).bit_count(), g) for g, gm in groups if gm & m]
        keyed.sort()
        return keyed

    def _sorted_numa_nodes(self) -> list[tuple[int, int]]:
        t = self.topo
        if t.numa_first:
            return self._sort(t.numas, -1)
        result: list[tuple[int, int]] = []
        for _, socket in self._sorted_sockets():
            result += self._sort(t.numas_in_socket[socket], t.machine.socket_cpus[socket])
        return result

    def _sorted_sockets(self) -> list[tuple[int, int]]:
        t = self.topo
        if not t.numa_first:
            return self._sort(t.sockets, -1)
        result: list[tuple[int, int]] = []
        for _, numa in self._sorted_numa_nodes():
            result += self._sort(t.sockets_in_numa[numa], t.machine.numa_cpus[numa])
        return result

    def _sorted_cores(self) -> list[tuple[int, int]]:
        t = self.topo
        result: list[tuple[int, int]] = []
        if t.numa_first:
            for _, socket in self._sorted_sockets():
                result += self._sort(t.cores_in_socket[socket], t.machine.socket_cpus[socket])
        else:
            for _, numa in self._sorted_numa_nodes():
                result += self._sort(t.cores_in_numa[numa], t.machine.numa_cpus[numa])
        return result

    def _sorted_uncore_caches(self) -> list[tuple[int, int]]:
        t = self.topo
        result: list[tuple[int, int]] = []
        for _, numa in self._sorted_numa_nodes():
            result += self._sort(t.uncores_in_numa[numa], t.machine.numa_cpus[numa])
        return result

    def sort_available_numa_nodes(self) -> list[int]:
        """Mirrors: cpumanager/cpu_assignment.go sortAvailableNUMANodes (numaFirst / socketsFirst).

        NUMA first: every NUMA node with an available CPU, sorted; sockets first: per socket (in
        sorted order), its NUMA nodes with an available CPU in it, sorted.
        """
        return [g for _, g in self._sorted_numa_nodes()]

    def sort_available_sockets(self) -> list[int]:
        """Mirrors: cpumanager/cpu_assignment.go sortAvailableSockets (numaFirst / socketsFirst)."""
        return [g for _, g in self._sorted_sockets()]

    def sort_available_cores(self) -> list[int]:
        """Mirrors: cpumanager/cpu_assignment.go sortAvailableCores (numaFirst / socketsFirst).

        NUMA first: cores grouped by socket (sockets in their sorted order); sockets first: cores
        grouped by NUMA node. All cores of a group that have an available CPU, sorted.
        """
        return [g for _, g in self._sorted_cores()]

    def sort_available_uncore_caches(self) -> list[int]:
        """Mirrors: cpumanager/cpu_assignment.go cpuAccumulator.sortAvailableUncoreCaches."""
        return [g for _, g in self._sorted_uncore_caches()]

    def sort_available_cpus_packed(self) -> list[int]:
        """Mirrors: cpumanager/cpu_assignment.go sortAvailableCPUsPacked: cores in order, CPU ids."""
        out: list[int] = []
        core_cpus, d = self.topo.machine.core_cpus, self.details
        for _, core in self._sorted_cores():
            out.extend(cpus(d & core_cpus[core]))
        return out

    def sort_available_cpus_spread(self) -> list[int]:
        """Mirrors: cpumanager/cpu_assignment.go sortAvailableCPUsSpread: by socket, then CPU id."""
        out: list[int] = []
        for socket in self.sort_available_sockets():
            out.extend(cpus(self.cpus_in_socket(socket)))
        return out

    # ----- free entities ----------------------------------------------------------------------
    def is_numa_node_free(self, numa: int) -> bool:
        return self.cpus_in_numa(numa).bit_count() == self.topo.machine.numa_cpus[numa].bit_count()

    def is_socket_free(self, socket: int) -> bool:
        return self.cpus_in_socket(socket).bit_count() == self.topo.cpus_per_socket

    def is_uncore_cache_free(self, uncore: int) -> bool:
        return self.cpus_in_uncore(uncore).bit_count() == self.topo.machine.uncore_cpus[uncore].bit_count()

    def is_core_free(self, core: int) -> bool:
        return self.cpus_in_core(core).bit_count() == self.topo.cpus_per_core

    def free_numa_nodes(self) -> list[int]:
        """Mirrors: cpumanager/cpu_assignment.go freeNUMANodes."""
        numa_cpus = self.topo.machine.numa_cpus
        return [n for free, n in self._sorted_numa_nodes() if free == numa_cpus[n].bit_count()]

    def free_sockets(self) -> list[int]:
        """Mirrors: cpumanager/cpu_assignment.go freeSockets."""
        per_socket = self.topo.cpus_per_socket
        return [s for free, s in self._sorted_sockets() if free == per_socket]

    def free_uncore_caches(self) -> list[int]:
        """Mirrors: cpumanager/cpu_assignment.go freeUncoreCache."""
        uncore_cpus = self.topo.machine.uncore_cpus
        return [u for free, u in self._sorted_uncore_caches() if free == uncore_cpus[u].bit_count()]

    def free_cores(self) -> list[int]:
        """Mirrors: cpumanager/cpu_assignment.go freeCores.

        The cores of :meth:`_sorted_cores` with ``cpus_per_core`` available CPUs. Within a group
        they all have the same count, so the sort leaves them in id order: only the groups are
        sorted here."""
        t = self.topo
        per_core, d = t.cpus_per_core, self.details
        out: list[int] = []
        if t.numa_first:
            parents, cores_in, parent_cpus = self._sorted_sockets(), t.cores_in_socket, t.machine.socket_cpus
        else:
            parents, cores_in, parent_cpus = self._sorted_numa_nodes(), t.cores_in_numa, t.machine.numa_cpus
        for _, parent in parents:
            m = d & parent_cpus[parent]
            out += [c for c, cm in cores_in[parent] if cm & m and (d & cm).bit_count() == per_core]
        return out

    def free_cpus(self) -> list[int]:
        """Mirrors: cpumanager/cpu_assignment.go freeCPUs: the packed or spread CPU order."""
        if self.cpu_sorting == "packed":
            return self.sort_available_cpus_packed()
        return self.sort_available_cpus_spread()

    # ----- state ------------------------------------------------------------------------------
    def take(self, m: int) -> None:
        """Mirrors: cpumanager/cpu_assignment.go cpuAccumulator.take."""
        self.result |= m
        self.details &= ~self.result
        self.num_cpus_needed -= m.bit_count()

    def needs_at_least(self, n: int) -> bool:
        return self.num_cpus_needed >= n

    def is_satisfied(self) -> bool:
        return self.num_cpus_needed < 1

    def is_failed(self) -> bool:
        return self.num_cpus_needed > self.details.bit_count()

    # ----- taking whole entities --------------------------------------------------------------
    def take_full_numa_nodes(self) -> None:
        """Mirrors: cpumanager/cpu_assignment.go takeFullNUMANodes."""
        if self.num_cpus_needed < self.topo.min_numa_size:
            return
        for numa in self.free_numa_nodes():
            m = self.topo.machine.numa_cpus[numa]
            if self.needs_at_least(m.bit_count()):
                if self.trace is not None:
                    self.trace.append(TakeStep("numa", numa, m, self.cpus_in_numa(numa).bit_count()))
                self.take(m)

    def take_full_sockets(self) -> None:
        """Mirrors: cpumanager/cpu_assignment.go takeFullSockets."""
        if self.num_cpus_needed < self.topo.min_socket_size:
            return
        for socket in self.free_sockets():
            m = self.topo.machine.socket_cpus[socket]
            if self.needs_at_least(m.bit_count()):
                if self.trace is not None:
                    self.trace.append(TakeStep("socket", socket, m, self.cpus_in_socket(socket).bit_count()))
                self.take(m)

    def take_full_first_level(self) -> None:
        """Mirrors: cpumanager/cpu_assignment.go takeFullFirstLevel (numaFirst: NUMA nodes; else sockets)."""
        if self.topo.numa_first:
            self.take_full_numa_nodes()
        else:
            self.take_full_sockets()

    def take_full_second_level(self) -> None:
        """Mirrors: cpumanager/cpu_assignment.go takeFullSecondLevel (numaFirst: sockets; else NUMA nodes)."""
        if self.topo.numa_first:
            self.take_full_sockets()
        else:
            self.take_full_numa_nodes()

    def take_full_uncore(self) -> None:
        """Mirrors: cpumanager/cpu_assignment.go takeFullUncore."""
        if self.num_cpus_needed < self.topo.min_uncore_size:
            return
        for uncore in self.free_uncore_caches():
            m = self.topo.machine.uncore_cpus[uncore]
            if self.needs_at_least(m.bit_count()):
                if self.trace is not None:
                    self.trace.append(TakeStep("uncore", uncore, m, self.cpus_in_uncore(uncore).bit_count()))
                self.take(m)

    def take_partial_uncore(self, uncore: int) -> None:
        """Mirrors: cpumanager/cpu_assignment.go takePartialUncore.

        The lowest-id cores with an available CPU in ``uncore``, as many as the remaining request
        needs (rounded up to whole cores); on SMT machines an odd request drops the highest CPU of
        that set. Taken only when that yields exactly the number still needed. Before 1.34
        (switch ``uncore_partial_round_up`` off, PR #131850) the cores needed are rounded down and
        nothing is dropped (v1.33.5).
        """
        t = self.topo
        per_core = t.cpus_per_core
        needed = self.num_cpus_needed
        if not self.partial_round_up:
            in_uncore = self.cpus_in_uncore(uncore)
            cores = [c for c, cm in t.cores_in_uncore.get(uncore, ()) if cm & in_uncore][: needed // per_core]
            free = 0
            for core in cores:
                free |= self.cpus_in_core(core)
            if free.bit_count() == needed:
                if self.trace is not None:
                    self.trace.append(TakeStep("partial-uncore", uncore, free, in_uncore.bit_count()))
                self.take(free)
            return
        cores_needed = (needed + per_core - 1) // per_core
        in_uncore = self.cpus_in_uncore(uncore)
        cores = [c for c, cm in t.cores_in_uncore.get(uncore, ()) if cm & in_uncore][:cores_needed]
        free = 0
        for core in cores:
            free |= self.cpus_in_core(core)
        if needed % 2 != 0 and per_core > 1 and free.bit_count() > needed:
            free &= ~(1 << (free.bit_length() - 1))
        if free.bit_count() == needed:
            if self.trace is not None:
                self.trace.append(TakeStep("partial-uncore", uncore, free, in_uncore.bit_count()))
            self.take(free)

    def take_uncore_cache(self) -> None:
        """Mirrors: cpumanager/cpu_assignment.go takeUncoreCache."""
        for uncore in self.sort_available_uncore_caches():
            if self.needs_at_least(self.topo.cpus_per_uncore):
                self.take_full_uncore()
            if self.is_satisfied():
                return
            self.take_partial_uncore(uncore)
            if self.is_satisfied():
                return

    def take_full_cores(self) -> None:
        """Mirrors: cpumanager/cpu_assignment.go takeFullCores.

        Walks :meth:`free_cores` group by group and stops once satisfied (no later core could be
        taken: each has at least one CPU)."""
        t = self.topo
        if self.num_cpus_needed < t.min_core_size:
            return
        per_core = t.cpus_per_core
        if t.numa_first:
            parents, cores_in, parent_cpus = self._sorted_sockets(), t.cores_in_socket, t.machine.socket_cpus
        else:
            parents, cores_in, parent_cpus = self._sorted_numa_nodes(), t.cores_in_numa, t.machine.numa_cpus
        d = self.details  # freeCores is listed before the first take: free = free in `d`
        for _, parent in parents:
            m = d & parent_cpus[parent]
            for core, cm in cores_in[parent]:
                if not cm & m or (d & cm).bit_count() != per_core:
                    continue  # not a free core
                if self.num_cpus_needed >= cm.bit_count():  # needsAtLeast
                    if self.trace is not None:
                        self.trace.append(TakeStep("core", core, cm, self.cpus_in_core(core).bit_count()))
                    self.take(cm)
                    if self.num_cpus_needed < 1:
                        return

    def take_remaining_cpus(self) -> None:
        """Mirrors: cpumanager/cpu_assignment.go takeRemainingCPUs."""
        for cpu in self.free_cpus():
            if self.trace is not None:
                self.trace.append(TakeStep("cpu", cpu, 1 << cpu, 1))
            self.take(1 << cpu)
            if self.is_satisfied():
                return
