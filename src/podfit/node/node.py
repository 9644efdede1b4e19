"""The node: the kubelet's admission of pods through its resource managers.

``Node(machine, config)`` holds the managers' state; ``admit(pod)`` and ``remove(...)`` return
values. Until the managers are wired in (issue "Kubelet-exact Topology, CPU and Memory Managers"),
every pod is admitted into the node shared pool without pinning.
"""

from __future__ import annotations

from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.model.pod import Container, Pod
from podfit.model.qos import compute_pod_qos
from podfit.node.result import NODE_SHARED, AdmitResult, ContainerAssignment, CPUQuota, RemoveResult

__all__ = ["Node"]


def _cfs_quota(container: Container, pod: Pod, config: KubeletConfig) -> CPUQuota:
    """CFS quota of a container in the node shared pool (kubelet milliCPUToQuota; -1 = no limit)."""
    period = config.cpu_cfs_quota_period_us
    limit = container.resources.limits.get("cpu")
    if limit is None and pod.resources is not None:
        limit = pod.resources.limits.get("cpu")
    if not config.cpu_cfs_quota or not limit:
        return CPUQuota(-1, period)
    return CPUQuota(max(limit * period // 1000, 1000), period)


class Node:
    """A kubelet's view of one node."""

    def __init__(self, machine: Machine, config: KubeletConfig) -> None:
        self.machine = machine
        self.config = config
        self._pods: dict[str, Pod] = {}  # uid -> pod

    @property
    def default_cpuset(self) -> int:
        """The CPU manager's shared (default) pool."""
        return self.machine.all_cpus

    @property
    def reserved_cpus(self) -> int:
        """CPUs reserved for system daemons (CPU manager ``static``)."""
        return 0

    def _containers(self, pod: Pod) -> tuple[ContainerAssignment, ...]:
        return tuple(
            ContainerAssignment(c.name, c.kind, None, NODE_SHARED, None, _cfs_quota(c, pod, self.config))
            for c in (*pod.init_containers, *pod.containers)
        )

    def admit(self, pod: Pod) -> AdmitResult:
        pod_level = self.config.feature_gates.enabled("PodLevelResources")
        qos = compute_pod_qos(pod, pod_level_resources=pod_level)
        self._pods[pod.uid] = pod
        return AdmitResult(
            pod=pod.key,
            uid=pod.uid,
            admitted=True,
            qos_class=qos,
            containers=self._containers(pod),
            default_cpuset=self.default_cpuset,
        )

    def find(self, key: str | None = None, uid: str | None = None) -> Pod | None:
        if uid is not None:
            return self._pods.get(uid)
        for pod in self._pods.values():
            if pod.key == key:
                return pod
        return None

    def remove(self, key: str | None = None, uid: str | None = None) -> RemoveResult:
        pod = self.find(key, uid)
        if pod is None:
            return RemoveResult(pod=key or "", uid=uid, removed=False, default_cpuset=self.default_cpuset)
        del self._pods[pod.uid]
        return RemoveResult(pod=pod.key, uid=pod.uid, removed=True, default_cpuset=self.default_cpuset)
