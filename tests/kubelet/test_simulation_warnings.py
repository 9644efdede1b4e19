"""The warnings of a run (``warnings`` in the JSON, ``podfit: warning:`` lines) and the known
kubelet defects labelled on a step (``knownIssue``). Each warning code of
:data:`podfit.model.diagnostics.CODES` has a test here or in tests/io/test_kubelet_config_inputs.py
that fails if it disappears."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.api.scenario import scenario_from_dict
from podfit.cli.main import main
from podfit.kubelet.simulation import simulate
from podfit.model.diagnostics import CODES
from podfit.report.json_result import result_to_json

ROOT = Path(__file__).resolve().parents[2]
CONFIG: dict[str, Any] = {
    "apiVersion": "kubelet.config.k8s.io/v1beta1",
    "kind": "KubeletConfiguration",
    "cpuManagerPolicy": "static",
    "reservedSystemCPUs": "0",
    "topologyManagerPolicy": "single-numa-node",
}


def _pod(name: str, limits: dict[str, str], pod_limits: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "c", "resources": {"limits": limits}}]}
    if pod_limits is not None:
        spec["resources"] = {"limits": pod_limits}
        spec["containers"].append({"name": "log", "image": "log"})
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def _run(events: list[Any], version: str = "1.36", **config: Any) -> dict[str, Any]:
    doc = {
        "kind": "Scenario",
        "node": {
            "machine": {"sockets": 2, "coresPerNUMANode": 4, "threadsPerCore": 2},
            "kubeletVersion": version,
        },
        "kubeletConfig": {**CONFIG, **config},
        "events": events,
    }
    return result_to_json(simulate(scenario_from_dict(doc)))


GU = {"cpu": "2", "memory": "1Gi"}


def test_a_duplicate_pod_is_refused_by_the_api_server_not_admitted() -> None:
    out = _run(
        [
            {"add": _pod("a", GU)},
            {"add": _pod("a", {"cpu": "4", "memory": "1Gi"})},
            {"remove": "default/a"},
            {"add": _pod("a", {"cpu": "4", "memory": "1Gi"})},
        ]
    )
    first, dup, removed, again = out["steps"]
    assert first["admitted"] and removed["removed"] and again["admitted"]
    assert (dup["admitted"], dup["reason"]) == (False, "AlreadyExists")
    assert dup["message"] == 'pods "a" already exists'
    assert dup["defaultCPUSet"] == first["defaultCPUSet"]  # the kubelet never saw it
    assert again["containers"][0]["cpus"] == "1-2,9-10"
    (w,) = out["warnings"]
    assert (w["code"], w["pod"]) == ("DuplicatePod", "default/a")
    assert "steps[1]" in w["message"] and "steps[0]" in w["message"]


def test_a_rejected_pod_still_holds_its_name() -> None:
    out = _run([{"add": _pod("big", {"cpu": "40", "memory": "1Gi"})}, {"add": _pod("big", GU)}])
    assert out["steps"][0]["reason"] == "TopologyAffinityError"
    assert out["steps"][1]["reason"] == "AlreadyExists"


def test_a_resource_the_node_does_not_have() -> None:
    gpu = {**GU, "nvidia.com/gpu": "1"}
    out = _run([{"add": _pod(f"p{i}", gpu)} for i in range(5)])
    assert all(s["admitted"] for s in out["steps"])
    (w,) = out["warnings"]
    assert w["code"] == "ResourceNotOnNode" and w["pod"] == "default/p0"
    assert "pods default/p0, default/p1, default/p2 (and 2 more) ask for nvidia.com/gpu" in w["message"]
    assert "admits the pod without them" in w["message"]


def test_pod_level_resources_with_the_managers_gate_off() -> None:
    out = _run([{"add": _pod("plr", GU, {"cpu": "4", "memory": "2Gi"})}])
    (w,) = out["warnings"]
    assert w["code"] == "PodLevelResourceManagersOff"
    assert out["steps"][0]["containers"][0]["assignment"] == "node_shared"
    gates = {"featureGates": {"PodLevelResourceManagers": True}}
    assert _run([{"add": _pod("plr", GU, {"cpu": "4", "memory": "2Gi"})}], **gates)["warnings"] == []


def test_pod_level_resources_with_their_gate_off() -> None:
    """A 1.33 API server (PodLevelResources alpha, off) drops spec.resources: said in a warning. From
    1.34 the field reaches a kubelet whose own gate is off: its rejection says it, no warning."""
    out = _run([{"add": _pod("plr", GU, {"cpu": "4", "memory": "2Gi"})}], version="1.33")
    (w,) = out["warnings"]
    assert w["code"] == "PodLevelResourcesGateOff" and w["field"] == "events[0].add.spec.resources"
    assert out["steps"][0]["admitted"]
    gates = {"featureGates": {"PodLevelResources": False, "InPlacePodLevelResourcesVerticalScaling": False}}
    out = _run([{"add": _pod("plr", GU, {"cpu": "4", "memory": "2Gi"})}], **gates)
    assert out["warnings"] == []
    assert out["steps"][0]["reason"] == "PodLevelResourcesNotSupported"


def test_a_known_kubelet_defect_is_labelled() -> None:
    """kep5526-ml-workload-single-numa-node: the v1.36 memory manager's container-scope rejection,
    fixed by kubernetes#138770 in 1.37."""
    path = ROOT / "examples" / "kep5526-ml-workload-single-numa-node.yaml"
    from podfit.io.scenario import load_scenario

    out = result_to_json(simulate(load_scenario(path)))
    (step,) = [s for s in out["steps"] if s["op"] == "add"]
    assert step["reason"] == "UnexpectedAdmissionError"
    assert step["knownIssue"]["id"] == "kubernetes#138770" and step["knownIssue"]["fixedIn"] == "1.37"
    assert [w["code"] for w in out["warnings"]] == ["KnownIssue"]


