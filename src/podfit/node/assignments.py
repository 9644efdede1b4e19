"""What each container of an admitted pod got — CPUs, memory blocks, assignment type, cgroup values —
and the PodResources view of the pod.

Mirrors: cpumanager ``GetResourceIsolationLevel`` / ``ContainerHasExclusiveCPUs`` and the
podresources server's container and pod entries (v1.36; pod-level fields as v1.37 reports them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from podfit.model.cpuset import cpus as cpu_ids
from podfit.model.pod import Container, Pod
from podfit.model.qos import is_pod_level_resources_set
from podfit.node.cgroups import container_cgroup, pod_cgroup
from podfit.node.result import (
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

if TYPE_CHECKING:
    from podfit.node.node import Node

__all__ = ["PodAssignments", "pod_assignments"]


@dataclass(frozen=True, slots=True)
class PodAssignments:
    containers: tuple[ContainerAssignment, ...]
    pod_cgroup: CgroupValues | None
    pod_resources: PodResourcesView


def _blocks(node: Node, pod: Pod, container: Container) -> tuple[MemoryBlockView, ...]:
    blocks = node.managers.memory.state.get_memory_blocks(pod.uid, container.name) or ()
    return tuple(MemoryBlockView(b.type, b.size, tuple(b.numa_affinity)) for b in blocks)


def _memory(blocks: tuple[MemoryBlockView, ...]) -> MemoryAssignment | None:
    if not blocks:
        return None
    sizes: dict[str, int] = {}
    for b in blocks:
        sizes[b.memory_type] = sizes.get(b.memory_type, 0) + b.size
    return MemoryAssignment(tuple(sorted({n for b in blocks for n in b.numa_nodes})), sizes)


def _devices(node: Node, pod: Pod, container: Container) -> tuple[DeviceView, ...]:
    dm = node.managers.devices
    held = dm.state.assigned.get(pod.uid, {}).get(container.name, frozenset())
    by_resource: dict[str, list[str]] = {}
    for d in sorted(held):
        by_resource.setdefault(d.split("#", 1)[0], []).append(d)
    out = []
    for resource, ids in sorted(by_resource.items()):
        numa = sorted({n for d in ids if (n := dm.devices[resource][d].numa) is not None})
        out.append(DeviceView(resource, tuple(ids), tuple(numa)))
    return tuple(out)


def _kind(cpus: int | None, eligible: bool, pod_level: bool) -> str:
    if cpus is None:
        return NODE_SHARED
    if pod_level:
        return POD_EXCLUSIVE if eligible else POD_SHARED
    return NODE_EXCLUSIVE


def pod_assignments(node: Node, pod: Pod, pod_level: bool) -> PodAssignments:
    """Right after admission: every init and app container's assignment, the pod cgroup, and the
    PodResources view. ``pod_level``: the pod got a pod-level budget (pod scope, KEP-5526)."""
    cpu = node.managers.cpu
    policy = cpu.policy
    containers, views = [], []
    isolated: list[bool] = []  # per container: resource isolation level "container"
    for c in pod.all_containers():
        cpus = cpu.state.get_cpu_set(pod.uid, c.name)
        eligible = policy.guaranteed_cpus(pod, c) > 0 if hasattr(policy, "guaranteed_cpus") else False
        kind = _kind(cpus, eligible, pod_level)
        exclusive = kind in (NODE_EXCLUSIVE, POD_EXCLUSIVE)  # resource isolation level "container"
        isolated.append(exclusive)
        blocks = _blocks(node, pod, c)
        memory = _memory(blocks)
        cgroup = container_cgroup(
            node.config,
            pod,
            c,
            exclusive=exclusive,
            cpuset_cpus=node.default_cpuset if cpus is None else cpus,
            cpuset_mems=memory.numa_affinity if memory is not None else None,
        )
        quota = (
            None if cgroup.cpu_quota_us is None else CPUQuota(cgroup.cpu_quota_us, cgroup.cpu_period_us or 0)
        )
        containers.append(ContainerAssignment(c.name, c.kind, cpus, kind, memory, quota, cgroup))
        own = not pod_level or eligible  # pod-shared containers report nothing of their own
        if c.kind == "init":
            continue  # the PodResources server lists sidecars and app containers only
        views.append(
            ContainerResourcesView(
                c.name,
                tuple(cpu_ids(cpus)) if exclusive and cpus is not None else (),
                blocks if own else (),
                _devices(node, pod, c),
            )
        )
    pod_cpus = cpu.state.get_pod_cpu_set(pod.uid) if pod_level else None
    pod_blocks = node.managers.memory.state.get_pod_memory_blocks(pod.uid) if pod_level else None
    view = PodResourcesView(
        tuple(cpu_ids(pod_cpus)) if pod_cpus else (),
        tuple(MemoryBlockView(b.type, b.size, tuple(b.numa_affinity)) for b in pod_blocks or ()),
        tuple(views),
    )
    cgroup = pod_cgroup(node.config, pod, has_exclusive_cpus=_pod_has_exclusive_cpus(node, pod, isolated))
    return PodAssignments(tuple(containers), cgroup, view)


def _pod_has_exclusive_cpus(node: Node, pod: Pod, isolated: list[bool]) -> bool:
    """Mirrors: cm/container_manager_linux.go PodHasExclusiveCPUs (v1.36): any container with
    exclusive CPUs — but for a pod with pod-level resources under the pod-level resource managers,
    only when every container is isolated at container level (a container in the pod shared pool
    needs the pod's CFS quota; upstream TestPodHasExclusiveCPUs "Mixed containers")."""
    gates = node.config.feature_gates
    pod_level = gates.enabled("PodLevelResources") and gates.enabled("PodLevelResourceManagers")
    if pod_level and is_pod_level_resources_set(pod):
        return bool(isolated) and all(isolated)
    return any(isolated)
