"""Decoding a scenario document (a plain mapping: files already read by :mod:`podfit.io.scenario`)
into a :class:`~podfit.model.scenario.Scenario`; field paths in errors follow the document
(``events[2].add.spec.containers[0]...``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from podfit.api.kubelet_config import kubelet_config_for_release, kubelet_config_from_dict
from podfit.api.machines import build_machine
from podfit.api.pods import pod_from_dict
from podfit.api.resize_event import decode_resize
from podfit.errors import InputError
from podfit.model.diagnostics import POD_LEVEL_RESOURCES_GATE_OFF, Diagnostic
from podfit.model.gotext import json_text, json_type
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.node_os import NodeOS, parse_kernel_version
from podfit.model.pod import Pod
from podfit.model.quantity import QuantityError, parse_quantity
from podfit.model.scenario import AddPod, Event, RemovePod, RestartKubelet, RetryResizes, Scenario, StartPod
from podfit.release.profile import (
    DEFAULT_RELEASE,
    SUPPORTED_RELEASES,
    ReleaseProfile,
    parse_kubelet_version,
    release_profile,
)

__all__ = [
    "SourcedPod",
    "api_server_gates",
    "decode_events",
    "decode_kubelet_version",
    "decode_pods",
    "decode_restart",
    "scenario_for_release",
    "scenario_from_dict",
]


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
    "os",
}
OS_KEYS: Final = {"cgroupVersion", "kernelVersion", "pageSize", "hugepageSizes", "swapController"}
EVENT_OPS: Final = ("add", "start", "remove", "resize", "retryResizes", "restart")


def decode_node_os(value: Any, field: str = "node.os") -> NodeOS:
    """``node.os``: ``{cgroupVersion: 2, kernelVersion: "6.8.0", pageSize: 4096,
    hugepageSizes: [2Mi, 1Gi], swapController: true}`` (every key optional)."""
    obj = _mapping(value, field)
    _check_keys(obj, OS_KEYS, field)
    version = obj.get("cgroupVersion", 2)
    if version not in (1, 2) or isinstance(version, bool):
        raise InputError(f"{field}.cgroupVersion", f"expected 1 or 2, got {version!r}")
    kernel = obj.get("kernelVersion")
    if kernel is not None:
        if not isinstance(kernel, str | int | float) or isinstance(kernel, bool):
            raise InputError(f"{field}.kernelVersion", f"expected a version string, got {kernel!r}")
        kernel = str(kernel)
        if parse_kernel_version(kernel) is None:
            raise InputError(f"{field}.kernelVersion", f'"{kernel}" is not a kernel version such as "6.8.0"')
    page = obj.get("pageSize", 4096)
    if isinstance(page, bool) or not isinstance(page, int) or page <= 0 or page & (page - 1):
        raise InputError(f"{field}.pageSize", f"expected a power of two in bytes (4096), got {page!r}")
    sizes_raw = obj.get("hugepageSizes", ["2Mi", "1Gi"])
    if not isinstance(sizes_raw, list):
        raise InputError(f"{field}.hugepageSizes", "expected a list of quantities")
    sizes = []
    for i, text in enumerate(sizes_raw):
        try:
            size = parse_quantity(str(text)).value()
        except (QuantityError, ValueError):
            raise InputError(f"{field}.hugepageSizes[{i}]", f'"{text}" is not a valid quantity') from None
        if size <= 0:
            raise InputError(f"{field}.hugepageSizes[{i}]", "must be positive")
        sizes.append(size)
    swap = obj.get("swapController", True)
    if not isinstance(swap, bool):
        raise InputError(f"{field}.swapController", f"expected a boolean, got {swap!r}")
    return NodeOS(int(version), kernel, page, tuple(sorted(set(sizes))), swap)


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


def scenario_for_release(scenario: Scenario, version: str) -> Scenario:
    """``scenario`` in a cluster of release ``version`` (each release of ``podfit upgrade``): the
    kubelet configuration read by that release (its gate defaults under the same
    ``featureGates``), and the pods as that release's API server keeps them (a 1.33 API server
    with ``PodLevelResources`` off drops ``spec.resources``). The one place a decoded scenario
    changes release; the command line's ``--kubelet-version`` decodes the files for the release.
    """
    config = kubelet_config_for_release(scenario.kubelet_config, _release(version))
    if api_server_gates(config)["PodLevelResources"]:
        events = scenario.events
    else:
        events = tuple(
            AddPod(replace(e.pod, resources=None)) if isinstance(e, AddPod) and e.pod.resources else e
            for e in scenario.events
        )
    return replace(scenario, kubelet_version=version, kubelet_config=config, events=events)


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
    manifest: Any,
    where: str,
    gates: Mapping[str, bool],
    warnings: list[Diagnostic] | None = None,
    release: ReleaseProfile | None = None,
) -> Pod:
    if isinstance(manifest, SourcedPod):
        try:
            body = _mapping(manifest.manifest, manifest.where)
            pod = pod_from_dict(body, feature_gates=gates, release=release)
        except InputError as exc:
            raise exc.under(manifest.where).in_source(manifest.source) from None
        raw, source, at = manifest.manifest, manifest.source, manifest.where
    else:
        body = _mapping(manifest, where)
        try:
            pod = pod_from_dict(body, feature_gates=gates, release=release)
        except InputError as exc:
            raise (exc if exc.source else exc.under(where)) from None
        raw, source, at = manifest, None, where
    if warnings is not None:
        dropped = _dropped_pod_resources(raw, pod, gates, source, at)
        if dropped is not None:
            warnings.append(dropped)
    return pod


def decode_restart(
    value: Any, where: str, *, strict: bool = True, warnings: list[Diagnostic] | None = None
) -> RestartKubelet:
    """``restart: {kubeletVersion: "1.37", kubeletConfig: {...}}`` (both optional; ``restart: {}``
    restarts the same release with the same configuration)."""
    obj = _mapping({} if value is None else value, where)
    _check_keys(obj, {"kubeletVersion", "kubeletConfig"}, where)
    version = None
    if "kubeletVersion" in obj:
        version = decode_kubelet_version(obj["kubeletVersion"], f"{where}.kubeletVersion")
    config = None
    if "kubeletConfig" in obj:
        field = f"{where}.kubeletConfig"
        found: list[Diagnostic] = []
        try:
            config = kubelet_config_from_dict(
                _mapping(obj["kubeletConfig"], field),
                _release(version) if version is not None else None,
                strict=strict,
                warnings=found,
            )
        except InputError as exc:
            raise exc.under(field) if not exc.source else exc from None
        if warnings is not None:
            warnings.extend(w.under(field) for w in found)
    return RestartKubelet(kubelet_version=version, kubelet_config=config)


def decode_events(
    raw: Sequence[Any],
    gates: Mapping[str, bool],
    warnings: list[Diagnostic] | None = None,
    *,
    strict: bool = True,
    release: ReleaseProfile | None = None,
) -> tuple[Event, ...]:
    """Events: ``{add: <Pod manifest>}``, ``{start: ns/name | {uid}}``,
    ``{remove: ns/name | {uid}}``, ``{resize: {...}}`` (:mod:`podfit.api.resize_event`),
    ``{retryResizes: {}}`` or ``{restart: {kubeletVersion?, kubeletConfig?}}`` (field ``events``)."""
    events: list[Event] = []
    known: dict[str, Pod] = {}
    for i, item in enumerate(raw):
        where = f"events[{i}]"
        obj = _mapping(item, where)
        if len(obj) != 1 or next(iter(obj)) not in EVENT_OPS:
            raise InputError(where, "expected exactly one of " + ", ".join(EVENT_OPS))
        ((op, value),) = obj.items()
        if op == "restart":
            events.append(decode_restart(value, f"{where}.restart", strict=strict, warnings=warnings))
        elif op == "add":
            pod = _decode_pod(value, f"{where}.add", gates, warnings, release)
            known[pod.key] = pod
            events.append(AddPod(pod))
        elif op == "resize":
            events.append(decode_resize(value, where, _pod_ref, known))
        elif op == "retryResizes":
            if value not in (None, {}):
                raise InputError(f"{where}.retryResizes", "expected {}")
            events.append(RetryResizes())
        elif op == "start":
            key, uid = _pod_ref(value, f"{where}.start")
            events.append(StartPod(key=key, uid=uid))
        else:
            key, uid = _pod_ref(value, f"{where}.remove")
            events.append(RemovePod(key=key, uid=uid))
    return tuple(events)


def decode_pods(
    raw: Sequence[Any],
    gates: Mapping[str, bool],
    warnings: list[Diagnostic] | None = None,
    release: ReleaseProfile | None = None,
) -> tuple[Event, ...]:
    """The ``pods: [...]`` shorthand: every entry is added in order."""
    return tuple(AddPod(_decode_pod(p, f"pods[{i}]", gates, warnings, release)) for i, p in enumerate(raw))


def api_server_gates(config: KubeletConfig) -> dict[str, bool]:
    """The gates the API server decodes pods with: its release's defaults (the cluster runs the
    kubelet's release), with a gate the kubelet enables taken as enabled cluster-wide (an alpha
    ``PodLevelResources`` on a 1.33 kubelet). So a 1.33 cluster drops ``spec.resources`` by default
    (the field never reaches the kubelet), while on 1.34+ it reaches a kubelet whose own gate is
    off, which then rejects the pod (``PodLevelResourcesNotSupported``).

    Mirrors: pkg/apis/core/v1/defaults.go SetDefaults_Pod (the gates it reads) and the API
    server dropping disabled fields (pkg/api/pod/util.go dropDisabledFields).
    """
    release = config.release
    plr = release.gates.value("PodLevelResources", {}) or config.feature_gates.enabled("PodLevelResources")
    return {
        "PodLevelResources": plr,
        "PodLevelResourcesFixUpdateDefaulting": plr and release.switches.api_pod_level_limits_defaulting,
    }


def _release(version: str) -> ReleaseProfile:
    profile = release_profile(version)
    assert profile is not None  # decode_kubelet_version accepts modelled releases only
    return profile


def scenario_from_dict(
    doc: Mapping[str, Any],
    kubelet_version: str | None = None,
    *,
    strict: bool = True,
    warnings: list[Diagnostic] | None = None,
) -> Scenario:
    """Decode a Scenario document whose file references were already resolved.

    ``kubelet_version`` (a release podfit models, e.g. from ``--kubelet-version``) overrides
    ``node.kubeletVersion``; the configuration is decoded and defaulted for that release.
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
    if kubelet_version is not None:
        version = decode_kubelet_version(kubelet_version, "--kubelet-version")
    elif "kubeletVersion" in node:
        version = decode_kubelet_version(node["kubeletVersion"], "node.kubeletVersion")
    else:
        version = DEFAULT_RELEASE
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
            _mapping(doc.get("kubeletConfig", {}), "kubeletConfig"),
            _release(version),
            strict=strict,
            warnings=config_warnings,
        )
    except InputError as exc:
        raise exc.under("kubeletConfig") if not exc.source else exc from None
    collected.extend(w.under("kubeletConfig") for w in config_warnings)
    if "events" in doc and "pods" in doc:
        raise InputError("pods", "give either events or pods, not both")
    gates = api_server_gates(config)
    if "pods" in doc:
        pods = doc["pods"]
        if not isinstance(pods, list):
            raise InputError("pods", "expected a list of Pod manifests")
        events = decode_pods(pods, gates, collected, config.release)
    else:
        raw = doc.get("events", [])
        if not isinstance(raw, list):
            raise InputError("events", "expected a list")
        events = decode_events(raw, gates, collected, strict=strict, release=config.release)
    node_os = decode_node_os(node["os"]) if node.get("os") is not None else NodeOS()
    return Scenario(
        name=name,
        node_name=node_name,
        machine=machine,
        kubelet_config=config,
        events=events,
        kubelet_version=version,
        node_os=node_os,
        warnings=tuple(collected),
    )
