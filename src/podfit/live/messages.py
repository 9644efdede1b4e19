"""podfit's PodResources values <-> the generated protobuf messages (the ``live`` extra).

``pb`` is the generated ``api_pb2`` module (:func:`podfit.live.podresources.load`); it is passed in
so that importing this module needs no protobuf.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from podfit.live.values import (
    AllocatableResources,
    ContainerResources,
    DeviceEntry,
    MemoryEntry,
    PodResources,
)

__all__ = [
    "allocatable_from_message",
    "allocatable_message",
    "pod_from_message",
    "pod_message",
]


def _topology(pb: ModuleType, numa: tuple[int, ...]) -> Any:
    return pb.TopologyInfo(nodes=[pb.NUMANode(ID=n) for n in numa])


def _memory(pb: ModuleType, m: MemoryEntry) -> Any:
    # containerMemoryFromBlock always sets a topology, empty or not
    return pb.ContainerMemory(memory_type=m.memory_type, size=m.size, topology=_topology(pb, m.numa))


def _device(pb: ModuleType, d: DeviceEntry) -> Any:
    msg = pb.ContainerDevices(resource_name=d.resource_name, device_ids=list(d.device_ids))
    if d.numa:  # a device without topology has no TopologyInfo at all
        msg.topology.CopyFrom(_topology(pb, d.numa))
    return msg


def pod_message(pb: ModuleType, p: PodResources) -> Any:
    return pb.PodResources(
        name=p.name,
        namespace=p.namespace,
        containers=[
            pb.ContainerResources(
                name=c.name,
                devices=[_device(pb, d) for d in c.devices],
                cpu_ids=list(c.cpu_ids),
                memory=[_memory(pb, m) for m in c.memory],
            )
            for c in p.containers
        ],
        cpu_ids=list(p.cpu_ids),
        memory=[_memory(pb, m) for m in p.memory],
    )


def allocatable_message(pb: ModuleType, a: AllocatableResources) -> Any:
    return pb.AllocatableResourcesResponse(
        devices=[_device(pb, d) for d in a.devices],
        cpu_ids=list(a.cpu_ids),
        memory=[_memory(pb, m) for m in a.memory],
    )


def _numa_of(msg: Any) -> tuple[int, ...]:
    return tuple(int(n.ID) for n in msg.topology.nodes) if msg.HasField("topology") else ()


def _memory_of(items: Any) -> tuple[MemoryEntry, ...]:
    return tuple(MemoryEntry(m.memory_type, int(m.size), _numa_of(m)) for m in items)


def _devices_of(items: Any) -> tuple[DeviceEntry, ...]:
    return tuple(DeviceEntry(d.resource_name, tuple(d.device_ids), _numa_of(d)) for d in items)


def pod_from_message(msg: Any) -> PodResources:
    return PodResources(
        msg.name,
        msg.namespace,
        tuple(
            ContainerResources(
                c.name, tuple(int(i) for i in c.cpu_ids), _memory_of(c.memory), _devices_of(c.devices)
            )
            for c in msg.containers
        ),
        tuple(int(i) for i in msg.cpu_ids),
        _memory_of(msg.memory),
    )


def allocatable_from_message(msg: Any) -> AllocatableResources:
    return AllocatableResources(
        tuple(int(i) for i in msg.cpu_ids), _memory_of(msg.memory), _devices_of(msg.devices)
    )
