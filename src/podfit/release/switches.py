"""Behaviour switches: what changed in the kubelet's resource-management code between releases,
each switch named after the upstream change that introduced it.

The managers read a switch the way they read a feature gate (``config.release.switches.x``, or
``gates.release.switches.x`` where they hold the gates); no code compares version numbers. The
evidence for every value is in ``docs/versions.md`` (code of v1.33.5, v1.34.2, v1.35.3, v1.36.2 as
vendored by openshift/microshift; for 1.37, upstream pull requests and docs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "PLR_SKIP_NEVER",
    "PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS",
    "PLR_SKIP_WHEN_GATE_ENABLED",
    "SWITCHES",
    "BehaviourSwitches",
]

# Which pods with ``spec.resources`` the static CPU and Memory managers leave alone (no exclusive
# resources, no hint) -- the early return of Allocate / GetTopologyHints / GetPodTopologyHints:
PLR_SKIP_NEVER: Final = "never"  # no such check (1.33)
PLR_SKIP_WHEN_GATE_ENABLED: Final = "gate-enabled"  # PodLevelResources on and spec.resources set
PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS: Final = "unless-pod-level-managers"  # spec.resources set and
# not both PodLevelResources and PodLevelResourceManagers on: a kubelet with PodLevelResources off
# skips such a pod too


@dataclass(frozen=True, slots=True)
class BehaviourSwitches:
    """The behaviours of one release that no feature gate names."""

    # kubernetes PR #133279 (1.34; fixes #132445), predicate widened by PR #134768 (1.36):
    # cpumanager/ and memorymanager/policy_static.go Allocate, GetTopologyHints, GetPodTopologyHints
    plr_pod_skip_in_static_managers: str
    # kubernetes PR #133046 (1.34): lifecycle.NewPodFeaturesAdmitHandler rejects a pod with
    # spec.resources on a kubelet whose PodLevelResources gate is off (PodLevelResourcesNotSupported)
    pod_features_admit_handler: bool
    # kubernetes PR #131850 (1.34; fixes #131610): cpu_assignment.go takePartialUncore rounds the
    # cores needed up and, for an odd request on SMT, drops the highest CPU of those cores
    uncore_partial_round_up: bool
    # kubernetes PR #138244 (1.36; fixes #135541): devicemanager/topology_hints.go
    # generateDeviceTopologyHints iterates only the NUMA nodes that hold the resource's devices
    device_hints_device_numa_nodes_only: bool
    # kubernetes PR #138770 (1.37): memorymanager/policy_static.go skips allocation and hints for a
    # container of a pod-level pod that requests no exclusive memory (1.36 allocates nothing for it
    # yet still runs Allocate, which rejects such pods under single-numa-node / mixed NUMA use)
    mm_skip_zero_exclusive_memory_containers: bool
    # component-base featuregate AddDependencies (1.35): a gate that is on while a gate it depends
    # on is off refuses to start ("X is enabled, but depends on features that are disabled: [...]")
    feature_gate_dependencies: bool
    # 1.33/1.34 with InPlacePodVerticalScaling: cpumanager guaranteedCPUs and memorymanager
    # getRequestedResources read status.containerStatuses[].allocatedResources; removed with the
    # 1.35 IPPR GA (the kubelet hands the managers the allocated pod)
    ippr_requests_from_status_allocated_resources: bool
    # kuberuntime_container_linux.go GetHugepageLimitsFromResources (1.34, pod-level resources
    # beta): a pod's hugepage limits apply to its containers, the container's own override them
    plr_hugepage_limits_from_pod_spec: bool
    # KEP-2570 alpha-3 (1.36): with MemoryQoS, memory.min / memory.low follow
    # memoryReservationPolicy (TieredReservation); before, memory.min = request
    memory_qos_reservation_policy: bool
    # kubernetes PR #132473 (1.34): a resize is infeasible only when a CPU (memory) resize meets
    # the static CPU (Memory) policy; 1.33: any resize of a Guaranteed pod
    resize_infeasible_per_resource: bool
    # kubernetes PR #140514 (1.37, API server, gate PodLevelResourcesFixDefaulting): unset pod-level
    # limits default to the containers' aggregate limits when every container sets one
    api_pod_level_limits_defaulting: bool
    # staging/src/k8s.io/kubelet/config/v1beta1/types.go KubeletConfiguration: the fields this
    # release does not have, each with the release that added it (strict decoding fails on them, the
    # kubelet decodes leniently and ignores them). 1.36 added memoryReservationPolicy (KEP-2570,
    # PR #137584) and tlsCurvePreferences; 1.33-1.35 have the same field set
    kubelet_config_fields_absent: tuple[tuple[str, str], ...]
    # kubernetes PR #140007 (1.37): memoryThrottlingFactor defaults to nil; ValidateKubeletConfiguration
    # drops "memoryThrottlingFactor is required when MemoryQoS feature flag is enabled" and refuses a
    # factor other than the old default 0.9 with MemoryQoS off (wording not verified: no code)
    memory_throttling_factor_needs_gate: bool


_FIELDS_NEW_IN_136: Final = (("memoryReservationPolicy", "1.36"), ("tlsCurvePreferences", "1.36"))

SWITCHES: Final[dict[str, BehaviourSwitches]] = {
    "1.33": BehaviourSwitches(
        plr_pod_skip_in_static_managers=PLR_SKIP_NEVER,
        pod_features_admit_handler=False,
        uncore_partial_round_up=False,
        device_hints_device_numa_nodes_only=False,
        mm_skip_zero_exclusive_memory_containers=False,
        feature_gate_dependencies=False,
        ippr_requests_from_status_allocated_resources=True,
        plr_hugepage_limits_from_pod_spec=False,
        memory_qos_reservation_policy=False,
        resize_infeasible_per_resource=False,
        api_pod_level_limits_defaulting=False,
        kubelet_config_fields_absent=_FIELDS_NEW_IN_136,
        memory_throttling_factor_needs_gate=False,
    ),
    "1.34": BehaviourSwitches(
        plr_pod_skip_in_static_managers=PLR_SKIP_WHEN_GATE_ENABLED,
        pod_features_admit_handler=True,
        uncore_partial_round_up=True,
        device_hints_device_numa_nodes_only=False,
        mm_skip_zero_exclusive_memory_containers=False,
        feature_gate_dependencies=False,
        ippr_requests_from_status_allocated_resources=True,
        plr_hugepage_limits_from_pod_spec=True,
        memory_qos_reservation_policy=False,
        resize_infeasible_per_resource=True,
        api_pod_level_limits_defaulting=False,
        kubelet_config_fields_absent=_FIELDS_NEW_IN_136,
        memory_throttling_factor_needs_gate=False,
    ),
    "1.35": BehaviourSwitches(
        plr_pod_skip_in_static_managers=PLR_SKIP_WHEN_GATE_ENABLED,
        pod_features_admit_handler=True,
        uncore_partial_round_up=True,
        # upstream 1.35 has no #138244 (the OpenShift v1.35.3 build carries a backport)
        device_hints_device_numa_nodes_only=False,
        mm_skip_zero_exclusive_memory_containers=False,
        feature_gate_dependencies=True,
        ippr_requests_from_status_allocated_resources=False,
        plr_hugepage_limits_from_pod_spec=True,
        memory_qos_reservation_policy=False,
        resize_infeasible_per_resource=True,
        api_pod_level_limits_defaulting=False,
        kubelet_config_fields_absent=_FIELDS_NEW_IN_136,
        memory_throttling_factor_needs_gate=False,
    ),
    "1.36": BehaviourSwitches(
        plr_pod_skip_in_static_managers=PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS,
        pod_features_admit_handler=True,
        uncore_partial_round_up=True,
        device_hints_device_numa_nodes_only=True,
        mm_skip_zero_exclusive_memory_containers=False,
        feature_gate_dependencies=True,
        ippr_requests_from_status_allocated_resources=False,
        plr_hugepage_limits_from_pod_spec=True,
        memory_qos_reservation_policy=True,
        resize_infeasible_per_resource=True,
        api_pod_level_limits_defaulting=False,
        kubelet_config_fields_absent=(),
        memory_throttling_factor_needs_gate=False,
    ),
    "1.37": BehaviourSwitches(
        plr_pod_skip_in_static_managers=PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS,
        pod_features_admit_handler=True,
        uncore_partial_round_up=True,
        device_hints_device_numa_nodes_only=True,
        mm_skip_zero_exclusive_memory_containers=True,
        feature_gate_dependencies=True,
        ippr_requests_from_status_allocated_resources=False,
        plr_hugepage_limits_from_pod_spec=True,
        memory_qos_reservation_policy=True,
        resize_infeasible_per_resource=True,
        api_pod_level_limits_defaulting=True,
        kubelet_config_fields_absent=(),
        memory_throttling_factor_needs_gate=True,
    ),
}
