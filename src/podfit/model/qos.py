"""QoS class, pod-level resource predicates and effective pod requests/limits.

Versions read (see tests/upstream/pod/*.yaml headers):
* ``pkg/apis/core/v1/helper/qos/qos.go`` and ``pkg/apis/core/helper/qos/qos.go`` ``ComputePodQOS``
  of v1.33.5, v1.34.2, v1.35.3 and v1.36.2 (one algorithm in the four: sums of the cpu/memory
  requests and limits), the 1.37 development form (``requirementsQOS`` / ``resourceQOS``, index id
  53857814859) and the form after kubernetes PR #137150 (1.37, gate
  ``PodLevelResourcesFixKubeletQOSClass``; kubernetes/kubernetes 14d6b56d
  ``pkg/apis/core/helper/qos/qos_generated.go``). The summing and the per-requirements forms give
  the same class for every valid pod (requests never above limits), see
  tests/model/test_qos_releases.py. What differs between releases is which pod-level stanza decides:
  up to 1.36 any non-nil ``spec.resources`` (``{}`` included) when ``PodLevelResources`` is on; from
  1.37, with the fix gate on, only one naming a supported resource (``IsPodLevelResourcesSet``).
  The gate is in the release's gate table (absent, so off, before 1.37): :class:`QOSGates`;
* ``staging/src/k8s.io/component-helpers/resource/helpers.go`` at commit 0085214e5634;
* ``pkg/kubelet/cm/qos`` ``IsContainerEquivalentQOSGuaranteed`` (index id 4366408140).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from podfit.model.pod import (
    RESOURCE_CPU,
    RESOURCE_HUGEPAGES_PREFIX,
    RESOURCE_MEMORY,
    Container,
    Pod,
    QOSClass,
    ResourceList,
    ResourceRequirements,
)
from podfit.release.switches import PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS, PLR_SKIP_WHEN_GATE_ENABLED

PLR_GATE: Final = "PodLevelResources"
QOS_FIX_GATE: Final = "PodLevelResourcesFixKubeletQOSClass"
SUPPORTED_QOS_COMPUTE_RESOURCES: Final[tuple[str, ...]] = (RESOURCE_CPU, RESOURCE_MEMORY)
SUPPORTED_POD_LEVEL_RESOURCES: Final[tuple[str, ...]] = (RESOURCE_CPU, RESOURCE_MEMORY)


def is_hugepage_resource(name: str) -> bool:
    """Mirrors: pkg/apis/core/v1/helper/helpers.go IsHugePageResourceName"""
    return name.startswith(RESOURCE_HUGEPAGES_PREFIX)


def is_native_resource(name: str) -> bool:
    """Mirrors: pkg/apis/core/v1/helper/helpers.go IsNativeResource"""
    return "/" not in name or "kubernetes.io/" in name


def is_overcommit_allowed(name: str) -> bool:
    """Mirrors: pkg/apis/core/v1/helper/helpers.go IsOvercommitAllowed"""
    return is_native_resource(name) and not is_hugepage_resource(name)


def is_supported_pod_level_resource(name: str) -> bool:
    """Mirrors: component-helpers/resource/helpers.go IsSupportedPodLevelResource"""
    return name in SUPPORTED_POD_LEVEL_RESOURCES or is_hugepage_resource(name)


def _any_supported(names: Iterable[str]) -> bool:
    return any(is_supported_pod_level_resource(n) for n in names)


def _any_supported_in(res: ResourceRequirements) -> bool:
    return _any_supported(res.requests) or _any_supported(res.limits)


def is_pod_level_resources_set(pod: Pod) -> bool:
    """Mirrors: component-helpers/resource/helpers.go IsPodLevelResourcesSet"""
    res = pod.resources
    if res is None:
        return False
    return bool(pod.memo("pod-level-resources-set", _any_supported_in, res))


def skipped_by_static_managers(
    pod: Pod, pod_level_resources: bool, pod_level_resource_managers: bool, skip: str
) -> bool:
    """Whether the static CPU and Memory policies leave a pod alone (no exclusive resources, "no
    preference" hints) for its pod-level resources. ``skip`` is the release's
    ``plr_pod_skip_in_static_managers`` switch: never (1.33), when the ``PodLevelResources`` gate is
    on (1.34, 1.35: PR #133279), unless both gates are on (1.36+: PR #134768, which also skips on
    a kubelet with ``PodLevelResources`` off).

    Mirrors: cpumanager/policy_static.go and memorymanager/policy_static.go Allocate /
    GetTopologyHints / GetPodTopologyHints (their early return; v1.34.2, v1.36.2)
    """
    if skip == PLR_SKIP_WHEN_GATE_ENABLED:
        return pod_level_resources and is_pod_level_resources_set(pod)
    if skip == PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS:
        return not (pod_level_resources and pod_level_resource_managers) and is_pod_level_resources_set(pod)
    return False


def is_pod_level_requests_set(pod: Pod) -> bool:
    """Mirrors: component-helpers/resource/helpers.go IsPodLevelRequestsSet"""
    return pod.resources is not None and _any_supported(pod.resources.requests)


def is_pod_level_limits_set(pod: Pod) -> bool:
    """Mirrors: component-helpers/resource/helpers.go IsPodLevelLimitsSet"""
    return pod.resources is not None and _any_supported(pod.resources.limits)


def _resource_qos(res: ResourceRequirements, name: str) -> QOSClass:
    """Mirrors: pkg/apis/core/helper/qos/qos.go resourceQOS"""
    req, lim = res.request(name), res.limit(name)
    if req != lim:
        return "Burstable"
    if req == 0:
        return "BestEffort"
    return "Guaranteed"


def requirements_qos(res: ResourceRequirements) -> QOSClass:
    """Mirrors: pkg/apis/core/helper/qos/qos.go requirementsQOS"""
    if res.is_empty:
        return "BestEffort"
    qos: QOSClass | None = None
    for name in SUPPORTED_QOS_COMPUTE_RESOURCES:
        shape = _resource_qos(res, name)
        if shape == "Burstable":
            return shape
        if qos is None:
            qos = shape
        elif qos != shape:
            return "Burstable"
    assert qos is not None
    return qos


class GateReader(Protocol):
    """Anything that answers ``enabled(gate)`` (``podfit.model.features.FeatureGates``)."""

    def enabled(self, name: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class QOSGates:
    """The gates the QoS helper reads, as one component (kubelet or API server) has them:
    ``PodLevelResources`` and ``PodLevelResourcesFixKubeletQOSClass`` (1.37, PR #137150; a release
    without it reads it as off)."""

    pod_level_resources: bool
    fix_kubelet_qos_class: bool


def qos_gates(gates: GateReader) -> QOSGates:
    """The QoS gates of a component's feature gates (of its release)."""
    return QOSGates(gates.enabled(PLR_GATE), gates.enabled(QOS_FIX_GATE))


def compute_pod_qos(pod: Pod, gates: QOSGates) -> QOSClass:
    """The pod's QoS class from its spec. With ``PodLevelResources`` on, a pod-level stanza decides
    (its own requests and limits alone): any non-nil one without the fix gate (v1.33.5 to v1.36.2,
    where ``resources: {}`` makes a BestEffort pod), only one naming a supported resource with it.
    The class is computed once per pod and gates (``Pod.derived``).

    Mirrors: pkg/apis/core/v1/helper/qos/qos.go ComputePodQOS (v1.33.5, v1.34.2, v1.35.3, v1.36.2;
    the 1.37 form of PR #137150)
    """
    key = ("qos", gates.pod_level_resources, gates.fix_kubelet_qos_class)
    qos: QOSClass = pod.memo(
        key, _compute_pod_qos, pod, gates.pod_level_resources, gates.fix_kubelet_qos_class
    )
    return qos


def _compute_pod_qos(pod: Pod, pod_level_resources: bool, fix_kubelet_qos_class: bool) -> QOSClass:
    decides = not fix_kubelet_qos_class or is_pod_level_resources_set(pod)
    if pod_level_resources and pod.resources is not None and decides:
        return requirements_qos(pod.resources)
    pod_qos: QOSClass | None = None
    for c in pod.all_containers():
        shape = requirements_qos(c.resources)
        if shape == "Burstable":
            return shape
        if pod_qos is None:
            pod_qos = shape
        elif pod_qos != shape:
            return "Burstable"
    return pod_qos or "BestEffort"


def get_pod_qos(pod: Pod, gates: QOSGates) -> str:
    """``status.qosClass`` (the API server's class, set at creation) wins over the computed one.

    Mirrors: pkg/apis/core/v1/helper/qos/qos.go GetPodQOS (v1.33.5 to v1.36.2)
    """
    if pod.qos_status:
        return pod.qos_status
    return compute_pod_qos(pod, gates)


def is_container_equivalent_qos_guaranteed(c: Container) -> bool:
    """Mirrors: pkg/kubelet/cm/qos/helpers.go IsContainerEquivalentQOSGuaranteed"""
    res = c.resources
    for name in (RESOURCE_CPU, RESOURCE_MEMORY):
        req = res.request(name)
        if req == 0 or req != res.limit(name):
            return False
    return True


def _add(into: dict[str, int], other: Mapping[str, int]) -> None:
    for name, value in other.items():
        into[name] = into.get(name, 0) + value


def _max(into: dict[str, int], other: Mapping[str, int]) -> None:
    for name, value in other.items():
        if name not in into or value > into[name]:
            into[name] = value


def aggregate_container_resources(
    init_containers: Sequence[Container],
    containers: Sequence[Container],
    pick: Callable[[Container], Mapping[str, int]],
) -> dict[str, int]:
    """The KEP-753 formula: max(sum(app) + sum(sidecars), max over init i of (init_i + sidecars before i)).

    Mirrors: component-helpers/resource/helpers.go aggregateContainerResourcesByFn
    """
    result: dict[str, int] = {}
    for c in containers:
        _add(result, pick(c))
    sidecars: dict[str, int] = {}
    init_peak: dict[str, int] = {}
    for c in init_containers:
        own = pick(c)
        if c.kind == "sidecar":
            _add(result, own)
            _add(sidecars, own)
            _max(init_peak, sidecars)
        else:
            combined = dict(own)
            _add(combined, sidecars)
            _max(init_peak, combined)
    _max(result, init_peak)
    return result


def aggregate_container_requests(pod: Pod) -> ResourceList:
    """Mirrors: component-helpers/resource/helpers.go AggregateContainerRequests"""
    return ResourceList(
        aggregate_container_resources(pod.init_containers, pod.containers, lambda c: c.resources.requests)
    )


def aggregate_container_limits(pod: Pod) -> ResourceList:
    """Mirrors: component-helpers/resource/helpers.go AggregateContainerLimits"""
    return ResourceList(
        aggregate_container_resources(pod.init_containers, pod.containers, lambda c: c.resources.limits)
    )


def _apply_pod_level(result: dict[str, int], pod_values: Mapping[str, int]) -> None:
    for name, value in pod_values.items():
        if is_supported_pod_level_resource(name):
            result[name] = value


def pod_requests(
    pod: Pod, *, pod_level_resources: bool = True, exclude_overhead: bool = False
) -> ResourceList:
    """Effective pod requests: container aggregate, pod-level requests override, plus overhead.

    Mirrors: component-helpers/resource/helpers.go PodRequests
    """
    key = ("requests", pod_level_resources, exclude_overhead)
    found: ResourceList = pod.memo(key, _pod_requests, pod, pod_level_resources, exclude_overhead)
    return found


def _pod_requests(pod: Pod, pod_level_resources: bool, exclude_overhead: bool) -> ResourceList:
    reqs = dict(aggregate_container_requests(pod))
    if pod_level_resources and is_pod_level_requests_set(pod):
        assert pod.resources is not None
        _apply_pod_level(reqs, pod.resources.requests)
    if not exclude_overhead:
        _add(reqs, pod.overhead)
    return ResourceList(reqs)


def pod_limits(pod: Pod, *, pod_level_resources: bool = True, exclude_overhead: bool = False) -> ResourceList:
    """Effective pod limits: container aggregate, pod-level limits override, overhead on non-zero limits.

    Mirrors: component-helpers/resource/helpers.go PodLimits
    """
    key = ("limits", pod_level_resources, exclude_overhead)
    found: ResourceList = pod.memo(key, _pod_limits, pod, pod_level_resources, exclude_overhead)
    return found


def _pod_limits(pod: Pod, pod_level_resources: bool, exclude_overhead: bool) -> ResourceList:
    limits = dict(aggregate_container_limits(pod))
    if pod_level_resources and is_pod_level_resources_set(pod):
        assert pod.resources is not None
        _apply_pod_level(limits, pod.resources.limits)
    if not exclude_overhead:
        for name, value in pod.overhead.items():
            if limits.get(name, 0) != 0:
                limits[name] += value
    return ResourceList(limits)


def all_containers_have_limit_for(pod: Pod, name: str) -> bool:
    """Mirrors: component-helpers/resource/helpers.go AllContainersHaveLimitForResource"""
    return all(name in c.resources.limits for c in pod.all_containers())
