"""The ``start`` event (issue 14): admission leaves containers unstarted; ``start`` runs them, so
the memory manager releases finished regular init containers (memory_manager.go AddContainer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.errors import InputError
from podfit.io.scenario import load_scenario
from podfit.kubelet.simulation import simulate
from podfit.report.json_result import result_to_json

GI = 2**30


def _pod(uid: str, init_gi: int | None) -> dict[str, Any]:
    def ctr(name: str, gi: int) -> dict[str, Any]:
        res = {"cpu": "2", "memory": f"{gi}Gi"}
        return {"name": name, "image": "i", "resources": {"requests": res, "limits": res}}

    spec: dict[str, Any] = {"containers": [ctr("app", 1)]}
    if init_gi is not None:
        spec["initContainers"] = [ctr("init", init_gi)]
    return {"metadata": {"name": uid, "namespace": "default", "uid": uid}, "spec": spec}


def _run(tmp_path: Path, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    doc = {
        "kind": "Scenario",
        "node": {"machine": {"coresPerNUMANode": 8, "threadsPerCore": 2, "memoryPerNUMANode": "8Gi"}},
        "kubeletConfig": {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "cpuManagerPolicy": "static",
            "reservedSystemCPUs": "0",
            "memoryManagerPolicy": "Static",
            "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
            "kubeReserved": {"memory": "1Gi"},
            "evictionHard": {"memory.available": "100Mi"},
            "topologyManagerPolicy": "single-numa-node",
        },
        "events": events,
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return result_to_json(simulate(load_scenario(path)))["steps"]  # type: ignore[no-any-return]


def _reserved(step: dict[str, Any]) -> int:
    return int(step["nodeMemory"]["0"]["memory"]["reserved"])


def test_start_releases_the_finished_init_container(tmp_path: Path) -> None:
    steps = _run(
        tmp_path,
        [{"add": _pod("a", 2)}, {"start": "default/a"}, {"start": {"uid": "a"}}, {"remove": {"uid": "a"}}],
    )
    assert [s["op"] for s in steps] == ["add", "start", "start", "remove"]
    assert _reserved(steps[0]) == 2 * GI  # admitted, nothing started: the init container's 2Gi
    assert steps[1]["started"] and _reserved(steps[1]) == 1 * GI  # init (shrunk to 1Gi) released
    assert steps[2]["started"] and _reserved(steps[2]) == 1 * GI  # idempotent
    assert _reserved(steps[3]) == 0


def test_start_of_a_pod_not_on_the_node_changes_nothing(tmp_path: Path) -> None:
    steps = _run(tmp_path, [{"add": _pod("a", None)}, {"start": "default/b"}])
    assert steps[1] == {**steps[1], "op": "start", "started": False, "uid": None}
    assert _reserved(steps[1]) == _reserved(steps[0]) == 1 * GI


@pytest.mark.parametrize(
    ("event", "field"),
    [({"start": "no-slash"}, "events[0].start"), ({"start": {"uid": ""}}, "events[0].start.uid")],
)
def test_bad_start_events(tmp_path: Path, event: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        _run(tmp_path, [event])
    assert field in str(err.value)
