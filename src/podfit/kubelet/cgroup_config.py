"""The kubelet's cgroup resource configurations, at the ``ResourceConfig`` /
``LinuxContainerResources`` level, with explicit inputs (release switches, gates, node facts):
the pod cgroup, each container, the QoS-class cgroups and the node-allocatable (``kubepods``)
cgroup. :mod:`podfit.kubelet.cgroup_tree` turns them into files.

(:mod:`podfit.kubelet.cgroups` keeps the values ``podfit simulate`` reports per admission; for a
configuration the kubelet accepts they agree with these, which a test checks.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from podfit.model.pod import RESOURCE_HUGEPAGES_PREFIX, Container, Pod
from podfit.model.qos import (
    QOSGates,
    compute_pod_qos,
    get_pod_qos,
    is_pod_level_resources_set,
    pod_limits,
    pod_requests,
)
from podfit.model.quantity import parse_quantity

__all__ = [
    "HUGETLB_UNBOUNDED",
    "ContainerResources",
    "ResourceConfig",
    "container_hugepage_limits",
    "get_cpu_weight",
    "hugepage_limits",
    "linux_container_resources",
    "milli_cpu_to_quota",
    "milli_cpu_to_shares",
    "node_allocatable_config",
    "qos_cpu_shares",
    "resource_config_for_pod",
]

QUOTA_PERIOD: Final = 100_000
MIN_QUOTA_PERIOD: Final = 1000
MIN_SHARES: Final = 2
MAX_SHARES: Final = 262_144
SHARES_PER_CPU: Final = 1024
HUGETLB_UNBOUNDED: Final = 1 << 62  # qos_container_manager_linux.go setHugePagesUnbounded

Unified = tuple[tuple[str, str], ...]
PageLimits = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class ResourceConfig:
    """A kubelet-managed cgroup's values (``None`` = not set; ``cpu_quota == -1``: no quota).

    Mirrors: pkg/kubelet/cm/types.go ResourceConfig
    """

    cpu_shares: int | None = None
    cpu_quota: int | None = None
    cpu_period: int | None = None
    memory: int | None = None
    pids_limit: int | None = None
    hugepage_limits: PageLimits = ()  # (page size in bytes, limit in bytes), sorted by size
    cpuset_cpus: int | None = None
    unified: Unified = ()


@dataclass(frozen=True, slots=True)
class ContainerResources:
    """What the kubelet sends the runtime for a container (CRI ``LinuxContainerResources``).

    ``cpu_quota``/``cpu_period`` ``None``: CFS quota off (``cpuCFSQuota: false``); ``memory_limit``
    0: unset."""

    cpu_shares: int
    cpu_quota: int | None
    cpu_period: int | None
    memory_limit: int
    hugepage_limits: PageLimits
    unified: Unified
    cpuset_cpus: int | None = None
    cpuset_mems: tuple[int, ...] | None = None


def milli_cpu_to_shares(milli_cpu: int) -> int:
    """Mirrors: cm/helpers_linux.go MilliCPUToShares"""
    if milli_cpu == 0:
        return MIN_SHARES
    return min(max(milli_cpu * SHARES_PER_CPU // 1000, MIN_SHARES), MAX_SHARES)


def milli_cpu_to_quota(milli_cpu: int, period: int, custom_period: bool) -> int:
    """The CFS quota of a CPU limit (0: none). ``custom_period``: the ``CustomCPUCFSQuotaPeriod``
    gate; off, the quota is computed over the default 100 ms period whatever ``period`` says.

    Mirrors: cm/helpers_linux.go MilliCPUToQuota
    """
    if milli_cpu == 0:
        return 0
    if not custom_period:
        period = QUOTA_PERIOD
    return max(milli_cpu * period // 1000, MIN_QUOTA_PERIOD)


def get_cpu_weight(shares: int | None) -> int:
    """cgroup v2 ``cpu.weight`` of cgroup v1 shares (the kubelet's own linear conversion; 0 for
    unset).

    Mirrors: cm/cgroup_manager_linux.go getCPUWeight
    """
    if shares is None:
        return 0
    if shares >= MAX_SHARES:
        return 10000
    return 1 + ((shares - 2) * 9999) // 262142


def hugepage_limits(resources: Mapping[str, int]) -> PageLimits:
    """Hugepage limits (page size → bytes) of a resource list.

    Mirrors: cm/helpers_linux.go HugePageLimits
    """
    out: dict[int, int] = {}
    for name, value in resources.items():
        if name.startswith(RESOURCE_HUGEPAGES_PREFIX):
            size = _page_size(name)
            if size is not None:
                out[size] = out.get(size, 0) + value
    return tuple(sorted(out.items()))


def _page_size(name: str) -> int | None:
    """Mirrors: pkg/apis/core/v1/helper HugePageSizeFromResourceName (a quantity after the prefix)"""
    try:
        size = parse_quantity(name[len(RESOURCE_HUGEPAGES_PREFIX) :]).value()
    except ValueError:
        return None
    return size if size > 0 else None


def resource_config_for_pod(
    pod: Pod,
    *,
    enforce_cpu_limits: bool,
    cpu_period: int,
    gates: QOSGates,
    custom_period: bool,
    memory_qos: Unified = (),
    pids_limit: int | None = None,
) -> ResourceConfig:
    """The pod cgroup's values. ``memory_qos``: the Memory QoS entries
    (:func:`podfit.kubelet.memory_qos.pod_memory_qos`); ``pids_limit``: ``podPidsLimit`` when > 0.

    Mirrors: cm/helpers_linux.go ResourceConfigForPod (and pod_container_manager_linux.go's
    PodPidsLimit)
    """
    pod_level_resources = gates.pod_level_resources
    reqs = pod_requests(pod, pod_level_resources=pod_level_resources)
    limits = pod_limits(pod, pod_level_resources=pod_level_resources)
    everyone = pod.all_containers()
    cpu_declared = all(c.resources.limits.get("cpu") for c in everyone)
    mem_declared = all(c.resources.limits.get("memory") for c in everyone)
    if pod_level_resources and is_pod_level_resources_set(pod) and pod.resources is not None:
        cpu_declared = cpu_declared or bool(pod.resources.limits.get("cpu"))
        mem_declared = mem_declared or bool(pod.resources.limits.get("memory"))
    shares = milli_cpu_to_shares(reqs.get("cpu", 0))
    quota = milli_cpu_to_quota(limits.get("cpu", 0), cpu_period, custom_period)
    if not enforce_cpu_limits:
        quota = -1
    memory = limits.get("memory", 0)
    qos = get_pod_qos(pod, gates)
    pages = hugepage_limits(reqs)
    pids = pids_limit if pids_limit is not None and pids_limit > 0 else None
    if qos == "Guaranteed":
        return ResourceConfig(shares, quota, cpu_period, memory, pids, pages, None, memory_qos)
    if qos == "Burstable":
        return ResourceConfig(
            shares,
            quota if cpu_declared else None,
            cpu_period if cpu_declared else None,
            memory if mem_declared else None,
            pids,
            pages,
            None,
            memory_qos,
        )
    return ResourceConfig(MIN_SHARES, None, None, None, pids, pages, None, memory_qos)


def container_hugepage_limits(
    pod: Pod, container: Container, host_sizes: Iterable[int], *, pod_level: bool
) -> PageLimits:
    """One entry per host page size: the container's own ``hugepages-<size>`` limit, else (``pod_level``:
    1.34+ with the PodLevelResources gate and ``spec.resources`` set) the pod-level one, else 0.

    Mirrors: kuberuntime/kuberuntime_container_linux.go GetHugepageLimitsFromResources
    """
    limits = {size: 0 for size in host_sizes}
    sources: list[Mapping[str, int]] = []
    if pod_level and pod.resources is not None:
        sources.append(pod.resources.limits)
    sources.append(container.resources.limits)
    for source in sources:  # the container's own limit is applied last: it wins
        for name, value in source.items():
            if not name.startswith(RESOURCE_HUGEPAGES_PREFIX):
                continue
            size = _page_size(name)
            if size is not None and size in limits:
                limits[size] = value
    return tuple(sorted(limits.items()))


def linux_container_resources(
    pod: Pod,
    container: Container,
    *,
    pod_level_resources: bool,
    cpu_cfs_quota: bool,
    cpu_period: int,
    custom_period: bool,
    exclusive_cpus: bool,
    disable_quota_with_exclusive: bool,
    cgroup_v2: bool,
    single_process_oom_kill: bool | None,
    swap_controller: bool,
    host_hugepage_sizes: Iterable[int],
    hugepages_from_pod_level: bool,
    memory_qos: Unified = (),
) -> ContainerResources:
    """A container's resources as the kubelet hands them to the runtime: shares, CFS quota and
    period, memory limit (pod-level limit when the container has none), hugepage limits and the
    Unified map (``memory.oom.group``, ``memory.swap.max`` = 0 for NoSwap, Memory QoS entries).

    Mirrors: kuberuntime/kuberuntime_container_linux.go generateLinuxContainerResources,
    calculateLinuxResources, getCPULimit / getMemoryLimit, configureContainerSwapResources (NoSwap);
    kubelet.go (singleProcessOOMKill: forced on cgroup v1, unset -> false on v2)
    """
    limits, requests = container.resources.limits, container.resources.requests
    pod_level = pod_level_resources and is_pod_level_resources_set(pod) and pod.resources is not None
    cpu_limit, mem_limit = limits.get("cpu", 0), limits.get("memory", 0)
    if pod_level and pod.resources is not None:
        cpu_limit = cpu_limit or pod.resources.limits.get("cpu", 0)
        mem_limit = mem_limit or pod.resources.limits.get("memory", 0)
    cpu_request = requests.get("cpu")
    if cpu_request is None and cpu_limit:
        shares = milli_cpu_to_shares(cpu_limit)
    else:
        shares = milli_cpu_to_shares(cpu_request or 0)
    quota = period = None
    if cpu_cfs_quota:
        period = cpu_period if custom_period else QUOTA_PERIOD
        quota = milli_cpu_to_quota(cpu_limit, period, True)
        if exclusive_cpus and disable_quota_with_exclusive:
            quota = -1
    unified: dict[str, str] = {}
    single = True if not cgroup_v2 else bool(single_process_oom_kill)
    if cgroup_v2 and not single:
        unified["memory.oom.group"] = "1"
    if cgroup_v2 and swap_controller:
        unified["memory.swap.max"] = "0"  # NoSwap (podfit does not model LimitedSwap)
    unified.update(memory_qos)
    pages = container_hugepage_limits(
        pod, container, host_hugepage_sizes, pod_level=hugepages_from_pod_level and pod_level
    )
    return ContainerResources(shares, quota, period, mem_limit, pages, tuple(sorted(unified.items())))


def qos_cpu_shares(pods: Iterable[Pod], gates: QOSGates) -> tuple[int, int]:
    """``kubepods/burstable`` and ``kubepods/besteffort`` cpu shares (the root Guaranteed tier
    gets none from this path).

    Mirrors: cm/qos_container_manager_linux.go setCPUCgroupConfig
    """
    burstable = 0
    for pod in pods:
        if compute_pod_qos(pod, gates) == "Burstable":
            burstable += pod_requests(pod, pod_level_resources=gates.pod_level_resources).get("cpu", 0)
    return milli_cpu_to_shares(burstable), MIN_SHARES


def node_allocatable_config(
    cpu_millis: int, memory: int, pids: int | None, hugepages: Mapping[int, int]
) -> ResourceConfig:
    """The node-allocatable (``kubepods``) cgroup from capacity (or capacity − reserved when
    ``enforceNodeAllocatable`` has ``pods``).

    Mirrors: cm/node_container_manager_linux.go getCgroupConfigInternal
    """
    return ResourceConfig(
        cpu_shares=milli_cpu_to_shares(cpu_millis),
        memory=memory,
        pids_limit=pids,
        hugepage_limits=tuple(sorted(hugepages.items())),
    )
