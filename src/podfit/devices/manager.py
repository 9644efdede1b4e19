"""Device-plugin resources as a Topology Manager hint provider (GPUs, NICs, … with NUMA affinity).

Mirrors: devicemanager/topology_hints.go (``GetTopologyHints``, ``GetPodTopologyHints``,
``generateDeviceTopologyHints``) and manager.go (``Allocate``, ``devicesToAllocate``,
``filterByAffinity``, init-container device reuse), read in v1.33.5 and v1.36.2. Before 1.36 hints
are generated over every NUMA mask of the machine (:meth:`DeviceManager.generate_hints` gives that
full list compactly); from 1.36 (kubernetes PR #138244, the release switch
``device_hints_device_numa_nodes_only``) only over the NUMA nodes that hold the resource's devices.

Devices are named ``<resource>#<numa>#<index>`` (``#-`` for no NUMA affinity) so that podfit's
picking order, sorted device keys, is "lowest NUMA node first" (other names: :mod:`podfit.devices.state`).
The kubelet takes devices while ranging over Go sets: among the devices of one class (reusable,
aligned, unaligned, without topology: :func:`filter_by_affinity`) its choice is unspecified, and
podfit's sorted order is a deterministic stand-in for it (checked in v1.33.5 - v1.36.2).

A restart (``readCheckpoint``) restores every container's devices (:meth:`restore_checkpoint`); the
plugins have registered again and report the machine's devices healthy (or the ``reported`` ones).
Re-admitting a container reuses what it holds (``devicesToAllocate``): a container that was running
when the kubelet started, admitted before the pod sources are ready, is left alone whatever it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from podfit.devices.hints import (
    LIST_UP_TO,
    device_numa_nodes,
    generate_hints,
    generate_hints_reference,
    numa_bit,
    zero_request_hints,
)
from podfit.devices.state import (
    Device,
    DevicePodSnapshot,
    DeviceState,
    DeviceStateSnapshot,
    RestoredDevices,
    device_key,
    resource_of,
)
from podfit.model.admission import Rejection
from podfit.model.gotext import go_quote
from podfit.model.machine import Machine
from podfit.model.pod import Container, Pod
from podfit.model.qos import pod_limits
from podfit.topology.hint import ProviderHints, TopologyHint

__all__ = [
    "LIST_UP_TO",
    "NO_TOPOLOGY",
    "Device",
    "DeviceManager",
    "DevicePodSnapshot",
    "DeviceState",
    "DeviceStateSnapshot",
    "filter_by_affinity",
    "zero_request_hints",
]

NO_TOPOLOGY: Final = -1
"""The NUMA id of devices without topology (devicemanager/manager.go nodeWithoutTopology)."""


def filter_by_affinity(
    devs: Mapping[str, Device], has_topology: bool, affinity: int | None, available: set[str]
) -> tuple[set[str], set[str], set[str]]:
    """The available devices split into those on a NUMA node of ``affinity``, those on another
    NUMA node, and those without NUMA affinity; all in the last when the resource has no topology
    or the hint has no affinity. (A device has one NUMA node here: multi-node devices are not
    modelled.)

    Mirrors: devicemanager/manager.go filterByAffinity (v1.33.5 - v1.36.2)
    """
    if affinity is None or not has_topology:
        return set(), set(), set(available)
    aligned: set[str] = set()
    unaligned: set[str] = set()
    no_affinity: set[str] = set()
    for d in available:
        node = devs[d].numa
        if node is None:
            no_affinity.add(d)
        elif affinity >> node & 1:
            aligned.add(d)
        else:
            unaligned.add(d)
    return aligned, unaligned, no_affinity


class DeviceManager:
    """The kubelet's device manager, reduced to what admission needs (no plugin RPCs)."""

    def __init__(
        self,
        machine: Machine,
        state: DeviceState | None = None,
        device_numa_nodes_only: bool = True,
        reported: Iterable[tuple[str, str, int | None]] | None = None,
    ) -> None:
        """``device_numa_nodes_only``: the release switch of PR #138244 (on from 1.36).
        ``reported``: the devices the plugins report, as (resource, kubelet id, NUMA node);
        ``None``: the machine's device groups, named by podfit."""
        self.device_numa_nodes_only = device_numa_nodes_only
        self.numa_ids = machine.numa_ids
        devices: dict[str, dict[str, Device]] = {}
        self.kubelet_ids: dict[str, str] = {}  # key -> the kubelet's id, where they differ
        if reported is None:
            for group in machine.devices:
                per = devices.setdefault(group.resource, {})
                tag = "-" if group.numa is None else f"{group.numa:03d}"
                start = sum(1 for d in per.values() if d.numa == group.numa)
                for i in range(start, start + group.count):
                    dev = Device(f"{group.resource}#{tag}#{i:05d}", group.resource, group.numa)
                    per[dev.id] = dev
        else:
            for resource, device_id, numa in reported:
                key = device_key(resource, device_id)
                devices.setdefault(resource, {})[key] = Device(key, resource, numa)
                if key != device_id:
                    self.kubelet_ids[key] = device_id
        self.devices = devices  # every device is healthy (registered, reported Healthy)
        self.state = state if state is not None else DeviceState()
        # restored from a checkpoint: resources registered without a device, and the devices held
        # that no plugin reports (key -> NUMA ids the file gave them)
        self.registered_empty: set[str] = set()
        self.unreported: dict[str, tuple[int, ...]] = {}
        # the containers running when the kubelet started ((pod UID, name)), and whether every pod
        # source has been seen since (false while a restarted kubelet re-admits its pods)
        self.running: set[tuple[str, str]] = set()
        self.sources_ready = True
        # hints from the full v1.36 enumeration (generate_hints_reference): the benchmarks' reference
        self.exact_reference = False

    # ----- restart -----------------------------------------------------------------------
    def restore_checkpoint(self, restored: RestoredDevices) -> None:
        """Every container's devices as the file has them, and its registered resources.

        Mirrors: devicemanager/manager.go readCheckpoint, pod_devices.go fromCheckpointData
        """
        known = {r: {self.kubelet_id(k): k for k in per} for r, per in self.devices.items()}
        for uid, containers in restored.pods.items():
            for name, resources in containers.items():
                keys: set[str] = set()
                for resource, per_numa in resources.items():
                    for numa, ids in per_numa.items():
                        for device_id in ids:
                            key = known.get(resource, {}).get(device_id)
                            if key is None:
                                key = self._unreported(resource, device_id, numa)
                            keys.add(key)
                self.state.assigned.setdefault(uid, {})[name] = frozenset(keys)
        self.registered_empty = {r for r in restored.registered if r not in self.devices}

    def _unreported(self, resource: str, device_id: str, numa: int) -> str:
        key = device_key(resource, device_id)
        if key != device_id:
            self.kubelet_ids[key] = device_id
        nodes = self.unreported.get(key, ())
        if numa != NO_TOPOLOGY and numa not in nodes:
            nodes = tuple(sorted((*nodes, numa)))
        self.unreported[key] = nodes
        return key

    def kubelet_id(self, key: str) -> str:
        """The id the kubelet (and its checkpoint) knows the device ``key`` by."""
        return self.kubelet_ids.get(key, key)

    def device_numa(self, resource: str, key: str) -> int | None:
        """The device's NUMA node (a device no plugin reports: the first its checkpoint entry gave)."""
        dev = self.devices.get(resource, {}).get(key)
        if dev is not None:
            return dev.numa
        nodes = self.unreported.get(key, ())
        return nodes[0] if nodes else None

    # ----- requests ----------------------------------------------------------------------
    def is_device_resource(self, name: str) -> bool:
        """Registered, or held by a container.

        Mirrors: devicemanager/manager.go isDevicePluginResource
        """
        if name in self.devices or name in self.registered_empty:
            return True
        return bool(self.unreported) and any(resource_of(d) == name for d in self.state.in_use())

    def container_requests(self, container: Container) -> dict[str, int]:
        """Device requests of a container: its limits of device-plugin resources. A zero limit
        stays: the kubelet still generates hints for it (every NUMA mask qualifies)."""
        return {r: v for r, v in container.resources.limits.items() if self.is_device_resource(r)}

    def pod_requests(self, pod: Pod) -> dict[str, int]:
        limits = pod_limits(pod, exclude_overhead=True)
        return {r: v for r, v in limits.items() if self.is_device_resource(r)}

    # ----- hints -------------------------------------------------------------------------
    def _has_topology(self, resource: str) -> bool:
        return any(d.numa is not None for d in self.devices.get(resource, {}).values())

    def _available(self, resource: str) -> set[str]:
        return set(self.devices.get(resource, {})) - self.state.in_use()

    def _numa_bit(self, device_id: str, resource: str) -> int:
        return numa_bit(self.devices.get(resource, {}), device_id)

    def generate_hints(
        self, resource: str, available: set[str], reusable: set[str], request: int
    ) -> Sequence[TopologyHint]:
        """Mirrors: devicemanager/topology_hints.go generateDeviceTopologyHints (see hints.py)"""
        devs = self.devices.get(resource, {})
        return generate_hints(devs, self.numa_ids, self.device_numa_nodes_only, available, reusable, request)

    def device_numa_nodes(self, resource: str) -> list[int]:
        """Mirrors: devicemanager/topology_hints.go deviceNUMANodes (v1.36.2)"""
        return device_numa_nodes(self.devices.get(resource, {}), self.numa_ids)

    def generate_hints_reference(
        self, resource: str, available: set[str], reusable: set[str], request: int
    ) -> list[TopologyHint]:
        """Mirrors: devicemanager/topology_hints.go generateDeviceTopologyHints (the literal loop)"""
        devs = self.devices.get(resource, {})
        return generate_hints_reference(
            devs, self.numa_ids, self.device_numa_nodes_only, available, reusable, request
        )

    def _generate(
        self, resource: str, available: set[str], reusable: set[str], request: int
    ) -> Sequence[TopologyHint]:
        if self.exact_reference:
            return self.generate_hints_reference(resource, available, reusable, request)
        return self.generate_hints(resource, available, reusable, request)

    def _hints_for(
        self, requests: Mapping[str, int], allocated: Mapping[str, set[str]], reusable: Mapping[str, set[str]]
    ) -> dict[str, Sequence[TopologyHint] | None]:
        out: dict[str, Sequence[TopologyHint] | None] = {}
        for resource, requested in sorted(requests.items()):
            if not self._has_topology(resource):
                out[resource] = None
                continue
            already = allocated.get(resource, set())
            if already:
                out[resource] = (
                    [] if len(already) != requested else self._generate(resource, already, set(), requested)
                )
                continue
            available = self._available(resource)
            reuse = reusable.get(resource, set())
            if len(available | reuse) < requested:
                out[resource] = []
                continue
            out[resource] = self._generate(resource, available, reuse, requested)
        return out

    def _held(self, uid: str, names: set[str] | None) -> dict[str, set[str]]:
        held: dict[str, set[str]] = {}
        for name, ids in self.state.assigned.get(uid, {}).items():
            if names is None or name in names:
                for d in ids:
                    held.setdefault(resource_of(d), set()).add(d)
        return held

    def get_topology_hints(self, pod: Pod, container: Container) -> ProviderHints:
        """Mirrors: devicemanager/topology_hints.go GetTopologyHints"""
        if not self.devices and not self.registered_empty and not self.unreported:
            return {}  # no device-plugin resource on the node: nothing can be requested
        reusable = self.state.reusable if self.state.reuse_pod == pod.uid else {}
        return self._hints_for(
            self.container_requests(container), self._held(pod.uid, {container.name}), reusable
        )

    def get_pod_topology_hints(self, pod: Pod) -> ProviderHints:
        """Mirrors: devicemanager/topology_hints.go GetPodTopologyHints"""
        if not self.devices and not self.registered_empty and not self.unreported:
            return {}
        return self._hints_for(self.pod_requests(pod), self._held(pod.uid, None), {})

    # ----- allocation --------------------------------------------------------------------
    def _pick(self, resource: str, needed: int, reusable: set[str], affinity: int | None) -> list[str] | str:
        """The reusable devices first, then the aligned, the unaligned and those without topology;
        within each class the lowest keys (the kubelet: Go set order, unspecified).

        Mirrors: devicemanager/manager.go devicesToAllocate (the picking part, without a plugin's
        GetPreferredAllocation; v1.33.5 - v1.36.2)
        """
        picked = sorted(reusable)[:needed]
        needed -= len(picked)
        if needed == 0:
            return picked
        available = self._available(resource)
        if len(available) < needed:
            return (
                f"requested number of devices unavailable for {resource}. "
                f"Requested: {needed}, Available: {len(available)}"
            )
        has_topology = self._has_topology(resource)
        aligned, unaligned, no_affinity = filter_by_affinity(
            self.devices.get(resource, {}), has_topology, affinity, available
        )
        order = sorted(aligned) + sorted(unaligned) + sorted(no_affinity)
        return picked + order[:needed]

    def _to_allocate(
        self, uid: str, name: str, resource: str, required: int, affinity: int | None
    ) -> list[str] | str:
        """The devices to give the container for ``resource`` (none: it holds them, or it was
        running when the kubelet started), or the error.

        Mirrors: devicemanager/manager.go devicesToAllocate (v1.33.5 - v1.36.2)
        """
        held = self._held(uid, {name}).get(resource)
        needed = required
        if held is not None:
            needed -= len(held)
            if needed != 0:
                return (
                    f"pod {go_quote(uid)} container {go_quote(name)} changed request for resource "
                    f"{go_quote(resource)} from {len(held)} to {required}"
                )
        if not self.sources_ready and (uid, name) in self.running:
            return []  # a kubelet restart: the running container already has its devices
        healthy = self.devices.get(resource, {})
        if resource not in self.devices and resource not in self.registered_empty:
            return f"cannot allocate unregistered device {resource}"
        if not healthy:
            return f"no healthy devices present; cannot allocate unhealthy devices {resource}"
        if held is not None and not held <= healthy.keys():
            return (
                "previously allocated devices are no longer healthy; cannot allocate unhealthy "
                f"devices {resource}"
            )
        if needed == 0:
            return []
        return self._pick(resource, needed, self.state.reusable.get(resource, set()), affinity)

    def allocate(self, pod: Pod, container: Container, hint: TopologyHint) -> Rejection | None:
        """Mirrors: devicemanager/manager.go Allocate + allocateContainerResources"""
        st = self.state
        if st.reuse_pod != pod.uid:
            st.reuse_pod, st.reusable = pod.uid, {}
        if not self.devices and not self.registered_empty and not self.unreported:
            return None
        for resource, required in sorted(self.container_requests(container).items()):
            picked = self._to_allocate(pod.uid, container.name, resource, required, hint.numa_affinity)
            if isinstance(picked, str):
                return Rejection(picked)
            if picked:
                held = st.assigned.setdefault(pod.uid, {})
                held[container.name] = held.get(container.name, frozenset()) | frozenset(picked)
        # a regular init container's devices are reusable by the containers after it; any other
        # container's are not (addContainerAllocatedResources / removeContainerAllocatedResources)
        for d in st.assigned.get(pod.uid, {}).get(container.name, ()):
            pool = st.reusable.setdefault(resource_of(d), set())
            if container.kind == "init":
                pool.add(d)
            else:
                pool.discard(d)
        return None

    def allocate_pod(self, pod: Pod, hint: TopologyHint) -> Rejection | None:
        """Mirrors: devicemanager AllocatePod — a no-op in v1.36 (devices are taken at container start)."""
        return None

    def pod_snapshot(self, uid: str) -> DevicePodSnapshot:
        """What admitting ``uid`` can change (its entry and the reuse pool): O(1) in the pods."""
        st = self.state
        held = st.assigned.get(uid)
        reusable = {r: set(i) for r, i in st.reusable.items()}
        return (uid, None if held is None else dict(held), st.reuse_pod, reusable)

    def restore_pod(self, snap: DevicePodSnapshot) -> None:
        """Back to a :meth:`pod_snapshot`."""
        uid, held, reuse_pod, reusable = snap
        st = self.state
        if held is None:
            st.assigned.pop(uid, None)
        else:
            st.assigned[uid] = held
        st.reuse_pod, st.reusable = reuse_pod, reusable

    def restore(self, snap: DeviceStateSnapshot) -> None:
        """Back to a :meth:`DeviceState.snapshot` (a rejected pod leaves no trace)."""
        assigned, reuse_pod, reusable = snap
        self.state.assigned = {u: {c: frozenset(i) for c, i in cs} for u, cs in assigned}
        self.state.reuse_pod = reuse_pod
        self.state.reusable = {r: set(i) for r, i in reusable}

    def remove_pod(self, uid: str) -> None:
        self.state.assigned.pop(uid, None)
        if self.state.reuse_pod == uid:
            self.state.reuse_pod, self.state.reusable = None, {}

    def container_devices(self, uid: str, name: str) -> dict[str, tuple[int | None, ...]]:
        """Resource -> NUMA node of each device held by a container (for reports)."""
        out: dict[str, list[int | None]] = {}
        for d in sorted(self.state.assigned.get(uid, {}).get(name, ())):
            resource = resource_of(d)
            out.setdefault(resource, []).append(self.device_numa(resource, d))
        return {r: tuple(v) for r, v in out.items()}
