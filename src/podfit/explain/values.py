"""The values of an explanation: what each hint provider said, how the hints were merged, how the
CPUs were taken, where memory went, what was short, and what (verified) change would admit the pod.

Every value is frozen; CPU sets and NUMA masks are ints (bit i = CPU / NUMA node i).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from podfit.cpu.accumulator import TakeStep
from podfit.kubelet.result import AdmitResult
from podfit.model.scenario import Scenario
from podfit.topology.hint import TopologyHint

__all__ = [
    "CPUTake",
    "Candidate",
    "Demand",
    "Explanation",
    "MemoryChoice",
    "MergeTrace",
    "ResourceHints",
    "Suggestion",
]


@dataclass(frozen=True, slots=True)
class Demand:
    """What one provider was asked for one resource, and what each NUMA node had at that moment.

    ``unit``: ``cpus``, ``bytes`` or ``devices``. ``free`` / ``capacity``: NUMA id -> amount
    (``capacity`` = what the NUMA node could ever give: all its CPUs, its allocatable memory, its
    devices). ``reusable``: amount the pod may reuse from its own init containers.
    """

    provider: str
    resource: str
    requested: int
    unit: str
    free: Mapping[int, int]
    capacity: Mapping[int, int]
    reusable: int = 0


@dataclass(frozen=True, slots=True)
class ResourceHints:
    """One hint list as the Topology Manager sees it (``hints`` None = "no preference")."""

    provider: str
    resource: str
    hints: tuple[TopologyHint, ...] | None
    demand: Demand | None = None
    total: int | None = None  # the full list's length when ``hints`` holds only its beginning


@dataclass(frozen=True, slots=True)
class Candidate:
    """A merged hint the merge compared, the rule that decided, and whether it became the best."""

    hint: TopologyHint
    rule: str
    became_best: bool


@dataclass(frozen=True, slots=True)
class MergeTrace:
    """One Topology Manager merge (for a container, or the pod when ``container`` is None)."""

    container: str | None
    policy: str
    resources: tuple[ResourceHints, ...]
    considered: tuple[tuple[TopologyHint, ...], ...]  # per resource, after the policy's filter
    best_non_preferred_affinity_count: int
    compare_by: str  # "narrowest" or "closest"
    candidates: tuple[Candidate, ...]
    candidates_total: int
    best_hint: TopologyHint
    winning_rule: str
    admit: bool


@dataclass(frozen=True, slots=True)
class CPUTake:
    """How the static CPU policy took a container's (or the pod bubble's) exclusive CPUs."""

    container: str | None  # None = the pod-level bubble
    requested: int
    numa_affinity: int | None
    pool: int  # the CPUs it could take from (shared pool minus reserved, plus reusable)
    aligned_pool: int | None  # the pool inside the hint's NUMA nodes (None: no hint)
    algorithm: str  # "packed" or "distributed"
    cpu_sorting: str
    numa_first: bool
    uncore: bool  # prefer-align-cpus-by-uncorecache: L3 groups before whole cores
    aligned_steps: tuple[TakeStep, ...]
    rest_steps: tuple[TakeStep, ...]
    result: int
    error: str | None = None
    slices: Mapping[str, int] = field(default_factory=dict)  # pod bubble: container -> CPUs


@dataclass(frozen=True, slots=True)
class MemoryChoice:
    """Where the memory manager pinned a container's (or the pod's) memory and why."""

    container: str | None
    requested: Mapping[str, int]
    given_hint: TopologyHint | None
    source: str  # "hint" | "default" | "extended" | "error"
    numa_affinity: tuple[int, ...]
    error: str | None = None


@dataclass(frozen=True)
class Suggestion:
    """A change that admits the pod, verified by re-running the engine on ``scenario``.

    ``scenario``: the events up to the pod (changed as described) — ``simulate`` it and its last
    step is ``result``.
    """

    kind: str
    summary: str
    change: Mapping[str, str]
    scenario: Scenario
    result: AdmitResult


@dataclass(frozen=True)
class Explanation:
    """Why ``pod`` was admitted where it was, or why it was rejected."""

    scenario: str
    pod: str
    event_index: int
    topology_policy: str
    topology_scope: str
    cpu_policy: str
    memory_policy: str
    result: AdmitResult
    merges: tuple[MergeTrace, ...]
    cpu_takes: tuple[CPUTake, ...]
    memory_choices: tuple[MemoryChoice, ...]
    shortfall: tuple[str, ...]
    suggestions: tuple[Suggestion, ...] = ()
    notes: tuple[str, ...] = ()
    suggestions_tried: bool = False

    @property
    def admitted(self) -> bool:
        return self.result.admitted
