"""`podfit simulate -f` on an operator's custom resource: a PyTorchJob's pods, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podfit.cli.main import main

DATA = Path(__file__).resolve().parents[1] / "data" / "workloads"
PARTS = ["--machine", str(DATA / "machine.yaml"), "--kubelet-config", str(DATA / "kubelet.yaml")]


def test_pytorchjob_workers_are_burstable_by_the_operators_init_container(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = DATA / "pytorchjob.yaml"
    code = main(["simulate", *PARTS, "-f", str(path), "-o", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    steps = json.loads(out.out)["steps"]
    assert [(s["pod"], s["admitted"], s["qosClass"]) for s in steps] == [
        ("kubeflow/pytorch-simple-master-0", True, "Guaranteed"),
        ("kubeflow/pytorch-simple-worker-0", True, "Burstable"),
        ("kubeflow/pytorch-simple-worker-1", True, "Burstable"),
    ]
    assert [c["name"] for c in steps[1]["containers"]] == ["init-pytorch", "pytorch"]
    (note,) = out.err.splitlines()
    assert note.startswith(
        f"podfit: note: {path}: PyTorchJob/pytorch-simple: the operator adds init container"
    )


def test_replicas_option_sets_the_workers(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", *PARTS, "-f", str(DATA / "pytorchjob.yaml"), "--replicas", "3", "-o", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    pods = [s["pod"] for s in json.loads(out.out)["steps"]]
    assert pods == ["kubeflow/pytorch-simple-master-0"] + [
        f"kubeflow/pytorch-simple-worker-{i}" for i in range(3)
    ]


def test_a_webhook_refusal_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "job.yaml"
    bad.write_text((DATA / "pytorchjob.yaml").read_text().replace("- name: pytorch", "- name: main", 1))
    code = main(["simulate", *PARTS, "-f", str(bad)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "spec.pytorchReplicaSpecs.Master.template.spec.containers" in err[0]
    assert "must have at least one container with name pytorch" in err[0]
    assert str(bad) in err[0]


def test_a_pod_error_names_the_replica_types_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "job.yaml"
    text = (DATA / "pytorchjob.yaml").read_text()
    head, worker = text.split("    Worker:")
    bad.write_text(head + "    Worker:" + worker.replace('cpu: "4"', "cpu: lots"))
    code = main(["simulate", *PARTS, "-f", str(bad)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].resources.limits.cpu" in err[0], err


def test_leaderworkerset_group_leader_then_workers(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", *PARTS, "-f", str(DATA / "leaderworkerset.yaml"), "-o", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    steps = json.loads(out.out)["steps"]
    assert [(s["pod"], s["admitted"], s["qosClass"]) for s in steps] == [
        ("serving/llm-0", True, "Guaranteed"),
        ("serving/llm-0-1", True, "Guaranteed"),
        ("serving/llm-0-2", True, "Guaranteed"),
    ]
    assert out.err == ""


def test_leaderworkerset_replicas_option_sets_the_groups(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["simulate", *PARTS, "-f", str(DATA / "leaderworkerset.yaml"), "--replicas", "2", "-o", "json"]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    pods = [s["pod"] for s in json.loads(out.out)["steps"]]
    assert pods == [
        "serving/llm-0",
        "serving/llm-1",
        "serving/llm-0-1",
        "serving/llm-0-2",
        "serving/llm-1-1",
        "serving/llm-1-2",
    ]


def test_a_volcano_numa_task_whose_containers_is_not_a_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The webhook's whole-CPU check of a topologyPolicy task reads the containers: a value that
    is not a list is the pod's own one-line error, not a TypeError (exit 1)."""
    import yaml

    doc = yaml.safe_load((Path(__file__).parents[1] / "api" / "operators" / "volcano-numa.yaml").read_text())
    doc["spec"]["tasks"][0]["template"]["spec"]["containers"] = True
    bad = tmp_path / "vj.yaml"
    bad.write_text(yaml.safe_dump(doc))
    assert main(["simulate", *PARTS, "-f", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "spec.tasks[0].template.spec.containers: must be an array" in err[0], err
