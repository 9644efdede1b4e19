"""podfit.memory: the kubelet Memory Manager (``Static`` and ``None`` policies)."""

from podfit.memory.machine_state import (
    SystemReservedMemory,
    get_default_machine_state,
    hugepage_resource_name,
)
from podfit.memory.manager import add_container, get_memory_numa_nodes
from podfit.memory.policy_none import NonePolicy
from podfit.memory.policy_static import StaticPolicy, new_policy_static
from podfit.memory.reserved import get_system_reserved_memory
from podfit.memory.state import Block, MemorySnapshot, MemoryState, MemoryTable, NUMANodeMap, NUMANodeState

__all__ = [
    "Block",
    "MemorySnapshot",
    "MemoryState",
    "MemoryTable",
    "NUMANodeMap",
    "NUMANodeState",
    "NonePolicy",
    "StaticPolicy",
    "SystemReservedMemory",
    "add_container",
    "get_default_machine_state",
    "get_memory_numa_nodes",
    "get_system_reserved_memory",
    "hugepage_resource_name",
    "new_policy_static",
]
