"""Init-container memory reuse: memory given to a regular (non-restartable) init container may be
reused by the containers that start after it; restartable init containers (sidecars) are never
reused.

Mirrors: pkg/kubelet/cm/memorymanager/policy_static.go
``getPodReusableMemory``, ``updatePodReusableMemory``, ``updateInitContainersMemoryBlocks``,
``isRegularInitContainer``. The reusable table lives in ``MemoryState.reusable``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from podfit.memory.state import Block, MemoryState
from podfit.model.pod import Container, Pod
from podfit.topology.bitmask import new_bitmask

__all__ = [
    "get_pod_reusable_memory",
    "is_regular_init_container",
    "reusable_for_pod",
    "update_init_containers_memory_blocks",
    "update_pod_reusable_memory",
]


def reusable_for_pod(state: MemoryState, pod_uid: str) -> Mapping[int, Mapping[str, int]]:
    """NUMA mask -> resource -> reusable bytes of one pod (empty when none)."""
    return state.reusable.get(pod_uid, {})


def get_pod_reusable_memory(state: MemoryState, pod_uid: str, mask: int, resource: str) -> int:
    """Mirrors: memorymanager/policy_static.go getPodReusableMemory"""
    return state.reusable.get(pod_uid, {}).get(mask, {}).get(resource, 0)


def is_regular_init_container(pod: Pod, container: Container) -> bool:
    """Mirrors: memorymanager/policy_static.go isRegularInitContainer"""
    for init in pod.init_containers:
        if init.name == container.name:
            return init.kind != "sidecar"
    return False


def update_pod_reusable_memory(
    state: MemoryState, pod: Pod, container: Container, blocks: Sequence[Block]
) -> None:
    """Forget other pods' reusable memory; a regular init container's blocks become reusable (the
    largest per mask and type); any other container's blocks consume the reusable memory.

    Mirrors: memorymanager/policy_static.go updatePodReusableMemory
    """
    reusable = state.reusable
    if len(reusable) > 1 or (reusable and pod.uid not in reusable):  # another pod's entry
        for uid in reusable.keys() - {pod.uid}:
            del reusable[uid]
    if is_regular_init_container(pod, container):
        per_pod = state.reusable.setdefault(pod.uid, {})
        for block in blocks:
            per_mask = per_pod.setdefault(new_bitmask(*block.numa_affinity), {})
            if block.size > per_mask.get(block.type, 0):
                per_mask[block.type] = block.size
        return
    if not state.reusable.get(pod.uid):
        return  # nothing reusable: every lookup below would be 0
    for block in blocks:
        mask = new_bitmask(*block.numa_affinity)
        amount = get_pod_reusable_memory(state, pod.uid, mask, block.type)
        if amount != 0:
            per_mask = state.reusable[pod.uid][mask]
            per_mask[block.type] = 0 if block.size >= amount else amount - block.size


def update_init_containers_memory_blocks(
    state: MemoryState, pod: Pod, container: Container, container_blocks: Sequence[Block]
) -> None:
    """Shrink the blocks of the regular init containers before ``container`` by the memory it
    reused, so the pod's blocks still sum to what the machine state holds for it.

    Mirrors: memorymanager/policy_static.go updateInitContainersMemoryBlocks
    """
    for cblock in container_blocks:
        size = cblock.size
        for init in pod.init_containers:
            if init.name == container.name or size == 0:
                break
            if init.kind == "sidecar":
                continue
            init_blocks = list(state.get_memory_blocks(pod.uid, init.name) or ())
            if not init_blocks:
                continue
            for i, b in enumerate(init_blocks):
                if b.size == 0 or b.type != cblock.type:
                    continue
                if new_bitmask(*b.numa_affinity) != new_bitmask(*cblock.numa_affinity):
                    continue
                if b.size > size:
                    init_blocks[i] = Block(b.numa_affinity, b.type, b.size - size)
                    size = 0
                else:
                    size -= b.size
                    init_blocks[i] = Block(b.numa_affinity, b.type, 0)
            state.set_memory_blocks(pod.uid, init.name, init_blocks)
