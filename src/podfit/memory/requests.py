"""What the Memory Manager counts as requested: per container and per pod, and the pod-scope
"empty shared pool" check of KEP-5526.

Mirrors: pkg/kubelet/cm/memorymanager/policy_static.go
``getContainerRequestedResources``, ``getPodRequestedResources``, ``validatePodScopeResources``.
Resource maps are ordered ``memory`` first, then hugepages by name (the Go maps are unordered).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from podfit.memory.reusable import is_regular_init_container
from podfit.memory.state import Block
from podfit.model.pod import RESOURCE_HUGEPAGES_PREFIX, RESOURCE_MEMORY, Container, Pod
from podfit.model.qos import (
    QOSGates,
    get_pod_qos,
    is_container_equivalent_qos_guaranteed,
    is_pod_level_resources_set,
    skipped_by_static_managers,
)
from podfit.release.switches import PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS
from podfit.topology.bitmask import get_bits

__all__ = [
    "ContainerMemoryPlan",
    "PodMemoryPlan",
    "container_memory_plan",
    "get_container_requested_resources",
    "get_pod_requested_resources",
    "is_memory_resource",
    "ordered",
    "pod_memory_plan",
    "validate_pod_scope_resources",
]


def is_memory_resource(name: str) -> bool:
    """``memory`` or a ``hugepages-<size>`` resource."""
    return name == RESOURCE_MEMORY or name.startswith(RESOURCE_HUGEPAGES_PREFIX)


def ordered(resources: Mapping[str, int]) -> dict[str, int]:
    """``memory`` first, then the other names sorted."""
    return dict(sorted(resources.items(), key=lambda kv: (kv[0] != RESOURCE_MEMORY, kv[0])))


def get_container_requested_resources(
    pod: Pod, container: Container, pod_level_managers: bool
) -> dict[str, int]:
    """The container's memory and hugepage requests; none for a non-Guaranteed-equivalent container
    of a pod with pod-level resources when ``PodLevelResourceManagers`` is on.

    Mirrors: memorymanager/policy_static.go getContainerRequestedResources
    """
    key = ("memory-requests", pod_level_managers)
    return dict(pod.memo(key, _container_requested, pod, container, pod_level_managers, anchor=container))


def _container_requested(pod: Pod, container: Container, pod_level_managers: bool) -> dict[str, int]:
    if (
        pod_level_managers
        and is_pod_level_resources_set(pod)
        and not is_container_equivalent_qos_guaranteed(container)
    ):
        return {}
    return ordered({n: v for n, v in container.resources.requests.items() if is_memory_resource(n)})


@dataclass(frozen=True, slots=True)
class ContainerMemoryPlan:
    """What the Static policy's ``Allocate`` reads of one container of one pod under one pair of
    gates (``PodLevelResources``, ``PodLevelResourceManagers``), derived once per container
    (memoised on the pod): the checks and lookups that depend on nothing else."""

    pinned: bool  # a Guaranteed pod not left out for its pod-level resources
    requested: Mapping[str, int]  # get_container_requested_resources (shared: read only)
    regular_init: bool  # is_regular_init_container: its blocks become reusable
    after_regular_init: bool  # a regular init container starts before it: it may reuse memory
    _placed: dict[int, tuple[tuple[int, ...], tuple[Block, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )  # mask -> placed(mask), filled on first use

    def placed(self, mask: int) -> tuple[tuple[int, ...], tuple[Block, ...]]:
        """The NUMA nodes of ``mask`` and the container's blocks on them (one per resource)."""
        found = self._placed.get(mask)
        if found is None:
            bits = tuple(get_bits(mask))
            blocks = tuple(Block(bits, name, size) for name, size in self.requested.items())
            found = self._placed[mask] = (bits, blocks)
        return found


def container_memory_plan(
    pod: Pod,
    container: Container,
    gates: QOSGates,
    pod_level_managers: bool,
    skip: str = PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS,
    skip_empty: bool = False,
) -> ContainerMemoryPlan:
    """The container's :class:`ContainerMemoryPlan` (memoised on the pod per container, gates and
    release switches: ``gates`` = the kubelet's QoS gates (``PodLevelResources`` among them),
    ``skip`` = ``plr_pod_skip_in_static_managers``, ``skip_empty`` =
    ``mm_skip_zero_exclusive_memory_containers``)."""
    key = ("memory-plan", gates, pod_level_managers, skip, skip_empty)
    plan: ContainerMemoryPlan = pod.memo(
        key,
        _container_plan,
        pod,
        container,
        gates,
        pod_level_managers,
        skip,
        skip_empty,
        anchor=container,
    )
    return plan


def _pinned(pod: Pod, gates: QOSGates, pod_level_managers: bool, skip: str) -> bool:
    """The Static policy's first checks: a Guaranteed pod the release does not leave alone for its
    pod-level resources (:func:`podfit.model.qos.skipped_by_static_managers`)."""
    if get_pod_qos(pod, gates) != "Guaranteed":
        return False
    return not skipped_by_static_managers(pod, gates.pod_level_resources, pod_level_managers, skip)


