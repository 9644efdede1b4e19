"""Memory Manager state: per-NUMA memory tables, container memory blocks, pod memory blocks.

Mirrors: pkg/kubelet/cm/memorymanager/state/state.go and state_mem.go (state_mem.go read at
commit fa7ba8e2f963). Values (``MemoryTable``, ``NUMANodeState``, ``Block``) are frozen; the only
mutable object is :class:`MemoryState`, whose getters hand out copies exactly like the Go in-memory
store (``GetMachineState`` clones, ``GetMemoryBlocks`` copies the slice).

``MemoryState.reusable`` holds the Static policy's ``initContainersReusableMemory`` (upstream a field
of the policy object, not of the checkpoint); it lives here so that one ``snapshot()`` captures all
mutable memory-manager data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

__all__ = [
    "Block",
    "ContainerMemoryAssignments",
    "MemoryPodSnapshot",
    "MemorySnapshot",
    "MemoryState",
    "MemoryTable",
    "NUMANodeMap",
    "NUMANodeState",
    "ReusableMemory",
]


@dataclass(frozen=True, slots=True)
class MemoryTable:
    """One memory resource of one NUMA node, in bytes.

    Mirrors: memorymanager/state/state.go MemoryTable. Invariant kept by the policy:
    ``reserved + free == allocatable`` and ``allocatable == total_mem_size - system_reserved``
    (minus the hugepage pools for regular memory).
    """

    total_mem_size: int
    system_reserved: int
    allocatable: int
    reserved: int
    free: int


@dataclass(frozen=True, slots=True)
class NUMANodeState:
    """A NUMA node's memory tables, its number of block assignments and its group (``cells``).

    Mirrors: memorymanager/state/state.go NUMANodeState. ``cells`` is the group of NUMA
    nodes this node is allocated with (``(id,)`` when free or used for single-NUMA allocations).
    """

    number_of_assignments: int
    memory_map: Mapping[str, MemoryTable]
    cells: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "memory_map", dict(self.memory_map))
        if type(self.cells) is not tuple:
            object.__setattr__(self, "cells", tuple(self.cells))

    def __hash__(self) -> int:
        return hash((self.number_of_assignments, tuple(sorted(self.memory_map.items())), self.cells))


NUMANodeMap = Mapping[int, NUMANodeState]
"""NUMA node id -> state (Mirrors: memorymanager/state/state.go NUMANodeMap)."""


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of memory of one ``type`` (``memory``, ``hugepages-<size>``) pinned to NUMA nodes.

    Mirrors: memorymanager/state/state.go Block.
    """

    numa_affinity: tuple[int, ...]
    type: str
    size: int

    def __post_init__(self) -> None:
        if type(self.numa_affinity) is not tuple:
            object.__setattr__(self, "numa_affinity", tuple(self.numa_affinity))


_NO_CONTAINERS: Final[Mapping[str, tuple[Block, ...]]] = MappingProxyType({})

ContainerMemoryAssignments = dict[str, dict[str, tuple[Block, ...]]]
"""pod UID -> container name -> blocks (Mirrors: state.go ContainerMemoryAssignments)."""

ReusableMemory = dict[str, dict[int, dict[str, int]]]
"""pod UID -> NUMA mask -> resource -> reusable bytes (policy_static.go reusableMemory; the Go key
is the mask's string form, here the mask itself)."""


MemoryPodSnapshot = tuple[
    dict[int, "NUMANodeState"],
    str,
    dict[str, tuple[Block, ...]] | None,
    tuple[Block, ...] | None,
    ReusableMemory,
]
"""(machine state, pod UID, the pod's container blocks, its pod-level blocks, the reusable table)."""


@dataclass(frozen=True)
class MemorySnapshot:
    """An immutable copy of a :class:`MemoryState` (see ``snapshot`` / ``restore``)."""

    machine_state: tuple[tuple[int, NUMANodeState], ...]
    assignments: tuple[tuple[str, tuple[tuple[str, tuple[Block, ...]], ...]], ...]
    pod_blocks: tuple[tuple[str, tuple[Block, ...]], ...]
    reusable: tuple[tuple[str, tuple[tuple[int, tuple[tuple[str, int], ...]], ...]], ...] = field(default=())


