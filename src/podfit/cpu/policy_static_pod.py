"""KEP-5526 pod-level CPU allocation of the static policy: one exclusive CPU "bubble" for the whole
pod, partitioned among its containers.

Mirrors: cpumanager/policy_static.go ``staticPolicy.AllocatePod``. The caller (the Topology Manager's pod
scope with ``PodLevelResourceManagers``) decides
when this path is taken; this function does not re-check the gates, exactly like upstream.

As upstream, a failure while partitioning the bubble returns the error with the state already
changed (the bubble stays taken and recorded as the pod's CPU set).
"""

from __future__ import annotations

from typing import Final, Protocol

from podfit.cpu.assignment import CPUAssignmentError
from podfit.cpu.guaranteed import FeatureGateReader, validate_pod_scope_resources
from podfit.cpu.state import CPUState
from podfit.model.admission import (
    Rejection,
    SMTAlignmentRejection,
    empty_pod_shared_pool_rejection,
    smt_alignment_rejection,
)
from podfit.model.pod import Container, Pod
from podfit.topology.hint import TopologyHint

__all__ = ["POD_EXCLUSIVE", "POD_SHARED", "AllocatePodObserver", "PodCPUPolicy", "allocate_pod"]

POD_EXCLUSIVE: Final = "pod_exclusive"
POD_SHARED: Final = "pod_shared"


class PodCPUPolicy(Protocol):
    """What pod-level allocation uses of the static policy (``cpu.policy_static.StaticPolicy``)."""

    @property
    def gates(self) -> FeatureGateReader: ...

    def pod_guaranteed_cpus(self, pod: Pod) -> int: ...

    def guaranteed_cpus(self, pod: Pod, container: Container) -> int: ...

    def enforce_smt_alignment(self, s: CPUState, num_cpus: int) -> SMTAlignmentRejection | None: ...

    def allocate_cpus(
        self, s: CPUState, num_cpus: int, numa_affinity: int | None, reusable: int
    ) -> int | str: ...

    def take_by_topology(self, available: int, num_cpus: int) -> int: ...


class AllocatePodObserver(Protocol):
    """Told what ``allocate_pod`` does at the points where the kubelet updates its metrics."""

    def bubble_allocated(self, cpus: int) -> None: ...

    def pinning_request(self) -> None: ...

    def container_assigned(self, assignment_type: str) -> None: ...

    def container_allocated(self) -> None: ...


class _NoObserver:
    def bubble_allocated(self, cpus: int) -> None:
        pass

    def pinning_request(self) -> None:
        pass

    def container_assigned(self, assignment_type: str) -> None:
        pass

    def container_allocated(self) -> None:
        pass


def allocate_pod(
    policy: PodCPUPolicy,
    s: CPUState,
    pod: Pod,
    affinity: TopologyHint | None = None,
    observer: AllocatePodObserver | None = None,
) -> Rejection | None:
    """Take the pod's integral CPU budget as one set (from ``affinity``, the hint of the pod's
    first container), store it as the pod's CPU set, then give exclusive slices to guaranteed
    containers and the rest ("pod shared pool") to the others. ``observer`` hears the points where
    the kubelet updates its metrics (``updateMetricsOnAllocate``, pinning requests, assignments).

    Mirrors: cpumanager/policy_static.go staticPolicy.AllocatePod
    """
    total = policy.pod_guaranteed_cpus(pod)
    if total == 0:
        return None
    refusal = validate_pod_scope_resources(pod, policy.gates)
    if refusal is not None:
        return empty_pod_shared_pool_rejection(refusal)
    smt = policy.enforce_smt_alignment(s, total)
    if smt is not None:
        return smt_alignment_rejection(smt)
    numa = affinity.numa_affinity if affinity is not None else None
    bubble = policy.allocate_cpus(s, total, numa, 0)
    if isinstance(bubble, str):
        return Rejection(bubble)
    obs = observer or _NoObserver()
    obs.bubble_allocated(bubble)
    s.set_pod_cpu_set(pod.uid, bubble)

    exclusive: dict[str, int] = {}
    sidecar_cpus = 0
    try:
        for c in pod.init_containers:
            n = policy.guaranteed_cpus(pod, c)
            if n > 0:
                obs.pinning_request()
                cset = policy.take_by_topology(bubble & ~sidecar_cpus, n)
                obs.container_assigned(POD_EXCLUSIVE)
                exclusive[c.name] = cset
                if c.is_restartable_init:
                    sidecar_cpus |= cset
            elif not c.is_restartable_init:
                obs.container_assigned(POD_SHARED)
                exclusive[c.name] = bubble & ~sidecar_cpus
        shared_pool = bubble & ~sidecar_cpus
        for c in pod.containers:
            n = policy.guaranteed_cpus(pod, c)
            if n > 0:
                obs.pinning_request()
                cset = policy.take_by_topology(shared_pool, n)
                obs.container_assigned(POD_EXCLUSIVE)
                exclusive[c.name] = cset
                shared_pool &= ~cset
    except CPUAssignmentError as exc:
        return Rejection(str(exc))

    for c in pod.all_containers():
        if c.name not in exclusive:
            obs.container_assigned(POD_SHARED)
        s.set_cpu_set(pod.uid, c.name, exclusive.get(c.name, shared_pool))
        obs.container_allocated()
    return None
