"""The kubelet's ``--reserved-memory`` (``reservedMemory``): validation against Node Allocatable and
conversion to the per-NUMA system-reserved table of the Static policy.

Mirrors: pkg/kubelet/cm/memorymanager/memory_manager.go (v1.36, index id 144290491)
``convertReserved``, ``getSystemReservedMemory``; the validation (``getTotalMemoryTypeReserved``,
``validateReservedMemory``) is shared with the start-up checks in :mod:`podfit.model.startup`.
Errors come back as ``(None, message)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from podfit.memory.machine_state import SystemReservedMemory
from podfit.model.kubelet_config import ReservedMemory
from podfit.model.machine import Machine
from podfit.model.startup import validate_reserved_memory

__all__ = ["MemoryReservation", "get_system_reserved_memory", "validate_reserved_memory"]


MemoryReservation = ReservedMemory  # one ``reservedMemory`` entry


def get_system_reserved_memory(
    machine: Machine,
    node_allocatable_reservation: Mapping[str, int],
    reserved_memory: Sequence[MemoryReservation],
    allocatable_formats: Mapping[str, str] | None = None,
) -> tuple[SystemReservedMemory | None, str | None]:
    """Validate, then convert to NUMA id -> resource -> bytes (every machine node present; a later
    entry for the same node and resource overrides an earlier one).

    Mirrors: memorymanager/memory_manager.go getSystemReservedMemory / convertReserved (v1.36)
    """
    err = validate_reserved_memory(
        machine.numa_ids, node_allocatable_reservation, allocatable_formats or {}, reserved_memory
    )
    if err is not None:
        return None, err
    out: dict[int, dict[str, int]] = {node.id: {} for node in machine.numa_nodes}
    for r in reserved_memory:
        for name, value in r.limits.items():
            out.setdefault(r.numa_node, {})[name] = value
    return out, None
