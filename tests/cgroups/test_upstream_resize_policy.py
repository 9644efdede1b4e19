"""The API server's validation of ``resizePolicy`` on pod create, per release
(tests/upstream/resize/validate_resize_policy.yaml): upstream ``TestValidateResizePolicy`` compares
whole error lists, so podfit's errors are compared with the rendered list, exactly."""

from __future__ import annotations

from typing import Any

import pytest
from tests.cgroups.upstream_tables import release_cases

from podfit.api.pod_resize_policy import resize_policy_errors
from podfit.api.pods import pod_from_dict
from podfit.errors import InputError
from podfit.release.node_features import node_features
from podfit.release.profile import release_profile

FILE = "validate_resize_policy.yaml"


def _rendered(error: dict[str, Any]) -> tuple[str, str]:
    """A field.Error as the API server prints it (path, detail)."""
    kind = error["type"]
    if kind == "Required":
        return error["field"], "Required value"
    if kind == "Duplicate":
        return error["field"], f'Duplicate value: "{error["value"]}"'
    if kind == "NotSupported":
        supported = ", ".join(f'"{v}"' for v in error["supported"])
        return error["field"], f'Unsupported value: "{error["value"]}": supported values: {supported}'
    assert kind == "Invalid", kind
    return error["field"], f'Invalid value: "{error["value"]}": {error["detail"]}'


def _manifest(raw: dict[str, Any]) -> dict[str, Any]:
    def container(c: dict[str, Any]) -> dict[str, Any]:
        return {"image": "image", **c}

    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "foo", "namespace": "default"},
        "spec": {
            "initContainers": [container(c) for c in raw.get("initContainers", [])],
            "containers": [container(c) for c in raw.get("containers", [])],
        },
    }


@pytest.mark.parametrize(("release", "case"), list(release_cases("resize", FILE)))
def test_resize_policy_validation(release: str, case: dict[str, Any]) -> None:
    if case.get("not_ported"):
        pytest.skip(case["not_ported"])
    if case["test"] == "TestValidateResizePolicy":
        policies = [(name, policy) for name, policy in case["policies"]]
        got = resize_policy_errors(node_features(release), policies, "field", case["pod_restart_policy"])
        assert got == [_rendered(e) for e in case["errors"]]
        return
    manifest = _manifest(case["pod"])
    if case["error_contains"] is None:
        pod_from_dict(manifest, release=release_profile(release))
        return
    with pytest.raises(InputError) as info:
        pod_from_dict(manifest, release=release_profile(release))
    assert case["error_contains"] == f"{info.value.field}: {info.value.message}"


@pytest.mark.parametrize("release", ["1.33", "1.34", "1.35"])
def test_a_non_sidecar_init_container_may_ask_for_restart_before_136(release: str) -> None:
    """The 1.36 rule does not exist before: the same pod is created."""
    pod = pod_from_dict(
        _manifest(
            {
                "initContainers": [
                    {
                        "name": "ictr",
                        "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "RestartContainer"}],
                    }
                ],
                "containers": [{"name": "ctr"}],
            }
        ),
        release=release_profile(release),
    )
    assert pod.init_containers[0].resize_policy == (("cpu", "RestartContainer"),)


@pytest.mark.parametrize(
    ("release", "words"), [("1.35", "when `restartPolicy`"), ("1.36", "when pod `restartPolicy`")]
)
def test_a_never_pod_with_restart_container_is_refused(release: str, words: str) -> None:
    manifest = _manifest(
        {
            "containers": [
                {
                    "name": "ctr",
                    "resizePolicy": [{"resourceName": "memory", "restartPolicy": "RestartContainer"}],
                }
            ]
        }
    )
    manifest["spec"]["restartPolicy"] = "Never"
    with pytest.raises(InputError) as info:
        pod_from_dict(manifest, release=release_profile(release))
    assert info.value.field == "spec.containers[0].resizePolicy"
    assert (
        info.value.message == f"Invalid value: \"RestartContainer\": must be 'NotRequired' {words} is 'Never'"
    )
