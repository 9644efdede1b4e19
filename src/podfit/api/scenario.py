"""Decoding a scenario document (a plain mapping: files already read by :mod:`podfit.io.scenario`)
into a :class:`~podfit.model.scenario.Scenario`; field paths in errors follow the document
(``events[2].add.spec.containers[0]...``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.machines import build_machine
from podfit.api.pods import pod_from_dict
from podfit.errors import InputError
from podfit.model.diagnostics import POD_LEVEL_RESOURCES_GATE_OFF, Diagnostic
from podfit.model.gotext import json_text, json_type
from podfit.model.pod import Pod
from podfit.model.scenario import AddPod, Event, RemovePod, Scenario, StartPod
from podfit.release.profile import DEFAULT_RELEASE, SUPPORTED_RELEASES, parse_kubelet_version

__all__ = ["SourcedPod", "decode_events", "decode_kubelet_version", "decode_pods", "scenario_from_dict"]


SCENARIO_KEYS: Final = {"apiVersion", "kind", "metadata", "node", "kubeletConfig", "events", "pods"}
NODE_KEYS: Final = {
    "name",
    "machine",
    "preset",
    "cpus",
    "numaNodes",
    "sysfs",
    "devices",
    "numaDistances",
    "kubeletVersion",
}


def decode_kubelet_version(value: Any, field: str) -> str:
    """``node.kubeletVersion`` (or ``--kubelet-version``): a release podfit models, as its minor."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InputError(field, f'expected a version string such as "1.35", got {json_text(value)}')
    text = str(value)
    version = parse_kubelet_version(text)
    if version is None:
        known = ", ".join(SUPPORTED_RELEASES)
        raise InputError(field, f"unsupported kubelet version {text!r} (podfit models {known})")
    return version


