"""`-f` and scenario `add:` take workloads: real-looking manifests (tests/data/workloads/) end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from podfit.api.workloads_names import ALPHANUMS
from podfit.cli.main import main

DATA = Path(__file__).resolve().parents[1] / "data" / "workloads"
PARTS = ["--machine", str(DATA / "machine.yaml"), "--kubelet-config", str(DATA / "kubelet.yaml")]
S = f"[{ALPHANUMS}]{{5}}"  # a generated suffix
H = "[bcdf4-9]{6,10}"  # a pod-template-hash
NOTE = "podfit: note: "

# file → (pods added, in order, as namespace/name patterns; which are admitted; notes after "file: ")
CASES: dict[str, tuple[list[str], list[bool], list[str]]] = {
    "deployment-hugepages.yaml": (
        [rf"dataplane/packet-forwarder-{H}-{S}"] * 3,
        [True, True, False],  # 768Mi of 2Mi pages each, 1Gi per NUMA node: the third finds none left
        [],
    ),
    "statefulset-with-service.yaml": (
        ["default/web-0", "default/web-1", "default/web-2"],
        [True] * 3,
        ["skipped Service/nginx: not a workload"],
    ),
    "job-parallel.yaml": ([rf"batch/render-frames-{S}"] * 2, [True] * 2, []),
    "job-indexed.yaml": ([rf"default/shard-index-{i}-{S}" for i in range(3)], [True] * 3, []),
    "cronjob.yaml": ([rf"ops/nightly-backup-\d{{8}}-{S}"], [True], []),
    "daemonset.yaml": ([rf"monitoring/node-exporter-{S}"], [True], []),
    "replicaset.yaml": ([rf"default/frontend-{S}"] * 3, [True] * 3, []),
    "replicationcontroller.yaml": ([rf"default/nginx-{S}"] * 2, [True] * 2, []),
    "podtemplate.yaml": (["tools/gpu-probe"], [True], []),
    "pod-generatename.yaml": ([rf"default/benchmark-{S}"], [True], []),
    "list-configmap-deployment.yaml": (
        [rf"shop/api-{H}-{S}"] * 2,
        [True] * 2,
        ["skipped ConfigMap/api-config: not a workload"],
    ),
    "helm-multidoc.yaml": (
        [rf"cache/redis-{H}-{S}"],
        [True],
        [
            "skipped Namespace/cache: not a workload",
            "skipped ServiceAccount/redis: not a workload",
            "skipped ConfigMap/redis-configuration: not a workload",
            "skipped CustomResourceDefinition/redisbackups.cache.example.com: not a workload",
            "skipped Service/redis: not a workload",
        ],
    ),
    "only-services.yaml": (
        [],
        [],
        [
            "skipped Service/web: not a workload",
            "skipped Service/api: not a workload",
            "no workload or Pod manifest in file; nothing to add",
        ],
    ),
}


def simulate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any] | None, list[str]]:
    code = main(["simulate", *args, "-o", "json"])
    out = capsys.readouterr()
    return code, json.loads(out.out) if code == 0 else None, out.err.splitlines()


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_input_kind(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    patterns, admitted, notes = CASES[name]
    path = DATA / name
    code, result, err = simulate(capsys, *PARTS, "-f", str(path))
    assert code == 0, err
    assert result is not None
    steps = result["steps"]
    assert [s["op"] for s in steps] == ["add"] * len(patterns)
    for step, pattern in zip(steps, patterns, strict=True):
        assert re.fullmatch(pattern, step["pod"]), (step["pod"], pattern)
    assert len({s["pod"] for s in steps}) == len(steps)
    assert [s["admitted"] for s in steps] == admitted, [(s["pod"], s["reason"]) for s in steps]
    assert err == [f"{NOTE}{path}: {n}" for n in notes]


def test_hugepages_rejection_is_the_memory_managers(capsys: pytest.CaptureFixture[str]) -> None:
    _, result, _ = simulate(capsys, *PARTS, "-f", str(DATA / "deployment-hugepages.yaml"))
    assert result is not None
    first, _, third = result["steps"]
    assert first["qosClass"] == "Guaranteed"
    assert first["containers"][0]["memory"]["bytes"]["hugepages-2Mi"] == 768 * 2**20
    assert third["reason"] == "UnexpectedAdmissionError"


def _pods(result: dict[str, Any] | None) -> list[str]:
    assert result is not None
    return [s["pod"] for s in result["steps"]]


def test_same_input_same_names(capsys: pytest.CaptureFixture[str]) -> None:
    files = [a for f in sorted(CASES) for a in ("-f", str(DATA / f))]
    _, first, _ = simulate(capsys, *PARTS, *files)
    _, again, _ = simulate(capsys, *PARTS, *files)
    assert _pods(first) == _pods(again) and len(_pods(first)) == sum(len(c[0]) for c in CASES.values())
    for key in _pods(first):
        name = key.split("/", 1)[1]
        assert len(name) <= 63 and re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name), name


@pytest.mark.parametrize(
    ("name", "replicas", "count"),
    [
        ("deployment-hugepages.yaml", "1", 1),
        ("statefulset-with-service.yaml", "5", 5),
        ("job-parallel.yaml", "6", 6),
        ("job-indexed.yaml", "9", 5),  # at most completions
        ("cronjob.yaml", "2", 2),
        ("daemonset.yaml", "4", 1),  # one node: one pod
        ("pod-generatename.yaml", "3", 1),  # bare pods are not replicated
        ("replicaset.yaml", "0", 0),
    ],
)
def test_replicas_option(name: str, replicas: str, count: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, result, err = simulate(capsys, *PARTS, "-f", str(DATA / name), "--replicas", replicas)
    assert code == 0 and len(_pods(result)) == count
    assert (count == 0) == any("replicas is 0" in line for line in err)


def test_scenario_add_and_pods_take_workloads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"""
kind: Scenario
node: {{machine: {{sockets: 1, coresPerNUMANode: 8, threadsPerCore: 2}}}}
kubeletConfig: {DATA / "kubelet.yaml"}
events:
  - add: {DATA / "statefulset-with-service.yaml"}
  - add:
      apiVersion: batch/v1
      kind: Job
      metadata: {{name: inline}}
      spec:
        parallelism: 2
        template:
          spec:
            restartPolicy: Never
            containers: [{{name: c, image: x, resources: {{limits: {{cpu: "1", memory: 1Gi}}}}}}]
  - add: {{apiVersion: v1, kind: ConfigMap, metadata: {{name: cfg}}}}
  - add:
      apiVersion: v1
      kind: List
      items:
        - {{kind: Pod, metadata: {{name: listed}}, spec: {{containers: [{{name: c, image: x}}]}}}}
  - remove: default/web-1
