"""In-place resize on a simulated node: the API server's answer, then the kubelet's (now or, for a
Deferred resize, on a later retry), the new allocation, what the resource managers did, and the
actuation writes. The state of the pending resizes lives in :class:`ResizeTracker` (one per node).

1.34+ keep a queue of pending resizes (sorted when a pod is pushed) and retry all of it when a pod
is resized (``pod_updated``), removed (``pods_removed``), an admitted resize shrinks requests
(``pod_resized``) or the allocation manager's ticker fires (a scenario ``retryResizes`` event:
``periodic``). 1.33 has no queue: the kubelet re-evaluates a Deferred resize at each sync of that
pod; podfit retries on the same triggers.

Mirrors: allocation/allocation_manager.go PushPendingResize, RetryPendingResizes (1.34+),
handlePodResourcesResize; kubelet.go HandlePodUpdates / HandlePodRemoves; status_manager.go
SetPodResizePendingCondition (every reason but Infeasible is Deferred, 1.36); events/resize.go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from podfit.api.pod_resize import apply_resize_patch, pod_resize_validator, validate_pod_resize
from podfit.kubelet.cgroup_config import ResourceConfig
from podfit.kubelet.resize import (
    DEFERRED,
    IN_PROGRESS,
    INFEASIBLE,
    HandlerOutcome,
    PendingResize,
    ResizeCheck,
    is_resize_increasing_requests,
    kubelet_resize_decision,
    resizable_containers,
    sort_pending_resizes,
)
from podfit.kubelet.resize_actuation import resize_actuation
from podfit.kubelet.resize_events import allocation_view, event_summary
from podfit.kubelet.result import ResizeDecision, ResizeResult, RetryResult
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import Pod
from podfit.model.qos import QOSGates, get_pod_qos
from podfit.model.release_gates import release_gate
from podfit.model.scenario import ResizePod
from podfit.release.node_features import NodeFeatures

__all__ = [
    "PERIODIC",
    "PODS_REMOVED",
    "POD_RESIZED",
    "POD_UPDATED",
    "ResizeHost",
    "ResizeTracker",
    "allocation_view",
    "event_summary",
    "handle_resize",
    "resize_step",
    "retry_pending",
    "retry_step",
    "sort_queue",
]

CgroupFiles = tuple[Mapping[str, str], dict[str, Mapping[str, str]], ResourceConfig]

POD_UPDATED: Final = "pod_updated"
PODS_REMOVED: Final = "pods_removed"
POD_RESIZED: Final = "pod_resized"
PERIODIC: Final = "periodic"


class ResizeHost(Protocol):
    """What resize handling needs from the node (:class:`podfit.kubelet.node.Node`)."""

    features: NodeFeatures
    config: KubeletConfig
    allocatable: dict[str, int]  # the node's status allocatable
    absolute_allocatable: dict[str, int]  # capacity - system/kube reserved
    resizes: ResizeTracker

    def find(self, key: str | None = None, uid: str | None = None) -> Pod | None: ...

    def resize_admit_handlers(self, desired: Pod, allocated: Pod) -> HandlerOutcome: ...

    def set_allocation(self, pod: Pod) -> None: ...

    def cpusets(self, pod: Pod) -> dict[str, int | None]: ...

    def pod_cpuset(self, pod: Pod) -> int | None: ...

    def cgroup_files(self, pod: Pod) -> CgroupFiles: ...

    @property
    def default_cpuset(self) -> int: ...

    @property
    def plr(self) -> bool: ...

    @property
    def qos_gates(self) -> QOSGates: ...


@dataclass
class ResizeTracker:
    """The kubelet's resize bookkeeping for the node's pods (by UID)."""

    desired: dict[str, Pod] = field(default_factory=dict)  # the spec, where it differs from the allocation
    generation: dict[str, int] = field(default_factory=dict)
    pending: dict[str, tuple[str, str]] = field(default_factory=dict)  # PodResizePending (reason, message)
    pending_since: dict[str, int] = field(default_factory=dict)  # its LastTransitionTime (an event count)
    queue: list[str] = field(default_factory=list)
    clock: int = 0

    def spec(self, pod: Pod) -> Pod:
        """The pod's spec (desired resources) — the allocation unless a resize is pending."""
        return self.desired.get(pod.uid, pod)

    def forget(self, uid: str) -> None:
        self.desired.pop(uid, None)
        self.generation.pop(uid, None)
        self.pending.pop(uid, None)
        self.pending_since.pop(uid, None)
        if uid in self.queue:
            self.queue.remove(uid)


