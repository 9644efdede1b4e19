"""Kubelet restarts with devices: the old kubelet's ``device-plugins/kubelet_internal_checkpoint``
read back by the new one (``readCheckpoint``), the running pods' containers keeping their devices
at their re-admission (``devicesToAllocate``), and a file the kubelet cannot read.

A 2-NUMA node with 2 GPUs per NUMA node, CPU manager ``static`` and ``single-numa-node``: pod ``a``
takes 1 GPU (and CPUs 1-2) on NUMA 0, pod ``b`` 2 GPUs on NUMA 1 (CPUs 4-5). Expectations worked
out from devicemanager/manager.go and topology_hints.go (v1.33.5, v1.36.2).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.api.scenario import scenario_from_dict
from podfit.checkpoint.devices import READ_FAILED
from podfit.cli.main import main
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.node import Node, start_node
from podfit.kubelet.restart import KEPT, PodHeld, RestartResult, readmission_phase
from podfit.kubelet.restart_files import restored_from_files, written_files
from podfit.kubelet.simulation import SimulationResult, simulate
from podfit.report.json_result import result_to_json

GPU = "nvidia.com/gpu"
G00, G01 = f"{GPU}#000#00000", f"{GPU}#000#00001"
G10, G11 = f"{GPU}#001#00000", f"{GPU}#001#00001"
DEVICE_FILE = "device-plugins/kubelet_internal_checkpoint"
MACHINE = {
    "sockets": 2,
    "numaNodesPerSocket": 1,
    "coresPerNUMANode": 4,
    "threadsPerCore": 1,
    "devices": [{"resource": GPU, "numaNode": 0, "count": 2}, {"resource": GPU, "numaNode": 1, "count": 2}],
}
CONFIG = {
    "apiVersion": "kubelet.config.k8s.io/v1beta1",
    "kind": "KubeletConfiguration",
    "cpuManagerPolicy": "static",
    "reservedSystemCPUs": "0",
    "topologyManagerPolicy": "single-numa-node",
}


def _pod(name: str, gpus: int, cpu: str = "2") -> dict[str, Any]:
    r = {"cpu": cpu, "memory": "1Gi", GPU: str(gpus)}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "trainer", "resources": {"requests": r, "limits": r}}]},
    }


def _doc(events: list[Any], version: str = "1.36") -> dict[str, Any]:
    return {
        "kind": "Scenario",
        "metadata": {"name": "gpus"},
        "node": {"machine": MACHINE, "kubeletVersion": version},
        "kubeletConfig": CONFIG,
        "events": events,
    }


def _run(events: list[Any], version: str = "1.36") -> SimulationResult:
    return simulate(scenario_from_dict(_doc(events, version)))


def _devices(result: SimulationResult, name: str) -> dict[str, frozenset[str]]:
    assert result.node is not None
    pod = next(p for p in result.node.pods if p.name == name)
    return dict(result.node.managers.pod_devices(pod.uid) or {})


BEFORE = [{"add": _pod("a", 1)}, {"add": _pod("b", 2)}, {"start": "default/a"}, {"start": "default/b"}]


@pytest.mark.parametrize(
    ("old", "new"), [("1.33", "1.33"), ("1.35", "1.36"), ("1.36", "1.36"), ("1.36", "1.37"), ("1.37", "1.37")]
)
def test_a_restart_keeps_every_pods_devices(old: str, new: str) -> None:
    result = _run([*BEFORE, {"restart": {"kubeletVersion": new}}, {"add": _pod("c", 1, "1")}], old)
    (restart,) = [s for s in result.steps if isinstance(s, RestartResult)]
    assert [(f.file, f.written_as, f.read_as, f.status) for f in restart.files][2] == (
        DEVICE_FILE,
        "V2",
        "V2",
        "ok",
    )
    assert [(p.pod, p.outcome, p.changes) for p in restart.pods] == [
        ("default/a", KEPT, ()),
        ("default/b", KEPT, ()),
    ]
    assert restart.pods[0].after is not None and restart.pods[0].after.devices == (("trainer", (G00,)),)
    assert restart.pods[1].before.devices == (("trainer", (G10, G11)),)
    # the restored devices are in use: the new pod gets the free GPU of NUMA 0 (without them: G00)
    assert _devices(result, "c") == {"trainer": frozenset({G01})}
    # re-admission regenerates the hint from the devices held (NUMA 1 for b)
    assert restart.pods[1].step.container_hints is not None
    assert restart.pods[1].step.container_hints["trainer"].numa_affinity == (1,)


def test_the_restart_step_lists_the_device_file_and_each_containers_devices() -> None:
    doc = result_to_json(_run([*BEFORE, {"restart": {}}]))
    (step,) = [s for s in doc["steps"] if s["op"] == "restart"]
    assert [c["file"] for c in step["checkpoints"]] == [
        "cpu_manager_state",
        "memory_manager_state",
        DEVICE_FILE,
    ]
    b = step["pods"][1]
    assert b["before"]["containers"][0]["devices"] == [G10, G11] == b["after"]["containers"][0]["devices"]


def test_a_node_without_device_plugins_lists_no_device_file() -> None:
    machine = {k: v for k, v in MACHINE.items() if k != "devices"}
    doc = _doc([{"add": _pod("a", 0)}, {"restart": {}}])
    doc["node"]["machine"] = machine
    doc["events"][0]["add"]["spec"]["containers"][0]["resources"] = {
        "requests": {"cpu": "2", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }
    out = result_to_json(simulate(scenario_from_dict(doc)))
    (step,) = [s for s in out["steps"] if s["op"] == "restart"]
    assert [c["file"] for c in step["checkpoints"]] == ["cpu_manager_state", "memory_manager_state"]
    assert "devices" not in step["pods"][0]["before"]["containers"][0]


def test_a_restart_after_a_pod_left_does_not_restore_its_devices() -> None:
    result = _run([*BEFORE, {"remove": "default/b"}, {"restart": {}}, {"add": _pod("c", 2)}])
    assert _devices(result, "c") == {"trainer": frozenset({G10, G11})}


# ----- --restore-from: files written by simulate --checkpoint-dir, intact and damaged -----------------------
def _write(tmp_path: Path, events: list[Any]) -> tuple[Path, Path]:
    scenario, state = tmp_path / "s.yaml", tmp_path / "state"
    scenario.write_text(yaml.safe_dump(_doc(events)))
    assert main(["simulate", str(scenario), "-o", "json", "--checkpoint-dir", str(state)]) == 0
    return scenario, state


def _restore(scenario: Path, state: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["simulate", str(scenario), "-o", "json", "--restore-from", str(state)]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_restore_from_round_trips_the_device_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario, state = _write(tmp_path, [{"add": _pod("a", 1)}, {"add": _pod("b", 2)}])
    written = (state / DEVICE_FILE).read_bytes()
    out = _restore(scenario, state, capsys)
    files = out["restoredFrom"]["checkpoints"]
    assert files[2] == {"file": DEVICE_FILE, "written": None, "read": "V2", "status": "ok", "message": None}
    pods = out["restoredFrom"]["pods"]
    assert [(p["pod"], p["outcome"]) for p in pods] == [("default/a", KEPT), ("default/b", KEPT)]
    assert pods[0]["after"]["containers"][0]["devices"] == [G00]
    # the restored node writes the same file again
    again = tmp_path / "again"
    assert (
        main(["simulate", str(scenario), "--restore-from", str(state), "--checkpoint-dir", str(again)]) == 0
    )
    assert (again / DEVICE_FILE).read_bytes() == written


def test_a_damaged_device_file_starts_the_device_manager_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The device manager logs the error and starts with no allocations (the kubelet starts). The
    re-admitted pods ran when the kubelet started, and come before the pod sources are ready:
    ``devicesToAllocate`` leaves a running container alone, so they are admitted holding no device
    -- and a pod added afterwards is given a GPU pod ``a`` still uses."""
    events = [{"add": _pod("a", 1)}, {"add": _pod("b", 2)}, {"add": _pod("c", 1, "1")}]
    scenario, state = _write(tmp_path, events[:2])
    damaged = state / DEVICE_FILE
    damaged.write_text(damaged.read_text().replace('"Checksum":', '"Checksum":1'))
    scenario.write_text(yaml.safe_dump(_doc(events)))
    out = _restore(scenario, state, capsys)
    (device,) = [f for f in out["restoredFrom"]["checkpoints"] if f["file"] == DEVICE_FILE]
    assert device["status"] == "unreadable" and device["read"] is None
    assert device["message"] == f'"{READ_FAILED}" err="checkpoint is corrupted"'
    assert out["error"] is None  # it never stops the kubelet
    pods = out["restoredFrom"]["pods"]
    assert [p["outcome"] for p in pods] == [KEPT, KEPT]  # CPUs and memory restored: same
    assert pods[0]["after"]["containers"][0]["devices"] == []  # but no device any more
    # the scenario's "c" is a new pod: it gets G00, which a's container still uses
    add_c = next(s for s in out["steps"] if s.get("pod") == "default/c")
    assert add_c["admitted"]
    (devices,) = add_c["podResources"]["containers"][0]["devices"]
    assert devices["deviceIds"] == [G00]


