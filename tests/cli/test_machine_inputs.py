"""Machines: ``podfit capture-machine`` output goes into ``--machine`` and a scenario's ``node:`` as
it is (a round trip through the command line), the docs' machine snippets build, and the
command-line overrides of what presets cannot know."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.io.test_sysfs import linux_rows, same_package, write_tree

from podfit.api.machines import build_machine
from podfit.cli.main import main
from podfit.io.scenario import load_scenario
from podfit.io.sysfs import machine_from_sysfs

ROOT = Path(__file__).resolve().parents[2]
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "db"},
    "spec": {
        "containers": [
            {
                "name": "db",
                "image": "db",
                "resources": {"limits": {"cpu": "2", "memory": "1Gi", "hugepages-1Gi": "2Gi"}},
            }
        ]
    },
}
CONFIG = (
    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncpuManagerPolicy: static\n"
    'reservedSystemCPUs: "0"\ntopologyManagerPolicy: single-numa-node\n'
)


def _tree(tmp: Path) -> Path:
    rows = linux_rows(2, 1, 4, 2)
    return write_tree(
        tmp / "sys", rows, l3=same_package(rows), memory_kb={0: 1 << 24, 1: 1 << 24},
        hugepages={0: {1048576: 4}, 1: {1048576: 4}},
    )  # fmt: skip


def _files(tmp: Path) -> tuple[Path, Path]:
    pod, config = tmp / "pod.yaml", tmp / "kubelet.yaml"
    pod.write_text(yaml.safe_dump(POD))
    config.write_text(CONFIG)
    return pod, config


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main([*args, "-o", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)  # type: ignore[no-any-return]


@pytest.mark.parametrize("spelling", [["--out"], ["-o"]], ids=["--out", "old -o FILE"])
def test_capture_machine_then_simulate_machine(
    spelling: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tree(tmp_path)
    captured = tmp_path / "node.yaml"
    assert main(["capture-machine", "--sysfs", str(root), *spelling, str(captured)]) == 0
    capsys.readouterr()
    pod, config = _files(tmp_path)
    args = ["--machine", str(captured), "--kubelet-config", str(config), "-f", str(pod)]
    doc = _run(capsys, "simulate", *args)
    (step,) = doc["steps"]
    assert step["admitted"] and step["containers"][0]["cpus"] == "1,9"
    expected = machine_from_sysfs(root)
    assert doc["node"]["cpuTopology"] == expected.cpu_topology_rows()


def test_capture_machine_json_and_a_scenario_node_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tree(tmp_path)
    assert main(["capture-machine", "--sysfs", str(root), "-o", "json"]) == 0
    text = capsys.readouterr().out
    (tmp_path / "node.json").write_text(text)
    pod, config = _files(tmp_path)
    expected = machine_from_sysfs(root)
    forms: list[Any] = [
        "node.json",  # node: FILE
        json.loads(text),  # the file's content pasted under node: (a node: inside node:)
        json.loads(text)["node"],  # its node section pasted
    ]
    for form in forms:
        scenario = tmp_path / "s.yaml"
        doc = {"kind": "Scenario", "node": form, "kubeletConfig": str(config), "pods": [str(pod)]}
        scenario.write_text(yaml.safe_dump(doc))
        loaded = load_scenario(scenario)
        assert loaded.machine.cpus == expected.cpus and loaded.machine.numa_nodes == expected.numa_nodes


def test_machine_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pod, config = _files(tmp_path)
    base = ["simulate", "--preset", "xeon-gold-6230-2s", "--kubelet-config", str(config), "-f", str(pod)]
    # the preset has no hugepages: the pod does not fit
    (step,) = _run(capsys, *base)["steps"]
    assert not step["admitted"]
    doc = _run(capsys, *base, "--hugepages-1Gi-per-numa", "4Gi", "--memory-per-numa", "96Gi")
    (step,) = doc["steps"]
    assert step["admitted"]
    assert doc["node"]["nodeMemory"] is None  # Memory Manager off: the tables are not kept
    # devices: RESOURCE=NUMA:COUNT, repeatable; the pod's GPU is then on the node
    gpu = {**POD, "spec": {"containers": [{**POD["spec"]["containers"][0]}]}}
    gpu["spec"]["containers"][0] = {
        "name": "db",
        "image": "db",
        "resources": {"limits": {"cpu": "2", "memory": "1Gi", "nvidia.com/gpu": "1"}},
    }
    pod.write_text(yaml.safe_dump(gpu))
    doc = _run(capsys, *base, "--device", "nvidia.com/gpu=1:2", "--device", "example.com/nic=-:1")
    (step,) = doc["steps"]
    assert step["admitted"] and step["podResources"]["containers"][0]["devices"][0]["topology"] == {
        "nodes": [{"id": 1}]
    }
    assert doc["warnings"] == []


@pytest.mark.parametrize(
    ("flag", "value", "expect"),
    [
        ("--device", "nvidia.com/gpu", "is not of the form RESOURCE=NUMA:COUNT"),
        ("--device", "nvidia.com/gpu=7:1", "the machine has no NUMA node 7"),
        ("--hugepages-2Mi-per-numa", "3Mi", "not a multiple of the 2Mi page size"),
        ("--memory-per-numa", "lots", "--memory-per-numa"),
    ],
)
def test_machine_override_errors(
    flag: str, value: str, expect: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pod, _ = _files(tmp_path)
    assert main(["simulate", "--preset", "xeon-gold-6230-2s", "-f", str(pod), flag, value]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and expect in err[0] and err[0].startswith(f"podfit: error: {flag}"), err


def _yaml_blocks(path: Path) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("doc", ["docs/machines.md", "docs/scenario-format.md", "README.md"])
def test_the_docs_machine_snippets_build(doc: str) -> None:
    """Every ``node:`` snippet of the docs describes a machine podfit builds."""
    found = 0
    for block in _yaml_blocks(ROOT / doc):
        snippet = yaml.safe_load(block)
        if not isinstance(snippet, dict) or not isinstance(snippet.get("node"), dict):
            continue
        node = {k: v for k, v in snippet["node"].items() if k != "name"}
        if "sysfs" in node:
            continue
        build_machine(node)
        found += 1
    assert found >= 1
