"""Node capacity, allocatable, and the kubelet's resource-fit predicate.

Mirrors: kubelet nodestatus ``MachineInfo`` setter (capacity, allocatable = capacity − reservation,
hugepages also subtracted from allocatable memory), cm ``GetNodeAllocatableReservation``
(kube-reserved + system-reserved + hard eviction thresholds; ``reservedSystemCPUs`` overrides the
reserved CPU as cmd/kubelet/app/server.go does), lifecycle ``predicateAdmitHandler``
and scheduler noderesources ``fitsRequest`` (order: pods, cpu, memory, ephemeral-storage, scalar
resources; only the first failure is reported) — v1.36.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from podfit.model.admission import Rejection
from podfit.model.cpuset import size as cpuset_size
from podfit.model.machine import Machine
from podfit.model.pod import hugepage_resource_name

if TYPE_CHECKING:
    from podfit.model.kubelet_config import KubeletConfig

__all__ = [
    "Insufficient",
    "hugepage_resource_name",
    "is_extended_resource_name",
    "node_allocatable",
    "node_allocatable_absolute",
    "node_allocatable_reservation",
    "node_capacity",
    "predicate_admit",
    "predicate_admit_used",
    "subtract",
]

# resources the fit predicate compares as plain numbers (everything else is a "scalar" resource)
_NATIVE: Final = ("cpu", "memory", "ephemeral-storage")


def _reserved_cpu_overrides(cfg: KubeletConfig) -> tuple[Mapping[str, int], Mapping[str, int]]:
    """kube/system reserved after --reserved-cpus overwrote their cpu (server.go)."""
    kube = dict(cfg.kube_reserved)
    system = dict(cfg.system_reserved)
    if cfg.reserved_system_cpus:
        kube.pop("cpu", None)
        system["cpu"] = cpuset_size(cfg.reserved_system_cpus) * 1000
    return kube, system


def node_allocatable_reservation(
    cfg: KubeletConfig, machine: Machine
) -> tuple[dict[str, int], dict[str, str]]:
    """system-reserved + kube-reserved + hard eviction, per capacity resource, zeros left out
    (cpu in millicores, memory/hugepages in bytes), and the Quantity format of each sum.

    Mirrors: pkg/kubelet/cm/node_container_manager_linux.go GetNodeAllocatableReservation.
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


def node_capacity(machine: Machine, config: KubeletConfig) -> dict[str, int]:
    """Node capacity: cpu (millicores), memory and hugepages (bytes), pods, device-plugin resources."""
    cap: dict[str, int] = {"cpu": machine.num_cpus * 1000, "memory": machine.total_memory}
    for size in machine.hugepage_sizes:
        cap[hugepage_resource_name(size)] = sum(n.hugepage_bytes(size) for n in machine.numa_nodes)
    pods = config.max_pods
    if config.pods_per_core > 0:
        pods = min(pods, config.pods_per_core * machine.num_cpus)
    cap["pods"] = pods
    for group in machine.devices:
        cap[group.resource] = cap.get(group.resource, 0) + group.count
    return cap


def node_allocatable(machine: Machine, config: KubeletConfig) -> dict[str, int]:
    """Allocatable = capacity − reservation (≥ 0); memory also loses every hugepage pool."""
    cap = node_capacity(machine, config)
    reserved, _ = node_allocatable_reservation(config, machine)
    alloc = {name: max(value - reserved.get(name, 0), 0) for name, value in cap.items()}
    for name, value in cap.items():
        if name.startswith("hugepages-"):
            alloc["memory"] = max(alloc["memory"] - value, 0)
    return alloc


