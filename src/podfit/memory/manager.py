"""The Memory Manager around its policy: building it (or the kubelet's refusal to start), and the
steps that change what the policy accounts.

Mirrors: pkg/kubelet/cm/memorymanager/memory_manager.go ``NewManager`` (with
``getSystemReservedMemory``), ``AddContainer`` (earlier regular init containers are released once
a later container starts) and ``GetMemoryNUMANodes``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Protocol

from podfit.memory.policy_none import NonePolicy
from podfit.memory.policy_static import FeatureGateReader, StaticPolicy, new_policy_static
from podfit.memory.reserved import get_system_reserved_memory
from podfit.memory.state import MemoryState
from podfit.model.admission import REFUSAL_MEMORY_MANAGER, ConfigRefusal
from podfit.model.gotext import go_quote
from podfit.model.kubelet_config import ReservedMemory
from podfit.model.machine import Machine
from podfit.model.pod import Container, Pod

__all__ = ["ContainerRemover", "add_container", "get_memory_numa_nodes", "new_memory_policy"]

POLICY_NONE: Final = "None"
POLICY_STATIC: Final = "Static"
POLICY_BEST_EFFORT: Final = "BestEffort"


def new_memory_policy(
    machine: Machine,
    policy_name: str,
    reservation: Mapping[str, int],
    reservation_formats: Mapping[str, str],
    reserved_memory: Sequence[ReservedMemory],
    gates: FeatureGateReader,
    restore_fixes: bool = False,
) -> StaticPolicy | NonePolicy | ConfigRefusal:
    """The Memory Manager's policy on a Linux node, or the kubelet's refusal. ``restore_fixes``:
    the release's restart re-admission fixes (``StaticPolicy.restore_fixes``).

    ``reservation``: the node-allocatable reservation (kube + system reserved + hard eviction) per
    resource, and the Quantity format of each sum (the refusal texts print them).

    Mirrors: memorymanager/memory_manager.go NewManager (Linux) and getSystemReservedMemory
    """
    if policy_name == POLICY_NONE:
        return NonePolicy()
    if policy_name == POLICY_BEST_EFFORT:
        return ConfigRefusal(
            REFUSAL_MEMORY_MANAGER, 'policy "BestEffort" is not available for platform "linux"'
        )
    if policy_name != POLICY_STATIC:
        return ConfigRefusal(REFUSAL_MEMORY_MANAGER, f"unknown policy: {go_quote(policy_name)}")
    reserved, err = get_system_reserved_memory(machine, reservation, reserved_memory, reservation_formats)
    if err is not None or reserved is None:
        return ConfigRefusal(REFUSAL_MEMORY_MANAGER, err or "no reserved memory")
    policy, err = new_policy_static(machine, reserved, gates, restore_fixes)
    if err is not None or policy is None:
        return ConfigRefusal(REFUSAL_MEMORY_MANAGER, err or "memory manager refused to start")
    return policy


class ContainerRemover(Protocol):
    """A policy's ``remove_container`` (Static or None)."""

    def remove_container(self, state: MemoryState, pod_uid: str, container_name: str) -> None: ...


def add_container(policy: ContainerRemover, state: MemoryState, pod: Pod, container: Container) -> None:
    """A container starts: every regular init container before it has finished, so its memory is
    released (restartable init containers keep theirs). For a pod allocated at pod level
    (KEP-5526) the policy's ``remove_container`` only drops the init container's entry: its
    memory is part of the pod budget, released with the pod's last container entry.

    Mirrors: memorymanager/memory_manager.go AddContainer
    """
    for init in pod.init_containers:
        if init.name == container.name:
            break
        if init.kind == "sidecar":
            continue
        policy.remove_container(state, pod.uid, init.name)


def get_memory_numa_nodes(state: MemoryState, pod_uid: str, container_name: str) -> frozenset[int] | None:
    """The NUMA nodes of the container's blocks (``None`` when it has none).

    Mirrors: memorymanager/memory_manager.go GetMemoryNUMANodes
    """
    blocks = state.get_memory_blocks(pod_uid, container_name) or ()
    nodes = frozenset(n for b in blocks for n in b.numa_affinity)
    return nodes or None
