"""The Memory Manager ``None`` policy: no pinning, no hints, nothing to account.

Mirrors: pkg/kubelet/cm/memorymanager/policy_none.go.
"""

from __future__ import annotations

from typing import Final

from podfit.memory.state import Block, MemoryState
from podfit.model.admission import Rejection
from podfit.model.pod import Container, Pod
from podfit.topology.hint import TopologyHint

__all__ = ["POLICY_TYPE_NONE", "NonePolicy"]

POLICY_TYPE_NONE: Final = "None"


class NonePolicy:
    """Mirrors: memorymanager/policy_none.go none"""

    def name(self) -> str:
        """Mirrors: memorymanager/policy_none.go Name"""
        return POLICY_TYPE_NONE

    def start(self, state: MemoryState) -> str | None:
        """Mirrors: memorymanager/policy_none.go Start"""
        return None

    def allocate(
        self, state: MemoryState, pod: Pod, container: Container, hint: TopologyHint | None = None
    ) -> Rejection | None:
        """Mirrors: memorymanager/policy_none.go Allocate"""
        return None

    def allocate_pod(
        self, state: MemoryState, pod: Pod, hint: TopologyHint | None = None
    ) -> Rejection | None:
        """Mirrors: memorymanager/policy_none.go AllocatePod"""
        return None

    def remove_container(self, state: MemoryState, pod_uid: str, container_name: str) -> None:
        """Mirrors: memorymanager/policy_none.go RemoveContainer"""

    def get_topology_hints(
        self, state: MemoryState, pod: Pod, container: Container
    ) -> dict[str, list[TopologyHint]] | None:
        """Mirrors: memorymanager/policy_none.go GetTopologyHints"""
        return None

    def get_pod_topology_hints(self, state: MemoryState, pod: Pod) -> dict[str, list[TopologyHint]] | None:
        """Mirrors: memorymanager/policy_none.go GetPodTopologyHints"""
        return None

    def get_allocatable_memory(self, state: MemoryState) -> tuple[Block, ...]:
        """Mirrors: memorymanager/policy_none.go GetAllocatableMemory"""
        return ()
