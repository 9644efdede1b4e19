"""Decoding a policy file (a mapping whose file references the io layer already resolved) into an
:class:`~podfit.admission_policy.values.AdmissionPolicy`; errors name the field
(``spec.nodeShapes[1].kubeletConfig.cpuManagerPolicy``).

A node shape is a scenario's ``node`` (``machine`` | ``preset`` | ``cpus`` | ``sysfs``, devices,
``kubeletVersion``) plus its ``kubeletConfig``. A shape whose kubelet would refuse to start, or that
sets a pod-level gate its release does not know, is an input error: the policy is checked once,
when it is loaded, never per pod.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from podfit.admission_policy import gates as release_gates
from podfit.admission_policy.values import (
    ACTIONS,
    ALLOW,
    API_VERSION,
    DENY,
    KIND,
    RULES,
    AdmissionPolicy,
    Mutations,
    NodeShape,
    PodLevelResourcesMutation,
    SidecarRestartPolicyMutation,
)
from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.machines import build_machine
from podfit.api.scenario import decode_kubelet_version
from podfit.errors import InputError
from podfit.kubelet.startup import kubelet_refusal
from podfit.model.kubelet_config import KubeletConfig
from podfit.release.profile import DEFAULT_RELEASE, release_profile

__all__ = ["decode_label_selector", "policy_from_dict"]

_TOP: Final = {"apiVersion", "kind", "metadata", "spec"}
_SPEC: Final = {
    "onError",
    "failurePolicy",
    "timeoutSeconds",
    "deadlineSeconds",
    "namespaceSelector",
    "objectSelector",
    "nodeShapes",
    "rules",
    "mutations",
}
_SHAPE: Final = {
    "name",
    "machine",
    "preset",
    "cpus",
    "numaNodes",
    "numaDistances",
    "sysfs",
    "devices",
    "kubeletVersion",
    "kubeletConfig",
}
_OPERATORS: Final = ("In", "NotIn", "Exists", "DoesNotExist")
_DNS_LABEL_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _mapping(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(field, f"expected an object, got {type(value).__name__}")
    return value


def _keys(obj: Mapping[str, Any], allowed: set[str] | frozenset[str], prefix: str) -> None:
    for key in obj:
        if key not in allowed:
            raise InputError(f"{prefix}.{key}" if prefix else str(key), "unknown field")


def _str_list(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(field, "expected a list of non-empty strings")
    return tuple(value)


def decode_label_selector(value: Any, field: str) -> Mapping[str, Any]:
    """A metav1.LabelSelector (``matchLabels``, ``matchExpressions``), checked and kept as a mapping."""
    sel = _mapping(value, field)
    _keys(sel, {"matchLabels", "matchExpressions"}, field)
    out: dict[str, Any] = {}
    if "matchLabels" in sel:
        labels = _mapping(sel["matchLabels"], f"{field}.matchLabels")
        for k, v in labels.items():
            if not isinstance(k, str) or not k or not isinstance(v, str):
                raise InputError(f"{field}.matchLabels.{k}", "expected a string label value")
        out["matchLabels"] = dict(labels)
    if "matchExpressions" in sel:
        raw = sel["matchExpressions"]
        if not isinstance(raw, list):
            raise InputError(f"{field}.matchExpressions", "expected a list")
        exprs = []
        for i, item in enumerate(raw):
            at = f"{field}.matchExpressions[{i}]"
            e = _mapping(item, at)
            _keys(e, {"key", "operator", "values"}, at)
            if not isinstance(e.get("key"), str) or not e["key"]:
                raise InputError(f"{at}.key", "Required value")
            op = e.get("operator")
            if op not in _OPERATORS:
                raise InputError(f"{at}.operator", f"expected one of {', '.join(_OPERATORS)}, got {op!r}")
            values = _str_list(e.get("values", []), f"{at}.values") if "values" in e else ()
            if op in ("In", "NotIn") and not values:
                raise InputError(f"{at}.values", f"must be specified when operator is {op}")
            if op in ("Exists", "DoesNotExist") and values:
                raise InputError(f"{at}.values", f"may not be specified when operator is {op}")
            expr: dict[str, Any] = {"key": e["key"], "operator": op}
            if values:
                expr["values"] = list(values)
            exprs.append(expr)
        out["matchExpressions"] = exprs
    return MappingProxyType(out)


def _with_release_gates(
    config: KubeletConfig, release: str, field: str
) -> tuple[KubeletConfig, dict[str, bool]]:
    explicit = dict(config.feature_gates.overrides)
    for gate in (release_gates.PLR, release_gates.PLRM):
        if explicit.get(gate) and not release_gates.gate_known(release, gate):  # false: absent
            raise InputError(
                f"{field}.kubeletConfig.featureGates.{gate}",
                f"unrecognized feature gate: {gate} (the kubelet {release} refuses to start)",
            )
    return config, release_gates.release_gates(release, explicit)


def _node_shape(value: Any, field: str, seen: set[str]) -> NodeShape:
    shape = _mapping(value, field)
    _keys(shape, _SHAPE, field)
    name = shape.get("name")
    if not isinstance(name, str) or not name or not set(name) <= _DNS_LABEL_CHARS:
        raise InputError(f"{field}.name", "expected a lowercase name (a-z, 0-9, -)")
    if name in seen:
        raise InputError(f"{field}.name", f'Duplicate value: "{name}"')
    seen.add(name)
    release = (
        decode_kubelet_version(shape["kubeletVersion"], f"{field}.kubeletVersion")
        if "kubeletVersion" in shape
        else DEFAULT_RELEASE
    )
    node = {k: v for k, v in shape.items() if k not in ("name", "kubeletVersion", "kubeletConfig")}
    try:
        machine = build_machine(node)
    except InputError as exc:
        raise exc.under(field) if not exc.source else exc from None
    raw_config = shape.get(
        "kubeletConfig", {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
    )
    profile = release_profile(release)
    assert profile is not None  # decode_kubelet_version admits only releases podfit models
    try:  # read by the shape's own kubelet release (its fields, gates and defaults)
        config = kubelet_config_from_dict(_mapping(raw_config, "kubeletConfig"), profile)
    except InputError as exc:
        raise exc.under(f"{field}.kubeletConfig") if not exc.source else exc from None
    config, effective = _with_release_gates(config, release, field)
    refusal = kubelet_refusal(config, machine)
    if refusal is not None:
        raise InputError(
            f"{field}.kubeletConfig", f"the kubelet refuses to start: {refusal.reason}: {refusal.message}"
        )
    return NodeShape(name, machine, config, release, MappingProxyType(effective))


def _choice(spec: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    value = spec.get(key, default)
    if value not in allowed:
        raise InputError(f"spec.{key}", f"expected one of {', '.join(allowed)}, got {value!r}")
    return str(value)


def _rules(value: Any) -> dict[str, str]:
    raw = _mapping(value, "spec.rules")
    out = dict(RULES)
    for rule, action in raw.items():
        if rule not in RULES:
            raise InputError(f"spec.rules.{rule}", f"unknown rule (known: {', '.join(RULES)})")
        if action not in ACTIONS:
            raise InputError(f"spec.rules.{rule}", f"expected one of {', '.join(ACTIONS)}, got {action!r}")
        out[str(rule)] = str(action)
    return out


def _mutations(value: Any) -> Mutations:
    raw = _mapping(value, "spec.mutations")
    _keys(raw, {"podLevelResources", "sidecarRestartPolicy"}, "spec.mutations")
    plr = sidecars = None
    if "podLevelResources" in raw:
        at = "spec.mutations.podLevelResources"
        m = _mapping(raw["podLevelResources"] or {}, at)
        _keys(m, {"namespaceSelector"}, at)
        sel = (
            decode_label_selector(m["namespaceSelector"], f"{at}.namespaceSelector")
            if "namespaceSelector" in m
            else None
        )
        plr = PodLevelResourcesMutation(sel)
    if "sidecarRestartPolicy" in raw:
        at = "spec.mutations.sidecarRestartPolicy"
        m = _mapping(raw["sidecarRestartPolicy"], at)
        _keys(m, {"containers", "namespaceSelector"}, at)
        if "containers" not in m:
            raise InputError(f"{at}.containers", "Required value")
        names = _str_list(m["containers"], f"{at}.containers")
        if not names:
            raise InputError(f"{at}.containers", "name at least one init container")
        sel = (
            decode_label_selector(m["namespaceSelector"], f"{at}.namespaceSelector")
            if "namespaceSelector" in m
            else None
        )
        sidecars = SidecarRestartPolicyMutation(names, sel)
    return Mutations(plr, sidecars)


def _number(spec: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"spec.{key}", f"expected a number, got {value!r}")
    if not low <= value <= high:
        raise InputError(f"spec.{key}", f"must be between {low:g} and {high:g}, got {value!r}")
    return float(value)


def policy_from_dict(doc: Mapping[str, Any]) -> AdmissionPolicy:
    """Decode a policy document (``kind: AdmissionPolicy``) whose file references are resolved."""
    doc = _mapping(doc, "")
    _keys(doc, _TOP, "")
    if doc.get("kind") != KIND:
        raise InputError("kind", f'expected "{KIND}", got {doc.get("kind")!r}')
    if doc.get("apiVersion", API_VERSION) != API_VERSION:
        raise InputError("apiVersion", f'expected "{API_VERSION}", got {doc.get("apiVersion")!r}')
    meta = _mapping(doc.get("metadata", {}), "metadata")
    _keys(meta, {"name", "labels", "annotations"}, "metadata")
    name = meta.get("name", "podfit")
    if not isinstance(name, str) or not name or not set(name) <= _DNS_LABEL_CHARS or len(name) > 40:
        raise InputError("metadata.name", "expected a lowercase name of at most 40 characters (a-z, 0-9, -)")
    spec = _mapping(doc.get("spec", {}), "spec")
    _keys(spec, _SPEC, "spec")
    raw_shapes = spec.get("nodeShapes")
    if not isinstance(raw_shapes, list) or not raw_shapes:
        raise InputError("spec.nodeShapes", "declare at least one node shape")
    seen: set[str] = set()
    shapes = tuple(_node_shape(s, f"spec.nodeShapes[{i}]", seen) for i, s in enumerate(raw_shapes))
    timeout = _number(spec, "timeoutSeconds", 5, 1, 30)
    if timeout != int(timeout):
        raise InputError("spec.timeoutSeconds", "expected a whole number of seconds")
    deadline = _number(spec, "deadlineSeconds", round(timeout * 0.8, 3), 0.01, 30)
    if deadline >= timeout:
        raise InputError("spec.deadlineSeconds", f"must be below timeoutSeconds ({int(timeout)})")
    return AdmissionPolicy(
        name=name,
        node_shapes=shapes,
        rules=MappingProxyType(_rules(spec.get("rules", {}))),
        on_error=_choice(spec, "onError", (ALLOW, DENY), ALLOW),
        failure_policy=_choice(spec, "failurePolicy", ("Fail", "Ignore"), "Fail"),
        timeout_seconds=int(timeout),
        deadline_seconds=deadline,
        namespace_selector=(
            decode_label_selector(spec["namespaceSelector"], "spec.namespaceSelector")
            if "namespaceSelector" in spec
            else None
        ),
        object_selector=(
            decode_label_selector(spec["objectSelector"], "spec.objectSelector")
            if "objectSelector" in spec
            else None
        ),
        mutations=_mutations(spec.get("mutations", {})),
    )
