"""The static rules on a table of pods, and the generated CEL (ValidatingAdmissionPolicy) on the
same pods: both must agree. The CEL evaluator is cel-python with the Kubernetes quantity and list
functions (tests/admission_policy/celk8s.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from tests.webhook.conftest import pod

from podfit.admission_policy import rules
from podfit.admission_policy.decode import policy_from_dict
from podfit.admission_policy.evaluate import evaluate_pod
from podfit.admission_policy.shapes import ShapeSet
from podfit.admission_policy.vap import validating_admission_policies, webhook_only_rules
from podfit.api.pods import pod_from_dict
from podfit.io.policy import resolved_policy_document

pytest.importorskip("celpy")
from tests.admission_policy.celk8s import PolicyEvaluator

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webhook" / "policy.yaml"
G = {"cpu": "2", "memory": "2Gi"}

# (case, pod, podCPUBudgetInteger fires, emptyPodSharedPool fires)
PODS: list[tuple[str, dict[str, Any], bool, bool]] = [
    ("no pod-level resources", pod(containers=[("a", G)]), False, False),
    (
        "budget 8, exclusive 6, sidecar shares",
        pod(
            pod_resources={"cpu": "8", "memory": "8Gi"},
            containers=[("a", {"cpu": "6", "memory": "4Gi"})],
            sidecars=[("s", None)],
        ),
        False,
        False,
    ),
    (
        "budget 7500m, exclusive 6",
        pod(
            pod_resources={"cpu": "7500m", "memory": "8Gi"},
            containers=[("a", {"cpu": "6", "memory": "4Gi"})],
            sidecars=[("s", None)],
        ),
        True,
        False,
    ),
    (
        "budget 1500m, no exclusive container",
        pod(pod_resources={"cpu": "1500m", "memory": "1Gi"}, containers=[("a", None)]),
        False,
        False,
    ),
    (
        "budget 1500m, exclusive container of 1",
        pod(
            pod_resources={"cpu": "1500m", "memory": "4Gi"},
            containers=[("a", {"cpu": "1", "memory": "1Gi"}), ("b", None)],
        ),
        True,
        False,
    ),
    (
        "budget 2000m (whole), exclusive 1",
        pod(
            pod_resources={"cpu": "2000m", "memory": "4Gi"},
            containers=[("a", {"cpu": "1", "memory": "1Gi"}), ("b", None)],
        ),
        False,
        False,
    ),
    (
        "exclusive app takes the budget, a shared app",
        pod(
            pod_resources={"cpu": "4", "memory": "8Gi"},
            containers=[("a", {"cpu": "4", "memory": "4Gi"}), ("b", None)],
        ),
        False,
        True,
    ),
    (
        "exclusive app + exclusive sidecar take the budget, shared sidecar",
        pod(
            pod_resources={"cpu": "4", "memory": "8Gi"},
            containers=[("a", {"cpu": "3", "memory": "4Gi"})],
            sidecars=[("x", {"cpu": "1", "memory": "1Gi"}), ("s", None)],
        ),
        False,
        True,
    ),
    (
        "all exclusive, nobody shares",
        pod(pod_resources={"cpu": "4", "memory": "8Gi"}, containers=[("a", {"cpu": "4", "memory": "4Gi"})]),
        False,
        False,
    ),
    (
        "exclusive sidecar and app take the budget, nobody shares",
        pod(
            pod_resources={"cpu": "4", "memory": "8Gi"},
            containers=[("a", {"cpu": "2", "memory": "1Gi"})],
            sidecars=[("x", {"cpu": "2", "memory": "1Gi"})],
        ),
        False,
        False,
    ),
    (
        "Burstable pod budget: no pod total",
        {
            **pod(containers=[("a", {"cpu": "4", "memory": "4Gi"}), ("b", None)]),
            "spec": {
                "resources": {
                    "requests": {"cpu": "4", "memory": "4Gi"},
                    "limits": {"cpu": "8", "memory": "8Gi"},
                },
                "containers": [
                    {
                        "name": "a",
                        "image": "x",
                        "resources": {
                            "requests": {"cpu": "4", "memory": "4Gi"},
                            "limits": {"cpu": "4", "memory": "4Gi"},
                        },
                    },
                    {"name": "b", "image": "x"},
                ],
            },
        },
        False,
        False,
    ),
    (
        "memory not equal: the container is not exclusive",
        pod(pod_resources={"cpu": "2500m", "memory": "8Gi"}, containers=[("a", None)]),
        False,
        False,
    ),
]


def _shared_init_after_exclusive_sidecar() -> dict[str, Any]:
    """A regular init container that needs the pod shared pool after sidecars took the budget (in a
    pod the API server accepts, the app containers then share the pool too: the budget covers the
    sidecars and every app's CPU request)."""
    p = pod(pod_resources={"cpu": "2", "memory": "8Gi"}, containers=[("a", None)])
    p["spec"]["initContainers"] = [
        {
            "name": "x",
            "image": "i",
            "restartPolicy": "Always",
            "resources": {"requests": {"cpu": "2", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "1Gi"}},
        },
        {"name": "setup", "image": "i"},
    ]
    return p


PODS += [
    ("shared init after the sidecars took the budget", _shared_init_after_exclusive_sidecar(), False, True)
]


def _vaps(policy_doc: dict[str, Any]) -> dict[str, PolicyEvaluator]:
    policy = policy_from_dict(policy_doc)
    out = {}
    for obj in validating_admission_policies(policy):
        if obj["kind"] == "ValidatingAdmissionPolicy":
            out[obj["metadata"]["labels"]["podfit.io/rule"]] = PolicyEvaluator(obj)
    return out


@pytest.fixture(scope="module")
def vaps() -> dict[str, PolicyEvaluator]:
    return _vaps(resolved_policy_document(EXAMPLE))


@pytest.mark.parametrize(("case", "manifest", "budget", "empty"), PODS, ids=[p[0] for p in PODS])
def test_rules_and_their_cel_agree(
    vaps: dict[str, PolicyEvaluator], case: str, manifest: dict[str, Any], budget: bool, empty: bool
) -> None:
    decoded = pod_from_dict(manifest)
    assert (rules.pod_cpu_budget_not_integer(decoded) is not None) == budget
    assert (rules.empty_pod_shared_pool(decoded) is not None) == empty
    assert vaps["podCPUBudgetInteger"].passes(manifest) is not budget
    assert vaps["emptyPodSharedPool"].passes(manifest) is not empty


@pytest.mark.parametrize(
    ("topology", "reason"),
    [("best-effort", "EmptyPodSharedPoolError"), ("single-numa-node", "TopologyAffinityError")],
)
def test_empty_pool_is_what_the_kubelet_does(topology: str, reason: str) -> None:
    """Where the rule fires, the exact admission on a shape with pod-level managers (pod scope)
    rejects the pod: EmptyPodSharedPoolError, or TopologyAffinityError where the CPU manager's empty
    pod hints meet a strict topology policy; where it does not fire, the pod is admitted."""
    doc = copy.deepcopy(resolved_policy_document(EXAMPLE))
    doc["spec"]["nodeShapes"][0]["kubeletConfig"]["topologyManagerPolicy"] = topology
    policy = policy_from_dict(doc)
    shapes = ShapeSet(policy.node_shapes[:1])
    for case, manifest, _, empty in PODS:
        got = shapes.admit(pod_from_dict(manifest), 0)
        assert (got.reason == reason) == empty, (case, got)
        assert got.admitted is not empty, (case, got)


GATES_POLICIES = {
    "only 1.35 shapes": ({"kubeletVersion": "1.35"}, "podLevel && wantsExclusive"),
    "PodLevelResources off on 1.36": (
        # 1.36 refuses PodLevelResources off while InPlacePodLevelResourcesVerticalScaling stays on
        {
            "kubeletConfig.featureGates": {
                "PodLevelResources": False,
                "InPlacePodLevelResourcesVerticalScaling": False,
            }
        },
        "podLevel",
    ),
}


@pytest.mark.parametrize("name", list(GATES_POLICIES))
def test_feature_gates_all_shapes_denial_agrees(name: str) -> None:
    doc = copy.deepcopy(resolved_policy_document(EXAMPLE))
    change, _ = GATES_POLICIES[name]
    shape = doc["spec"]["nodeShapes"][0]
    for key, value in change.items():
        if key == "kubeletVersion":
            shape["kubeletVersion"] = value
            shape["kubeletConfig"] = doc["spec"]["nodeShapes"][1]["kubeletConfig"]
        else:
            shape["kubeletConfig"]["featureGates"] = value
    doc["spec"]["nodeShapes"] = [shape]
    policy = policy_from_dict(doc)
    vap = _vaps(doc)["featureGates"]
    shapes = ShapeSet(policy.node_shapes)
    for case, manifest, _, _ in PODS:
        decoded = pod_from_dict(manifest)
        denied = any(
            f.rule == "featureGates" and f.action == "Deny"
            for f in evaluate_pod(policy, shapes, decoded).findings
        )
        assert vap.passes(manifest) is not denied, case


def test_no_feature_gates_policy_when_a_shape_serves_everything(vaps: dict[str, PolicyEvaluator]) -> None:
    assert "featureGates" not in vaps  # db-2s has the pod-level resource managers on


def test_exact_rules_are_webhook_only() -> None:
    policy = policy_from_dict(resolved_policy_document(EXAMPLE))
    assert webhook_only_rules(policy) == ["nodeShapeAlignment", "sidecarPodSharedPool", "unpinnedContainers"]
