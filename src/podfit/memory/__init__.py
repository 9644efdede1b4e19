"""podfit.memory: the kubelet Memory Manager (``Static`` and ``None`` policies), v1.36."""

from podfit.memory.errors import (
    ERROR_REASON_EMPTY_POD_SHARED_POOL,
    AllocationResult,
    EmptyPodSharedPoolError,
    admission_error,
)
from podfit.memory.machine_state import (
    SystemReservedMemory,
    get_default_machine_state,
    hugepage_resource_name,
)
from podfit.memory.manager import add_container, get_memory_numa_nodes
from podfit.memory.policy_none import NonePolicy
from podfit.memory.policy_static import StaticPolicy, get_pod_admit_result, new_policy_static
from podfit.memory.reserved import get_system_reserved_memory
from podfit.memory.state import Block, MemorySnapshot, MemoryState, MemoryTable, NUMANodeMap, NUMANodeState

__all__ = [
    "ERROR_REASON_EMPTY_POD_SHARED_POOL",
    "AllocationResult",
    "Block",
    "EmptyPodSharedPoolError",
    "MemorySnapshot",
    "MemoryState",
    "MemoryTable",
    "NUMANodeMap",
    "NUMANodeState",
    "NonePolicy",
    "StaticPolicy",
    "SystemReservedMemory",
    "add_container",
    "admission_error",
    "get_default_machine_state",
    "get_memory_numa_nodes",
    "get_pod_admit_result",
    "get_system_reserved_memory",
    "hugepage_resource_name",
    "new_policy_static",
]
