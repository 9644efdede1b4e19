"""Where the kubelet updates its resource-manager metrics, around podfit's pure policies.

Each function runs the podfit policy step and records the metric updates the kubelet makes at the
same points of the matching upstream function (same conditions, same order of state reads). The
policies themselves stay metric-free; the CPU ``AllocatePod`` partition reports its points through
an :class:`podfit.cpu.policy_static_pod.AllocatePodObserver`.

Mirrors (metric statements only): cpumanager/policy_static.go ``Allocate``, ``AllocatePod``,
``RemoveContainer``, ``initializeMetrics``, ``updateMetricsOnAllocate``, ``updateMetricsOnRelease``,
``getTotalAssignedExclusiveCPUs``, ``updateAllocationPerNUMAMetric``; memorymanager/policy_static.go
``Allocate``, ``AllocatePod``; topologymanager/topology_manager.go ``initializeMetrics``, ``Admit``;
scope_container.go ``Admit``; scope_pod.go ``checkAffinity``, ``updateSuccessMetrics`` (v1.36).
"""

from __future__ import annotations

from podfit.cpu.guaranteed import pod_level_resource_managers_off_for
from podfit.cpu.policy_static import StaticPolicy as CPUStaticPolicy
from podfit.cpu.policy_static_pod import allocate_pod as cpu_allocate_pod_policy
from podfit.cpu.results import AllocationError
from podfit.cpu.state import CPUState
from podfit.memory.errors import AllocationResult
from podfit.memory.policy_static import StaticPolicy as MemoryStaticPolicy
from podfit.memory.requests import get_container_requested_resources
from podfit.memory.state import MemoryState
from podfit.model.machine import Machine
from podfit.model.pod import Container, Pod
from podfit.model.qos import get_pod_qos, is_pod_level_resources_set
from podfit.node import metrics as M
from podfit.node.metrics import NodeMetrics
from podfit.topology.hint import TopologyHint
from podfit.topology.policy import POLICY_NONE, Policy, is_alignment_guaranteed
from podfit.topology.scope import CONTAINER_SCOPE, NONE_SCOPE, ScopeAdmitResult

__all__ = [
    "CPUPodAllocationMetrics",
    "cpu_allocate",
    "cpu_allocate_pod",
    "cpu_remove_container",
    "get_total_assigned_exclusive_cpus",
    "initialize_cpu_metrics",
    "initialize_topology_metrics",
    "memory_allocate",
    "memory_allocate_pod",
    "record_topology_admission",
    "update_allocation_per_numa_metric",
    "update_cpu_metrics_on_allocate",
    "update_cpu_metrics_on_release",
]

PLR = "PodLevelResources"
PLRM = "PodLevelResourceManagers"
GUARANTEED = "Guaranteed"


# ----- topology manager ----------------------------------------------------------------------
def initialize_topology_metrics(m: NodeMetrics, policy: Policy) -> None:
    """The aligned-resources series of both scopes exist from start-up (not for policy ``none``).

    Mirrors: topologymanager/topology_manager.go manager.initializeMetrics (v1.36)
    """
    if policy.name == POLICY_NONE:
        return
    for scope in (M.ALIGN_SCOPE_CONTAINER, M.ALIGN_SCOPE_POD):
        m.add(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, 0, scope, M.ALIGNED_NUMA_NODE)
        m.add(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE, 0, scope, M.ALIGNED_NUMA_NODE)


def record_topology_admission(m: NodeMetrics, scope: str, policy: Policy, scoped: ScopeAdmitResult) -> None:
    """One admission request; per merge (container scope: per container; pod scope: once) a
    failure (policy refused: alignment failure if guaranteed, admission error), an allocation
    error (admission error), or a success (alignment success if guaranteed). The none scope
    counts only the request.

    Mirrors: topology_manager.go manager.Admit; scope_container.go containerScope.Admit;
    scope_pod.go podScope.checkAffinity / updateSuccessMetrics (v1.36)
    """
    m.inc(M.TOPOLOGY_MANAGER_ADMISSION_REQUESTS_TOTAL)
    if scope == NONE_SCOPE:
        return
    guaranteed = is_alignment_guaranteed(policy)
    label = M.ALIGN_SCOPE_CONTAINER if scope == CONTAINER_SCOPE else M.ALIGN_SCOPE_POD
    for i, step in enumerate(scoped.merges):
        if not step.admit:
            if guaranteed:
                m.inc(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE, label, M.ALIGNED_NUMA_NODE)
            m.inc(M.TOPOLOGY_MANAGER_ADMISSION_ERRORS_TOTAL)
            return
        if i == len(scoped.merges) - 1 and not scoped.result.admit:
            m.inc(M.TOPOLOGY_MANAGER_ADMISSION_ERRORS_TOTAL)  # allocation failed
            return
        if guaranteed:
            m.inc(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, label, M.ALIGNED_NUMA_NODE)


