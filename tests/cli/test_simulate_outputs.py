"""`podfit simulate` side outputs: checkpoint files, restart from them, the HTML page, metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podfit.checkpoint.cpu import decode_cpu_checkpoint
from podfit.cli.main import main

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "kep5526-tightly-coupled-database.yaml")


def test_checkpoint_dir_holds_the_kubelets_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", EXAMPLE, "-o", "json", "--checkpoint-dir", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    cpu = decode_cpu_checkpoint(
        (tmp_path / "cpu_manager_state").read_bytes(), policy_name="static", pod_level_gate=True
    )
    (step,) = result["steps"]
    assert cpu.get_pod_cpu_set(step["uid"]) is not None
    raw = json.loads((tmp_path / "cpu_manager_state").read_text())
    assert raw["podEntries"][step["uid"]] == {"cpuSet": "1-4,17-20"}  # V3: the pod-level budget
    assert raw["defaultCpuSet"] == step["defaultCPUSet"]
    assert (tmp_path / "memory_manager_state").exists()


def test_restart_from_a_corrupted_checkpoint_is_the_kubelets_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", EXAMPLE, "-o", "json", "--checkpoint-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    state = tmp_path / "cpu_manager_state"
    state.write_text(state.read_text().replace('"defaultCpuSet":"0', '"defaultCpuSet":"1'))
    assert main(["simulate", EXAMPLE, "-o", "json", "--restore-from", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["steps"] == []
    assert out["error"]["reason"] == "CPUManagerError"
    # the V3 checksum fails, the kubelet falls back to the older formats and reports the last
    # reader's error (the V1 reader cannot take the V3 entries; Go's v1 encoding/json leaves the
    # map key out of the field path)
    assert out["error"]["message"].startswith(
        "could not restore state from checkpoint: json: cannot unmarshal object into Go struct field "
        "CPUManagerCheckpointV1.entries of type string, "
    )
    assert "please drain this node and delete the CPU manager checkpoint file" in out["error"]["message"]


def test_restart_with_another_policy_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cpu_manager_state").write_text('{"policyName":"none","defaultCpuSet":"","checksum":0}')
    assert main(["simulate", EXAMPLE, "-o", "json", "--restore-from", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert 'configured policy "static" differs from state checkpoint policy "none"' in out["error"]["message"]


def test_restart_from_an_empty_directory_is_a_fresh_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", EXAMPLE, "-o", "json", "--restore-from", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["error"] is None and out["steps"][0]["podCPUs"] == "1-4,17-20"


def test_html_page_and_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page, metrics = tmp_path / "out" / "page.html", tmp_path / "metrics.prom"
    assert main(["simulate", "--html", str(page), "--metrics", str(metrics)]) == 0
    captured = capsys.readouterr()
    assert f"CPU map: {page.resolve()}" in captured.out
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert "resource_manager_container_assignments" in metrics.read_text()
