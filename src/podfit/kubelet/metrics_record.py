"""Where the kubelet updates its resource-manager metrics, around podfit's pure policies.

Each function runs the podfit policy step and records the metric updates the kubelet makes at the
same points of the matching upstream function (same conditions, same order of state reads). The
policies themselves stay metric-free; the CPU ``AllocatePod`` partition reports its points through
an :class:`podfit.cpu.policy_static_pod.AllocatePodObserver`. The CPU manager's gauges are in
:mod:`podfit.kubelet.metrics_cpu_gauges` (re-exported here).

The points update the registry's live series (:attr:`NodeMetrics.live`) in place; what they
derive from a policy is kept per registry (:attr:`NodeMetrics.recorders`, checked against the
policy's identity) and what they derive from a pod, on the pod (``Pod.memo``).

Mirrors (metric statements only): cpumanager/policy_static.go ``Allocate``, ``AllocatePod``,
``RemoveContainer``; memorymanager/policy_static.go ``Allocate``, ``AllocatePod``;
topologymanager/topology_manager.go ``initializeMetrics``, ``Admit``; scope_container.go ``Admit``;
scope_pod.go ``checkAffinity``, ``updateSuccessMetrics``.
"""

from __future__ import annotations

from typing import Final

from podfit.cpu.guaranteed import pod_level_resource_managers_off_for
from podfit.cpu.policy_static import StaticPolicy as CPUStaticPolicy
from podfit.cpu.policy_static_pod import allocate_pod as cpu_allocate_pod_policy
from podfit.cpu.state import CPUState
from podfit.kubelet import metrics as M
from podfit.kubelet.metrics import NodeMetrics
from podfit.kubelet.metrics_cpu_gauges import (
    NONE,
    Series,
    cpu_tables,
    get_total_assigned_exclusive_cpus,
    initialize_cpu_metrics,
    record_allocate,
    record_release,
    update_allocation_per_numa_metric,
    update_cpu_metrics_on_allocate,
    update_cpu_metrics_on_release,
)
from podfit.memory.policy_static import StaticPolicy as MemoryStaticPolicy
from podfit.memory.requests import container_memory_plan, get_container_requested_resources
from podfit.memory.state import MemoryState
from podfit.model.admission import Rejection
from podfit.model.machine import Machine
from podfit.model.pod import Container, Pod
from podfit.model.qos import QOSGates, get_pod_qos, qos_gates
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

PLRM: Final = "PodLevelResourceManagers"
GUARANTEED: Final = "Guaranteed"

# series keys: label values in label-name order
CPU_NODE: Final = (M.RESOURCE_CPU, M.SOURCE_NODE)
CPU_POD: Final = (M.RESOURCE_CPU, M.SOURCE_POD)
CPU_NODE_EXCLUSIVE: Final = (M.RESOURCE_CPU, M.ASSIGNMENT_NODE_EXCLUSIVE)
MEMORY_NODE: Final = (M.RESOURCE_MEMORY, M.SOURCE_NODE)
MEMORY_NODE_EXCLUSIVE: Final = (M.RESOURCE_MEMORY, M.ASSIGNMENT_NODE_EXCLUSIVE)
CONTAINER_PCPU: Final = (M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_PHYSICAL_CPU)
CONTAINER_NUMA: Final = (M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_NUMA_NODE)
POD_NUMA: Final = (M.ALIGN_SCOPE_POD, M.ALIGNED_NUMA_NODE)


