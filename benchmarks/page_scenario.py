"""A large scenario for the page benchmark: N pods arriving on (and leaving) a big node.

    .venv/bin/python -m benchmarks.page_scenario 5000 -o /tmp/5000.yaml [--cpus 512 --numa 8]

The node: 2 sockets, ``numa`` NUMA nodes, 2 threads per core, ``cpus`` CPUs; CPU 0 reserved; the
static CPU manager, the Static memory manager, ``single-numa-node`` in pod scope, pod-level
resource managers on. The pods (seeded, so every run is the same): Guaranteed pods of 2-16
exclusive CPUs, KEP-5526 pods with a pod budget, an exclusive app container and two sidecars in
the pod's shared pool, Burstable and BestEffort pods in the node's shared pool, and now and then
a pod too large for any NUMA node (rejected). Once the node holds ``live`` pods, every arrival is
followed by the removal of a random pod on the node, so the node churns instead of filling up
once and rejecting the rest.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from typing import Any

__all__ = ["page_scenario"]


def _guaranteed(rng: random.Random, name: str) -> dict[str, Any]:
    cpu = rng.choice((2, 2, 4, 4, 4, 6, 8, 8, 12, 16))
    mem = f"{rng.choice((1, 2, 4, 8))}Gi"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "containers": [
                {"name": "app", "resources": {"limits": {"cpu": str(cpu), "memory": mem}}},
            ]
        },
    }


def _pod_level(rng: random.Random, name: str) -> dict[str, Any]:
    app = rng.choice((2, 4, 6))
    budget = app + 2
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "resources": {
                "requests": {"cpu": str(budget), "memory": "8Gi"},
                "limits": {"cpu": str(budget), "memory": "8Gi"},
            },
            "initContainers": [
                {"name": "metrics-exporter", "restartPolicy": "Always"},
                {"name": "log-shipper", "restartPolicy": "Always"},
            ],
            "containers": [
                {"name": "server", "resources": {"limits": {"cpu": str(app), "memory": "6Gi"}}},
            ],
        },
    }


def _shared(rng: random.Random, name: str) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    if rng.random() < 0.7:  # Burstable; else BestEffort
        resources = {"requests": {"cpu": "500m", "memory": "512Mi"}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "web", "resources": resources}]},
    }


def _too_big(cpus_per_numa: int, name: str) -> dict[str, Any]:
    cpu = str(cpus_per_numa + 2)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "batch", "resources": {"limits": {"cpu": cpu, "memory": "4Gi"}}}]},
    }


def page_scenario(
    pods: int, *, cpus: int = 512, numa: int = 8, live: int | None = None, seed: int = 12
) -> dict[str, Any]:
    """The scenario document (``kind: Scenario``) of ``pods`` arrivals on a ``cpus``-CPU node."""
    sockets = 2 if numa >= 2 else 1
    cores = cpus // 2 // numa
    if cores * 2 * numa != cpus:
        raise ValueError(f"{cpus} CPUs do not split into {numa} NUMA nodes of 2-thread cores")
    live = live if live is not None else max(4, cpus // 5)
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    on_node: list[str] = []
    for i in range(pods):
        name = f"app-{i:05d}"
        roll = rng.random()
        if roll < 0.03:
            manifest = _too_big(cpus // numa, name)
        elif roll < 0.45:
            manifest = _guaranteed(rng, name)
        elif roll < 0.75:
            manifest = _pod_level(rng, name)
        else:
            manifest = _shared(rng, name)
        events.append({"add": manifest})
        on_node.append(name)
        if len(on_node) > live:
            gone = on_node.pop(rng.randrange(len(on_node)))
            events.append({"remove": f"default/{gone}"})
    return {
        "kind": "Scenario",
        "metadata": {"name": f"page-{pods}-pods-{cpus}-cpus"},
        "node": {
            "name": "big-1",
            "machine": {
                "sockets": sockets,
                "numaNodesPerSocket": numa // sockets,
                "coresPerNUMANode": cores,
                "threadsPerCore": 2,
                "memoryPerNUMANode": "256Gi",
            },
        },
        "kubeletConfig": {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "featureGates": {"PodLevelResources": True, "PodLevelResourceManagers": True},
            "cpuManagerPolicy": "static",
            "reservedSystemCPUs": "0",
            "memoryManagerPolicy": "Static",
            "kubeReserved": {"memory": "1Gi"},
            "evictionHard": {"memory.available": "100Mi"},
            "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
            "topologyManagerPolicy": "single-numa-node",
            "topologyManagerScope": "pod",
        },
        "events": events,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pods", type=int)
    ap.add_argument("-o", "--out", help="file to write (default: stdout); JSON, which is YAML too")
    ap.add_argument("--cpus", type=int, default=512)
    ap.add_argument("--numa", type=int, default=8)
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args(argv)
    text = json.dumps(page_scenario(args.pods, cpus=args.cpus, numa=args.numa, seed=args.seed))
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
