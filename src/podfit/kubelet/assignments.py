"""What each container of an admitted pod got — CPUs, memory blocks, assignment type, cgroup values —
and the PodResources view of the pod.

Mirrors: cpumanager ``GetResourceIsolationLevel`` / ``ContainerHasExclusiveCPUs`` and the
podresources server's container and pod entries (pod-level fields as v1.37 reports them).

What depends on the configuration, the CPU policy and the pod alone (each container's cgroup values
but its cpusets, whether it may hold exclusive CPUs, the feature gates) is worked out once per pod
(:meth:`Pod.memo`). An admission captures the managers' raw answers (CPU masks, memory blocks,
device ids: all immutable values); the views are built from them when read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from podfit.kubelet.cgroups import container_cgroup, pod_cgroup
from podfit.kubelet.memory_qos import container_memory_qos, pod_memory_qos
from podfit.kubelet.result import (
    NODE_EXCLUSIVE,
    NODE_SHARED,
    POD_EXCLUSIVE,
    POD_SHARED,
    CgroupValues,
    ContainerAssignment,
    ContainerResourcesView,
    CPUQuota,
    DeviceView,
    MemoryAssignment,
    MemoryBlockView,
    PodResourcesView,
)
from podfit.kubelet.why import container_why
from podfit.model.cpuset import cpus as cpu_ids
from podfit.model.pod import Container, Pod
from podfit.model.qos import is_pod_level_resources_set

if TYPE_CHECKING:
    from podfit.kubelet.managers import ResourceManagers
    from podfit.kubelet.memory_qos import MemoryQoSConfig
    from podfit.memory.state import Block
    from podfit.model.kubelet_config import KubeletConfig

__all__ = ["PodAssignments", "pod_assignments", "pod_has_exclusive_cpus"]


@dataclass(frozen=True, slots=True)
class _ContainerPlan:
    """A container's cgroup values with and without exclusive CPUs (cpusets left unset): they
    depend on the configuration, the pod and the container only."""

    container: Container
    shared: CgroupValues
    shared_quota: CPUQuota | None
    exclusive: CgroupValues
    exclusive_quota: CPUQuota | None


@dataclass(frozen=True, slots=True)
class _PodPlan:
    """What a pod's assignments take from the configuration and the pod alone."""

    config: KubeletConfig
    containers: tuple[_ContainerPlan, ...]  # init (sidecars included), then app containers
    names: tuple[str, ...]
    pod_level_resources: bool  # PodHasExclusiveCPUs takes its pod-level-resources branch


def _quota(cgroup: CgroupValues) -> CPUQuota | None:
    if cgroup.cpu_quota_us is None:
        return None
    return CPUQuota(cgroup.cpu_quota_us, cgroup.cpu_period_us or 0)


def _container_plan(config: KubeletConfig, pod: Pod, container: Container) -> _ContainerPlan:
    shared = container_cgroup(config, pod, container, exclusive=False, cpuset_cpus=0, cpuset_mems=None)
    exclusive = container_cgroup(config, pod, container, exclusive=True, cpuset_cpus=0, cpuset_mems=None)
    return _ContainerPlan(container, shared, _quota(shared), exclusive, _quota(exclusive))


def _pod_plan(config: KubeletConfig, pod: Pod) -> _PodPlan:
    gates = config.feature_gates
    pod_level = gates.enabled("PodLevelResources") and gates.enabled("PodLevelResourceManagers")
    everyone = pod.all_containers()
    return _PodPlan(
        config,
        tuple(_container_plan(config, pod, c) for c in everyone),
        tuple(c.name for c in everyone),
        pod_level and is_pod_level_resources_set(pod),
    )


def _eligible(policy: Any, pod: Pod) -> tuple[bool, ...]:
    """Per container (``all_containers`` order): the CPU policy would give it exclusive CPUs."""
    if not hasattr(policy, "guaranteed_cpus"):
        return (False,) * len(pod.all_containers())
    return tuple(policy.guaranteed_cpus(pod, c) > 0 for c in pod.all_containers())


