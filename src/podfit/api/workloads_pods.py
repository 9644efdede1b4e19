"""What every workload controller does alike: read a count, make a pod from a template, own it."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from podfit.errors import InputError
from podfit.model.gotext import json_text

__all__ = [
    "MAX_PODS_PER_WORKLOAD",
    "CustomResource",
    "WorkloadPods",
    "count_field",
    "has_pod_template",
    "mapping_field",
    "new_pod",
    "object_uid",
    "owner_reference",
]

# More pods than any node holds; a guard against `replicas: 2147483647` exhausting memory.
MAX_PODS_PER_WORKLOAD: Final = 100_000


@dataclass(frozen=True, slots=True)
class WorkloadPods:
    """What one manifest becomes.

    ``pods``: Pod manifests in creation order (a bare Pod comes back as given, or with its
    ``generateName`` resolved). ``template_path``: where the pods' template sits in the manifest
    (``spec.template``; ``""`` for a Pod), so a pod's field path maps back to the input.
    ``notes``: one line each for what produced no pod (``skipped Service/web: not a workload``,
    ``no pods from Deployment/web: replicas is 0``). ``skipped``: not a workload nor a Pod (or
    a workload without a pod template), as opposed to a workload that runs no pod.
    ``pod_paths``: each pod's own template path when the pods come from several templates.
    """

    kind: str
    name: str
    pods: tuple[Mapping[str, Any], ...] = ()
    template_path: str = ""
    notes: tuple[str, ...] = ()
    skipped: bool = False
    pod_paths: tuple[str, ...] = ()

    def pod_path(self, i: int) -> str:
        """Where pod ``i``'s template sits: its own (an operator's job has one template per
        replica type) or the workload's ``template_path``."""
        return self.pod_paths[i] if i < len(self.pod_paths) else self.template_path


@dataclass(frozen=True, slots=True)
class CustomResource:
    """An operator's custom resource, its identity checked: what its controller reads."""

    kind: str
    api_version: str
    name: str
    namespace: str
    uid: str
    spec: Mapping[str, Any]

    def owner(self) -> dict[str, Any]:
        """The controller reference on what the operator creates."""
        return owner_reference(self.api_version, self.kind, self.name, self.uid)


def mapping_field(obj: Mapping[str, Any], key: str, field: str) -> Mapping[str, Any] | None:
    """``obj[key]`` when it is an object; ``None`` when unset or null; an error otherwise."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InputError(field, f"expected an object, got {json_text(value)}")
    return value


def count_field(obj: Mapping[str, Any], key: str, field: str, default: int | None) -> int | None:
    """An int32 count such as ``replicas``: unset (or null) gives ``default``; ≥ 0, bounded."""
    value = obj.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(field, f"must be an integer, not {json_text(value)}")
    if value < 0:
        raise InputError(field, f"Invalid value: {value}: must be greater than or equal to 0")
    if value > MAX_PODS_PER_WORKLOAD:
        raise InputError(field, f"{value} pods is more than podfit expands (at most {MAX_PODS_PER_WORKLOAD})")
    return value


def object_uid(kind: str, namespace: str, name: str) -> str:
    """A deterministic UID for an object without one (UUIDv5, as podfit does for pods)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"podfit:{kind}:{namespace}/{name}"))


def owner_reference(api_version: str, kind: str, name: str, uid: str) -> dict[str, Any]:
    """The controller reference a controller sets on what it creates.

    Mirrors: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/controller_ref.go NewControllerRef (v1.36)."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def new_pod(
    template: Mapping[str, Any],
    template_path: str,
    *,
    name: str,
    namespace: str,
    generate_name: str = "",
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    finalizers: tuple[str, ...] = (),
    owner: Mapping[str, Any] | None = None,
    spec_fields: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A pod from a template: the template's labels, annotations and finalizers, then the
    controller's additions (``labels`` win), the template's spec copied (then ``spec_fields`` set).
    The template's own name and namespace are ignored, as the controllers ignore them.

    Mirrors: pkg/controller/controller_utils.go GetPodFromTemplate (v1.36)."""
    tmeta = mapping_field(template, "metadata", f"{template_path}.metadata") or {}
    pod_labels = dict(mapping_field(tmeta, "labels", f"{template_path}.metadata.labels") or {})
    pod_labels.update(labels or {})
    pod_annotations = dict(mapping_field(tmeta, "annotations", f"{template_path}.metadata.annotations") or {})
    pod_annotations.update(annotations or {})
    own_finalizers = tmeta.get("finalizers") or []
    if not isinstance(own_finalizers, list):
        raise InputError(f"{template_path}.metadata.finalizers", "expected a list")
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if generate_name:
        meta["generateName"] = generate_name
    if pod_labels:
        meta["labels"] = pod_labels
    if pod_annotations:
        meta["annotations"] = pod_annotations
    all_finalizers = [*own_finalizers, *(f for f in finalizers if f not in own_finalizers)]
    if all_finalizers:
        meta["finalizers"] = all_finalizers
    if owner is not None:
        meta["ownerReferences"] = [dict(owner)]
    pod: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": meta}
    if "spec" in template:
        spec = copy.deepcopy(template["spec"])
        if isinstance(spec, Mapping) and spec_fields:
            spec = {**spec, **spec_fields}
        pod["spec"] = spec
    return pod


def has_pod_template(obj: Any, depth: int = 0) -> bool:
    """Whether a custom resource holds a pod spec (``containers``) somewhere: a training job, a
    Volcano job, a JobSet, an operator's database, ..."""
    if depth > 8:
        return False
    if isinstance(obj, Mapping):
        if isinstance(obj.get("containers"), list):
            return True
        return any(has_pod_template(v, depth + 1) for v in obj.values())
    if isinstance(obj, list):
        return any(has_pod_template(v, depth + 1) for v in obj)
    return False
