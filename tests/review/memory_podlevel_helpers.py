"""Scenario builders for the memory / pod-level review tests (tests/review/*memory_podlevel*).

Machine used throughout: 2 sockets x 1 NUMA node x 3 cores x 2 threads (synthetic numbering), so
NUMA 0 = CPUs {0,1,2,6,7,8} with siblings (0,6) (1,7) (2,8), NUMA 1 = {3,4,5,9,10,11}; CPU 0 is
reserved. This is topoDualSocketHT of the upstream cpumanager tests with other CPU numbers.
Each NUMA node has 8Gi of memory and 1Gi of 2Mi hugepages; 1Gi of memory is reserved on NUMA 0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from podfit.io.scenario import load_scenario
from podfit.kubelet.simulation import simulate
from podfit.report.json_result import result_to_json

GI = 1 << 30
MI = 1 << 20

MACHINE: dict[str, Any] = {
    "sockets": 2,
    "numaNodesPerSocket": 1,
    "coresPerNUMANode": 3,
    "threadsPerCore": 2,
    "memoryPerNUMANode": "8Gi",
    "hugepages2MiPerNUMANode": "1Gi",
}


def kubelet(
    policy: str = "single-numa-node",
    scope: str = "pod",
    *,
    plr: bool = True,
    plrm: bool = True,
    memory_policy: str = "Static",
    cpu_options: dict[str, str] | None = None,
) -> dict[str, Any]:
    kc: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "featureGates": {"PodLevelResources": plr, "PodLevelResourceManagers": plrm},
        "cpuManagerPolicy": "static",
        "reservedSystemCPUs": "0",
        "memoryManagerPolicy": memory_policy,
        "kubeReserved": {"memory": "924Mi"},
        "evictionHard": {"memory.available": "100Mi"},
        "topologyManagerPolicy": policy,
        "topologyManagerScope": scope,
    }
    if memory_policy == "Static":
        kc["reservedMemory"] = [{"numaNode": 0, "limits": {"memory": "1Gi"}}]
    if cpu_options:
        kc["cpuManagerPolicyOptions"] = cpu_options
    return kc


def ctr(
    name: str,
    cpu: str | None = None,
    mem: str | None = None,
    *,
    sidecar: bool = False,
    hugepages: str | None = None,
    cpu_limit: str | None = None,
) -> dict[str, Any]:
    """A container whose requests equal its limits (``cpu_limit`` makes the CPU burstable)."""
    res: dict[str, str] = {}
    if cpu is not None:
        res["cpu"] = cpu
    if mem is not None:
        res["memory"] = mem
    if hugepages is not None:
        res["hugepages-2Mi"] = hugepages
    c: dict[str, Any] = {"name": name, "image": "registry.k8s.io/pause:3.10"}
    if res:
        limits = dict(res)
        if cpu_limit is not None:
            limits["cpu"] = cpu_limit
        c["resources"] = {"requests": dict(res), "limits": limits}
    if sidecar:
        c["restartPolicy"] = "Always"
    return c


def pod(
    name: str,
    budget: dict[str, str] | None,
    apps: list[dict[str, Any]],
    init: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": apps}
    if init:
        spec["initContainers"] = init
    if budget is not None:
        spec["resources"] = {"requests": dict(budget), "limits": dict(budget)}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
        "spec": spec,
    }


def run(tmp_path: Path, kc: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    doc = {
        "kind": "Scenario",
        "metadata": {"name": "review-memory-podlevel"},
        "node": {"machine": MACHINE},
        "kubeletConfig": kc,
        "events": events,
    }
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return result_to_json(simulate(load_scenario(path)))


def containers(step: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in step["containers"]}


def mem(step: dict[str, Any], name: str) -> dict[str, Any] | None:
    return containers(step)[name]["memory"]


def numa_memory(step: dict[str, Any], numa: int, kind: str = "memory") -> dict[str, int]:
    return step["nodeMemory"][str(numa)][kind]
