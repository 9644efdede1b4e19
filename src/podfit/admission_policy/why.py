"""Why a container is not pinned, or where it lands: the warning text of one container on one node
shape, derived from the admission result's assignment kind.

ONE function, :func:`container_why`: the integrator swaps it for the pure per-container ``why`` of
the ``inputs`` branch when that lands (same inputs: the pod, the container, its assignment kind and
the node shape's kubelet configuration).
"""

from __future__ import annotations

from podfit.admission_policy.gates import PLR, PLRM
from podfit.kubelet.result import NODE_EXCLUSIVE, NODE_SHARED, POD_EXCLUSIVE, POD_SHARED
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import RESOURCE_CPU, Container, Pod
from podfit.model.qos import (
    compute_pod_qos,
    is_container_equivalent_qos_guaranteed,
    is_pod_level_resources_set,
)

__all__ = ["container_why"]


def _cpu(millicores: int) -> str:
    return f"{millicores // 1000}" if millicores % 1000 == 0 else f"{millicores}m"


def container_why(pod: Pod, container: Container, assignment: str, config: KubeletConfig) -> str | None:
    """Where ``container`` runs and why, in a few words (``None``: pinned to CPUs of its own)."""
    if assignment in (NODE_EXCLUSIVE, POD_EXCLUSIVE):
        return None
    if assignment == POD_SHARED:
        return "runs in the pod shared pool (the pod budget's CPUs not given to exclusive containers)"
    if assignment != NODE_SHARED:
        return f"assignment {assignment}"
    gates = config.feature_gates
    if config.cpu_manager_policy != "static":
        return f"not pinned: the CPU manager policy is {config.cpu_manager_policy}"
    qos = compute_pod_qos(pod, pod_level_resources=gates.enabled(PLR))
    if qos != "Guaranteed":
        return f"not pinned: the pod is {qos} (only Guaranteed pods get exclusive CPUs)"
    if is_pod_level_resources_set(pod) and not gates.enabled(PLRM):
        return "not pinned: pod-level resources are set and PodLevelResourceManagers is off"
    milli = container.resources.request(RESOURCE_CPU)
    if is_pod_level_resources_set(pod) and not is_container_equivalent_qos_guaranteed(container):
        return "not pinned: no equal CPU and memory requests and limits of its own"
    if milli == 0:
        return "not pinned: no CPU request of its own"
    if milli % 1000:
        return f"not pinned: its CPU request {_cpu(milli)} is not a whole number of CPUs"
    return "not pinned: in the node's shared pool"
