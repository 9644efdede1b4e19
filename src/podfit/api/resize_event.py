"""Decoding a scenario's ``resize:`` event (``kubectl patch --subresource resize``) into a
:class:`~podfit.model.scenario.ResizePod`.

```yaml
- resize:
    pod: default/orders-db-0              # namespace/name, or {uid: ...}
    resources: {requests: {cpu: "10"}, limits: {cpu: "10"}}      # pod-level spec.resources
    containers:                                                  # app, init and sidecar containers
      database: {requests: {cpu: "8"}, limits: {cpu: "8"}}
      backup-agent: {requests: {memory: null}}                   # null deletes the key
    resizePolicy: {database: {memory: RestartContainer}}         # optional
```

A container name that the pod (when it was added earlier in the same scenario) does not have is
invalid input, as is a malformed quantity; what the API server refuses is decided later, per release
(:mod:`podfit.api.pod_resize`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from podfit.api.pod_decode import canonical_value, quantity_text
from podfit.api.pod_resize_policy import RESIZE_POLICIES
from podfit.errors import InputError
from podfit.model.pod import RESOURCE_CPU, RESOURCE_MEMORY, Pod
from podfit.model.scenario import ResizePod, ResourcePatch

__all__ = ["decode_resize"]

RESIZE_KEYS: Final = frozenset({"pod", "resources", "containers", "resizePolicy"})


def _mapping(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(field, f"expected an object, got {type(value).__name__}")
    return value


def _resource_list(raw: Any, field: str) -> tuple[tuple[str, int | None], ...]:
    obj = _mapping(raw, field)
    out: list[tuple[str, int | None]] = []
    for name, value in obj.items():
        where = f"{field}.{name}"
        if not isinstance(name, str) or not name:
            raise InputError(field, f"resource name {name!r} must be a non-empty string")
        if value is None:
            out.append((name, None))
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise InputError(where, "must be a quantity (string or number) or null")
        q = canonical_value(name, quantity_text(value, where), where)
        if q.negative:
            raise InputError(where, "must be greater than or equal to 0")
        out.append((name, q.value))
    return tuple(sorted(out))


def _patch(raw: Any, field: str) -> ResourcePatch:
    obj = _mapping(raw, field)
    for key in obj:
        if key not in ("requests", "limits"):
            raise InputError(f"{field}.{key}", "unknown field (expected requests, limits)")
    requests = _resource_list(obj["requests"], f"{field}.requests") if obj.get("requests") is not None else ()
    limits = _resource_list(obj["limits"], f"{field}.limits") if obj.get("limits") is not None else ()
    return ResourcePatch(requests, limits)


def _policies(raw: Any, field: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    obj = _mapping(raw, field)
    out = []
    for name, by_resource in obj.items():
        where = f"{field}.{name}"
        pairs = []
        for resource, policy in _mapping(by_resource, where).items():
            if resource not in (RESOURCE_CPU, RESOURCE_MEMORY):
                raise InputError(
                    f"{where}.{resource}", 'Unsupported value: supported values: "cpu", "memory"'
                )
            if policy not in RESIZE_POLICIES:
                raise InputError(
                    f"{where}.{resource}",
                    f'Unsupported value: "{policy}": supported values: "NotRequired", "RestartContainer"',
                )
            pairs.append((str(resource), str(policy)))
        out.append((str(name), tuple(sorted(pairs))))
    return tuple(out)


def decode_resize(
    value: Any,
    where: str,
    pod_ref: Callable[[Any, str], tuple[str | None, str | None]],
    known_pods: Mapping[str, Pod],
) -> ResizePod:
    """``events[i].resize``. ``known_pods``: the pods added earlier in the scenario (by
    namespace/name), whose container names a patch must use."""
    field = f"{where}.resize"
    obj = _mapping(value, field)
    for name in obj:
        if name not in RESIZE_KEYS:
            raise InputError(f"{field}.{name}", "unknown field")
    if "pod" not in obj:
        raise InputError(f"{field}.pod", "required field is missing")
    key, uid = pod_ref(obj["pod"], f"{field}.pod")
    pod_resources = (
        _patch(obj["resources"], f"{field}.resources") if obj.get("resources") is not None else None
    )
    containers: list[tuple[str, ResourcePatch]] = []
    for name, raw in _mapping(obj.get("containers") or {}, f"{field}.containers").items():
        containers.append((str(name), _patch(raw, f"{field}.containers.{name}")))
    policies = _policies(obj["resizePolicy"], f"{field}.resizePolicy") if obj.get("resizePolicy") else ()
    known = known_pods.get(key) if key is not None else None
    if known is not None:
        names = {c.name for c in known.all_containers()}
        for name, _ in containers:
            if name not in names:
                raise InputError(f"{field}.containers.{name}", f"no such container in {key}")
        for name, _ in policies:
            if name not in names:
                raise InputError(f"{field}.resizePolicy.{name}", f"no such container in {key}")
    elif key is not None:
        raise InputError(f"{field}.pod", f"no pod {key} is added before this event")
    if pod_resources is None and not containers and not policies:
        raise InputError(field, "nothing to resize: give resources, containers or resizePolicy")
    return ResizePod(key, uid, pod_resources, tuple(containers), policies, where)