def _container_plan(
    pod: Pod,
    container: Container,
    gates: QOSGates,
    pod_level_managers: bool,
    skip: str,
    skip_empty: bool,
) -> ContainerMemoryPlan:
    pinned = _pinned(pod, gates, pod_level_managers, skip)
    requested = get_container_requested_resources(pod, container, pod_level_managers) if pinned else {}
    if skip_empty and not requested:
        # PR #138770 (1.37): a container that requests no exclusive memory is neither hinted nor
        # allocated (1.36 runs Allocate for it with an empty request)
        pinned = False
    after_regular_init = False
    for init in pod.init_containers:  # the loop of updateInitContainersMemoryBlocks
        if init.name == container.name:
            break
        if init.kind != "sidecar":
            after_regular_init = True
            break
    return ContainerMemoryPlan(
        pinned=pinned,
        requested=requested,
        regular_init=is_regular_init_container(pod, container),
        after_regular_init=after_regular_init,
    )


@dataclass(frozen=True, slots=True)
class PodMemoryPlan:
    """What the Static policy's ``GetPodTopologyHints`` reads of one pod under one pair of gates,
    derived once (memoised on the pod)."""

    pinned: bool  # a Guaranteed pod not left out for its pod-level resources
    requested: Mapping[str, int]  # get_pod_requested_resources (shared: read only)
    refused: bool  # pod-level resources managed at pod level, and validate_pod_scope_resources refuses


def pod_memory_plan(
    pod: Pod,
    gates: QOSGates,
    pod_level_managers: bool,
    skip: str = PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS,
) -> PodMemoryPlan:
    """The pod's :class:`PodMemoryPlan` (memoised on the pod per gates and ``skip``, the release's
    ``plr_pod_skip_in_static_managers``)."""
    key = ("memory-pod-plan", gates, pod_level_managers, skip)
    plan: PodMemoryPlan = pod.memo(key, _pod_plan, pod, gates, pod_level_managers, skip)
    return plan


def _pod_plan(pod: Pod, gates: QOSGates, pod_level_managers: bool, skip: str) -> PodMemoryPlan:
    pinned = _pinned(pod, gates, pod_level_managers, skip)
    pod_level = pinned and pod_level_managers and is_pod_level_resources_set(pod)
    return PodMemoryPlan(
        pinned=pinned,
        requested=get_pod_requested_resources(pod, pod_level_managers) if pinned else {},
        refused=pod_level and validate_pod_scope_resources(pod, pod_level_managers) is not None,
    )


def get_pod_requested_resources(pod: Pod, pod_level_managers: bool) -> dict[str, int]:
    """The pod's memory and hugepage requests: its pod-level requests (gate on and set), else the
    KEP-753 container formula restricted to the resources the app containers request.

    Mirrors: memorymanager/policy_static.go getPodRequestedResources
    """
    key = ("memory-pod-requests", pod_level_managers)
    return dict(pod.memo(key, _pod_requested, pod, pod_level_managers))


def _pod_requested(pod: Pod, pod_level_managers: bool) -> dict[str, int]:
    if pod_level_managers and is_pod_level_resources_set(pod):
        assert pod.resources is not None
        return ordered({n: v for n, v in pod.resources.requests.items() if is_memory_resource(n) and v > 0})
    by_init: dict[str, int] = {}
    by_sidecars: dict[str, int] = {}
    for c in pod.init_containers:
        for name, qty in get_container_requested_resources(pod, c, pod_level_managers).items():
            by_init.setdefault(name, 0)
            if c.kind == "sidecar":
                by_sidecars[name] = by_sidecars.get(name, 0) + qty
            elif by_sidecars.get(name, 0) + qty > by_init[name]:
                by_init[name] = by_sidecars.get(name, 0) + qty
    by_app: dict[str, int] = {}
    for c in pod.containers:
        for name, qty in get_container_requested_resources(pod, c, pod_level_managers).items():
            by_app[name] = by_app.get(name, 0) + qty
    out: dict[str, int] = {}
    for name, app in by_app.items():
        out[name] = max(app + by_sidecars.get(name, 0), by_init.get(name, 0))
    return ordered(out)


def validate_pod_scope_resources(pod: Pod, pod_level_managers: bool) -> str | None:
    """The "empty shared pool" check: exclusive requests may not use up the pod budget while some
    container needs the pod's shared pool, and a standard init container must fit what the
    sidecars before it leave. When several resources are used up, Go names the first its map
    iteration meets, which is random; podfit names the first in its resource order.

    Mirrors: memorymanager/policy_static.go validatePodScopeResources
    """
    total = get_pod_requested_resources(pod, pod_level_managers)
    has_shared = False
    exclusive: dict[str, int] = {}
    for c in pod.init_containers:
        reqs = get_container_requested_resources(pod, c, pod_level_managers)
        if c.kind != "sidecar":
            # (v1.36.2 has no check of an exclusive init container against the pool left by the
            # sidecars before it; a later upstream version does: issue 14)
            if not reqs:
                for name, budget in total.items():
                    if exclusive.get(name, 0) >= budget:
                        return (
                            f"pod rejected, pod has shared init containers but no {name} available for them"
                        )
            continue
        if not reqs:
            has_shared = True
            continue
        for name, qty in reqs.items():
            exclusive[name] = exclusive.get(name, 0) + qty
    for c in pod.containers:
        reqs = get_container_requested_resources(pod, c, pod_level_managers)
        if not reqs:
            has_shared = True
            continue
        for name, qty in reqs.items():
            exclusive[name] = exclusive.get(name, 0) + qty
    if has_shared:
        for name, budget in total.items():
            if exclusive.get(name, 0) >= budget:
                return (
                    f"pod rejected, sum of exclusive container {name} requests equals pod budget, "
                    "leaving no memory for shared containers"
                )
    return None
