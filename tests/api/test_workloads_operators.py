"""Operators' custom resources → pods (podfit.api.workloads_operators and the kinds' modules): names,
template paths, injected containers, QoS, notes and errors, per kind (operator_cases.yaml)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.api.pods import pod_from_dict
from podfit.api.workloads import expand_workload
from podfit.api.workloads_kubeflow import PYTORCH_INIT_CONTAINER, pytorch_init_container
from podfit.errors import InputError
from podfit.model.qos import QOSGates, compute_pod_qos

HERE = Path(__file__).resolve().parent
CASES: dict[str, list[dict[str, Any]]] = yaml.safe_load((HERE / "operator_cases.yaml").read_text())
GATES = QOSGates(pod_level_resources=True, fix_kubelet_qos_class=False)


def manifest(case: dict[str, Any]) -> dict[str, Any]:
    """The case's manifest file with its `set` edits applied."""
    doc: dict[str, Any] = yaml.safe_load((HERE / "operators" / case["file"]).read_text())
    for path, value in (case.get("set") or {}).items():
        *parents, last = path.split(".")
        obj = doc
        for p in parents:
            obj = obj[int(p)] if isinstance(obj, list) else obj.setdefault(p, {})
        if value == "UNSET":
            obj.pop(last, None)
        else:
            obj[last] = copy.deepcopy(value)
    return doc


def _names(containers: Any) -> list[str]:
    return [c["name"] for c in containers or []]


@pytest.mark.parametrize("case", CASES["expansions"], ids=lambda c: c["id"])
def test_expansion(case: dict[str, Any]) -> None:
    result = expand_workload(manifest(case), replicas=case.get("replicas"))
    assert len(result.pods) == len(case["pods"]), [p["metadata"]["name"] for p in result.pods]
    for i, (pod, want) in enumerate(zip(result.pods, case["pods"], strict=True)):
        meta, spec = pod["metadata"], pod["spec"]
        assert re.fullmatch(want["name"], meta["name"]), meta["name"]
        if "path" in want:
            assert result.pod_path(i) == want["path"]
        if "containers" in want:
            assert _names(spec["containers"]) == want["containers"]
        for key in ("hostname", "subdomain", "restartPolicy"):
            if key in want:
                assert spec.get(key) == want[key], key
        if "init" in want:
            assert _names(spec.get("initContainers")) == want["init"]
        for key, value in (want.get("labels") or {}).items():
            assert meta["labels"].get(key) == value, key
        for key in want.get("no_labels") or []:
            assert key not in meta["labels"]
        decoded = pod_from_dict(pod)  # the same decoding and validation as every pod
        if "qos" in want:
            assert compute_pod_qos(decoded, GATES) == want["qos"]
    for want, note in zip(case.get("notes") or [], result.notes, strict=True):
        assert want in note
    assert not result.skipped


@pytest.mark.parametrize("case", CASES["no_pods"], ids=lambda c: c["id"])
def test_no_pods(case: dict[str, Any]) -> None:
    result = expand_workload(manifest(case), replicas=case.get("replicas"))
    assert result.pods == ()
    assert len(result.notes) == len(case["notes"]), result.notes
    for want, note in zip(case["notes"], result.notes, strict=True):
        assert want in note


@pytest.mark.parametrize("case", CASES["errors"], ids=lambda c: c["id"])
def test_error(case: dict[str, Any]) -> None:
    with pytest.raises(InputError) as info:
        expand_workload(manifest(case), replicas=case.get("replicas"))
    assert info.value.field == case["field"]
    assert case["message"] in str(info.value)


def test_pytorch_init_container_values() -> None:
    """The operator's default init container (release-1.9 initcontainer.go): requests 50m/10Mi,
    limits 100m/20Mi, waiting for the master's name."""
    container = pytorch_init_container("job-master-0")
    assert container["name"] == PYTORCH_INIT_CONTAINER == "init-pytorch"
    assert container["image"] == "alpine:3.10"
    assert container["resources"] == {
        "limits": {"cpu": "100m", "memory": "20Mi"},
        "requests": {"cpu": "50m", "memory": "10Mi"},
    }
    assert "nslookup job-master-0" in container["command"][2]


def test_pytorch_init_container_appended_after_the_templates() -> None:
    doc = manifest({"file": "pytorch-guaranteed.yaml"})
    doc["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]["initContainers"] = [
        {"name": "warm", "image": "x"}
    ]
    result = expand_workload(doc)
    assert _names(result.pods[1]["spec"]["initContainers"]) == ["warm", "init-pytorch"]
    # the template itself is left alone
    assert _names(doc["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]["initContainers"]) == [
        "warm"
    ]


def test_pytorch_without_master_adds_no_init_container() -> None:
    doc = manifest({"file": "pytorch-guaranteed.yaml", "set": {"spec.pytorchReplicaSpecs.Master": "UNSET"}})
    result = expand_workload(doc)
    assert [p["metadata"]["name"] for p in result.pods] == [
        "pytorch-dist-mnist-nccl-worker-0",
        "pytorch-dist-mnist-nccl-worker-1",
    ]
    assert all("initContainers" not in p["spec"] for p in result.pods)
    assert result.pods[0]["metadata"]["labels"]["training.kubeflow.org/job-role"] == "master"
    assert result.notes == ()
    assert {compute_pod_qos(pod_from_dict(p), GATES) for p in result.pods} == {"Guaranteed"}


def test_replica_type_keys_are_case_insensitive_and_restart_policy_defaults() -> None:
    doc = manifest({"file": "pytorch-simple.yaml"})
    specs = doc["spec"]["pytorchReplicaSpecs"]
    specs["worker"] = specs.pop("Worker")
    del specs["worker"]["restartPolicy"]
    specs["Master"]["restartPolicy"] = "ExitCode"
    result = expand_workload(doc)
    assert [p["spec"]["restartPolicy"] for p in result.pods] == ["Never", "OnFailure"]
    assert result.pod_path(1) == "spec.pytorchReplicaSpecs.worker.template"
    assert result.pods[1]["metadata"]["labels"]["training.kubeflow.org/replica-type"] == "worker"


def test_owner_is_the_job_and_launcher_pod_owned_by_its_job() -> None:
    result = expand_workload(manifest({"file": "mpi-pi.yaml"}))
    owners = [p["metadata"]["ownerReferences"][0] for p in result.pods]
    assert [(o["apiVersion"], o["kind"], o["name"]) for o in owners] == [
        ("kubeflow.org/v2beta1", "MPIJob", "pi"),
        ("kubeflow.org/v2beta1", "MPIJob", "pi"),
        ("batch/v1", "Job", "pi-launcher"),
    ]
    launcher = result.pods[2]["spec"]
    assert (launcher["hostname"], launcher["subdomain"], launcher["restartPolicy"]) == (
        "pi-launcher",
        "pi",
        "OnFailure",
    )
