"""``inspect --add`` and ``--restart``: questions against the captured node."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from tests.live.conftest import KEP5526, MEMORY
from tests.live.test_inspect import HUGEPAGES, node_dir

from podfit.api.pods import pod_from_dict
from podfit.cli.main import main
from podfit.live.bundle import read_bundle
from podfit.live.inspect_load import load
from podfit.live.questions import ask

BIG = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "big", "namespace": "default"},
    "spec": {
        "containers": [
            {"name": "app", "resources": {"limits": {"cpu": "4", "memory": "1Gi", "hugepages-1Gi": "1Gi"}}}
        ]
    },
}


def test_add_is_admitted_once_the_stale_state_of_a_deleted_pod_is_released(tmp_path: Path) -> None:
    """dpdk-2 is gone from the pod list but still holds its hugepages in the checkpoint: the
    managers release it before the next allocation, so the new pod fits."""
    directory, sim = node_dir(tmp_path, HUGEPAGES, drop_pods=("dpdk-2",))
    answer = ask(load(read_bundle(directory)), add=[pod_from_dict(BIG)])
    assert answer.refusal is None
    assert [line.split(":")[0] for line in answer.released] == [
        f"pod {sim.node.pods[1].uid} container 'dataplane'"
    ] * 2
    assert [fate.startswith("admitted again, keeps") for _, fate in answer.running] == [True] * 3
    (added,) = answer.added
    assert added.admitted and added.pod == "default/big"


def test_add_is_rejected_with_the_kubelet_reason_while_the_pod_runs(tmp_path: Path, capsys: Any) -> None:
    directory, _ = node_dir(tmp_path, HUGEPAGES)
    (tmp_path / "big.yaml").write_text(yaml.safe_dump(BIG))
    assert main(["inspect", str(directory), "--add", str(tmp_path / "big.yaml"), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "would be rejected now: default/big: UnexpectedAdmissionError" in out
    assert "Shortfall" in out and "free: node0 0, node1 0" in out


def test_restart_with_the_same_configuration_keeps_every_pod(tmp_path: Path, capsys: Any) -> None:
    directory, sim = node_dir(tmp_path, HUGEPAGES)
    answer = ask(load(read_bundle(directory)))
    assert answer.refusal is None
    assert [pod for pod, _ in answer.running] == [p.key for p in sim.node.pods]
    assert all(f.startswith("admitted again, keeps its assignments") for _, f in answer.running)
    assert main(["inspect", str(directory), "--restart"]) == 0
    assert "the kubelet comes back" in capsys.readouterr().out


def test_restart_rejects_a_running_pod_level_pod_as_v136_does(tmp_path: Path) -> None:
    """The known v1.36 restart defect (kubernetes #140989 / #140906, spec-kep5526 §7.5): the
    re-admission of a pod with a pod-level budget re-runs AllocatePod without the restored entry."""
    directory, _ = node_dir(tmp_path, KEP5526)
    answer = ask(load(read_bundle(directory)))
    assert answer.refusal is None
    ((pod, fate),) = answer.running
    assert pod == "default/orders-db-0"
    assert fate.startswith("rejected at restart: TopologyAffinityError")


def test_restart_with_another_cpu_policy_is_the_kubelet_refusal(tmp_path: Path, capsys: Any) -> None:
    directory, _ = node_dir(tmp_path, MEMORY)
    config = yaml.safe_load((directory / "config.yaml").read_text())
    config["cpuManagerPolicy"] = "none"
    (tmp_path / "new.yaml").write_text(yaml.safe_dump(config))
    assert main(["inspect", str(directory), "--restart", "--kubelet-config", str(tmp_path / "new.yaml")]) == 0
    out = capsys.readouterr().out
    assert (
        "the kubelet would not come back: CPUManagerError: could not restore state from checkpoint: " in out
    )
    assert 'configured policy "none" differs from state checkpoint policy "static"' in out


def test_restart_with_other_reserved_cpus_fails_the_static_policy_validation(tmp_path: Path) -> None:
    directory, _ = node_dir(tmp_path, HUGEPAGES)
    loaded = load(read_bundle(directory))
    config = yaml.safe_load((directory / "config.yaml").read_text())
    config["reservedSystemCPUs"] = "0-1"
    from podfit.api.kubelet_config import kubelet_config_from_dict

    answer = ask(loaded, config=kubelet_config_from_dict(config))
    assert answer.refusal is not None and answer.refusal.reason == "CPUManagerError"


def test_downgrade_to_v135_refuses_the_pod_level_gate(tmp_path: Path) -> None:
    directory, _ = node_dir(tmp_path, KEP5526)
    answer = ask(load(read_bundle(directory)), version="1.35")
    assert answer.refusal is not None
    assert answer.refusal.message == "unrecognized feature gate: PodLevelResourceManagers"


def test_downgrade_to_v135_without_the_gate_comes_back(tmp_path: Path) -> None:
    directory, _ = node_dir(tmp_path, HUGEPAGES)
    answer = ask(load(read_bundle(directory)), version="1.35")
    assert answer.refusal is None and len(answer.running) == 4


def test_questions_need_a_configuration(tmp_path: Path, capsys: Any) -> None:
    directory, _ = node_dir(tmp_path, MEMORY)
    (directory / "config.yaml").unlink()
    assert main(["inspect", str(directory), "--restart"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--kubelet-config" in err
