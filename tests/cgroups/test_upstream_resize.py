"""The upstream in-place resize tables (tests/upstream/resize/*.yaml), each case under each
release it belongs to: the kubelet's feasibility decision (TestHandlePodResourcesResize /
TestRetryPendingResizes and the Guaranteed-pod tables) on a simulated node built like the upstream
test's (allocatable 4 CPUs / 4Gi, three other pods holding 2 CPUs / 2Gi), the pending-resize order,
and the 1.36 PodResizeValidator admission plugin."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from tests.cgroups.upstream_tables import pod, quantity, release_cases, resource_list, table

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.machines import build_machine
from podfit.api.pod_resize import pod_resize_validator
from podfit.kubelet.node import Node
from podfit.kubelet.node_resize import POD_UPDATED, retry_pending, sort_queue
from podfit.kubelet.resize import is_resize_increasing_requests
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.release.node_features import node_features
from podfit.release.profile import release_profile

D = "resize"
FEAS = "resize_feasibility.yaml"
GI = 1 << 30

# rows that test the kubelet's condition bookkeeping across syncs with an allocation that was
# already updated (the pod's allocation and spec agree before the call): podfit reports one
# decision per event (NOT_PORTED.md)
_BOOKKEEPING = {"CPU increase in progress, resources unchanged - expect InProgress"}


def _node(release: str, gates: dict[str, bool], extra: dict[str, Any] | None = None) -> Node:
    machine = build_machine(
        {
            "machine": {
                "sockets": 1,
                "numaNodesPerSocket": 1,
                "coresPerNUMANode": 4,
                "threadsPerCore": 2,
                "memoryPerNUMANode": "8Gi",
            }
        }
    )
    doc: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "systemReserved": {"cpu": "4", "memory": "4Gi"},
        "evictionHard": {},
        "maxPods": 40,
        "featureGates": gates,
    }
    doc.update(extra or {})
    return Node(machine, kubelet_config_from_dict(doc, release_profile(release)))


def _container(name: str, kind: str, requests: Any, limits: Any) -> Container:
    return Container(
        name,
        kind,  # type: ignore[arg-type]
        ResourceRequirements(resource_list(requests), resource_list(limits)),
        restart_policy="Always" if kind == "sidecar" else None,
    )


def _others(variant: str, guaranteed: bool) -> list[Pod]:
    res = {"cpu": "1", "memory": "1Gi"}
    lim = res if guaranteed else None
    init_kind = "init" if variant == "init" else "sidecar"
    return [
        Pod("default", "pod1", "1111", containers=(_container("c1", "app", res, lim),)),
        Pod("default", "pod2", "2222", init_containers=(_container("c1-init", init_kind, res, lim),)),
        Pod("default", "pod3", "3333", containers=(_container("c1", "app", res, lim),)),
    ]


def _with(p: Pod, requests: Any, limits: Any, pod_requests: Any = None) -> Pod:
    c = p.all_containers()[0]
    c = replace(c, resources=ResourceRequirements(resource_list(requests), resource_list(limits)))
    res = ResourceRequirements(resource_list(pod_requests)) if pod_requests is not None else None
    if p.init_containers:
        return replace(p, init_containers=(c,), resources=res)
    return replace(p, containers=(c,), resources=res)


def _decide(node: Node, target: Pod, desired: Pod) -> Any:
    """The kubelet's handling of the updated spec (HandlePodUpdates -> PushPendingResize ->
    RetryPendingResizes), without the API server (the upstream tests call the kubelet directly)."""
    node.resizes.desired[target.uid] = desired
    node.resizes.queue.append(target.uid)
    decisions = retry_pending(node, POD_UPDATED, only=target.uid)
    return next(d for d in decisions if d.uid == target.uid)


def _variants(release: str, case: dict[str, Any]) -> list[str]:
    if case.get("original_pod_requests") is not None:
        return ["regular"]
    return ["regular", "sidecar", "init"] if release == "1.36" else ["regular", "sidecar"]


def _check(decision: Any, node: Node, uid: str, case: dict[str, Any], alloc_key: str) -> None:
    conditions = case["expected_conditions"]
    if not conditions:
        assert decision.outcome == "NoChange"
    for want in conditions:
        if want["type"] == "PodResizeInProgress":
            if "reason" not in want and not any(c["type"] == "PodResizePending" for c in conditions):
                assert decision.outcome == "InProgress", decision.message
        else:
            assert decision.outcome == want["reason"], decision.message
            assert want["message_contains"] in (decision.message or "")
    allocated = node.find(uid=uid)
    assert allocated is not None
    c = allocated.all_containers()[0]
    assert dict(c.resources.requests) == resource_list(case[alloc_key])
    if case.get("expected_allocated_limits") is not None:
        assert dict(c.resources.limits) == resource_list(case["expected_allocated_limits"])
    if case.get("expected_allocated_pod_requests") is not None:
        assert allocated.resources is not None
        assert dict(allocated.resources.requests) == resource_list(case["expected_allocated_pod_requests"])


@pytest.mark.parametrize(("release", "case"), list(release_cases(D, FEAS, "main.cases")))
def test_handle_pod_resources_resize(release: str, case: dict[str, Any]) -> None:
    if case["name"] in _BOOKKEEPING:
        pytest.skip("condition bookkeeping of an already-updated allocation (NOT_PORTED.md)")
    for variant in _variants(release, case):
        node = _node(release, dict(case.get("gates") or {}))
        pods = _others(variant, guaranteed=False)
        index = 1 if variant in ("sidecar", "init") else 0
        target = _with(
            pods[index],
            case["original_requests"],
            case.get("original_limits"),
            case.get("original_pod_requests"),
        )
        if case.get("annotations", {}).get("kubernetes.io/config.source") == "file":
            target = replace(target, static=True)
        pods[index] = target
        for p in pods:
            assert node.admit(p).admitted
        desired = _with(target, case["new_requests"], case.get("new_limits"), case.get("new_pod_requests"))
        decision = _decide(node, target, desired)
        _check(decision, node, target.uid, case, "expected_allocated_requests")


@pytest.mark.parametrize(("release", "case"), list(release_cases(D, FEAS, "guaranteed.cases")))
def test_guaranteed_pod_resize(release: str, case: dict[str, Any]) -> None:
    extra = {
        "cpuManagerPolicy": case["node_config"]["cpuManagerPolicy"],
        "memoryManagerPolicy": case["node_config"]["memoryManagerPolicy"],
        "reservedMemory": [{"numaNode": 0, "limits": {"memory": "4Gi"}}],
    }
    for variant in ("regular", "sidecar"):
        node = _node(release, dict(case["gates"]), extra)
        guaranteed = "BestEffortPod" not in case["name"]
        pods = _others(variant, guaranteed=guaranteed)
        index = 1 if variant == "sidecar" else 0
        orig = case["original"]
        pods[index] = _with(pods[index], orig["requests"], orig["limits"])
        for p in pods:
            assert node.admit(p).admitted, p.name
        target = pods[index]
        desired = _with(target, case["new"]["requests"], case["new"]["limits"])
        decision = _decide(node, target, desired)
        want = case["expected_conditions"][0]
        if want["type"] == "PodResizePending":
            assert decision.outcome == want["reason"]
            assert want["message_contains"] in (decision.message or "")
        else:
            assert decision.outcome == "InProgress", decision.message
        allocated = node.find(uid=target.uid)
        assert allocated is not None
        res = allocated.all_containers()[0].resources
        assert dict(res.requests) == resource_list(case["expected_allocated"]["requests"])
        assert dict(res.limits) == resource_list(case["expected_allocated"]["limits"])


def _increasing_pod(pod_level: bool, container_requests: dict[str, Any], pod_requests: Any) -> Pod:
    base = {"cpu": "1", "memory": "1Gi"}
    reqs: list[Any] = [base, base, {}, None]
    for index, value in container_requests.items():
        reqs[int(index)] = value
    containers = tuple(
        Container(f"c{i + 1}", "app", ResourceRequirements(resource_list(r))) for i, r in enumerate(reqs)
    )
    res = None
    if pod_level:
        res = ResourceRequirements(resource_list(pod_requests or {"cpu": "2500m", "memory": "2500Mi"}))
    return Pod("default", "pod", "1111", containers=containers, resources=res)


@pytest.mark.parametrize(
    ("release", "case"), list(release_cases(D, FEAS, "is_resize_increasing_requests.cases"))
)
def test_is_resize_increasing_requests(release: str, case: dict[str, Any]) -> None:
    allocated = _increasing_pod(case["pod_level"], {}, None)
    desired = _increasing_pod(case["pod_level"], case["new_container_requests"], case["new_pod_requests"])
    got = is_resize_increasing_requests(node_features(release), desired, allocated, plr_gate=True)
    assert got is case["expected"]


@pytest.mark.parametrize(("release", "case"), list(release_cases(D, FEAS, "sort_pending_resizes.cases")))
def test_sort_pending_resizes(release: str, case: dict[str, Any]) -> None:
    pod_level_first = release != "1.34"
    count = len(case["expected_order"])
    node = _node(
        release,
        {"InPlacePodLevelResourcesVerticalScaling": True} if pod_level_first else {},
        {"maxPods": 40, "systemReserved": {"cpu": "1", "memory": "1Gi"}},
    )
    base = {"cpu": "1", "memory": "1Gi"}
    pods = []
    for i in range(count):
        p = Pod(
            "default",
            f"pod{i}",
            f"uid{i}",
            containers=(_container("c", "app", base, None),),
            resources=ResourceRequirements(resource_list(base)) if (pod_level_first and i == 0) else None,
        )
        assert node.admit(p).admitted
        pods.append(p)
    offset = 1 if pod_level_first else 0
    desired = {}
    for i, p in enumerate(pods):
        if pod_level_first and i == 0:
            desired[p.uid] = replace(
                p, resources=ResourceRequirements(resource_list({"cpu": "500m", "memory": "500Mi"}))
            )
        elif i == offset:
            desired[p.uid] = _with(p, {"cpu": "500m", "memory": "500Mi"}, None)
        else:
            desired[p.uid] = _with(p, {"cpu": "1500m", "memory": "1500Mi"}, None)
    desired[pods[offset + 1].uid] = replace(desired[pods[offset + 1].uid], priority=100)
    desired[pods[offset + 2].uid] = replace(desired[pods[offset + 2].uid], qos_status="Guaranteed")
    for uids in ([p.uid for p in pods], [p.uid for p in reversed(pods)]):
        t = node.resizes
        t.desired = dict(desired)
        t.pending_since = {pods[offset + 3].uid: 1, pods[offset + 4].uid: 2}
        t.queue = []
        for uid in uids:
            t.queue.append(uid)
            sort_queue(node)
        assert [node.find(uid=u).name for u in t.queue] == case["expected_order"]  # type: ignore[union-attr]


_PLUMBING = {  # TestResizeAdmission rows about the request's plumbing, not the node's capacity
    "Skip validation if not resize subresource",
    "Skip validation if generation is unchanged",
    "Skip validation if pod not bound to a node",
    "Reject resize on non-Linux node",
    "Reject if node not found",
}


@pytest.mark.parametrize(("release", "case"), list(release_cases(D, "resize_api_admission.yaml")))
def test_pod_resize_validator(release: str, case: dict[str, Any]) -> None:
    f = node_features(release)
    if case["name"] in _PLUMBING:
        pytest.skip(
            "request plumbing (subresource, generation, binding, node lookup, node OS): NOT_PORTED.md"
        )
    if case["test"] == "TestResizeAdmission":
        old = case["old_pod"]["containers"][0]
        requests = {**old["requests"], **case["new_container_requests"]}
        p = pod({"containers": [{"name": "main", "requests": requests}]})
        allocatable = {"cpu": 4000, "memory": 8 * GI}
    else:
        p = pod(case["pod"])
        allocatable = resource_list(case["allocatable"])
    refusal = pod_resize_validator(f, p, allocatable, plr_gate=True)
    assert (refusal is not None) is case["expect_error"]
    if refusal is not None:
        assert case["error_contains"] in refusal.message
        assert refusal.message.startswith('pods "pod" is forbidden: ')


def test_tables_are_the_ported_ones() -> None:
    doc = table(D, FEAS)
    assert len(doc["main"]["cases"]) == 25
    assert quantity("memory", "4500Mi") == 4718592000
