"""The CPU manager's gauges (shared pool, exclusive CPUs, CPUs per NUMA node) and its uncore
alignment counter, updated on every exclusive allocation and release.

Mirrors: cpumanager/policy_static.go ``initializeMetrics``, ``updateMetricsOnAllocate``,
``updateMetricsOnRelease``, ``getTotalAssignedExclusiveCPUs``, ``updateAllocationPerNUMAMetric``;
cpumanager/topology/alignment.go ``isAlignedAtUncoreCache``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from podfit.cpu.policy_static import StaticPolicy as CPUStaticPolicy
from podfit.cpu.state import CPUState
from podfit.kubelet import metrics as M
from podfit.kubelet.metrics import NodeMetrics
from podfit.model.machine import Machine

__all__ = [
    "NONE",
    "CPUTables",
    "Series",
    "cpu_tables",
    "get_total_assigned_exclusive_cpus",
    "initialize_cpu_metrics",
    "record_allocate",
    "record_release",
    "update_allocation_per_numa_metric",
    "update_cpu_metrics_on_allocate",
    "update_cpu_metrics_on_release",
]

Series = dict[tuple[str, ...], int]
NONE: Final[tuple[str, ...]] = ()  # the series key of a metric without labels
CONTAINER_UNCORE: Final = (M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_UNCORE_CACHE)

CPUTables = tuple[int, tuple[tuple[tuple[str], int], ...], tuple[int, ...]]
"""A machine's CPUs; its NUMA nodes with CPUs, as (per-NUMA series key, CPU mask) in NUMA order (a
node without CPUs never gets a series: its count is always 0); its uncore caches' CPU masks."""


# metric names (the live series' keys)
_CONTAINER_ALIGNED_COMPUTE_RESOURCES: Final = M.CONTAINER_ALIGNED_COMPUTE_RESOURCES.name
_CPU_MANAGER_ALLOCATION_PER_NUMA: Final = M.CPU_MANAGER_ALLOCATION_PER_NUMA.name
_CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT: Final = M.CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT.name
_CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES: Final = M.CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES.name


def cpu_tables(machine: Machine) -> CPUTables:
    """The machine's :data:`CPUTables` (memo on the machine)."""
    found: CPUTables | None = machine.derived.get("node.metrics_cpu_gauges")  # type: ignore[assignment]
    if found is None:
        numa = tuple(((str(n),), cpus) for n, cpus in sorted(machine.numa_cpus.items()) if cpus)
        found = (machine.all_cpus, numa, tuple(machine.uncore_cpus.values()))
        machine.derived["node.metrics_cpu_gauges"] = found
    return found


def get_total_assigned_exclusive_cpus(state: CPUState) -> int:
    """Union of every container's CPU set in the state.

    Mirrors: cpumanager/policy_static.go getTotalAssignedExclusiveCPUs
    """
    total = 0
    for containers in state.assignments_view().values():
        for cset in containers.values():
            total |= cset
    return total


def _set_per_numa(live: Mapping[str, Series], tables: CPUTables, cpus: int) -> None:
    """Mirrors: cpumanager/policy_static.go updateAllocationPerNUMAMetric"""
    all_cpus, numa, _ = tables
    if cpus & ~all_cpus:
        raise KeyError(f"CPUs {cpus & ~all_cpus:#x} are not on the machine")
    per_numa = live[_CPU_MANAGER_ALLOCATION_PER_NUMA]
    for key, numa_cpus in numa:
        n = (cpus & numa_cpus).bit_count()
        if n:
            per_numa[key] = n


def update_allocation_per_numa_metric(m: NodeMetrics, machine: Machine, cpus: int) -> None:
    """Set the per-NUMA gauge of every NUMA node holding some of ``cpus``; the others keep their
    value (upstream never resets a node that drops to zero).

    Mirrors: cpumanager/policy_static.go updateAllocationPerNUMAMetric
    """
    _set_per_numa(m.live, cpu_tables(machine), cpus)


def initialize_cpu_metrics(m: NodeMetrics, policy: CPUStaticPolicy, state: CPUState) -> None:
    """Mirrors: cpumanager/policy_static.go staticPolicy.initializeMetrics"""
    m.set(M.CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES, policy.get_available_cpus(state).bit_count() * 1000)
    m.add(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE, 0, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_PHYSICAL_CPU)
    m.add(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, 0, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_PHYSICAL_CPU)
    m.add(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, 0, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_UNCORE_CACHE)
    total = get_total_assigned_exclusive_cpus(state)
    m.set(M.CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT, total.bit_count())
    update_allocation_per_numa_metric(m, policy.machine, total)


def record_allocate(live: Mapping[str, Series], tables: CPUTables, state: CPUState, cpus: int) -> None:
    """:func:`update_cpu_metrics_on_allocate` on the registry's live series (``NodeMetrics.live``).

    Mirrors: cpumanager/policy_static.go staticPolicy.updateMetricsOnAllocate
    """
    n = cpus.bit_count()
    exclusive = live[_CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT]
    shared = live[_CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES]
    exclusive[NONE] = exclusive.get(NONE, 0) + n
    shared[NONE] = shared.get(NONE, 0) - n * 1000
    all_cpus, _, uncore = tables
    if cpus & ~all_cpus:  # isAlignedAtUncoreCache (cpumanager/topology/alignment.go)
        raise KeyError(f"CPUs {cpus & ~all_cpus:#x} are not on the machine")
    caches = 0
    for group in uncore:
        if group & cpus:
            caches += 1
    if caches <= 1:
        aligned = live[_CONTAINER_ALIGNED_COMPUTE_RESOURCES]
        aligned[CONTAINER_UNCORE] = aligned.get(CONTAINER_UNCORE, 0) + 1
    _set_per_numa(live, tables, get_total_assigned_exclusive_cpus(state))


def record_release(live: Mapping[str, Series], tables: CPUTables, cpus: int, assigned: int) -> None:
    """:func:`update_cpu_metrics_on_release` on the live series; ``assigned``: the union of the
    state's CPU sets (:func:`get_total_assigned_exclusive_cpus`).

    Mirrors: cpumanager/policy_static.go staticPolicy.updateMetricsOnRelease
    """
    n = cpus.bit_count()
    exclusive = live[_CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT]
    shared = live[_CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES]
    exclusive[NONE] = exclusive.get(NONE, 0) - n
    shared[NONE] = shared.get(NONE, 0) + n * 1000
    _set_per_numa(live, tables, assigned & ~cpus)


def update_cpu_metrics_on_allocate(m: NodeMetrics, machine: Machine, state: CPUState, cpus: int) -> None:
    """Mirrors: cpumanager/policy_static.go staticPolicy.updateMetricsOnAllocate"""
    record_allocate(m.live, cpu_tables(machine), state, cpus)


def update_cpu_metrics_on_release(m: NodeMetrics, machine: Machine, state: CPUState, cpus: int) -> None:
    """Mirrors: cpumanager/policy_static.go staticPolicy.updateMetricsOnRelease"""
    record_release(m.live, cpu_tables(machine), cpus, get_total_assigned_exclusive_cpus(state))