def _mapping(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(field, f"expected an object, got {json_type(value)}")
    return value


def _check_keys(obj: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    for key in obj:
        if key not in allowed:
            path = f"{prefix}.{key}" if prefix else str(key)
            raise InputError(path, "unknown field")


def _pod_ref(value: Any, field: str) -> tuple[str | None, str | None]:
    """``namespace/name``, ``{uid}`` or ``{name[, namespace]}`` as (key, uid)."""
    if isinstance(value, str):
        if value.count("/") != 1 or not all(value.split("/")):
            raise InputError(field, f'"{value}" is not of the form namespace/name')
        return value, None
    if not isinstance(value, Mapping):
        raise InputError(field, f'expected "namespace/name" or {{uid: …}}, got {json_text(value)}')
    obj = value
    _check_keys(obj, {"uid", "name", "namespace"}, field)
    if "uid" in obj:
        if not isinstance(obj["uid"], str) or not obj["uid"]:
            raise InputError(f"{field}.uid", "expected a non-empty string")
        return None, obj["uid"]
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        raise InputError(field, "needs uid, or name (and namespace)")
    namespace = obj.get("namespace", "default")
    if not isinstance(namespace, str) or not namespace:
        raise InputError(f"{field}.namespace", "expected a non-empty string")
    return f"{namespace}/{name}", None


@dataclass(frozen=True, slots=True)
class SourcedPod:
    """A Pod manifest read from its own file (errors name that file, not the scenario)."""

    manifest: Mapping[str, Any]
    source: str
    where: str = ""  # e.g. "[document 2]" for multi-document files


def _dropped_pod_resources(
    manifest: Mapping[str, Any], pod: Pod, gates: Mapping[str, bool], source: str | None, where: str
) -> Diagnostic | None:
    """The warning for a pod whose ``spec.resources`` was dropped because the gate is off."""
    if gates.get("PodLevelResources", True):
        return None
    spec = manifest.get("spec")
    if not isinstance(spec, Mapping) or not spec.get("resources"):
        return None
    return Diagnostic(
        POD_LEVEL_RESOURCES_GATE_OFF,
        f"pod {pod.key} sets pod-level resources (spec.resources) but the feature gate "
        "PodLevelResources is off: podfit drops the field, as an API server with the gate off "
        "does; a kubelet with the gate off rejects a pod that still carries it "
        "(PodLevelResourcesNotSupported)",
        source,
        ".".join(p for p in (where, "spec.resources") if p),
        pod.key,
    )


def _decode_pod(
    manifest: Any, where: str, gates: Mapping[str, bool], warnings: list[Diagnostic] | None = None
) -> Pod:
    if isinstance(manifest, SourcedPod):
        try:
            pod = pod_from_dict(_mapping(manifest.manifest, manifest.where), feature_gates=gates)
        except InputError as exc:
            raise exc.under(manifest.where).in_source(manifest.source) from None
        raw, source, at = manifest.manifest, manifest.source, manifest.where
    else:
        body = _mapping(manifest, where)
        try:
            pod = pod_from_dict(body, feature_gates=gates)
        except InputError as exc:
            raise (exc if exc.source else exc.under(where)) from None
        raw, source, at = manifest, None, where
    if warnings is not None:
        dropped = _dropped_pod_resources(raw, pod, gates, source, at)
        if dropped is not None:
            warnings.append(dropped)
    return pod


def decode_events(
    raw: Sequence[Any], gates: Mapping[str, bool], warnings: list[Diagnostic] | None = None
) -> tuple[Event, ...]:
    """Events: ``{add: <Pod manifest>}``, ``{start: ns/name | {uid}}`` or
    ``{remove: ns/name | {uid}}`` (field ``events``)."""
    events: list[Event] = []
    for i, item in enumerate(raw):
        where = f"events[{i}]"
        obj = _mapping(item, where)
        if len(obj) != 1 or next(iter(obj)) not in ("add", "start", "remove"):
            raise InputError(where, "expected exactly one of add, start, remove")
        ((op, value),) = obj.items()
        if op == "add":
            events.append(AddPod(_decode_pod(value, f"{where}.add", gates, warnings)))
        elif op == "start":
            key, uid = _pod_ref(value, f"{where}.start")
            events.append(StartPod(key=key, uid=uid))
        else:
            key, uid = _pod_ref(value, f"{where}.remove")
            events.append(RemovePod(key=key, uid=uid))
    return tuple(events)


def decode_pods(
    raw: Sequence[Any], gates: Mapping[str, bool], warnings: list[Diagnostic] | None = None
) -> tuple[Event, ...]:
    """The ``pods: [...]`` shorthand: every entry is added in order."""
    return tuple(AddPod(_decode_pod(p, f"pods[{i}]", gates, warnings)) for i, p in enumerate(raw))


def scenario_from_dict(
    doc: Mapping[str, Any], *, strict: bool = True, warnings: list[Diagnostic] | None = None
) -> Scenario:
    """Decode a Scenario document whose file references were already resolved.

    ``strict``: the kubelet configuration is decoded strictly (unknown fields, a missing
    apiVersion, unknown feature gates are errors); otherwise as the kubelet reads its file, with
    warnings. The scenario carries every warning of its decoding (``warnings``, when given, holds
    earlier ones, e.g. the YAML reader's, and receives the new ones) in ``Scenario.warnings``."""
    collected: list[Diagnostic] = warnings if warnings is not None else []
    _check_keys(doc, SCENARIO_KEYS, "")
    if doc.get("kind", "Scenario") != "Scenario":
        raise InputError("kind", f'expected "Scenario", got "{doc.get("kind")}"')
    meta = _mapping(doc.get("metadata", {}), "metadata")
    _check_keys(meta, {"name", "description"}, "metadata")
    name = meta.get("name", "scenario")
    if not isinstance(name, str):
        raise InputError("metadata.name", "expected a string")
    if "node" not in doc:
        raise InputError("node", "required field is missing")
    node = _mapping(doc["node"], "node")
    _check_keys(node, NODE_KEYS, "node")
    version = (
        decode_kubelet_version(node["kubeletVersion"], "node.kubeletVersion")
        if "kubeletVersion" in node
        else DEFAULT_RELEASE
    )
    node_name = node.get("name", "node")
    if not isinstance(node_name, str):
        raise InputError("node.name", "expected a string")
    try:
        machine = build_machine(node)
    except InputError as exc:
        raise exc.under("node") if not exc.source else exc from None
    config_warnings: list[Diagnostic] = []
    try:
        config = kubelet_config_from_dict(
            _mapping(doc.get("kubeletConfig", {}), "kubeletConfig"), strict=strict, warnings=config_warnings
        )
    except InputError as exc:
        raise exc.under("kubeletConfig") if not exc.source else exc from None
    collected.extend(w.under("kubeletConfig") for w in config_warnings)
    if "events" in doc and "pods" in doc:
        raise InputError("pods", "give either events or pods, not both")
    gates = {"PodLevelResources": config.feature_gates.enabled("PodLevelResources")}
    if "pods" in doc:
        pods = doc["pods"]
        if not isinstance(pods, list):
            raise InputError("pods", "expected a list of Pod manifests")
        events = decode_pods(pods, gates, collected)
    else:
        raw = doc.get("events", [])
        if not isinstance(raw, list):
            raise InputError("events", "expected a list")
        events = decode_events(raw, gates, collected)
    return Scenario(
        name=name,
        node_name=node_name,
        machine=machine,
        kubelet_config=config,
        events=events,
        kubelet_version=version,
        warnings=tuple(collected),
    )
