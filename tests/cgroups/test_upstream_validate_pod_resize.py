"""The API server's ``TestValidatePodResize`` of each release (tests/upstream/resize/
validate_pod_resize.yaml) run through :func:`podfit.api.pod_resize.validate_pod_resize`: the same
old and new pods, the feature gates the upstream test runs with, and its expectation — valid, or an
error whose text contains the upstream substring (podfit prints the API server's text)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from tests.cgroups.upstream_tables import release_cases, resource_list, table

from podfit.api.pod_resize import validate_pod_resize
from podfit.model.features import FeatureGates
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.release.node_features import node_features
from podfit.release.profile import release_profile

D = "resize"
FILE = "validate_pod_resize.yaml"
UPSTREAM_COUNTS = {"1.33": 59, "1.34": 57, "1.35": 63, "1.36": 69}


def _container(raw: Mapping[str, Any], init: bool) -> Container:
    restart = raw.get("restartPolicy")
    kind = "sidecar" if init and restart == "Always" else ("init" if init else "app")
    policy = tuple((p["resourceName"], p["restartPolicy"]) for p in raw.get("resizePolicy") or ())
    return Container(
        raw["name"],
        kind,  # type: ignore[arg-type]
        ResourceRequirements(resource_list(raw.get("requests")), resource_list(raw.get("limits"))),
        restart_policy=restart or None,
        resize_policy=policy,
    )


def _pod(raw: Mapping[str, Any]) -> Pod:
    """The test's pod as podfit's value (no defaulting, like the upstream test's internal objects)."""
    res = raw.get("resources")
    return Pod(
        "default",
        "pod",
        "uid-1",
        init_containers=tuple(_container(c, True) for c in raw.get("initContainers") or ()),
        containers=tuple(_container(c, False) for c in raw.get("containers") or ()),
        resources=(
            ResourceRequirements(resource_list(res.get("requests")), resource_list(res.get("limits")))
            if res is not None
            else None
        ),
        os_name=raw.get("os"),
    )


def _gates(release: str, case: Mapping[str, Any]) -> FeatureGates:
    overrides = dict(table(D, FILE)["release_options"][release]["gates"])
    overrides.update(case.get("gates") or {})
    profile = release_profile(release)
    assert profile is not None
    return FeatureGates(overrides, profile)


@pytest.mark.parametrize(("release", "case"), list(release_cases(D, FILE)))
def test_validate_pod_resize(release: str, case: dict[str, Any]) -> None:
    if case.get("not_ported"):
        pytest.skip(case["not_ported"])
    gates = _gates(release, case)
    refusal = validate_pod_resize(
        node_features(release),
        gates,
        _pod(case["old"]),
        _pod(case["new"]),
        plr_gate=gates.enabled("PodLevelResources"),
    )
    want = case["error_contains"]
    if want is None:
        assert refusal is None, refusal.message if refusal else ""
    else:
        assert refusal is not None, f"valid, upstream: {want}"
        assert refusal.stage == "api-validation"
        assert want in refusal.message, refusal.message
        assert refusal.message.startswith('Pod "pod" is invalid: ')


def test_every_upstream_case_is_here() -> None:
    """Each release's case count equals the upstream test's (the not-ported ones included)."""
    counts = {r: 0 for r in UPSTREAM_COUNTS}
    for case in table(D, FILE)["cases"]:
        for r in case["releases"]:
            counts[r] += 1
    assert counts == UPSTREAM_COUNTS
