"""KEP-5526 pod-level memory cases (tests/upstream/memorymanager/pod_level.yaml): AllocatePod,
GetPodTopologyHints, removal sequences, restore, and container scope with pod-level pods."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from tests.memory.upstream_loader import blocks, cases, hints, ids, size

from podfit.memory import (
    MemoryState,
    MemoryTable,
    NUMANodeState,
    StaticPolicy,
    add_container,
    get_default_machine_state,
    new_policy_static,
)
from podfit.model.admission import Rejection
from podfit.model.features import FeatureGates
from podfit.model.machine import Machine, NUMANode
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.qos import is_pod_level_resources_set
from podfit.topology.bitmask import new_bitmask
from podfit.topology.hint import TopologyHint

FILE = "pod_level.yaml"
GI = 2**30
_NODE = dict(memory=10 * GI, hugepages=((GI, 5),))
MACHINES = {
    "two_numa": Machine(cpus=(), numa_nodes=(NUMANode(0, **_NODE), NUMANode(1, **_NODE))),  # type: ignore[arg-type]
    "one_numa": Machine(cpus=(), numa_nodes=(NUMANode(0, **_NODE),)),  # type: ignore[arg-type]
}
ON = {"PodLevelResources": True, "PodLevelResourceManagers": True}


def _qty(name: str, v: Any) -> int:
    if name == "cpu":
        text = str(v)
        return int(text[:-1]) if text.endswith("m") else int(text) * 1000
    return size(v)


def _res(raw: Mapping[str, Any] | None) -> dict[str, int]:
    return {n: _qty(n, v) for n, v in (raw or {}).items()}


def _container(raw: Mapping[str, Any], init: bool) -> Container:
    requests = _res(raw.get("requests"))
    limits = _res(raw["limits"]) if "limits" in raw else dict(requests)
    policy = raw.get("restart_policy")
    kind = ("sidecar" if policy == "Always" else "init") if init else "app"
    return Container(raw["name"], kind, ResourceRequirements(requests, limits), restart_policy=policy)  # type: ignore[arg-type]


def _pod(uid: str, raw: Mapping[str, Any]) -> Pod:
    res = raw.get("resources")
    pod_res = None
    if res is not None:
        requests = _res(res.get("requests"))
        limits = _res(res["limits"]) if "limits" in res else dict(requests)
        pod_res = ResourceRequirements(requests, limits)
    return Pod(
        "default",
        uid,
        uid,
        init_containers=tuple(_container(c, True) for c in raw.get("init_containers") or ()),
        containers=tuple(_container(c, False) for c in raw.get("containers") or ()),
        resources=pod_res,
    )


def _hint(raw: Any) -> TopologyHint | None:
    if raw is None:
        return None
    if isinstance(raw, list):
        return TopologyHint(new_bitmask(*raw), True)
    return TopologyHint(new_bitmask(*raw["affinity"]), bool(raw.get("preferred", False)))


def _policy(case: Mapping[str, Any]) -> tuple[StaticPolicy, MemoryState, Machine]:
    machine = MACHINES[case.get("machine", "two_numa")]
    reserved = {n.id: {"memory": GI} for n in machine.numa_nodes}
    p, err = new_policy_static(machine, reserved, FeatureGates(case.get("gates", ON)))
    assert err is None and p is not None
    s = MemoryState()
    assert p.start(s) is None
    return p, s, machine


def _expected_machine(p: StaticPolicy, nodes: Mapping[int, Mapping[str, Any]]) -> dict[int, NUMANodeState]:
    ms = get_default_machine_state(p.machine, p.system_reserved)
    for node_id, spec in nodes.items():
        node = ms[int(node_id)]
        tables = dict(node.memory_map)
        for name, v in spec.items():
            if name in ("assignments", "cells"):
                continue
            t = tables[name]
            used = size(v)
            tables[name] = MemoryTable(
                t.total_mem_size, t.system_reserved, t.allocatable, used, t.free - used
            )
        cells = tuple(spec.get("cells", (node_id,)))
        ms[int(node_id)] = NUMANodeState(spec.get("assignments", 0), tables, cells)
    return ms


def _hints_raw(got: Mapping[str, list[TopologyHint]] | None) -> Any:
    if got is None:
        return "nil"
    return {r: [(h.numa_affinity, h.preferred) for h in hs] for r, hs in got.items()}


def _want_hints(raw: Any) -> Any:
    if raw == "nil":
        return "nil"
    return _hints_raw(hints(raw))


def _assignments(s: MemoryState, uid: str) -> dict[str, list[Any]]:
    return {c: list(bs) for c, bs in s.get_memory_assignments().get(uid, {}).items()}


ALLOCATE = cases(FILE, "TestPodLevelAllocatePod")


@pytest.mark.parametrize("case", ALLOCATE, ids=ids(ALLOCATE))
def test_allocate_pod(case: dict[str, Any]) -> None:
    p, s, _ = _policy(case)
    for prior in case.get("prior") or ():
        want = {"cpu": 1000, "memory": size(prior["memory"])}
        res = ResourceRequirements(want, want)
        uid = prior["uid"]
        other = Pod("default", uid, uid, containers=(Container("c", "app", res),), resources=res)
        assert p.allocate_pod(s, other, _hint(prior["hint"])) is None
    pod = _pod(case["pod"]["uid"], case["pod"])
    before = s.snapshot()
    if "expected_pod_hints" in case:
        assert _hints_raw(p.get_pod_topology_hints(s, pod)) == _want_hints(case["expected_pod_hints"])
        assert s.snapshot() == before
    if case.get("allocate", True) is False:
        return
    err = p.allocate_pod(s, pod, _hint(case.get("hint")))
    if "expected_error" in case:
        if "expected_reason" in case:
            assert err == Rejection(case["expected_error"], case["expected_reason"])
        else:
            assert err == Rejection(case["expected_error"])
        assert s.snapshot() == before
        return
    assert err is None
    assert _assignments(s, pod.uid) == {c: list(blocks(bs)) for c, bs in case["expected_assignments"].items()}
    want_pod = case.get("expected_pod_blocks")
    assert s.get_pod_memory_blocks(pod.uid) == (None if want_pod is None else blocks(want_pod))
    if not case["expected_assignments"]:
        assert s.snapshot() == before
        return
    assert s.get_machine_state() == _expected_machine(p, case.get("expected_nodes") or {})
    assert p.start(s) is None  # validateState accepts the state it wrote


SEQUENCES = cases(FILE, "TestPodLevelSequences")


@pytest.mark.parametrize("case", SEQUENCES, ids=ids(SEQUENCES))
def test_sequences(case: dict[str, Any]) -> None:
    p, s, _ = _policy(case)
    initial = s.snapshot()
    pods = {uid: _pod(uid, raw) for uid, raw in case["pods"].items()}
    for step in case["steps"]:
        op = step["op"]
        pod = pods.get(step.get("pod", ""))
        if op == "pod_hints":
            assert pod is not None
            assert _hints_raw(p.get_pod_topology_hints(s, pod)) == _want_hints(step["expected"])
        elif op == "allocate_pod":
            assert pod is not None and p.allocate_pod(s, pod, _hint(step["hint"])) is None
        elif op == "add_container":
            assert pod is not None
            c = pod.container(step["container"])
            assert c is not None
            add_container(p, s, pod, c)
        elif op == "remove_container":
            assert pod is not None
            p.remove_container(s, pod.uid, step["container"])
        elif op == "remove_pod":
            assert pod is not None
            for c in pod.all_containers():
                p.remove_container(s, pod.uid, c.name)
        elif op == "expect_nodes":
            assert s.get_machine_state() == _expected_machine(p, step["nodes"])
        elif op == "expect_default":
            assert s.snapshot() == initial
        else:  # pragma: no cover - a typo in the data
            raise AssertionError(op)


RESTORE = cases(FILE, "TestMemoryManagerRestoreState")


@pytest.mark.parametrize("case", RESTORE, ids=ids(RESTORE))
def test_restore_state(case: dict[str, Any]) -> None:
    gates = FeatureGates(case["gates"])
    p, s, _ = _policy(case)
    raw: dict[str, Any] = {"containers": case["containers"]}
    if case["pod_memory_request"]:
        raw["resources"] = {"requests": {"cpu": "1", "memory": case["pod_memory_request"]}}
    pod = _pod("pod1", raw)
    if gates.enabled("PodLevelResourceManagers") and is_pod_level_resources_set(pod):
        assert p.allocate_pod(s, pod, None) is None
    else:
        for c in pod.containers:
            assert p.allocate(s, pod, c, None) is None
            add_container(p, s, pod, c)
    pod_blocks = s.get_pod_memory_blocks(pod.uid)
    assert bool(pod_blocks) == case["expect_pod_blocks"]
    # kubelet restart: a new manager reads the checkpointed state and validates it
    p2, _, _ = _policy(case)
    s2 = MemoryState.from_snapshot(s.snapshot())
    assert p2.start(s2) is None
    restored = s2.get_pod_memory_blocks(pod.uid)
    assert bool(restored) == case["expect_pod_blocks"]
    assert len(restored or ()) == len(pod_blocks or ())
    skipped = gates.enabled("PodLevelResources") and not gates.enabled("PodLevelResourceManagers")
    for c in pod.containers:
        assert bool(s2.get_memory_blocks(pod.uid, c.name)) == (not skipped)


CONTAINER_SCOPE = cases(FILE, "TestContainerScopePodLevel")


@pytest.mark.parametrize("case", CONTAINER_SCOPE, ids=ids(CONTAINER_SCOPE))
def test_container_scope(case: dict[str, Any]) -> None:
    p, s, _ = _policy(case)
    pod = _pod(case["pod"]["uid"], case["pod"])
    for step in case["steps"]:
        c = pod.container(step["container"])
        assert c is not None
        err = p.allocate(s, pod, c, _hint(step.get("hint")))
        want = step.get("expected_error")
        assert err == (None if want is None else Rejection(want))
    assert _assignments(s, pod.uid) == {c: list(blocks(bs)) for c, bs in case["expected_assignments"].items()}
    assert s.get_pod_memory_blocks(pod.uid) is None
    assert s.get_machine_state() == _expected_machine(p, case.get("expected_nodes") or {})
