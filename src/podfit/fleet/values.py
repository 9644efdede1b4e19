"""The values a fleet replay works on: trace rows, the mapping policy, one configuration, a cell.

Times are integer milliseconds of simulated time; CPU in millicores, memory in MiB (as the traces
write them). Everything is a frozen value: a configuration and a cell's inputs fix the event log.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "BE_QOS",
    "CPU_ROUNDINGS",
    "GPU_NUMA",
    "LIFETIMES",
    "MODELS",
    "POLICIES",
    "SCORINGS",
    "SHARED_GPU",
    "TRACE_QOS",
    "VERSIONS",
    "CellInputs",
    "FleetConfig",
    "MappingPolicy",
    "NodeRow",
    "NumaZone",
    "PodRow",
    "SelectorRequirement",
    "SelectorTerm",
    "Taint",
    "Toleration",
]

MODELS: Final = ("per-container", "pod-level-pod", "pod-level-container")
POLICIES: Final = ("none", "best-effort", "restricted", "single-numa-node")
SCORINGS: Final = ("LeastAllocated", "MostAllocated")
VERSIONS: Final = ("1.36",)  # the kubelet releases podfit's core implements (release profiles: later)
TRACE_QOS: Final = ("LS", "BE", "Burstable", "Guaranteed", "BestEffort")
CPU_ROUNDINGS: Final = ("up", "down", "none")
GPU_NUMA: Final = ("spread", "first", "none")
SHARED_GPU: Final = ("whole", "drop")
BE_QOS: Final = ("Burstable", "BestEffort")
LIFETIMES: Final = ("duration", "absolute")


@dataclass(frozen=True, slots=True)
class NumaZone:
    """One NUMA zone of a node whose topology is known (a NodeResourceTopology object)."""

    cpus: int  # logical CPUs
    memory_mib: int
    gpus: int = 0


@dataclass(frozen=True, slots=True)
class Taint:
    """A node's ``spec.taints[]`` entry (``timeAdded`` is not kept)."""

    key: str
    value: str = ""
    effect: str = ""  # NoSchedule | PreferNoSchedule | NoExecute


@dataclass(frozen=True, slots=True)
class Toleration:
    """A pod's ``spec.tolerations[]`` entry as written (``operator`` empty means Equal;
    ``tolerationSeconds`` is not kept: it only matters for eviction)."""

    key: str = ""
    operator: str = ""  # Equal | Exists (| Lt | Gt behind TaintTolerationComparisonOperators)
    value: str = ""
    effect: str = ""  # empty: every effect


@dataclass(frozen=True, slots=True)
class SelectorRequirement:
    """One ``matchExpressions[]`` / ``matchFields[]`` entry of a node selector term."""

    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist | Gt | Lt
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SelectorTerm:
    """One ``nodeSelectorTerms[]`` entry: its expressions (node labels) and fields (node name),
    all required."""

    match_expressions: tuple[SelectorRequirement, ...] = ()
    match_fields: tuple[SelectorRequirement, ...] = ()


@dataclass(frozen=True, slots=True)
class NodeRow:
    """A node as a trace or a cluster dump describes it. ``zones`` empty: the mapping policy
    decides sockets, NUMA nodes and SMT from the CPU count."""

    name: str
    cpu_milli: int
    memory_mib: int
    gpus: int = 0
    gpu_model: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    max_pods: int = 0  # 0: the mapping policy's default
    zones: tuple[NumaZone, ...] = ()
    threads_per_core: int = 0  # 0: the mapping policy's
    cell: str = ""
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False  # spec.unschedulable (cordoned)