def _block_views(blocks: Sequence[Block]) -> tuple[MemoryBlockView, ...]:
    return tuple([MemoryBlockView(b.type, b.size, b.numa_affinity) for b in blocks])


def _memory(blocks: Sequence[Block]) -> MemoryAssignment:
    """The NUMA nodes and bytes per memory type of a container's (non-empty) blocks."""
    if len(blocks) == 1:  # the common case
        b = blocks[0]
        return MemoryAssignment(tuple(sorted(set(b.numa_affinity))), {b.type: b.size})
    sizes: dict[str, int] = {}
    for b in blocks:
        sizes[b.type] = sizes.get(b.type, 0) + b.size
    return MemoryAssignment(tuple(sorted({n for b in blocks for n in b.numa_affinity})), sizes)


def _devices(managers: ResourceManagers, held: frozenset[str]) -> tuple[DeviceView, ...]:
    by_resource: dict[str, list[str]] = {}
    for d in sorted(held):
        by_resource.setdefault(d.split("#", 1)[0], []).append(d)
    out = []
    for resource, ids in sorted(by_resource.items()):
        numa = sorted({n for d in ids if (n := managers.device_numa(resource, d)) is not None})
        out.append(DeviceView(resource, tuple(ids), tuple(numa)))
    return tuple(out)


_ISOLATED: Final = (NODE_EXCLUSIVE, POD_EXCLUSIVE)  # resource isolation level "container"


def _kind(cpus: int | None, eligible: bool, pod_level: bool) -> str:
    if cpus is None:
        return NODE_SHARED
    if pod_level:
        return POD_EXCLUSIVE if eligible else POD_SHARED
    return NODE_EXCLUSIVE


class PodAssignments(NamedTuple):
    """An admitted pod's assignments as the managers' state held them right after admission (all
    immutable values); ``containers``, ``pod_cgroup`` and ``pod_resources`` are built from them at
    each read. Per-container tuples follow ``pod.all_containers()``. (A named tuple: it is made at
    every admission and is cheaper to make than a frozen dataclass.)"""

    pod: Pod
    plan: _PodPlan
    pod_level: bool  # the pod got a pod-level budget (pod scope, KEP-5526)
    eligible: tuple[bool, ...]  # the CPU policy gives the container exclusive CPUs
    kinds: tuple[str, ...]  # the container's assignment type
    cpus: tuple[int | None, ...]  # the container's CPU mask (None: in the node's shared pool)
    blocks: tuple[tuple[Block, ...] | None, ...]  # the container's memory blocks
    devices: tuple[tuple[DeviceView, ...], ...] | None  # the container's devices (None: pod has none)
    default_cpuset: int | None  # the shared pool (None: every container has CPUs of its own)
    pod_cpus: int | None
    pod_blocks: tuple[Block, ...] | None
    memory_qos: MemoryQoSConfig | None = None  # Memory QoS entries are reported when given

    @property
    def containers(self) -> tuple[ContainerAssignment, ...]:
        out = []
        mqos = self.memory_qos
        plans, default = self.plan.containers, self.default_cpuset
        for p, kind, cpus, blocks in zip(plans, self.kinds, self.cpus, self.blocks, strict=True):
            memory = _memory(blocks) if blocks else None
            isolated = kind in _ISOLATED
            base, quota = (p.exclusive, p.exclusive_quota) if isolated else (p.shared, p.shared_quota)
            c = p.container
            cgroup = CgroupValues(
                base.cpu_shares,
                base.cpu_quota_us,
                base.cpu_period_us,
                base.memory_limit,
                default if cpus is None else cpus,
                memory.numa_affinity if memory is not None else None,
                container_memory_qos(mqos, self.pod, c) if mqos is not None else (),
            )
            why = container_why(self.plan.config, self.pod, c, kind)
            out.append(ContainerAssignment(c.name, c.kind, cpus, kind, memory, quota, cgroup, why))
        return tuple(out)

    @property
    def pod_cgroup(self) -> CgroupValues | None:
        found = pod_cgroup(self.plan.config, self.pod, has_exclusive_cpus=pod_has_exclusive_cpus(self))
        if found is not None and self.memory_qos is not None and self.memory_qos.enforce:
            found = replace(found, memory_qos=pod_memory_qos(self.memory_qos, self.pod))
        return found

    @property
    def isolated(self) -> tuple[bool, ...]:
        """Per container: its CPUs are its own (resource isolation level "container")."""
        return tuple(kind in _ISOLATED for kind in self.kinds)

    @property
    def pod_resources(self) -> PodResourcesView:
        views = []
        for i, p in enumerate(self.plan.containers):
            c = p.container
            if c.kind == "init":
                continue  # the PodResources server lists sidecars and app containers only
            cpus, blocks = self.cpus[i], self.blocks[i]
            own = not self.pod_level or self.eligible[i]  # pod-shared containers report nothing of their own
            views.append(
                ContainerResourcesView(
                    c.name,
                    tuple(cpu_ids(cpus)) if self.kinds[i] in _ISOLATED and cpus is not None else (),
                    _block_views(blocks) if blocks and own else (),
                    self.devices[i] if self.devices is not None else (),
                )
            )
        return PodResourcesView(
            tuple(cpu_ids(self.pod_cpus)) if self.pod_cpus else (),
            _block_views(self.pod_blocks) if self.pod_blocks else (),
            tuple(views),
        )