# metric names (the live series' keys)
_CONTAINER_ALIGNED_COMPUTE_RESOURCES: Final = M.CONTAINER_ALIGNED_COMPUTE_RESOURCES.name
_CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE: Final = M.CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE.name
_CPU_MANAGER_PINNING_ERRORS_TOTAL: Final = M.CPU_MANAGER_PINNING_ERRORS_TOTAL.name
_CPU_MANAGER_PINNING_REQUESTS_TOTAL: Final = M.CPU_MANAGER_PINNING_REQUESTS_TOTAL.name
_MEMORY_MANAGER_PINNING_ERRORS_TOTAL: Final = M.MEMORY_MANAGER_PINNING_ERRORS_TOTAL.name
_MEMORY_MANAGER_PINNING_REQUESTS_TOTAL: Final = M.MEMORY_MANAGER_PINNING_REQUESTS_TOTAL.name
_RESOURCE_MANAGER_ALLOCATIONS_TOTAL: Final = M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL.name
_RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL: Final = M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL.name
_RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS: Final = M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS.name
_TOPOLOGY_MANAGER_ADMISSION_ERRORS_TOTAL: Final = M.TOPOLOGY_MANAGER_ADMISSION_ERRORS_TOTAL.name
_TOPOLOGY_MANAGER_ADMISSION_REQUESTS_TOTAL: Final = M.TOPOLOGY_MANAGER_ADMISSION_REQUESTS_TOTAL.name


def _bump(series: Series, key: tuple[str, ...]) -> None:
    """``inc`` on a live series (:attr:`NodeMetrics.live`); the hot paths below inline it."""
    series[key] = series.get(key, 0) + 1


# ----- topology manager ----------------------------------------------------------------------
def initialize_topology_metrics(m: NodeMetrics, policy: Policy) -> None:
    """The aligned-resources series of both scopes exist from start-up (not for policy ``none``).

    Mirrors: topologymanager/topology_manager.go manager.initializeMetrics
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
    scope_pod.go podScope.checkAffinity / updateSuccessMetrics
    """
    live = m.live
    requests = live[_TOPOLOGY_MANAGER_ADMISSION_REQUESTS_TOTAL]
    requests[NONE] = requests.get(NONE, 0) + 1
    if scope == NONE_SCOPE:
        return
    guaranteed = is_alignment_guaranteed(policy)
    key = CONTAINER_NUMA if scope == CONTAINER_SCOPE else POD_NUMA
    last = len(scoped.merges) - 1
    for i, step in enumerate(scoped.merges):
        if not step.admit:
            if guaranteed:
                _bump(live[_CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE], key)
            _bump(live[_TOPOLOGY_MANAGER_ADMISSION_ERRORS_TOTAL], NONE)
            return
        if i == last and not scoped.admit:
            _bump(live[_TOPOLOGY_MANAGER_ADMISSION_ERRORS_TOTAL], NONE)  # allocation failed
            return
        if guaranteed:
            aligned = live[_CONTAINER_ALIGNED_COMPUTE_RESOURCES]
            aligned[key] = aligned.get(key, 0) + 1


# ----- CPU manager allocation ------------------------------------------------------------------
class _CPURecorder:
    """What the CPU metric points read of one (immutable) static policy, derived once (kept in
    ``NodeMetrics.recorders["cpu"]`` while the registry records for that policy)."""

    __slots__ = ("full_pcpus", "pinned_key", "plrm", "policy", "tables")

    def __init__(self, policy: CPUStaticPolicy) -> None:
        self.policy, self.tables = policy, cpu_tables(policy.machine)
        self.plrm = policy.gates.enabled(PLRM)
        skip = policy.gates.release.switches.plr_pod_skip_in_static_managers
        self.pinned_key = ("node.metrics_record.cpu-pinned", qos_gates(policy.gates), self.plrm, skip)
        self.full_pcpus = policy.options.full_physical_cpus_only


def _cpu_pinned(policy: CPUStaticPolicy, pod: Pod, container: Container) -> bool:
    """Whether ``Allocate`` gets past its early returns to its metric statements."""
    off = pod_level_resource_managers_off_for(pod, policy.gates)
    return policy.guaranteed_cpus(pod, container) != 0 and not off


