"""A scenario's ``node`` mapping → a :class:`~podfit.model.machine.Machine`: one of the machine
forms (synthetic shape, preset, explicit CPU table, a sysfs tree already read), plus devices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from podfit.model.gotext import json_type
from podfit.model.machine import DeviceGroup, Machine

__all__ = ["build_machine", "override_machine", "parse_device_flag"]


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
        raise InputError("machine", f"expected an object, got {json_type(spec)}")
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


def parse_device_flag(text: str, field: str = "--device") -> dict[str, Any]:
    """``RESOURCE=NUMA:COUNT`` (``NUMA`` ``-`` or ``none``: no NUMA affinity) as a ``devices`` entry."""
    resource, sep, rest = text.partition("=")
    numa, sep2, count = rest.partition(":")
    if not sep or not sep2 or not resource or not count:
        raise InputError(field, f'"{text}" is not of the form RESOURCE=NUMA:COUNT (e.g. nvidia.com/gpu=0:2)')
    entry: dict[str, Any] = {"resource": resource, "numaNode": None}
    if numa not in ("-", "none", ""):
        if not numa.isdigit():
            raise InputError(field, f'"{text}": NUMA must be a NUMA node id, or - for none')
        entry["numaNode"] = int(numa)
    if not count.isdigit():
        raise InputError(field, f'"{text}": COUNT must be a positive integer')
    entry["count"] = int(count)
    return entry


def override_machine(
    machine: Machine,
    *,
    memory_per_numa: str | None = None,
    hugepages_2mi_per_numa: str | None = None,
    hugepages_1gi_per_numa: str | None = None,
    devices: Sequence[str] = (),
) -> Machine:
    """What the command line says of the machine that no preset or capture knows: memory and
    hugepages per NUMA node (set on every NUMA node that has CPUs, as for presets) and devices
    (``RESOURCE=NUMA:COUNT`` entries replace the machine's devices of that resource)."""
    spec: dict[str, Any] = {}
    names = {
        "memoryPerNUMANode": ("--memory-per-numa", memory_per_numa),
        "hugepages2MiPerNUMANode": ("--hugepages-2Mi-per-numa", hugepages_2mi_per_numa),
        "hugepages1GiPerNUMANode": ("--hugepages-1Gi-per-numa", hugepages_1gi_per_numa),
    }
    for key, (_, value) in names.items():
        if value is not None:
            spec[key] = value
    if spec:
        try:
            changed = apply_overrides(machine, spec)
        except InputError as exc:
            flag = names.get(exc.field, (exc.field, None))[0]
            raise InputError(flag, exc.message) from None
        capacity = None if "memoryPerNUMANode" in spec else machine.memory_capacity
        machine = Machine(
            changed.cpus, changed.numa_nodes, changed.distances, changed.devices, capacity, changed.name
        )
    if devices:
        entries = [parse_device_flag(d) for d in devices]
        try:
            given = decode_devices(entries, set(machine.numa_ids), "--device")
        except InputError as exc:
            i = int(exc.field.split("[", 1)[1].split("]", 1)[0]) if "[" in exc.field else 0
            raise InputError("--device", f'"{devices[i]}": {exc.message}') from None
        replaced = {g.resource for g in given}
        kept: list[DeviceGroup] = [g for g in machine.devices if g.resource not in replaced]
        machine = Machine(
            machine.cpus,
            machine.numa_nodes,
            machine.distances,
            (*kept, *given),
            machine.memory_capacity,
            machine.name,
        )
    return machine