"""
    )
    code, result, err = simulate(capsys, str(scenario), "--replicas", "2")
    assert code == 0, err
    assert result is not None
    got = [(s["op"], s["pod"]) for s in result["steps"]]
    assert got[:2] == [("add", "default/web-0"), ("add", "default/web-1")]
    assert [op for op, _ in got[2:]] == ["add", "add", "add", "remove"]
    assert got[4] == ("add", "default/listed")
    assert all(re.fullmatch(rf"default/inline-{S}", pod) for _, pod in got[2:4])
    assert err == [
        f"{NOTE}{DATA / 'statefulset-with-service.yaml'}: skipped Service/nginx: not a workload",
        f"{NOTE}{scenario}: skipped ConfigMap/cfg: not a workload",
    ]


def test_without_kubelet_config_the_kubelet_defaults_apply(capsys: pytest.CaptureFixture[str]) -> None:
    """`--preset X -f FILE` alone: a kubelet with no config file (CPU Manager policy none)."""
    code, result, _ = simulate(capsys, "--preset", "laptop-8c16t", "-f", str(DATA / "replicaset.yaml"))
    assert code == 0 and len(_pods(result)) == 3
    assert result is not None and all(s["admitted"] for s in result["steps"])
    assert all(c["assignment"] == "node_shared" for s in result["steps"] for c in s["containers"])


def _one_line_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["simulate", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("podfit: error: "), err
    return err


def test_errors_name_the_file_document_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        (DATA / "helm-multidoc.yaml")
        .read_text()
        .replace('cpu: "2", memory: 4Gi}', "cpu: 2Gi, memory: 4Gi}", 1)
    )
    broken = tmp_path / "chart.yaml"
    broken.write_text(text)
    err = _one_line_error(capsys, *PARTS, "-f", str(broken))
    assert f"{broken}: [5].spec.template.spec.containers[0].resources.requests.cpu" in err
    bad_template = tmp_path / "deploy.yaml"
    bad_template.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {template: [x]}\n"
    )
    assert f"{bad_template}: spec.template: expected an object" in _one_line_error(
        capsys, *PARTS, "-f", str(bad_template)
    )


def test_an_empty_file_is_still_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n---\n---\n")
    assert "no Pod manifest in file" in _one_line_error(capsys, *PARTS, "-f", str(empty))
