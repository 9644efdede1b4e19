"""The device manager of a captured node restarted by ``inspect``: the allocations of the bundle's
``kubelet_internal_checkpoint`` (read as the release reads it), the devices the plugins report, and
the containers the runtime reports running.

The devices reported are, in order of preference: the PodResources ``GetAllocatableResources``
answer (the healthy devices, their ids and NUMA nodes), the machine's device groups (a machine file
written by podfit, whose device names the checkpoint uses), else the checkpoint's registered
devices (NUMA nodes as its entries give them; a device no entry holds is taken to have no topology).
"""

from __future__ import annotations

from podfit.checkpoint.devices import NO_TOPOLOGY, restored_devices
from podfit.devices.state import RestoredDevices
from podfit.kubelet.restart import running_containers
from podfit.live.inspect_load import Loaded, read_device_file

__all__ = ["bundle_devices", "bundle_running"]


def bundle_devices(loaded: Loaded, version: str, notes: list[str]) -> RestoredDevices | None:
    """What the device manager of a kubelet of ``version`` starts with on the bundle (``None``:
    nothing; a file it cannot read is a note with the kubelet's log line)."""
    _, read = read_device_file(loaded.bundle, version)
    if read is None:
        return None
    if read.log is not None:
        notes.append(f"device manager: {read.log}: it starts with no device allocations")
        return None
    got = restored_devices(read)
    if got is None:
        return None
    allocatable = loaded.allocatable
    if allocatable is not None and allocatable.devices:
        reported = tuple(
            (d.resource_name, device_id, d.numa[0] if d.numa else None)
            for d in allocatable.devices
            for device_id in d.device_ids
        )
        return RestoredDevices(got.pods, got.registered, reported)
    if loaded.machine is not None and loaded.machine.devices:
        return got
    numa: dict[tuple[str, str], int] = {}
    for containers in got.pods.values():
        for resources in containers.values():
            for resource, per_numa in resources.items():
                for node, ids in sorted(per_numa.items()):
                    for device_id in ids:
                        if node != NO_TOPOLOGY:
                            numa.setdefault((resource, device_id), node)
    cp = read.checkpoint
    registered = cp.registered if cp is not None else {}
    reported_from_file = tuple(
        (resource, device_id, numa.get((resource, device_id)))
        for resource, ids in sorted(registered.items())
        for device_id in ids
    )
    notes.append(
        "devices: no PodResources allocatable answer and no device in the machine: the devices are "
        "the checkpoint's registered ones, NUMA nodes from its entries; a device no entry holds has "
        "no known NUMA node (no NUMA mask holds it: capture podresources/allocatable.json)"
    )
    return RestoredDevices(got.pods, got.registered, reported_from_file)


def bundle_running(loaded: Loaded) -> frozenset[tuple[str, str]]:
    """The containers the runtime reports running: the sidecars and app containers of the pod
    list's ``Running`` pods."""
    out: set[tuple[str, str]] = set()
    for live in loaded.pods or []:
        if live.phase == "Running":
            out |= running_containers(live.pod)
    return frozenset(out)
