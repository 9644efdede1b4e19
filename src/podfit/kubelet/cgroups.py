"""The cgroup values the kubelet sets for a pod and its containers (CPU shares, CFS quota and period,
memory limit, cpuset.cpus, cpuset.mems).

Mirrors: kuberuntime/kuberuntime_container_linux.go ``generateLinuxContainerResources``,
``calculateLinuxResources``, ``getCPULimit`` / ``getMemoryLimit``; cm/helpers_linux.go
``ResourceConfigForPod``, ``MilliCPUToShares``, ``MilliCPUToQuota``; cm/pod_container_manager_linux.go
(CFS quota disabled for pods holding exclusive CPUs) — v1.36.
"""

from __future__ import annotations

from typing import Final

from podfit.kubelet.result import CgroupValues
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import Container, Pod
from podfit.model.qos import compute_pod_qos, is_pod_level_resources_set, pod_limits, pod_requests, qos_gates

__all__ = [
    "CgroupValues",
    "cfs_period_us",
    "container_cgroup",
    "milli_cpu_to_quota",
    "milli_cpu_to_shares",
    "pod_cgroup",
]

QUOTA_PERIOD_US: Final = 100_000
MIN_QUOTA_PERIOD_US: Final = 1000
MIN_SHARES, MAX_SHARES, SHARES_PER_CPU = 2, 262_144, 1024


def milli_cpu_to_shares(milli_cpu: int) -> int:
    """Mirrors: cm/helpers_linux.go MilliCPUToShares"""
    if milli_cpu == 0:
        return MIN_SHARES
    return min(max(milli_cpu * SHARES_PER_CPU // 1000, MIN_SHARES), MAX_SHARES)


def milli_cpu_to_quota(milli_cpu: int, period_us: int) -> int:
    """CFS quota for a CPU limit (0 = no limit, the quota stays unset).

    Mirrors: kuberuntime/helpers_linux.go milliCPUToQuota and cm MilliCPUToQuota
    """
    if milli_cpu == 0:
        return 0
    return max(milli_cpu * period_us // 1000, MIN_QUOTA_PERIOD_US)


def cfs_period_us(config: KubeletConfig) -> int:
    """100 ms unless ``CustomCPUCFSQuotaPeriod`` lets ``cpuCFSQuotaPeriod`` count."""
    if config.feature_gates.enabled("CustomCPUCFSQuotaPeriod"):
        return config.cpu_cfs_quota_period_us
    return QUOTA_PERIOD_US


def _pod_level(config: KubeletConfig, pod: Pod) -> bool:
    return config.feature_gates.enabled("PodLevelResources") and is_pod_level_resources_set(pod)


def container_cgroup(
    config: KubeletConfig,
    pod: Pod,
    container: Container,
    *,
    exclusive: bool,
    cpuset_cpus: int,
    cpuset_mems: tuple[int, ...] | None,
) -> CgroupValues:
    """A container's cgroup values. ``exclusive``: its CPUs are its own (isolation level "container")."""
    limits, requests = container.resources.limits, container.resources.requests
    cpu_limit, mem_limit = limits.get("cpu", 0), limits.get("memory", 0)
    if _pod_level(config, pod) and pod.resources is not None:
        cpu_limit = cpu_limit or pod.resources.limits.get("cpu", 0)
        mem_limit = mem_limit or pod.resources.limits.get("memory", 0)
    cpu_request = requests.get("cpu")
    shares = milli_cpu_to_shares(cpu_limit if cpu_request is None and cpu_limit else cpu_request or 0)
    quota = period = None
    if config.cpu_cfs_quota:
        period = cfs_period_us(config)
        quota = milli_cpu_to_quota(cpu_limit, period)
        if exclusive and config.feature_gates.enabled("DisableCPUQuotaWithExclusiveCPUs"):
            quota = -1
    return CgroupValues(shares, quota, period, mem_limit or None, cpuset_cpus, cpuset_mems)


def pod_cgroup(config: KubeletConfig, pod: Pod, *, has_exclusive_cpus: bool) -> CgroupValues | None:
    """The pod cgroup's values (``None`` for a BestEffort pod beyond its minimal shares).

    Mirrors: cm/helpers_linux.go ResourceConfigForPod with enforceCPULimits from
    pod_container_manager_linux.go
    """
    found: CgroupValues | None = pod.memo(
        ("pod-cgroup", has_exclusive_cpus), _pod_cgroup, config, pod, has_exclusive_cpus, anchor=config
    )
    return found


def _pod_cgroup(config: KubeletConfig, pod: Pod, has_exclusive_cpus: bool) -> CgroupValues | None:
    plr = config.feature_gates.enabled("PodLevelResources")
    requests = pod_requests(pod, pod_level_resources=plr)
    limits = pod_limits(pod, pod_level_resources=plr)
    everyone = pod.all_containers()
    cpu_declared = all(c.resources.limits.get("cpu") for c in everyone)
    mem_declared = all(c.resources.limits.get("memory") for c in everyone)
    if _pod_level(config, pod) and pod.resources is not None:
        cpu_declared = cpu_declared or bool(pod.resources.limits.get("cpu"))
        mem_declared = mem_declared or bool(pod.resources.limits.get("memory"))
    shares = milli_cpu_to_shares(requests.get("cpu", 0))
    period = cfs_period_us(config)
    quota = milli_cpu_to_quota(limits.get("cpu", 0), period)
    enforce = config.cpu_cfs_quota and not (
        has_exclusive_cpus and config.feature_gates.enabled("DisableCPUQuotaWithExclusiveCPUs")
    )
    if not enforce:
        quota = -1
    qos = compute_pod_qos(pod, qos_gates(config.feature_gates))
    memory = limits.get("memory", 0)
    if qos == "Guaranteed":
        return CgroupValues(shares, quota, period, memory)
    if qos == "Burstable":
        return CgroupValues(
            shares,
            quota if cpu_declared else None,
            period if cpu_declared else None,
            memory if mem_declared else None,
        )
    return CgroupValues(MIN_SHARES, None, None, None)
