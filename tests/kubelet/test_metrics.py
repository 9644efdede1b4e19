"""The metrics registry and the kubelet's metric points, hand-counted."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from podfit.api.scenario import scenario_from_dict
from podfit.io.scenario import load_default_scenario
from podfit.kubelet import metrics as M
from podfit.kubelet.metrics import ALL_METRICS, RESOURCE_MANAGER_METRICS, NodeMetrics, new_node_metrics
from podfit.kubelet.simulation import SimulationResult, simulate

# ----- the registry ----------------------------------------------------------------------------


def test_names_types_labels_and_help_are_the_kubelets() -> None:
    table = {d.name: (d.type, d.label_names) for d in ALL_METRICS}
    assert table == {
        "resource_manager_allocations_total": ("counter", ("resource_name", "source")),
        "resource_manager_allocation_errors_total": ("counter", ("resource_name", "source")),
        "resource_manager_container_assignments": ("counter", ("resource_name", "assignment_type")),
        "kubelet_cpu_manager_pinning_requests_total": ("counter", ()),
        "kubelet_cpu_manager_pinning_errors_total": ("counter", ()),
        "kubelet_cpu_manager_shared_pool_size_millicores": ("gauge", ()),
        "kubelet_cpu_manager_exclusive_cpu_allocation_count": ("gauge", ()),
        "kubelet_cpu_manager_allocation_per_numa": ("gauge", ("numa_node",)),
        "kubelet_memory_manager_pinning_requests_total": ("counter", ()),
        "kubelet_memory_manager_pinning_errors_total": ("counter", ()),
        "kubelet_topology_manager_admission_requests_total": ("counter", ()),
        "kubelet_topology_manager_admission_errors_total": ("counter", ()),
        "kubelet_container_aligned_compute_resources_count": ("counter", ("scope", "boundary")),
        "kubelet_container_aligned_compute_resources_failure_count": ("counter", ("scope", "boundary")),
    }
    assert M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS.help == (
        "Number of containers with a specific type of resource assignment."
    )
    assert all(d.stability == "ALPHA" for d in ALL_METRICS)


@pytest.mark.parametrize("gate", [True, False])
def test_resource_manager_counters_exist_only_with_the_gate(gate: bool) -> None:
    names = {f.desc.name for f in new_node_metrics(gate).snapshot().families}
    assert (
        {d.name for d in RESOURCE_MANAGER_METRICS} <= names
        if gate
        else not ({d.name for d in RESOURCE_MANAGER_METRICS} & names)
    )
    assert "kubelet_cpu_manager_pinning_requests_total" in names


def test_unregistered_increments_are_no_ops_and_counters_never_decrease() -> None:
    m = NodeMetrics([M.CPU_MANAGER_PINNING_REQUESTS_TOTAL, M.CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES])
    m.inc(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, "cpu", "node")
    assert m.get(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, "cpu", "node") == 0
    with pytest.raises(ValueError):
        m.add(M.CPU_MANAGER_PINNING_REQUESTS_TOTAL, -1)
    with pytest.raises(ValueError):
        m.set(M.CPU_MANAGER_PINNING_REQUESTS_TOTAL, 3)
    m.add(M.CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES, -2000)
    assert m.snapshot().value("kubelet_cpu_manager_shared_pool_size_millicores") == -2000
    assert m.snapshot().value("kubelet_cpu_manager_pinning_requests_total") == 0


def test_label_values_must_match_the_label_names() -> None:
    m = new_node_metrics(True)
    with pytest.raises(ValueError):
        m.inc(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, "cpu")


# ----- the default scenario, counted by hand ---------------------------------------------------


@pytest.fixture(scope="module")
def default() -> SimulationResult:
    return simulate(load_default_scenario())


def test_default_scenario_hand_count(default: SimulationResult) -> None:
    """Events: orders-db-0..2 admitted (8-CPU bubbles on NUMA 0, 1, 1), orders-db-3 refused by the
    single-numa-node merge, orders-db-0 removed, orders-db-4 admitted on NUMA 0. Each pod: two
    restartable sidecars without resources (pod shared) and the 6-CPU database (pod exclusive).

    * topology manager: 5 requests, 1 error; pod-scope alignment 4 successes, 1 failure
    * CPU AllocatePod: 1 pinning request per pod (only the exclusive container), 3 assignments
      and 3 {cpu,pod} allocations per pod; each bubble lies in one uncore cache (a socket)
    * memory AllocatePod: 1 + 2 init containers + 1 exclusive app = 4 pinning requests per pod
    * gauges: 31 CPUs shared at start; 4 bubbles of 8 taken, 1 released: 24 exclusive, 7000m
      shared; allocation_per_numa is computed before each bubble is stored (upstream order),
      so NUMA 0 keeps the 8 set while orders-db-1 was allocated and NUMA 1 shows 16.
    """
    snap = default.metrics
    assert snap is not None
    got = {
        name: {tuple(sorted(labels)): v for labels, v in series.items()}
        for name, series in snap.as_dict().items()
    }
    cont, pod = ("scope", "container"), ("scope", "pod")
    numa, pcpu, uncore = ("boundary", "numa_node"), ("boundary", "physical_cpu"), ("boundary", "uncore_cache")
    assert got == {
        "kubelet_topology_manager_admission_requests_total": {(): 5},
        "kubelet_topology_manager_admission_errors_total": {(): 1},
        "kubelet_container_aligned_compute_resources_count": {
            (numa, cont): 0,
            (numa, pod): 4,
            (pcpu, cont): 0,
            (uncore, cont): 4,
        },
        "kubelet_container_aligned_compute_resources_failure_count": {
            (numa, cont): 0,
            (numa, pod): 1,
            (pcpu, cont): 0,
        },
        "kubelet_cpu_manager_pinning_requests_total": {(): 4},
        "kubelet_cpu_manager_pinning_errors_total": {(): 0},
        "kubelet_cpu_manager_shared_pool_size_millicores": {(): 7000},
        "kubelet_cpu_manager_exclusive_cpu_allocation_count": {(): 24},
        "kubelet_cpu_manager_allocation_per_numa": {(("numa_node", "0"),): 8, (("numa_node", "1"),): 16},
        "kubelet_memory_manager_pinning_requests_total": {(): 16},
        "kubelet_memory_manager_pinning_errors_total": {(): 0},
        "resource_manager_allocations_total": {
            (("resource_name", "cpu"), ("source", "pod")): 12,
            (("resource_name", "memory"), ("source", "pod")): 12,
        },
        "resource_manager_allocation_errors_total": {},
        "resource_manager_container_assignments": {
            (("assignment_type", "pod_exclusive"), ("resource_name", "cpu")): 4,
            (("assignment_type", "pod_shared"), ("resource_name", "cpu")): 8,
            (("assignment_type", "pod_exclusive"), ("resource_name", "memory")): 4,
            (("assignment_type", "pod_shared"), ("resource_name", "memory")): 8,
        },
    }


# ----- node-level (container) allocation paths -------------------------------------------------

BASE = yaml.safe_load(
    """
