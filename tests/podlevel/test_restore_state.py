"""Upstream TestCPUManagerRestoreState as data: the CPU state survives a kubelet restart through
its checkpoint file, with and without pod-level entries
(tests/upstream/cpumanager/TestCPUManagerRestoreState.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.machines import build_machine
from podfit.api.pods import pod_from_dict
from podfit.io.checkpoints import restore_from, write_checkpoints
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.node import Node

DATA = yaml.safe_load(
    (
        Path(__file__).resolve().parents[1] / "upstream" / "cpumanager" / "TestCPUManagerRestoreState.yaml"
    ).read_text()
)
CASES = DATA["cases"]


def _config(gates: dict[str, bool]) -> Any:
    return kubelet_config_from_dict(
        {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "featureGates": gates,
            "cpuManagerPolicy": "static",
            "kubeReserved": {"cpu": "1"},
            "topologyManagerPolicy": "single-numa-node",
            "topologyManagerScope": "pod",
        }
    )


def _pod(pod_level_cpu: str | None, gates: dict[str, bool]) -> Any:
    container = {"name": "c", "resources": {"limits": {"cpu": "1", "memory": "512Mi"}}}
    spec: dict[str, Any] = {"containers": [container]}
    if pod_level_cpu is not None:
        spec["resources"] = {"limits": {"cpu": pod_level_cpu, "memory": "1Gi"}}
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "uid": "pod-uid"}, "spec": spec}
    return pod_from_dict(manifest, feature_gates=gates)


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_cpu_manager_restore_state(case: dict[str, Any], tmp_path: Path) -> None:
    machine = build_machine({"machine": {"sockets": 1, "coresPerNUMANode": 4, "threadsPerCore": 1}})
    config = _config(case["gates"])
    before = Node(machine, config)
    assert before.admit(_pod(case["pod_level_cpu"], case["gates"])).admitted
    write_checkpoints(tmp_path, before)

    restored, _ = restore_from(tmp_path, config)
    assert isinstance(restored, RestoredState)
    after = Node(machine, config, restored)  # the restarted kubelet validates the restored state
    for node in (before, after):
        state = node.managers.cpu.state
        assert (state.get_pod_cpu_set("pod-uid") is not None) == case["expect"]["pod_cpuset"]
        assert (state.get_cpu_set("pod-uid", "c") is not None) == case["expect"]["container_cpuset"]
    assert after.managers.cpu.state.snapshot().assignments == before.managers.cpu.state.snapshot().assignments
    assert after.default_cpuset == before.default_cpuset
