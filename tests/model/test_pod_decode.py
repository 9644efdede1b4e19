"""Strict decoding of Pod manifests: unknown fields, wrong types, quantities, names, defaults."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from podfit.api.pod_decode import default_uid
from podfit.api.pods import pod_from_dict
from podfit.errors import InputError

BASE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": {"a": "b"}},
    "spec": {
        "containers": [
            {
                "name": "app",
                "image": "nginx",
                "command": ["nginx"],
                "ports": [{"containerPort": 80}],
                "env": [{"name": "A", "value": "1"}],
                "volumeMounts": [{"name": "v", "mountPath": "/v"}],
                "livenessProbe": {"httpGet": {"path": "/", "port": 80}},
                "securityContext": {"runAsUser": 1000},
                "resources": {"requests": {"cpu": "500m", "memory": "64Mi"}, "limits": {"cpu": 1}},
            }
        ],
        "volumes": [{"name": "v", "emptyDir": {}}],
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "affinity": {},
        "nodeSelector": {"disk": "ssd"},
    },
}


def _pod(**patch: Any) -> dict[str, Any]:
    obj = copy.deepcopy(BASE)
    for dotted, value in patch.items():
        target = obj
        keys = dotted.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        last = keys[-1]
        if value is _DELETE:
            del target[last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return obj


_DELETE = object()


def test_realistic_manifest_decodes_with_defaults() -> None:
    pod = pod_from_dict(BASE)
    assert pod.key == "default/web"
    assert pod.uid == default_uid("default", "web") == pod_from_dict(BASE).uid
    assert pod.restart_policy == "Always"
    (c,) = pod.containers
    assert c.kind == "app"
    assert dict(c.resources.requests) == {"cpu": 500, "memory": 64 * 2**20}
    assert dict(c.resources.limits) == {"cpu": 1000}
    assert pod.resources is None


# Fields of the newest releases a `kubectl get pod -o yaml` dump carries (v1.36 types.go): known,
# so they are no "unknown field" (the API server of that release accepts them).
@pytest.mark.parametrize(
    "patch",
    [
        {"spec__schedulingGroup": {"podGroupName": "g"}},
        {"spec__workloadRef": {"name": "w", "podGroup": "g"}},
        {"status": {"nodeAllocatableResourceClaimStatuses": [], "observedGeneration": 1}},
        {"spec__containers__0__restartPolicyRules": []},
    ],
)
def test_fields_of_recent_releases(patch: dict[str, Any]) -> None:
    assert pod_from_dict(_pod(**patch)).key == "default/web"


def test_uid_and_namespace_given() -> None:
    pod = pod_from_dict(_pod(metadata={"name": "a", "namespace": "team", "uid": "u-1"}))
    assert (pod.key, pod.uid) == ("team/a", "u-1")
    assert default_uid("team", "a") != default_uid("team", "b")


def test_container_kinds() -> None:
    obj = _pod()
    obj["spec"]["initContainers"] = [{"name": "init"}, {"name": "side", "restartPolicy": "Always"}]
    obj["spec"]["ephemeralContainers"] = [{"name": "debug", "image": "busybox", "targetContainerName": "app"}]
    pod = pod_from_dict(obj)
    assert [c.kind for c in pod.init_containers] == ["init", "sidecar"]
    assert pod.ephemeral_containers[0].kind == "ephemeral"
    assert pod.container("side") is not None and pod.container("side").is_restartable_init  # type: ignore[union-attr]


def test_limits_default_requests_and_fraction_of_a_byte_rounds_up() -> None:
    obj = _pod(spec__containers__0__resources={"limits": {"memory": "1.5", "cpu": "0.0001"}})
    (c,) = pod_from_dict(obj).containers
    assert dict(c.resources.requests) == dict(c.resources.limits) == {"memory": 2, "cpu": 1}


@pytest.mark.parametrize(
    ("patch", "field", "message"),
    [
        ({"spec__containers__0__resourcez": {}}, "spec.containers[0].resourcez", "unknown field"),
        ({"spec__hostNetwrk": True}, "spec.hostNetwrk", "unknown field"),
        ({"metadata__nam": "x"}, "metadata.nam", "unknown field"),
        ({"extra": 1}, "extra", "unknown field"),
        (
            {"spec__containers__0__resources__request": {}},
            "spec.containers[0].resources.request",
            "unknown field",
        ),
        ({"status": {"qosClas": "Guaranteed"}}, "status.qosClas", "unknown field"),
        ({"spec__containers": "app"}, "spec.containers", 'must be an array, not string "app"'),
        ({"spec__containers__0": "app"}, "spec.containers[0]", 'must be an object, not string "app"'),
        ({"spec__containers__0__name": 3}, "spec.containers[0].name", "must be a string, not number 3"),
        (
            {"spec__containers__0__resources": []},
            "spec.containers[0].resources",
            "must be an object, not array []",
        ),
        (
            {"spec__containers__0__resources__limits": "1"},
            "spec.containers[0].resources.limits",
            'must be an object, not string "1"',
        ),
        ({"spec__restartPolicy": 1}, "spec.restartPolicy", "must be a string, not number 1"),
        ({"metadata": "web"}, "metadata", 'must be an object, not string "web"'),
        (
            {"spec__containers__0__resources__limits": {"cpu": True}},
            "spec.containers[0].resources.limits.cpu",
            "must be a quantity (string or number), not boolean true",
        ),
    ],
)
def test_strict_fields_and_types(patch: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        pod_from_dict(_pod(**patch))
    assert (info.value.field, info.value.message) == (field, message)


@pytest.mark.parametrize(
    ("resources", "field", "message"),
    [
        (
            {"limits": {"cpu": "8Gi"}},
            "spec.containers[0].resources.limits.cpu",
            '"8Gi" is not a valid CPU quantity',
        ),
        (
            {"limits": {"cpu": "lots"}},
            "spec.containers[0].resources.limits.cpu",
            '"lots" is not a valid CPU quantity',
        ),
        (
            {"requests": {"memory": "1 G"}},
            "spec.containers[0].resources.requests.memory",
            '"1 G" is not a valid quantity',
        ),
    ],
)
def test_bad_quantities(resources: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        pod_from_dict(_pod(spec__containers__0__resources=resources))
    assert (info.value.field, info.value.message) == (field, message)


# A quantity as YAML hands it over (real manifests: Helm output with an empty value, a padded
# string, bare numbers) -> the container's limits as the API server stores them. kubectl turns
# YAML into JSON (a number beyond uint64 becomes a float64, 1e+23) and Quantity.UnmarshalJSON
# reads null as zero and trims white space.
@pytest.mark.parametrize(
    ("cpu", "memory", "expect"),
    [
        (None, "1Gi", {"cpu": 0, "memory": 1 << 30}),  # helm: `cpu: {{ .Values.cpu }}` left empty
        (" 2 ", "1Gi ", {"cpu": 2000, "memory": 1 << 30}),
        (0.5, 1.5e9, {"cpu": 500, "memory": 1_500_000_000}),
        ("1e3", 1073741824, {"cpu": 1_000_000, "memory": 1 << 30}),
        # 10**20 > uint64: a float64, written 100000000000000000000 (inf.Dec: Value() wraps)
        (2, 10**20, {"cpu": 2000, "memory": 10**20 % (1 << 64)}),
        (2, 1e21, {"cpu": 2000, "memory": 0}),  # written 1e+21: the int64 fast path overflows to 0
        # 99999999999999999999999 reaches the API server as 1e+23 (int64 fast path, Value() 0)
        (2, 99999999999999999999999, {"cpu": 2000, "memory": 0}),
    ],
)
def test_quantities_as_kubectl_sends_them(cpu: Any, memory: Any, expect: dict[str, int]) -> None:
    obj = _pod(spec__containers__0__resources={"limits": {"cpu": cpu, "memory": memory}})
    (c,) = pod_from_dict(obj).containers
    assert dict(c.resources.limits) == expect


@pytest.mark.parametrize(
    ("value", "message"),
    [(float("inf"), "json: unsupported value: +Inf"), (float("nan"), "json: unsupported value: NaN")],
)
def test_quantities_json_cannot_carry(value: float, message: str) -> None:
    with pytest.raises(InputError) as info:
        pod_from_dict(_pod(spec__containers__0__resources={"limits": {"cpu": value}}))
    assert (info.value.field, info.value.message) == ("spec.containers[0].resources.limits.cpu", message)


@pytest.mark.parametrize(
    ("obj", "field", "start"),
    [
        (_pod(metadata={}), "metadata.name", "Required value"),
        (
            _pod(metadata={"name": "Web_1"}),
            "metadata.name",
            'Invalid value: "Web_1": a lowercase RFC 1123 subdomain',
        ),
        (
            _pod(metadata={"name": "a", "namespace": "a.b"}),
            "metadata.namespace",
            'Invalid value: "a.b": a lowercase RFC 1123 label',
        ),
        (_pod(spec__containers=[]), "spec.containers", "Required value"),
        (
            _pod(spec__containers__0__name="App"),
            "spec.containers[0].name",
            'Invalid value: "App": a lowercase RFC 1123 label',
        ),
        (_pod(spec__containers__0__name=_DELETE), "spec.containers[0].name", "Required value"),
        (_pod(kind="Deployment"), "kind", 'Unsupported value: "Deployment"'),
        (_pod(apiVersion="apps/v1"), "apiVersion", 'Unsupported value: "apps/v1"'),
        (_pod(spec__restartPolicy="Sometimes"), "spec.restartPolicy", 'Unsupported value: "Sometimes"'),
        (_pod(spec__os={"name": "plan9"}), "spec.os.name", 'Unsupported value: "plan9"'),
        (_pod(status={"qosClass": "Gold"}), "status.qosClass", 'Unsupported value: "Gold"'),
    ],
)
def test_api_validation_errors(obj: dict[str, Any], field: str, start: str) -> None:
    with pytest.raises(InputError) as info:
        pod_from_dict(obj)
    assert info.value.field == field
    assert info.value.message.startswith(start)


def test_duplicate_container_names_across_sections() -> None:
    obj = _pod()
    obj["spec"]["initContainers"] = [{"name": "app"}]
    with pytest.raises(InputError) as info:
        pod_from_dict(obj)
    assert (info.value.field, info.value.message) == ("spec.initContainers[0].name", 'Duplicate value: "app"')


def test_container_restart_policies() -> None:
    obj = _pod(spec__containers__0__restartPolicy="Always")
    with pytest.raises(InputError, match="may not be set for non-init containers"):
        pod_from_dict(obj)
    obj = _pod()
    obj["spec"]["initContainers"] = [{"name": "i", "restartPolicy": "Never"}]
    with pytest.raises(InputError) as info:
        pod_from_dict(obj)
    assert info.value.field == "spec.initContainers[0].restartPolicy"
    obj = _pod()
    obj["spec"]["ephemeralContainers"] = [{"name": "d", "resources": {"limits": {"cpu": "1"}}}]
    with pytest.raises(InputError, match="cannot be set for an Ephemeral Container"):
        pod_from_dict(obj)


def test_status_qos_class_kept_and_os() -> None:
    pod = pod_from_dict(
        _pod(status={"qosClass": "Burstable", "phase": "Pending"}, spec__os={"name": "linux"})
    )
    assert (pod.qos_status, pod.os_name) == ("Burstable", "linux")


def test_error_renders_with_path() -> None:
    with pytest.raises(InputError) as info:
        pod_from_dict(_pod(spec__containers__0__resources={"limits": {"cpu": "8Gi"}}))
    assert str(info.value) == 'spec.containers[0].resources.limits.cpu: "8Gi" is not a valid CPU quantity'


def test_empty_pod_resources_stanza_is_kept_but_not_set() -> None:
    pod = pod_from_dict(_pod(spec__resources={}))
    assert pod.resources is not None and pod.resources.is_empty


def test_feature_gates_object_is_accepted() -> None:
    class Gates:
        def enabled(self, name: str) -> bool:
            return name != "PodLevelResources"

    pod = pod_from_dict(_pod(spec__resources={"requests": {"cpu": "1"}}), feature_gates=Gates())
    assert pod.resources is None
