"""Pod manifest dict → ``Pod``: strict field checks, quantity parsing, then API defaulting + validation.

Unknown field names (anywhere in the parts podfit models) and wrong JSON kinds of the fields
podfit interprets are ``InputError``s naming the field path. Quantities become canonical integers
(see ``podfit.model.pod``); a fraction of a byte (or of a millicore) rounds up.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from podfit.api.pod_schema import (
    CONTAINER_FIELDS,
    EPHEMERAL_CONTAINER_FIELDS,
    OBJECT_META_FIELDS,
    POD_FIELDS,
    POD_OS_FIELDS,
    POD_SPEC_FIELDS,
    POD_STATUS_FIELDS,
    RESOURCE_REQUIREMENTS_FIELDS,
)
from podfit.errors import InputError
from podfit.model.gotext import go_json_number, json_text
from podfit.model.pod import (
    RESOURCE_CPU,
    RESOURCE_EPHEMERAL_STORAGE,
    RESOURCE_HUGEPAGES_PREFIX,
    RESOURCE_MEMORY,
)
from podfit.model.quantity import GO_SPACE, QuantityError, bytes_value, cpu_millis, parse_quantity

_KIND_NAMES: Final = {
    "str": "a string",
    "int": "an integer",
    "map": "an object",
    "list": "an array",
    "bool": "a boolean",
}
_BINARY_SUFFIX: Final = re.compile(r"[KMGTPE]i$")


@dataclass(frozen=True)
class QValue:
    """One parsed quantity: canonical integer, milli-value (rounded up), binary-SI or not, and how
    the API server prints it (``Quantity.String``); ``negative`` is ``Sign() < 0``."""

    value: int
    milli: int
    binary: bool
    shown: str = ""
    negative: bool = False


@dataclass
class RawResources:
    """A decoded ``resources`` stanza (before defaulting)."""

    requests: dict[str, QValue] = field(default_factory=dict)
    limits: dict[str, QValue] = field(default_factory=dict)
    claims: bool = False


@dataclass
class RawContainer:
    """A decoded container (before defaulting)."""

    path: str
    name: str
    section: str  # initContainers | containers | ephemeralContainers
    resources: RawResources
    restart_policy: str | None
    has_resources: bool
    resize_policy: tuple[tuple[str, str], ...] = ()


@dataclass
class RawPod:
    """A decoded pod (before defaulting and validation)."""

    namespace: str
    name: str
    uid: str
    init_containers: list[RawContainer]
    containers: list[RawContainer]
    ephemeral_containers: list[RawContainer]
    resources: RawResources | None
    restart_policy: str | None
    os_name: str | None
    overhead: dict[str, QValue]
    qos_status: str | None
    priority: int | None = None
    static: bool = False


def _kind_ok(value: Any, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "map":
        return isinstance(value, Mapping)
    return isinstance(value, list | tuple)


def _expect(value: Any, kind: str, path: str) -> Any:
    if not _kind_ok(value, kind):
        raise InputError(path, f"must be {_KIND_NAMES[kind]}, not {json_text(value)}")
    return value


def _check_fields(obj: Mapping[str, Any], known: frozenset[str], path: str) -> None:
    for key in obj:
        if not isinstance(key, str):
            raise InputError(path, f"field name {key!r} must be a string")
        if key not in known:
            raise InputError(f"{path}.{key}" if path else key, "unknown field")


def _get(obj: Mapping[str, Any], key: str, kind: str, path: str) -> Any:
    """The value of an interpreted field (None when absent or null), type-checked."""
    value = obj.get(key)
    if value is None:
        return None
    return _expect(value, kind, f"{path}.{key}" if path else key)


def canonical_value(resource: str, text: str, path: str) -> QValue:
    """Parse ``text`` as a quantity of ``resource`` into canonical integer units."""
    try:
        q = parse_quantity(text)
    except (QuantityError, ValueError) as exc:
        what = "CPU quantity" if resource == RESOURCE_CPU else "quantity"
        raise InputError(path, f'"{text}" is not a valid {what}') from exc
    binary = bool(_BINARY_SUFFIX.search(text.strip()))
    shown, negative = str(q), q.sign() < 0
    if resource == RESOURCE_CPU:
        if binary:
            raise InputError(path, f'"{text}" is not a valid CPU quantity')
        return QValue(cpu_millis(q), q.milli_value(), binary, shown, negative)
    if resource in (RESOURCE_MEMORY, RESOURCE_EPHEMERAL_STORAGE) or resource.startswith(
        RESOURCE_HUGEPAGES_PREFIX
    ):
        return QValue(bytes_value(q), q.milli_value(), binary, shown, negative)
    return QValue(q.value(), q.milli_value(), binary, shown, negative)


def quantity_text(raw: Any, where: str) -> str:
    """The text a ``Quantity`` field's JSON value is parsed from: a string without its surrounding
    white space, a number as kubectl's YAML-to-JSON conversion writes it (``1e+23`` for an
    integer beyond uint64), ``null`` as zero.

    Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.UnmarshalJSON (1.33-1.36)
    """
    if raw is None:
        return "0"
    if isinstance(raw, str):
        return raw.strip(GO_SPACE)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InputError(where, f"must be a quantity (string or number), not {json_text(raw)}")
    try:
        return go_json_number(raw)
    except ValueError as exc:
        raise InputError(where, str(exc)) from None


def decode_resource_list(obj: Mapping[str, Any], path: str) -> dict[str, QValue]:
    """A ``ResourceList`` map: name → quantity (string or number; ``null`` is zero)."""
    out: dict[str, QValue] = {}
    for name, raw in obj.items():
        if not isinstance(name, str):
            raise InputError(path, f"resource name {name!r} must be a string")
        where = f"{path}.{name}"
        out[name] = canonical_value(name, quantity_text(raw, where), where)
    return out


def decode_resources(obj: Mapping[str, Any], path: str) -> RawResources:
    """A ``ResourceRequirements`` stanza."""
    _check_fields(obj, RESOURCE_REQUIREMENTS_FIELDS, path)
    res = RawResources()
    limits = _get(obj, "limits", "map", path)
    requests = _get(obj, "requests", "map", path)
    if limits is not None:
        res.limits = decode_resource_list(limits, f"{path}.limits")
    if requests is not None:
        res.requests = decode_resource_list(requests, f"{path}.requests")
    res.claims = _get(obj, "claims", "list", path) is not None
    return res


def _decode_container(obj: Any, section: str, path: str) -> RawContainer:
    _expect(obj, "map", path)
    known = EPHEMERAL_CONTAINER_FIELDS if section == "ephemeralContainers" else CONTAINER_FIELDS
    _check_fields(obj, known, path)
    name = _get(obj, "name", "str", path)
    if not name:
        raise InputError(f"{path}.name", "Required value")
    res_obj = _get(obj, "resources", "map", path)
    resources = decode_resources(res_obj, f"{path}.resources") if res_obj is not None else RawResources()
    return RawContainer(
        path=path,
        name=name,
        section=section,
        resources=resources,
        restart_policy=_get(obj, "restartPolicy", "str", path),
        has_resources=res_obj is not None and bool(res_obj),
        resize_policy=decode_resize_policy(_get(obj, "resizePolicy", "list", path), f"{path}.resizePolicy"),
    )


def decode_resize_policy(items: list[Any] | None, path: str) -> tuple[tuple[str, str], ...]:
    """A container's ``resizePolicy`` list: ``[{resourceName, restartPolicy}]`` as given (its
    values are validated with the pod: :mod:`podfit.api.pod_resize_policy`)."""
    out: list[tuple[str, str]] = []
    for i, item in enumerate(items or []):
        where = f"{path}[{i}]"
        _expect(item, "map", where)
        _check_fields(item, frozenset({"resourceName", "restartPolicy"}), where)
        name = _get(item, "resourceName", "str", where)
        policy = _get(item, "restartPolicy", "str", where)
        out.append((name or "", policy or ""))
    return tuple(out)


def _decode_containers(spec: Mapping[str, Any], section: str) -> list[RawContainer]:
    items = _get(spec, section, "list", "spec")
    if items is None:
        return []
    return [_decode_container(c, section, f"spec.{section}[{i}]") for i, c in enumerate(items)]


def default_uid(namespace: str, name: str) -> str:
    """A deterministic UID for a pod without one: UUIDv5 of ``namespace/name``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"podfit:pod:{namespace}/{name}"))


