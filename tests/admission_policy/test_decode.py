"""The policy file: every field checked when it is loaded, one line naming the field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.admission_policy.decode import policy_from_dict
from podfit.admission_policy.values import DENY, IGNORE, WARN
from podfit.errors import InputError
from podfit.io.policy import load_policy, resolved_policy_document

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webhook" / "policy.yaml"


def _doc() -> dict[str, Any]:
    return copy.deepcopy(resolved_policy_document(EXAMPLE))


def test_example_policy() -> None:
    policy = load_policy(EXAMPLE)
    assert policy.name == "production"
    assert [(s.name, s.release) for s in policy.node_shapes] == [("db-2s", "1.36"), ("general-1s", "1.35")]
    assert dict(policy.node_shapes[0].gates) == {"PodLevelResources": True, "PodLevelResourceManagers": True}
    assert dict(policy.node_shapes[1].gates) == {"PodLevelResources": True, "PodLevelResourceManagers": False}
    assert policy.action("sidecarPodSharedPool") == WARN and policy.action("nodeShapeAlignment") == DENY
    assert (policy.timeout_seconds, policy.deadline_seconds, policy.on_error) == (5, 4.0, "Allow")
    assert policy.mutations.names() == ("podLevelResources", "sidecarRestartPolicy")


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target: Any = doc
    for p in parents:
        target = target[int(p)] if isinstance(target, list) else target[p]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


ERRORS = [
    ("kind", "Scenario", 'kind: expected "AdmissionPolicy"'),
    ("spec.onError", "Maybe", "spec.onError: expected one of Allow, Deny"),
    (
        "spec.rules.nodeShapeAlignment",
        "Block",
        "spec.rules.nodeShapeAlignment: expected one of Deny, Warn, Ignore",
    ),
    ("spec.rules.noSuchRule", DENY, "spec.rules.noSuchRule: unknown rule"),
    ("spec.timeoutSeconds", 31, "spec.timeoutSeconds: must be between 1 and 30"),
    ("spec.deadlineSeconds", 5, "spec.deadlineSeconds: must be below timeoutSeconds (5)"),
    ("spec.nodeShapes", [], "spec.nodeShapes: declare at least one node shape"),
    ("spec.nodeShapes.1.name", "db-2s", 'spec.nodeShapes[1].name: Duplicate value: "db-2s"'),
    (
        "spec.nodeShapes.1.kubeletVersion",
        "1.29",
        "spec.nodeShapes[1].kubeletVersion: unsupported kubelet version",
    ),
    ("spec.nodeShapes.1.kubeletConfig.cpuManagerPolicy", "dynamic", "spec.nodeShapes[1].kubeletConfig"),
    (
        "spec.nodeShapes.1.kubeletConfig.featureGates",
        {"PodLevelResourceManagers": True},
        "spec.nodeShapes[1].kubeletConfig.featureGates.PodLevelResourceManagers: unrecognized feature gate: "
        "PodLevelResourceManagers (the kubelet 1.35 refuses to start)",
    ),
    (
        "spec.nodeShapes.1.kubeletConfig.reservedSystemCPUs",
        "",
        "spec.nodeShapes[1].kubeletConfig: the kubelet refuses to start: CPUManagerError",
    ),
    (
        "spec.namespaceSelector",
        {"matchExpressions": [{"key": "a", "operator": "In"}]},
        "values: must be specified",
    ),
    ("spec.mutations.sidecarRestartPolicy", {"containers": []}, "name at least one init container"),
    (
        "spec.mutations.podLevelResources",
        {"selector": {}},
        "spec.mutations.podLevelResources.selector: unknown field",
    ),
    ("spec.extra", 1, "spec.extra: unknown field"),
]


@pytest.mark.parametrize(
    ("path", "value", "message"), ERRORS, ids=[e[0] + "=" + repr(e[1])[:20] for e in ERRORS]
)
def test_errors_name_the_field(path: str, value: Any, message: str) -> None:
    doc = _doc()
    _set(doc, path, value)
    with pytest.raises(InputError) as err:
        policy_from_dict(doc)
    assert message in str(err.value)


def test_release_defaults_decide_the_gates() -> None:
    doc = _doc()
    shape = doc["spec"]["nodeShapes"][1]
    shape["kubeletVersion"] = "1.33"
    policy = policy_from_dict(doc)
    assert dict(policy.node_shapes[1].gates) == {
        "PodLevelResources": False,
        "PodLevelResourceManagers": False,
    }
    assert policy.node_shapes[1].config.feature_gates.enabled("PodLevelResources") is False


def test_ignore_action_and_file_errors_name_the_file(tmp_path: Path) -> None:
    doc = _doc()
    doc["spec"]["rules"]["unpinnedContainers"] = IGNORE
    assert policy_from_dict(doc).action("unpinnedContainers") == IGNORE
    bad = tmp_path / "p.yaml"
    doc["spec"]["onError"] = "Maybe"
    bad.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as err:
        load_policy(bad)
    assert str(err.value).startswith(f"{bad}: spec.onError")
