"""A scenario's ``node`` mapping → a :class:`~podfit.model.machine.Machine`: one of the machine
forms (synthetic shape, preset, explicit CPU table, a sysfs tree already read), plus devices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podfit.api.machine_build import (
    FORMS,
    PRESET_OVERRIDE_KEYS,
    machine_from_synthetic,
    machine_from_table,
)
from podfit.api.machine_values import decode_devices
from podfit.api.presets import apply_overrides, preset_machine
from podfit.errors import InputError
from podfit.model.machine import Machine

__all__ = ["build_machine"]


def _with_devices(machine: Machine, node: Mapping[str, Any]) -> Machine:
    if "devices" not in node:
        return machine
    devices = decode_devices(node["devices"], set(machine.numa_ids), "devices")
    return Machine(
        machine.cpus, machine.numa_nodes, machine.distances, devices, machine.memory_capacity, machine.name
    )


def _preset(spec: Mapping[str, Any], prefix: str) -> Machine:
    name = spec["preset"]
    if not isinstance(name, str):
        raise InputError(f"{prefix}preset", "expected a preset name")
    try:
        machine = preset_machine(name)
    except KeyError as exc:
        raise InputError(f"{prefix}preset", str(exc.args[0])) from None
    try:
        return apply_overrides(machine, spec)
    except InputError as exc:
        raise exc.under(prefix.rstrip(".")) from None


def build_machine(node: Mapping[str, Any]) -> Machine:
    """The machine of a scenario's ``node`` mapping (keys ``machine`` | ``preset`` | ``cpus`` (+
    ``numaNodes``, ``numaDistances``) | ``sysfs``, optional ``devices``); errors name fields relative
    to ``node``. ``sysfs`` must already hold a Machine read by :mod:`podfit.io.sysfs`."""
    present = [k for k in FORMS if k in node]
    if len(present) != 1:
        found = ", ".join(present) if present else "none"
        field = present[1] if present else "machine"
        raise InputError(field, f"give exactly one of machine, preset, cpus, sysfs (found: {found})")
    form = present[0]
    if form != "cpus":
        for key in ("numaNodes", "numaDistances"):
            if key in node:
                raise InputError(key, "only allowed with an explicit cpus table")
    if form == "cpus":
        return machine_from_table(
            node["cpus"], node.get("numaNodes"), node.get("numaDistances"), node.get("devices")
        )
    if form == "preset":
        return _with_devices(_preset({"preset": node["preset"]}, ""), node)
    if form == "sysfs":
        machine = node["sysfs"]
        if not isinstance(machine, Machine):
            raise InputError("sysfs", "the sysfs tree must be read by the io layer (podfit.io.sysfs) first")
        return _with_devices(machine, node)
    spec = node["machine"]
    if not isinstance(spec, Mapping):
        raise InputError("machine", f"expected an object, got {type(spec).__name__}")
    if "preset" in spec:
        for key in spec:
            if key not in PRESET_OVERRIDE_KEYS:
                raise InputError(
                    f"machine.{key}", "not allowed with a preset (allowed: memory, hugepages, devices)"
                )
        if "devices" in node:
            raise InputError("devices", "give devices either in machine or in node, not both")
        return _preset(spec, "machine.")
    if "devices" in node and "devices" in spec:
        raise InputError("devices", "give devices either in machine or in node, not both")
    try:
        machine = machine_from_synthetic(spec)
    except InputError as exc:
        raise exc.under("machine") from None
    return _with_devices(machine, node)
