"""Workloads → pods (podfit.api.workloads): counts, names, labels, notes and errors, per kind."""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from podfit.api.workloads import WORKLOAD_API_VERSIONS, WorkloadPods, expand_workload
from podfit.api.workloads_names import (
    ALPHANUMS,
    fnv32,
    fnv32a,
    pod_generate_name_with_index,
    pod_template_hash,
    replica_set_name,
    safe_encode_string,
)
from podfit.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = ROOT / "tests" / "upstream" / "controllers"
SUFFIX = f"[{ALPHANUMS}]{{5}}"
HASH = "[bcdf4-9]{6,10}"  # safe-encoded decimal digits
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

TEMPLATE: dict[str, Any] = {
    "metadata": {"labels": {"app": "web"}, "annotations": {"team": "db"}},
    "spec": {
        "containers": [{"name": "c", "image": "x", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]
    },
}


CASES: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    Path(__file__).with_name("workload_cases.yaml").read_text()
)


def workload(kind: str, name: str = "web", api_version: str | None = None, **spec: Any) -> dict[str, Any]:
    """A workload manifest of ``kind`` with TEMPLATE where that kind holds its pod template."""
    doc: dict[str, Any] = {
        "apiVersion": api_version or WORKLOAD_API_VERSIONS[kind][0],
        "kind": kind,
        "metadata": {"name": name, "namespace": "prod"},
    }
    if kind == "PodTemplate":
        doc["template"] = copy.deepcopy(TEMPLATE)
    elif kind == "CronJob":
        job_keys = ("parallelism", "completions", "completionMode")
        job_spec = {k: spec.pop(k) for k in list(spec) if k in job_keys}
        template = copy.deepcopy(TEMPLATE)
        doc["spec"] = {"schedule": "0 * * * *", "jobTemplate": {"spec": {**job_spec, "template": template}}}
        doc["spec"].update(spec)
    else:
        doc["spec"] = {"template": copy.deepcopy(TEMPLATE), **spec}
    return doc


