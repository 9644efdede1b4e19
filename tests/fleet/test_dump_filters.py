"""Taints, tolerations and required node affinity of a cluster dump: read, checked, replayed."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from tests.fleet.test_cluster_dump import (
    NODE,
    POD,
    _daemon_pod,
    _list,
    _mirror_pod,
    _pod,
    _write,
    assert_bad_dump,
)

from podfit.fleet import FleetConfig, run_config
from podfit.fleet.values import SelectorRequirement, SelectorTerm, Taint, Toleration
from podfit.io.cluster_dump import read_cluster_dump
from podfit.io.fleet_sources import DumpSource

GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


def _node(name: str, pool: str, **spec: Any) -> dict[str, Any]:
    n = copy.deepcopy(NODE)
    n["metadata"] = {"name": name, "labels": {"pool": pool}}
    if spec:
        n["spec"] = spec
    return n


def _with(pod: dict[str, Any], **spec: Any) -> dict[str, Any]:
    pod = copy.deepcopy(pod)
    pod["spec"].update(spec)
    return pod


def _required(*terms: dict[str, Any]) -> dict[str, Any]:
    return {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}
    }


POOL_A = _required({"matchExpressions": [{"key": "pool", "operator": "In", "values": ["a"]}]})


def test_reader_keeps_the_fields(tmp_path: Path) -> None:
    nodes = _list(_node("g0", "gpu", taints=[GPU_TAINT], unschedulable=True), _node("w0", "a"))
    pods = _list(
        _with(_pod("p"), tolerations=[{**GPU_TOLERATION, "tolerationSeconds": 30}], affinity=POOL_A),
        _pod("q"),
    )
    dump = read_cluster_dump(*_write(tmp_path, nodes, pods))
    g0, w0 = dump.nodes
    assert g0.taints == (Taint("nvidia.com/gpu", "present", "NoSchedule"),) and g0.unschedulable
    assert w0.taints == () and not w0.unschedulable
    p, q = dump.pods
    assert p.tolerations == (Toleration("nvidia.com/gpu", "Exists", "", "NoSchedule"),)
    assert p.affinity == (SelectorTerm((SelectorRequirement("pool", "In", ("a",)),)),)
    assert q.affinity is None and q.tolerations == () and not q.mirror


BAD: list[tuple[str, Any, Any, str]] = [
    (
        "taints-not-list",
        _list(_node("w0", "a", taints={"k": "v"})),
        _list(POD),
        "nodes.json: items[0].spec.taints: expected a list, got object",
    ),
    (
        "taint-key-not-string",
        _list(_node("w0", "a", taints=[{"key": 1, "effect": "NoSchedule"}])),
        _list(POD),
        "nodes.json: items[0].spec.taints[0].key: expected a string, got number",
    ),
    (
        "unschedulable-not-bool",
        _list(_node("w0", "a", unschedulable="yes")),
        _list(POD),
        "nodes.json: items[0].spec.unschedulable: expected a boolean, got string",
    ),
    (
        "tolerations-not-list",
        _list(NODE),
        _list(_with(POD, tolerations="all")),
        "pods.json: items[0].spec.tolerations: expected a list, got string",
    ),
    (
        "toleration-not-object",
        _list(NODE),
        _list(_with(POD, tolerations=["all"])),
        "pods.json: items[0].spec.tolerations[0]: expected an object, got string",
    ),
    (
        "toleration-seconds-not-int",
        _list(NODE),
        _list(_with(POD, tolerations=[{"operator": "Exists", "tolerationSeconds": "5"}])),
        "pods.json: items[0].spec.tolerations[0].tolerationSeconds: expected an integer, got string",
    ),
    (
        "affinity-not-object",
        _list(NODE),
        _list(_with(POD, affinity=[])),
        "pods.json: items[0].spec.affinity: expected an object, got array",
    ),
    (
        "terms-not-list",
        _list(NODE),
        _list(
            _with(
                POD,
                affinity={
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": {}}
                    }
                },
            )
        ),
        "items[0].spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: expected a list",  # noqa: E501
    ),
    (
        "values-not-strings",
        _list(NODE),
        _list(
            _with(
                POD, affinity=_required({"matchExpressions": [{"key": "v", "operator": "Gt", "values": [3]}]})
            )
        ),
        "nodeSelectorTerms[0].matchExpressions[0].values[0]: expected a string, got number",
    ),
    (
        "operator-not-string",
        _list(NODE),
        _list(
            _with(
                POD,
                affinity=_required(
                    {
                        "matchFields": [
                            {"key": "metadata.name", "operator": None, "values": ["w0"]},
                            {"key": "k", "operator": 7},
                        ]
                    }
                ),
            )
        ),
        "nodeSelectorTerms[0].matchFields[1].operator: expected a string, got number",
    ),
]


@pytest.mark.parametrize(("case", "nodes", "pods", "expect"), BAD, ids=[b[0] for b in BAD])
def test_bad_scheduling_fields(
    case: str, nodes: Any, pods: Any, expect: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_bad_dump(tmp_path, nodes, pods, expect, capsys)


def _placed(log: tuple[str, ...]) -> dict[str, str]:
    return {
        line.split()[2].split("~")[0].split("/")[1]: line.split()[3]
        for line in log
        if line.split()[1] == "admit"
    }


def test_tainted_gpu_node_and_pool_affinity_replayed(tmp_path: Path) -> None:
    """The GPU node is the emptiest (LeastAllocated would pick it first) but tainted: only pods
    tolerating the taint land there; pods requiring pool a land only on pool-a nodes; a cordoned
    node takes only a pod tolerating node.kubernetes.io/unschedulable; a DaemonSet pod with the
    GPU toleration runs on the GPU node, one without it does not; a mirror pod runs whatever the
    taints."""
    nodes = _list(
        _node("g0", "gpu", taints=[GPU_TAINT, {"key": "soft", "effect": "PreferNoSchedule"}]),
        _node("a0", "a"),
        _node("b0", "b"),
        _node("c0", "b", unschedulable=True),
    )
    busy = _with(_pod("busy-0"), nodeSelector={"pool": "b"})
    busy["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "4", "memory": "8Gi"}}
    pods = [busy, _with(_pod("busy-1", "2026-01-01T00:00:01Z"), nodeSelector={"pool": "a"})]
    pods[1]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "4", "memory": "8Gi"}}
    t = "2026-01-01T00:01:00Z"
    pods += [
        _pod("plain-0", t),
        _pod("plain-1", t),
        _with(_pod("train", t), tolerations=[GPU_TOLERATION]),
        _with(_pod("pool-a-0", t), affinity=POOL_A, tolerations=[{"operator": "Exists"}]),
        _with(_pod("pool-a-1", t), affinity=POOL_A),
        _with(
            _pod("drain", t),
            tolerations=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}],
            nodeSelector={"pool": "b"},
        ),
        _with(_daemon_pod("agent-g0", "g0"), tolerations=[GPU_TOLERATION]),
        _daemon_pod("agent-g0-plain", "g0"),
        _mirror_pod("etcd-g0", "g0"),
        _with(
            _pod("nowhere", t),
            affinity=_required({"matchExpressions": [{"key": "pool", "operator": "In", "values": ["z"]}]}),
        ),
    ]
    for p in pods[-5:-1]:
        p["metadata"]["creationTimestamp"] = t
    n, p = _write(tmp_path, nodes, _list(*pods))
    config = FleetConfig(model="per-container", policy="none", max_retries=0)
    r = run_config(DumpSource(n, p).cell(0), config, keep_log=True)
    placed = _placed(r.log)
    assert placed["train"] == "g0"
    assert placed["plain-0"] not in ("g0", "c0") and placed["plain-1"] not in ("g0", "c0")
    assert placed["pool-a-0"] == "a0" and placed["pool-a-1"] == "a0"
    assert placed["drain"] == "c0"  # the emptiest pool-b node, cordoned, and tolerated
    assert placed["agent-g0"] == "g0" and placed["etcd-g0"] == "g0"
    assert "agent-g0-plain" not in placed and "nowhere" not in placed
    assert dict(r.outcomes)["unschedulable"] == 2


def test_affinity_keys_reach_the_classes(tmp_path: Path) -> None:
    """A label only an affinity expression reads (no nodeSelector) still tells the nodes apart."""
    nodes = _list(_node("a0", "a"), _node("b0", "b"))
    pods = _list(
        _pod("x"),
        _with(
            _pod("y", "2026-01-01T00:00:01Z"),
            affinity=_required({"matchExpressions": [{"key": "pool", "operator": "NotIn", "values": ["a"]}]}),
        ),
    )
    n, p = _write(tmp_path, nodes, pods)
    cell = DumpSource(n, p).cell(0)
    assert cell.selector_keys == ("pool",)
    config = FleetConfig(model="per-container", policy="none", max_retries=0)
    assert _placed(run_config(cell, config, keep_log=True).log) == {"x": "a0", "y": "b0"}
