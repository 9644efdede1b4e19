"""What a node decides about a pod: admission results and per-container assignments.

These are plain values; :mod:`podfit.report` renders them (the JSON contract of
``podfit simulate`` is in shared/spec/scenario-format.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

__all__ = [
    "AdmitResult",
    "AssignedViews",
    "CPUQuota",
    "CgroupValues",
    "ContainerAssignment",
    "ContainerResourcesView",
    "DeviceView",
    "Hint",
    "MemoryAssignment",
    "MemoryBlockView",
    "MemoryTableView",
    "NodeMemory",
    "PodResourcesView",
    "RemoveResult",
]

# assignment types (kubelet metrics vocabulary, plus node_shared for "no exclusive resources")
NODE_EXCLUSIVE = "node_exclusive"
POD_EXCLUSIVE = "pod_exclusive"
POD_SHARED = "pod_shared"
NODE_SHARED = "node_shared"


@dataclass(frozen=True, slots=True)
class Hint:
    """A topology hint as reported: ``numa_affinity`` empty means "any NUMA node"."""

    numa_affinity: tuple[int, ...]
    preferred: bool


@dataclass(frozen=True, slots=True)
class MemoryAssignment:
    """Memory blocks of a container: the NUMA nodes and the bytes per memory type."""

    numa_affinity: tuple[int, ...]
    bytes: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class CPUQuota:
    """CFS quota the kubelet would set (``quota_us == -1``: unlimited)."""

    quota_us: int
    period_us: int


@dataclass(frozen=True, slots=True)
class CgroupValues:
    """cgroup values the kubelet sets (``None`` = left unset; ``cpu_quota_us == -1`` = no quota)."""

    cpu_shares: int
    cpu_quota_us: int | None
    cpu_period_us: int | None
    memory_limit: int | None
    cpuset_cpus: int | None = None  # containers only
    cpuset_mems: tuple[int, ...] | None = None  # containers only; None = not restricted


@dataclass(frozen=True, slots=True)
class MemoryBlockView:
    """A PodResources ``ContainerMemory``: memory type, size, NUMA nodes."""

    memory_type: str
    size: int
    numa_nodes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DeviceView:
    """A PodResources ``ContainerDevices``: resource, device ids, NUMA nodes."""

    resource_name: str
    device_ids: tuple[str, ...]
    numa_nodes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ContainerResourcesView:
    name: str
    cpu_ids: tuple[int, ...]
    memory: tuple[MemoryBlockView, ...]
    devices: tuple[DeviceView, ...]


@dataclass(frozen=True, slots=True)
class PodResourcesView:
    """What the kubelet's PodResources API reports for the pod (v1.37 shape: pod-level ``cpu_ids``
    and ``memory`` for a pod-level allocation; container-level entries only for containers with
    resources of their own)."""

    cpu_ids: tuple[int, ...]
    memory: tuple[MemoryBlockView, ...]
    containers: tuple[ContainerResourcesView, ...]


@dataclass(frozen=True, slots=True)
class MemoryTableView:
    """One memory type on one NUMA node, as the memory manager's machine state holds it."""

    allocatable: int
    reserved: int
    free: int


NodeMemory = Mapping[int, Mapping[str, MemoryTableView]]


@dataclass(frozen=True, slots=True)
class ContainerAssignment:
    name: str
    kind: str  # init | sidecar | app
    cpus: int | None  # CPU mask of the exclusive slice or pod shared pool; None = node shared pool
    assignment: str  # node_exclusive | pod_exclusive | pod_shared | node_shared
    memory: MemoryAssignment | None = None
    cpu_quota: CPUQuota | None = None
    cgroup: CgroupValues | None = None


class AssignedViews(Protocol):
    """Where an admitted pod's views come from when an :class:`AdmitResult` builds them on first
    read (:class:`podfit.node.assignments.PodAssignments`)."""

    @property
    def containers(self) -> tuple[ContainerAssignment, ...]: ...

    @property
    def pod_cgroup(self) -> CgroupValues | None: ...

    @property
    def pod_resources(self) -> PodResourcesView | None: ...


_ASSIGNED_VIEWS = frozenset({"containers", "pod_cgroup", "pod_resources"})


@dataclass(frozen=True, slots=True)
class AdmitResult:
    """The outcome of admitting one pod. A rejection carries the kubelet's reason and message.

    An admitted pod's ``containers``, ``pod_cgroup`` and ``pod_resources`` may be given as
    ``assigned`` instead (the three left out): each is then built from it on first read, and kept.
    Either way the result reads, compares and prints the same; ``assigned`` is not part of the value.
    """

    pod: str  # namespace/name
    uid: str
    admitted: bool
    reason: str | None = None
    message: str | None = None
    qos_class: str | None = None
    pod_hint: Hint | None = None
    container_hints: Mapping[str, Hint] | None = None
    pod_cpus: int | None = None
    containers: tuple[ContainerAssignment, ...] = ()
    default_cpuset: int = 0  # the node's shared pool after this step
    pod_cgroup: CgroupValues | None = None
    pod_resources: PodResourcesView | None = None
    node_memory: NodeMemory | None = None  # the memory manager's tables after this step
    extra: Mapping[str, object] = field(default_factory=dict)
    assigned: AssignedViews | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.assigned is not None and not self.containers and self.pod_resources is None:
            for name in _ASSIGNED_VIEWS:  # left unset: __getattr__ builds each on first read
                object.__delattr__(self, name)

    def __getattr__(self, name: str) -> Any:
        """Reached only for an attribute that is not set: one of the ``assigned`` views."""
        if name not in _ASSIGNED_VIEWS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = getattr(self.assigned, name)
        object.__setattr__(self, name, value)
        return value

    def __getstate__(self) -> list[Any]:
        """Pickled and copied with its views built (and without ``assigned``)."""
        return [None if f.name == "assigned" else getattr(self, f.name) for f in fields(self)]


@dataclass(frozen=True, slots=True)
class RemoveResult:
    pod: str
    uid: str | None
    removed: bool  # False when the pod was not on the node (never admitted, or already removed)
    default_cpuset: int = 0
    node_memory: NodeMemory | None = None
