"""The Topology Manager's own refusals, as :class:`~podfit.model.admission.Rejection` values.

Mirrors: topologymanager/topology_manager.go ``TopologyAffinityError`` and
``NewPodLevelTopologyAffinityError``.
"""

from __future__ import annotations

from typing import Final

from podfit.model.admission import REASON_TOPOLOGY_AFFINITY, Rejection
from podfit.release.profile import default_profile

__all__ = [
    "POD_LEVEL_ADMISSION_FAILURE",
    "POD_LEVEL_CONTAINER_SCOPE_ADMISSION_FAILURE",
    "TOPOLOGY_AFFINITY_MESSAGE",
    "pod_level_topology_affinity_rejection",
    "topology_affinity_rejection",
]

TOPOLOGY_AFFINITY_MESSAGE: Final = "Resources cannot be allocated with Topology locality"
# The pod-level texts are each release's (podfit.release.messages); these are v1.36.2's.
POD_LEVEL_ADMISSION_FAILURE: Final = default_profile().messages.pod_level_pod_scope_admission_failure
_TOPOLOGY_AFFINITY: Final = Rejection(TOPOLOGY_AFFINITY_MESSAGE, REASON_TOPOLOGY_AFFINITY)
# scope_container.go containerScope.Admit: a pod with pod-level resources (gate
# PodLevelResourceManagers on) whose container merge fails; "Pod Scope " prefixes it.
POD_LEVEL_CONTAINER_SCOPE_ADMISSION_FAILURE: Final = (
    default_profile().messages.pod_level_container_scope_admission_failure
)


def topology_affinity_rejection() -> Rejection:
    """Mirrors: topologymanager/topology_manager.go TopologyAffinityError"""
    return _TOPOLOGY_AFFINITY


def pod_level_topology_affinity_rejection(message: str = "") -> Rejection:
    """ "Pod Scope " + the message (or the plain affinity message), reason TopologyAffinityError.

    Mirrors: topologymanager/topology_manager.go NewPodLevelTopologyAffinityError
    """
    return Rejection(f"Pod Scope {message or TOPOLOGY_AFFINITY_MESSAGE}", REASON_TOPOLOGY_AFFINITY)
