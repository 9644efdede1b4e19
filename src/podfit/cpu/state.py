"""The CPU Manager's mutable state: the shared (default) pool, per-container exclusive CPU sets,
pod-level CPU sets (KEP-5526) and the static policy's "CPUs to reuse" book-keeping.

Mirrors: cpumanager/state/state.go ``State`` and state_mem.go ``stateMemory``, plus the
``cpusToReuse`` map the kubelet keeps inside ``staticPolicy`` (policy_static.go). podfit keeps that
map here so that the policy object stays immutable and a snapshot captures everything an
allocation depends on.

CPU sets are int masks (bit i = CPU i). Everything is copied on the way in and out, so callers
never alias the internal dictionaries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

__all__ = ["CPUPodSnapshot", "CPUState", "CPUStateSnapshot", "ContainerCPUAssignments"]

ContainerCPUAssignments = dict[str, dict[str, int]]
"""pod UID -> container name -> CPU mask (Go ``state.ContainerCPUAssignments``)."""

CPUPodSnapshot = tuple[int, str, dict[str, int] | None, int | None, dict[str, int]]
"""(shared pool, pod UID, the pod's container masks, its pod-level mask, the reuse map)."""

_NO_CONTAINERS: Final[Mapping[str, int]] = MappingProxyType({})


def _freeze_assignments(a: Mapping[str, Mapping[str, int]]) -> Mapping[str, Mapping[str, int]]:
    return MappingProxyType({uid: MappingProxyType(dict(ctrs)) for uid, ctrs in a.items()})


@dataclass(frozen=True)
class CPUStateSnapshot:
    """An immutable copy of a :class:`CPUState` (for checkpoints, what-if runs and fleet shards)."""

    default_cpu_set: int
    assignments: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: MappingProxyType({}))
    pod_cpu_sets: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    cpus_to_reuse: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


