"""The kubelet's decision on an in-place resize (KEP-1287, pod-level KEP-5419), per release:
admitted (``InProgress``), ``Deferred`` (retried later) or ``Infeasible`` (final until the spec
changes), with the reason and message the kubelet records, and every check it ran in order.

The admit handlers that run after the resize-specific checks (the Topology Manager with the CPU,
Memory and device managers, then the fit predicate) belong to the node: they come in as
``admit_handlers`` (the desired pod → the handlers that admitted, then the first refusal).

Mirrors: kubelet.go canResizePod / handlePodResourcesResize (1.33); allocation/allocation_manager.go
handlePodResourcesResize, canResizePod, guaranteedPodResourceResizeRequired, isResizeIncreasingRequests,
sortPendingResizes (1.34, 1.35); allocation/handlers.go podResizesAdmitHandler.Admit and
status/status_manager.go SetPodResizePendingCondition (1.36); allocation/features_linux.go.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from podfit.model.features import FeatureGates
from podfit.model.pod import RESOURCE_CPU, RESOURCE_MEMORY, Container, Pod
from podfit.model.qos import (
    QOS_FIX_GATE,
    QOSGates,
    aggregate_container_resources,
    get_pod_qos,
    is_pod_level_resources_set,
    pod_requests,
)
from podfit.model.release_gates import release_gate
from podfit.release.node_features import NodeFeatures

__all__ = [
    "DEFERRED",
    "INFEASIBLE",
    "IN_PROGRESS",
    "HandlerOutcome",
    "HandlerRefusal",
    "KubeletResizeDecision",
    "PendingResize",
    "ResizeCheck",
    "is_resize_increasing_requests",
    "kubelet_resize_decision",
    "resizable_containers",
    "resize_request",
    "sort_pending_resizes",
]

INFEASIBLE: Final = "Infeasible"
DEFERRED: Final = "Deferred"
IN_PROGRESS: Final = "InProgress"


@dataclass(frozen=True, slots=True)
class ResizeCheck:
    """One check the kubelet ran, in order: what it looked at and whether it passed."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class HandlerRefusal:
    """An admit handler's refusal: the handler, its reason and message."""

    handler: str
    reason: str | None
    message: str


@dataclass(frozen=True, slots=True)
class HandlerOutcome:
    """The admit handlers' answer: the checks of those that admitted, then the first refusal."""

    passed: tuple[ResizeCheck, ...]
    refusal: HandlerRefusal | None


@dataclass(frozen=True, slots=True)
class KubeletResizeDecision:
    """``outcome``: InProgress (admitted), Deferred or Infeasible; ``reason`` / ``message`` as the
    PodResizePending condition carries them; ``handler_reason``: the refusing admit handler's own
    reason (``OutOfcpu``, ``TopologyAffinityError``, …) before the kubelet maps it to Deferred."""

    outcome: str
    reason: str | None
    message: str | None
    checks: tuple[ResizeCheck, ...]
    handler_reason: str | None = None


def resizable_containers(features: NodeFeatures, gates: FeatureGates, pod: Pod) -> tuple[Container, ...]:
    """App containers, sidecars, and (1.36+, InPlacePodVerticalScalingInitContainers) regular init
    containers. Mirrors: allocation/allocation_manager.go IsResizableContainer"""
    init_ok = features.resize_init_containers_gate and release_gate(
        gates, features, "InPlacePodVerticalScalingInitContainers"
    )
    inits = tuple(c for c in pod.init_containers if c.kind == "sidecar" or init_ok)
    return inits + pod.containers


def _resize_required(
    features: NodeFeatures, gates: FeatureGates, desired: Pod, allocated: Pod, resource: str
) -> bool:
    """Mirrors: allocation guaranteedPodResourceResizeRequired (requests only: Guaranteed pods have
    requests == limits); 1.33 refuses any resize of a Guaranteed pod."""
    if features.resize_guaranteed_rule == "any":
        return True
    before = {c.name: c for c in allocated.all_containers()}
    for c in resizable_containers(features, gates, desired):
        old = before.get(c.name)
        old_value = old.resources.requests.get(resource) if old is not None else None
        if c.resources.requests.get(resource) != old_value:
            return True
    return False


