"""``explain`` names the real cause of an empty pod shared pool (the exclusive containers take the
whole pod budget) and the budget or request change that admits the pod, never a false "no NUMA
node combination has that much free"; and suggests hugepages on the node when that is the fix."""

from __future__ import annotations

from typing import Any

import yaml

from podfit.api.scenario import scenario_from_dict
from podfit.explain import explain

BASE = yaml.safe_load(
    """
kind: Scenario
metadata: {name: empty-pool}
node:
  machine: {sockets: 2, coresPerNUMANode: 8, threadsPerCore: 2}
kubeletConfig:
  apiVersion: kubelet.config.k8s.io/v1beta1
  kind: KubeletConfiguration
  featureGates: {PodLevelResourceManagers: true}
  cpuManagerPolicy: static
  reservedSystemCPUs: "0"
  topologyManagerPolicy: single-numa-node
  topologyManagerScope: pod
"""
)


def _pod(pod_limits: dict[str, str], db: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "db"},
        "spec": {
            "resources": {"limits": pod_limits},
            "initContainers": [{"name": "mesh", "image": "m", "restartPolicy": "Always"}],
            "containers": [{"name": "db", "image": "db", "resources": {"limits": db}}],
        },
    }


def _explain(pod: dict[str, Any], **config: Any) -> Any:
    doc = {**BASE, "kubeletConfig": {**BASE["kubeletConfig"], **config}, "pods": [pod]}
    return explain(scenario_from_dict(doc), "default/db")


def test_the_cpu_budget_taken_by_exclusive_containers() -> None:
    e = _explain(_pod({"cpu": "4", "memory": "8Gi"}, {"cpu": "4", "memory": "6Gi"}))
    assert e.result.reason == "TopologyAffinityError"  # the CPU Manager gives no pod hint
    (line,) = e.shortfall
    assert "the exclusive containers (db 4 CPUs) take 4 CPUs of the pod's budget of 4 CPUs" in line
    assert "which mesh needs" in line and "no NUMA node combination" not in line
    kinds = {s.kind: s for s in e.suggestions}
    assert kinds["pod-budget"].change == {"spec.resources.cpu": "5"}
    assert kinds["fewer-cpus"].change == {"container": "db", "cpu": "3"}
    assert kinds["pod-budget"].result.admitted


def test_the_memory_budget_taken_by_exclusive_containers() -> None:
    memory = {
        "memoryManagerPolicy": "Static",
        "kubeReserved": {"memory": "1Gi"},
        "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
    }
    e = _explain(_pod({"cpu": "6", "memory": "8Gi"}, {"cpu": "4", "memory": "8Gi"}), **memory)
    assert not e.result.admitted
    (line,) = e.shortfall
    assert line.startswith("memory: the exclusive containers (db 8Gi) take 8Gi of the pod's budget of 8Gi")
    budget = next(s for s in e.suggestions if s.kind == "pod-budget")
    assert budget.change == {"spec.resources.memory": "8448Mi"}


def test_hugepages_on_the_node_when_only_the_machine_can_change() -> None:
    doc = {
        **BASE,
        "kubeletConfig": {**BASE["kubeletConfig"], "featureGates": {}},
        "pods": [
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "db"},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "app",
                            "resources": {"limits": {"cpu": "4", "memory": "2Gi", "hugepages-1Gi": "4Gi"}},
                        }
                    ]
                },
            }
        ],
    }
    e = explain(scenario_from_dict(doc), "default/db")
    assert e.result.reason == "OutOfhugepages-1Gi"
    (machine,) = [s for s in e.suggestions if s.kind == "machine-hugepages"]
    assert machine.change == {"hugepages1GiPerNUMANode": "4Gi"}
    assert "--hugepages-1Gi-per-numa 4Gi" in machine.summary and machine.result.admitted
