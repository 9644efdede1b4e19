"""The metric points' fast paths (live series, per-registry and per-pod memos, one walk of the CPU
assignments) record exactly what the plain statements record: the plain versions below are the
metric points written with ``NodeMetrics.inc/add/set`` and the copying state readers; random
scenarios run once with each, and the registries must agree after every event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from podfit.api.machine_build import synthetic_machine
from podfit.api.scenario import scenario_from_dict
from podfit.cpu.guaranteed import pod_level_resource_managers_off_for
from podfit.cpu.policy_static import StaticPolicy as CPUStaticPolicy
from podfit.cpu.state import CPUState
from podfit.errors import InputError, KubeletStartupRefused
from podfit.kubelet import metrics as M
from podfit.kubelet import metrics_record, node
from podfit.kubelet.metrics import NodeMetrics, new_node_metrics
from podfit.kubelet.metrics_record import CPUPodAllocationMetrics
from podfit.kubelet.node import Node
from podfit.kubelet.startup import kubelet_refusal
from podfit.memory.policy_static import StaticPolicy as MemoryStaticPolicy
from podfit.memory.requests import get_container_requested_resources
from podfit.memory.state import MemoryState
from podfit.model.admission import Rejection
from podfit.model.machine import Machine
from podfit.model.pod import Container, Pod
from podfit.model.qos import get_pod_qos, is_pod_level_resources_set, qos_gates
from podfit.topology.hint import TopologyHint
from podfit.topology.policy import is_alignment_guaranteed
from podfit.topology.scope import CONTAINER_SCOPE, NONE_SCOPE, ScopeAdmitResult

PLR, PLRM = "PodLevelResources", "PodLevelResourceManagers"


# ----- the plain metric points -------------------------------------------------------------------
def plain_topology(m: NodeMetrics, scope: str, policy: Any, scoped: ScopeAdmitResult) -> None:
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
        if i == len(scoped.merges) - 1 and not scoped.admit:
            m.inc(M.TOPOLOGY_MANAGER_ADMISSION_ERRORS_TOTAL)
            return
        if guaranteed:
            m.inc(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, label, M.ALIGNED_NUMA_NODE)


def _union(state: CPUState) -> int:
    total = 0
    for containers in state.get_cpu_assignments().values():
        for cset in containers.values():
            total |= cset
    return total


def _per_numa(m: NodeMetrics, machine: Machine, cpus: int) -> None:
    if cpus & ~machine.all_cpus:
        raise KeyError(cpus)
    for numa, numa_cpus in sorted(machine.numa_cpus.items()):
        if n := (cpus & numa_cpus).bit_count():
            m.set(M.CPU_MANAGER_ALLOCATION_PER_NUMA, n, str(numa))


def plain_on_allocate(m: NodeMetrics, machine: Machine, state: CPUState, cpus: int) -> None:
    n = cpus.bit_count()
    m.add(M.CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT, n)
    m.add(M.CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES, -n * 1000)
    if cpus & ~machine.all_cpus:
        raise KeyError(cpus)
    if sum(1 for group in machine.uncore_cpus.values() if group & cpus) <= 1:
        m.inc(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_UNCORE_CACHE)
    _per_numa(m, machine, _union(state))


def plain_on_release(m: NodeMetrics, machine: Machine, state: CPUState, cpus: int) -> None:
    n = cpus.bit_count()
    m.add(M.CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT, -n)
    m.add(M.CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES, n * 1000)
    _per_numa(m, machine, _union(state) & ~cpus)


def plain_cpu_allocate(
    m: NodeMetrics,
    policy: CPUStaticPolicy,
    state: CPUState,
    pod: Pod,
    c: Container,
    hint: TopologyHint | None,
) -> Rejection | None:
    if policy.guaranteed_cpus(pod, c) == 0 or pod_level_resource_managers_off_for(pod, policy.gates):
        return policy.allocate(state, pod, c, hint)
    m.inc(M.CPU_MANAGER_PINNING_REQUESTS_TOTAL)
    existing = state.get_cpu_set(pod.uid, c.name)
    err = policy.allocate(state, pod, c, hint)
    full_pcpus = policy.options.full_physical_cpus_only
    if err is not None:
        m.inc(M.CPU_MANAGER_PINNING_ERRORS_TOTAL)
        m.inc(M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL, M.RESOURCE_CPU, M.SOURCE_NODE)
        if full_pcpus:
            m.inc(
                M.CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_PHYSICAL_CPU
            )
        return err
    if existing is None:
        plain_on_allocate(m, policy.machine, state, state.get_cpu_set(pod.uid, c.name) or 0)
        m.inc(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, M.RESOURCE_CPU, M.SOURCE_NODE)
        m.inc(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, M.RESOURCE_CPU, M.ASSIGNMENT_NODE_EXCLUSIVE)
    if full_pcpus:
        m.inc(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, M.ALIGN_SCOPE_CONTAINER, M.ALIGNED_PHYSICAL_CPU)
    return None


class PlainPodObserver(CPUPodAllocationMetrics):
    def bubble_allocated(self, cpus: int) -> None:
        plain_on_allocate(self.m, self.machine, self.state, cpus)

    def pinning_request(self) -> None:
        self.m.inc(M.CPU_MANAGER_PINNING_REQUESTS_TOTAL)

    def container_assigned(self, assignment_type: str) -> None:
        self.m.inc(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, M.RESOURCE_CPU, assignment_type)

    def container_allocated(self) -> None:
        self.m.inc(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, M.RESOURCE_CPU, M.SOURCE_POD)


def plain_cpu_allocate_pod(
    m: NodeMetrics, policy: CPUStaticPolicy, state: CPUState, pod: Pod, hint: TopologyHint | None
) -> Rejection | None:
    err = metrics_record.cpu_allocate_pod_policy(
        policy, state, pod, hint, PlainPodObserver(m, policy.machine, state)
    )
    if err is not None:
        m.inc(M.CPU_MANAGER_PINNING_ERRORS_TOTAL)
        m.inc(M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL, M.RESOURCE_CPU, M.SOURCE_POD)
    return err


def plain_cpu_remove(m: NodeMetrics, policy: CPUStaticPolicy, state: CPUState, uid: str, name: str) -> None:
    to_release = state.get_cpu_set(uid, name)
    if to_release is None:
        return
    pod_set = state.get_pod_cpu_set(uid) if policy.gates.enabled(PLRM) else None
    in_use = 0
    for other, cset in state.get_cpu_assignments().get(uid, {}).items():
        if other != name:
            in_use |= cset
    policy.remove_container(state, uid, name)
    if pod_set is not None:
        if state.get_pod_cpu_set(uid) is None:
            plain_on_release(m, policy.machine, state, pod_set)
        return
    plain_on_release(m, policy.machine, state, to_release & ~in_use)


def plain_memory_allocate(
    m: NodeMetrics,
    policy: MemoryStaticPolicy,
    state: MemoryState,
    pod: Pod,
    c: Container,
    hint: TopologyHint | None,
) -> Rejection | None:
    gates = policy.gates
    skips = not (gates.enabled(PLRM) and gates.enabled(PLR)) and is_pod_level_resources_set(pod)
    if get_pod_qos(pod, qos_gates(gates)) != "Guaranteed" or skips:
        return policy.allocate(state, pod, c, hint)
    m.inc(M.MEMORY_MANAGER_PINNING_REQUESTS_TOTAL)
    existing = state.get_memory_blocks(pod.uid, c.name)
    err = policy.allocate(state, pod, c, hint)
    if err is not None:
        m.inc(M.MEMORY_MANAGER_PINNING_ERRORS_TOTAL)
        m.inc(M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL, M.RESOURCE_MEMORY, M.SOURCE_NODE)
        return err
    if existing is None:
        requested = get_container_requested_resources(pod, c, gates.enabled(PLRM))
        m.add(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, len(requested), M.RESOURCE_MEMORY, M.SOURCE_NODE)
        m.inc(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, M.RESOURCE_MEMORY, M.ASSIGNMENT_NODE_EXCLUSIVE)
    return None


@contextmanager
def plain_points() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(node, "record_topology_admission", plain_topology)
        mp.setattr(metrics_record, "cpu_allocate", plain_cpu_allocate)
        mp.setattr(metrics_record, "cpu_allocate_pod", plain_cpu_allocate_pod)
        mp.setattr(metrics_record, "cpu_remove_container", plain_cpu_remove)
        mp.setattr(metrics_record, "memory_allocate", plain_memory_allocate)
        yield


# ----- random scenarios --------------------------------------------------------------------------
@st.composite
def _container(draw: Any, name: str, pod_level: bool) -> dict[str, Any]:
    res: dict[str, str] = {
        "memory": draw(st.sampled_from(["128Mi", "256Mi"] if pod_level else ["128Mi", "6Gi"]))
    }
    cpu = draw(st.sampled_from([None, "1", "2", "500m"] if pod_level else ["1", "2", "4", "1500m"]))
    if cpu is not None:
        res["cpu"] = cpu
    guaranteed = draw(st.booleans()) or draw(st.booleans())
    return {"name": name, "resources": {"requests": res, "limits": res} if guaranteed else {"requests": res}}


def _millicores(c: dict[str, Any]) -> int:
    cpu = c["resources"]["requests"].get("cpu", "0")
    return int(cpu[:-1]) if cpu.endswith("m") else int(cpu) * 1000


@st.composite
def _pod(draw: Any, index: int) -> dict[str, Any]:
    pod_level = draw(st.booleans())
    apps = [draw(_container(f"app{i}", pod_level)) for i in range(draw(st.integers(1, 3)))]
    spec: dict[str, Any] = {"containers": apps}
    inits = []
    for i in range(draw(st.integers(0, 2))):
        c = draw(_container(f"init{i}", pod_level))
        if draw(st.booleans()):
            c["restartPolicy"] = "Always"
        inits.append(c)
    if inits:
        spec["initContainers"] = inits
    if pod_level:  # a budget at least the containers' requests (the API server's validation)
        need = sum(_millicores(c) for c in apps + inits)
        budget = {"cpu": str(-(-need // 1000) + draw(st.integers(0, 2))), "memory": "2Gi"}
        spec["resources"] = {"requests": budget, "limits": budget}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{index}"}, "spec": spec}


@st.composite
def _scenario(draw: Any) -> dict[str, Any]:
    pods = [draw(_pod(i)) for i in range(draw(st.integers(1, 5)))]
    events: list[dict[str, Any]] = [{"add": p} for p in pods]
    for _ in range(draw(st.integers(0, 3))):
        victim = f"default/p{draw(st.integers(0, len(pods) - 1))}"
        events.insert(draw(st.integers(1, len(events))), {"remove": victim})
    plrm = draw(st.booleans())
    options = draw(
        st.sampled_from([{}, {"full-pcpus-only": "true"}, {"distribute-cpus-across-numa": "true"}])
    )
    config = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "featureGates": {"PodLevelResources": plrm or draw(st.booleans()), "PodLevelResourceManagers": plrm},
        "cpuManagerPolicy": "static",
        "cpuManagerPolicyOptions": options,
        "reservedSystemCPUs": "0",
        "memoryManagerPolicy": draw(st.sampled_from(["Static", "None"])),
        "kubeReserved": {"memory": "1Gi"},
        "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
        "topologyManagerPolicy": draw(
            st.sampled_from(["none", "best-effort", "restricted", "single-numa-node"])
        ),
        "topologyManagerScope": draw(st.sampled_from(["container", "pod"])),
    }
    if config["memoryManagerPolicy"] == "None":
        del config["reservedMemory"]
    machine = {
        "sockets": draw(st.integers(1, 2)),
        "numaNodesPerSocket": draw(st.integers(1, 2)),
        "coresPerNUMANode": 4,
        "threadsPerCore": draw(st.integers(1, 2)),
        "uncoreCachesPerNUMANode": draw(st.sampled_from([1, 2])),
        "memoryPerNUMANode": "16Gi",
    }
    return {
        "kind": "Scenario",
        "metadata": {"name": "fastpath"},
        "node": {"machine": machine},
        "kubeletConfig": config,
        "events": events,
    }


def _run(doc: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        scenario = scenario_from_dict(doc)
        if kubelet_refusal(scenario.kubelet_config, scenario.machine) is not None:
            reject()
        n = Node(scenario.machine, scenario.kubelet_config)
    except (InputError, KubeletStartupRefused):
        reject()
    seen = [n.metrics.snapshot().as_dict()]
    for event in scenario.events:
        n.apply(event)
        seen.append(n.metrics.snapshot().as_dict())
    return seen


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenario())
def test_fast_metric_points_equal_the_plain_ones(doc: dict[str, Any]) -> None:
    fast = _run(doc)
    with plain_points():
        plain = _run(doc)
    assert fast == plain


# ----- the registry's live series ----------------------------------------------------------------
def test_live_series_are_the_registrys_and_unregistered_ones_are_sinks() -> None:
    m = new_node_metrics(False)
    live = m.live
    live[M.CPU_MANAGER_PINNING_REQUESTS_TOTAL.name][()] += 2
    assert m.get(M.CPU_MANAGER_PINNING_REQUESTS_TOTAL) == 2
    live[M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL.name][("cpu", "node")] = 5
    assert not m.registered(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL)
    assert m.snapshot().family(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL.name) is None
    assert set(live) == {d.name for d in M.ALL_METRICS}


def test_the_per_numa_gauge_is_set_for_the_nodes_holding_cpus() -> None:
    machine = synthetic_machine(sockets=2, numa_nodes_per_socket=2, cores_per_numa_node=2, threads_per_core=1)
    m = new_node_metrics(False)
    metrics_record.update_allocation_per_numa_metric(m, machine, machine.numa_cpus[1] | machine.numa_cpus[3])
    assert m.snapshot().as_dict()[M.CPU_MANAGER_ALLOCATION_PER_NUMA.name] == {
        (("numa_node", "1"),): 2,
        (("numa_node", "3"),): 2,
    }
    with pytest.raises(KeyError):
        metrics_record.update_allocation_per_numa_metric(m, machine, 1 << 40)