def _with(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    obj = doc
    for p in parents:
        obj = obj[p]
    obj[last] = value
    return doc


def manifest(case: dict[str, Any]) -> dict[str, Any]:
    """The manifest a table case describes (see workload_cases.yaml)."""
    if "raw" in case:
        return copy.deepcopy(case["raw"])
    w = case["workload"]
    doc = workload(w["kind"], w.get("name", "web"), w.get("apiVersion"), **w.get("spec", {}))
    for path, value in case.get("set", {}).items():
        doc = _with(doc, path, value)
    return doc


def names(result: WorkloadPods) -> list[str]:
    return [p["metadata"]["name"] for p in result.pods]


def labels(result: WorkloadPods, i: int = 0) -> dict[str, str]:
    return dict(result.pods[i]["metadata"].get("labels", {}))


def _ids(section: str) -> list[str]:
    return [c["id"] for c in CASES[section]]


@pytest.mark.parametrize("case", CASES["expansions"], ids=_ids("expansions"))
def test_expansion_counts_and_names(case: dict[str, Any]) -> None:
    result = expand_workload(manifest(case), replicas=case.get("replicas"))
    patterns = case.get("names") or [case["name"]] * case["count"]
    assert len(result.pods) == len(patterns), names(result)
    for name, pattern in zip(names(result), patterns, strict=True):
        assert re.fullmatch(pattern.replace("{HASH}", HASH).replace("{SUFFIX}", SUFFIX), name), (
            name,
            pattern,
        )
    assert len(set(names(result))) == len(patterns)
    assert result.template_path == case.get("path", "spec.template")
    assert result.notes == () and not result.skipped
    for pod in result.pods:
        assert pod["apiVersion"] == "v1" and pod["kind"] == "Pod"
        assert pod["metadata"]["namespace"] == "prod"
        assert pod["metadata"]["labels"]["app"] == "web" and pod["metadata"]["annotations"]["team"] == "db"
        assert pod["spec"]["containers"] == TEMPLATE["spec"]["containers"]


@pytest.mark.parametrize("case", CASES["no_pods"], ids=_ids("no_pods"))
def test_no_pods_is_a_note(case: dict[str, Any]) -> None:
    result = expand_workload(manifest(case), replicas=case.get("replicas"))
    assert result.pods == () and result.notes == (case["note"],)
    assert result.skipped == case["note"].startswith("skipped")


@pytest.mark.parametrize("case", CASES["errors"], ids=_ids("errors"))
def test_invalid_workloads_name_the_field(case: dict[str, Any]) -> None:
    with pytest.raises(InputError) as info:
        expand_workload(manifest(case))
    assert info.value.field == case["field"] and case["message"] in info.value.message, info.value


def test_deployment_pods_carry_the_replica_sets_hash() -> None:
    result = expand_workload(workload("Deployment", replicas=3))
    template_hash = pod_template_hash(TEMPLATE)
    for pod in result.pods:
        assert pod["metadata"]["labels"]["pod-template-hash"] == template_hash
        assert pod["metadata"]["name"].startswith(f"web-{template_hash}-")
        assert pod["metadata"]["generateName"] == f"web-{template_hash}-"
        (owner,) = pod["metadata"]["ownerReferences"]
        assert (
            owner["kind"] == "ReplicaSet" and owner["name"] == f"web-{template_hash}" and owner["controller"]
        )
    changed = workload("Deployment")
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "y"
    assert labels(expand_workload(changed))["pod-template-hash"] != template_hash


def test_statefulset_identity() -> None:
    claims = [{"metadata": {"name": "data"}, "spec": {}}]
    doc = workload("StatefulSet", "db", replicas=2, serviceName="db-headless", volumeClaimTemplates=claims)
    doc["spec"]["template"]["spec"]["volumes"] = [
        {"name": "data", "emptyDir": {}},
        {"name": "conf", "emptyDir": {}},
    ]
    result = expand_workload(doc)
    revisions = {labels(result, i)["controller-revision-hash"] for i in range(2)}
    assert len(revisions) == 1 and re.fullmatch(rf"db-{HASH}", revisions.pop())
    for i, pod in enumerate(result.pods):
        assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == f"db-{i}"
        assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == str(i)
        assert pod["spec"]["hostname"] == f"db-{i}" and pod["spec"]["subdomain"] == "db-headless"
        assert pod["spec"]["volumes"] == [
            {"name": "data", "persistentVolumeClaim": {"claimName": f"data-db-{i}"}},
            {"name": "conf", "emptyDir": {}},
        ]
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"


def test_daemonset_labels() -> None:
    got = labels(expand_workload(workload("DaemonSet", "agent")))
    assert re.fullmatch(HASH, got["controller-revision-hash"]) and got["pod-template-generation"] == "1"


def test_job_labels_and_finalizer() -> None:
    doc = workload("Job", "pi", parallelism=2)
    doc["metadata"]["uid"] = "1234"
    for pod in expand_workload(doc).pods:
        meta = pod["metadata"]
        assert {k: meta["labels"][k] for k in ("job-name", "batch.kubernetes.io/job-name")} == {
            "job-name": "pi",
            "batch.kubernetes.io/job-name": "pi",
        }
        assert (
            meta["labels"]["controller-uid"] == meta["labels"]["batch.kubernetes.io/controller-uid"] == "1234"
        )
        assert meta["finalizers"] == ["batch.kubernetes.io/job-tracking"]
        assert meta["ownerReferences"][0] | {"uid": "1234"} == meta["ownerReferences"][0]
    manual = workload("Job", "pi", manualSelector=True)
    assert "job-name" not in labels(expand_workload(manual))


def test_indexed_job_pods() -> None:
    doc = workload("Job", "pi", parallelism=3, completions=10, completionMode="Indexed")
    for i, pod in enumerate(expand_workload(doc).pods):
        meta = pod["metadata"]
        assert meta["labels"]["batch.kubernetes.io/job-completion-index"] == str(i)
        assert meta["annotations"]["batch.kubernetes.io/job-completion-index"] == str(i)
        assert meta["generateName"] == f"pi-{i}-" and pod["spec"]["hostname"] == f"pi-{i}"


def test_cronjob_job_name() -> None:
    result = expand_workload(workload("CronJob", "backup"))
    job = labels(result)["batch.kubernetes.io/job-name"]
    assert re.fullmatch(r"backup-\d{8}", job) and names(result)[0].startswith(f"{job}-")
    assert result.pods[0]["metadata"]["ownerReferences"][0] == result.pods[0]["metadata"]["ownerReferences"][
        0
    ] | {
        "kind": "Job",
        "name": job,
    }


def test_pod_template_is_one_pod_named_after_it() -> None:
    (pod,) = expand_workload(workload("PodTemplate", "tpl")).pods
    assert pod["metadata"]["name"] == "tpl" and "ownerReferences" not in pod["metadata"]


def test_bare_pods() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": TEMPLATE["spec"]}
    assert expand_workload(pod, replicas=4).pods == (pod,)
    generated = {"kind": "Pod", "metadata": {"generateName": "worker-", "namespace": "ns"}, "spec": {}}
    (got,) = expand_workload(generated).pods
    assert re.fullmatch(rf"worker-{SUFFIX}", got["metadata"]["name"]) and got["metadata"]["namespace"] == "ns"
    assert "name" not in generated["metadata"]
    assert expand_workload(generated, position=1).pods != expand_workload(generated, position=2).pods
    no_kind = {"metadata": {"name": "p"}}
    assert expand_workload(no_kind).pods == (no_kind,)


def test_generate_name_on_a_workload() -> None:
    doc = _with(workload("Job"), "metadata", {"generateName": "pi-"})
    result = expand_workload(doc)
    assert re.fullmatch(rf"pi-{SUFFIX}", result.name)
    assert labels(result)["job-name"] == result.name and names(result)[0].startswith(f"{result.name}-")


# Hash and naming building blocks.


def test_fnv_and_safe_encoding() -> None:
    # FNV test vectors (draft-eastlake-fnv): "" and "a".
    assert fnv32a(b"") == 0x811C9DC5 and fnv32a(b"a") == 0xE40C292C
    assert fnv32(b"") == 0x811C9DC5 and fnv32(b"a") == 0x050C5D7E
    assert safe_encode_string("0123456789") == "456789bcdf"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "".join(text * times for text, times in value)


def _upstream(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load((UPSTREAM / f"{name}.yaml").read_text())["cases"]
    return cases


@pytest.mark.parametrize("case", _upstream("TestGenerateReplicaSetName"), ids=lambda c: c["name"])
def test_upstream_generate_replica_set_name(case: dict[str, Any]) -> None:
    got = replica_set_name(_text(case["deploymentName"]), _text(case["hash"]))
    assert got == _text(case["want"])


@pytest.mark.parametrize("case", _upstream("TestPodGenerateNameWithIndex"), ids=lambda c: c["name"])
def test_upstream_pod_generate_name_with_index(case: dict[str, Any]) -> None:
    assert pod_generate_name_with_index(case["jobname"], case["index"]) == case["wantPodGenerateName"]


# Properties: deterministic, valid and unique names, the input untouched.

_LABEL = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?", fullmatch=True)
_NAME = st.lists(_LABEL, min_size=1, max_size=12).map(".".join).filter(lambda n: len(n) <= 253)
_GENERATED_KINDS = ("Deployment", "ReplicaSet", "ReplicationController", "DaemonSet", "Job", "CronJob")


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(sorted(WORKLOAD_API_VERSIONS)),
    name=_NAME,
    replicas=st.integers(0, 12),
    indexed=st.booleans(),
)
def test_names_are_deterministic_valid_and_unique(kind: str, name: str, replicas: int, indexed: bool) -> None:
    # The API server's name rules: a StatefulSet's is a DNS label, a CronJob's at most 52
    # characters, a Job's at most 63 (its pods' job-name label).
    name = (
        name.replace(".", "-")[:63] if kind == "StatefulSet" else name[: {"CronJob": 52, "Job": 63}.get(kind)]
    )
    if name.endswith((".", "-")):
        return
    extra = {"completionMode": "Indexed", "completions": 20} if indexed and kind in ("Job", "CronJob") else {}

    doc = workload(kind, name, **extra)
    before = copy.deepcopy(doc)
    first = expand_workload(doc, replicas=replicas)
    assert doc == before  # the input is not modified
    assert first == expand_workload(copy.deepcopy(doc), replicas=replicas)
    got = names(first)
    # Upstream's podGenerateNameWithIndex can cut a dotted Job name just after a dot, giving
    # "<…>.-0-<suffix>", a name the API server refuses (no pod is created); podfit keeps the rule.
    assume(not (extra and any(".-" in n for n in got)))
    assert len(set(got)) == len(got)
    for pod_name in got:
        assert len(pod_name) <= 253 and DNS1123_SUBDOMAIN.match(pod_name), pod_name
        if kind in _GENERATED_KINDS:
            assert len(pod_name) <= 63, pod_name
    for i, pod in enumerate(first.pods):
        if indexed and kind in ("Job", "CronJob"):
            assert f"-{i}-" in pod["metadata"]["name"]
        assert pod["metadata"]["labels"]["app"] == "web"


@settings(max_examples=30, deadline=None)
@given(count=st.integers(100, 400))
def test_many_replicas_get_distinct_names(count: int) -> None:
    got = names(expand_workload(workload("Deployment", replicas=count)))
    assert len(set(got)) == count


def test_core_module_is_pure() -> None:
    """Only the standard library's pure modules and podfit's own core are imported."""
    allowed = {
        "__future__",
        "collections.abc",
        "copy",
        "dataclasses",
        "hashlib",
        "json",
        "re",
        "typing",
        "uuid",
    }
    for path in (ROOT / "src" / "podfit" / "api").glob("workloads*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom | ast.Import):
                modules = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for module in modules:
                    assert (
                        module in allowed
                        or module in ("podfit.errors",)
                        or module.startswith(("podfit.api.", "podfit.model."))
                    ), (
                        path.name,
                        module,
                    )
