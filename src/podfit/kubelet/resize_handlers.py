"""The admit handlers a resize runs after the resize-specific checks, with the pod's current
assignments in the managers' state: the Topology Manager (hints and allocation of the CPU, Memory
and device managers: a container already in the state keeps its CPUs and memory; a pod-level
allocation under the pod scope is made again, as in v1.36), then the fit predicate against the
other pods' allocations. Nothing is rolled back (the kubelet keeps no snapshot for a resize).

Mirrors: allocation/allocation_manager.go canAdmitPod (operation resize), topologymanager
manager.Admit, lifecycle predicateAdmitHandler
"""

from __future__ import annotations

from collections.abc import Mapping

from podfit.kubelet.allocatable import predicate_admit_used, subtract
from podfit.kubelet.managers import ResourceManagers
from podfit.kubelet.metrics import NodeMetrics
from podfit.kubelet.metrics_record import record_topology_admission
from podfit.kubelet.resize import HandlerOutcome, HandlerRefusal, ResizeCheck
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import Pod
from podfit.model.qos import is_pod_level_resources_set, pod_requests
from podfit.release.node_features import NodeFeatures
from podfit.topology.scope import admit, scope_for

__all__ = ["resize_admit_handlers"]


def resize_admit_handlers(
    features: NodeFeatures,
    config: KubeletConfig,
    managers: ResourceManagers,
    metrics: NodeMetrics,
    gates: tuple[bool, bool],
    node: tuple[Mapping[str, int], int, Mapping[str, int]],
    desired: Pod,
    allocated: Pod,
) -> HandlerOutcome:
    """``gates``: (PodLevelResources, PodLevelResourceManagers); ``node``: (the admitted pods'
    summed requests, their count, the node's allocatable)."""
    plr, plrm = gates
    used_all, num_pods, allocatable = node
    passed: list[ResizeCheck] = []
    if features.managers_skip_non_add_operations:
        note = "the managers skip allocation for a resize (PR #140224); hints not modelled for 1.37"
        passed.append(ResizeCheck("TopologyManager", True, note))
    else:
        # 1.33/1.34 managers size a resized container from status.allocatedResources (the old
        # values); 1.35+ from the spec
        view = allocated if features.managers_read_allocated_resources else desired
        policy = managers.topology_policy
        containers = [(c.name, c) for c in view.all_containers()]
        pod_level = plr and plrm and is_pod_level_resources_set(view)
        scoped = admit(
            config.topology_manager_scope,
            policy,
            managers.providers,
            view,
            containers,
            pod_level=pod_level,
            messages=config.release.messages,
        )
        scope = scope_for(config.topology_manager_scope, policy)
        record_topology_admission(metrics, scope, policy, scoped)
        rejection = scoped.rejection
        if rejection is not None:
            refusal = HandlerRefusal("TopologyManager", rejection.reason, rejection.message or "")
            return HandlerOutcome(tuple(passed), refusal)
        seen = "the allocated resources" if view is allocated else "the desired resources"
        detail = f"policy {policy.name}, scope {scope}: admitted ({seen}; existing assignments kept)"
        passed.append(ResizeCheck("TopologyManager", True, detail))
    used = subtract(used_all, pod_requests(allocated, pod_level_resources=plr))
    want = pod_requests(desired, pod_level_resources=plr)
    missing = predicate_admit_used(want, num_pods - 1, used, allocatable)
    if missing is not None:
        rejection = missing.rejection()
        return HandlerOutcome(tuple(passed), HandlerRefusal("predicate", rejection.reason, rejection.message))
    passed.append(ResizeCheck("predicate", True, "the pod fits next to the other pods' allocations"))
    return HandlerOutcome(tuple(passed), None)
