"""The Memory Manager's own steps around the policy that change what the policy accounts.

Mirrors: pkg/kubelet/cm/memorymanager/memory_manager.go (v1.36, index id 144290491)
``AddContainer`` (earlier regular init containers are released once a later container starts)
and ``GetMemoryNUMANodes``.
"""

from __future__ import annotations

from typing import Protocol

from podfit.memory.state import MemoryState
from podfit.model.pod import Container, Pod

__all__ = ["ContainerRemover", "add_container", "get_memory_numa_nodes"]


class ContainerRemover(Protocol):
    """A policy's ``remove_container`` (Static or None)."""

    def remove_container(self, state: MemoryState, pod_uid: str, container_name: str) -> None: ...


def add_container(policy: ContainerRemover, state: MemoryState, pod: Pod, container: Container) -> None:
    """A container starts: every regular init container before it has finished, so its memory is
    released (restartable init containers keep theirs). For a pod allocated at pod level
    (KEP-5526) the policy's ``remove_container`` only drops the init container's entry: its
    memory is part of the pod budget, released with the pod's last container entry.

    Mirrors: memorymanager/memory_manager.go AddContainer (v1.36)
    """
    for init in pod.init_containers:
        if init.name == container.name:
            break
        if init.kind == "sidecar":
            continue
        policy.remove_container(state, pod.uid, init.name)


def get_memory_numa_nodes(state: MemoryState, pod_uid: str, container_name: str) -> frozenset[int] | None:
    """The NUMA nodes of the container's blocks (``None`` when it has none).

    Mirrors: memorymanager/memory_manager.go GetMemoryNUMANodes (v1.36)
    """
    blocks = state.get_memory_blocks(pod_uid, container_name) or ()
    nodes = frozenset(n for b in blocks for n in b.numa_affinity)
    return nodes or None
