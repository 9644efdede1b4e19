"""The kubelet's ``--reserved-memory`` (``reservedMemory``): validation against Node Allocatable and
conversion to the per-NUMA system-reserved table of the Static policy.

Mirrors: pkg/kubelet/cm/memorymanager/memory_manager.go
``convertReserved``, ``getSystemReservedMemory``, ``getTotalMemoryTypeReserved``,
``validateReservedMemory``. Errors come back as ``(None, message)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from podfit.memory.machine_state import SystemReservedMemory
from podfit.model.gotext import go_quote
from podfit.model.kubelet_config import ReservedMemory
from podfit.model.machine import Machine
from podfit.model.quantity import format_quantity

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

    Mirrors: memorymanager/memory_manager.go getSystemReservedMemory / convertReserved
    """
    err = validate_reserved_memory(
        machine.numa_ids, node_allocatable_reservation, allocatable_formats or {}, reserved_memory
    )
    if err is not None:
        return None, err
    out: dict[int, dict[str, int]] = {numa_node.id: {} for numa_node in machine.numa_nodes}
    for r in reserved_memory:
        for name, value in r.limits.items():
            out.setdefault(r.numa_node, {})[name] = value
    return out, None


def validate_reserved_memory(
    numa_ids: Iterable[int],
    allocatable: Mapping[str, int],
    allocatable_formats: Mapping[str, str],
    reserved_memory: Iterable[ReservedMemory],
) -> str | None:
    """The memory manager's complaint about ``reservedMemory`` against the node allocatable
    reservation (resource types visited in sorted order), or None.

    Mirrors: memorymanager/memory_manager.go getTotalMemoryTypeReserved + validateReservedMemory.
    """
    nodes = set(numa_ids)
    totals: dict[str, int] = {}
    total_formats: dict[str, str] = {}
    for entry in reserved_memory:
        if entry.numa_node not in nodes:
            return (
                f"the reserved memory configuration references a NUMA node {entry.numa_node} that does not "
                "exist on this machine"
            )
        for res, amount in entry.limits.items():
            if not totals.get(res) and amount:
                total_formats[res] = entry.formats.get(res, "DecimalSI")
            totals[res] = totals.get(res, 0) + amount
    kinds = set(totals) | {r for r in allocatable if r == "memory" or r.startswith("hugepages-")}
    for res in sorted(kinds):
        expected = allocatable.get(res, 0)
        reserved = totals.get(res, 0)
        if expected != reserved:
            total_text = go_quote(format_quantity(reserved, total_formats.get(res, "DecimalSI")))
            expected_text = go_quote(format_quantity(expected, allocatable_formats.get(res, "DecimalSI")))
            return (
                f"the total amount {total_text} of type {go_quote(res)} is not equal to the value "
                f"{expected_text} determined by Node Allocatable feature"
            )
    return None
