"""``podfit simulate --restore-from DIR --kubelet-version X``: real files read as release X reads them,
and the scenario's pods (the running ones) admitted again; ``--checkpoint-dir`` writes as the release
running at the end writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from podfit.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DATABASE = EXAMPLES / "kep5526-tightly-coupled-database.yaml"


def _json(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    return json.loads(capsys.readouterr().out)


def _write_136(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(DATABASE), "-o", "json", "--checkpoint-dir", str(state)]) == 0
    capsys.readouterr()
    assert '"podEntries"' in (state / "cpu_manager_state").read_text()  # V3: 1.36 with the gate on


def test_1_37_reads_the_1_36_files_and_keeps_the_pod(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_136(tmp_path, capsys)
    args = [
        "simulate",
        str(DATABASE),
        "-o",
        "json",
        "--restore-from",
        str(tmp_path),
        "--kubelet-version",
        "1.37",
    ]
    assert main(args) == 0
    doc = _json(capsys)
    restored = doc["restoredFrom"]
    assert restored["kubeletVersion"] == "1.37"
    assert [(c["file"], c["read"], c["status"]) for c in restored["checkpoints"]] == [
        ("cpu_manager_state", "V3", "ok"),
        ("memory_manager_state", "V2", "ok"),
    ]
    assert [(p["pod"], p["outcome"]) for p in restored["pods"]] == [("default/orders-db-0", "kept")]
    assert doc["steps"][0]["podCPUs"] == "1-4,17-20"


def test_1_36_itself_rejects_its_running_pod(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_136(tmp_path, capsys)
    assert main(["simulate", str(DATABASE), "-o", "json", "--restore-from", str(tmp_path)]) == 0
    (pod,) = _json(capsys)["restoredFrom"]["pods"]
    assert (pod["outcome"], pod["reason"]) == ("rejected", "TopologyAffinityError")


def test_1_35_refuses_the_1_36_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    _write_136(state, capsys)
    doc = yaml.safe_load(DATABASE.read_text())
    del doc["kubeletConfig"]["featureGates"]["PodLevelResourceManagers"]  # a 1.35 kubelet knows no such gate
    scenario = tmp_path / "db.yaml"
    scenario.write_text(yaml.safe_dump(doc))
    args = [
        "simulate",
        str(scenario),
        "-o",
        "json",
        "--restore-from",
        str(state),
        "--kubelet-version",
        "1.35",
    ]
    assert main(args) == 0
    out = _json(capsys)
    assert out["steps"] == []
    assert out["error"]["reason"] == "CPUManagerError"
    assert out["error"]["message"] == (
        "could not restore state from checkpoint: checkpoint is corrupted, please drain this node and delete "
        f'the CPU manager checkpoint file "{state}/cpu_manager_state" before restarting Kubelet'
    )
    assert out["restoredFrom"]["checkpoints"][0]["status"] == "refused"
    # keeping the gate: the 1.35 kubelet does not get as far as the files
    keep = [
        "simulate",
        str(DATABASE),
        "-o",
        "json",
        "--restore-from",
        str(state),
        "--kubelet-version",
        "1.35",
    ]
    assert main(keep) == 0
    assert _json(capsys)["error"] == {
        "reason": "KubeletConfigInvalid",
        "message": "unrecognized feature gate: PodLevelResourceManagers",
    }


def test_checkpoint_dir_writes_as_the_last_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = EXAMPLES / "upgrade-kep5526-database-restart.yaml"  # 1.36, then restarted as 1.37
    assert main(["simulate", str(scenario), "-o", "json", "--checkpoint-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    cpu = json.loads((tmp_path / "cpu_manager_state").read_text())
    memory = json.loads((tmp_path / "memory_manager_state").read_text())
    assert list(cpu) == ["policyName", "defaultCpuSet", "entries", "checksum", "data", "dataChecksum"]  # V4
    assert list(memory)[-2:] == ["data", "dataChecksum"]  # memory V3


def test_table_shows_the_restart(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(EXAMPLES / "upgrade-kep5526-database-restart.yaml")]) == 0
    out = capsys.readouterr().out
    assert "kubelet restarted v1.36 -> 1.37" in out
    assert "cpu_manager_state: written V3, read as V3" in out
    assert out.count("kept") >= 6
