"""Upstream metric expectations, ported as data (tests/upstream/cpumanager/*_metrics.yaml,
tests/upstream/metrics/*.yaml): the static policy's AllocatePod counters, the uncore alignment
check, and the kubelet e2e suites "CPU Manager Metrics", "Topology Manager Metrics" and "Memory
Manager Metrics"."""

from __future__ import annotations

from typing import Any

import pytest
from tests.cpu.cpumanager_fixtures import build_pod, gates_of, load_cases, machine_of, make_policy, state_of
from tests.kubelet.metrics_helpers import e2e_scenario, expected_values, load

from podfit.kubelet import metrics as M
from podfit.kubelet.metrics import new_node_metrics
from podfit.kubelet.metrics_record import cpu_allocate_pod, update_cpu_metrics_on_allocate
from podfit.kubelet.node import Node
from podfit.model.cpuset import parse_cpuset
from podfit.model.machine import CPUInfo, Machine, NUMANode
from podfit.model.scenario import AddPod

ALLOC_POD = load_cases("TestStaticPolicyAllocatePod.yaml")
ALLOC_POD_METRICS = load_cases("TestStaticPolicyAllocatePod_metrics.yaml")
ALIGNMENT = load("metrics/alignment.yaml")
E2E_CPU = load("metrics/e2e_cpumanager_metrics.yaml")
E2E_TOPOLOGY = load("metrics/e2e_topology_manager_metrics.yaml")
E2E_MEMORY = load("metrics/e2e_memorymanager_metrics.yaml")


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in cases]


def test_every_allocate_pod_case_has_its_metrics() -> None:
    assert _ids(ALLOC_POD_METRICS["cases"]) == _ids(ALLOC_POD["cases"])


@pytest.mark.parametrize("case", ALLOC_POD_METRICS["cases"], ids=_ids(ALLOC_POD_METRICS["cases"]))
def test_static_policy_allocate_pod_metrics(case: dict[str, Any]) -> None:
    inputs = next(c for c in ALLOC_POD["cases"] if c["name"] == case["name"])
    full = {**ALLOC_POD["defaults"], **inputs}
    policy = make_policy(full, machine_of(full), gates_of(inputs["gates"]))
    st = state_of(full, policy.machine)  # type: ignore[union-attr]
    m = new_node_metrics(pod_level_resource_managers=True)
    err = cpu_allocate_pod(m, policy, st, build_pod(inputs["pod"]), None)  # type: ignore[arg-type]
    want = case["metrics"]
    if "expected_error" in inputs:
        assert err is not None
        assert m.get(M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL, "cpu", "pod") == want["errors"]
        return
    assert err is None
    assert m.get(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, "cpu", "pod") == want["allocations"]
    assert m.get(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, "cpu", "pod_exclusive") == want["pod_exclusive"]
    assert m.get(M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS, "cpu", "pod_shared") == want["pod_shared"]
    assert m.get(M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL, "cpu", "pod") == 0


def _alignment_machine() -> Machine:
    n, group = ALIGNMENT["topology"]["cpus"], ALIGNMENT["topology"]["uncore_group"]
    cpus = tuple(CPUInfo(cpu=c, core=c, socket=0, numa=0, uncore=c // group) for c in range(n))
    return Machine(cpus=cpus, numa_nodes=(NUMANode(id=0, memory=0),))


@pytest.mark.parametrize("case", ALIGNMENT["cases"], ids=_ids(ALIGNMENT["cases"]))
def test_new_alignment_counts_uncore_aligned_allocations(case: dict[str, Any]) -> None:
    """An allocation is counted as uncore-aligned exactly when CheckAlignment says so."""
    from podfit.cpu.state import CPUState

    m = new_node_metrics(False)
    update_cpu_metrics_on_allocate(m, _alignment_machine(), CPUState(), parse_cpuset(case["cpus"]))
    aligned = m.get(M.CONTAINER_ALIGNED_COMPUTE_RESOURCES, "container", "uncore_cache")
    assert aligned == (1 if case["uncore_cache"] else 0)


def _run_e2e(table: dict[str, Any], case: dict[str, Any]) -> None:
    scenario = e2e_scenario(table, case)
    node = Node(scenario.machine, scenario.kubelet_config)
    events = iter(scenario.events)
    for step in case["steps"]:
        if "add" in step or "remove" in step:
            event = next(events)
            if isinstance(event, AddPod):
                assert node.admit(event.pod).admitted is step["admitted"]
            else:
                assert node.remove(key=event.key, uid=event.uid).removed
        snap = node.metrics.snapshot()
        for name, labels, value in expected_values(step):
            assert snap.value(name, **labels) == value, (name, labels)


@pytest.mark.parametrize("case", E2E_CPU["cases"], ids=_ids(E2E_CPU["cases"]))
def test_e2e_cpumanager_metrics(case: dict[str, Any]) -> None:
    _run_e2e(E2E_CPU, case)


@pytest.mark.parametrize("case", E2E_TOPOLOGY["cases"], ids=_ids(E2E_TOPOLOGY["cases"]))
def test_e2e_topology_manager_metrics(case: dict[str, Any]) -> None:
    _run_e2e(E2E_TOPOLOGY, case)


@pytest.mark.parametrize("case", E2E_MEMORY["cases"], ids=_ids(E2E_MEMORY["cases"]))
def test_e2e_memorymanager_metrics(case: dict[str, Any]) -> None:
    _run_e2e(E2E_MEMORY, case)