class MemoryState:
    """The Memory Manager's mutable state (the in-memory store of the kubelet).

    Mirrors: memorymanager/state/state_mem.go stateMemory, plus the pod-level
    ``PodEntries`` of KEP-5526 (``GetPodMemoryBlocks`` / ``SetPodMemoryBlocks`` / ``DeletePod``).
    """

    __slots__ = ("_assignments", "_machine_state", "_pod_blocks", "reusable")

    def __init__(self) -> None:
        self._machine_state: dict[int, NUMANodeState] = {}
        self._assignments: ContainerMemoryAssignments = {}
        self._pod_blocks: dict[str, tuple[Block, ...]] = {}
        self.reusable: ReusableMemory = {}

    # ----- machine state ---------------------------------------------------------------------
    def get_machine_state(self) -> dict[int, NUMANodeState]:
        """Mirrors: state/state_mem.go GetMachineState: a copy."""
        return dict(self._machine_state)

    def set_machine_state(self, node_map: NUMANodeMap) -> None:
        """Mirrors: state/state_mem.go SetMachineState."""
        self._machine_state = dict(sorted(node_map.items()))

    def replace_machine_state(self, node_map: dict[int, NUMANodeState]) -> None:
        """``set_machine_state`` for a map made from ``get_machine_state()`` by replacing values
        only (this state's keys, in order): taken over without a sorted copy. The caller hands it
        over and keeps no reference."""
        self._machine_state = node_map

    # ----- container assignments -------------------------------------------------------------
    def get_memory_blocks(self, pod_uid: str, container_name: str) -> tuple[Block, ...] | None:
        """The container's blocks, ``None`` when it has no entry (the Go nil slice).

        Mirrors: state/state_mem.go GetMemoryBlocks
        """
        return self._assignments.get(pod_uid, _NO_CONTAINERS).get(container_name)

    def set_memory_blocks(self, pod_uid: str, container_name: str, blocks: Sequence[Block]) -> None:
        """Mirrors: state/state_mem.go SetMemoryBlocks"""
        self._assignments.setdefault(pod_uid, {})[container_name] = tuple(blocks)

    def get_memory_assignments(self) -> ContainerMemoryAssignments:
        """Mirrors: state/state_mem.go GetMemoryAssignments: a deep copy."""
        return {pod: dict(containers) for pod, containers in self._assignments.items()}

    def set_memory_assignments(self, assignments: Mapping[str, Mapping[str, Sequence[Block]]]) -> None:
        """Mirrors: state/state_mem.go SetMemoryAssignments"""
        self._assignments = {
            pod: {name: tuple(blocks) for name, blocks in containers.items()}
            for pod, containers in assignments.items()
        }

    def delete(self, pod_uid: str, container_name: str) -> None:
        """Drop a container's blocks, and the pod entry once it has no container left.

        Mirrors: state/state_mem.go Delete
        """
        containers = self._assignments.get(pod_uid)
        if containers is None:
            return
        containers.pop(container_name, None)
        if not containers:
            del self._assignments[pod_uid]

    def clear_state(self) -> None:
        """Mirrors: state/state_mem.go ClearState"""
        self._machine_state = {}
        self._assignments = {}
        self._pod_blocks = {}

    # ----- pod-level blocks (KEP-5526) -------------------------------------------------------
    def get_pod_memory_blocks(self, pod_uid: str) -> tuple[Block, ...] | None:
        """Mirrors: state/state_mem.go GetPodMemoryBlocks"""
        return self._pod_blocks.get(pod_uid)

    def set_pod_memory_blocks(self, pod_uid: str, blocks: Sequence[Block]) -> None:
        """Mirrors: state/state_mem.go SetPodMemoryBlocks"""
        self._pod_blocks[pod_uid] = tuple(blocks)

    def get_pod_memory_assignments(self) -> dict[str, tuple[Block, ...]]:
        """Every pod's pod-level blocks (a copy)."""
        return dict(self._pod_blocks)

    def delete_pod(self, pod_uid: str) -> None:
        """Drop every entry of the pod (container and pod-level blocks).

        Mirrors: state/state_mem.go DeletePod
        """
        self._assignments.pop(pod_uid, None)
        self._pod_blocks.pop(pod_uid, None)

    # ----- snapshot ----------------------------------------------------------------------------
    def pod_snapshot(self, pod_uid: str) -> MemoryPodSnapshot:
        """What an admission of ``pod_uid`` can change: the machine state (replaced whole on every
        write; its values are frozen), the pod's entries and the reusable table (small: it only
        ever holds the pod being admitted). O(1) in the number of pods on the node."""
        ctrs = self._assignments.get(pod_uid)
        reusable = {uid: {m: dict(res) for m, res in masks.items()} for uid, masks in self.reusable.items()}
        return (
            self._machine_state,
            pod_uid,
            None if ctrs is None else dict(ctrs),
            self._pod_blocks.get(pod_uid),
            reusable,
        )

    def restore_pod(self, snap: MemoryPodSnapshot, *, keep_machine_state: bool = False) -> None:
        """Undo everything done to the pod's entries since :meth:`pod_snapshot`.

        ``keep_machine_state``: leave the machine state as it is (the caller already released the
        pod's blocks the kubelet's way, which is not always the exact inverse of the charge)."""
        machine_state, uid, ctrs, pod_blocks, reusable = snap
        if not keep_machine_state:
            self._machine_state = machine_state
        if ctrs is None:
            self._assignments.pop(uid, None)
        else:
            self._assignments[uid] = dict(ctrs)
        if pod_blocks is None:
            self._pod_blocks.pop(uid, None)
        else:
            self._pod_blocks[uid] = pod_blocks
        self.reusable = reusable

    def snapshot(self) -> MemorySnapshot:
        """An immutable, comparable copy of everything mutable here."""
        return MemorySnapshot(
            machine_state=tuple(sorted(self._machine_state.items())),
            assignments=tuple(
                (pod, tuple(sorted(containers.items())))
                for pod, containers in sorted(self._assignments.items())
            ),
            pod_blocks=tuple(sorted(self._pod_blocks.items())),
            reusable=tuple(
                (pod, tuple((m, tuple(sorted(res.items()))) for m, res in sorted(masks.items())))
                for pod, masks in sorted(self.reusable.items())
            ),
        )

    def restore(self, snap: MemorySnapshot) -> None:
        """Put back the state a ``snapshot()`` captured."""
        self._machine_state = dict(snap.machine_state)
        self._assignments = {pod: dict(containers) for pod, containers in snap.assignments}
        self._pod_blocks = dict(snap.pod_blocks)
        self.reusable = {pod: {m: dict(res) for m, res in masks} for pod, masks in snap.reusable}

    @classmethod
    def from_snapshot(cls, snap: MemorySnapshot) -> MemoryState:
        """A new state holding ``snap``."""
        s = cls()
        s.restore(snap)
        return s
