"""Building :class:`~podfit.model.machine.Machine` values from a scenario's ``node`` mapping.

Forms (exactly one per node; see ``docs/machines.md``):

* ``machine: {sockets, numaNodesPerSocket, coresPerNUMANode, threadsPerCore, ...}`` - a synthetic
  machine numbered the Linux way (scenario-format.md, "Synthetic machine numbering");
* ``machine: {preset: <name>, <overrides>}`` or ``preset: <name>`` - a named preset
  (:mod:`podfit.api.presets`);
* ``cpus: [...]`` (+ ``numaNodes``, ``numaDistances``, ``devices``) - an explicit CPU table, the form
  ``podfit capture`` writes and :func:`machine_to_dict` returns;
* ``sysfs: <Machine>`` - a tree the io layer (:mod:`podfit.io.sysfs`) already read.

Errors are :class:`~podfit.errors.InputError` with the field path relative to ``node``
(the scenario loader prepends ``node``). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from podfit.api.machine_values import (
    GI,
    MI,
    check_distances,
    decode_devices,
    format_bytes,
    hugepage_table,
    integer,
    quantity_bytes,
)
from podfit.errors import InputError
from podfit.model.gotext import json_text
from podfit.model.machine import CPUInfo, DeviceGroup, Machine, NUMANode

__all__ = [
    "DEFAULT_MEMORY_PER_NUMA",
    "MAX_NUMA_NODES",
    "machine_from_synthetic",
    "machine_from_table",
    "machine_to_dict",
    "synthetic_machine",
]

MAX_NUMA_NODES: Final = 64  # NUMA masks are 64-bit in the Topology Manager (bitmask.BitMask)
MAX_CPUS: Final = 16384
DEFAULT_MEMORY_PER_NUMA: Final = 64 * GI

SYNTHETIC_KEYS: Final = {
    "sockets",
    "numaNodesPerSocket",
    "coresPerNUMANode",
    "threadsPerCore",
    "memoryPerNUMANode",
    "hugepages2MiPerNUMANode",
    "hugepages1GiPerNUMANode",
    "uncoreCachesPerNUMANode",
    "numaDistances",
    "devices",
}
PRESET_OVERRIDE_KEYS: Final = {
    "preset",
    "memoryPerNUMANode",
    "hugepages2MiPerNUMANode",
    "hugepages1GiPerNUMANode",
    "devices",
}
FORMS: Final = ("machine", "preset", "cpus", "sysfs")


def synthetic_machine(
    *,
    sockets: int = 1,
    numa_nodes_per_socket: int = 1,
    cores_per_numa_node: int,
    threads_per_core: int = 1,
    memory_per_numa_node: int = DEFAULT_MEMORY_PER_NUMA,
    hugepages_2mi_per_numa_node: int = 0,
    hugepages_1gi_per_numa_node: int = 0,
    uncore_caches_per_numa_node: int = 1,
    uncore_per_socket: bool = False,
    distances: tuple[tuple[int, ...], ...] | None = None,
    devices: tuple[DeviceGroup, ...] = (),
    name: str = "",
) -> Machine:
    """The synthetic machine, numbered as scenario-format.md says (arguments already validated).

    With ``T`` physical cores: NUMA id ``s*nps + n``, core ``g = numa*cores + k``, thread ``t`` of
    core ``g`` is CPU ``t*T + g`` (core id ``g``, its lowest thread). Uncore caches split a NUMA
    node's cores into equal consecutive groups numbered globally (``numa*U + k // (cores/U)``), one
    group per NUMA node included: every core carries its L3 group, as in the ``MachineInfo`` the
    kubelet oracle hands to ``topology.Discover``. ``uncore_per_socket``: one L3 per socket instead
    (the uncore id is the socket id), for the presets whose L3 spans a socket.
    """
    numa_count = sockets * numa_nodes_per_socket
    total_cores = numa_count * cores_per_numa_node
    group = cores_per_numa_node // uncore_caches_per_numa_node
    cpus: list[CPUInfo] = []
    for numa in range(numa_count):
        socket = numa // numa_nodes_per_socket
        for k in range(cores_per_numa_node):
            g = numa * cores_per_numa_node + k
            uncore = socket if uncore_per_socket else numa * uncore_caches_per_numa_node + k // group
            for t in range(threads_per_core):
                cpus.append(CPUInfo(cpu=t * total_cores + g, core=g, socket=socket, numa=numa, uncore=uncore))
    cpus.sort(key=lambda c: c.cpu)
    hugepages = ((2 * MI, hugepages_2mi_per_numa_node // (2 * MI)), (GI, hugepages_1gi_per_numa_node // GI))
    nodes = tuple(NUMANode(id=n, memory=memory_per_numa_node, hugepages=hugepages) for n in range(numa_count))
    return Machine(cpus=tuple(cpus), numa_nodes=nodes, distances=distances, devices=devices, name=name)


def _positive(spec: Mapping[str, Any], key: str, default: int | None) -> int:
    if key not in spec:
        if default is None:
            raise InputError(key, "required field is missing")
        return default
    value = integer(spec[key], key)
    if value <= 0:
        raise InputError(key, "must be a positive integer")
    return value


def _hugepage_bytes(spec: Mapping[str, Any], key: str, page: int, page_name: str) -> int:
    value = quantity_bytes(spec.get(key, 0), key)
    if value % page:
        raise InputError(key, f"{format_bytes(value)} is not a multiple of the {page_name} page size")
    return value


def machine_from_synthetic(spec: Mapping[str, Any], name: str = "") -> Machine:
    """A synthetic machine from the ``node.machine`` mapping (field paths relative to it)."""
    if not isinstance(spec, Mapping):
        raise InputError("", f"expected an object, got {json_text(spec)}")
    for key in spec:
        if key not in SYNTHETIC_KEYS:
            raise InputError(str(key), "unknown field")
    sockets = _positive(spec, "sockets", 1)
    nps = _positive(spec, "numaNodesPerSocket", 1)
    cores = _positive(spec, "coresPerNUMANode", None)
    threads = _positive(spec, "threadsPerCore", None)
    uncores = _positive(spec, "uncoreCachesPerNUMANode", 1)
    if sockets * nps > MAX_NUMA_NODES:
        raise InputError(
            "numaNodesPerSocket",
            f"{sockets} sockets x {nps} NUMA nodes = {sockets * nps} NUMA nodes, more than {MAX_NUMA_NODES}",
        )
    if sockets * nps * cores * threads > MAX_CPUS:
        raise InputError("coresPerNUMANode", f"the machine would have more than {MAX_CPUS} CPUs")
    if cores % uncores:
        raise InputError(
            "uncoreCachesPerNUMANode",
            f"{cores} cores per NUMA node cannot be split into {uncores} equal uncore cache groups",
        )
    memory = quantity_bytes(spec.get("memoryPerNUMANode", DEFAULT_MEMORY_PER_NUMA), "memoryPerNUMANode")
    huge2 = _hugepage_bytes(spec, "hugepages2MiPerNUMANode", 2 * MI, "2Mi")
    huge1 = _hugepage_bytes(spec, "hugepages1GiPerNUMANode", GI, "1Gi")
    if huge2 + huge1 > memory:
        raise InputError(
            "memoryPerNUMANode",
            f"{format_bytes(memory)} is less than the hugepages ({format_bytes(huge2 + huge1)})",
        )
    n = sockets * nps
    distances = (
        check_distances(spec["numaDistances"], n, "numaDistances") if "numaDistances" in spec else None
    )
    devices = decode_devices(spec.get("devices", []), set(range(n)), "devices")
    return synthetic_machine(
        sockets=sockets,
        numa_nodes_per_socket=nps,
        cores_per_numa_node=cores,
        threads_per_core=threads,
        memory_per_numa_node=memory,
        hugepages_2mi_per_numa_node=huge2,
        hugepages_1gi_per_numa_node=huge1,
        uncore_caches_per_numa_node=uncores,
        distances=distances,
        devices=devices,
        name=name,
    )


# ----- explicit table -------------------------------------------------------------------------
CPU_ROW_KEYS: Final = ("cpu", "core", "socket", "numa", "uncore")
NUMA_KEYS: Final = {"id", "memory", "hugepages"}


def _cpu_row(row: Any, field: str) -> CPUInfo:
    if isinstance(row, Mapping):
        for key in row:
            if key not in CPU_ROW_KEYS:
                raise InputError(f"{field}.{key}", "unknown field")
        values: dict[str, int] = {}
        for key in CPU_ROW_KEYS[:4]:
            if key not in row:
                raise InputError(f"{field}.{key}", "required field is missing")
            values[key] = integer(row[key], f"{field}.{key}")
        if "uncore" in row:
            values["uncore"] = integer(row["uncore"], f"{field}.uncore")
        where = {k: f"{field}.{k}" for k in values}
    elif isinstance(row, Sequence) and not isinstance(row, str) and len(row) in (4, 5):
        values = {
            k: integer(v, f"{field}[{i}]") for i, (k, v) in enumerate(zip(CPU_ROW_KEYS, row, strict=False))
        }
        where = {k: f"{field}[{i}]" for i, k in enumerate(CPU_ROW_KEYS)}
    else:
        raise InputError(
            field, "expected {cpu, core, socket, numa[, uncore]} or [cpu, core, socket, numa[, uncore]]"
        )
    for key, value in values.items():
        if value < 0:
            raise InputError(where[key], "must not be negative")
    if values["numa"] >= MAX_NUMA_NODES:
        raise InputError(where["numa"], f"NUMA ids must be below {MAX_NUMA_NODES}")
    # No L3 information: the kubelet falls back to the socket id (topology.go getUncoreCacheID).
    values.setdefault("uncore", values["socket"])
    return CPUInfo(**values)


def _numa_node(entry: Any, field: str) -> NUMANode:
    if not isinstance(entry, Mapping):
        raise InputError(field, "expected {id, memory, hugepages}")
    for key in entry:
        if key not in NUMA_KEYS:
            raise InputError(f"{field}.{key}", "unknown field")
    if "id" not in entry:
        raise InputError(f"{field}.id", "required field is missing")
    numa_id = integer(entry["id"], f"{field}.id")
    if not 0 <= numa_id < MAX_NUMA_NODES:
        raise InputError(f"{field}.id", f"NUMA ids must be between 0 and {MAX_NUMA_NODES - 1}")
    memory = quantity_bytes(entry.get("memory", DEFAULT_MEMORY_PER_NUMA), f"{field}.memory")
    hugepages = hugepage_table(entry.get("hugepages", {}), f"{field}.hugepages")
    if sum(size * count for size, count in hugepages) > memory:
        raise InputError(f"{field}.hugepages", "hugepages exceed the node's memory")
    return NUMANode(id=numa_id, memory=memory, hugepages=hugepages)


def machine_from_table(
    cpus: Any,
    numa_nodes: Any = None,
    distances: Any = None,
    devices: Any = None,
    name: str = "",
) -> Machine:
    """A machine from an explicit CPU table (field paths ``cpus[i].core``, ``numaNodes[j].memory``...).

    ``numa_nodes`` may be left out: every NUMA id the CPUs name then gets 64Gi and no hugepages.
    A core id must stay on one socket and one NUMA node. Core ids are taken as given (the
    kubelet uses the lowest thread id, which the synthetic, preset and sysfs forms produce).
    """
    if not isinstance(cpus, Sequence) or isinstance(cpus, str) or not cpus:
        raise InputError("cpus", "expected a non-empty list of CPUs")
    if len(cpus) > MAX_CPUS:
        raise InputError("cpus", f"more than {MAX_CPUS} CPUs")
    rows: dict[int, CPUInfo] = {}
    order: list[CPUInfo] = []
    core_home: dict[int, tuple[int, int, int]] = {}
    for i, raw in enumerate(cpus):
        field = f"cpus[{i}]"
        info = _cpu_row(raw, field)
        if info.cpu in rows:
            raise InputError(field, f"duplicate CPU id {info.cpu}")
        home = core_home.setdefault(info.core, (info.socket, info.numa, info.cpu))
        if home[:2] != (info.socket, info.numa):
            raise InputError(
                field,
                f"core {info.core} of CPU {info.cpu} is on socket {info.socket} / NUMA node {info.numa}, "
                f"but CPU {home[2]} puts it on socket {home[0]} / NUMA node {home[1]}",
            )
        rows[info.cpu] = info
        order.append(info)
    if numa_nodes is None:
        nodes = {c.numa: NUMANode(id=c.numa, memory=DEFAULT_MEMORY_PER_NUMA) for c in rows.values()}
    else:
        if not isinstance(numa_nodes, Sequence) or isinstance(numa_nodes, str):
            raise InputError("numaNodes", "expected a list of NUMA nodes")
        nodes = {}
        for j, raw in enumerate(numa_nodes):
            node = _numa_node(raw, f"numaNodes[{j}]")
            if node.id in nodes:
                raise InputError(f"numaNodes[{j}].id", f"duplicate NUMA node id {node.id}")
            nodes[node.id] = node
        for i, info in enumerate(order):
            if info.numa not in nodes:
                raise InputError(f"cpus[{i}]", f"NUMA node {info.numa} is not listed in numaNodes")
    if len(nodes) > MAX_NUMA_NODES:
        raise InputError("numaNodes", f"more than {MAX_NUMA_NODES} NUMA nodes")
    ordered = tuple(nodes[k] for k in sorted(nodes))
    matrix = None if distances is None else check_distances(distances, len(ordered), "numaDistances")
    groups = decode_devices(devices if devices is not None else [], set(nodes), "devices")
    return Machine(
        cpus=tuple(rows[k] for k in sorted(rows)),
        numa_nodes=ordered,
        distances=matrix,
        devices=groups,
        name=name,
    )


def machine_to_dict(machine: Machine) -> dict[str, Any]:
    """The explicit-table form of ``machine``: ``build_machine(machine_to_dict(m)) == m``
    (except ``name`` and ``memory_capacity``, which the table form does not carry)."""
    out: dict[str, Any] = {
        "cpus": [
            {"cpu": c.cpu, "core": c.core, "socket": c.socket, "numa": c.numa, "uncore": c.uncore}
            for c in machine.cpus
        ],
        "numaNodes": [
            {
                "id": n.id,
                "memory": format_bytes(n.memory),
                "hugepages": {format_bytes(size): format_bytes(size * count) for size, count in n.hugepages},
            }
            for n in machine.numa_nodes
        ],
    }
    if machine.distances is not None:
        out["numaDistances"] = [list(row) for row in machine.distances]
    if machine.devices:
        out["devices"] = [
            {"resource": d.resource, "numaNode": d.numa, "count": d.count} for d in machine.devices
        ]
    return out
