"""``containers[].why``: one reason per container, in the kubelet's terms; every reason of
:data:`podfit.kubelet.why.REASONS` is produced by a real admission here (or, for the fallback, by
the function itself), so a reason that disappears fails a test."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.pods import pod_from_dict
from podfit.api.scenario import scenario_from_dict
from podfit.kubelet.simulation import simulate
from podfit.kubelet.why import REASONS, container_why
from podfit.report.json_result import result_to_json

CONFIG: dict[str, Any] = {
    "apiVersion": "kubelet.config.k8s.io/v1beta1",
    "kind": "KubeletConfiguration",
    "cpuManagerPolicy": "static",
    "reservedSystemCPUs": "0",
    "topologyManagerPolicy": "single-numa-node",
    "topologyManagerScope": "pod",
}
PLRM = {"featureGates": {"PodLevelResourceManagers": True}}


def _container(name: str, cpu: str | None = None, memory: str | None = None, **kw: Any) -> dict[str, Any]:
    limits = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    out: dict[str, Any] = {"name": name, "image": name, **kw}
    if limits:
        out["resources"] = {"limits": limits}
    return out


def _pod(containers: list[dict[str, Any]], pod_limits: dict[str, str] | None = None, **spec: Any) -> Any:
    body: dict[str, Any] = {"containers": containers, **spec}
    if pod_limits is not None:
        body["resources"] = {"limits": pod_limits}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": body}


def _whys(pod: Any, **config: Any) -> dict[str, tuple[str, str, str]]:
    doc = {
        "kind": "Scenario",
        "node": {"machine": {"sockets": 2, "coresPerNUMANode": 8, "threadsPerCore": 2}},
        "kubeletConfig": {**CONFIG, **config},
        "pods": [pod],
    }
    (step,) = result_to_json(simulate(scenario_from_dict(doc)))["steps"]
    assert step["admitted"], step
    return {c["name"]: (c["assignment"], c["why"]["reason"], c["why"]["message"]) for c in step["containers"]}


GU = [_container("app", "2", "1Gi")]
SIDECAR = _container("mesh", restartPolicy="Always")

CASES = [
    # (id, pod, config, container, assignment, reason, words in the message)
    ("guaranteed", _pod(GU), {}, "app", "node_exclusive", "ExclusiveCPUs", "integer CPU request (2)"),
    ("fractional", _pod([_container("app", "1500m", "1Gi")]), {}, "app", "node_shared",
     "CPURequestNotInteger", "(1500m) is not an integer"),
    ("burstable", _pod([_container("app", None, "1Gi")]), {}, "app", "node_shared", "NotGuaranteed",
     "QoS class is Burstable"),
    ("policy none", _pod(GU), {"cpuManagerPolicy": "none"}, "app", "node_shared", "CPUManagerPolicyNone",
     'cpuManagerPolicy is "none"'),
    ("plrm off", _pod([*GU, _container("log")], {"cpu": "4", "memory": "2Gi"}), {}, "app", "node_shared",
     "PodLevelResourceManagersOff", "gate PodLevelResourceManagers is off"),
    ("pod exclusive", _pod([*GU, _container("log")], {"cpu": "4", "memory": "2Gi"}), PLRM, "app",
     "pod_exclusive", "PodExclusiveCPUs", "exclusive slice of the pod's CPU budget"),
    ("pod shared", _pod([*GU, _container("log")], {"cpu": "4", "memory": "2Gi"}), PLRM, "log",
     "pod_shared", "ContainerNotGuaranteed", "sets no CPU or memory requests of its own"),
    ("pod shared sidecar", _pod(GU, {"cpu": "4", "memory": "2Gi"}, initContainers=[SIDECAR]), PLRM, "mesh",
     "pod_shared", "ContainerNotGuaranteed", "the sidecar sets no CPU or memory requests"),
    ("pod shared fractional", _pod([*GU, _container("log", "1500m", "256Mi")], {"cpu": "4", "memory": "2Gi"}),
     PLRM, "log", "pod_shared", "CPURequestNotInteger", "no exclusive slice"),
    ("budget fractional", _pod([*GU, _container("log")], {"cpu": "3500m", "memory": "2Gi"}), PLRM, "app",
     "node_shared", "PodBudgetNotInteger", "pod-level CPU request (3500m) is not an integer"),
    ("container scope", _pod([*GU, _container("log")], {"cpu": "4", "memory": "2Gi"}),
     {**PLRM, "topologyManagerScope": "container"}, "log", "node_shared", "NotPodScope",
     'topologyManagerScope is "container"'),
    ("container scope exclusive", _pod([*GU, _container("log")], {"cpu": "4", "memory": "2Gi"}),
     {**PLRM, "topologyManagerScope": "container"}, "app", "node_exclusive", "ExclusiveCPUs",
     "outside the pod scope"),
    ("policy none scope", _pod([*GU, _container("log")], {"cpu": "4", "memory": "2Gi"}),
     {**PLRM, "topologyManagerPolicy": "none"}, "log", "node_shared", "NotPodScope",
     'topologyManagerPolicy is "none"'),
]  # fmt: skip


@pytest.mark.parametrize(("pod", "config", "name", "assignment", "reason", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])  # fmt: skip
def test_why(pod: Any, config: dict[str, Any], name: str, assignment: str, reason: str, words: str) -> None:
    got = _whys(pod, **config)[name]
    assert got[:2] == (assignment, reason)
    assert words in got[2], got[2]


def test_the_fallback_reason() -> None:
    """``NoExclusiveCPUs``: an assignment the rules above do not explain (the function is pure and
    takes any assignment; the webhook asks it about containers not yet admitted)."""
    config = kubelet_config_from_dict(CONFIG)
    pod = pod_from_dict(_pod(GU))
    why = container_why(config, pod, pod.containers[0], "node_shared")
    assert why.reason == "NoExclusiveCPUs"
    assert container_why(config, pod, pod.containers[0], "pod_shared").reason == "NoExclusiveCPUs"


def test_every_reason_is_covered_and_documented() -> None:
    covered = {c[5] for c in CASES} | {"NoExclusiveCPUs"}
    assert covered == set(REASONS)
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    for reason in REASONS:
        assert f"`{reason}`" in doc, reason


def test_the_table_shows_the_reason() -> None:
    from rich.console import Console

    from podfit.report.table import render_table

    doc = {
        "kind": "Scenario",
        "node": {"machine": {"sockets": 1, "coresPerNUMANode": 4, "threadsPerCore": 2}},
        "kubeletConfig": CONFIG,
        "pods": [yaml.safe_load(yaml.safe_dump(_pod([_container("app", "1500m", "1Gi")])))],
    }
    console = Console(record=True, width=140)
    render_table(simulate(scenario_from_dict(doc)), console)
    assert "CPU request 1500m not an integer" in console.export_text()
