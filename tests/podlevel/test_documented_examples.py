"""The KEP-5526 documented examples as golden scenarios (examples/kep5526-*.yaml).

Expected values are derived by hand from the kubelet's algorithms (see each test's docstring).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podfit.io.scenario import load_scenario
from podfit.kubelet.simulation import simulate
from podfit.report.json_result import result_to_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(name: str) -> dict[str, Any]:
    return result_to_json(simulate(load_scenario(EXAMPLES / name)))


def _containers(step: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in step["containers"]}


def test_tightly_coupled_database_pod_scope() -> None:
    """Budget 8 CPU / 16Gi aligned to NUMA 0 (four whole cores 1-4 and siblings 17-20, CPU 0
    reserved); database: three whole cores, 12Gi exclusive; both sidecars share the last core and
    the remaining 4Gi, all on NUMA 0."""
    (step,) = _run("kep5526-tightly-coupled-database.yaml")["steps"]
    c = _containers(step)
    assert step["podHint"] == {"numaAffinity": [0], "preferred": True}
    assert step["podCPUs"] == "1-4,17-20"
    assert (c["database"]["cpus"], c["database"]["assignment"]) == ("1-3,17-19", "pod_exclusive")
    assert c["database"]["memory"] == {"numaAffinity": [0], "bytes": {"memory": 12 << 30}}
    for name in ("metrics-exporter", "backup-agent"):
        assert (c[name]["cpus"], c[name]["assignment"]) == ("4,20", "pod_shared")
        assert c[name]["memory"] == {"numaAffinity": [0], "bytes": {"memory": 4 << 30}}


def test_ml_workload_container_scope() -> None:
    """ml-training: 3 node-exclusive CPUs from NUMA 0 — one whole core (1,17), then the single free
    CPU of the core shared with reserved CPU 0 (16), as TestStaticPolicyAdd's reserved-sibling case;
    6Gi pinned to NUMA 0. service-mesh: node shared pool, CFS quota from the pod-level limit."""
    (step,) = _run("kep5526-ml-workload-container-scope.yaml")["steps"]
    c = _containers(step)
    assert step["admitted"] is True
    assert step["containerHints"]["ml-training"] == {"numaAffinity": [0], "preferred": True}
    assert (c["ml-training"]["cpus"], c["ml-training"]["assignment"]) == ("1,16-17", "node_exclusive")
    assert c["ml-training"]["memory"] == {"numaAffinity": [0], "bytes": {"memory": 6 << 30}}
    assert c["ml-training"]["cpuQuota"] == {"quotaUs": -1, "periodUs": 100000}
    assert (c["service-mesh"]["cpus"], c["service-mesh"]["assignment"]) == (None, "node_shared")
    assert c["service-mesh"]["cpuQuota"] == {"quotaUs": 400000, "periodUs": 100000}
    assert step["podCPUs"] is None


def test_ml_workload_single_numa_node_is_rejected_in_1_36() -> None:
    """Decision A-6: the 1.36 memory manager does not skip the sidecar without memory; its default
    hint cannot be computed under single-numa-node, so the pod is rejected."""
    (step,) = _run("kep5526-ml-workload-single-numa-node.yaml")["steps"]
    assert (step["admitted"], step["reason"]) == (False, "UnexpectedAdmissionError")
    assert step["message"] == (
        "Allocate failed due to [memorymanager] failed to get the default NUMA affinity, "
        "no NUMA nodes with enough memory is available, which is unexpected"
    )
    assert step["defaultCPUSet"] == "0-31"


def test_cgroups_and_pod_resources_of_the_database_pod() -> None:
    """cgroups as kuberuntime sets them: the exclusive database runs without CFS quota; the sidecars
    have no limits of their own, so the pod-level limits (8 CPU, 16Gi) bound them, and their CPU
    shares come from that limit; the pod cgroup keeps its quota (the pod-level 8 CPUs): with
    pod-level resource managers a pod "has exclusive CPUs" only when every container is exclusive —
    here the sidecars share the pod pool (upstream TestPodHasExclusiveCPUs, "Mixed containers").
    PodResources (v1.37 shape): the whole budget at pod level, only the database's own slice at
    container level."""
    (step,) = _run("kep5526-tightly-coupled-database.yaml")["steps"]
    c = _containers(step)
    assert c["database"]["cgroup"] == {
        "cpuShares": 6144,
        "cpuQuotaUs": -1,
        "cpuPeriodUs": 100000,
        "memoryLimitBytes": 12 << 30,
        "cpusetCpus": "1-3,17-19",
        "cpusetMems": "0",
    }
    assert c["backup-agent"]["cgroup"] == {
        "cpuShares": 8192,
        "cpuQuotaUs": 800000,
        "cpuPeriodUs": 100000,
        "memoryLimitBytes": 16 << 30,
        "cpusetCpus": "4,20",
        "cpusetMems": "0",
    }
    assert step["podCgroup"] == {
        "cpuShares": 8192,
        "cpuQuotaUs": 800000,
        "cpuPeriodUs": 100000,
        "memoryLimitBytes": 16 << 30,
    }
    pr = step["podResources"]
    assert pr["cpuIds"] == [1, 2, 3, 4, 17, 18, 19, 20]
    assert pr["memory"] == [{"memoryType": "memory", "size": 16 << 30, "topology": {"nodes": [{"id": 0}]}}]
    by_name = {x["name"]: x for x in pr["containers"]}
    assert by_name["database"]["cpuIds"] == [1, 2, 3, 17, 18, 19]
    assert by_name["metrics-exporter"] == {
        "name": "metrics-exporter",
        "cpuIds": [],
        "memory": [],
        "devices": [],
    }
