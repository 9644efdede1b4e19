"""The kubelet's machine-dependent start-up refusals: reserved CPUs that are not on the machine,
and what the Topology, CPU and Memory Managers refuse when they are built (in that order, as
the container manager builds them).

Mirrors: cmd/kubelet/app/server.go getReservedCPUs, pkg/kubelet/cm/node_container_manager_linux.go
GetNodeAllocatableReservation / hardEvictionReservation, topologymanager/topology_manager.go
NewManager, cpumanager/cpu_manager.go NewManager + policy_static.go NewStaticPolicy +
policy_options.go ValidateStaticPolicyOptions, memorymanager/memory_manager.go NewManager +
getSystemReservedMemory + policy_static.go NewPolicyStatic (v1.36).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from podfit.model.cpuset import format_cpuset, size
from podfit.model.kubelet_config import KubeletConfig, ReservedMemory
from podfit.model.kubelet_config_validation import (
    CONFIG_INVALID,
    ConfigRefusal,
    go_quote,
    validate_kubelet_config,
)
from podfit.model.machine import Machine
from podfit.model.pod import hugepage_resource_name
from podfit.model.policy_options import (
    ALIGN_BY_SOCKET,
    PolicyOptionError,
    parse_cpu_manager_options,
    parse_topology_manager_options,
)
from podfit.model.quantity import Quantity

__all__ = [
    "CPU_MANAGER_ERROR",
    "MEMORY_MANAGER_ERROR",
    "TOPOLOGY_MANAGER_ERROR",
    "cpu_manager_refusal",
    "format_quantity",
    "kubelet_refusal",
    "memory_manager_error",
    "node_allocatable_reservation",
    "num_reserved_cpus",
    "startup_refusal",
    "static_policy_error",
    "validate_reserved_memory",
]

TOPOLOGY_MANAGER_ERROR: Final = "TopologyManagerError"
CPU_MANAGER_ERROR: Final = "CPUManagerError"
MEMORY_MANAGER_ERROR: Final = "MemoryManagerError"


def format_quantity(value: int, fmt: str = "DecimalSI") -> str:
    """resource.Quantity.String() of an integer value held in format ``fmt`` (canonical form).

    Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.String (v1.36).
    """
    return str(Quantity(value, 0, fmt))


def _reserved_cpu_overrides(cfg: KubeletConfig) -> tuple[Mapping[str, int], Mapping[str, int]]:
    """kube/system reserved after --reserved-cpus overwrote their cpu (server.go)."""
    kube = dict(cfg.kube_reserved)
    system = dict(cfg.system_reserved)
    if cfg.reserved_system_cpus:
        kube.pop("cpu", None)
        system["cpu"] = size(cfg.reserved_system_cpus) * 1000
    return kube, system


def node_allocatable_reservation(
    cfg: KubeletConfig, machine: Machine
) -> tuple[dict[str, int], dict[str, str]]:
    """system-reserved + kube-reserved + hard eviction, per capacity resource, zeros left out
    (cpu in millicores, memory/hugepages in bytes), and the Quantity format of each sum.

    Mirrors: pkg/kubelet/cm/node_container_manager_linux.go GetNodeAllocatableReservation (v1.36).
    """
    kube, system = _reserved_cpu_overrides(cfg)
    capacity: dict[str, int] = {"cpu": machine.num_cpus * 1000, "memory": machine.total_memory}
    for page in machine.hugepage_sizes:
        name = hugepage_resource_name(page)
        capacity[name] = sum(n.hugepage_bytes(page) for n in machine.numa_nodes)
    eviction: dict[str, tuple[int, str]] = {}
    threshold = cfg.eviction_hard.get("memory.available")
    if threshold is not None:
        fmt = threshold.quantity_format if threshold.quantity is not None else "BinarySI"
        eviction["memory"] = (threshold.amount(capacity["memory"]), fmt)
    values: dict[str, int] = {}
    formats: dict[str, str] = {}
    for res in capacity:
        total, fmt = 0, ""
        addends = (
            (system.get(res, 0), cfg.system_reserved_formats.get(res, "DecimalSI")),
            (kube.get(res, 0), cfg.kube_reserved_formats.get(res, "DecimalSI")),
            eviction.get(res, (0, "")),
        )
        for amount, amount_fmt in addends:
            if total == 0 and amount:
                fmt = amount_fmt
            total += amount
        if total:
            values[res] = total
            formats[res] = fmt or "DecimalSI"
    return values, formats


def num_reserved_cpus(cfg: KubeletConfig, machine: Machine) -> int | None:
    """ceil(reserved cpu millicores / 1000), or None when no CPU is reserved (cpu_manager.go)."""
    milli = node_allocatable_reservation(cfg, machine)[0].get("cpu")
    return None if milli is None else -(-milli // 1000)


def _topology_manager(cfg: KubeletConfig, machine: Machine) -> ConfigRefusal | None:
    """Mirrors: topologymanager/topology_manager.go NewManager (v1.36)."""
    try:
        opts = parse_topology_manager_options(cfg.topology_manager_policy_options, cfg.feature_gates)
    except PolicyOptionError as exc:
        return ConfigRefusal(TOPOLOGY_MANAGER_ERROR, str(exc))
    if cfg.topology_manager_policy != "none" and machine.num_numa_nodes > opts.max_allowable_numa_nodes:
        return ConfigRefusal(
            TOPOLOGY_MANAGER_ERROR,
            f"unsupported on machines with more than {opts.max_allowable_numa_nodes} NUMA Nodes",
        )
    if cfg.topology_manager_policy not in ("none", "best-effort", "restricted", "single-numa-node"):
        return ConfigRefusal(TOPOLOGY_MANAGER_ERROR, f'unknown policy: "{cfg.topology_manager_policy}"')
    if cfg.topology_manager_scope not in ("container", "pod"):
        return ConfigRefusal(TOPOLOGY_MANAGER_ERROR, f'unknown Scope: "{cfg.topology_manager_scope}"')
    return None


def _go_map(m: Mapping[str, str]) -> str:
    return "map[" + " ".join(f"{k}:{m[k]}" for k in sorted(m)) + "]"


def _cpu_manager(cfg: KubeletConfig, machine: Machine) -> ConfigRefusal | None:
    return cpu_manager_refusal(cfg, machine, node_allocatable_reservation(cfg, machine)[0])


def cpu_manager_refusal(
    cfg: KubeletConfig, machine: Machine, reservation: Mapping[str, int]
) -> ConfigRefusal | None:
    """Mirrors: cpumanager/cpu_manager.go NewManager and policy_static.go NewStaticPolicy (v1.36).

    Which CPUs are reserved (takeByTopology) is decided elsewhere; only the count can fail here.
    """
    policy = cfg.cpu_manager_policy
    if policy == "none":
        if cfg.cpu_manager_policy_options:
            return ConfigRefusal(
                CPU_MANAGER_ERROR,
                "new none policy error: None policy: received unsupported "
                f"options={_go_map(cfg.cpu_manager_policy_options)}",
            )
        return None
    if policy != "static":
        return ConfigRefusal(CPU_MANAGER_ERROR, f'unknown policy: "{policy}"')
    milli = reservation.get("cpu")
    if milli is None:
        return ConfigRefusal(
            CPU_MANAGER_ERROR, "[cpumanager] unable to determine reserved CPU resources for static policy"
        )
    if milli == 0:
        return ConfigRefusal(
            CPU_MANAGER_ERROR,
            "[cpumanager] the static policy requires systemreserved.cpu + kubereserved.cpu "
            "to be greater than zero",
        )
    num_reserved = -(-milli // 1000)
    try:
        opts = parse_cpu_manager_options(cfg.cpu_manager_policy_options, cfg.feature_gates)
    except PolicyOptionError as exc:
        return ConfigRefusal(CPU_MANAGER_ERROR, f"new static policy error: {exc}")
    if opts.align_by_socket:
        if cfg.topology_manager_policy == "single-numa-node":
            return ConfigRefusal(
                CPU_MANAGER_ERROR,
                "new static policy error: Topolgy manager single-numa-node policy is incompatible with "
                f"CPUManager {ALIGN_BY_SOCKET} policy option",
            )
        if machine.num_sockets > machine.num_numa_nodes_with_cpus:
            return ConfigRefusal(
                CPU_MANAGER_ERROR,
                "new static policy error: Align by socket is not compatible with hardware where number of "
                "sockets are more than number of NUMA",
            )
    if cfg.reserved_system_cpus:
        reserved_size, reserved_text = size(cfg.reserved_system_cpus), format_cpuset(cfg.reserved_system_cpus)
    elif num_reserved <= machine.num_cpus:
        reserved_size, reserved_text = num_reserved, ""
    else:
        reserved_size, reserved_text = 0, ""
    if reserved_size != num_reserved:
        return ConfigRefusal(
            CPU_MANAGER_ERROR,
            "new static policy error: [cpumanager] unable to reserve the required amount of CPUs "
            f"(size of {reserved_text} did not equal {num_reserved})",
        )
    return None


def _memory_manager(cfg: KubeletConfig, machine: Machine) -> ConfigRefusal | None:
    allocatable, formats = node_allocatable_reservation(cfg, machine)
    message = memory_manager_error(
        cfg.memory_manager_policy, machine.numa_ids, allocatable, formats, cfg.reserved_memory
    )
    return None if message is None else ConfigRefusal(MEMORY_MANAGER_ERROR, message)


def memory_manager_error(
    policy: str,
    numa_ids: Iterable[int],
    allocatable: Mapping[str, int],
    allocatable_formats: Mapping[str, str],
    reserved_memory: Sequence[ReservedMemory],
) -> str | None:
    """What building the memory manager refuses (Linux), or None.

    Mirrors: memorymanager/memory_manager.go NewManager + getSystemReservedMemory and
    policy_static.go NewPolicyStatic (v1.36).
    """
    if policy == "None":
        return None
    if policy == "BestEffort":
        return 'policy "BestEffort" is not available for platform "linux"'
    if policy != "Static":
        return f"unknown policy: {go_quote(policy)}"
    message = validate_reserved_memory(numa_ids, allocatable, allocatable_formats, reserved_memory)
    if message is not None:
        return message
    return static_policy_error(reserved_memory)


def static_policy_error(reserved_memory: Iterable[ReservedMemory]) -> str | None:
    """Mirrors: memorymanager/policy_static.go NewPolicyStatic (v1.36): some memory must be reserved."""
    if sum(e.limits.get("memory", 0) for e in reserved_memory) <= 0:
        return "[memorymanager] you should specify the system reserved memory"
    return None


def validate_reserved_memory(
    numa_ids: Iterable[int],
    allocatable: Mapping[str, int],
    allocatable_formats: Mapping[str, str],
    reserved_memory: Iterable[ReservedMemory],
) -> str | None:
    """The memory manager's complaint about ``reservedMemory`` against the node allocatable
    reservation (resource types visited in sorted order), or None.

    Mirrors: memorymanager/memory_manager.go getTotalMemoryTypeReserved + validateReservedMemory (v1.36).
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


def startup_refusal(cfg: KubeletConfig, machine: Machine) -> ConfigRefusal | None:
    """What the kubelet refuses at start-up on ``machine`` (after configuration validation), or None.

    Mirrors: cmd/kubelet/app/server.go getReservedCPUs and the NewManager functions of the
    topology, CPU and memory managers, in the order NewContainerManager calls them (v1.36).
    """
    if cfg.reserved_system_cpus and cfg.reserved_system_cpus & ~machine.all_cpus:
        return ConfigRefusal(
            CONFIG_INVALID,
            f"reserved-cpus: {cfg.reserved_system_cpus_text} is not a subset of online-cpus: "
            f"{format_cpuset(machine.all_cpus)}",
        )
    for check in (_topology_manager, _cpu_manager, _memory_manager):
        refusal = check(cfg, machine)
        if refusal is not None:
            return refusal
    return None


def kubelet_refusal(cfg: KubeletConfig, machine: Machine) -> ConfigRefusal | None:
    """Configuration validation, then the start-up checks: the first refusal, or None."""
    return validate_kubelet_config(cfg) or startup_refusal(cfg, machine)
