"""Admission errors of the Topology Manager and the kubelet's error -> admit-result mapping.

Mirrors: topologymanager/topology_manager.go ``TopologyAffinityError`` /
``PodLevelTopologyAffinityError`` and cm/admission ``GetPodAdmitResult`` (v1.36).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "ADMITTED",
    "ERROR_TOPOLOGY_AFFINITY",
    "POD_LEVEL_ADMISSION_FAILURE",
    "POD_LEVEL_CONTAINER_SCOPE_ADMISSION_FAILURE",
    "TOPOLOGY_AFFINITY_MESSAGE",
    "AdmissionError",
    "PodAdmitResult",
    "get_pod_admit_result",
    "pod_level_topology_affinity_error",
    "topology_affinity_error",
]

ERROR_TOPOLOGY_AFFINITY: Final = "TopologyAffinityError"
TOPOLOGY_AFFINITY_MESSAGE: Final = "Resources cannot be allocated with Topology locality"
POD_LEVEL_ADMISSION_FAILURE: Final = (
    "pod with pod-level resources failed admission under pod-scope topology manager"
)
# v1.36.2 scope_container.go containerScope.Admit: a pod with pod-level resources (gate
# PodLevelResourceManagers on) whose container merge fails. The one place this release's words live
# (newer upstream words it differently): the error prefixes "Pod Scope ".
POD_LEVEL_CONTAINER_SCOPE_ADMISSION_FAILURE: Final = (
    "pod with pod-level resources failed admission with a container-level topology manager"
)
UNEXPECTED_ADMISSION_ERROR: Final = "UnexpectedAdmissionError"


@dataclass(frozen=True, slots=True)
class AdmissionError:
    """An error a provider's allocation (or the Topology Manager) returns.

    ``reason`` is the Go error's ``Type()`` when it implements the admission error interface;
    ``None`` for any other error (it then becomes ``UnexpectedAdmissionError``).
    """

    message: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PodAdmitResult:
    """Admit or reject, with the kubelet's reason and message."""

    admit: bool
    reason: str = ""
    message: str = ""


ADMITTED: Final = PodAdmitResult(True)  # immutable: the one "admit" result every success returns


def topology_affinity_error() -> AdmissionError:
    """Mirrors: topologymanager/topology_manager.go TopologyAffinityError (v1.36)"""
    return AdmissionError(TOPOLOGY_AFFINITY_MESSAGE, ERROR_TOPOLOGY_AFFINITY)


def pod_level_topology_affinity_error(message: str = "") -> AdmissionError:
    """ "Pod Scope " + the message (or the plain affinity message), reason TopologyAffinityError.

    Mirrors: topologymanager/topology_manager.go NewPodLevelTopologyAffinityError (v1.36)
    """
    return AdmissionError(f"Pod Scope {message or TOPOLOGY_AFFINITY_MESSAGE}", ERROR_TOPOLOGY_AFFINITY)


def get_pod_admit_result(err: AdmissionError | None) -> PodAdmitResult:
    """Mirrors: cm/admission/errors.go GetPodAdmitResult (v1.36)"""
    if err is None:
        return ADMITTED
    if err.reason is not None:
        return PodAdmitResult(False, err.reason, err.message)
    return PodAdmitResult(
        False, UNEXPECTED_ADMISSION_ERROR, f"Allocate failed due to {err.message}, which is unexpected"
    )
