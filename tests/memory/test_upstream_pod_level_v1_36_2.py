"""The v1.36.2 unit tables of the Memory Manager's pod-level path, as data
(tests/upstream/memorymanager/pod_level_unit_v1_36_2.yaml; issue 14): validatePodScopeResources,
GetPodTopologyHints and AllocatePod (with its metrics), each on the upstream test's machine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from tests.memory.upstream_loader import blocks, cases, hints, machine_state, size, sorted_assignments

from podfit.kubelet import metrics as M
from podfit.kubelet.metrics import new_node_metrics
from podfit.kubelet.metrics_record import memory_allocate_pod
from podfit.memory import MemoryState, new_policy_static
from podfit.memory.requests import validate_pod_scope_resources
from podfit.model.features import FeatureGates
from podfit.model.machine import Machine, NUMANode
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.topology.bitmask import new_bitmask
from podfit.topology.hint import TopologyHint

FILE = "pod_level_unit_v1_36_2.yaml"
GI, MI = 2**30, 2**20
ON = {"PodLevelResources": True, "PodLevelResourceManagers": True}


def _cpu(v: Any) -> int:
    """Millicores of a cpu quantity as written upstream ("1000m", "3", "1000Mi")."""
    text = str(v)
    return int(text[:-1]) if text.endswith("m") else size(text) * 1000


def _req(raw: Mapping[str, Any]) -> dict[str, int]:
    return {r: _cpu(v) if r == "cpu" else size(v) for r, v in raw.items()}


def _requirements(requests: Mapping[str, Any], limits: Mapping[str, Any]) -> ResourceRequirements:
    return ResourceRequirements(_req(requests), _req(limits))


def _container(name: str, init: bool, res: ResourceRequirements, restart: str | None) -> Container:
    kind = ("sidecar" if restart == "Always" else "init") if init else "app"
    return Container(name, kind, res, restart_policy=restart)  # type: ignore[arg-type]


def _policy(nodes: list[tuple[int, int]], gates: Mapping[str, bool]) -> tuple[Any, MemoryState]:
    """Static policy on NUMA nodes of (memory, system-reserved) bytes, started on a fresh state."""
    machine = Machine(cpus=(), numa_nodes=tuple(NUMANode(i, mem) for i, (mem, _) in enumerate(nodes)))
    reserved = {i: {"memory": r} for i, (_, r) in enumerate(nodes)}
    p, err = new_policy_static(machine, reserved, FeatureGates(dict(gates)))
    assert err is None and p is not None
    s = MemoryState()
    assert p.start(s) is None
    return p, s


# ----- TestValidatePodScopeResources -----------------------------------------------------------
def _options_pod(case: Mapping[str, Any]) -> Pod:
    """makeMultiContainerPodWithOptionsAndPodLevelResources."""

    def member(i: int, opts: Mapping[str, Any], init: bool) -> Container:
        name = f"initContainer-{i}" if init else f"appContainer-{i}"
        if "request" in opts:
            res = _requirements(
                {"memory": opts["request"], "cpu": "1"}, {"memory": opts["limit"], "cpu": "1"}
            )
        else:
            res = ResourceRequirements({}, {})
        return _container(name, init, res, opts.get("restart_policy"))

    memory = size(case["pod_memory"])
    return Pod(
        "default",
        "pod",
        "podUID",
        init_containers=tuple(member(i, o, True) for i, o in enumerate(case["init"])),
        containers=tuple(member(i, o, False) for i, o in enumerate(case["app"])),
        resources=ResourceRequirements({"memory": memory}, {"memory": memory}),
    )


VALIDATE = cases(FILE, "TestValidatePodScopeResources")


@pytest.mark.parametrize("case", VALIDATE, ids=[c["name"] for c in VALIDATE])
def test_validate_pod_scope_resources(case: dict[str, Any]) -> None:
    assert validate_pod_scope_resources(_options_pod(case), True) == case["error"]


# ----- TestStaticPolicyGetPodTopologyHints -----------------------------------------------------
REQUIREMENTS = {
    "guaranteed": ({"cpu": "1000Mi", "memory": "1Gi", "hugepages-1Gi": "1Gi"},) * 2,
    "burstable": (
        {"cpu": "1000Mi", "memory": "1Gi", "hugepages-1Gi": "1Gi"},
        {"cpu": "1000Mi", "memory": "2Gi", "hugepages-1Gi": "2Gi"},
    ),
    "pod_guaranteed": ({"cpu": "1000m", "memory": "1Gi"},) * 2,
    "pod_burstable": ({"cpu": "500m", "memory": "1Gi"}, {"cpu": "1000m", "memory": "1Gi"}),
}


def _hint_pod(raw: Mapping[str, Any]) -> Pod:
    """getPod / getPodWithPodLevelResources."""
    c = _container(raw["container"], False, _requirements(*REQUIREMENTS[raw["requirements"]]), None)
    pod_res = raw.get("pod_requirements")
    return Pod(
        "default",
        raw["uid"],
        raw["uid"],
        containers=(c,),
        resources=None if pod_res is None else _requirements(*REQUIREMENTS[pod_res]),
    )


HINTS = cases(FILE, "TestStaticPolicyGetPodTopologyHints")


def _hints_raw(got: Mapping[str, list[TopologyHint]] | None) -> Any:
    if got is None:
        return "nil"
    return {r: [(h.numa_affinity, h.preferred) for h in hs] for r, hs in got.items()}


@pytest.mark.parametrize("case", HINTS, ids=[c["description"] for c in HINTS])
def test_get_pod_topology_hints(case: dict[str, Any]) -> None:
    p, _ = _policy([(3 * GI, GI), (3 * GI, GI)], case["gates"])
    s = MemoryState()
    s.set_machine_state(machine_state(case.get("machine_state")))
    got = p.get_pod_topology_hints(s, _hint_pod(case["pod"]))
    want = "nil" if case["expected"] == "nil" else _hints_raw(hints(case["expected"]))
    assert _hints_raw(got) == want


# ----- TestStaticPolicyAllocatePod --------------------------------------------------------------
def _podlevel_pod(raw: Mapping[str, Any]) -> Pod:
    """getPodWithContainersAndPodLevelResources."""

    def member(c: Mapping[str, Any], init: bool) -> Container:
        requests: dict[str, Any] = {"cpu": "1"}
        limits: dict[str, Any] = {"cpu": "1"}
        if "memory" in c:
            requests["memory"], limits["memory"] = c["memory"]
        return _container(c["name"], init, _requirements(requests, limits), c.get("restart_policy"))

    request, limit = raw["memory"]
    return Pod(
        "default",
        raw["name"],
        raw["name"],
        init_containers=tuple(member(c, True) for c in raw["init"]),
        containers=tuple(member(c, False) for c in raw["app"]),
        resources=_requirements({"cpu": "3", "memory": request}, {"cpu": "3", "memory": limit}),
    )


def _groups(ms: Mapping[int, Any]) -> dict[int, tuple[int, tuple[int, ...], dict[str, tuple[int, int]]]]:
    """Per node: assignments, cells, and free / reserved summed over its cells (upstream's
    areMachineStatesEqual compares exactly these)."""
    out = {}
    for n, node in ms.items():
        sums = {
            r: (
                sum(ms[c].memory_map[r].free for c in node.cells),
                sum(ms[c].memory_map[r].reserved for c in node.cells),
            )
            for r in node.memory_map
        }
        out[n] = (node.number_of_assignments, tuple(sorted(node.cells)), sums)
    return out


ALLOCATE = cases(FILE, "TestStaticPolicyAllocatePod")


@pytest.mark.parametrize("case", ALLOCATE, ids=[c["description"] for c in ALLOCATE])
def test_allocate_pod(case: dict[str, Any]) -> None:
    p, s = _policy([(2 * GI, 512 * MI), (2 * GI, 512 * MI)], ON)
    before = s.get_machine_state()
    raw_hint = case["hint"]
    hint = (
        TopologyHint(new_bitmask(*raw_hint["affinity"]), bool(raw_hint["preferred"]))
        if raw_hint
        else TopologyHint(None, False)
    )
    pod = _podlevel_pod(case["pod"])
    m = new_node_metrics(True)
    err = memory_allocate_pod(m, p, s, pod, hint)
    if case["error"] is not None:
        assert err is not None and err.message == case["error"]
        if case.get("error_reason") == "EmptyPodSharedPoolError":
            assert err.reason == "EmptyPodSharedPoolError"
        else:
            assert err.reason is None
        assert m.get(M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL, "memory", "pod") == case["metrics"]["errors"]
        assert s.get_machine_state() == before and not s.get_memory_assignments()
        return
    assert err is None
    got = {c: list(bs) for c, bs in s.get_memory_assignments().get(pod.uid, {}).items()}
    want = {c: list(blocks(bs)) for c, bs in case["assignments"].items()}
    assert sorted_assignments({"p": got}) == sorted_assignments({"p": want})  # type: ignore[arg-type]
    assert _groups(s.get_machine_state()) == _groups(machine_state(case["machine_state"]))
    metrics = case["metrics"]
    if "errors" in metrics:
        assert m.get(M.RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL, "memory", "pod") == metrics["errors"]
    else:
        assert m.get(M.RESOURCE_MANAGER_ALLOCATIONS_TOTAL, "memory", "pod") == metrics["allocations"]
        assigned = M.RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS
        assert m.get(assigned, "memory", "pod_exclusive") == metrics["exclusive"]
        assert m.get(assigned, "memory", "pod_shared") == metrics["shared"]
