"""The Topology Manager's own refusals, as :class:`~podfit.model.admission.Rejection` values.

Mirrors: topologymanager/topology_manager.go ``TopologyAffinityError`` and
``NewPodLevelTopologyAffinityError``.
"""

from __future__ import annotations

from typing import Final

from podfit.model.admission import REASON_TOPOLOGY_AFFINITY, Rejection

__all__ = [
    "POD_LEVEL_ADMISSION_FAILURE",
    "POD_LEVEL_CONTAINER_SCOPE_ADMISSION_FAILURE",
    "TOPOLOGY_AFFINITY_MESSAGE",
    "pod_level_topology_affinity_rejection",
    "topology_affinity_rejection",
]

TOPOLOGY_AFFINITY_MESSAGE: Final = "Resources cannot be allocated with Topology locality"
POD_LEVEL_ADMISSION_FAILURE: Final = (
    "pod with pod-level resources failed admission under pod-scope topology manager"
)
_TOPOLOGY_AFFINITY: Final = Rejection(TOPOLOGY_AFFINITY_MESSAGE, REASON_TOPOLOGY_AFFINITY)
# scope_container.go containerScope.Admit: a pod with pod-level resources (gate
# PodLevelResourceManagers on) whose container merge fails. The one place these words live until the
# release profile carries each release's (newer upstream words it differently): "Pod Scope " prefixes it.
POD_LEVEL_CONTAINER_SCOPE_ADMISSION_FAILURE: Final = (
    "pod with pod-level resources failed admission with a container-level topology manager"
)


def topology_affinity_rejection() -> Rejection:
    """Mirrors: topologymanager/topology_manager.go TopologyAffinityError"""
    return _TOPOLOGY_AFFINITY


def pod_level_topology_affinity_rejection(message: str = "") -> Rejection:
    """ "Pod Scope " + the message (or the plain affinity message), reason TopologyAffinityError.

    Mirrors: topologymanager/topology_manager.go NewPodLevelTopologyAffinityError
    """
    return Rejection(f"Pod Scope {message or TOPOLOGY_AFFINITY_MESSAGE}", REASON_TOPOLOGY_AFFINITY)