def cpu_allocate(
    m: NodeMetrics,
    policy: CPUStaticPolicy,
    state: CPUState,
    pod: Pod,
    container: Container,
    hint: TopologyHint | None,
) -> Rejection | None:
    """``policy.allocate`` with the kubelet's metric updates.

    Mirrors: cpumanager/policy_static.go staticPolicy.Allocate (metric statements)
    """
    rec: _CPURecorder | None = m.recorders.get("cpu")
    if rec is None or rec.policy is not policy:
        rec = m.recorders["cpu"] = _CPURecorder(policy)
    if not pod.memo(rec.pinned_key, _cpu_pinned, policy, pod, container, anchor=container):
        return policy.allocate(state, pod, container, hint)
    live = m.live
    requests = live[_CPU_MANAGER_PINNING_REQUESTS_TOTAL]
    requests[NONE] = requests.get(NONE, 0) + 1
    existing = state.get_cpu_set(pod.uid, container.name)
    err = policy.allocate(state, pod, container, hint)
    if err is not None:
        _bump(live[_CPU_MANAGER_PINNING_ERRORS_TOTAL], NONE)
        _bump(live[_RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL], CPU_NODE)
        if rec.full_pcpus:
            _bump(live[_CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE], CONTAINER_PCPU)
        return err
    if existing is None:
        got = state.get_cpu_set(pod.uid, container.name) or 0
        record_allocate(live, rec.tables, state, got)
        allocations = live[_RESOURCE_MANAGER_ALLOCATIONS_TOTAL]
        assignments = live[_RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS]
        allocations[CPU_NODE] = allocations.get(CPU_NODE, 0) + 1
        assignments[CPU_NODE_EXCLUSIVE] = assignments.get(CPU_NODE_EXCLUSIVE, 0) + 1
    if rec.full_pcpus:
        _bump(live[_CONTAINER_ALIGNED_COMPUTE_RESOURCES], CONTAINER_PCPU)
    return None


class CPUPodAllocationMetrics:
    """The metric points inside the CPU ``AllocatePod`` partition.

    Mirrors: cpumanager/policy_static.go staticPolicy.AllocatePod (metric statements)
    """

    def __init__(self, m: NodeMetrics, machine: Machine, state: CPUState) -> None:
        self.m, self.machine, self.state = m, machine, state

    def bubble_allocated(self, cpus: int) -> None:
        record_allocate(self.m.live, cpu_tables(self.machine), self.state, cpus)

    def pinning_request(self) -> None:
        _bump(self.m.live[_CPU_MANAGER_PINNING_REQUESTS_TOTAL], NONE)

    def container_assigned(self, assignment_type: str) -> None:
        _bump(self.m.live[_RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS], (M.RESOURCE_CPU, assignment_type))

    def container_allocated(self) -> None:
        _bump(self.m.live[_RESOURCE_MANAGER_ALLOCATIONS_TOTAL], CPU_POD)


def cpu_allocate_pod(
    m: NodeMetrics, policy: CPUStaticPolicy, state: CPUState, pod: Pod, hint: TopologyHint | None
) -> Rejection | None:
    """The pod-level allocation with the kubelet's metric updates (an error after a non-zero
    budget counts as a pinning error and a ``{cpu,pod}`` allocation error).

    Mirrors: cpumanager/policy_static.go staticPolicy.AllocatePod (metric statements)
    """
    observer = CPUPodAllocationMetrics(m, policy.machine, state)
    err = cpu_allocate_pod_policy(policy, state, pod, hint, observer)
    if err is not None:
        _bump(m.live[_CPU_MANAGER_PINNING_ERRORS_TOTAL], NONE)
        _bump(m.live[_RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL], CPU_POD)
    return err


def cpu_remove_container(
    m: NodeMetrics, policy: CPUStaticPolicy, state: CPUState, pod_uid: str, container_name: str
) -> None:
    """``policy.remove_container`` with the release metrics: a pod-level set counts once, when
    the pod's last container goes; otherwise the CPUs no sibling still holds (the siblings: what
    the pod holds once the container is gone).

    Mirrors: cpumanager/policy_static.go staticPolicy.RemoveContainer (metric statements)
    """
    to_release = state.get_cpu_set(pod_uid, container_name)
    if to_release is None:
        return
    rec: _CPURecorder | None = m.recorders.get("cpu")
    if rec is None or rec.policy is not policy:
        rec = m.recorders["cpu"] = _CPURecorder(policy)
    pod_set = state.get_pod_cpu_set(pod_uid) if rec.plrm else None
    policy.remove_container(state, pod_uid, container_name)
    if pod_set is not None:
        if state.get_pod_cpu_set(pod_uid) is None:
            record_release(m.live, rec.tables, pod_set, get_total_assigned_exclusive_cpus(state))
        return
    in_use = total = 0
    for uid, containers in state.assignments_view().items():
        for cset in containers.values():
            total |= cset
            if uid == pod_uid:
                in_use |= cset
    record_release(m.live, rec.tables, to_release & ~in_use, total)


