"""Bad input never escapes as a traceback: exit 2 and one line naming the file and field."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.cli.main import main

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "malformed_inputs.yaml").read_text())

BASE: dict[str, Any] = yaml.safe_load(
    """
kind: Scenario
metadata: {name: base}
node:
  machine: {sockets: 2, numaNodesPerSocket: 1, coresPerNUMANode: 4, threadsPerCore: 2}
kubeletConfig:
  apiVersion: kubelet.config.k8s.io/v1beta1
  kind: KubeletConfiguration
  cpuManagerPolicy: static
  reservedSystemCPUs: "0"
events:
  - add:
      apiVersion: v1
      kind: Pod
      metadata: {name: db, namespace: default}
      spec:
        resources:
          requests: {cpu: "8", memory: 16Gi}
          limits: {cpu: "8", memory: 16Gi}
        containers:
          - name: database
            image: postgres:17
            resources:
              requests: {cpu: "6", memory: 8Gi}
              limits: {cpu: "6", memory: 8Gi}
"""
)

_TOKEN = re.compile(r"\['([^']+)'\]|\[(\d+)\]|\.?([^.\[\]]+)")


def _path(path: str) -> list[str | int]:
    out: list[str | int] = []
    for quoted, index, name in _TOKEN.findall(path):
        out.append(int(index) if index else (quoted or name))
    return out


def _walk(doc: Any, parts: list[str | int]) -> Any:
    for p in parts:
        doc = doc[p]
    return doc


def _patched(case: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    for path in case.get("delete", []):
        parts = _path(path)
        del _walk(doc, parts[:-1])[parts[-1]]
    for path, value in case.get("set", {}).items():
        parts = _path(path)
        parent = doc
        for p in parts[:-1]:
            parent = parent.setdefault(p, {}) if isinstance(p, str) else parent[p]
        parent[parts[-1]] = value
    return doc


def _preset() -> str:
    from podfit.api.presets import PRESETS

    return sorted(PRESETS)[0]


def _write_case(case: dict[str, Any], tmp: Path) -> Path:
    scenario = tmp / case.get("name", "scenario.yaml")
    if "raw" in case:
        scenario.write_bytes(bytes.fromhex(case["raw"]))
    elif "text" in case:
        scenario.write_text(case["text"])
    else:
        scenario.write_text(yaml.safe_dump(_patched(case), sort_keys=False))
    return scenario


def _args(case: dict[str, Any], scenario: Path, tmp: Path) -> list[str]:
    args = case.get("args", ["simulate", "{scenario}"])
    values = {"scenario": str(scenario), "tmp": str(tmp)}
    if any("{preset}" in a for a in args):
        values["preset"] = _preset()
    return [a.format(**values) for a in args]


def test_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30
    assert len({c["id"] for c in CASES}) == len(CASES)


def test_base_scenario_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(BASE))
    assert main(["simulate", str(scenario), "--output", "json"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_malformed_input(case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _write_case(case, tmp_path)
    code = main(_args(case, scenario, tmp_path))
    out = capsys.readouterr()
    lines = out.err.splitlines()
    assert code == 2, out.err
    assert len(lines) == 1, out.err
    assert lines[0].startswith("podfit: error: "), lines[0]
    assert case["expect"] in lines[0], lines[0]
    assert "Traceback" not in out.err + out.out


def test_no_traceback_escapes_the_process(tmp_path: Path) -> None:
    """The installed entry point, not just main(): a broken file exits 2 with one line."""
    scenario = tmp_path / "broken.yaml"
    scenario.write_text("kind: Scenario\nnode: [")
    proc = subprocess.run(
        [sys.executable, "-m", "podfit.cli.main", "simulate", str(scenario)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"podfit: error: {scenario}: invalid YAML")
