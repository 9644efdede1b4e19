"""Upstream pod/QoS/resource-helper cases (tests/upstream/pod/*.yaml), parametrized by description."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.api.pod_decode import canonical_value
from podfit.api.pods import pod_from_dict
from podfit.errors import InputError
from podfit.model.features import FeatureGates
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.qos import (
    QOS_FIX_GATE,
    QOSGates,
    compute_pod_qos,
    is_pod_level_limits_set,
    is_pod_level_resources_set,
    pod_limits,
    pod_requests,
    qos_gates,
)
from podfit.release.profile import release_profile

DATA = Path(__file__).resolve().parents[1] / "upstream" / "pod"


def _cases(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((DATA / name).read_text())["cases"]


def _params(name: str) -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in _cases(name)]


def _values(raw: dict[str, Any] | None) -> dict[str, int]:
    return {n: canonical_value(n, str(v), n).value for n, v in (raw or {}).items()}


def _requirements(raw: dict[str, Any] | None) -> ResourceRequirements:
    raw = raw or {}
    return ResourceRequirements(requests=_values(raw.get("requests")), limits=_values(raw.get("limits")))


def _container(raw: dict[str, Any], i: int, section: str) -> Container:
    policy = raw.get("restartPolicy")
    kind = "app" if section == "app" else ("sidecar" if policy == "Always" else "init")
    return Container(name=f"{section}-{i}", kind=kind, resources=_requirements(raw), restart_policy=policy)


def compact_pod(raw: dict[str, Any]) -> Pod:
    """A Pod straight from a compact test description (no API defaulting or validation)."""
    stanza = raw.get("podResources", raw.get("resources", "absent"))
    return Pod(
        namespace="default",
        name="test",
        uid="uid",
        init_containers=tuple(_container(c, i, "init") for i, c in enumerate(raw.get("initContainers", []))),
        containers=tuple(_container(c, i, "app") for i, c in enumerate(raw.get("containers", []))),
        resources=None if stanza in ("absent", None) else _requirements(stanza),
        overhead=_values(raw.get("overhead")),
    )


def _release_params(name: str) -> list[Any]:
    """``(release, case)`` for every case of a table and each release the table belongs to."""
    doc = yaml.safe_load((DATA / name).read_text())
    return [
        pytest.param(release, case, id=f"{release}-{case['name']}")
        for case in doc["cases"]
        for release in doc["releases"]
    ]


def _kubelet_gates(release: str, overrides: dict[str, bool]) -> FeatureGates:
    profile = release_profile(release)
    assert profile is not None
    return FeatureGates(overrides, profile)


@pytest.mark.parametrize(
    ("release", "case"),
    _release_params("qos_test_explicit.yaml") + _release_params("qos_test_generated.yaml"),
)
def test_compute_pod_qos(release: str, case: dict[str, Any]) -> None:
    """Each release's own TestComputePodQOS table, under that release's gates (the test sets only
    ``PodLevelResources``; ``PodLevelResourcesFixKubeletQOSClass`` keeps the release's default)."""
    pod = compact_pod(case["pod"])
    gates = _kubelet_gates(release, {"PodLevelResources": case.get("podLevelResources", False)})
    fixed = gates.enabled(QOS_FIX_GATE)
    want = case.get("expectedWithQOSClassFix", case["expected"]) if fixed else case["expected"]
    assert compute_pod_qos(pod, qos_gates(gates)) == want
    # the table as written upstream (before the fix gate existed): the gate off
    off = QOSGates(gates.enabled("PodLevelResources"), False)
    assert compute_pod_qos(pod, off) == case["expected"]


@pytest.mark.parametrize("case", _params("resource_helpers_test.yaml"))
def test_resource_helpers(case: dict[str, Any]) -> None:
    pod = compact_pod(case["pod"])
    opts = case.get("options", {})
    kwargs = {
        "pod_level_resources": not opts.get("skipPodLevelResources", False),
        "exclude_overhead": opts.get("excludeOverhead", False),
    }
    if case["test"] == "TestIsPodLevelResourcesSet":
        assert is_pod_level_resources_set(pod) is case["expectedSet"]
        return
    if case["test"] == "TestIsPodLevelLimitsSet":
        assert is_pod_level_limits_set(pod) is case["expectedSet"]
        return
    if "expectedRequests" in case:
        assert dict(pod_requests(pod, **kwargs)) == _values(case["expectedRequests"])
    if "expectedLimits" in case:
        assert dict(pod_limits(pod, **kwargs)) == _values(case["expectedLimits"])


def _manifest(raw: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, **raw}


@pytest.mark.parametrize("case", _params("pod_level_validation.yaml"))
def test_pod_level_validation(case: dict[str, Any]) -> None:
    gates = case.get("gates")
    release = release_profile(case.get("release", "1.36"))
    assert release is not None
    if "error" in case:
        with pytest.raises(InputError) as info:
            pod_from_dict(_manifest(case["pod"]), feature_gates=gates, release=release)
        assert (info.value.field, info.value.message) == (case["error"]["field"], case["error"]["message"])
        return
    pod = pod_from_dict(_manifest(case["pod"]), feature_gates=gates, release=release)
    expect = case["expect"]
    plr = (gates or {}).get("PodLevelResources", True)
    if "qos" in expect:
        assert (
            compute_pod_qos(pod, qos_gates(FeatureGates({"PodLevelResources": plr}, release)))
            == expect["qos"]
        )
    stanza = pod.resources or ResourceRequirements()
    if "podRequests" in expect:  # spec.resources.requests after defaulting
        assert dict(stanza.requests) == _values(expect["podRequests"])
    if "podLimits" in expect:  # spec.resources.limits after defaulting
        assert dict(stanza.limits) == _values(expect["podLimits"])
    if "effectiveRequests" in expect:  # resource.PodRequests
        assert dict(pod_requests(pod, pod_level_resources=plr)) == _values(expect["effectiveRequests"])