# ----- memory manager --------------------------------------------------------------------------
def _guaranteed(policy: MemoryStaticPolicy, pod: Pod) -> bool:
    return get_pod_qos(pod, qos_gates(policy.gates)) == GUARANTEED


def _memory_plan(
    pod: Pod, container: Container, plr: QOSGates, plrm: bool, skip: str, skip_empty: bool
) -> tuple[bool, int]:
    """Whether ``Allocate`` gets past its early returns to its metric statements (a Guaranteed
    pod the release does not leave alone for its pod-level resources; from 1.37 not a container
    without exclusive memory), and how many memory types the container requests."""
    plan = container_memory_plan(pod, container, plr, plrm, skip, skip_empty)
    return plan.pinned, len(get_container_requested_resources(pod, container, plrm))


def memory_allocate(
    m: NodeMetrics,
    policy: MemoryStaticPolicy,
    state: MemoryState,
    pod: Pod,
    container: Container,
    hint: TopologyHint | None,
) -> Rejection | None:
    """``policy.allocate`` with the kubelet's metric updates: ``{memory,node}`` allocations count
    once per requested memory type.

    Mirrors: memorymanager/policy_static.go staticPolicy.Allocate (metric statements)
    """
    gates = policy.gates
    found = m.recorders.get("memory")  # (gates, memo key), for the policy's gates
    if found is None or found[0] is not gates:
        switches = gates.release.switches
        key = (
            "node.metrics_record.memory",
            qos_gates(gates),
            gates.enabled(PLRM),
            switches.plr_pod_skip_in_static_managers,
            switches.mm_skip_zero_exclusive_memory_containers,
        )
        found = m.recorders["memory"] = (gates, key)
    key = found[1]
    _, plr, plrm, skip, skip_empty = key
    pinned, requested = pod.memo(
        key, _memory_plan, pod, container, plr, plrm, skip, skip_empty, anchor=container
    )
    if not pinned:
        return policy.allocate(state, pod, container, hint)
    live = m.live
    requests = live[_MEMORY_MANAGER_PINNING_REQUESTS_TOTAL]
    requests[NONE] = requests.get(NONE, 0) + 1
    existing = state.get_memory_blocks(pod.uid, container.name)
    err = policy.allocate(state, pod, container, hint)
    if err is not None:
        _bump(live[_MEMORY_MANAGER_PINNING_ERRORS_TOTAL], NONE)
        _bump(live[_RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL], MEMORY_NODE)
        return err
    if existing is None:
        allocations = live[_RESOURCE_MANAGER_ALLOCATIONS_TOTAL]
        assignments = live[_RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS]
        allocations[MEMORY_NODE] = allocations.get(MEMORY_NODE, 0) + requested
        assignments[MEMORY_NODE_EXCLUSIVE] = assignments.get(MEMORY_NODE_EXCLUSIVE, 0) + 1
    return None


def memory_allocate_pod(
    m: NodeMetrics, policy: MemoryStaticPolicy, state: MemoryState, pod: Pod, hint: TopologyHint | None
) -> Rejection | None:
    """The pod-level memory allocation with the kubelet's metric updates. Every refusal of the
    memory ``AllocatePod`` happens before its partition loop, so the partition's points are
    counted after a success: a pinning request per init container and per exclusive app
    container, one assignment and one ``{memory,pod}`` allocation per container.

    Mirrors: memorymanager/policy_static.go staticPolicy.AllocatePod (metric statements)
    """
    if not _guaranteed(policy, pod):
        return policy.allocate_pod(state, pod, hint)
    if policy.restore_fixes and state.get_pod_memory_blocks(pod.uid) is not None:
        return policy.allocate_pod(state, pod, hint)  # kept as restored: nothing counted
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
