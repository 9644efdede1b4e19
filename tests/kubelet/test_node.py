"""The node's admission chain end to end (hand-checked against the kubelet's algorithms)."""

from __future__ import annotations

from typing import Any

import yaml

from podfit.api.scenario import scenario_from_dict
from podfit.kubelet.simulation import simulate
from podfit.model.cpuset import format_cpuset
from podfit.report.json_result import result_to_json

BASE = yaml.safe_load(
    """
kind: Scenario
metadata: {name: t}
node:
  machine: {sockets: 2, numaNodesPerSocket: 1, coresPerNUMANode: 4, threadsPerCore: 2,
            memoryPerNUMANode: 16Gi}
kubeletConfig:
  apiVersion: kubelet.config.k8s.io/v1beta1
  kind: KubeletConfiguration
  cpuManagerPolicy: static
  reservedSystemCPUs: "0"
  memoryManagerPolicy: Static
  kubeReserved: {memory: 1Gi}
  reservedMemory: [{numaNode: 0, limits: {memory: 1124Mi}}]
  topologyManagerPolicy: single-numa-node
  topologyManagerScope: container
"""
)


def _pod(name: str, cpu: str | None, memory: str | None = "2Gi", **extra: Any) -> dict[str, Any]:
    limits = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    res = {"limits": limits} if limits else {}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "resources": res}], **extra},
    }


def _run(pods: list[Any], **config: Any) -> dict[str, Any]:
    doc = {**BASE, "kubeletConfig": {**BASE["kubeletConfig"], **config}, "events": pods}
    return result_to_json(simulate(scenario_from_dict(doc)))


def test_exclusive_cpus_whole_cores_first_single_numa() -> None:
    out = _run([{"add": _pod("a", "2")}, {"add": _pod("b", "6")}, {"add": _pod("c", "5")}])
    a, b, c = out["steps"]
    assert out["node"]["reservedCPUs"] == "0"
    assert (a["containers"][0]["cpus"], a["containerHints"]["c"]) == (
        "1,9",
        {"numaAffinity": [0], "preferred": True},
    )
    assert b["containers"][0]["cpus"] == "4-6,12-14"
    assert c["containers"][0]["cpus"] == "2-3,8,10-11"
    assert c["defaultCPUSet"] == "0,7,15"
    assert a["containers"][0]["assignment"] == "node_exclusive"
    assert a["containers"][0]["memory"] == {"numaAffinity": [0], "bytes": {"memory": 2 << 30}}
    assert a["containers"][0]["cpuQuota"] == {"quotaUs": -1, "periodUs": 100000}


def test_rejection_leaves_no_trace_and_uses_the_kubelets_words() -> None:
    out = _run([{"add": _pod("a", "2")}, {"add": _pod("big", "20")}, {"add": _pod("b", "2")}])
    a, big, b = out["steps"]
    assert (big["admitted"], big["reason"]) == (False, "TopologyAffinityError")
    assert big["message"] == "Resources cannot be allocated with Topology locality"
    assert big["defaultCPUSet"] == a["defaultCPUSet"]
    assert b["containers"][0]["cpus"] == "2,10"


def test_burstable_pod_runs_in_the_shared_pool_with_its_quota() -> None:
    pod = _pod("d", None, None)
    pod["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "500m"}, "limits": {"cpu": "1500m"}}
    (d,) = _run([{"add": pod}])["steps"]
    assert d["qosClass"] == "Burstable"
    assert d["containers"][0] == {
        "name": "c",
        "kind": "app",
        "cpus": None,
        "assignment": "node_shared",
        "memory": None,
        "cpuQuota": {"quotaUs": 150000, "periodUs": 100000},
        # shares from the 500m request (500 * 1024 / 1000), quota from the 1500m limit, no memory
        # limit, the node's whole shared pool (reserved CPU 0 included: no strict reservation)
        "cgroup": {
            "cpuShares": 512,
            "cpuQuotaUs": 150000,
            "cpuPeriodUs": 100000,
            "memoryLimitBytes": None,
            "cpusetCpus": "0-15",
            "cpusetMems": None,
        },
        "why": {
            "reason": "NotGuaranteed",
            "message": "the pod's QoS class is Burstable (its requests are not all equal to its limits): "
            "the static CPU manager gives exclusive CPUs only to Guaranteed pods",
        },
    }
    assert d["podCgroup"] == {
        "cpuShares": 512,
        "cpuQuotaUs": 150000,
        "cpuPeriodUs": 100000,
        "memoryLimitBytes": None,
    }


def test_predicate_runs_after_the_resource_managers() -> None:
    # 15 allocatable CPUs: a 14-CPU Burstable pod fits, then a 2-CPU Guaranteed pod gets its
    # exclusive CPUs from the managers but fails the node-allocatable predicate (OutOfcpu).
    burst = _pod("burst", None, None)
    burst["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "14"}}
    out = _run([{"add": burst}, {"add": _pod("g", "2")}])
    g = out["steps"][1]
    assert (g["admitted"], g["reason"]) == (False, "OutOfcpu")
    assert (
        g["message"] == "Node didn't have enough resource: cpu, requested: 2000, used: 14000, capacity: 15000"
    )
    assert g["defaultCPUSet"] == "0-15"


def test_remove_returns_cpus_to_the_shared_pool() -> None:
    out = _run([{"add": _pod("a", "4")}, {"remove": "default/a"}, {"remove": "default/a"}])
    _, removed, again = out["steps"]
    memory = removed.pop("nodeMemory")
    assert removed == {
        "op": "remove",
        "pod": "default/a",
        "uid": removed["uid"],
        "removed": True,
        "defaultCPUSet": "0-15",
    }
    # the memory manager's tables are back to nothing reserved
    assert {numa: t["memory"]["reserved"] for numa, t in memory.items()} == {"0": 0, "1": 0}
    assert out["steps"][0]["nodeMemory"]["0"]["memory"]["reserved"] == 2 << 30
    assert again["removed"] is False


def test_smt_alignment_error() -> None:
    out = _run([{"add": _pod("odd", "3")}], cpuManagerPolicyOptions={"full-pcpus-only": "true"})
    (odd,) = out["steps"]
    assert (odd["admitted"], odd["reason"]) == (False, "SMTAlignmentError")
    assert odd["message"] == "SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2"


def test_format_of_cpusets() -> None:
    assert format_cpuset(0b1011) == "0-1,3"
