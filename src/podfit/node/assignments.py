"""What each container of an admitted pod got: CPUs, memory blocks, assignment type, CFS quota.

Mirrors: cpumanager ``GetResourceIsolationLevel`` / ``ContainerHasExclusiveCPUs`` and kuberuntime
``generateLinuxContainerResources`` / ``calculateLinuxResources`` / ``milliCPUToQuota`` (v1.36).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from podfit.model.pod import Container, Pod
from podfit.model.qos import is_pod_level_resources_set
from podfit.node.result import (
    NODE_EXCLUSIVE,
    NODE_SHARED,
    POD_EXCLUSIVE,
    POD_SHARED,
    ContainerAssignment,
    CPUQuota,
    MemoryAssignment,
)

if TYPE_CHECKING:
    from podfit.node.node import Node

__all__ = ["container_assignments", "mill_cpu_to_quota"]

MIN_QUOTA_PERIOD_US = 1000


def mill_cpu_to_quota(milli_cpu: int, period_us: int) -> int:
    """CFS quota for a CPU limit (0 = no limit set).

    Mirrors: kuberuntime/helpers_linux.go milliCPUToQuota (v1.36)
    """
    if milli_cpu == 0:
        return 0
    return max(milli_cpu * period_us // 1000, MIN_QUOTA_PERIOD_US)


def _memory(node: Node, pod: Pod, container: Container) -> MemoryAssignment | None:
    blocks = node.managers.memory.state.get_memory_blocks(pod.uid, container.name)
    if not blocks:
        return None
    numa = sorted({n for b in blocks for n in b.numa_affinity})
    sizes: dict[str, int] = {}
    for b in blocks:
        sizes[b.type] = sizes.get(b.type, 0) + b.size
    return MemoryAssignment(tuple(numa), sizes)


def _cpu_limit(node: Node, pod: Pod, container: Container) -> int:
    limit = container.resources.limits.get("cpu", 0)
    plr = node.config.feature_gates.enabled("PodLevelResources")
    if not limit and plr and is_pod_level_resources_set(pod) and pod.resources is not None:
        limit = pod.resources.limits.get("cpu", 0)
    return limit


def _quota(node: Node, pod: Pod, container: Container, exclusive: bool) -> CPUQuota | None:
    config = node.config
    if not config.cpu_cfs_quota:
        return None
    period = config.cpu_cfs_quota_period_us
    if exclusive and config.feature_gates.enabled("DisableCPUQuotaWithExclusiveCPUs"):
        return CPUQuota(-1, period)
    return CPUQuota(mill_cpu_to_quota(_cpu_limit(node, pod, container), period), period)


def container_assignments(node: Node, pod: Pod, pod_level: bool) -> tuple[ContainerAssignment, ...]:
    """The assignment of every init and app container of ``pod`` (right after admission);
    ``pod_level``: the pod got a pod-level budget (pod scope with pod-level resource managers)."""
    cpu = node.managers.cpu
    out = []
    for c in pod.all_containers():
        cpus = cpu.state.get_cpu_set(pod.uid, c.name)
        eligible = cpu.policy.guaranteed_cpus(pod, c) > 0 if hasattr(cpu.policy, "guaranteed_cpus") else False
        if cpus is None:
            kind = NODE_SHARED
        elif pod_level:
            kind = POD_EXCLUSIVE if eligible else POD_SHARED
        else:
            kind = NODE_EXCLUSIVE
        # resource isolation level "container": an exclusive slice (or any non-pod-level entry)
        exclusive = cpus is not None and kind in (NODE_EXCLUSIVE, POD_EXCLUSIVE)
        out.append(
            ContainerAssignment(
                c.name, c.kind, cpus, kind, _memory(node, pod, c), _quota(node, pod, c, exclusive)
            )
        )
    return tuple(out)