@pytest.mark.parametrize("running", [False, True])
def test_a_damaged_device_file_allocates_afresh_unless_the_container_runs(running: bool) -> None:
    """Pods admitted but never started (no ``start`` event) are not running at the kubelet's start:
    their re-admission allocates devices again, aligned with the CPUs they kept. Started pods'
    containers run: left alone, they hold no device."""
    before = _run([{"add": _pod("b", 2)}, {"add": _pod("a", 1)}])
    node = before.node
    assert node is not None
    cpu, memory, _, _ = written_files(node, "1.36")
    restored, files = restored_from_files(cpu, memory, node.config, "1.36", devices=b"{not json")
    assert files[2].status == "unreadable" and "invalid character" in files[2].message
    assert isinstance(restored, RestoredState) and restored.devices is None
    if running:
        restored = replace(restored, running=frozenset((p.uid, "trainer") for p in node.pods))
    started = start_node(node.machine, node.config, restored)
    assert isinstance(started, Node)
    readmission_phase(started, True)
    assert all(started.admit(p).admitted for p in node.pods)
    got = {p.name: started.managers.pod_devices(p.uid) for p in node.pods}
    if running:
        assert got == {"b": None, "a": None}
    else:
        assert got == {"b": {"trainer": frozenset({G00, G01})}, "a": {"trainer": frozenset({G10})}}