@dataclass(frozen=True, slots=True)
class PodRow:
    """A pod of a trace: when it is created, how long it lives, what it asks for.

    ``lifetime_ms`` is the trace's deletion minus creation (``None``: it lives to the end of the
    replay). ``manifest`` holds the pod as written in a cluster dump (a podfit ``Pod``); the shape
    fields then only feed the reports. ``node_name``: the one node the pod may run on.
    ``affinity``: the required node affinity's terms (``None``: none required; ``()``: required
    with no term, which no node matches). ``mirror``: a static pod's mirror (the kubelet runs it;
    no scheduler filter applies).
    """

    name: str
    arrival_ms: int
    lifetime_ms: int | None
    qos: str  # LS | BE | Burstable | Guaranteed | BestEffort
    cpu_milli: int
    memory_mib: int
    gpus: int = 0
    gpu_milli: int = 0
    cell: str = ""
    node_selector: tuple[tuple[str, str], ...] = ()
    manifest: Any = None
    # a pod bound to one node (a DaemonSet's pod, a static pod's mirror): only that node is tried
    node_name: str = ""
    affinity: tuple[SelectorTerm, ...] | None = None
    tolerations: tuple[Toleration, ...] = ()
    mirror: bool = False


@dataclass(frozen=True, slots=True)
class MappingPolicy:
    """How trace rows become machines, kubelet configurations and pods (docs/fleet.md; every field
    is a ``podfit fleet`` flag)."""

    # nodes
    sockets: int = 0  # 0: 2 sockets from two_socket_min_cpus logical CPUs up, else 1
    two_socket_min_cpus: int = 32
    numa_per_socket: int = 1
    threads_per_core: int = 2
    gpu_numa: str = "spread"  # spread | first | none
    gpu_resource: str = "nvidia.com/gpu"
    reserved_cpus: int = 2  # logical CPUs (reservedSystemCPUs: the first cores' threads)
    reserved_memory_mib: int = 1024  # kubeReserved memory (+ 100Mi eviction threshold)
    memory_manager: str = "Static"  # Static | None
    max_pods: int = 110
    full_pcpus_only: bool = False
    # pods
    ls_qos: str = "Guaranteed"  # the trace's LS class -> Guaranteed | Burstable
    be_qos: str = "Burstable"  # the trace's BE class -> Burstable | BestEffort
    cpu_rounding: str = "up"  # whole CPUs for Guaranteed pods: up | down | none
    shared_gpu: str = "whole"  # a GPU-sharing pod (gpu_milli < 1000): whole | drop
    sidecar_share: float = 0.5  # share of Guaranteed pods that get sidecars (by name hash)
    sidecars: int = 2
    sidecar_cpu_milli: int = 100
    sidecar_memory_mib: int = 128


@dataclass(frozen=True, slots=True)
class FleetConfig:
    """One configuration of a sweep: an independent replay."""

    model: str = "pod-level-pod"  # per-container | pod-level-pod | pod-level-container
    policy: str = "single-numa-node"  # topologyManagerPolicy
    version: str = "1.36"
    scoring: str = "LeastAllocated"
    numa_filter: bool = False
    seed: int = 0
    max_retries: int = 5
    backoff_initial_ms: int = 1000
    backoff_max_ms: int = 10_000
    sample_interval_ms: int = 3_600_000
    lifetime: str = "duration"  # duration: runs lifetime from its start | absolute: until deletion
    per_container_scope: str = "container"  # topologyManagerScope of the per-container model
    mapping: MappingPolicy = field(default_factory=MappingPolicy)

    @property
    def key(self) -> str:
        numa = "+numa" if self.numa_filter else ""
        return f"{self.model}/{self.policy}/{self.version}/{self.scoring}{numa}"

    @property
    def scope(self) -> str:
        if self.model == "pod-level-container":
            return "container"
        if self.model == "pod-level-pod":
            return "pod"
        return self.per_container_scope

    @property
    def pod_level(self) -> bool:
        return self.model != "per-container"


@dataclass(frozen=True)
class CellInputs:
    """One independent cell: its nodes and the pods that can only land on them (in arrival order;
    ``pods`` may be a one-shot stream)."""

    name: str
    nodes: tuple[NodeRow, ...]
    pods: Iterable[PodRow]
    selector_keys: tuple[str, ...] = ()
