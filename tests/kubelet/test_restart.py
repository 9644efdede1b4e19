"""Kubelet restarts as scenario events (podfit.kubelet.restart): the old release's files read by the
new one, the running pods admitted again; 1.36's pod-level restart defects and the 1.37 fixes.

Expectations are hand-checked: the two failure modes of issue #140989 are the issue's own examples
(1 reserved CPU, a pod of 2 CPUs, on 4 and on 6 CPUs); the rest is worked out in the comments.
"""

from __future__ import annotations

from typing import Any

import pytest

from podfit.api.scenario import scenario_from_dict
from podfit.errors import InputError
from podfit.kubelet.restart import KEPT, MOVED, REJECTED, RestartResult
from podfit.kubelet.simulation import SimulationResult, simulate
from podfit.memory.state import Block
from podfit.model.cpuset import format_cpuset
from podfit.report.json_result import result_to_json

GI = 1 << 30
MACHINE = {"sockets": 1, "numaNodesPerSocket": 1, "coresPerNUMANode": 4, "threadsPerCore": 1}
PLR_GATES = {"PodLevelResources": True, "PodLevelResourceManagers": True}


def _config(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", **fields}


def _pod(
    name: str, cpu: str, memory: str = "1Gi", *, pod_level: tuple[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    containers = extra.pop("containers", None) or [
        {
            "name": "app",
            "resources": {
                "requests": {"cpu": cpu, "memory": memory},
                "limits": {"cpu": cpu, "memory": memory},
            },
        }
    ]
    spec: dict[str, Any] = {"containers": containers, **extra}
    if pod_level is not None:
        q = {"cpu": pod_level[0], "memory": pod_level[1]}
        spec["resources"] = {"requests": q, "limits": q}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


def _run(
    machine: dict[str, Any], config: dict[str, Any], events: list[Any], version: str = "1.36"
) -> SimulationResult:
    doc = {
        "kind": "Scenario",
        "metadata": {"name": "t"},
        "node": {"machine": machine, "kubeletVersion": version},
        "kubeletConfig": config,
        "events": events,
    }
    return simulate(scenario_from_dict(doc))


def _restart(result: SimulationResult, index: int = -1) -> RestartResult:
    steps = [s for s in result.steps if isinstance(s, RestartResult)]
    return steps[index]


# ----- issue #140989: the CPU manager's AllocatePod after a restart --------------------------------------
def _issue_140989_run(cpus: int, to: str) -> SimulationResult:
    machine = {"sockets": 1, "numaNodesPerSocket": 1, "coresPerNUMANode": cpus, "threadsPerCore": 1}
    config = _config(
        featureGates=PLR_GATES,
        cpuManagerPolicy="static",
        reservedSystemCPUs="0",
        topologyManagerPolicy="best-effort",
        topologyManagerScope="pod",
    )
    pod = _pod("p", "2", "512Mi", pod_level=("2", "512Mi"))
    result = _run(machine, config, [{"add": pod}, {"restart": {"kubeletVersion": to}}])
    assert result.steps[0].admitted  # type: ignore[union-attr]
    assert format_cpuset(result.steps[0].pod_cpus or 0) == "1-2"  # type: ignore[union-attr]
    return result


def _issue_140989(cpus: int, to: str) -> RestartResult:
    return _restart(_issue_140989_run(cpus, to))


def test_issue_140989_on_6_cpus_v1_36_moves_the_pod_and_leaks_its_cpus() -> None:
    r = _issue_140989(6, "1.36")
    (p,) = r.pods
    assert p.outcome == MOVED
    assert "pod CPUs 1-2 -> 3-4" in p.changes
    assert format_cpuset(r.default_cpuset) == "0,5"  # was 0,3-5; 1-2 are held by nobody now


def test_issue_140989_on_4_cpus_v1_36_rejects_the_running_pod() -> None:
    # the shared pool holds 0 (reserved) and 3; the pod hint (NUMA 0) makes allocateCPUs take the
    # one aligned free CPU first, then fail for the last one (the issue, without a hint, words it
    # "requested=2, available=1")
    r = _issue_140989(4, "1.36")
    (p,) = r.pods
    assert p.outcome == REJECTED
    assert p.step.reason == "UnexpectedAdmissionError"
    assert p.step.message == (
        "Allocate failed due to not enough cpus available to satisfy request: requested=1, available=0, "
        "which is unexpected"
    )


@pytest.mark.parametrize("cpus", [4, 6])
def test_issue_140989_fixed_in_1_37(cpus: int) -> None:
    r = _issue_140989(cpus, "1.37")
    assert [p.outcome for p in r.pods] == [KEPT]
    assert format_cpuset(r.default_cpuset) == ("0,3" if cpus == 4 else "0,3-5")


# ----- issue #140906: the memory manager charges a restored pod again ---------------------------------------
def _memory_restart(to: str) -> RestartResult:
    machine = {
        "sockets": 1,
        "numaNodesPerSocket": 1,
        "coresPerNUMANode": 8,
        "threadsPerCore": 1,
        "memoryPerNUMANode": "16Gi",
    }
    config = _config(
        featureGates=PLR_GATES,
        cpuManagerPolicy="static",
        reservedSystemCPUs="0",
        memoryManagerPolicy="Static",
        kubeReserved={"memory": "1Gi"},
        reservedMemory=[{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
        topologyManagerPolicy="best-effort",
        topologyManagerScope="pod",
    )
    pod = _pod("p", "2", "2Gi", pod_level=("2", "2Gi"))
    return _restart(_run(machine, config, [{"add": pod}, {"restart": {"kubeletVersion": to}}]))


@pytest.mark.parametrize(("to", "reserved"), [("1.36", 4 * GI), ("1.37", 2 * GI)])
def test_issue_140906_memory_charged_twice_in_1_36(to: str, reserved: int) -> None:
    r = _memory_restart(to)
    assert r.numa_memory is not None
    assert r.numa_memory[0]["memory"].reserved == reserved
    assert r.pods[0].outcome == (MOVED if to == "1.36" else KEPT)  # 1.36 also re-allocates the CPUs


# ----- issue #141069: the memory manager's pod hint after a restart ----------------------------------------
@pytest.mark.parametrize("fixes", [False, True], ids=["1.36", "1.37"])
def test_issue_141069_pod_hint_from_the_pod_blocks(fixes: bool) -> None:
    machine = {
        "sockets": 2,
        "numaNodesPerSocket": 1,
        "coresPerNUMANode": 4,
        "threadsPerCore": 1,
        "memoryPerNUMANode": "8Gi",
    }
    config = _config(
        featureGates=PLR_GATES,
        cpuManagerPolicy="static",
        reservedSystemCPUs="0",
        memoryManagerPolicy="Static",
        kubeReserved={"memory": "1Gi"},
        reservedMemory=[{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
        topologyManagerPolicy="single-numa-node",
        topologyManagerScope="pod",
    )
    two = [
        {
            "name": n,
            "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
        }
        for n in ("a", "b")
    ]
    result = _run(
        machine,
        config,
        [{"add": _pod("p", "", pod_level=("2", "2Gi"), containers=two)}],
        "1.37" if fixes else "1.36",
    )
    node = result.node
    assert node is not None
    (pod,) = node.pods
    assert node.managers.memory.state.get_pod_memory_blocks(pod.uid) == (Block((0,), "memory", 2 * GI),)
    hints = node.managers.memory.get_pod_topology_hints(pod)
    if fixes:  # regenerated from the pod's blocks: NUMA 0, preferred
        assert hints is not None
        assert [(h.numa_affinity, h.preferred) for h in hints["memory"]] == [(0b1, True)]
    else:  # container a's 1Gi block against the pod's 2Gi request: no hint at all
        assert hints is None


# ----- the KEP-5526 database across releases ---------------------------------------------------------------
def _database(policy: str, *restarts: dict[str, Any]) -> SimulationResult:
    machine = {
        "sockets": 2,
        "numaNodesPerSocket": 1,
        "coresPerNUMANode": 8,
        "threadsPerCore": 2,
        "memoryPerNUMANode": "64Gi",
    }
    config = _config(
        featureGates=PLR_GATES,
        cpuManagerPolicy="static",
        cpuManagerPolicyOptions={"full-pcpus-only": "true"},
        reservedSystemCPUs="0",
        memoryManagerPolicy="Static",
        kubeReserved={"memory": "1Gi"},
        evictionHard={"memory.available": "100Mi"},
        reservedMemory=[{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
        topologyManagerPolicy=policy,
        topologyManagerScope="pod",
    )
    db = [
        {
            "name": "database",
            "resources": {
                "requests": {"cpu": "6", "memory": "12Gi"},
                "limits": {"cpu": "6", "memory": "12Gi"},
            },
        }
    ]
    sidecars = [
        {"name": "metrics-exporter", "restartPolicy": "Always"},
        {"name": "backup-agent", "restartPolicy": "Always"},
    ]
    events: list[Any] = [
        {"add": _pod(f"orders-db-{i}", "", pod_level=("8", "16Gi"), containers=db, initContainers=sidecars)}
        for i in range(3)
    ]
    events += [{"restart": r} for r in restarts]
    return _run(machine, config, events)


def test_database_v1_36_restart_rejects_every_running_pod_under_single_numa_node() -> None:
    # the sidecars hold the pod shared pool (2 CPUs) but request no exclusive CPU: GetPodTopologyHints
    # returns an empty CPU hint list, which single-numa-node cannot admit
    r = _restart(_database("single-numa-node", {}))
    assert [p.outcome for p in r.pods] == [REJECTED] * 3
    assert {p.step.message for p in r.pods} == {
        "Pod Scope pod with pod-level resources failed admission under pod-scope topology manager"
    }
    assert format_cpuset(r.default_cpuset) == "0-31"  # their CPUs back in the shared pool


def test_database_v1_36_to_1_37_keeps_every_pod() -> None:
    result = _database("single-numa-node", {"kubeletVersion": "1.37"})
    r = _restart(result)
    assert [f.written_as for f in r.files] == ["V3", "V2"]
    assert [f.read_as for f in r.files] == ["V3", "V2"]
    assert [p.outcome for p in r.pods] == [KEPT] * 3
    assert format_cpuset(r.default_cpuset) == "0,5-7,16,21-23"


def test_database_best_effort_v1_36_restart_leaks_cpus_and_1_37_refuses_to_start() -> None:
    # best-effort admits the empty CPU hint; AllocatePod then re-allocates: orders-db-0 finds 6 free
    # physical CPUs for 8 (SMTAlignmentError); the next two get new bubbles, then the memory manager
    # (charging them a second time) refuses; the CPUs of their first bubbles are held by nobody, so
    # the next kubelet finds its state inconsistent
    result = _database("best-effort", {}, {"kubeletVersion": "1.37"})
    first, second = _restart(result, 0), _restart(result, 1)
    assert [p.outcome for p in first.pods] == [REJECTED] * 3
    assert first.pods[0].step.reason == "SMTAlignmentError"
    assert first.pods[0].step.message == (
        "SMT Alignment Error: not enough free physical CPUs: available physical CPUs = 6, "
        "requested CPUs = 8, CPUs per core = 2"
    )
    assert [p.step.message for p in first.pods[1:]] == [
        "Allocate failed due to [memorymanager] preferred hint violates NUMA node allocation, "
        "which is unexpected"
    ] * 2
    assert second.refusal is not None
    assert second.refusal.message == (
        'current set of available CPUs "0-31" doesn\'t match with CPUs in state "0-7,16-23"'
    )
    assert result.node is None and result.metrics is None


# ----- a 1.35 node full of Guaranteed pods through the releases ---------------------------------------------
def _guaranteed(*restarts: dict[str, Any]) -> SimulationResult:
    machine = {
        "sockets": 2,
        "numaNodesPerSocket": 1,
        "coresPerNUMANode": 4,
        "threadsPerCore": 2,
        "memoryPerNUMANode": "16Gi",
    }
    config = _config(
        cpuManagerPolicy="static",
        reservedSystemCPUs="0",
        memoryManagerPolicy="Static",
        kubeReserved={"memory": "1Gi"},
        reservedMemory=[{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
        topologyManagerPolicy="single-numa-node",
    )
    events: list[Any] = [{"add": _pod(f"g{i}", "2", "2Gi")} for i in range(8)]
    events += [{"restart": r} for r in restarts]
    return _run(machine, config, events, "1.35")


GATE_ON = _config(
    featureGates=PLR_GATES,
    cpuManagerPolicy="static",
    reservedSystemCPUs="0",
    memoryManagerPolicy="Static",
    kubeReserved={"memory": "1Gi"},
    reservedMemory=[{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
    topologyManagerPolicy="single-numa-node",
)


def test_guaranteed_pods_keep_everything_through_1_36_and_1_37() -> None:
    result = _guaranteed({"kubeletVersion": "1.36"}, {"kubeletConfig": GATE_ON}, {"kubeletVersion": "1.37"})
    admitted = [s for s in result.steps[:8] if s.admitted]  # type: ignore[union-attr]
    assert len(admitted) == 7  # 16 CPUs, 1 reserved: 7 pods of 2 CPUs; the 8th is rejected
    restarts = [s for s in result.steps if isinstance(s, RestartResult)]
    assert [[p.outcome for p in r.pods] for r in restarts] == [[KEPT] * 7] * 3
    assert [(f.written_as, f.read_as) for r in restarts for f in r.files] == [
        ("V2", "V2"),
        ("V1", "V1"),  # 1.35 -> 1.36 (gate off)
        ("V2", "V2"),
        ("V1", "V1"),  # 1.36 gate off -> gate on: migrated to V3 / V2 in memory
        ("V3", "V3"),
        ("V2", "V2"),  # 1.36 gate on -> 1.37
    ]


def test_downgrade_from_1_36_with_the_gate_on_is_refused() -> None:
    plain = _config(
        cpuManagerPolicy="static",
        reservedSystemCPUs="0",
        memoryManagerPolicy="Static",
        kubeReserved={"memory": "1Gi"},
        reservedMemory=[{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
        topologyManagerPolicy="single-numa-node",
    )
    result = _guaranteed(
        {"kubeletVersion": "1.36", "kubeletConfig": GATE_ON},
        {"kubeletVersion": "1.35", "kubeletConfig": plain},
        {},
    )
    down = _restart(result, 1)
    assert down.refusal is not None
    assert down.refusal.reason == "CPUManagerError"
    assert down.refusal.message == (
        "could not restore state from checkpoint: checkpoint is corrupted, please drain this node and delete "
        'the CPU manager checkpoint file "/var/lib/kubelet/cpu_manager_state" before restarting Kubelet'
    )
    assert [f.status for f in down.files] == ["refused"]
    assert result.steps[-1] is down  # the scenario ends: the last restart never runs
    doc = result_to_json(result)
    assert doc["steps"][-1]["error"]["reason"] == "CPUManagerError"
    assert doc["steps"][-1]["checkpoints"][0] == {
        "file": "cpu_manager_state",
        "written": "V3",
        "read": None,
        "status": "refused",
        "message": down.refusal.message,
    }


def test_downgrade_keeping_the_gate_is_an_unknown_gate() -> None:
    result = _guaranteed({"kubeletVersion": "1.36", "kubeletConfig": GATE_ON}, {"kubeletVersion": "1.35"})
    down = _restart(result, 1)
    assert down.refusal is not None
    assert (down.refusal.reason, down.refusal.message) == (
        "KubeletConfigInvalid",
        "unrecognized feature gate: PodLevelResourceManagers",
    )
    assert down.files == ()  # refused before any file is read


def test_restart_json_step() -> None:
    doc = result_to_json(_guaranteed({"kubeletVersion": "1.37"}))
    step = doc["steps"][-1]
    assert step["op"] == "restart"
    assert step["kubeletVersion"] == {"from": "1.35", "to": "1.37"}
    assert step["kubeletConfigChanged"] is False
    assert [c["read"] for c in step["checkpoints"]] == ["V2", "V1"]
    pod = step["pods"][0]
    assert (pod["pod"], pod["outcome"], pod["changes"]) == ("default/g0", "kept", [])
    assert pod["before"] == pod["after"]
    assert pod["readmission"]["op"] == "add" and pod["readmission"]["admitted"]


# ----- the event in a scenario document -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("event", "field", "message"),
    [
        (
            {"restart": {"kubeletVersion": "1.40"}},
            "events[0].restart.kubeletVersion",
            "unsupported kubelet version",
        ),
        ({"restart": {"version": "1.36"}}, "events[0].restart.version", "unknown field"),
        ({"restart": "1.36"}, "events[0].restart", "expected an object"),
        ({"restart": {"kubeletConfig": {"cpuManagerPolicy": 3}}}, "events[0].restart.kubeletConfig", ""),
        (
            {"restart": {}, "add": {}},
            "events[0]",
            "expected exactly one of add, start, remove, resize, retryResizes, restart",
        ),
    ],
)
def test_bad_restart_events(event: dict[str, Any], field: str, message: str) -> None:
    doc = {
        "kind": "Scenario",
        "node": {"machine": MACHINE},
        "kubeletConfig": _config(),
        "events": [event],
    }
    with pytest.raises(InputError) as info:
        scenario_from_dict(doc)
    assert info.value.field.startswith(field)
    assert message in info.value.message


def test_restart_null_means_same_release_same_configuration() -> None:
    doc = {
        "kind": "Scenario",
        "node": {"machine": MACHINE, "kubeletVersion": "1.35"},
        "kubeletConfig": _config(),
        "events": [{"restart": None}],
    }
    (event,) = scenario_from_dict(doc).events
    r = _restart(simulate(scenario_from_dict(doc)))
    assert (r.from_version, r.to_version, r.config_changed, r.refusal) == ("1.35", "1.35", False, None)
    assert event.kubelet_version is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("cpus", "to", "labelled"), [(6, "1.36", True), (4, "1.36", True), (6, "1.37", False)]
)
def test_a_restart_event_labels_the_known_defect_of_its_release(cpus: int, to: str, labelled: bool) -> None:
    result = _issue_140989_run(cpus, to)
    (p,) = _restart(result).pods
    issue = p.step.known_issue
    assert (issue.id if issue is not None else None) == ("kubernetes#141041" if labelled else None)
    codes = [w.code for w in result.warnings]
    assert codes == (["KnownIssue"] if labelled else [])
    if labelled:
        assert result.warnings[0].pod == "default/p"
        assert "v1.36 kubelet" in result.warnings[0].message
