"""Invariants of the per-pod figures over random database-like pods (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podfit.api.scenario import scenario_from_dict
from podfit.compare.run import run_model
from podfit.compare.variants import Model, model_qos_gates, per_container_cpus

KC = {
    "apiVersion": "kubelet.config.k8s.io/v1beta1",
    "kind": "KubeletConfiguration",
    "featureGates": {"PodLevelResources": True, "PodLevelResourceManagers": True},
    "cpuManagerPolicy": "static",
    "reservedSystemCPUs": "0",
    "topologyManagerPolicy": "single-numa-node",
    "topologyManagerScope": "pod",
}
NODE = {"machine": {"sockets": 2, "coresPerNUMANode": 4, "threadsPerCore": 2, "memoryPerNUMANode": "64Gi"}}


def _res(cpu: str) -> dict[str, dict[str, str]]:
    values = {"cpu": cpu, "memory": "1Gi"}
    return {"requests": values, "limits": values}


@st.composite
def pods(draw: st.DrawFn) -> dict:
    main = draw(st.integers(1, 6))
    sidecars = draw(st.lists(st.sampled_from(["100m", "1", "2", "300m"]), max_size=3))
    budget = main + sum(int(s) if s.isdigit() else 1 for s in sidecars) + draw(st.integers(0, 2))
    spec = {
        "resources": {
            "requests": {"cpu": str(budget), "memory": "8Gi"},
            "limits": {"cpu": str(budget), "memory": "8Gi"},
        },
        "initContainers": [
            {"name": f"s{i}", "image": "x", "restartPolicy": "Always", "resources": _res(c)}
            for i, c in enumerate(sidecars)
        ],
        "containers": [{"name": "main", "image": "x", "resources": _res(str(main))}],
    }
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pod=pods(), scope=st.sampled_from(["pod", "container"]))
def test_pinned_cpus_add_up(pod: dict, scope: str) -> None:
    """Pod scope: pinned = exclusive + pod pools + idle = the budget; container scope: no bubble,
    pinned = exclusive, no idle; the per-container row pins exactly its whole-CPU count; the node
    pool is what no pod pinned."""
    scenario = scenario_from_dict({"kind": "Scenario", "node": NODE, "kubeletConfig": KC, "pods": [pod]})
    run = run_model(scenario, Model("pod-level", scope, "single-numa-node"))
    base = run_model(scenario, Model("per-container", "pod", "single-numa-node"))
    budget = int(pod["spec"]["resources"]["requests"]["cpu"])
    for r in (run, base):
        assert r.node_shared_pool == 16 - r.held
    if base.footprints:
        qos = model_qos_gates(scenario.kubelet_config)
        assert base.held == per_container_cpus(scenario.events[0].pod, qos) == base.per_container_cpus
        assert base.cpus_saved == 0
    if not run.footprints:
        return
    (fp,) = run.footprints
    if scope == "pod":
        assert fp.held == fp.exclusive + fp.pod_shared + fp.idle == budget
    else:
        assert (fp.held, fp.pod_shared, fp.idle) == (fp.exclusive, 0, 0)
