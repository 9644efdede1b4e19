"""The PodResources answers of a simulated node, filled as the kubelet's podresources server fills
them from its managers.

Mirrors: pkg/kubelet/apis/podresources/server_v1.go (List, GetAllocatableResources, Get,
getContainerResources) and the providers of cm/container_manager_linux.go (GetCPUs,
GetAllocatableCPUs, GetMemory, GetAllocatableMemory, containerMemoryFromBlock) and
cm/container_manager.go containerDevicesFromResourceDeviceInstances, read in v1.33 to v1.36.

What each release reports:

* v1.33 – v1.36: a container's ``cpu_ids`` are whatever the CPU manager's state holds for it
  (``GetExclusiveCPUs`` reads ``GetCPUSet``): its exclusive slice, and under the v1.36 pod-level
  resource managers also a pod-shared container's pod shared pool; containers in the node's shared
  pool report none. ``memory`` is the container's blocks in the memory manager's state. No
  pod-level fields.
* v1.37 (PR #138738, from its diff and release note): ``PodResources.cpu_ids`` / ``memory`` carry
  the pod-level budget; a container reports CPUs and memory of its own only when it is isolated at
  container level (podfit's :class:`~podfit.kubelet.result.PodResourcesView`).

Sidecars (restartable init containers) come first, then app containers; other init containers and
ephemeral containers are not listed. The kubelet lists CPUs in Go-set order; podfit sorts them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from podfit.kubelet.assignments import pod_assignments
from podfit.kubelet.node import Node
from podfit.kubelet.result import DeviceView, MemoryBlockView
from podfit.live.values import (
    AllocatableResources,
    ContainerResources,
    DeviceEntry,
    MemoryEntry,
    PodResources,
    PodResourcesSource,
)

# podfit internals (kept together: podfit.kubelet is becoming podfit.kubelet)
from podfit.memory.state import Block
from podfit.model.cpuset import cpus as cpu_list
from podfit.model.pod import Pod
from podfit.model.qos import is_pod_level_resources_set
from podfit.topology.scope import POD_SCOPE, scope_for

__all__ = ["KUBELET_VERSIONS", "allocatable_of", "pod_resources_of", "pods_resources_of", "source_of"]

KUBELET_VERSIONS: Final = ("1.33", "1.34", "1.35", "1.36", "1.37")
POD_LEVEL_FIELDS_SINCE: Final = "1.37"


def _minor(version: str) -> int:
    return int(version.split(".")[1])


def _memory(blocks: Iterable[Block] | None) -> tuple[MemoryEntry, ...]:
    """Mirrors: cm/container_manager_linux.go containerMemoryFromBlock (v1.36)"""
    return tuple(MemoryEntry(b.type, b.size, tuple(b.numa_affinity)) for b in blocks or ())


def _memory_views(views: Iterable[MemoryBlockView]) -> tuple[MemoryEntry, ...]:
    return tuple(MemoryEntry(v.memory_type, v.size, tuple(v.numa_nodes)) for v in views)


def _devices(node: Node, ids: Iterable[str]) -> tuple[DeviceEntry, ...]:
    """One entry per device and NUMA node; a device without NUMA affinity has no topology.

    Mirrors: cm/container_manager.go containerDevicesFromResourceDeviceInstances (v1.36)
    """
    out = []
    known = node.managers.devices.devices
    for device_id in sorted(ids):
        resource = device_id.split("#", 1)[0]
        numa = known[resource][device_id].numa
        out.append(DeviceEntry(resource, (device_id,), () if numa is None else (numa,)))
    return tuple(out)


def _device_views(node: Node, views: Iterable[DeviceView]) -> tuple[DeviceEntry, ...]:
    return _devices(node, [d for v in views for d in v.device_ids])


def _listed(pod: Pod) -> list[str]:
    """The containers the server lists: sidecars, then app containers."""
    return [c.name for c in pod.init_containers if c.is_restartable_init] + [c.name for c in pod.containers]


def _pod_level(node: Node, pod: Pod) -> bool:
    """The pod got a pod-level budget (KEP-5526, pod scope)."""
    gates = node.config.feature_gates
    scope = scope_for(node.config.topology_manager_scope, node.managers.topology_policy)
    return (
        gates.enabled("PodLevelResources")
        and gates.enabled("PodLevelResourceManagers")
        and is_pod_level_resources_set(pod)
        and scope == POD_SCOPE
    )


def pod_resources_of(node: Node, pod: Pod, version: str = "1.36") -> PodResources:
    """The ``PodResources`` the kubelet of ``version`` reports for ``pod`` on ``node`` now (an
    unknown pod, e.g. a rejected one, reports its containers with nothing assigned)."""
    if _minor(version) >= _minor(POD_LEVEL_FIELDS_SINCE) and pod.uid in {p.uid for p in node.pods}:
        view = pod_assignments(node.managers, node.config, pod, _pod_level(node, pod)).pod_resources
        containers = tuple(
            ContainerResources(
                c.name, tuple(c.cpu_ids), _memory_views(c.memory), _device_views(node, c.devices)
            )
            for c in view.containers
        )
        return PodResources(
            pod.name, pod.namespace, containers, tuple(view.cpu_ids), _memory_views(view.memory)
        )
    managers = node.managers
    cpu_state, memory_state = managers.cpu.state, managers.memory.state
    held = managers.devices.state.assigned.get(pod.uid, {})
    out = []
    for name in _listed(pod):
        cpus = cpu_state.get_cpu_set(pod.uid, name)
        out.append(
            ContainerResources(
                name,
                tuple(cpu_list(cpus)) if cpus else (),
                _memory(memory_state.get_memory_blocks(pod.uid, name)),
                _devices(node, held.get(name, frozenset())),
            )
        )
    return PodResources(pod.name, pod.namespace, tuple(out))


def pods_resources_of(node: Node, version: str = "1.36") -> tuple[PodResources, ...]:
    """``List``: every pod on the node (active pods), in admission order."""
    return tuple(pod_resources_of(node, pod, version) for pod in node.pods)


def allocatable_of(node: Node) -> AllocatableResources:
    """``GetAllocatableResources``: the static CPU policy's CPUs but the reserved ones, the Static
    memory policy's allocatable memory per NUMA node and type, every device.

    Mirrors: cpumanager policy_static.go / policy_none.go GetAllocatableCPUs, memorymanager
    policy_static.go / policy_none.go GetAllocatableMemory, devicemanager GetAllocatableDevices
    (v1.36)
    """
    managers = node.managers
    cpus = managers.cpu_policy.get_allocatable_cpus(managers.cpu.state)
    memory = managers.memory_policy.get_allocatable_memory(managers.memory.state)
    devices = [d for per in managers.devices.devices.values() for d in per]
    return AllocatableResources(tuple(cpu_list(cpus)), _memory(memory), _devices(node, devices))


def _get_enabled(node: Node, version: str) -> bool:
    """``KubeletPodResourcesGet``: alpha (off) in v1.33, beta (on) in v1.34-v1.35, GA and locked
    in v1.36, gone in v1.37."""
    minor = _minor(version)
    if minor >= 36:
        return True
    explicit = node.config.feature_gates.overrides.get("KubeletPodResourcesGet")
    return bool(explicit) if explicit is not None else minor >= 34


def source_of(node: Node, known_pods: Iterable[Pod], version: str = "1.36") -> PodResourcesSource:
    """The answers of ``node``'s PodResources server at ``version``. ``known_pods``: every pod the
    kubelet's pod manager still knows (admitted or not), for ``Get``."""
    listed = pods_resources_of(node, version)
    known = {p.key: p for p in listed}
    for pod in known_pods:
        if pod.key not in known:
            known[pod.key] = pod_resources_of(node, pod, version)
    return PodResourcesSource(listed, allocatable_of(node), known, _get_enabled(node, version))
