"""The node's pods as ``kubectl get pods -A -o json --field-selector spec.nodeName=N`` shows them:
read (leniently: what podfit does not model is dropped, a pod it cannot read is a note) and
written (for a simulated node, so that a capture of it carries a pod list too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from podfit.api.pods import pod_from_dict
from podfit.errors import InputError
from podfit.model.gotext import json_type
from podfit.model.pod import Container, Pod, ResourceRequirements

__all__ = ["LivePod", "pod_manifest", "pods_document", "read_pods_document"]

_KEEP_META = ("name", "namespace", "uid")
_KEEP_CONTAINER = ("name", "resources", "restartPolicy")
_KEEP_SPEC = (
    "initContainers",
    "containers",
    "ephemeralContainers",
    "resources",
    "overhead",
    "os",
    "restartPolicy",
)
_TERMINAL = ("Succeeded", "Failed")


@dataclass(frozen=True)
class LivePod:
    """A pod of the node's pod list: the podfit pod, its phase and the node it is bound to."""

    pod: Pod
    phase: str
    node_name: str
    created: str = ""  # metadata.creationTimestamp (RFC 3339: sorts as text)

    @property
    def active(self) -> bool:
        """Not terminal (the kubelet's ``GetActivePods`` leaves terminal pods out)."""
        return self.phase not in _TERMINAL


def _quantity(resource: str, value: int) -> str:
    return f"{value}m" if resource == "cpu" else str(value)


def _resources(r: ResourceRequirements | None) -> dict[str, Any]:
    if r is None:
        return {}
    out: dict[str, Any] = {}
    for part, values in (("requests", r.requests), ("limits", r.limits)):
        if values:
            out[part] = {k: _quantity(k, v) for k, v in values.items()}
    return out


def _container(c: Container) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name, "resources": _resources(c.resources)}
    if c.restart_policy is not None:
        out["restartPolicy"] = c.restart_policy
    return out


def pod_manifest(pod: Pod, node_name: str, phase: str = "Running") -> dict[str, Any]:
    """A Pod object for ``pod`` (resources as canonical quantities) bound to ``node_name``."""
    spec: dict[str, Any] = {"nodeName": node_name, "containers": [_container(c) for c in pod.containers]}
    if pod.init_containers:
        spec["initContainers"] = [_container(c) for c in pod.init_containers]
    if pod.resources is not None:
        spec["resources"] = _resources(pod.resources)
    if pod.overhead:
        spec["overhead"] = {k: _quantity(k, v) for k, v in pod.overhead.items()}
    if pod.restart_policy != "Always":
        spec["restartPolicy"] = pod.restart_policy
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
        "spec": spec,
        "status": {"phase": phase},
    }


def pods_document(pods: Iterable[tuple[Pod, str]], node_name: str) -> dict[str, Any]:
    """``kind: List`` of ``(pod, phase)``, as ``kubectl get pods -o json`` prints it."""
    return {
        "apiVersion": "v1",
        "kind": "List",
        "items": [pod_manifest(p, node_name, phase) for p, phase in pods],
        "metadata": {"resourceVersion": ""},
    }


def _pick(obj: Any, keys: Sequence[str]) -> dict[str, Any]:
    return {k: obj[k] for k in keys if isinstance(obj, Mapping) and k in obj}


def _resources_only(res: Any) -> dict[str, Any]:
    return _pick(res, ("requests", "limits"))


def _prune(item: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a full Pod object that the kubelet's resource managers read."""
    spec = _pick(item.get("spec") or {}, _KEEP_SPEC)
    for section in ("initContainers", "containers", "ephemeralContainers"):
        if isinstance(spec.get(section), list):
            spec[section] = [
                {**_pick(c, _KEEP_CONTAINER), "resources": _resources_only((c or {}).get("resources") or {})}
                for c in spec[section]
            ]
    if "resources" in spec:
        spec["resources"] = _resources_only(spec["resources"])
    status = _pick(item.get("status") or {}, ("qosClass",))
    out = {"metadata": _pick(item.get("metadata") or {}, _KEEP_META), "spec": spec}
    if status:
        out["status"] = status
    return out


def _text(item: Mapping[str, Any], section: str, key: str, default: str) -> str:
    part = item.get(section)
    value = part.get(key) if isinstance(part, Mapping) else None
    return value if isinstance(value, str) else default


def read_pods_document(doc: Any, source: str) -> tuple[list[LivePod], list[str]]:
    """The pods of a ``kind: List`` (or a single Pod) document, and one note per pod that could not
    be read (the rest are still used). ``InputError`` when the document is not a pod list at all."""
    if not isinstance(doc, Mapping):
        raise InputError("", f"expected a JSON object (kind: List of pods), got {json_type(doc)}", source)
    items = doc.get("items") if doc.get("kind", "List") != "Pod" else [doc]
    if not isinstance(items, list):
        raise InputError("items", "expected a list of pods", source)
    pods: list[LivePod] = []
    notes: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            notes.append(f"{source}: items[{i}]: not an object; skipped")
            continue
        try:
            pod = pod_from_dict(_prune(item))
        except InputError as exc:
            notes.append(f"{source}: items[{i}]: {exc}; skipped")
            continue
        pods.append(
            LivePod(pod, _text(item, "status", "phase", "Unknown"), _text(item, "spec", "nodeName", ""))
        )
    return pods, notes