# ----- CPU manager gauges ----------------------------------------------------------------------
def get_total_assigned_exclusive_cpus(state: CPUState) -> int:
    """Union of every container's CPU set in the state.

    Mirrors: cpumanager/policy_static.go getTotalAssignedExclusiveCPUs (v1.36)
    """
    total = 0
    for containers in state.get_cpu_assignments().values():
        for cset in containers.values():
            total |= cset
    return total


def update_allocation_per_numa_metric(m: NodeMetrics, machine: Machine, cpus: int) -> None:
    """Set the per-NUMA gauge of every NUMA node holding some of ``cpus``; the others keep their
    value (upstream never resets a node that drops to zero).

    Mirrors: cpumanager/policy_static.go updateAllocationPerNUMAMetric (v1.36)
    """
    if cpus & ~machine.all_cpus:
        raise KeyError(f"CPUs {cpus & ~machine.all_cpus:#x} are not on the machine")
    for numa, numa_cpus in sorted(machine.numa_cpus.items()):
        n = (cpus & numa_cpus).bit_count()
        if n:
            m.set(M.CPU_MANAGER_ALLOCATION_PER_NUMA, n, str(numa))


def _uncore_aligned(machine: Machine, cpus: int) -> bool:
    """Mirrors: cpumanager/topology/alignment.go isAlignedAtUncoreCache (v1.36)"""
    if cpus & ~machine.all_cpus:
        raise KeyError(f"CPUs {cpus & ~machine.all_cpus:#x} are not on the machine")
    return sum(1 for group in machine.uncore_cpus.values() if group & cpus) <= 1


def initialize_cpu_metrics(m: NodeMetrics, policy: CPUStaticPolicy, state: CPUState) -> None:
    """Mirrors: cpumanager/policy_static.go staticPolicy.initializeMetrics (v1.36)"""
    m.set(M.CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES, policy.get_available_cpus(state).bit_count() * 1000)
    m.add(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE, 0, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_PHYSICAL_CPU)
    m.add(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, 0, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_PHYSICAL_CPU)
    m.add(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, 0, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_UNCORE_CACHE)
    total = get_total_assigned_exclusive_cpus(state)
    m.set(M.CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT, total.bit_count())
    update_allocation_per_numa_metric(m, policy.machine, total)


def update_cpu_metrics_on_allocate(m: NodeMetrics, machine: Machine, state: CPUState, cpus: int) -> None:
    """Mirrors: cpumanager/policy_static.go staticPolicy.updateMetricsOnAllocate (v1.36)"""
    n = cpus.bit_count()
    m.add(M.CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT, n)
    m.add(M.CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES, -n * 1000)
    if _uncore_aligned(machine, cpus):
        m.inc(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_UNCORE_CACHE)
    update_allocation_per_numa_metric(m, machine, get_total_assigned_exclusive_cpus(state))


def update_cpu_metrics_on_release(m: NodeMetrics, machine: Machine, state: CPUState, cpus: int) -> None:
    """Mirrors: cpumanager/policy_static.go staticPolicy.updateMetricsOnRelease (v1.36)"""
    n = cpus.bit_count()
    m.add(M.CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT, -n)
    m.add(M.CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES, n * 1000)
    update_allocation_per_numa_metric(m, machine, get_total_assigned_exclusive_cpus(state) & ~cpus)


