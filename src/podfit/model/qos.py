"""QoS class, pod-level resource predicates and effective pod requests/limits.

Versions read (see tests/upstream/pod/*.yaml headers):
* ``pkg/apis/core/helper/qos/qos.go`` (index id 53857814859, ``requirementsQOS`` form) plus the
  ``PodLevelResourcesFixKubeletQOSClass`` fix (beta, on in 1.36: pod-level resources decide the
  class only when ``IsPodLevelResourcesSet``);
* ``staging/src/k8s.io/component-helpers/resource/helpers.go`` at commit 0085214e5634;
* ``pkg/kubelet/cm/qos`` ``IsContainerEquivalentQOSGuaranteed`` (index id 4366408140).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final

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


def compute_pod_qos(
    pod: Pod, *, pod_level_resources: bool = True, fix_kubelet_qos_class: bool = True
) -> QOSClass:
    """Mirrors: pkg/apis/core/helper/qos/qos.go ComputePodQOS

    ``pod_level_resources`` is the ``PodLevelResources`` gate. ``fix_kubelet_qos_class`` is
    ``PodLevelResourcesFixKubeletQOSClass`` (on in 1.36): with it the pod-level stanza decides only
    when it names a supported resource; without it any non-nil stanza decides (the old bug).
    The class is computed once per pod and flags (``Pod.derived``).
    """
    key = ("qos", pod_level_resources, fix_kubelet_qos_class)
    qos: QOSClass = pod.memo(key, _compute_pod_qos, pod, pod_level_resources, fix_kubelet_qos_class)
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


def get_pod_qos(pod: Pod, *, pod_level_resources: bool = True) -> str:
    """Mirrors: pkg/apis/core/v1/helper/qos/qos.go GetPodQOS: ``status.qosClass`` wins."""
    if pod.qos_status:
        return pod.qos_status
    return compute_pod_qos(pod, pod_level_resources=pod_level_resources)


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
