"""The kubelet's ``--reserved-memory`` (``reservedMemory``): validation against Node Allocatable and
conversion to the per-NUMA system-reserved table of the Static policy.

Mirrors: pkg/kubelet/cm/memorymanager/memory_manager.go (v1.36, index id 144290491)
``getTotalMemoryTypeReserved``, ``validateReservedMemory``, ``convertReserved``,
``getSystemReservedMemory``. Errors come back as ``(None, message)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from podfit.memory.machine_state import SystemReservedMemory
from podfit.model.machine import Machine
from podfit.model.pod import RESOURCE_HUGEPAGES_PREFIX, RESOURCE_MEMORY
from podfit.model.pod_validation import format_quantity

__all__ = ["MemoryReservation", "get_system_reserved_memory", "validate_reserved_memory"]


class MemoryReservation(Protocol):
    """One ``reservedMemory`` entry (``podfit.model.kubelet_config.ReservedMemory`` fits)."""

    @property
    def numa_node(self) -> int: ...

    @property
    def limits(self) -> Mapping[str, int]: ...


def _is_memory_type(name: str) -> bool:
    return name == RESOURCE_MEMORY or name.startswith(RESOURCE_HUGEPAGES_PREFIX)


def _format(value: int, fmt: str | None) -> str:
    """``Quantity.String()`` of a byte count in the given format (BinarySI when the value has a
    binary suffix and no format is known)."""
    if fmt is None:
        fmt = "BinarySI" if value % 1024 == 0 else "DecimalSI"
    return format_quantity(RESOURCE_MEMORY, value, binary=fmt == "BinarySI")


def _total_reserved(
    machine: Machine, reserved_memory: Sequence[MemoryReservation]
) -> tuple[dict[str, int], dict[str, str], str | None]:
    """Mirrors: memorymanager/memory_manager.go getTotalMemoryTypeReserved (v1.36)"""
    totals: dict[str, int] = {}
    formats: dict[str, str] = {}
    ids = set(machine.numa_ids)
    for r in reserved_memory:
        if r.numa_node not in ids:
            return (
                {},
                {},
                (
                    f"the reserved memory configuration references a NUMA node {r.numa_node} "
                    "that does not exist on this machine"
                ),
            )
        entry_formats: Mapping[str, str] = getattr(r, "formats", {}) or {}
        for name, value in r.limits.items():
            totals[name] = totals.get(name, 0) + value
            if value != 0 or name not in formats:  # Quantity.Add keeps a non-zero receiver's format
                fmt = entry_formats.get(name)
                if fmt is not None:
                    formats[name] = fmt
    return totals, formats, None


def validate_reserved_memory(
    machine: Machine,
    node_allocatable_reservation: Mapping[str, int],
    reserved_memory: Sequence[MemoryReservation],
    allocatable_formats: Mapping[str, str] | None = None,
) -> str | None:
    """Per memory type, the reserved memory summed over NUMA nodes must equal the Node Allocatable
    reservation (kube-reserved + system-reserved + hard eviction threshold).

    Mirrors: memorymanager/memory_manager.go validateReservedMemory (v1.36). The message prints both
    amounts as ``Quantity.String()``; the format of each side follows the quantities given
    (``allocatable_formats``, the entries' ``formats``), else BinarySI when divisible by 1024.
    """
    totals, formats, err = _total_reserved(machine, reserved_memory)
    if err is not None:
        return err
    types = set(totals) | {n for n in node_allocatable_reservation if _is_memory_type(n)}
    for name in sorted(types):
        allocatable = node_allocatable_reservation.get(name, 0)
        reserved = totals.get(name, 0)
        if allocatable != reserved:
            a_fmt = (allocatable_formats or {}).get(name)
            return (
                f'the total amount "{_format(reserved, formats.get(name))}" of type "{name}" is not equal '
                f'to the value "{_format(allocatable, a_fmt)}" determined by Node Allocatable feature'
            )
    return None


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
        machine, node_allocatable_reservation, reserved_memory, allocatable_formats
    )
    if err is not None:
        return None, err
    out: dict[int, dict[str, int]] = {node.id: {} for node in machine.numa_nodes}
    for r in reserved_memory:
        for name, value in r.limits.items():
            out.setdefault(r.numa_node, {})[name] = value
    return out, None