def test_a_restart_readmission_defect_is_labelled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A v1.36 kubelet restarted with a pod-level pod re-runs AllocatePod (kubernetes#140989): the
    pod's CPUs move and the old ones leak."""
    scenario = tmp_path / "s.yaml"
    doc = {
        "kind": "Scenario",
        "node": {"machine": {"sockets": 1, "coresPerNUMANode": 4, "threadsPerCore": 1}},
        "kubeletConfig": {**CONFIG, "topologyManagerScope": "pod",
                          "featureGates": {"PodLevelResourceManagers": True}},
        "pods": [_pod("plr", {"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "2Gi"})],
    }  # fmt: skip
    doc["pods"][0]["spec"]["containers"] = doc["pods"][0]["spec"]["containers"][:1]
    scenario.write_text(yaml.safe_dump(doc))
    state = tmp_path / "state"
    assert main(["simulate", str(scenario), "-o", "json", "--checkpoint-dir", str(state)]) == 0
    capsys.readouterr()
    assert main(["simulate", str(scenario), "-o", "json", "--restore-from", str(state)]) == 0
    out = json.loads(capsys.readouterr().out)
    (step,) = out["steps"]
    assert step["knownIssue"] is not None and step["knownIssue"]["id"] == "kubernetes#141041"
    assert step["knownIssue"]["issue"] == "kubernetes#140989"


def test_restore_from_a_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--restore-from", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "--restore-from" in err[0] and "does not exist" in err[0]


def test_warnings_are_stderr_lines_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text(yaml.safe_dump(_pod("g", {**GU, "nvidia.com/gpu": "1"})))
    assert main(["simulate", "--preset", "laptop-8c16t", "-f", str(pod)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("podfit: warning: pod default/g asks for nvidia.com/gpu")


def test_a_duplicate_key_in_a_pod_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """kubectl reads a Pod manifest with a key given twice and keeps the last value (kubernetes
    issues 89303, 125885): so does podfit, with a warning; --strict refuses it."""
    pod = tmp_path / "pod.yaml"
    pod.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec:\n  containers:\n  - name: c\n    image: a\n"
        "    image: b\n    resources: {limits: {cpu: '2', memory: 1Gi}}\n"
    )
    assert main(["simulate", "--preset", "laptop-8c16t", "-f", str(pod), "-o", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [w["code"] for w in out["warnings"]] == ["DuplicateKey"]
    assert main(["simulate", "--preset", "laptop-8c16t", "-f", str(pod), "--strict"]) == 2


def test_every_code_is_documented() -> None:
    doc = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"`{code}`" in doc, code


def _plr_ml(name: str, app_memory: str) -> dict[str, Any]:
    pod = _pod(name, {"cpu": "2", "memory": app_memory}, {"cpu": "4", "memory": "40Gi"})
    return pod


def test_a_rejection_the_pod_itself_causes_is_not_labelled() -> None:
    """The #138770 label needs the defect to be the cause: when the Guaranteed container's own
    memory no longer fits any NUMA node, the memory manager's rejection is not the defect's."""
    config: dict[str, Any] = {
        "topologyManagerScope": "container",
        "memoryManagerPolicy": "Static",
        "kubeReserved": {"memory": "1Gi"},
        "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
        "featureGates": {"PodLevelResourceManagers": True},
    }
    bug = _run([{"add": _plr_ml("ml", "8Gi")}], **config)
    assert bug["steps"][0]["knownIssue"]["id"] == "kubernetes#138770"
    fill = [{"add": _pod(f"big{n}", {"cpu": "1", "memory": "62Gi"})} for n in range(2)]
    out = _run([*fill, {"add": _plr_ml("ml", "8Gi")}], **config)
    ml = out["steps"][-1]
    assert not ml["admitted"] and ml["knownIssue"] is None, ml["reason"]
    assert [w["code"] for w in out["warnings"]] == []