@pytest.mark.parametrize("scope", ["container", "pod"])
def test_an_init_container_and_the_app_container_reusing_its_gpu_keep_them(scope: str) -> None:
    """Pod ``m``: an init container with 1 GPU, two app containers with 1 GPU each (``x`` reuses the
    init container's). Pod scope: the pod's hint is regenerated from the 2 GPUs the pod holds
    (``podDevices``), which its request (max(1, 1 + 1) = 2) matches."""
    r = {"cpu": "1", "memory": "1Gi", GPU: "1"}
    m = _pod("m", 1)
    m["spec"] = {
        "initContainers": [{"name": "prep", "resources": {"requests": r, "limits": r}}],
        "containers": [{"name": n, "resources": {"requests": r, "limits": r}} for n in ("x", "y")],
    }
    doc = _doc([{"add": _pod("a", 1)}, {"add": m}, {"start": "default/m"}, {"restart": {}}])
    doc["kubeletConfig"] = {**CONFIG, "topologyManagerScope": scope}
    result = simulate(scenario_from_dict(doc))
    (restart,) = [s for s in result.steps if isinstance(s, RestartResult)]
    pod_m = restart.pods[1]
    assert (pod_m.outcome, pod_m.changes) == (KEPT, ())
    assert pod_m.after is not None and pod_m.after.devices == pod_m.before.devices
    held = dict(pod_m.before.devices)
    assert held["prep"] == held["x"] and len({*held["x"], *held["y"]}) == 2


def test_a_damaged_device_file_warns_about_the_running_containers_left_without_devices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One ``DeviceCheckpointUnreadable`` warning names every re-admitted running container that
    holds no device and the consequence; an intact file gives none."""
    events = [{"add": _pod("a", 1)}, {"add": _pod("b", 2)}, {"add": _pod("c", 1, "1")}]
    scenario, state = _write(tmp_path, events[:2])
    scenario.write_text(yaml.safe_dump(_doc(events)))
    intact = _restore(scenario, state, capsys)
    assert "DeviceCheckpointUnreadable" not in [w["code"] for w in intact["warnings"]]
    damaged = state / DEVICE_FILE
    damaged.write_text(damaged.read_text().replace('"Checksum":', '"Checksum":1'))
    out = _restore(scenario, state, capsys)
    (warning,) = [w for w in out["warnings"] if w["code"] == "DeviceCheckpointUnreadable"]
    assert warning["pod"] == "default/a"
    message = warning["message"]
    assert message.startswith(f"--restore-from: the device manager could not read {DEVICE_FILE}")
    assert "pods default/a (container trainer), default/b (container trainer)" in message
    assert "a later pod may be given a device still in use" in message


def test_the_warning_names_only_running_containers_holding_no_device() -> None:
    """The restart event's path: pods never started are not running (their re-admission allocates
    devices again); an unreadable file is the only trigger."""
    from podfit.kubelet.restart import pod_restart
    from podfit.kubelet.restart_files import FileRead
    from podfit.kubelet.run_warnings import device_checkpoint_unreadable

    before = _run([{"add": _pod("b", 2)}, {"add": _pod("a", 1)}])
    node = before.node
    assert node is not None
    cpu, memory, _, _ = written_files(node, "1.36")
    restored, files = restored_from_files(cpu, memory, node.config, "1.36", devices=b"{not json")
    assert isinstance(restored, RestoredState)
    b, a = node.pods
    restored = replace(restored, running=frozenset({(a.uid, "trainer")}))  # only a was started
    started = start_node(node.machine, node.config, restored)
    assert isinstance(started, Node)
    readmission_phase(started, True)
    pairs = [(p, pod_restart(p, PodHeld((), None), started.admit(p), started)) for p in (b, a)]
    got = device_checkpoint_unreadable(files, [(a, pairs[1][1])], "steps[4]")
    assert got is not None and got.code == "DeviceCheckpointUnreadable" and got.pod == "default/a"
    assert got.message.startswith("steps[4]: ") and "pod default/a (container trainer)" in got.message
    # b was not running: it got its GPUs again, nothing to warn about
    assert device_checkpoint_unreadable(files, [(b, pairs[0][1])], "steps[4]") is None
    ok = tuple(replace(f, status="ok") if f.file == DEVICE_FILE else f for f in files)
    assert isinstance(ok[2], FileRead) and device_checkpoint_unreadable(ok, pairs[1:], "x") is None