def decode_pod(obj: Any) -> RawPod:
    """Strictly decode a Pod manifest dict (no defaulting, no API validation yet)."""
    _expect(obj, "map", "")
    _check_fields(obj, POD_FIELDS, "")
    api_version = obj.get("apiVersion")
    if api_version is not None and api_version != "v1":
        raise InputError("apiVersion", f'Unsupported value: "{api_version}": supported values: "v1"')
    kind = obj.get("kind")
    if kind is not None and kind != "Pod":
        raise InputError("kind", f'Unsupported value: "{kind}": supported values: "Pod"')

    meta = _get(obj, "metadata", "map", "")
    if meta is None:
        raise InputError("metadata.name", "Required value: name is required")
    _check_fields(meta, OBJECT_META_FIELDS, "metadata")
    name = _get(meta, "name", "str", "metadata")
    if not name:
        raise InputError("metadata.name", "Required value: name is required")
    namespace = _get(meta, "namespace", "str", "metadata") or "default"
    _get(meta, "labels", "map", "metadata")
    annotations = _get(meta, "annotations", "map", "metadata") or {}
    source = annotations.get("kubernetes.io/config.source")
    static = "kubernetes.io/config.mirror" in annotations or (source is not None and source != "api")
    uid = _get(meta, "uid", "str", "metadata") or default_uid(namespace, name)

    spec = _get(obj, "spec", "map", "")
    if spec is None:
        raise InputError("spec.containers", "Required value")
    _check_fields(spec, POD_SPEC_FIELDS, "spec")
    init_containers = _decode_containers(spec, "initContainers")
    containers = _decode_containers(spec, "containers")
    ephemeral = _decode_containers(spec, "ephemeralContainers")

    pod_res_obj = _get(spec, "resources", "map", "spec")
    pod_resources = decode_resources(pod_res_obj, "spec.resources") if pod_res_obj is not None else None

    os_obj = _get(spec, "os", "map", "spec")
    os_name = None
    if os_obj is not None:
        _check_fields(os_obj, POD_OS_FIELDS, "spec.os")
        os_name = _get(os_obj, "name", "str", "spec.os")
        if not os_name:
            raise InputError("spec.os.name", "Required value")

    overhead_obj = _get(spec, "overhead", "map", "spec")
    overhead = decode_resource_list(overhead_obj, "spec.overhead") if overhead_obj is not None else {}

    qos_status = None
    status = _get(obj, "status", "map", "")
    if status is not None:
        _check_fields(status, POD_STATUS_FIELDS, "status")
        qos_status = _get(status, "qosClass", "str", "status") or None

    return RawPod(
        namespace=namespace,
        name=name,
        uid=uid,
        init_containers=init_containers,
        containers=containers,
        ephemeral_containers=ephemeral,
        resources=pod_resources,
        restart_policy=_get(spec, "restartPolicy", "str", "spec"),
        os_name=os_name,
        overhead=overhead,
        qos_status=qos_status,
        priority=_get(spec, "priority", "int", "spec"),
        static=static,
    )
