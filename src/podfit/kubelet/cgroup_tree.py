"""The cgroup v2 tree the kubelet (and, for containers, the runtime) would write on a node: every
kubelet-managed cgroup and container cgroup with the files written and their values, for the
cgroupfs and systemd drivers; and the difference between two trees.

Files as libcontainer's fs2 writer renders the kubelet's ``ResourceConfig`` (and runc the CRI
container resources): ``cpu.weight`` (0 = not written), ``cpu.max`` = ``<quota|max> <period>``,
``memory.max`` (0 = not written, −1 = ``max``), ``pids.max``, ``hugetlb.<size>.max`` and
``.rsvd.max``, the ``Unified`` entries verbatim (dropped on cgroup v1), ``cpuset.cpus`` /
``cpuset.mems``.

Mirrors: opencontainers/cgroups fs2 setCpu / setMemory / setPids / setHugeTlb (vendored by the
kubelet), cm/cgroup_manager_linux.go cgroupCommon.toResources (every host hugepage size not named
gets 0), cm/qos_container_manager_linux.go UpdateCgroups, cm/node_container_manager_linux.go.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from podfit.kubelet.cgroup_config import (
    HUGETLB_UNBOUNDED,
    ContainerResources,
    ResourceConfig,
    get_cpu_weight,
    milli_cpu_to_shares,
)
from podfit.kubelet.cgroup_names import (
    hugepage_unit_size,
    parse_cgroup_name,
    pod_cgroup_suffix,
    to_cgroupfs,
    to_systemd,
)
from podfit.model.cpuset import format_cpuset

__all__ = [
    "CONTAINER",
    "POD",
    "QOS",
    "CgroupDiff",
    "CgroupNode",
    "CgroupTree",
    "container_cpu_weight",
    "container_files",
    "diff_trees",
    "kubelet_files",
    "runtime_scope",
]

NODE: Final = "node"
QOS: Final = "qos"
POD: Final = "pod"
CONTAINER: Final = "container"
RESERVED: Final = "reserved"
_RUNTIME_SCOPE: Final = {"containerd": "cri-containerd-", "cri-o": "crio-"}

Files = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CgroupNode:
    """One cgroup: its internal name parts (containers: the pod's parts + the container's
    stand-in id), what it is, whose it is, and the files written (sorted)."""

    name: tuple[str, ...]
    kind: str  # node | qos | reserved | pod | container
    owner: str | None  # namespace/name (pods), namespace/name/container (containers)
    files: Files
    container_id: str | None = None  # containers: the runtime's id (podfit's stand-in)


@dataclass(frozen=True, slots=True)
class CgroupTree:
    driver: str  # cgroupfs | systemd
    runtime: str  # containerd | cri-o (container scope names)
    nodes: tuple[CgroupNode, ...]  # parents before children
    warnings: tuple[str, ...] = ()

    def path(self, node: CgroupNode) -> str:
        """The cgroup's path below the cgroup v2 mount (``/sys/fs/cgroup``)."""
        if node.kind != CONTAINER:
            return to_systemd(node.name) if self.driver == "systemd" else to_cgroupfs(node.name)
        parent = node.name[:-1]
        base = to_systemd(parent) if self.driver == "systemd" else to_cgroupfs(parent)
        return base.rstrip("/") + "/" + runtime_scope(self.driver, self.runtime, node.container_id or "")

    def by_path(self) -> dict[str, CgroupNode]:
        return {self.path(n): n for n in self.nodes}


def runtime_scope(driver: str, runtime: str, container_id: str) -> str:
    """A container cgroup's last path element: ``<prefix><id>.scope`` under systemd
    (``cri-containerd-`` / ``crio-``), the bare id under cgroupfs."""
    if driver == "systemd":
        return _RUNTIME_SCOPE.get(runtime, "cri-containerd-") + container_id + ".scope"
    return container_id


def _cpu_max(quota: int | None, period: int | None) -> str | None:
    """Mirrors: opencontainers/cgroups/fs2 setCpu (cpu.max)"""
    q, p = quota or 0, period or 0
    if q == 0 and p == 0:
        return None
    head = str(q) if q > 0 else "max"
    return f"{head} {p if p else 100000}"


def _memory_max(value: int | None) -> str | None:
    if value is None or value == 0:
        return None
    return "max" if value < 0 else str(value)


def _hugetlb(files: dict[str, str], limits: Iterable[tuple[int, int]]) -> None:
    for size, limit in limits:
        unit = hugepage_unit_size(size)
        files[f"hugetlb.{unit}.max"] = str(limit)
        files[f"hugetlb.{unit}.rsvd.max"] = str(limit)