# ----- CPU manager allocation ------------------------------------------------------------------
def cpu_allocate(
    m: NodeMetrics,
    policy: CPUStaticPolicy,
    state: CPUState,
    pod: Pod,
    container: Container,
    hint: TopologyHint | None,
) -> AllocationError | None:
    """``policy.allocate`` with the kubelet's metric updates.

    Mirrors: cpumanager/policy_static.go staticPolicy.Allocate (metric statements) (v1.36)
    """
    if policy.guaranteed_cpus(pod, container) == 0 or pod_level_resource_managers_off_for(pod, policy.gates):
        return policy.allocate(state, pod, container, hint)
    m.inc(M.CPU_MANAGER_PINNING_REQUESTS_TOTAL)
    existing = state.get_cpu_set(pod.uid, container.name)
    err = policy.allocate(state, pod, container, hint)
    full_pcpus = policy.options.full_physical_cpus_only
    if err is not None:
        m.inc(M.CPU_MANAGER_PINNING_ERRORS_TOTAL)
        m.inc(M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL, M.RESOURCE_CPU, M.SOURCE_NODE)
        if full_pcpus:
            failure = M.CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE
            m.inc(failure, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_PHYSICAL_CPU)
        return err
    if existing is None:
        got = state.get_cpu_set(pod.uid, container.name) or 0
        update_cpu_metrics_on_allocate(m, policy.machine, state, got)
        m.inc(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, M.RESOURCE_CPU, M.SOURCE_NODE)
        m.inc(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, M.RESOURCE_CPU, M.ASSIGNMENT_NODE_EXCLUSIVE)
    if full_pcpus:
        m.inc(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_PHYSICAL_CPU)
    return None


class CPUPodAllocationMetrics:
    """The metric points inside the CPU ``AllocatePod`` partition.

    Mirrors: cpumanager/policy_static.go staticPolicy.AllocatePod (metric statements) (v1.36)
    """

    def __init__(self, m: NodeMetrics, machine: Machine, state: CPUState) -> None:
        self.m, self.machine, self.state = m, machine, state

    def bubble_allocated(self, cpus: int) -> None:
        update_cpu_metrics_on_allocate(self.m, self.machine, self.state, cpus)

    def pinning_request(self) -> None:
        self.m.inc(M.CPU_MANAGER_PINNING_REQUESTS_TOTAL)

    def container_assigned(self, assignment_type: str) -> None:
        self.m.inc(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, M.RESOURCE_CPU, assignment_type)

    def container_allocated(self) -> None:
        self.m.inc(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, M.RESOURCE_CPU, M.SOURCE_POD)


def cpu_allocate_pod(
    m: NodeMetrics, policy: CPUStaticPolicy, state: CPUState, pod: Pod, hint: TopologyHint | None
) -> AllocationError | None:
    """The pod-level allocation with the kubelet's metric updates (an error after a non-zero
    budget counts as a pinning error and a ``{cpu,pod}`` allocation error).

    Mirrors: cpumanager/policy_static.go staticPolicy.AllocatePod (metric statements) (v1.36)
    """
    observer = CPUPodAllocationMetrics(m, policy.machine, state)
    err = cpu_allocate_pod_policy(policy, state, pod, hint, observer)
    if err is not None:
        m.inc(M.CPU_MANAGER_PINNING_ERRORS_TOTAL)
        m.inc(M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL, M.RESOURCE_CPU, M.SOURCE_POD)
    return err


def cpu_remove_container(
    m: NodeMetrics, policy: CPUStaticPolicy, state: CPUState, pod_uid: str, container_name: str
) -> None:
    """``policy.remove_container`` with the release metrics: a pod-level set counts once, when
    the pod's last container goes; otherwise the CPUs no sibling still holds.

    Mirrors: cpumanager/policy_static.go staticPolicy.RemoveContainer (metric statements) (v1.36)
    """
    to_release = state.get_cpu_set(pod_uid, container_name)
    if to_release is None:
        return
    pod_set = state.get_pod_cpu_set(pod_uid) if policy.gates.enabled(PLRM) else None
    in_use = 0
    for name, cset in state.get_cpu_assignments().get(pod_uid, {}).items():
        if name != container_name:
            in_use |= cset
    policy.remove_container(state, pod_uid, container_name)
    if pod_set is not None:
        if state.get_pod_cpu_set(pod_uid) is None:
            update_cpu_metrics_on_release(m, policy.machine, state, pod_set)
        return
    update_cpu_metrics_on_release(m, policy.machine, state, to_release & ~in_use)