def pod_assignments(
    managers: ResourceManagers,
    config: KubeletConfig,
    pod: Pod,
    pod_level: bool,
    *,
    memory_qos: MemoryQoSConfig | None = None,
) -> PodAssignments:
    """Right after admission: every init and app container's assignment, the pod cgroup, and the
    PodResources view. ``pod_level``: the pod got a pod-level budget (pod scope, KEP-5526)."""
    uid = pod.uid
    policy = managers.cpu_policy
    plan: _PodPlan = pod.memo("assignment-plan", _pod_plan, config, pod, anchor=config)
    eligible: tuple[bool, ...] = pod.memo("exclusive-eligible", _eligible, policy, pod, anchor=policy)
    names = plan.names
    cpus = tuple([managers.container_cpus(uid, n) for n in names])
    held = managers.pod_devices(uid)
    # tuple.__new__ directly: a NamedTuple's own __new__ is Python code, one call per admission
    return tuple.__new__(
        PodAssignments,
        (
            pod,
            plan,
            pod_level,
            eligible,
            tuple([_kind(c, e, pod_level) for c, e in zip(cpus, eligible, strict=True)]),
            cpus,
            tuple([managers.container_memory(uid, n) for n in names]),
            tuple(_devices(managers, held.get(n, frozenset())) for n in names) if held else None,
            managers.default_cpuset if None in cpus else None,
            managers.pod_cpus(uid) if pod_level else None,
            managers.pod_memory(uid) if pod_level else None,
            memory_qos if memory_qos is not None and (memory_qos.gate or memory_qos.cgroup_v2) else None,
        ),
    )


def pod_has_exclusive_cpus(assigned: PodAssignments) -> bool:
    """Mirrors: cm/container_manager_linux.go PodHasExclusiveCPUs (see _pod_has_exclusive_cpus)"""
    isolated = [k in _ISOLATED for k in assigned.kinds]
    return _pod_has_exclusive_cpus(assigned.plan.pod_level_resources, isolated)


def _pod_has_exclusive_cpus(pod_level_resources: bool, isolated: list[bool]) -> bool:
    """Mirrors: cm/container_manager_linux.go PodHasExclusiveCPUs: any container with
    exclusive CPUs — but for a pod with pod-level resources under the pod-level resource managers
    (``pod_level_resources``), only when every container is isolated at container level (a container
    in the pod shared pool needs the pod's CFS quota; upstream TestPodHasExclusiveCPUs "Mixed
    containers")."""
    if pod_level_resources:
        return bool(isolated) and all(isolated)
    return any(isolated)
