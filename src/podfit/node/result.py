"""What a node decides about a pod: admission results and per-container assignments.

These are plain values; :mod:`podfit.report` renders them (the JSON contract of
``podfit simulate`` is in shared/spec/scenario-format.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "AdmitResult",
    "CPUQuota",
    "ContainerAssignment",
    "Hint",
    "MemoryAssignment",
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
class ContainerAssignment:
    name: str
    kind: str  # init | sidecar | app
    cpus: int | None  # CPU mask of the exclusive slice or pod shared pool; None = node shared pool
    assignment: str  # node_exclusive | pod_exclusive | pod_shared | node_shared
    memory: MemoryAssignment | None = None
    cpu_quota: CPUQuota | None = None


@dataclass(frozen=True, slots=True)
class AdmitResult:
    """The outcome of admitting one pod. A rejection carries the kubelet's reason and message."""

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
    extra: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RemoveResult:
    pod: str
    uid: str | None
    removed: bool  # False when the pod was not on the node (never admitted, or already removed)
    default_cpuset: int = 0