def sort_queue(host: ResizeHost) -> None:
    """Sort the pending resizes (after a push). Mirrors: allocation_manager.go PushPendingResize"""
    t = host.resizes
    items = []
    for uid in t.queue:
        allocated, desired = host.find(uid=uid), t.desired.get(uid)
        if allocated is None or desired is None:
            continue
        increasing = is_resize_increasing_requests(host.features, desired, allocated, plr_gate=host.plr)
        guaranteed = get_pod_qos(desired, host.qos_gates) == "Guaranteed"
        since = t.pending_since.get(uid)
        items.append(PendingResize(uid, increasing, desired.priority or 0, guaranteed, since))
    t.queue = [p.uid for p in sort_pending_resizes(items)]


def _evaluate(host: ResizeHost, uid: str, trigger: str) -> ResizeDecision | None:
    """One pod's pending resize through the kubelet (handlePodResourcesResize)."""
    t, f = host.resizes, host.features
    allocated = host.find(uid=uid)
    desired = t.desired.get(uid)
    if allocated is None:
        return None
    generation = t.generation.get(uid, 1)
    if desired is None or desired == allocated:
        t.desired.pop(uid, None)
        t.pending.pop(uid, None)
        t.pending_since.pop(uid, None)
        return ResizeDecision(
            allocated.key,
            uid,
            "NoChange",
            "kubelet",
            None,
            None,
            generation,
            trigger,
            allocated=allocation_view(allocated),
        )
    before_sets, before_pod_set = host.cpusets(allocated), host.pod_cpuset(allocated)
    old_files = host.cgroup_files(allocated)
    decision = kubelet_resize_decision(
        f,
        host.config.feature_gates,
        desired=desired,
        allocated=allocated,
        cpu_manager_policy=host.config.cpu_manager_policy,
        memory_manager_policy=host.config.memory_manager_policy,
        status_allocatable=host.allocatable,
        absolute_allocatable=host.absolute_allocatable,
        admit_handlers=lambda pod: host.resize_admit_handlers(pod, allocated),
        plr_gate=host.plr,
    )
    after_sets, after_pod_set = host.cpusets(allocated), host.pod_cpuset(allocated)
    warnings: list[str] = []
    if after_pod_set != before_pod_set and before_pod_set is not None:
        warnings.append(
            "kubelet bug: the resize re-ran AllocatePod and took a new pod-level CPU set; the old one "
            "is in neither the shared pool nor any assignment (v1.36, see #140989)"
        )
    if after_sets != before_sets and decision.outcome != IN_PROGRESS:
        warnings.append(
            "the resource managers changed their state although the resize was not admitted (no rollback)"
        )
    conditions: list[dict[str, str]] = []
    events: list[str] = []
    actuation: tuple[Any, ...] = ()
    if decision.outcome == IN_PROGRESS:
        host.set_allocation(desired)
        t.desired.pop(uid, None)
        t.pending.pop(uid, None)
        t.pending_since.pop(uid, None)
        conditions.append({"type": "PodResizeInProgress", "status": "True"})
        if "ResizeStarted" in f.resize_events:
            events.append("Normal ResizeStarted Pod resize started: " + event_summary(desired, generation))
        new_files = host.cgroup_files(desired)
        plan = resize_actuation(
            allocated,
            desired,
            resizable=lambda pod: resizable_containers(f, host.config.feature_gates, pod),
            pod_level_resize=host.plr and _gate(host, "InPlacePodLevelResourcesVerticalScaling"),
            old_pod_config=old_files[2],
            new_pod_config=new_files[2],
            pod_files=(old_files[0], new_files[0]),
            container_files={n: (old_files[1].get(n, {}), new_files[1].get(n, {})) for n in new_files[1]},
            memory_usage_check_containers=f.actuation_checks_container_memory,
        )
        actuation = plan.writes
        warnings.extend(plan.notes)
        if "ResizeCompleted" in f.resize_events:
            events.append(
                "Normal ResizeCompleted Pod resize completed: " + event_summary(desired, generation)
            )
        after = host.find(uid=uid) or desired
        message = None
    else:
        reason = decision.reason or DEFERRED
        message = decision.message or ""
        previous = t.pending.get(uid)
        t.pending[uid] = (reason, message)
        if previous is None or previous[0] != reason:
            t.pending_since[uid] = t.clock
            name = "ResizeInfeasible" if reason == INFEASIBLE else "ResizeDeferred"
            if name in f.resize_events:
                events.append(
                    f"Warning {name} Pod resize {reason}: " + event_summary(desired, generation, message)
                )
        conditions.append(
            {"type": "PodResizePending", "status": "True", "reason": reason, "message": message}
        )
        after = allocated
    exclusive = {
        "containerCPUs": {n: v for n, v in after_sets.items() if v is not None},
        "changed": sorted(n for n in after_sets if after_sets[n] != before_sets.get(n)),
        "podCPUs": after_pod_set,
    }
    return ResizeDecision(
        after.key,
        uid,
        decision.outcome,
        "kubelet",
        decision.reason,
        message,
        generation,
        trigger,
        checks=decision.checks,
        handler_reason=decision.handler_reason,
        allocated=allocation_view(after),
        conditions=tuple(conditions),
        events=tuple(events),
        actuation=actuation,
        exclusive=exclusive,
        warnings=tuple(warnings),
    )


