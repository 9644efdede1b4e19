"""The model rewrites (per-container, pod-level), the model list and the per-pod figures."""

from __future__ import annotations

from typing import Any

import pytest

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.pods import pod_from_dict
from podfit.api.scenario import scenario_from_dict
from podfit.compare.run import compare, run_model
from podfit.compare.variants import (
    Model,
    model_config,
    models_for,
    per_container_cpus,
    per_container_pod,
    pod_level_pod,
    transform_pod,
    whole_cpus,
)
from podfit.errors import InputError
from podfit.model.pod import Pod
from podfit.model.qos import QOSGates, compute_pod_qos

KC = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
GI = 1 << 30
MI = 1 << 20

QOS = QOSGates(pod_level_resources=True, fix_kubelet_qos_class=False)  # the 1.36 default


def _res(cpu: str | None, memory: str | None) -> dict[str, Any]:
    values = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {"requests": values, "limits": values} if values else {}


def _pod(
    name: str = "db",
    *,
    budget: tuple[str, str] | None = ("7", "13Gi"),
    main: tuple[str | None, str | None] = ("6", "12Gi"),
    sidecar: tuple[str | None, str | None] = ("100m", "256Mi"),
    sidecars: int = 2,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "initContainers": [
            {"name": f"side{i}", "image": "x", "restartPolicy": "Always", "resources": _res(*sidecar)}
            for i in range(sidecars)
        ],
        "containers": [{"name": "main", "image": "x", "resources": _res(*main)}],
    }
    if budget is not None:
        spec["resources"] = _res(*budget)
    return {"metadata": {"name": name}, "spec": spec}


def _decoded(doc: dict[str, Any]) -> Pod:
    return pod_from_dict(
        {"apiVersion": "v1", "kind": "Pod", **doc}, feature_gates={"PodLevelResources": True}
    )


def _scenario(pods: list[dict[str, Any]], **kubelet: Any) -> Any:
    config = {
        **KC,
        "featureGates": {"PodLevelResources": True, "PodLevelResourceManagers": True},
        "cpuManagerPolicy": "static",
        "reservedSystemCPUs": "0",
        "topologyManagerPolicy": "single-numa-node",
        "topologyManagerScope": "pod",
        **kubelet,
    }
    node = {
        "machine": {"sockets": 2, "coresPerNUMANode": 8, "threadsPerCore": 2, "memoryPerNUMANode": "64Gi"}
    }
    return scenario_from_dict({"kind": "Scenario", "node": node, "kubeletConfig": config, "pods": pods})


@pytest.mark.parametrize(
    ("millis", "minimum", "multiple", "want"),
    [
        (6000, 1, 1, 6),
        (100, 1, 1, 1),
        (0, 1, 1, 1),
        (1500, 1, 1, 2),
        (100, 1, 2, 2),
        (3000, 1, 2, 4),
        (7000, 1, 2, 8),
    ],
    ids=["whole", "100m sidecar", "no cpu", "1.5 up", "100m full core", "3 to 4 cores", "7 to 8"],
)
def test_whole_cpus(millis: int, minimum: int, multiple: int, want: int) -> None:
    assert whole_cpus(millis, minimum=minimum, multiple=multiple) == want


@pytest.mark.parametrize(
    ("multiple", "cpus"),
    [(1, {"side0": 1000, "side1": 1000, "main": 6000}), (2, {"side0": 2000, "side1": 2000, "main": 6000})],
    ids=["smt-off", "full-pcpus-only"],
)
def test_per_container_rewrite(multiple: int, cpus: dict[str, int]) -> None:
    pod = per_container_pod(_decoded(_pod()), multiple=multiple)
    assert pod.resources is None
    got = {c.name: (c.resources.requests["cpu"], c.resources.limits["cpu"]) for c in pod.all_containers()}
    assert got == {name: (v, v) for name, v in cpus.items()}
    memory = {c.name: c.resources.limits["memory"] for c in pod.all_containers()}
    assert memory == {"side0": 256 * MI, "side1": 256 * MI, "main": 12 * GI}
    assert compute_pod_qos(pod, QOS) == "Guaranteed"
    assert per_container_cpus(_decoded(_pod()), QOS, multiple=multiple) == sum(cpus.values()) // 1000


def test_per_container_shares_the_leftover_pod_memory() -> None:
    """The KEP database: sidecars without resources share 16Gi - 12Gi -> 2Gi each."""
    doc = _pod(budget=("8", "16Gi"), sidecar=(None, None))
    pod = per_container_pod(_decoded(doc))
    memory = {c.name: c.resources.requests["memory"] for c in pod.all_containers()}
    assert memory == {"side0": 2 * GI, "side1": 2 * GI, "main": 12 * GI}


def test_per_container_needs_memory_from_somewhere() -> None:
    doc = _pod(budget=None, main=("6", "12Gi"), sidecar=("100m", None), sidecars=1)
    with pytest.raises(InputError, match="side0"):
        per_container_pod(_decoded(doc))


@pytest.mark.parametrize(("multiple", "cpu"), [(1, 7000), (2, 8000)], ids=["smt-off", "full-pcpus-only"])
def test_pod_level_budget_from_the_containers(multiple: int, cpu: int) -> None:
    pod = pod_level_pod(_decoded(_pod(budget=None)), multiple=multiple)
    assert pod.resources is not None
    assert dict(pod.resources.requests) == dict(pod.resources.limits)
    assert dict(pod.resources.requests) == {"cpu": cpu, "memory": 12 * GI + 512 * MI}