def resize_request(features: NodeFeatures, pod: Pod, resource: str, *, plr_gate: bool) -> int:
    """The pod's request for ``resource`` as the kubelet's capacity check sums it.

    Mirrors: pkg/api/v1/resource/helpers.go GetResourceRequest / GetResourceRequestQuantity (1.33:
    app containers summed, then the max with each init container; 1.34+: PodRequests with pod-level
    requests when set, container requests skipped then); overhead added when the sum is non-zero
    """
    if not features.resize_request_pod_level:
        total = sum(c.resources.requests.get(resource, 0) for c in pod.containers)
        for c in pod.init_containers:
            total = max(total, c.resources.requests.get(resource, 0))
    elif plr_gate and is_pod_level_resources_set(pod) and pod.resources is not None:
        total = pod.resources.requests.get(resource, 0)
    else:
        total = aggregate_container_resources(
            pod.init_containers, pod.containers, lambda c: c.resources.requests
        ).get(resource, 0)
    if total:
        total += pod.overhead.get(resource, 0)
    return total


def _fmt(value: int, resource: str) -> str:
    return f"{value}m" if resource == RESOURCE_CPU else str(value)


def kubelet_resize_decision(
    features: NodeFeatures,
    gates: FeatureGates,
    *,
    desired: Pod,
    allocated: Pod,
    cpu_manager_policy: str,
    memory_manager_policy: str,
    status_allocatable: Mapping[str, int],
    absolute_allocatable: Mapping[str, int],
    admit_handlers: Callable[[Pod], HandlerOutcome],
    plr_gate: bool,
) -> KubeletResizeDecision:
    """The kubelet's answer to a resize whose desired resources differ from the allocation."""
    checks: list[ResizeCheck] = []

    def infeasible(name: str, message: str) -> KubeletResizeDecision:
        checks.append(ResizeCheck(name, False, message))
        return KubeletResizeDecision(INFEASIBLE, INFEASIBLE, message, tuple(checks))

    # IsInPlacePodVerticalScalingAllowed
    if not release_gate(gates, features, "InPlacePodVerticalScaling"):
        return infeasible("InPlacePodVerticalScaling", "InPlacePodVerticalScaling is disabled")
    checks.append(ResizeCheck("InPlacePodVerticalScaling", True, "the gate is on"))
    if features.resize_kubelet_refuses_static_pods:
        if desired.static:
            return infeasible("static pod", "In-place resize of static-pods is not supported")
        checks.append(ResizeCheck("static pod", True, "not a static pod"))
    checks.append(ResizeCheck("swap", True, "swap behaviour NoSwap (podfit does not model LimitedSwap)"))
    if features.resize_pod_level_gate_check and desired.resources != allocated.resources:
        if not release_gate(gates, features, "InPlacePodLevelResourcesVerticalScaling"):
            return infeasible(
                "InPlacePodLevelResourcesVerticalScaling",
                "InPlacePodLevelResourcesVerticalScaling is disabled",
            )
        checks.append(
            ResizeCheck("InPlacePodLevelResourcesVerticalScaling", True, "pod-level resize enabled")
        )
    qos = get_pod_qos(desired, QOSGates(plr_gate, release_gate(gates, features, QOS_FIX_GATE)))
    if qos == "Guaranteed":
        exclusive_cpus = release_gate(gates, features, "InPlacePodVerticalScalingExclusiveCPUs")
        if (
            not exclusive_cpus
            and cpu_manager_policy == "static"
            and _resize_required(features, gates, desired, allocated, RESOURCE_CPU)
        ):
            return infeasible("Guaranteed pod, CPU Manager static", features.resize_cpu_static_message)
        if features.resize_guaranteed_rule == "any":  # 1.33: both checks sit behind ExclusiveCPUs off
            exclusive_memory = exclusive_cpus
        else:
            exclusive_memory = release_gate(gates, features, "InPlacePodVerticalScalingExclusiveMemory")
        # 1.33-1.35 also ask for the MemoryManager gate (GA, locked on); 1.36 removed it
        memory_gate = features.resize_admit_handler_chain or release_gate(gates, features, "MemoryManager")
        if (
            memory_gate
            and not exclusive_memory
            and memory_manager_policy == "Static"
            and _resize_required(features, gates, desired, allocated, RESOURCE_MEMORY)
        ):
            return infeasible("Guaranteed pod, Memory Manager Static", features.resize_memory_static_message)
        checks.append(
            ResizeCheck(
                "Guaranteed pod",
                True,
                f"CPU Manager {cpu_manager_policy}, Memory Manager {memory_manager_policy}, "
                f"InPlacePodVerticalScalingExclusiveCPUs={exclusive_cpus}",
            )
        )
    if features.resize_capacity_check in ("status", "absolute"):
        source = status_allocatable if features.resize_capacity_check == "status" else absolute_allocatable
        cpu = resize_request(features, desired, RESOURCE_CPU, plr_gate=plr_gate)
        mem = resize_request(features, desired, RESOURCE_MEMORY, plr_gate=plr_gate)
        cpu_cap, mem_cap = source.get(RESOURCE_CPU, 0), source.get(RESOURCE_MEMORY, 0)
        if cpu > cpu_cap or mem > mem_cap:
            if mem > mem_cap:
                detail = f"memory, requested: {mem}, capacity: {mem_cap}"
            else:
                detail = f"cpu, requested: {cpu}, capacity: {cpu_cap}"
            return infeasible("node capacity", "Node didn't have enough capacity: " + detail)
        what = "node status allocatable" if source is status_allocatable else "node allocatable (absolute)"
        checks.append(
            ResizeCheck(
                "node capacity",
                True,
                f"{what}: cpu {_fmt(cpu, RESOURCE_CPU)} <= {_fmt(cpu_cap, RESOURCE_CPU)}, "
                f"memory {mem} <= {mem_cap}",
            )
        )
    outcome = admit_handlers(desired)
    checks.extend(outcome.passed)
    refusal = outcome.refusal
    if refusal is not None:
        checks.append(ResizeCheck(refusal.handler, False, refusal.message))
        reason = refusal.reason
        if reason == INFEASIBLE:
            return KubeletResizeDecision(INFEASIBLE, INFEASIBLE, refusal.message, tuple(checks), reason)
        return KubeletResizeDecision(DEFERRED, DEFERRED, refusal.message, tuple(checks), reason)
    return KubeletResizeDecision(IN_PROGRESS, None, None, tuple(checks))


