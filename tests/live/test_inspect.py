"""``inspect``: a simulated node's bundle inspects to the simulation's CPU map; injected drift is
reported; damaged files are one-line diagnoses (exit 2 only when nothing usable is left)."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.live.conftest import EXAMPLES, KEP5526, MEMORY, scenario

from podfit.api.machine_build import machine_to_dict
from podfit.checkpoint.cpu import encode_cpu_checkpoint
from podfit.cli.main import main
from podfit.cpu.state import CPUState
from podfit.io.checkpoints import write_checkpoints
from podfit.kubelet.simulation import simulate
from podfit.live.bundle import read_bundle
from podfit.live.inspect import Inspection, inspect_bundle
from podfit.live.inspect_load import load
from podfit.live.simulated import SimulatedNode, simulated_node
from podfit.live.values import pods_to_json
from podfit.report.frames import build_frames
from podfit.report.json_result import result_to_json

HUGEPAGES = EXAMPLES / "memory-manager-hugepages.yaml"


def node_dir(
    root: Path,
    path: Path,
    *,
    step: int | None = None,
    drop_pods: tuple[str, ...] = (),
    pods: bool = True,
    podresources: bool = True,
) -> tuple[Path, SimulatedNode]:
    """A plain directory as ``simulate --checkpoint-dir`` plus the machine, the kubelet config, the
    pod list and the PodResources answer of the simulated node."""
    sim = simulated_node(scenario(path), step)
    write_checkpoints(root, sim.node)
    (root / "machine.yaml").write_text(yaml.safe_dump({"node": machine_to_dict(sim.scenario.machine)}))
    raw = yaml.safe_load(path.read_text())
    (root / "config.yaml").write_text(yaml.safe_dump(raw["kubeletConfig"]))
    if pods:
        doc = sim.pods_document()
        doc["items"] = [i for i in doc["items"] if i["metadata"]["name"] not in drop_pods]  # type: ignore[index]
        (root / "pods.json").write_text(json.dumps(doc))
    if podresources:
        (root / "podresources").mkdir()
        (root / "podresources" / "list.json").write_text(json.dumps(pods_to_json(sim.source().pods)))
    return root, sim


def owners(doc: dict[str, Any]) -> dict[int, tuple[str, str | None, tuple[str, ...]]]:
    frame = build_frames(doc)[-1]
    return {cpu: (o.kind, o.pod, tuple(sorted(o.containers))) for cpu, o in frame.owners.items()}


CPU_MAP_SCENARIOS = [
    KEP5526,
    MEMORY,
    EXAMPLES / "cpu-static-qos-classes.yaml",
    EXAMPLES / "kep5526-ml-workload-single-numa-node.yaml",
    EXAMPLES / "topology-policy-single-numa-node.yaml",
]


@pytest.mark.parametrize("path", CPU_MAP_SCENARIOS, ids=lambda p: p.stem)
def test_inspect_draws_the_simulation_cpu_map(tmp_path: Path, path: Path) -> None:
    directory, _ = node_dir(tmp_path, path)
    ins = inspect_bundle(directory)
    assert ins.refusal is None and ins.node is not None
    assert ins.result is not None
    assert owners(result_to_json(ins.result)) == owners(result_to_json(simulate(scenario(path))))
    assert ins.findings == []


def test_captured_bundle_of_a_served_node_inspects_to_the_simulation(sock_dir: Path, tmp_path: Path) -> None:
    """simulate -> checkpoint files + served PodResources -> capture-node -> inspect."""
    pytest.importorskip("grpc", reason="the 'live' extra is not installed")
    from tests.live.test_capture_node import make_root

    from podfit.live.server import serve

    sim = simulated_node(scenario(KEP5526))
    root = make_root(sock_dir, sim)
    raw = yaml.safe_load(KEP5526.read_text())
    (root / "etc/kubernetes/kubelet.yaml").write_text(yaml.safe_dump(raw["kubeletConfig"]))
    (tmp_path / "pods.json").write_text(json.dumps(sim.pods_document()))
    server, _ = serve(sim.source(), root / "var/lib/kubelet/pod-resources/kubelet.sock")
    try:
        out = tmp_path / "node.tar.gz"
        assert (
            main(["capture-node", "--root", str(root), "--pods", str(tmp_path / "pods.json"), "-o", str(out)])
            == 0
        )
    finally:
        server.stop(0).wait()
    ins = inspect_bundle(out)
    assert ins.loaded.machine == sim.scenario.machine  # from the captured sysfs files
    assert ins.loaded.listed == sim.source().pods
    assert ins.result is not None
    assert owners(result_to_json(ins.result)) == owners(result_to_json(sim.result))
    assert ins.findings == []
    assert main(["inspect", str(out), "-o", "json"]) == 0


def test_simulate_checkpoint_dir_output_is_loadable(tmp_path: Path, capsys: Any) -> None:
    state = tmp_path / "state"
    assert main(["simulate", str(KEP5526), "--checkpoint-dir", str(state), "-o", "json"]) == 0
    capsys.readouterr()
    assert main(["inspect", str(state)]) == 0  # the files alone: read with their own policy names
    out = capsys.readouterr().out
    assert "kubelet/cpu_manager_state: ok" in out and "kubelet/memory_manager_state: ok" in out
    assert "pod_exclusive" in out and "pod_shared" in out


# ----- injected drift ------------------------------------------------------------------------------
def _edit_cpu(directory: Path, sim: SimulatedNode, edit: Callable[[CPUState, dict[str, str]], None]) -> None:
    state = sim.node.managers.cpu.state
    copy = CPUState(state.get_default_cpu_set(), state.get_cpu_assignments(), state.get_pod_cpu_assignments())
    edit(copy, {p.key: p.uid for p in sim.node.pods})
    data = encode_cpu_checkpoint(
        copy,
        "static",
        pod_level_gate=sim.scenario.kubelet_config.feature_gates.enabled("PodLevelResourceManagers"),
    )
    (directory / "cpu_manager_state").write_bytes(data)


def _kinds(ins: Inspection) -> list[str]:
    return [f.kind for f in ins.findings]


def test_deleted_pod_is_reported(tmp_path: Path) -> None:
    sim = simulated_node(scenario(HUGEPAGES))
    gone = sim.node.pods[1]
    directory, _ = node_dir(tmp_path, HUGEPAGES, drop_pods=(gone.name,))
    uid = gone.uid
    ins = inspect_bundle(directory)
    deleted = [f for f in ins.findings if f.kind == "deleted-pod"]
    assert {f.pod for f in deleted} == {uid}
    assert any("is not on the node (deleted)" in f.message for f in deleted)
    assert "not-in-pod-list" in _kinds(ins)  # PodResources still lists it


def test_leaked_cpu_is_held_by_nobody(tmp_path: Path) -> None:
    directory, sim = node_dir(tmp_path, HUGEPAGES)
    free = sim.node.default_cpuset & ~sim.node.reserved_cpus
    leaked = free & -free  # the lowest free CPU
    _edit_cpu(directory, sim, lambda s, _: s.set_default_cpu_set(s.get_default_cpu_set() & ~leaked))
    ins = inspect_bundle(directory)
    (finding,) = [f for f in ins.findings if f.kind == "cpus-held-by-nobody"]
    assert finding.cpus == leaked
    # the static policy's start-up validation refuses the state, as the kubelet would
    assert ins.refusal is not None and ins.refusal.reason == "CPUManagerError"


def test_cpu_owned_twice_is_reported(tmp_path: Path) -> None:
    directory, sim = node_dir(tmp_path, HUGEPAGES)
    pods = [p for p in sim.node.pods if sim.node.managers.cpu.state.get_cpu_assignments().get(p.uid)]
    a, b = pods[0], pods[1]

    def edit(s: CPUState, _: dict[str, str]) -> None:
        ((_, cpus_a),) = s.get_cpu_assignments()[a.uid].items()
        name_b = next(iter(s.get_cpu_assignments()[b.uid]))
        s.set_cpu_set(b.uid, name_b, s.get_cpu_set(b.uid, name_b) | (cpus_a & -cpus_a))

    _edit_cpu(directory, sim, edit)
    ins = inspect_bundle(directory)
    twice = [f for f in ins.findings if f.kind == "cpu-owned-twice"]
    assert len(twice) == 1 and f"and by pod {b.key}" in twice[0].message
    assert "podresources-mismatch" in _kinds(ins)  # PodResources still reports the old set


def test_budget_that_does_not_cover_its_containers(tmp_path: Path) -> None:
    directory, sim = node_dir(tmp_path, KEP5526, step=1)
    (pod,) = sim.node.pods

    def edit(s: CPUState, _: dict[str, str]) -> None:
        budget = s.get_pod_cpu_set(pod.uid)
        s.set_pod_cpu_set(pod.uid, budget & ~(budget & -budget))  # the budget loses its lowest CPU

    _edit_cpu(directory, sim, edit)
    ins = inspect_bundle(directory)
    assert "budget-does-not-cover" in _kinds(ins)
    assert "cpus-held-by-nobody" not in _kinds(ins)  # the container still holds it


def test_missing_container_and_unknown_container(tmp_path: Path) -> None:
    directory, sim = node_dir(tmp_path, HUGEPAGES)
    pod = next(p for p in sim.node.pods if sim.node.managers.cpu.state.get_cpu_assignments().get(p.uid))

    def edit(s: CPUState, _: dict[str, str]) -> None:
        ((name, cpus),) = s.get_cpu_assignments()[pod.uid].items()
        s.delete(pod.uid, name)
        s.set_cpu_set(pod.uid, "ghost", cpus)

    _edit_cpu(directory, sim, edit)
    kinds = _kinds(inspect_bundle(directory))
    assert "missing-container" in kinds and "unknown-container" in kinds


# ----- damaged files --------------------------------------------------------------------------------
GOOD_MEMORY = "keep"
DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda d: d[: len(d) // 2],
    "empty": lambda d: b"",
    "binary": lambda d: bytes(range(256)) * 4,
    "wrong-checksum": lambda d: d.replace(b'"checksum":', b'"checksum":1', 1),
    "hand-edited": lambda d: (
        d.replace(b'"defaultCpuSet":"0', b'"defaultCpuSet":"0,', 1)
        if b'"defaultCpuSet":"0' in d
        else d.replace(b'"defaultCpuSet":"', b'"defaultCpuSet":"31,', 1)
    ),
    "wrong-policy": lambda d: d.replace(b'"policyName":"static"', b'"policyName":"none"'),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_cpu_file_is_the_kubelet_refusal_and_the_rest_still_shows(
    tmp_path: Path, damage: str, capsys: Any
) -> None:
    directory, _ = node_dir(tmp_path, MEMORY)
    cpu = directory / "cpu_manager_state"
    cpu.write_bytes(DAMAGE[damage](cpu.read_bytes()))
    code = main(["inspect", str(directory)])
    captured = capsys.readouterr()
    assert code == 0, captured.err  # the memory file and PodResources are still usable
    (line,) = [x for x in captured.out.splitlines() if x.startswith("kubelet/cpu_manager_state: refused")]
    assert "could not restore state from checkpoint: " in line
    assert "please drain this node and delete the CPU manager checkpoint file" in line
    assert "the kubelet would not restart on this state: CPUManagerError" in captured.out


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_nothing_usable_is_exit_2_with_one_line(tmp_path: Path, damage: str, capsys: Any) -> None:
    directory, _ = node_dir(tmp_path, MEMORY, pods=False, podresources=False)
    (directory / "memory_manager_state").unlink()
    (directory / "device-plugins" / "kubelet_internal_checkpoint").unlink()  # its allocations are usable
    cpu = directory / "cpu_manager_state"
    cpu.write_bytes(DAMAGE[damage](cpu.read_bytes()))
    assert main(["inspect", str(directory)]) == 2
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1 and "nothing usable: kubelet/cpu_manager_state: could not restore state" in err
    )


def test_wrong_version_says_which_gate_wrote_it(tmp_path: Path) -> None:
    directory, _ = node_dir(tmp_path, KEP5526, step=1)
    config = yaml.safe_load((directory / "config.yaml").read_text())
    config["featureGates"]["PodLevelResourceManagers"] = False
    (directory / "config.yaml").write_text(yaml.safe_dump(config))
    ins = inspect_bundle(directory)
    check = next(c for c in ins.loaded.checks if c.name == "kubelet/cpu_manager_state")
    assert check.status == "refused"
    # v1.36 gate off: V2 fails its checksum, the V1 reader then fails on the V2 entries
    assert "cannot unmarshal object into Go struct field CPUManagerCheckpointV1" in check.detail
    assert "reads with PodLevelResourceManagers on" in check.detail


def test_huge_file_is_a_note(tmp_path: Path) -> None:
    directory, _ = node_dir(tmp_path, MEMORY)
    with (directory / "cpu_manager_state").open("wb") as f:
        f.truncate(100 * 1024 * 1024)
    ins = inspect_bundle(directory)
    assert any("104857600 bytes, over the" in n for n in ins.notes)
    assert ins.loaded.cpu_state is None and ins.loaded.memory_state is not None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), "empty file (not a bundle)"),
        (lambda p: p.write_bytes(b"\x1f\x8b\x08garbage" * 10), "not a readable bundle"),
        (lambda p: p.write_bytes(bytes(range(256))), "not a readable bundle"),
    ],
)
def test_unreadable_bundle_is_exit_2(
    tmp_path: Path, make: Callable[[Path], Any], message: str, capsys: Any
) -> None:
    bundle = tmp_path / "b.tar.gz"
    make(bundle)
    assert main(["inspect", str(bundle)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_truncated_bundle_keeps_what_was_read(tmp_path: Path) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    node_dir(directory, MEMORY)
    bundle = tmp_path / "b.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        for name in ("cpu_manager_state", "memory_manager_state", "machine.yaml", "config.yaml"):
            target = {"config.yaml": "kubelet/config.yaml", "machine.yaml": "machine.yaml"}.get(
                name, f"kubelet/{name}"
            )
            tar.add(directory / name, arcname=target)
        big = tmp_path / "filler"
        big.write_bytes(bytes(range(256)) * 4096)
        tar.add(big, arcname="zz-filler")
    data = bundle.read_bytes()
    bundle.write_bytes(data[: len(data) - 2000])
    got = read_bundle(bundle)
    assert "kubelet/cpu_manager_state" in got.files
    assert any("damaged" in n or "truncated" in n for n in got.notes)
    assert inspect_bundle(bundle).loaded.cpu_state is not None


# ----- every checkpoint format ----------------------------------------------------------------------
UPSTREAM = Path(__file__).parents[1] / "upstream" / "checkpoint"


def _upstream_cases(name: str) -> list[Any]:
    cases = yaml.safe_load((UPSTREAM / name).read_text())["cases"]
    return [
        pytest.param(c, g, id=f"{c['name']}/gate={g}")
        for c in cases
        for g in c["gates"]
        if c.get("content") and not c.get("container_ids")
    ]


def _config(policy: str, gate: bool, memory: bool = False) -> str:
    key = "memoryManagerPolicy" if memory else "cpuManagerPolicy"
    return yaml.safe_dump(
        {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            key: policy,
            "featureGates": {"PodLevelResources": True, "PodLevelResourceManagers": gate},
        }
    )


@pytest.mark.parametrize(("case", "gate"), _upstream_cases("TestCheckpointStateRestore_cpu.yaml"))
def test_hand_written_cpu_files_are_checked_as_the_kubelet_checks_them(
    tmp_path: Path, case: Any, gate: bool
) -> None:
    (tmp_path / "cpu_manager_state").write_text(case["content"])
    (tmp_path / "config.yaml").write_text(_config(case["policy_name"], gate))
    check = next(c for c in load(read_bundle(tmp_path)).checks if c.name == "kubelet/cpu_manager_state")
    if "expected_error" in case:
        assert check.status == "refused"
        assert check.detail.startswith("could not restore state from checkpoint: " + case["expected_error"])
    else:
        assert check.status == "ok", check.detail


@pytest.mark.parametrize(("case", "gate"), _upstream_cases("TestCheckpointStateRestore_memory.yaml"))
def test_hand_written_memory_files_are_checked_as_the_kubelet_checks_them(
    tmp_path: Path, case: Any, gate: bool
) -> None:
    (tmp_path / "memory_manager_state").write_text(case["content"])
    (tmp_path / "config.yaml").write_text(_config(case["policy_name"], gate, memory=True))
    check = next(c for c in load(read_bundle(tmp_path)).checks if c.name == "kubelet/memory_manager_state")
    if "expected_error" in case:
        assert check.status == "refused"
        assert case["expected_error"] in check.detail
    else:
        assert check.status == "ok", check.detail


@pytest.mark.parametrize("gate", [False, True])
@pytest.mark.parametrize("path", [KEP5526, MEMORY], ids=lambda p: p.stem)
def test_files_podfit_writes_for_each_release_read_back_exactly(
    tmp_path: Path, path: Path, gate: bool
) -> None:
    """Gate off: the V2 CPU / V1 memory files of v1.33-v1.36; gate on: v1.36's V3 / V2."""
    raw = yaml.safe_load(path.read_text())
    raw["kubeletConfig"].setdefault("featureGates", {})["PodLevelResourceManagers"] = gate
    if not gate:
        raw["kubeletConfig"].pop("topologyManagerScope", None)
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(raw))
    sim = simulated_node(scenario(tmp_path / "s.yaml"))
    state = tmp_path / "state"
    write_checkpoints(state, sim.node)
    (state / "config.yaml").write_text(yaml.safe_dump(raw["kubeletConfig"]))
    ins = inspect_bundle(state)
    assert {c.status for c in ins.loaded.checks} == {"ok"}
    device_file = state / "device-plugins" / "kubelet_internal_checkpoint"
    assert len(ins.loaded.checks) == (3 if device_file.exists() else 2)
    if ins.loaded.devices is not None:
        from podfit.checkpoint.devices import encode_device_checkpoint

        assert ins.loaded.devices.checkpoint is not None
        assert encode_device_checkpoint(ins.loaded.devices.checkpoint) == device_file.read_bytes()
    cpu = ins.loaded.cpu_state
    again = tmp_path / "again"
    from podfit.checkpoint.memory import encode_memory_checkpoint

    assert (
        encode_cpu_checkpoint(cpu, sim.scenario.kubelet_config.cpu_manager_policy, pod_level_gate=gate)
        == (state / "cpu_manager_state").read_bytes()
    )
    assert (
        encode_memory_checkpoint(
            ins.loaded.memory_state,
            sim.scenario.kubelet_config.memory_manager_policy,
            pod_level_gate=gate,  # type: ignore[arg-type]
        )
        == (state / "memory_manager_state").read_bytes()
    )
    assert not again.exists()
