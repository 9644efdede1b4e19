"""Memory QoS (KEP-2570): the cgroup v2 memory.min / memory.low / memory.high the kubelet writes for
containers, pod cgroups, the QoS-class cgroups and the reserved cgroups, and the two gauges — per
release (:class:`~podfit.release.node_features.NodeFeatures`).

Values are the strings written to the files (decimal bytes, or ``max``). A mapping of them is a
cgroup's ``Unified`` entries from Memory QoS only (``memory.oom.group`` and ``memory.swap.max`` are
the container resources' own, :mod:`podfit.kubelet.cgroup_config`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from podfit.kubelet.allocatable import node_allocatable_absolute
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.model.node_os import NodeOS, parse_kernel_version
from podfit.model.pod import Container, Pod
from podfit.model.qos import QOSGates, get_pod_qos, is_pod_level_resources_set, pod_requests, qos_gates
from podfit.model.release_gates import release_gate
from podfit.release.node_features import NodeFeatures

__all__ = [
    "MEMORY_HIGH",
    "MEMORY_LOW",
    "MEMORY_MIN",
    "TIERED_RESERVATION",
    "MemoryQoSConfig",
    "QoSCgroupState",
    "QoSMemoryProtection",
    "container_memory_qos",
    "memory_high",
    "memory_qos_config",
    "memory_qos_warnings",
    "pod_memory_qos",
    "qos_memory_protection",
    "reserved_cgroup_memory_min",
]

MEMORY_MIN: Final = "memory.min"
MEMORY_LOW: Final = "memory.low"
MEMORY_HIGH: Final = "memory.high"
TIERED_RESERVATION: Final = "TieredReservation"
MIN_KERNEL: Final = (5, 9)  # pkg/util/kernel/constants.go MemoryQoSMinKernelVersion

Unified = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class MemoryQoSConfig:
    """What the Memory QoS formulas read: the gate, whether the values are enforced (gate and
    cgroup v2), the effective throttling factor (``None``: no memory.high), the reservation policy,
    the page size and the absolute node-allocatable memory."""

    features: NodeFeatures
    gate: bool
    enforce: bool
    cgroup_v2: bool
    factor: float | None
    tiered: bool  # memoryReservationPolicy == TieredReservation
    page_size: int
    allocatable_memory: int
    qos_gates: QOSGates  # the gates the QoS helper reads (PodLevelResources among them)

    @property
    def pod_level_resources(self) -> bool:
        """The PodLevelResources gate."""
        return self.qos_gates.pod_level_resources


def memory_qos_config(
    features: NodeFeatures, config: KubeletConfig, machine: Machine, node_os: NodeOS
) -> MemoryQoSConfig:
    """The Memory QoS inputs of a kubelet: the factor is the configured one, else the release's
    default (0.9 up to 1.36, nil in 1.37)."""
    gate = release_gate(config.feature_gates, features, "MemoryQoS")
    factor: float | None = features.memory_throttling_factor_default
    if "memoryThrottlingFactor" in config.fields and config.fields["memoryThrottlingFactor"] is not None:
        factor = config.memory_throttling_factor
    policy = config.memory_reservation_policy if features.memory_reservation_policy_known else "None"
    return MemoryQoSConfig(
        features=features,
        gate=gate,
        enforce=gate and node_os.cgroup_v2,
        cgroup_v2=node_os.cgroup_v2,
        factor=factor,
        tiered=policy == TIERED_RESERVATION,
        page_size=node_os.page_size,
        allocatable_memory=node_allocatable_absolute(machine, config)["memory"],
        qos_gates=qos_gates(config.feature_gates),
    )


def memory_high(request: int, base: int, factor: float, page_size: int) -> int:
    """``floor((request + (base − request) × factor) / pageSize) × pageSize`` with the kubelet's
    float64 arithmetic (Python floats are IEEE doubles; amd64 does not fuse the multiply-add).

    Mirrors: kuberuntime/kuberuntime_container_linux.go generateLinuxContainerResources (memory.high)
    """
    return (
        int(math.floor(float(request) + (float(base) - float(request)) * factor) / float(page_size))
        * page_size
    )


def container_memory_qos(cfg: MemoryQoSConfig, pod: Pod, container: Container) -> Unified:
    """The container's Memory QoS entries (sorted ``(file, value)`` pairs; empty: none written).

    Mirrors: kuberuntime/kuberuntime_container_linux.go generateLinuxContainerResources
    (enforceMemoryQoS block)
    """
    f = cfg.features
    if not cfg.enforce:
        if not cfg.gate and cfg.cgroup_v2 and f.memory_high_max_when_gate_off:
            return ((MEMORY_HIGH, "max"),)
        return ()
    request = container.resources.request("memory")
    limit = container.resources.limit("memory")
    if (
        f.memory_high_uses_pod_level_limit
        and limit == 0
        and cfg.pod_level_resources
        and is_pod_level_resources_set(pod)
        and pod.resources is not None
    ):
        limit = pod.resources.limit("memory")
    unified: dict[str, str] = {}
    if f.tiered_memory_protection:
        if request != 0 and cfg.tiered:
            guaranteed = get_pod_qos(pod, cfg.qos_gates) == "Guaranteed"
            unified[MEMORY_MIN if guaranteed else MEMORY_LOW] = str(request)
        else:
            unified[MEMORY_MIN] = "0"
            unified[MEMORY_LOW] = "0"
    elif request != 0:
        unified[MEMORY_MIN] = str(request)
    skip = request == limit and (request > 0 or not f.memory_high_skip_needs_positive)
    if not skip and cfg.factor is not None:
        high = 0
        if limit != 0:
            high = memory_high(request, limit, cfg.factor, cfg.page_size)
        elif cfg.allocatable_memory > 0:
            high = memory_high(request, cfg.allocatable_memory, cfg.factor, cfg.page_size)
        if high != 0 and high > request:
            unified[MEMORY_HIGH] = str(high)
    return tuple(sorted(unified.items()))


def pod_memory_qos(cfg: MemoryQoSConfig, pod: Pod, *, at_creation: bool = True) -> Unified:
    """The pod cgroup's Memory QoS entries, written when the pod cgroup is created (and, from 1.37,
    by a resize: ``at_creation=False`` gives what a resize writes).

    Mirrors: cm/helpers_linux.go ResourceConfigForPod (enforceMemoryQoS, memoryReservationPolicy)
    """
    f = cfg.features
    if not cfg.enforce or (not at_creation and not f.resize_rewrites_pod_memory_protection):
        return ()
    request = pod_requests(pod, pod_level_resources=cfg.pod_level_resources).get("memory", 0)
    if request <= 0:
        return ()
    if not f.tiered_memory_protection:
        return ((MEMORY_MIN, str(request)),)
    if not cfg.tiered:
        return ()
    guaranteed = get_pod_qos(pod, cfg.qos_gates) == "Guaranteed"
    return ((MEMORY_MIN if guaranteed else MEMORY_LOW, str(request)),)


@dataclass(frozen=True, slots=True)
class QoSMemoryProtection:
    """What ``setMemoryQoS`` writes to ``kubepods`` and ``kubepods/burstable`` (entries; empty:
    nothing written this time) and the gauges (``None``: not registered)."""

    kubepods: Unified
    burstable: Unified
    guaranteed_requests: int  # G: the memory requests of the Guaranteed pods
    burstable_requests: int  # B: of the Burstable pods
    gauge_min_bytes: int | None
    gauge_low_bytes: int | None

    @property
    def protected_min(self) -> int:
        """Hard-protected memory (``kubepods`` memory.min as written; 0 when not written)."""
        return _value(self.kubepods, MEMORY_MIN)

    @property
    def protected_low(self) -> int:
        """Soft-protected memory (``burstable`` memory.low as written)."""
        return _value(self.burstable, MEMORY_LOW)


def _value(entries: Unified, key: str) -> int:
    for name, value in entries:
        if name == key and value != "max":
            return int(value)
    return 0


def _qos_requests(cfg: MemoryQoSConfig, pods: Iterable[Pod]) -> tuple[int, int]:
    """Mirrors: cm/qos_container_manager_linux.go getQoSMemoryRequests (pod-level requests always
    counted: PodRequests without SkipPodLevelResources)."""
    guaranteed = burstable = 0
    for pod in pods:
        qos = get_pod_qos(pod, cfg.qos_gates)
        if qos == "BestEffort":
            continue
        request = pod_requests(pod, pod_level_resources=True).get("memory", 0)
        if qos == "Guaranteed":
            guaranteed += request
        else:
            burstable += request
    return guaranteed, burstable


def qos_memory_protection(cfg: MemoryQoSConfig, pods: Iterable[Pod]) -> QoSMemoryProtection:
    """``kubepods`` / ``kubepods/burstable`` memory protection over the active pods (their spec).

    Mirrors: cm/qos_container_manager_linux.go setMemoryQoS (called from UpdateCgroups only with the
    gate on and cgroup v2); the 1.37 start-up reset with the gate off (PR #138903)
    """
    f = cfg.features
    g, b = _qos_requests(cfg, pods)
    gauges = f.memory_qos_gauges and cfg.gate  # registered with the gate on (v1 too: then 0)
    if not cfg.enforce:
        if not cfg.gate and cfg.cgroup_v2 and f.qos_protection_reset_when_gate_off:
            return QoSMemoryProtection(((MEMORY_MIN, "0"),), ((MEMORY_LOW, "0"),), g, b, None, None)
        return QoSMemoryProtection((), (), g, b, 0 if gauges else None, 0 if gauges else None)
    if not f.tiered_memory_protection:
        kubepods = ((MEMORY_MIN, str(g + b)),) if g + b > 0 else ()
        burstable = ((MEMORY_MIN, str(b)),) if b > 0 else ()
        return QoSMemoryProtection(kubepods, burstable, g, b, None, None)
    if not cfg.tiered:
        return QoSMemoryProtection(((MEMORY_MIN, "0"),), ((MEMORY_LOW, "0"),), g, b, 0, 0)
    return QoSMemoryProtection(((MEMORY_MIN, str(g + b)),), ((MEMORY_LOW, str(b)),), g, b, g, b)


def reserved_cgroup_memory_min(cfg: MemoryQoSConfig, reserved_memory: int) -> Unified:
    """A kube-/system-reserved cgroup's ``memory.min`` (gate on; the Unified map is dropped on v1).

    Mirrors: cm/node_container_manager_linux.go enforceExistingCgroup
    """
    if not cfg.gate or not cfg.cgroup_v2 or reserved_memory <= 0:
        return ()
    return ((MEMORY_MIN, str(reserved_memory)),)


def memory_qos_warnings(cfg: MemoryQoSConfig, node_os: NodeOS) -> tuple[str, ...]:
    """What the kubelet logs at start-up about Memory QoS on this node (it starts anyway).

    Mirrors: cmd/kubelet/app/server.go run() (MemoryQoS checks)
    """
    if not cfg.gate:
        return ()
    if not node_os.cgroup_v2:
        return (
            "Warning: MemoryQoS feature only works with cgroups v2 on Linux, but enabled with cgroups v1",
        )
    if not cfg.features.memory_qos_kernel_warning or node_os.kernel_version is None:
        return ()
    version = parse_kernel_version(node_os.kernel_version)
    if version is not None and version[:2] < MIN_KERNEL:
        return (
            "Warning: MemoryQoS memory.high throttling may cause process livelock on older kernels"
            f' currentKernel="{node_os.kernel_version}" minimumKernel="5.9"',
        )
    return ()


class QoSCgroupState:
    """What the QoS container manager last wrote to ``kubepods`` and ``kubepods/burstable`` (Memory
    QoS entries), merged over earlier writes: 1.33-1.35 skip a zero sum, so a stale value stays.

    Mirrors: cm/qos_container_manager_linux.go UpdateCgroups (the Memory QoS part)
    """

    def __init__(self, cfg: MemoryQoSConfig) -> None:
        self.cfg = cfg
        self.kubepods: dict[str, str] = {}
        self.burstable: dict[str, str] = {}
        self.last: QoSMemoryProtection | None = None

    def update(self, pods: Iterable[Pod]) -> None:
        """``UpdateCgroups`` over the active pods (their spec)."""
        cfg = self.cfg
        if not cfg.gate and not (cfg.cgroup_v2 and cfg.features.qos_protection_reset_when_gate_off):
            return
        prot = qos_memory_protection(cfg, pods)
        self.kubepods.update(prot.kubepods)
        self.burstable.update(prot.burstable)
        self.last = prot