def _gate(host: ResizeHost, name: str) -> bool:
    return release_gate(host.config.feature_gates, host.features, name)


def retry_pending(host: ResizeHost, trigger: str, *, only: str | None = None) -> tuple[ResizeDecision, ...]:
    """Every pending resize, in queue order (1.33: only ``only``, the pod being synced). An
    admitted resize that shrinks requests triggers another round (``pod_resized``)."""
    t = host.resizes
    t.clock += 1
    order = [only] if only is not None and not host.features.pending_resize_queue else list(t.queue)
    if only is not None and only not in order:
        order.append(only)
    decisions: list[ResizeDecision] = []
    shrank = False
    keep: list[str] = []
    for uid in order:
        allocated = host.find(uid=uid)
        desired = t.desired.get(uid)
        was_increasing = (
            allocated is not None
            and desired is not None
            and is_resize_increasing_requests(host.features, desired, allocated, plr_gate=host.plr)
        )
        d = _evaluate(host, uid, trigger)
        if d is None:
            continue
        decisions.append(d)
        if d.outcome == DEFERRED:
            keep.append(uid)
        elif d.outcome == IN_PROGRESS and not was_increasing:
            shrank = True
    t.queue = [u for u in t.queue if u in keep] + [u for u in keep if u not in t.queue]
    if shrank and t.queue and host.features.pending_resize_queue:
        decisions.extend(retry_pending(host, POD_RESIZED))
    return tuple(decisions)


def handle_resize(
    host: ResizeHost, event: ResizePod
) -> tuple[Pod | None, ResizeDecision | None, tuple[ResizeDecision, ...]]:
    """A ``resize`` event: (the pod, its decision, the other pending resizes retried with it)."""
    t, f = host.resizes, host.features
    allocated = host.find(event.key, event.uid)
    if allocated is None:
        return None, None, ()
    spec = t.spec(allocated)
    pod_level = release_gate(host.config.feature_gates, f, "InPlacePodLevelResourcesVerticalScaling")
    desired = apply_resize_patch(spec, event, pod_level=pod_level)
    generation = t.generation.get(allocated.uid, 1)
    refusal = validate_pod_resize(f, host.config.feature_gates, spec, desired, plr_gate=host.plr)
    if refusal is None:
        refusal = pod_resize_validator(f, desired, host.allocatable, plr_gate=host.plr)
    if refusal is not None:
        decision = ResizeDecision(
            allocated.key,
            allocated.uid,
            "Rejected",
            refusal.stage,
            None,
            refusal.message,
            generation,
            "",
            checks=tuple(ResizeCheck(refusal.stage, False, e) for e in refusal.errors or (refusal.message,)),
            allocated=allocation_view(allocated),
        )
        return allocated, decision, ()
    changed = desired.all_containers() != spec.all_containers() or desired.resources != spec.resources
    if changed:
        generation += 1
        t.generation[allocated.uid] = generation
    t.desired[allocated.uid] = desired
    if desired == allocated:  # a pending resize reverted: the pending condition is cleared
        t.forget(allocated.uid)
        t.generation[allocated.uid] = generation
        own = ResizeDecision(
            allocated.key,
            allocated.uid,
            "NoChange",
            "kubelet",
            None,
            None,
            generation,
            POD_UPDATED,
            allocated=allocation_view(allocated),
        )
        return allocated, own, ()
    if allocated.uid not in t.queue:
        t.queue.append(allocated.uid)
        if f.pending_resize_queue:
            sort_queue(host)
    decisions = retry_pending(host, POD_UPDATED, only=allocated.uid)
    own_decision = next((d for d in decisions if d.uid == allocated.uid), None)
    others = tuple(d for d in decisions if d.uid != allocated.uid)
    return allocated, own_decision, others


def _pending_keys(host: ResizeHost) -> tuple[str, ...]:
    return tuple(p.key for uid in host.resizes.queue if (p := host.find(uid=uid)) is not None)


def resize_step(host: ResizeHost, event: ResizePod) -> ResizeResult:
    """The result of a ``resize`` event (see :func:`handle_resize`)."""
    pod, own, others = handle_resize(host, event)
    key = pod.key if pod is not None else event.key or ""
    uid = pod.uid if pod is not None else event.uid
    return ResizeResult(key, uid, pod is not None, own, others, _pending_keys(host), host.default_cpuset)


def retry_step(host: ResizeHost) -> RetryResult:
    """The result of a ``retryResizes`` event: the pending resizes retried (``periodic``)."""
    decisions = retry_pending(host, PERIODIC) if host.resizes.queue else ()
    return RetryResult(PERIODIC, decisions, _pending_keys(host), host.default_cpuset)
