"""API-server defaulting and validation of the pod fields podfit models.

Versions read: ``pkg/apis/core/v1/defaults.go`` (commit 023f88a32c95: ``SetDefaults_Pod``,
``defaultHugePagePodLimits``, ``defaultPodRequests``, ``defaultPodLimits``) and
``pkg/apis/core/validation/validation.go`` (commit 000f26050b9b: ``ValidatePodSpec``,
``validatePodResources``, ``validatePodResourceConsistency``, ``validateResourceRequirements``).
Messages read like the API server's (``<path>: Invalid value: "<v>": <detail>``); the first error
found is raised as an ``InputError`` (resource names are visited in sorted order).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, Protocol

from podfit.api.pod_decode import QValue, RawContainer, RawPod, RawResources
from podfit.api.pod_resize_policy import validate_resize_policies
from podfit.errors import InputError
from podfit.model.pod import (
    CONTAINER_RESTART_POLICY_ALWAYS,
    RESOURCE_CPU,
    RESOURCE_MEMORY,
    Container,
    ContainerKind,
    ResourceRequirements,
)
from podfit.model.qos import (
    aggregate_container_resources,
    is_hugepage_resource,
    is_native_resource,
    is_overcommit_allowed,
    is_supported_pod_level_resource,
)
from podfit.model.quantity import BINARY_SI, DECIMAL_SI, Quantity, QuantityError, bytes_value, parse_quantity
from podfit.release.node_features import NodeFeatures
from podfit.release.profile import ReleaseProfile


class GateReader(Protocol):
    """Anything that answers ``enabled(gate)``, e.g. ``podfit.model.features.FeatureGates``."""

    def enabled(self, name: str) -> bool: ...


PLR_GATE: Final = "PodLevelResources"
# the API server's defaulting of pod-level limits (kubernetes PR #140514, 1.37 gate
# PodLevelResourcesFixDefaulting; the release switch api_pod_level_limits_defaulting)
LIMITS_DEFAULTING: Final = "PodLevelResourcesFixUpdateDefaulting"

STANDARD_CONTAINER_RESOURCES: Final = frozenset({"cpu", "memory", "ephemeral-storage"})
STANDARD_RESOURCES: Final = STANDARD_CONTAINER_RESOURCES | {
    "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
    "limits.ephemeral-storage", "pods", "resourcequotas", "services", "replicationcontrollers", "secrets",
    "configmaps", "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports",
    "services.loadbalancers",
}  # fmt: skip
POD_RESTART_POLICIES: Final = ("Always", "Never", "OnFailure")
OS_NAMES: Final = ("linux", "windows")
QOS_CLASSES: Final = ("BestEffort", "Burstable", "Guaranteed")

_DNS1123_LABEL: Final = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN: Final = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME: Final = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_MSG: Final = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_SUBDOMAIN_MSG: Final = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def gates_with_defaults(
    feature_gates: Mapping[str, bool] | GateReader | None, release: ReleaseProfile
) -> dict[str, bool]:
    """The gates this module reads: the API server of ``release`` (its ``PodLevelResources``
    default; pod-level limits defaulted where the release does it and that gate is on) under the
    given overrides, a plain ``{name: bool}`` map or an object with ``enabled(name)``
    (``FeatureGates``)."""
    if feature_gates is None:
        plr = release.gates.value(PLR_GATE, {})
        explicit: dict[str, bool] = {}
    elif isinstance(feature_gates, Mapping):
        plr = feature_gates.get(PLR_GATE, release.gates.value(PLR_GATE, {}))
        explicit = dict(feature_gates)
    else:
        plr = feature_gates.enabled(PLR_GATE)
        explicit = {}
    defaulting = plr and release.switches.api_pod_level_limits_defaulting
    return {PLR_GATE: plr, LIMITS_DEFAULTING: defaulting, **explicit}


def format_quantity(resource: str, value: int, binary: bool = False) -> str:
    """A canonical integer as the API server prints the quantity (``Quantity.String``); cpu values
    are millicores."""
    scale = -3 if resource == RESOURCE_CPU else 0
    return str(Quantity(value, scale, BINARY_SI if binary else DECIMAL_SI))


def shown_quantity(name: str, q: QValue) -> str:
    """How the API server prints a parsed quantity (a fraction of a unit stays in milli form)."""
    if q.shown:
        return q.shown
    if name != RESOURCE_CPU and q.milli % 1000:
        return f"{q.milli}m"
    return format_quantity(name, q.value, q.binary)


def _invalid(path: str, value: str, detail: str) -> InputError:
    return InputError(path, f'Invalid value: "{value}": {detail}')


def _is_qualified_name(name: str) -> bool:
    parts = name.split("/")
    if len(parts) > 2 or not _QUALIFIED_NAME.match(parts[-1]) or len(parts[-1]) > 63:
        return False
    return len(parts) == 1 or (
        bool(parts[0]) and len(parts[0]) <= 253 and bool(_DNS1123_SUBDOMAIN.match(parts[0]))
    )


def is_extended_resource_name(name: str) -> bool:
    """Mirrors: pkg/apis/core/v1/helper/helpers.go IsExtendedResourceName"""
    if is_native_resource(name) or name.startswith("requests."):
        return False
    return _is_qualified_name("requests." + name)


def _is_integer_resource(name: str) -> bool:
    return is_extended_resource_name(name)


def validate_resource_name(name: str, path: str, *, pod_level: bool) -> None:
    """Mirrors: validation.go validateContainerResourceName / validatePodResourceName"""
    if not _is_qualified_name(name):
        raise _invalid(path, name, "must be a qualified name")
    if "/" not in name and name not in STANDARD_RESOURCES and not is_hugepage_resource(name):
        raise _invalid(path, name, "must be a standard resource type or fully qualified")
    if pod_level:
        if not is_supported_pod_level_resource(name):
            raise InputError(
                path, f'Unsupported value: "{name}": supported values: "cpu", "hugepages-", "memory"'
            )
        return
    if "/" not in name:
        if name not in STANDARD_CONTAINER_RESOURCES and not is_hugepage_resource(name):
            raise _invalid(path, name, "must be a standard resource for containers")
    elif not is_native_resource(name) and not is_extended_resource_name(name):
        raise _invalid(path, name, "doesn't follow extended resource name standard")


def _page_size(name: str) -> int | None:
    try:
        size = bytes_value(parse_quantity(name[len("hugepages-") :]))
    except (QuantityError, ValueError):
        return None
    return size if size > 0 else None


def validate_quantity(name: str, q: QValue, path: str) -> None:
    """Mirrors: validation.go ValidateResourceQuantityValue + validateResourceQuantityHugePageValue"""
    shown = shown_quantity(name, q)
    if q.negative:  # Quantity.Cmp(zero) < 0: a huge value whose int64 wraps is not negative
        raise _invalid(path, shown, "must be greater than or equal to 0")
    if _is_integer_resource(name) and q.milli % 1000 != 0:
        raise _invalid(path, shown, "must be an integer")
    if is_hugepage_resource(name):
        page = _page_size(name)
        if page is None or q.value % page != 0:
            raise _invalid(path, shown, f"{shown} is not positive integer multiple of {name}")


def validate_resource_requirements(res: RawResources, path: str, *, pod_level: bool) -> None:
    """Mirrors: validation.go validateResourceRequirements / validatePodResourceRequirements"""
    cpu_or_memory = False
    hugepages = False
    for name in sorted(res.limits):
        where = f"{path}.limits[{name}]"
        validate_resource_name(name, where, pod_level=pod_level)
        validate_quantity(name, res.limits[name], where)
        hugepages |= is_hugepage_resource(name)
        cpu_or_memory |= name in (RESOURCE_CPU, RESOURCE_MEMORY)
    for name in sorted(res.requests):
        req = res.requests[name]
        where = f"{path}.requests[{name}]"
        validate_resource_name(name, where, pod_level=pod_level)
        validate_quantity(name, req, where)
        lim = res.limits.get(name)
        shown = shown_quantity(name, req)
        if lim is not None:
            lim_shown = shown_quantity(name, lim)
            if req.value != lim.value and not is_overcommit_allowed(name):
                raise _invalid(f"{path}.requests", shown, f"must be equal to {name} limit of {lim_shown}")
            if req.value > lim.value:
                raise _invalid(
                    f"{path}.requests", shown, f"must be less than or equal to {name} limit of {lim_shown}"
                )
        elif not is_overcommit_allowed(name):
            raise InputError(
                f"{path}.limits", "Required value: Limit must be set for non overcommitable resources"
            )
        hugepages |= is_hugepage_resource(name)
        cpu_or_memory |= name in (RESOURCE_CPU, RESOURCE_MEMORY)
    if hugepages and not cpu_or_memory:
        raise InputError(path, "Forbidden: HugePages require cpu or memory")


def default_container_requests(res: RawResources) -> None:
    """Mirrors: pkg/apis/core/v1/defaults.go SetDefaults_Pod (container requests from limits)"""
    for name, lim in res.limits.items():
        res.requests.setdefault(name, lim)


def container_kind(c: RawContainer) -> ContainerKind:
    """``init``/``sidecar``/``app``/``ephemeral`` from the section and restartPolicy."""
    if c.section == "containers":
        return "app"
    if c.section == "ephemeralContainers":
        return "ephemeral"
    return "sidecar" if c.restart_policy == CONTAINER_RESTART_POLICY_ALWAYS else "init"


def _aggregate(pod: RawPod, which: str) -> dict[str, QValue]:
    """KEP-753 aggregate of container requests or limits, keeping the binary-SI hint."""

    def to_container(c: RawContainer) -> Container:
        values = {n: q.value for n, q in getattr(c.resources, which).items()}
        return Container(c.name, container_kind(c), ResourceRequirements(requests=values), c.restart_policy)

    totals = aggregate_container_resources(
        [to_container(c) for c in pod.init_containers],
        [to_container(c) for c in pod.containers],
        lambda c: c.resources.requests,
    )
    binary = {
        n
        for c in pod.init_containers + pod.containers
        for n, q in getattr(c.resources, which).items()
        if q.binary
    }
    return {n: QValue(v, v * 1000 if n != RESOURCE_CPU else v, n in binary) for n, v in totals.items()}


def default_pod_level_resources(pod: RawPod, gates: Mapping[str, bool]) -> None:
    """Pod-level defaulting, applied after container defaulting.

    Mirrors: pkg/apis/core/v1/defaults.go defaultHugePagePodLimits, defaultPodRequests,
    defaultPodLimits

    Unset pod-level requests default to the pod limit, except hugepages, which default to the
    containers' aggregate requests (decision A-1 in docs/decisions.md, the v1.36 behaviour; a newer
    upstream defaults.go, commit 023f88a32c95, also takes cpu/memory from the aggregate — see
    docs/decisions.md). With ``LIMITS_DEFAULTING`` (an API server of 1.37, kubernetes PR #140514,
    gate PodLevelResourcesFixDefaulting; v1.36.2 has no ``defaultPodLimits``) unset pod limits
    default to the containers' aggregate limits when every container sets one.
    """
    res = pod.resources
    if res is None:
        return
    fixed = gates.get(LIMITS_DEFAULTING, False)
    if res.limits or res.requests:  # defaultHugePagePodLimits
        for name, agg in _aggregate(pod, "limits").items():
            if is_hugepage_resource(name) and name not in res.requests and name not in res.limits:
                res.limits[name] = agg
    if res.limits:  # defaultPodRequests
        for name, agg in _aggregate(pod, "requests").items():
            if name in res.requests or not is_supported_pod_level_resource(name):
                continue
            if is_hugepage_resource(name):
                res.requests[name] = agg
        for name, lim in res.limits.items():
            if is_supported_pod_level_resource(name):
                res.requests.setdefault(name, lim)
    if fixed and _any_supported(res.requests) and not _any_supported(res.limits):  # defaultPodLimits
        everyone = pod.init_containers + pod.containers
        for name, agg in _aggregate(pod, "limits").items():
            if name in res.limits or not is_supported_pod_level_resource(name):
                continue
            if is_overcommit_allowed(name) and all(name in c.resources.limits for c in everyone):
                res.limits[name] = agg


def _any_supported(names: Mapping[str, QValue]) -> bool:
    return any(is_supported_pod_level_resource(n) for n in names)


def validate_pod_resources(pod: RawPod) -> None:
    """Mirrors: validation.go validatePodResources + validatePodResourceConsistency"""
    res = pod.resources
    if res is None:
        return
    path = "spec.resources"
    if pod.os_name == "windows" and (res.requests or res.limits):
        raise InputError(path, "Forbidden: may not be set for a windows pod")
    if res.claims:
        raise InputError(f"{path}.claims", "Forbidden: claims cannot be set for Resources at pod-level")
    validate_resource_requirements(res, path, pod_level=True)
    for name, agg in sorted(_aggregate(pod, "requests").items()):
        pod_req = res.requests.get(name)
        if not is_supported_pod_level_resource(name) or pod_req is None or agg.value <= pod_req.value:
            continue
        raise _invalid(
            f"{path}.requests[{name}]",
            shown_quantity(name, pod_req),
            f"must be greater than or equal to aggregate container requests of "
            f"{format_quantity(name, agg.value, agg.binary)}",
        )
    for name, agg in sorted(_aggregate(pod, "limits").items()):
        pod_lim = res.limits.get(name)
        if not is_hugepage_resource(name) or pod_lim is None or agg.value <= pod_lim.value:
            continue
        raise _invalid(
            f"{path}.limits[{name}]",
            shown_quantity(name, pod_lim),
            f"must be greater than or equal to aggregate container limits of "
            f"{format_quantity(name, agg.value, agg.binary)}",
        )
    for i, c in enumerate(pod.containers):
        for name in sorted(c.resources.limits):
            lim, pod_lim = c.resources.limits[name], res.limits.get(name)
            if pod_lim is not None and lim.value > pod_lim.value:
                raise _invalid(
                    f"{path}.containers[{i}][{name}].limits",
                    shown_quantity(name, lim),
                    f"must be less than or equal to pod limits of {shown_quantity(name, pod_lim)}",
                )


def validate_names(pod: RawPod) -> None:
    """Pod name (DNS subdomain), namespace (DNS label), container names (unique DNS labels)."""
    if len(pod.name) > 253 or not _DNS1123_SUBDOMAIN.match(pod.name):
        raise _invalid("metadata.name", pod.name, _SUBDOMAIN_MSG)
    if len(pod.namespace) > 63 or not _DNS1123_LABEL.match(pod.namespace):
        raise _invalid("metadata.namespace", pod.namespace, _LABEL_MSG)
    if not pod.containers:
        raise InputError("spec.containers", "Required value")
    seen: set[str] = set()
    for c in pod.containers + pod.init_containers + pod.ephemeral_containers:
        if len(c.name) > 63 or not _DNS1123_LABEL.match(c.name):
            raise _invalid(f"{c.path}.name", c.name, _LABEL_MSG)
        if c.name in seen:
            raise InputError(f"{c.path}.name", f'Duplicate value: "{c.name}"')
        seen.add(c.name)


def validate_policies(pod: RawPod) -> None:
    """Pod/container restart policies, OS name, status.qosClass."""
    if pod.restart_policy not in POD_RESTART_POLICIES:
        raise InputError(
            "spec.restartPolicy",
            f'Unsupported value: "{pod.restart_policy}": supported values: "Always", "Never", "OnFailure"',
        )
    if pod.os_name is not None and pod.os_name not in OS_NAMES:
        raise InputError(
            "spec.os.name", f'Unsupported value: "{pod.os_name}": supported values: "linux", "windows"'
        )
    if pod.qos_status is not None and pod.qos_status not in QOS_CLASSES:
        raise InputError(
            "status.qosClass",
            f'Unsupported value: "{pod.qos_status}": '
            'supported values: "BestEffort", "Burstable", "Guaranteed"',
        )
    for c in pod.init_containers:
        if c.restart_policy is not None and c.restart_policy != CONTAINER_RESTART_POLICY_ALWAYS:
            raise InputError(
                f"{c.path}.restartPolicy",
                f'Unsupported value: "{c.restart_policy}": supported values: "Always"',
            )
    for c in pod.containers:
        if c.restart_policy is not None:
            raise InputError(f"{c.path}.restartPolicy", "Forbidden: may not be set for non-init containers")
    for c in pod.ephemeral_containers:
        if c.restart_policy is not None:
            raise InputError(f"{c.path}.restartPolicy", "Forbidden: cannot be set for an Ephemeral Container")
        if c.has_resources:
            raise InputError(f"{c.path}.resources", "Forbidden: cannot be set for an Ephemeral Container")


def default_and_validate(pod: RawPod, gates: Mapping[str, bool], features: NodeFeatures) -> None:
    """Apply ``SetDefaults_Pod`` then the validations podfit models (``features``: the API server's
    release), in place; raises ``InputError``."""
    if pod.restart_policy is None:
        pod.restart_policy = "Always"
    for c in pod.init_containers + pod.containers:
        default_container_requests(c.resources)
    if not gates.get(PLR_GATE, True):
        pod.resources = None  # the API server drops the disabled field
    default_pod_level_resources(pod, gates)
    validate_names(pod)
    validate_policies(pod)
    validate_resize_policies(pod, features)
    for c in pod.init_containers + pod.containers:
        validate_resource_requirements(c.resources, f"{c.path}.resources", pod_level=False)
    for name in sorted(pod.overhead):
        validate_resource_name(name, f"spec.overhead[{name}]", pod_level=False)
        validate_quantity(name, pod.overhead[name], f"spec.overhead[{name}]")
    validate_pod_resources(pod)