def kubelet_files(config: ResourceConfig, host_sizes: Iterable[int], *, cgroup_v2: bool) -> Files:
    """The files a kubelet-managed cgroup gets from a ``ResourceConfig`` (every host hugepage size
    the config does not name gets 0).

    Mirrors: cm/cgroup_manager_linux.go cgroupCommon.toResources, then fs2 Set
    """
    files: dict[str, str] = {}
    weight = get_cpu_weight(config.cpu_shares)
    if weight:
        files["cpu.weight"] = str(weight)
    cpu_max = _cpu_max(config.cpu_quota, config.cpu_period)
    if cpu_max is not None:
        files["cpu.max"] = cpu_max
    memory = _memory_max(config.memory)
    if memory is not None:
        files["memory.max"] = memory
    if config.pids_limit is not None:
        files["pids.max"] = "max" if config.pids_limit < 0 else str(max(config.pids_limit, 1))
    named = dict(config.hugepage_limits)
    pages = [(size, named.get(size, 0)) for size in sorted(set(host_sizes) | set(named))]
    _hugetlb(files, pages)
    if config.cpuset_cpus is not None:
        files["cpuset.cpus"] = format_cpuset(config.cpuset_cpus)
    if cgroup_v2:
        files.update(config.unified)
    return tuple(sorted(files.items()))


def container_cpu_weight(shares: int, formula: str) -> int:
    """The runtime's shares -> cpu.weight: ``linear`` (runc < 1.3.2, crun < 1.23: the kubelet's
    formula) or ``quadratic`` (runc >= 1.3.2, crun >= 1.23).

    Mirrors: opencontainers/cgroups ConvertCPUSharesToCgroupV2Value (both forms)
    """
    if formula != "quadratic":
        return get_cpu_weight(shares)
    if shares == 0:
        return 0
    if shares <= 2:
        return 1
    if shares >= 262144:
        return 10000
    log = math.log2(shares)
    return math.ceil(10 ** ((log * log + 125 * log) / 612.0 - 7.0 / 34.0))


def container_files(resources: ContainerResources, *, cgroup_v2: bool, weight_formula: str) -> Files:
    """A container cgroup's files as runc writes the CRI resources."""
    files: dict[str, str] = {"cpu.weight": str(container_cpu_weight(resources.cpu_shares, weight_formula))}
    cpu_max = _cpu_max(resources.cpu_quota, resources.cpu_period)
    if cpu_max is not None:
        files["cpu.max"] = cpu_max
    memory = _memory_max(resources.memory_limit)
    if memory is not None:
        files["memory.max"] = memory
    _hugetlb(files, resources.hugepage_limits)
    if resources.cpuset_cpus is not None:
        files["cpuset.cpus"] = format_cpuset(resources.cpuset_cpus)
    if resources.cpuset_mems is not None:
        files["cpuset.mems"] = ",".join(str(n) for n in resources.cpuset_mems)
    if cgroup_v2:
        files.update(resources.unified)
    return tuple(sorted(files.items()))


def qos_tier_files(
    shares: int | None, unified: Files, host_sizes: Iterable[int], *, cgroup_v2: bool
) -> Files:
    """A QoS-class cgroup after ``UpdateCgroups``: cpu shares (not for the Guaranteed root),
    unbounded hugetlb, the Memory QoS entries."""
    pages = tuple((size, HUGETLB_UNBOUNDED) for size in host_sizes)
    return kubelet_files(
        ResourceConfig(cpu_shares=shares, hugepage_limits=pages, unified=unified), (), cgroup_v2=cgroup_v2
    )


def pod_parts(root: tuple[str, ...], qos: str, uid: str) -> tuple[str, ...]:
    """A pod cgroup's internal name: Guaranteed pods directly under ``kubepods``."""
    tier = () if qos == "Guaranteed" else (qos.lower(),)
    return (*root, *tier, pod_cgroup_suffix(uid))


def root_parts(cgroup_root: str, driver: str, cgroups_per_qos: bool) -> tuple[str, ...]:
    """The node-allocatable cgroup: ``cgroupRoot`` + ``kubepods`` (with ``cgroupsPerQOS``).

    Mirrors: cm/container_manager_linux.go NewContainerManager (cgroupRoot)
    """
    base = parse_cgroup_name(cgroup_root or "/", driver)
    return (*base, "kubepods") if cgroups_per_qos else base


def shares_of(milli_cpu: int) -> int:
    return milli_cpu_to_shares(milli_cpu)


@dataclass(frozen=True, slots=True)
class CgroupDiff:
    """One difference between two trees: ``old`` None = added, ``new`` None = removed."""

    path: str
    file: str
    old: str | None
    new: str | None


def diff_trees(a: CgroupTree, b: CgroupTree) -> tuple[CgroupDiff, ...]:
    """Per path and file: what changed from ``a`` to ``b`` (paths in ``b``'s order, then the
    paths only ``a`` has)."""
    old, new = a.by_path(), b.by_path()
    out: list[CgroupDiff] = []
    order = list(new) + [p for p in old if p not in new]
    for path in order:
        before: Mapping[str, str] = dict(old[path].files) if path in old else {}
        after: Mapping[str, str] = dict(new[path].files) if path in new else {}
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                out.append(CgroupDiff(path, name, before.get(name), after.get(name)))
    return tuple(out)
