"""Per-release switches of the node features that act on the same pods and cgroups as the resource
managers: Memory QoS (KEP-2570), in-place resize (KEP-1287, pod-level KEP-5419) and the cgroup values
the kubelet writes.

One frozen :class:`NodeFeatures` per kubelet release, looked up from the release string
(``Scenario.kubelet_version``) with :func:`node_features`. The integrator hangs it on the release
profile; until then the kubelet layer reads it directly. Each field names its upstream evidence:
the code read for 1.33-1.36 (deps/github.com/openshift/kubernetes of openshift/microshift
83d4040a = v1.33.5, c9e94e18 = v1.34.2,
d47c1ed9 = v1.35.3, 8e16b12f = v1.36.2) and, for 1.37 (no code), the pull requests and KEP text
it rests on (``verified=False``).

Gate defaults: the gates these features read, per release (pkg/features/kube_features.go of each
release; 1.37 from its PRs). A configuration's ``featureGates`` override them; a gate the release
does not have reads as off (the code path does not exist).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from podfit.errors import InputError

__all__ = ["NODE_FEATURES", "NodeFeatures", "node_features"]

# The gates these behaviours also depend on (MemoryQoS, InPlacePodVerticalScaling*,
# CustomCPUCFSQuotaPeriod, ...) come from the release's gate table (podfit.release.profile).


@dataclass(frozen=True, slots=True)
class NodeFeatures:
    """What one kubelet release does for Memory QoS, in-place resize and the cgroup values."""

    release: str
    verified: bool  # True: read in that release's code; False: 1.37, from PRs and the KEP
    # --- Memory QoS -----------------------------------------------------------------------------
    # apis/config/v1beta1/defaults.go DefaultMemoryThrottlingFactor = 0.9 (1.33-1.36);
    # 1.37: nil by default (k/k PR #140007, KEP commit a6a23fab, website PR #56283)
    memory_throttling_factor_default: float | None
    # apis/config/types.go MemoryReservationPolicy: added in 1.36 (None / TieredReservation)
    memory_reservation_policy_known: bool
    # kuberuntime_container_linux.go generateLinuxContainerResources and helpers_linux.go
    # ResourceConfigForPod: 1.33-1.35 memory.min = request (any QoS); 1.36+ the policy decides
    # (Tiered: Guaranteed -> memory.min, others -> memory.low; None: containers get min=0, low=0)
    tiered_memory_protection: bool
    # qos_container_manager_linux.go setMemoryQoS: 1.33-1.35 write kubepods / burstable memory.min
    # only when the sum is > 0; 1.36 always writes kubepods memory.min and burstable memory.low
    qos_protection_always_written: bool
    # 1.37: kubepods memory.min and burstable memory.low reset to 0 at start-up with the gate off
    # (k/k PR #138903; KEP "Beta v1.37")
    qos_protection_reset_when_gate_off: bool
    # 1.33-1.36: memory.high skipped when request == limit (so also for BestEffort 0 == 0);
    # 1.37: skipped only when request == limit > 0 (k/k PR #138139)
    memory_high_skip_needs_positive: bool
    # 1.33-1.36: the inner memoryLimit shadows getMemoryLimit, memory.high never sees the pod-level
    # limit; 1.37: container without a limit uses the pod-level limit (k/k PR #140262)
    memory_high_uses_pod_level_limit: bool
    # 1.37: with the gate off, containers carry memory.high = "max" (k/k PR #139377)
    memory_high_max_when_gate_off: bool
    # 1.33-1.36: kuberuntime_manager.go doPodResizeAction calls ResourceConfigForPod(..., false,
    # None): a resize never rewrites the pod's memory.min/low; 1.37 does (k/k PR #140262)
    resize_rewrites_pod_memory_protection: bool
    # metrics/metrics.go: kubelet_memory_qos_node_memory_{min,low}_bytes, new in 1.36 (ALPHA)
    memory_qos_gauges: bool
    # cmd/kubelet/app/server.go run(): kernel < 5.9 warning (pkg/util/kernel/constants.go), 1.36+
    memory_qos_kernel_warning: bool
    # apis/config/v1beta1/defaults.go FailCgroupV1: false in 1.33/1.34, true from 1.35
    fail_cgroup_v1_default: bool
    # apis/config/validation/validation_linux.go validateKubeletOSConfiguration wording
    cgroup_v1_refusal: str
    # kuberuntime GetHugepageLimitsFromResources: pod-level hugepage limits for containers, 1.34+
    container_hugepages_from_pod_level: bool
    # cm/cgroup_manager_linux.go getCPUWeight: the linear shares -> weight formula (1.33-1.36;
    # 1.37 not verified)
    cpu_weight_linear: bool
    # --- In-place resize: the kubelet ------------------------------------------------------------
    # 1.33 kubelet.go canResizePod: any resize of a Guaranteed pod ("any"); 1.34+ allocation
    # guaranteedPodResourceResizeRequired: only a changed CPU / memory request ("per-resource")
    resize_guaranteed_rule: str
    # resize Infeasible texts for Guaranteed pods (1.33: "static policy"; 1.34+: policy "static")
    resize_cpu_static_message: str
    resize_memory_static_message: str
    # 1.36 allocation_manager.go IsResizableContainer: non-sidecar init containers are resizable
    # when InPlacePodVerticalScalingInitContainers is on
    resize_init_containers_gate: bool
    # where the kubelet checks the node's capacity: "status" (1.33 canResizePod:
    # node.status.allocatable), "absolute" (1.34/1.35: GetNodeAllocatableAbsolute), "none" (1.36+:
    # moved to the API's PodResizeValidator, PR #136043)
    resize_capacity_check: str
    # pkg/api/v1/resource GetResourceRequestQuantity: 1.33 sums containers (init max, no sidecars,
    # pod-level ignored); 1.34+ PodRequests with pod-level requests when set
    resize_request_pod_level: bool
    # features_linux.go IsInPlacePodVerticalScalingAllowed refuses static pods (1.33-1.35); 1.36
    # leaves them to the API
    resize_kubelet_refuses_static_pods: bool
    # 1.35+: pod-level change with InPlacePodLevelResourcesVerticalScaling off -> Infeasible
    resize_pod_level_gate_check: bool
    # 1.36 allocation/handlers.go podResizesAdmitHandler in the admit chain (operation = resize);
    # before: canResizePod then canAdmitPod
    resize_admit_handler_chain: bool
    # 1.33/1.34: cpumanager/memorymanager read status.allocatedResources when IPPVS is on (the old
    # sizes: the managers see the allocated pod); 1.35+: the spec (desired)
    managers_read_allocated_resources: bool
    # 1.37: managers skip Allocate/AllocatePod for non-add operations (k/k PR #140224)
    managers_skip_non_add_operations: bool
    # 1.34+: allocation manager's pending-resize queue (sortPendingResizes), 1.33: per sync
    pending_resize_queue: bool
    # 1.35+: isResizeIncreasingRequests compares pod-level requests too
    pending_sort_pod_level: bool
    # --- In-place resize: the API server ---------------------------------------------------------
    # validation.go ValidatePodResize: pods with pod-level resources cannot be resized (1.33/1.34);
    # from 1.35 behind InPlacePodLevelResourcesVerticalScaling
    api_pod_level_resize_forbidden: bool
    # 1.33 validateContainerResize: a memory limit may not decrease (or be added) unless the
    # container's resize policy for memory is RestartContainer; allowed from 1.34
    api_memory_limit_decrease_needs_restart: bool
    # plugin/pkg/admission/podresize PodResizeValidator (PR #136043), 1.36+
    api_resize_validator_plugin: bool
    # 1.36: non-sidecar init containers resizable with InPlacePodVerticalScalingInitContainers
    api_init_container_resize: bool
    # validation.go dropCPUMemoryResourcesFromContainer: 1.33/1.34 skip a requests / limits list the
    # old container did not set, so any resource may be added to it (ephemeral-storage, ...); fixed
    # in 1.35 (PR #135084, "Forbid adding resources other than CPU & memory on pod resize")
    api_resize_unset_list_unchecked: bool
    # validation.go validateResizePolicy: "must be 'NotRequired' when `restartPolicy` is 'Never'"
    # (1.33-1.35) became "... when pod `restartPolicy` is 'Never'" (1.36)
    api_resize_policy_never_says_pod: bool
    # validation.go validateInitContainers (1.36): a non-sidecar init container may not set a
    # RestartContainer resize policy (on create; PR #137458)
    api_init_restart_container_forbidden: bool
    # --- actuation -----------------------------------------------------------------------------
    # kuberuntime_manager.go validatePodResizeAction: container memory-limit check 1.34+ (pod only
    # in 1.33)
    actuation_checks_container_memory: bool
    # doPodResizeAction: 1.36 notifies the runtime (UpdatePodSandboxResources) first and rolls
    # back; 1.33-1.35 write the cgroup first, then notify (best effort)
    actuation_runtime_first: bool
    # events/resize.go: the resize events a release records
    resize_events: tuple[str, ...]


_V1_MAINTENANCE: Final = (
    "kubelet is configured to not run on a host using cgroup v1. cgroup v1 support is in maintenance mode"
)
_V1_UNSUPPORTED: Final = (
    "kubelet is configured to not run on a host using cgroup v1. cgroup v1 support is unsupported and "
    "will be removed in a future release"
)
_CPU_133: Final = "Resize is infeasible for Guaranteed Pods alongside CPU Manager static policy"
_MEM_133: Final = "Resize is infeasible for Guaranteed Pods alongside Memory Manager static policy"
_CPU_134: Final = 'Resize is infeasible for Guaranteed Pods alongside CPU Manager policy "static"'
_MEM_134: Final = 'Resize is infeasible for Guaranteed Pods alongside Memory Manager policy "Static"'
_EVENTS_ALL: Final = ("ResizeStarted", "ResizeDeferred", "ResizeInfeasible", "ResizeCompleted")

_V133: Final = NodeFeatures(
    release="1.33",
    verified=True,
    memory_throttling_factor_default=0.9,
    memory_reservation_policy_known=False,
    tiered_memory_protection=False,
    qos_protection_always_written=False,
    qos_protection_reset_when_gate_off=False,
    memory_high_skip_needs_positive=False,
    memory_high_uses_pod_level_limit=False,
    memory_high_max_when_gate_off=False,
    resize_rewrites_pod_memory_protection=False,
    memory_qos_gauges=False,
    memory_qos_kernel_warning=False,
    fail_cgroup_v1_default=False,
    cgroup_v1_refusal=_V1_MAINTENANCE,
    container_hugepages_from_pod_level=False,
    cpu_weight_linear=True,
    resize_guaranteed_rule="any",
    resize_cpu_static_message=_CPU_133,
    resize_memory_static_message=_MEM_133,
    resize_init_containers_gate=False,
    resize_capacity_check="status",
    resize_request_pod_level=False,
    resize_kubelet_refuses_static_pods=True,
    resize_pod_level_gate_check=False,
    resize_admit_handler_chain=False,
    managers_read_allocated_resources=True,
    managers_skip_non_add_operations=False,
    pending_resize_queue=False,
    pending_sort_pod_level=False,
    api_pod_level_resize_forbidden=True,
    api_memory_limit_decrease_needs_restart=True,
    api_resize_validator_plugin=False,
    api_init_container_resize=False,
    api_resize_unset_list_unchecked=True,
    api_resize_policy_never_says_pod=False,
    api_init_restart_container_forbidden=False,
    actuation_checks_container_memory=False,
    actuation_runtime_first=False,
    resize_events=(),  # no resize events in the 1.33 code read
)

# Each later release: what changed from the one before.
_V134: Final = replace(
    _V133,
    release="1.34",
    container_hugepages_from_pod_level=True,  # GetHugepageLimitsFromResources takes the pod
    resize_guaranteed_rule="per-resource",  # PR #132473 (guaranteedPodResourceResizeRequired)
    resize_cpu_static_message=_CPU_134,
    resize_memory_static_message=_MEM_134,
    resize_capacity_check="absolute",  # allocation manager: GetNodeAllocatableAbsolute
    resize_request_pod_level=True,
    pending_resize_queue=True,  # allocation manager's pending-resize queue
    api_memory_limit_decrease_needs_restart=False,
    actuation_checks_container_memory=True,
    resize_events=("ResizeCompleted",),
)
_V135: Final = replace(
    _V134,
    release="1.35",
    fail_cgroup_v1_default=True,
    cgroup_v1_refusal=_V1_UNSUPPORTED,
    resize_pod_level_gate_check=True,  # IsInPlacePodLevelResourcesVerticalScalingAllowed
    managers_read_allocated_resources=False,  # IPPVS GA: the managers read the spec
    pending_sort_pod_level=True,
    api_pod_level_resize_forbidden=False,  # behind InPlacePodLevelResourcesVerticalScaling (alpha)
    api_resize_unset_list_unchecked=False,  # PR #135084
    resize_events=_EVENTS_ALL,
)
_V136: Final = replace(
    _V135,
    release="1.36",
    memory_reservation_policy_known=True,  # KEP-2570 alpha 3: None / TieredReservation
    tiered_memory_protection=True,
    qos_protection_always_written=True,
    memory_qos_gauges=True,
    memory_qos_kernel_warning=True,
    resize_init_containers_gate=True,
    resize_capacity_check="none",  # moved to the API's PodResizeValidator (PR #136043)
    resize_kubelet_refuses_static_pods=False,
    resize_admit_handler_chain=True,  # allocation/handlers.go podResizesAdmitHandler
    api_resize_validator_plugin=True,
    api_init_container_resize=True,
    api_resize_policy_never_says_pod=True,
    api_init_restart_container_forbidden=True,
    actuation_runtime_first=True,
)
# 1.37: no code. Rests on k/k PRs #140007 (MemoryQoS beta, factor nil), #138903 (start-up reset),
# #138139 (BestEffort memory.high), #140262 (pod-level limit, resize keeps protection), #139377
# (memory.high=max with the gate off), #140224 (managers skip non-add operations) and the KEP-2570
# text at kubernetes/enhancements 64765b4b0; everything else assumed as 1.36.
_V137: Final = replace(
    _V136,
    release="1.37",
    verified=False,
    memory_throttling_factor_default=None,
    qos_protection_reset_when_gate_off=True,
    memory_high_skip_needs_positive=True,
    memory_high_uses_pod_level_limit=True,
    memory_high_max_when_gate_off=True,
    resize_rewrites_pod_memory_protection=True,
    managers_skip_non_add_operations=True,
)

NODE_FEATURES: Final = {f.release: f for f in (_V133, _V134, _V135, _V136, _V137)}


def node_features(release: str) -> NodeFeatures:
    """The switches of ``release`` (a minor release, ``"1.36"``)."""
    found = NODE_FEATURES.get(release)
    if found is None:
        known = ", ".join(NODE_FEATURES)
        raise InputError("kubeletVersion", f"unsupported kubelet version {release!r} (podfit models {known})")
    return found
