"""Human-readable amounts for reports and explanations (not quantities: see :mod:`podfit.model.quantity`)."""

from __future__ import annotations

from typing import Final

__all__ = ["format_bytes"]

_UNITS: Final = (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10))


def format_bytes(n: int) -> str:
    """Bytes in the largest binary unit that fits: whole when exact (``12Gi``), else with one
    decimal (``46.9Gi``, ``1.5Gi``); below 1Ki a plain number."""
    for suffix, size in _UNITS:
        if n >= size:
            return f"{n // size}{suffix}" if n % size == 0 else f"{n / size:.1f}{suffix}"
    return str(n)