class CPUState:
    """Mirrors: cpumanager/state/state_mem.go stateMemory, plus the policy's cpusToReuse."""

    __slots__ = ("_assignments", "_cpus_to_reuse", "_default", "_pod_cpu_sets")

    def __init__(
        self,
        default_cpu_set: int = 0,
        assignments: Mapping[str, Mapping[str, int]] | None = None,
        pod_cpu_sets: Mapping[str, int] | None = None,
    ) -> None:
        self._default = default_cpu_set
        self._assignments: ContainerCPUAssignments = {
            uid: dict(ctrs) for uid, ctrs in (assignments or {}).items()
        }
        self._pod_cpu_sets: dict[str, int] = dict(pod_cpu_sets or {})
        self._cpus_to_reuse: dict[str, int] = {}

    # ----- reader ------------------------------------------------------------------------
    def get_cpu_set(self, pod_uid: str, container_name: str) -> int | None:
        """The container's CPU mask, or None when it has no assignment.

        Mirrors: cpumanager/state/state_mem.go GetCPUSet
        """
        return self._assignments.get(pod_uid, _NO_CONTAINERS).get(container_name)

    def get_default_cpu_set(self) -> int:
        """Mirrors: cpumanager/state/state_mem.go GetDefaultCPUSet"""
        return self._default

    def get_cpu_set_or_default(self, pod_uid: str, container_name: str) -> int:
        """Mirrors: cpumanager/state/state_mem.go GetCPUSetOrDefault"""
        got = self.get_cpu_set(pod_uid, container_name)
        return self._default if got is None else got

    def get_cpu_assignments(self) -> ContainerCPUAssignments:
        """A deep copy of all container assignments.

        Mirrors: cpumanager/state/state_mem.go GetCPUAssignments
        """
        return {uid: dict(ctrs) for uid, ctrs in self._assignments.items()}

    def get_pod_cpu_set(self, pod_uid: str) -> int | None:
        """The pod-level CPU mask (KEP-5526), or None.

        Mirrors: cpumanager/state/state_mem.go GetPodCPUSet
        """
        return self._pod_cpu_sets.get(pod_uid)

    def get_pod_cpu_assignments(self) -> dict[str, int]:
        """Mirrors: cpumanager/state/state_mem.go GetPodCPUAssignments"""
        return dict(self._pod_cpu_sets)

    # ----- writer ------------------------------------------------------------------------
    def set_cpu_set(self, pod_uid: str, container_name: str, cset: int) -> None:
        """Mirrors: cpumanager/state/state_mem.go SetCPUSet"""
        self._assignments.setdefault(pod_uid, {})[container_name] = cset

    def set_default_cpu_set(self, cset: int) -> None:
        """Mirrors: cpumanager/state/state_mem.go SetDefaultCPUSet"""
        self._default = cset

    def set_cpu_assignments(self, assignments: Mapping[str, Mapping[str, int]]) -> None:
        """Mirrors: cpumanager/state/state_mem.go SetCPUAssignments"""
        self._assignments = {uid: dict(ctrs) for uid, ctrs in assignments.items()}

    def set_pod_cpu_set(self, pod_uid: str, cset: int) -> None:
        """Mirrors: cpumanager/state/state_mem.go SetPodCPUSet"""
        self._pod_cpu_sets[pod_uid] = cset

    def delete(self, pod_uid: str, container_name: str) -> None:
        """Drop a container's assignment (and the pod entry once it holds no container).

        Mirrors: cpumanager/state/state_mem.go Delete
        """
        ctrs = self._assignments.get(pod_uid)
        if ctrs is None:
            return
        ctrs.pop(container_name, None)
        if not ctrs:
            del self._assignments[pod_uid]

    def delete_pod(self, pod_uid: str) -> None:
        """Drop every container assignment and the pod-level set of a pod.

        Mirrors: cpumanager/state/state_mem.go DeletePod
        """
        self._assignments.pop(pod_uid, None)
        self._pod_cpu_sets.pop(pod_uid, None)

    def clear_state(self) -> None:
        """Mirrors: cpumanager/state/state_mem.go ClearState"""
        self._default = 0
        self._assignments = {}
        self._pod_cpu_sets = {}
        self._cpus_to_reuse = {}

    # ----- the static policy's reuse book-keeping ---------------------------------------------
    def cpus_to_reuse(self, pod_uid: str) -> int:
        """The CPUs of finished init containers that later containers of ``pod_uid`` may reuse."""
        return self._cpus_to_reuse.get(pod_uid, 0)

    def set_cpus_to_reuse(self, reuse: Mapping[str, int]) -> None:
        """Replace the whole reuse map (the static policy computes it)."""
        self._cpus_to_reuse = dict(reuse)

    def keep_cpus_to_reuse(self, pod_uid: str, cset: int) -> None:
        """Replace the whole reuse map by the one entry ``pod_uid -> cset``."""
        self._cpus_to_reuse = {pod_uid: cset}

    def get_cpus_to_reuse(self) -> dict[str, int]:
        """A copy of the reuse map (pod UID -> CPU mask)."""
        return dict(self._cpus_to_reuse)

    # ----- non-copying readers (hot paths; callers must not mutate what they get) -----------
    def container_cpu_sets(self, pod_uid: str) -> Mapping[str, int]:
        """The pod's container masks, without a copy (read-only; do not keep across writes)."""
        return self._assignments.get(pod_uid, _NO_CONTAINERS)

    def assignments_view(self) -> Mapping[str, Mapping[str, int]]:
        """Every container assignment, without a copy (read-only; do not keep across writes)."""
        return self._assignments

    # ----- snapshots ---------------------------------------------------------------------
    def pod_snapshot(self, pod_uid: str) -> CPUPodSnapshot:
        """What an admission of ``pod_uid`` can change: the shared pool, the pod's entries and the
        reuse map (replaced whole on every allocation). O(1) in the number of pods on the node."""
        ctrs = self._assignments.get(pod_uid)
        return (
            self._default,
            pod_uid,
            None if ctrs is None else dict(ctrs),
            self._pod_cpu_sets.get(pod_uid),
            self._cpus_to_reuse,
        )

    def restore_pod(self, snap: CPUPodSnapshot) -> None:
        """Undo everything done to the pod's entries since :meth:`pod_snapshot`."""
        default, uid, ctrs, pod_set, reuse = snap
        self._default = default
        if ctrs is None:
            self._assignments.pop(uid, None)
        else:
            self._assignments[uid] = dict(ctrs)
        if pod_set is None:
            self._pod_cpu_sets.pop(uid, None)
        else:
            self._pod_cpu_sets[uid] = pod_set
        self._cpus_to_reuse = reuse

    def snapshot(self) -> CPUStateSnapshot:
        """An immutable copy of everything in this state."""
        return CPUStateSnapshot(
            default_cpu_set=self._default,
            assignments=_freeze_assignments(self._assignments),
            pod_cpu_sets=MappingProxyType(dict(self._pod_cpu_sets)),
            cpus_to_reuse=MappingProxyType(dict(self._cpus_to_reuse)),
        )

    def restore(self, snap: CPUStateSnapshot) -> None:
        """Make this state equal to ``snap`` (later changes do not affect ``snap``)."""
        self._default = snap.default_cpu_set
        self._assignments = {uid: dict(ctrs) for uid, ctrs in snap.assignments.items()}
        self._pod_cpu_sets = dict(snap.pod_cpu_sets)
        self._cpus_to_reuse = dict(snap.cpus_to_reuse)

    @classmethod
    def from_snapshot(cls, snap: CPUStateSnapshot) -> CPUState:
        """A new state holding ``snap``."""
        st = cls()
        st.restore(snap)
        return st

    def __repr__(self) -> str:
        return (
            f"CPUState(default={self._default:#x}, assignments={self._assignments!r}, "
            f"pod_cpu_sets={self._pod_cpu_sets!r}, cpus_to_reuse={self._cpus_to_reuse!r})"
        )