# ----- memory manager --------------------------------------------------------------------------
def _guaranteed(policy: MemoryStaticPolicy, pod: Pod) -> bool:
    return get_pod_qos(pod, pod_level_resources=policy.gates.enabled(PLR)) == GUARANTEED


def memory_allocate(
    m: NodeMetrics,
    policy: MemoryStaticPolicy,
    state: MemoryState,
    pod: Pod,
    container: Container,
    hint: TopologyHint | None,
) -> AllocationResult:
    """``policy.allocate`` with the kubelet's metric updates: ``{memory,node}`` allocations count
    once per requested memory type.

    Mirrors: memorymanager/policy_static.go staticPolicy.Allocate (metric statements) (v1.36)
    """
    gates = policy.gates
    skips = not (gates.enabled(PLRM) and gates.enabled(PLR)) and is_pod_level_resources_set(pod)
    if not _guaranteed(policy, pod) or skips:
        return policy.allocate(state, pod, container, hint)
    m.inc(M.MEMORY_MANAGER_PINNING_REQUESTS_TOTAL)
    existing = state.get_memory_blocks(pod.uid, container.name)
    err = policy.allocate(state, pod, container, hint)
    if err is not None:
        m.inc(M.MEMORY_MANAGER_PINNING_ERRORS_TOTAL)
        m.inc(M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL, M.RESOURCE_MEMORY, M.SOURCE_NODE)
        return err
    if existing is None:
        requested = get_container_requested_resources(pod, container, gates.enabled(PLRM))
        m.add(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, len(requested), M.RESOURCE_MEMORY, M.SOURCE_NODE)
        m.inc(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, M.RESOURCE_MEMORY, M.ASSIGNMENT_NODE_EXCLUSIVE)
    return None


def memory_allocate_pod(
    m: NodeMetrics, policy: MemoryStaticPolicy, state: MemoryState, pod: Pod, hint: TopologyHint | None
) -> AllocationResult:
    """The pod-level memory allocation with the kubelet's metric updates. Every refusal of the
    memory ``AllocatePod`` happens before its partition loop, so the partition's points are
    counted after a success: a pinning request per init container and per exclusive app
    container, one assignment and one ``{memory,pod}`` allocation per container.

    Mirrors: memorymanager/policy_static.go staticPolicy.AllocatePod (metric statements) (v1.36)
    """
    if not _guaranteed(policy, pod):
        return policy.allocate_pod(state, pod, hint)
    m.inc(M.MEMORY_MANAGER_PINNING_REQUESTS_TOTAL)
    err = policy.allocate_pod(state, pod, hint)
    if err is not None:
        m.inc(M.MEMORY_MANAGER_PINNING_ERRORS_TOTAL)
        m.inc(M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL, M.RESOURCE_MEMORY, M.SOURCE_POD)
        return err
    plrm = policy.gates.enabled(PLRM)
    listed: set[str] = set()
    for c in pod.init_containers:
        m.inc(M.MEMORY_MANAGER_PINNING_REQUESTS_TOTAL)
        if get_container_requested_resources(pod, c, plrm):
            m.inc(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, M.RESOURCE_MEMORY, M.ASSIGNMENT_POD_EXCLUSIVE)
            listed.add(c.name)
        elif not c.is_restartable_init:
            m.inc(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, M.RESOURCE_MEMORY, M.ASSIGNMENT_POD_SHARED)
            listed.add(c.name)
    for c in pod.containers:
        if get_container_requested_resources(pod, c, plrm):
            m.inc(M.MEMORY_MANAGER_PINNING_REQUESTS_TOTAL)
            m.inc(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, M.RESOURCE_MEMORY, M.ASSIGNMENT_POD_EXCLUSIVE)
            listed.add(c.name)
    for c in pod.all_containers():
        if c.name not in listed:
            m.inc(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, M.RESOURCE_MEMORY, M.ASSIGNMENT_POD_SHARED)
        m.inc(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, M.RESOURCE_MEMORY, M.SOURCE_POD)
    return None
