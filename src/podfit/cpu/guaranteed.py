"""How many exclusive CPUs a container or a pod asks the static policy for, and the KEP-5526
"empty shared pool" check.

Mirrors: cpumanager/policy_static.go ``guaranteedCPUs``, ``podGuaranteedCPUs``,
``isIntegralCPUAmount`` and ``validatePodScopeResources``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Protocol

from podfit.model.pod import RESOURCE_CPU, Container, Pod
from podfit.model.qos import (
    QOS_FIX_GATE,
    get_pod_qos,
    is_container_equivalent_qos_guaranteed,
    is_pod_level_resources_set,
    qos_gates,
    skipped_by_static_managers,
)
from podfit.release.profile import ReleaseProfile

__all__ = [
    "FeatureGateReader",
    "PodCPURequests",
    "compute_pod_cpu_requests",
    "guaranteed_cpus",
    "is_integral_cpu_amount",
    "pod_guaranteed_cpus",
    "pod_level_resource_managers_off_for",
    "validate_pod_scope_resources",
]

PLR: Final = "PodLevelResources"
PLRM: Final = "PodLevelResourceManagers"


class FeatureGateReader(Protocol):
    """Anything with ``enabled(name) -> bool`` and the kubelet ``release``
    (podfit.model.features.FeatureGates)."""

    def enabled(self, name: str) -> bool: ...

    @property
    def release(self) -> ReleaseProfile: ...


def is_integral_cpu_amount(millicores: int) -> bool:
    """Mirrors: cpumanager/policy_static.go isIntegralCPUAmount"""
    return millicores % 1000 == 0


def _cpu_value(millicores: int) -> int:
    # resource.Quantity.Value(): rounds up to a whole number of CPUs.
    return -(-millicores // 1000)


def pod_level_resource_managers_off_for(pod: Pod, gates: FeatureGateReader) -> bool:
    """True when the static policy neither hints nor allocates for the pod because of its
    pod-level resources (the pod runs in the shared pool): which pods, the release says
    (:func:`podfit.model.qos.skipped_by_static_managers`).

    Mirrors: the early return of cpumanager/policy_static.go Allocate / GetTopologyHints
    """
    skip = gates.release.switches.plr_pod_skip_in_static_managers
    return skipped_by_static_managers(pod, gates.enabled(PLR), gates.enabled(PLRM), skip)


def _plrm_pod(pod: Pod, gates: FeatureGateReader) -> bool:
    return gates.enabled(PLRM) and is_pod_level_resources_set(pod)


def guaranteed_cpus(pod: Pod, container: Container, gates: FeatureGateReader) -> int:
    """Exclusive CPUs for ``container``: its integral CPU request in a Guaranteed pod, else 0.

    Mirrors: cpumanager/policy_static.go guaranteedCPUs
    """
    key = ("guaranteed-cpus", gates.enabled(PLR), gates.enabled(PLRM), gates.enabled(QOS_FIX_GATE))
    found: int = pod.memo(key, _guaranteed_cpus, pod, container, gates, anchor=container)
    return found


def _guaranteed_cpus(pod: Pod, container: Container, gates: FeatureGateReader) -> int:
    if get_pod_qos(pod, qos_gates(gates)) != "Guaranteed":
        return 0
    if _plrm_pod(pod, gates) and not is_container_equivalent_qos_guaranteed(container):
        return 0
    milli = container.resources.request(RESOURCE_CPU)
    if not is_integral_cpu_amount(milli):
        return 0
    return _cpu_value(milli)


def pod_guaranteed_cpus(pod: Pod, gates: FeatureGateReader) -> int:
    """Exclusive CPUs for the whole pod: the pod-level integral CPU request (pod-level managers
    on), else max(largest init container + sidecars started before it, apps + sidecars).

    Mirrors: cpumanager/policy_static.go podGuaranteedCPUs
    """
    if _plrm_pod(pod, gates):
        if get_pod_qos(pod, qos_gates(gates)) != "Guaranteed":
            return 0
        assert pod.resources is not None
        if RESOURCE_CPU in pod.resources.requests:
            milli = pod.resources.requests[RESOURCE_CPU]
            if is_integral_cpu_amount(milli):
                return _cpu_value(milli)
        return 0

    by_init = 0
    by_sidecars = 0
    for c in pod.init_containers:
        if RESOURCE_CPU not in c.resources.requests:
            continue
        n = guaranteed_cpus(pod, c, gates)
        if c.is_restartable_init:
            by_sidecars += n
        elif by_sidecars + n > by_init:
            by_init = by_sidecars + n
    by_apps = sum(
        guaranteed_cpus(pod, c, gates) for c in pod.containers if RESOURCE_CPU in c.resources.requests
    )
    return max(by_init, by_apps + by_sidecars)


def validate_pod_scope_resources(pod: Pod, gates: FeatureGateReader) -> str | None:
    """The KEP-5526 "empty shared pool" refusal text, or None when the pod's budget leaves CPUs
    for every container that needs the pod's shared pool.

    Mirrors: cpumanager/policy_static.go validatePodScopeResources
    """
    pod_total = pod_guaranteed_cpus(pod, gates)
    has_shared_long_running = False
    long_running_exclusive = 0
    for c in pod.init_containers:
        n = guaranteed_cpus(pod, c, gates)
        if not c.is_restartable_init:
            # (v1.36.2 has no check of an exclusive init container against the pool left by the
            # sidecars before it; a later upstream version does: issue 14)
            if n == 0 and long_running_exclusive >= pod_total:
                return "pod rejected, pod has shared init containers but no cpus available for them"
            continue
        if n == 0:
            has_shared_long_running = True
            continue
        long_running_exclusive += n
    for c in pod.containers:
        n = guaranteed_cpus(pod, c, gates)
        if n == 0:
            has_shared_long_running = True
            continue
        long_running_exclusive += n
    if has_shared_long_running and long_running_exclusive >= pod_total:
        return (
            "pod rejected, sum of exclusive container cpu requests equals pod budget, "
            "leaving no cpus for shared containers"
        )
    return None


@dataclass(frozen=True, slots=True)
class PodCPURequests:
    """Everything the static policy reads of one pod's CPU requests under one pair of gates
    (``PodLevelResources``, ``PodLevelResourceManagers``), derived once per pod: the functions
    above, evaluated for the pod and each of its containers."""

    by_container: Mapping[str, tuple[Container, int]]  # name -> (container, guaranteed_cpus)
    pod_total: int  # pod_guaranteed_cpus
    gated_off: bool  # pod_level_resource_managers_off_for
    pod_level: bool  # PodLevelResourceManagers on and pod-level resources set

    def guaranteed_cpus(self, container: Container) -> int | None:
        """The container's exclusive CPUs; ``None`` for a container that is not this pod's."""
        entry = self.by_container.get(container.name)
        return entry[1] if entry is not None and entry[0] is container else None


def compute_pod_cpu_requests(pod: Pod, gates: FeatureGateReader) -> PodCPURequests:
    """The pod's :class:`PodCPURequests` (``StaticPolicy.requests`` memoises it on the pod)."""
    return PodCPURequests(
        by_container={c.name: (c, guaranteed_cpus(pod, c, gates)) for c in pod.all_containers()},
        pod_total=pod_guaranteed_cpus(pod, gates),
        gated_off=pod_level_resource_managers_off_for(pod, gates),
        pod_level=_plrm_pod(pod, gates),
    )
