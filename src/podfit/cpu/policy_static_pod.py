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

__all__ = [
    "NOT_A_PREFIX",
    "POD_EXCLUSIVE",
    "POD_SHARED",
    "RESTORED",
    "STALE",
    "AllocatePodObserver",
    "PodCPUPolicy",
    "allocate_pod",
    "classify_restored",
    "restored_pod_cpu_set",
    "restored_pod_hints",
    "spec_prefix",
]

POD_EXCLUSIVE: Final = "pod_exclusive"
POD_SHARED: Final = "pod_shared"


class PodCPUPolicy(Protocol):
    """What pod-level allocation uses of the static policy (``cpu.policy_static.StaticPolicy``)."""

    @property
    def gates(self) -> FeatureGateReader: ...

    @property
    def restore_fixes(self) -> bool: ...

    def pod_guaranteed_cpus(self, pod: Pod) -> int: ...

    def guaranteed_cpus(self, pod: Pod, container: Container) -> int: ...

    def enforce_smt_alignment(self, s: CPUState, num_cpus: int) -> SMTAlignmentRejection | None: ...

    def allocate_cpus(
        self, s: CPUState, num_cpus: int, numa_affinity: int | None, reusable: int
    ) -> int | str: ...

    def take_by_topology(self, available: int, num_cpus: int) -> int: ...

    @property
    def reserved_cpus(self) -> int: ...

    def get_available_cpus(self, s: CPUState) -> int: ...

    def generate_cpu_topology_hints(
        self, available: int, reusable: int, request: int
    ) -> list[TopologyHint]: ...


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
    obs = observer or _NoObserver()
    if policy.restore_fixes:
        restored = restored_pod_cpu_set(s, pod)
        if restored is not None:
            return _restore_pod_allocation(policy, s, pod, restored, obs)
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


# ----- the restart path of kubernetes PR #141041 (1.37) ------------------------------------------------
def spec_prefix(s: CPUState, pod: Pod) -> bool:
    """Whether the containers holding an assignment are the first ones of the pod in spec order
    (init containers, then app containers): what an admission interrupted while it wrote the
    assignments leaves. Anything else is the leftover of an interrupted clean-up.

    Mirrors: kubernetes PR #141041 (cpumanager/policy_static.go, 1.37; read from its PR text and
    unit tests, no 1.37 code available)
    """
    held = s.container_cpu_sets(pod.uid)
    seen_gap = False
    for c in pod.all_containers():
        if c.name in held:
            if seen_gap:
                return False
        else:
            seen_gap = True
    return True


RESTORED: Final = "restored"
STALE: Final = "stale"  # the set overlaps the shared pool (an interrupted release)
NOT_A_PREFIX: Final = "not-a-prefix"  # leftovers of an interrupted clean-up


def classify_restored(s: CPUState, pod: Pod) -> tuple[str, int] | None:
    """What the state holds of the pod's pod-level CPU set: (``RESTORED`` | ``STALE`` |
    ``NOT_A_PREFIX``, the set), or ``None`` when it holds none. Reads only.

    Mirrors: kubernetes PR #141041 (1.37; from its PR text and unit tests)
    """
    restored = s.get_pod_cpu_set(pod.uid)
    if restored is None:
        return None
    if restored & s.get_default_cpu_set():
        return STALE, restored
    if not spec_prefix(s, pod):
        return NOT_A_PREFIX, restored
    return RESTORED, restored


def restored_pod_cpu_set(s: CPUState, pod: Pod) -> int | None:
    """The pod's pod-level CPU set restored from the checkpoint, made usable as the kubelet of
    PR #141041 makes it, or ``None`` (none, or dropped: allocate from scratch):

    * a set overlapping the shared pool is the leftover of an interrupted release (its CPUs are
      back in the pool): the pod's entries are dropped;
    * container assignments that are not a prefix of the spec: the pod's CPUs go back to the
      shared pool and its entries are dropped.

    Mirrors: kubernetes PR #141041 allocatePodForAdd (1.37)
    """
    found = classify_restored(s, pod)
    if found is None:
        return None
    kind, restored = found
    if kind == STALE:
        s.delete_pod(pod.uid)
        return None
    if kind == NOT_A_PREFIX:
        s.set_default_cpu_set(s.get_default_cpu_set() | restored)
        s.delete_pod(pod.uid)
        return None
    return restored


def _restore_pod_allocation(
    policy: PodCPUPolicy, s: CPUState, pod: Pod, bubble: int, obs: AllocatePodObserver
) -> Rejection | None:
    """Keep every restored assignment and carve only the missing ones out of the restored
    pod-level set, with ``AllocatePod``'s partition (sidecar slices are permanent, a standard init
    container gets the set minus the sidecars, app slices come out of the pod shared pool). A
    failure gives every CPU of the pod back to the shared pool.

    Mirrors: kubernetes PR #141041 restorePodAllocation (1.37; from its PR text and unit tests)
    """
    held = dict(s.container_cpu_sets(pod.uid))
    exclusive: dict[str, int] = {}
    sidecar_cpus = 0
    try:
        for c in pod.init_containers:
            n = policy.guaranteed_cpus(pod, c)
            got = held.get(c.name)
            if got is not None:
                exclusive[c.name] = got
                if n > 0 and c.is_restartable_init:
                    sidecar_cpus |= got
                continue
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
            got = held.get(c.name)
            if got is not None:
                exclusive[c.name] = got
                if n > 0:
                    shared_pool &= ~got
                continue
            if n > 0:
                obs.pinning_request()
                cset = policy.take_by_topology(shared_pool, n)
                obs.container_assigned(POD_EXCLUSIVE)
                exclusive[c.name] = cset
                shared_pool &= ~cset
    except CPUAssignmentError as exc:
        s.set_default_cpu_set(s.get_default_cpu_set() | bubble)
        s.delete_pod(pod.uid)
        return Rejection(str(exc))
    for c in pod.all_containers():
        if c.name in held:
            continue
        if c.name not in exclusive:
            obs.container_assigned(POD_SHARED)
        s.set_cpu_set(pod.uid, c.name, exclusive.get(c.name, shared_pool))
        obs.container_allocated()
    return None


def restored_pod_hints(
    policy: PodCPUPolicy, s: CPUState, pod: Pod, requested: int, restored: tuple[str, int]
) -> list[TopologyHint]:
    """The pod's CPU hints when the state holds its pod-level set: regenerated from that set; a
    stale set is ignored, and the set of a pod whose assignments are leftovers counts as free
    (``AllocatePod`` gives it back), its container assignments ignored.

    Mirrors: kubernetes PR #141041 GetPodTopologyHints (1.37; from its PR text and unit tests)
    """
    kind, cset = restored
    if kind == RESTORED:
        if cset.bit_count() != requested:
            return []
        return policy.generate_cpu_topology_hints(cset, 0, requested)
    available = policy.get_available_cpus(s)
    if kind == NOT_A_PREFIX:
        available |= cset & ~policy.reserved_cpus
    return policy.generate_cpu_topology_hints(available, s.cpus_to_reuse(pod.uid), requested)
