"""KubeletConfiguration (kubelet.config.k8s.io/v1beta1): the defaulted values podfit reads.

Decoding and defaulting a document into these values is :mod:`podfit.api.kubelet_config`.

Mirrors: staging/src/k8s.io/kubelet/config/v1beta1/types.go
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from podfit.model.features import FeatureGates
from podfit.release.profile import ReleaseProfile

__all__ = [
    "API_VERSION",
    "DEFAULT_EVICTION_HARD",
    "KIND",
    "EvictionThreshold",
    "KubeletConfig",
    "ReservedMemory",
]

API_VERSION: Final = "kubelet.config.k8s.io/v1beta1"
KIND: Final = "KubeletConfiguration"

# pkg/kubelet/eviction/defaults_linux.go DefaultEvictionHard.
DEFAULT_EVICTION_HARD: Final[Mapping[str, str]] = MappingProxyType(
    {
        "memory.available": "100Mi",
        "nodefs.available": "10%",
        "nodefs.inodesFree": "5%",
        "imagefs.available": "15%",
        "imagefs.inodesFree": "5%",
    }
)

# pkg/kubelet/eviction/api/types.go signals.
EVICTION_SIGNALS: Final = frozenset(
    {
        "memory.available",
        "allocatableMemory.available",
        "nodefs.available",
        "nodefs.inodesFree",
        "imagefs.available",
        "imagefs.inodesFree",
        "containerfs.available",
        "containerfs.inodesFree",
        "pid.available",
    }
)

# cmd/kubelet/app/server.go parseResourceList: what kubeReserved/systemReserved may hold.
RESERVABLE: Final = ("cpu", "memory", "ephemeral-storage", "pid")


@dataclass(frozen=True, slots=True)
class EvictionThreshold:
    """A hard eviction threshold: an absolute quantity (bytes or count) or a fraction of capacity.

    ``percentage`` is the float32 fraction the kubelet stores (0.1 for "10%"); ``quantity_format``
    is the resource.Quantity format of an absolute value (for messages).
    """

    signal: str
    quantity: int | None = None
    percentage: float | None = None
    quantity_format: str = "BinarySI"

    def amount(self, capacity: int) -> int:
        """Mirrors: pkg/kubelet/eviction/api/types.go GetThresholdQuantity."""
        if self.quantity is not None:
            return self.quantity
        return int(float(capacity) * float(self.percentage or 0.0))


@dataclass(frozen=True, slots=True)
class ReservedMemory:
    """One ``reservedMemory`` entry: bytes reserved per memory resource on a NUMA node.
    ``formats`` holds each limit's resource.Quantity format (for messages)."""

    numa_node: int
    limits: Mapping[str, int]
    formats: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def _frozen(m: Mapping) -> Mapping:
    return MappingProxyType(dict(m))


@dataclass(frozen=True)
class KubeletConfig:
    """The defaulted kubelet configuration, as the resource managers read it.

    Reserved maps: cpu in millicores, memory/hugepages/ephemeral-storage in bytes, pid a count.
    ``fields`` holds the (defaulted) document as given, for anything not interpreted.
    ``release`` is the kubelet release the configuration was decoded for (the gates' release).
    """

    feature_gates: FeatureGates = field(default_factory=FeatureGates)
    cpu_manager_policy: str = "none"
    cpu_manager_policy_options: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    cpu_manager_reconcile_period_s: float = 10.0
    memory_manager_policy: str = "None"
    reserved_memory: tuple[ReservedMemory, ...] = ()
    topology_manager_policy: str = "none"
    topology_manager_scope: str = "container"
    topology_manager_policy_options: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    reserved_system_cpus: int | None = None
    reserved_system_cpus_text: str = ""
    kube_reserved: Mapping[str, int] = field(default_factory=lambda: _frozen({}))
    system_reserved: Mapping[str, int] = field(default_factory=lambda: _frozen({}))
    kube_reserved_formats: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    system_reserved_formats: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    eviction_hard: Mapping[str, EvictionThreshold] = field(default_factory=lambda: _frozen({}))
    max_pods: int = 110
    pods_per_core: int = 0
    pod_pids_limit: int = -1
    cpu_cfs_quota: bool = True
    cpu_cfs_quota_period_us: int = 100000
    cgroups_per_qos: bool = True
    kube_reserved_cgroup: str = ""
    system_reserved_cgroup: str = ""
    enforce_node_allocatable: tuple[str, ...] = ("pods",)
    memory_throttling_factor: float | None = 0.9
    memory_reservation_policy: str = "None"
    cgroup_driver: str = "cgroupfs"  # cgroupDriver: cgroupfs | systemd
    cgroup_root: str = ""  # cgroupRoot ("" = the root of the hierarchy)
    single_process_oom_kill: bool | None = None  # singleProcessOOMKill (None: unset)
    fields: Mapping[str, object] = field(default_factory=lambda: _frozen({}))

    @property
    def release(self) -> ReleaseProfile:
        """The kubelet release: its gates, option maturity, behaviour switches, words, metrics."""
        return self.feature_gates.release