def is_resize_increasing_requests(
    features: NodeFeatures, desired: Pod, allocated: Pod, *, plr_gate: bool
) -> bool:
    """Any of the pod's cpu / memory requests grows (1.34: container requests only; 1.35+ with
    pod-level requests).

    Mirrors: allocation/allocation_manager.go isResizeIncreasingRequests
    """
    use_pod_level = plr_gate and features.pending_sort_pod_level
    new = pod_requests(desired, pod_level_resources=use_pod_level)
    old = pod_requests(allocated, pod_level_resources=use_pod_level)
    return new.get(RESOURCE_MEMORY, 0) > old.get(RESOURCE_MEMORY, 0) or new.get(RESOURCE_CPU, 0) > old.get(
        RESOURCE_CPU, 0
    )


@dataclass(frozen=True, slots=True)
class PendingResize:
    """What ``sortPendingResizes`` compares for one pod."""

    uid: str
    increasing: bool
    priority: int
    guaranteed: bool
    pending_since: int | None  # the PodResizePending condition's LastTransitionTime (None: none)


def _compare(first: PendingResize, second: PendingResize) -> int:
    """Mirrors: allocation/allocation_manager.go sortPendingResizes (the comparison function; it
    returns -1 for any non-increasing first pod, so two such pods each come "before" the other)."""
    if not first.increasing:
        return -1
    if not second.increasing:
        return 1
    if first.priority != second.priority:
        return -1 if first.priority > second.priority else 1
    if first.guaranteed != second.guaranteed:
        return -1 if first.guaranteed else 1
    if first.pending_since is None:
        return 1
    if second.pending_since is None:
        return -1
    return -1 if first.pending_since < second.pending_since else 1


def sort_pending_resizes(items: list[PendingResize]) -> list[PendingResize]:
    """The queue order: non-increasing resizes first, then higher priority, then Guaranteed, then
    the longest pending. Go's ``slices.SortFunc`` sorts up to 12 elements by insertion sort, which
    podfit runs as Go does (so ties fall where the kubelet puts them); a longer queue (pdqsort)
    is sorted by the same keys, stable (ties may then differ from the kubelet's).

    Mirrors: allocation/allocation_manager.go sortPendingResizes
    """
    data = list(items)
    if len(data) > 12:
        return sorted(
            data,
            key=lambda p: (
                p.increasing,
                -p.priority,
                not p.guaranteed,
                p.pending_since is None,
                p.pending_since or 0,
            ),
        )
    for i in range(1, len(data)):
        j = i
        while j > 0 and _compare(data[j], data[j - 1]) < 0:
            data[j], data[j - 1] = data[j - 1], data[j]
            j -= 1
    return data
