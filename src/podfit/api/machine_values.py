"""Field decoders shared by the machine builders: integers, byte quantities, hugepage tables,
NUMA distance matrices and device groups. Every error is an :class:`InputError` naming the field.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from podfit.errors import InputError
from podfit.model.gotext import json_text
from podfit.model.machine import DeviceGroup
from podfit.model.quantity import QuantityError, parse_quantity

__all__ = [
    "GI",
    "KI",
    "MI",
    "check_distances",
    "decode_devices",
    "format_bytes",
    "hugepage_table",
    "integer",
    "quantity_bytes",
]

KI: Final = 1024
MI: Final = KI * 1024
GI: Final = MI * 1024


def integer(value: Any, field: str) -> int:
    """An integer field (``true``/``false`` and ``2.0`` are refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(field, f"must be an integer, got {json_text(value)}")
    return value


def quantity_bytes(value: Any, field: str) -> int:
    """A non-negative whole number of bytes, from an integer or a Kubernetes quantity (``64Gi``)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(field, f"must be a quantity of bytes (e.g. 64Gi), got {json_text(value)}")
    try:
        q = parse_quantity(str(value))
    except (QuantityError, ValueError):
        raise InputError(field, f'"{value}" is not a valid quantity') from None
    if q.milli_value() % 1000:
        raise InputError(field, f'"{value}" is not a whole number of bytes')
    amount = q.value()
    if amount < 0:
        raise InputError(field, "must not be negative")
    return amount


def format_bytes(n: int) -> str | int:
    """``n`` bytes as the shortest exact binary quantity (``"64Gi"``, ``"2Mi"``), else the integer."""
    if n == 0:
        return 0
    for suffix, unit in (
        ("Ei", GI * GI),
        ("Pi", GI * MI),
        ("Ti", GI * KI),
        ("Gi", GI),
        ("Mi", MI),
        ("Ki", KI),
    ):
        if n % unit == 0:
            return f"{n // unit}{suffix}"
    return n


def hugepage_table(raw: Any, field: str) -> tuple[tuple[int, int], ...]:
    """``{pageSize: bytes}`` (e.g. ``{2Mi: 1Gi, 1Gi: 0}``) -> sorted ``((page size, page count), ...)``."""
    if not isinstance(raw, Mapping):
        raise InputError(field, "expected a map of page size to bytes, e.g. {2Mi: 1Gi}")
    out: dict[int, int] = {}
    for key, value in raw.items():
        where = f"{field}.{key}"
        size = quantity_bytes(key, where)
        if size <= 0 or size % KI:
            raise InputError(where, "a hugepage size must be a positive multiple of 1Ki")
        if size in out:
            raise InputError(where, "page size given twice")
        total = quantity_bytes(value, where)
        if total % size:
            raise InputError(
                where, f"{format_bytes(total)} is not a multiple of the page size {format_bytes(size)}"
            )
        out[size] = total // size
    return tuple(sorted(out.items()))


def check_distances(raw: Any, n: int, field: str) -> tuple[tuple[int, ...], ...]:
    """An ``n``x``n`` symmetric matrix of positive integers (rows in NUMA id order)."""
    if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) != n:
        raise InputError(field, f"expected a {n}x{n} matrix (one row per NUMA node)")
    rows: list[tuple[int, ...]] = []
    for i, row in enumerate(raw):
        if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != n:
            raise InputError(f"{field}[{i}]", f"expected a row of {n} distances")
        values = tuple(integer(v, f"{field}[{i}][{j}]") for j, v in enumerate(row))
        for j, v in enumerate(values):
            if v <= 0:
                raise InputError(f"{field}[{i}][{j}]", "distances must be positive")
        rows.append(values)
    for i in range(n):
        for j in range(i + 1, n):
            if rows[i][j] != rows[j][i]:
                raise InputError(
                    f"{field}[{i}][{j}]", f"the matrix is not symmetric ({rows[i][j]} vs {rows[j][i]})"
                )
    return tuple(rows)


def decode_devices(raw: Any, numa_ids: set[int], field: str) -> tuple[DeviceGroup, ...]:
    """``[{resource, numaNode, count}]``; ``numaNode: null`` means no NUMA affinity."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InputError(field, "expected a list of {resource, numaNode, count}")
    groups: list[DeviceGroup] = []
    for i, entry in enumerate(raw):
        where = f"{field}[{i}]"
        if not isinstance(entry, Mapping):
            raise InputError(where, "expected {resource, numaNode, count}")
        for key in entry:
            if key not in ("resource", "numaNode", "count"):
                raise InputError(f"{where}.{key}", "unknown field")
        resource = entry.get("resource")
        if not isinstance(resource, str) or not resource:
            raise InputError(f"{where}.resource", "expected a resource name such as nvidia.com/gpu")
        numa = entry.get("numaNode")
        if numa is not None:
            numa = integer(numa, f"{where}.numaNode")
            if numa not in numa_ids:
                raise InputError(f"{where}.numaNode", f"the machine has no NUMA node {numa}")
        if "count" not in entry:
            raise InputError(f"{where}.count", "required field is missing")
        count = integer(entry["count"], f"{where}.count")
        if count <= 0:
            raise InputError(f"{where}.count", "must be a positive integer")
        groups.append(DeviceGroup(resource=resource, numa=numa, count=count))
    return tuple(groups)