def test_pod_level_budget_kept_when_written() -> None:
    pod = _decoded(_pod(budget=("9", "20Gi")))
    assert pod_level_pod(pod, multiple=2) is pod


def test_models_listed_once_baseline_first() -> None:
    config = kubelet_config_from_dict(
        {**KC, "topologyManagerPolicy": "none", "topologyManagerScope": "container"}
    )
    keys = [m.key for m in models_for(config)]
    assert keys == [
        "per-container/container/none",
        "pod-level/pod/none",
        "pod-level/container/none",
        "pod-level/container/best-effort",
        "pod-level/container/restricted",
        "pod-level/container/single-numa-node",
    ]
    assert [m.key for m in models_for(config, "pod")][3:] == [
        "pod-level/pod/best-effort",
        "pod-level/pod/restricted",
        "pod-level/pod/single-numa-node",
    ]


def test_model_config_turns_the_gates_on_only_for_pod_level() -> None:
    config = kubelet_config_from_dict({**KC, "topologyManagerPolicy": "restricted"})
    pod_level = model_config(config, Model("pod-level", "pod", "best-effort"))
    assert pod_level.feature_gates.enabled("PodLevelResourceManagers")
    assert (pod_level.topology_manager_scope, pod_level.topology_manager_policy) == ("pod", "best-effort")
    baseline = model_config(config, Model("per-container", "container", "restricted"))
    assert not baseline.feature_gates.enabled("PodLevelResourceManagers")


def test_idle_cpus_inside_a_budget() -> None:
    """Budget 8, one 6-CPU container, no shared container: 2 CPUs of the bubble stay idle."""
    scenario = _scenario([_pod(budget=("8", "13Gi"), sidecars=0)])
    run = run_model(scenario, Model("pod-level", "pod", "single-numa-node"))
    (fp,) = run.footprints
    assert (fp.held, fp.exclusive, fp.pod_shared, fp.idle, fp.aligned) == (8, 6, 0, 2, True)
    assert run.node_shared_pool == 32 - 8
    assert run.per_container_cpus == 6 and run.cores_saved == -1.0


def test_removed_pods_no_longer_count() -> None:
    pods = [_pod("a"), _pod("b")]
    doc_events = [{"add": {"apiVersion": "v1", "kind": "Pod", **p}} for p in pods]
    doc_events.append({"remove": "default/a"})
    scenario = scenario_from_dict(
        {
            "kind": "Scenario",
            "node": {"machine": {"sockets": 2, "coresPerNUMANode": 8, "threadsPerCore": 2}},
            "kubeletConfig": {
                **KC,
                "cpuManagerPolicy": "static",
                "reservedSystemCPUs": "0",
                "topologyManagerPolicy": "single-numa-node",
                "topologyManagerScope": "pod",
            },
            "events": doc_events,
        }
    )
    c = compare(scenario)
    base = c.baseline
    assert (base.admitted, [f.pod for f in base.footprints], base.held) == (2, ["default/b"], 8)
    assert base.fill is None and c.extra_pods(base) is None


def test_refused_configuration_is_a_row_not_an_error() -> None:
    """align-by-socket cannot be combined with single-numa-node: that row is refused."""
    scenario = _scenario(
        [_pod()],
        featureGates={"PodLevelResources": True, "CPUManagerPolicyAlphaOptions": True},
        cpuManagerPolicyOptions={"align-by-socket": "true"},
        topologyManagerPolicy="restricted",
    )
    c = compare(scenario)
    refused = {r.model.key for r in c.runs if r.refusal is not None}
    assert refused == {"pod-level/pod/single-numa-node"}


def test_pods_that_are_not_guaranteed_run_as_written() -> None:
    """A BestEffort batch pod next to a database pod: rewritten in no model, pins nothing."""
    batch = {"metadata": {"name": "batch"}, "spec": {"containers": [{"name": "job", "image": "x"}]}}
    pod = _decoded(batch)
    for model in (Model("per-container", "pod", "none"), Model("pod-level", "pod", "none")):
        assert transform_pod(pod, model, 2, QOS) is pod
    assert per_container_cpus(pod, QOS) == 0
    c = compare(_scenario([_pod(), batch]))
    for run in c.runs:
        assert run.admitted == 2, run.model.key
    base, pod_scope = c.runs[0], c.runs[1]
    assert (base.held, base.per_container_cpus, base.cores_saved) == (8, 8, 0.0)
    assert (pod_scope.held, pod_scope.per_container_cpus, pod_scope.cores_saved) == (7, 8, 0.5)


def test_pods_written_per_container_get_a_pod_level_budget() -> None:
    """No ``.spec.resources``: pod-level rows give the pod a 7-CPU budget (6 + 0.1 + 0.1 rounded up);
    the sidecars were Guaranteed on their own at 100m, so the per-container rewrite gives 1 CPU each."""
    c = compare(_scenario([_pod(budget=None)]))
    by_key = {r.model.key: r for r in c.runs}
    base, pod_scope = by_key["per-container/pod/single-numa-node"], by_key["pod-level/pod/single-numa-node"]
    assert (base.held, base.cores_saved) == (8, 0.0)
    (fp,) = pod_scope.footprints
    assert (fp.held, fp.exclusive, fp.pod_shared, fp.idle, fp.aligned) == (7, 6, 1, 0, True)
    assert pod_scope.cores_saved == 0.5
