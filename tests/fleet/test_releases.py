"""Each configuration of a ``--versions`` sweep stores the pods as its release's API server does:
a 1.33 cluster of per-container kubelets (``PodLevelResources`` off) drops ``spec.resources``, so
a pod written with pod-level requests runs as its containers ask there, while 1.34+ (and a 1.33
cluster whose kubelets enable the alpha gate: the pod-level models) keep and count them."""

from __future__ import annotations

import pytest

from podfit.fleet import CellInputs, FleetConfig, MappingPolicy, NodeRow, PodRow, run_config
from podfit.fleet.kubelet_port import api_server_keeps_pod_resources, pod_from_dict

# a Burstable pod asking 20 CPUs at pod level (more than a 16-CPU node), 100m in its container
MANIFEST = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "big", "namespace": "default", "uid": "big"},
    "spec": {
        "resources": {"requests": {"cpu": "20", "memory": "1Gi"}},
        "containers": [{"name": "app", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}],
    },
}


def _cell() -> CellInputs:
    pod = pod_from_dict(MANIFEST)  # as the cluster-dump reader decodes it
    assert pod.resources is not None
    row = PodRow("default/big", 0, None, "", 0, 0, manifest=pod)
    return CellInputs("all", (NodeRow("node0", 16000, 65536),), (row,))


@pytest.mark.parametrize(
    ("model", "version", "outcome"),
    [
        ("per-container", "1.33", "ran"),  # spec.resources dropped: 100m fits
        ("per-container", "1.34", "unschedulable"),
        ("per-container", "1.36", "unschedulable"),  # 20 CPUs counted: no node fits
        ("pod-level-pod", "1.33", "unschedulable"),  # the kubelets' alpha gate keeps the field
        ("pod-level-pod", "1.36", "unschedulable"),
    ],
)
def test_pod_level_requests_per_release(model: str, version: str, outcome: str) -> None:
    config = FleetConfig(
        model=model, version=version, max_retries=0, mapping=MappingPolicy(sidecar_share=0.0)
    )
    r = run_config(_cell(), config)
    assert dict(r.outcomes) == {outcome: 1}


@pytest.mark.parametrize(
    ("version", "pod_level", "keeps"),
    [
        ("1.33", False, False),
        ("1.33", True, True),
        ("1.34", False, True),
        ("1.36", False, True),
        ("1.37", False, True),
    ],
)
def test_api_server_keeps_pod_resources(version: str, pod_level: bool, keeps: bool) -> None:
    assert api_server_keeps_pod_resources(version, pod_level) is keeps