def node_allocatable_absolute(machine: Machine, config: KubeletConfig) -> dict[str, int]:
    """Capacity − system-reserved − kube-reserved for cpu (millicores) and memory (bytes), ≥ 0:
    without the eviction threshold and without subtracting hugepages (memory.high's base, the
    kubepods cgroup's limits, the 1.34/1.35 resize capacity check).

    Mirrors: cm/node_container_manager_linux.go getNodeAllocatableAbsoluteImpl
    """
    kube, system = _reserved_cpu_overrides(config)
    capacity = {"cpu": machine.num_cpus * 1000, "memory": machine.total_memory}
    return {name: max(value - system.get(name, 0) - kube.get(name, 0), 0) for name, value in capacity.items()}


@dataclass(frozen=True, slots=True)
class Insufficient:
    """The details of a failed resource-fit check: reason ``OutOf<resource>`` and the kubelet's
    message (as a :class:`~podfit.model.admission.Rejection`: :meth:`rejection`)."""

    resource: str
    requested: int
    used: int
    capacity: int

    @property
    def reason(self) -> str:
        return f"OutOf{self.resource}"

    @property
    def message(self) -> str:
        return (
            f"Node didn't have enough resource: {self.resource}, requested: {self.requested}, "
            f"used: {self.used}, capacity: {self.capacity}"
        )

    def rejection(self) -> Rejection:
        """Mirrors: pkg/kubelet/lifecycle/predicate.go (the admit result of an InsufficientResourceError)"""
        return Rejection(self.message, self.reason)


def is_extended_resource_name(name: str) -> bool:
    """Mirrors: pkg/apis/core/v1/helper/helpers.go IsExtendedResourceName: a domain-qualified name
    outside kubernetes.io, not requests.*."""
    if name.startswith("requests."):
        return False
    if "/" not in name:
        return False
    domain = name.split("/", 1)[0]
    return not (domain == "kubernetes.io" or domain.endswith(".kubernetes.io"))


def subtract(used: Mapping[str, int], requests: Mapping[str, int]) -> dict[str, int]:
    """``used`` without one pod's requests (the other pods', for a resize of that pod)."""
    out = dict(used)
    for name, value in requests.items():
        out[name] = out.get(name, 0) - value
    return out


def predicate_admit(
    pod_request: Mapping[str, int],
    admitted_requests: Iterable[Mapping[str, int]],
    allocatable: Mapping[str, int],
) -> Insufficient | None:
    """The first resource the node lacks for a pod with ``pod_request``, or ``None`` if it fits.

    ``admitted_requests`` are the effective requests of the pods already on the node.
    Extended resources the node does not advertise are dropped first (removeMissingExtendedResources).
    """
    others = list(admitted_requests)
    used: dict[str, int] = {}
    for r in others:
        for name, value in r.items():
            used[name] = used.get(name, 0) + value
    return predicate_admit_used(pod_request, len(others), used, allocatable)


def predicate_admit_used(
    pod_request: Mapping[str, int],
    num_pods: int,
    used: Mapping[str, int],
    allocatable: Mapping[str, int],
) -> Insufficient | None:
    """:func:`predicate_admit` given the node's pod count and the sum of their requests (``used``),
    which a node keeps as pods come and go instead of summing every pod per admission."""
    allowed_pods = allocatable.get("pods", 0)
    if num_pods + 1 > allowed_pods:
        return Insufficient("pods", 1, num_pods, allowed_pods)
    request = {
        name: value
        for name, value in pod_request.items()
        if name != "pods" and not (is_extended_resource_name(name) and name not in allocatable)
    }
    if not any(request.values()):
        return None
    for name in _NATIVE:
        want = request.get(name, 0)
        if name == "ephemeral-storage" and name not in allocatable:
            continue  # podfit does not model local storage: never the reason
        if want > 0 and want > allocatable.get(name, 0) - used.get(name, 0):
            return Insufficient(name, want, used.get(name, 0), allocatable.get(name, 0))
    for name in sorted(request):  # Go iterates a map here; podfit reports in name order
        want = request[name]
        if name in _NATIVE or want == 0:
            continue
        if want > allocatable.get(name, 0) - used.get(name, 0):
            return Insufficient(name, want, used.get(name, 0), allocatable.get(name, 0))
    return None