kind: Scenario
metadata: {name: t}
node:
  machine: {sockets: 2, numaNodesPerSocket: 1, coresPerNUMANode: 4, threadsPerCore: 2,
            memoryPerNUMANode: 16Gi, hugepages1GiPerNUMANode: 4Gi}
kubeletConfig:
  apiVersion: kubelet.config.k8s.io/v1beta1
  kind: KubeletConfiguration
  featureGates: {PodLevelResources: true, PodLevelResourceManagers: true}
  cpuManagerPolicy: static
  reservedSystemCPUs: "0"
  memoryManagerPolicy: Static
  kubeReserved: {memory: 1Gi}
  reservedMemory: [{numaNode: 0, limits: {memory: 1124Mi}}]
  topologyManagerPolicy: single-numa-node
  topologyManagerScope: container
"""
)


def _pod(name: str, *containers: tuple[str, dict[str, str]]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": n, "resources": {"limits": lim}} for n, lim in containers]},
    }


def _metrics(events: list[dict[str, Any]], **config: Any) -> dict[str, dict[Any, int]]:
    doc = {**BASE, "kubeletConfig": {**BASE["kubeletConfig"], **config}, "events": events}
    result = simulate(scenario_from_dict(doc))
    assert result.metrics is not None, result.error
    return {
        n: {tuple(v for _, v in labels): val for labels, val in s.items()}
        for n, s in result.metrics.as_dict().items()
    }


def test_container_scope_counts_per_container_and_memory_per_type() -> None:
    """Two exclusive containers, one with hugepages: node_exclusive assignments per manager,
    {memory,node} allocations once per memory type (3), alignment successes per container."""
    pod = _pod(
        "a",
        ("c1", {"cpu": "2", "memory": "1Gi"}),
        ("c2", {"cpu": "2", "memory": "1Gi", "hugepages-1Gi": "1Gi"}),
    )
    got = _metrics([{"add": pod}])
    assert got["resource_manager_container_assignments"] == {
        ("cpu", "node_exclusive"): 2,
        ("memory", "node_exclusive"): 2,
    }
    assert got["resource_manager_allocations_total"] == {("cpu", "node"): 2, ("memory", "node"): 3}
    assert got["kubelet_memory_manager_pinning_requests_total"] == {(): 2}
    assert got["kubelet_cpu_manager_pinning_requests_total"] == {(): 2}
    assert got["kubelet_container_aligned_compute_resources_count"][("container", "numa_node")] == 2
    assert got["kubelet_cpu_manager_exclusive_cpu_allocation_count"] == {(): 4}
    assert got["kubelet_cpu_manager_shared_pool_size_millicores"] == {(): 11000}


def test_refused_merge_in_container_scope_counts_earlier_successes() -> None:
    """c1 fits a NUMA node, c2 (9 CPUs) cannot: one alignment success, one failure, one error; the
    rolled-back c1 is released again (gauges back to the idle values)."""
    pod = _pod("a", ("c1", {"cpu": "2", "memory": "1Gi"}), ("c2", {"cpu": "9", "memory": "1Gi"}))
    got = _metrics([{"add": pod}])
    assert got["kubelet_topology_manager_admission_errors_total"] == {(): 1}
    assert got["kubelet_container_aligned_compute_resources_count"][("container", "numa_node")] == 1
    assert got["kubelet_container_aligned_compute_resources_failure_count"][("container", "numa_node")] == 1
    assert got["kubelet_cpu_manager_exclusive_cpu_allocation_count"] == {(): 0}
    assert got["kubelet_cpu_manager_shared_pool_size_millicores"] == {(): 15000}
    assert got["resource_manager_allocations_total"][("cpu", "node")] == 1


def test_allocation_error_counts_pinning_and_resource_manager_errors() -> None:
    """full-pcpus-only with an odd CPU count: Allocate refuses (SMTAlignmentError)."""
    got = _metrics(
        [{"add": _pod("a", ("c", {"cpu": "3", "memory": "1Gi"}))}],
        cpuManagerPolicyOptions={"full-pcpus-only": "true"},
        topologyManagerPolicy="best-effort",
    )
    assert got["kubelet_cpu_manager_pinning_errors_total"] == {(): 1}
    assert got["resource_manager_allocation_errors_total"] == {("cpu", "node"): 1}
    assert (
        got["kubelet_container_aligned_compute_resources_failure_count"][("container", "physical_cpu")] == 1
    )
    assert got["kubelet_topology_manager_admission_errors_total"] == {(): 1}
    # best-effort does not guarantee alignment: no numa_node outcome is counted
    assert got["kubelet_container_aligned_compute_resources_count"][("container", "numa_node")] == 0


def test_none_policies_count_only_admission_requests() -> None:
    got = _metrics(
        [{"add": _pod("a", ("c", {"cpu": "2", "memory": "1Gi"}))}],
        cpuManagerPolicy="none",
        memoryManagerPolicy="None",
        topologyManagerPolicy="none",
        reservedMemory=[],
        reservedSystemCPUs=None,
    )
    assert got["kubelet_topology_manager_admission_requests_total"] == {(): 1}
    assert got["kubelet_container_aligned_compute_resources_count"] == {}
    assert got["kubelet_cpu_manager_shared_pool_size_millicores"] == {(): 0}
    assert got["resource_manager_container_assignments"] == {}


def test_removal_releases_the_cpus_and_keeps_stale_numa_gauges() -> None:
    pod = _pod("a", ("c", {"cpu": "2", "memory": "1Gi"}))
    got = _metrics([{"add": pod}, {"remove": "default/a"}])
    assert got["kubelet_cpu_manager_exclusive_cpu_allocation_count"] == {(): 0}
    assert got["kubelet_cpu_manager_shared_pool_size_millicores"] == {(): 15000}
    # upstream sets only the NUMA nodes that still hold CPUs: the last value stays
    assert got["kubelet_cpu_manager_allocation_per_numa"] == {("0",): 2}
