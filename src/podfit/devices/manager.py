"""Device-plugin resources as a Topology Manager hint provider (GPUs, NICs, … with NUMA affinity).

Mirrors: devicemanager/topology_hints.go (``GetTopologyHints``, ``GetPodTopologyHints``,
``generateDeviceTopologyHints``) and manager.go (``Allocate``, ``devicesToAllocate``,
``filterByAffinity``, init-container device reuse), read in v1.33.5 and v1.36.2. Before 1.36 hints
are generated over every NUMA mask of the machine (:meth:`DeviceManager.generate_hints` gives that
full list compactly); from 1.36 (kubernetes PR #138244, the release switch
``device_hints_device_numa_nodes_only``) only over the NUMA nodes that hold the resource's devices.

Devices are named ``<resource>#<numa>#<index>`` (``#-`` for no NUMA affinity) so that the kubelet's
"sorted device id" picking order is "lowest NUMA node first".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from podfit.model.admission import Rejection
from podfit.model.machine import Machine
from podfit.model.pod import Container, Pod
from podfit.model.qos import pod_limits
from podfit.topology.bitmask import count, iterate_bit_masks
from podfit.topology.fastmerge import HintSpace
from podfit.topology.hint import ProviderHints, TopologyHint

__all__ = ["LIST_UP_TO", "Device", "DeviceManager", "DeviceState", "zero_request_hints"]

LIST_UP_TO: Final = 12
"""Up to this many NUMA nodes a zero-device request's hints are listed (at most 4,095)."""


def zero_request_hints(numa_ids: Sequence[int], reuse_mask: int) -> HintSpace:
    """The hints of a request of 0 devices over ``numa_ids`` as a :class:`HintSpace`: every mask
    containing ``reuse_mask`` (the NUMA nodes of the reusable devices), preferred when it is one
    node (the narrowest mask that holds 0 devices has one node)."""
    everything = 0
    for n in numa_ids:
        everything |= 1 << n
    if not reuse_mask:
        return HintSpace(numa_ids, [], everything, free_alone=True)
    base = [TopologyHint(reuse_mask, reuse_mask.bit_count() == 1)]
    return HintSpace(numa_ids, base, everything & ~reuse_mask, extendable=[reuse_mask])


@dataclass(frozen=True, slots=True, order=True)
class Device:
    id: str
    resource: str
    numa: int | None


# what an admission of one pod can change: its uid, its entry, the reuse pod and its reusable devices
DevicePodSnapshot = tuple[str, dict[str, frozenset[str]] | None, str | None, dict[str, set[str]]]
# the whole state: (uid, ((container, ids), ...)) pairs, the reuse pod, (resource, ids) pairs
DeviceStateSnapshot = tuple[
    tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...],
    str | None,
    tuple[tuple[str, tuple[str, ...]], ...],
]


@dataclass
class DeviceState:
    """Which container holds which devices, and the devices reusable by the pod being admitted."""

    assigned: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)  # uid -> container -> ids
    reuse_pod: str | None = None
    reusable: dict[str, set[str]] = field(default_factory=dict)  # resource -> ids (of reuse_pod)

    def in_use(self) -> set[str]:
        return {d for ctrs in self.assigned.values() for ids in ctrs.values() for d in ids}

    def snapshot(self) -> DeviceStateSnapshot:
        assigned = tuple(
            sorted(
                (u, tuple(sorted((c, tuple(sorted(i))) for c, i in cs.items())))
                for u, cs in self.assigned.items()
            )
        )
        return (
            assigned,
            self.reuse_pod,
            tuple(sorted((r, tuple(sorted(i))) for r, i in self.reusable.items())),
        )


class DeviceManager:
    """The kubelet's device manager, reduced to what admission needs (no plugin RPCs)."""

    def __init__(
        self, machine: Machine, state: DeviceState | None = None, device_numa_nodes_only: bool = True
    ) -> None:
        """``device_numa_nodes_only``: the release switch of PR #138244 (on from 1.36)."""
        self.device_numa_nodes_only = device_numa_nodes_only
        self.numa_ids = machine.numa_ids
        devices: dict[str, dict[str, Device]] = {}
        for group in machine.devices:
            per = devices.setdefault(group.resource, {})
            tag = "-" if group.numa is None else f"{group.numa:03d}"
            start = sum(1 for d in per.values() if d.numa == group.numa)
            for i in range(start, start + group.count):
                dev = Device(f"{group.resource}#{tag}#{i:05d}", group.resource, group.numa)
                per[dev.id] = dev
        self.devices = devices
        self.state = state if state is not None else DeviceState()
        # hints from the full v1.36 enumeration (generate_hints_reference): the benchmarks' reference
        self.exact_reference = False

    # ----- requests ----------------------------------------------------------------------
    def is_device_resource(self, name: str) -> bool:
        return name in self.devices

    def container_requests(self, container: Container) -> dict[str, int]:
        """Device requests of a container: its limits of device-plugin resources. A zero limit
        stays: the kubelet still generates hints for it (every NUMA mask qualifies)."""
        return {r: v for r, v in container.resources.limits.items() if self.is_device_resource(r)}

    def pod_requests(self, pod: Pod) -> dict[str, int]:
        limits = pod_limits(pod, exclude_overhead=True)
        return {r: v for r, v in limits.items() if self.is_device_resource(r)}

    # ----- hints -------------------------------------------------------------------------
    def _has_topology(self, resource: str) -> bool:
        return any(d.numa is not None for d in self.devices[resource].values())

    def _available(self, resource: str) -> set[str]:
        return set(self.devices[resource]) - self.state.in_use()

    def _numa_bit(self, device_id: str, resource: str) -> int:
        numa = self.devices[resource][device_id].numa
        return 0 if numa is None else 1 << numa

    def generate_hints(
        self, resource: str, available: set[str], reusable: set[str], request: int
    ) -> Sequence[TopologyHint]:
        """The hints of :meth:`generate_hints_reference` without enumerating every NUMA mask.

        Whether a mask qualifies depends only on its part on the NUMA nodes D that hold devices of
        ``resource``, and the smallest mask holding ``request`` devices lies inside D. So the full
        list is: the masks over D that qualify (preferred as in the full enumeration), each also
        extended by every subset of the other NUMA nodes, not preferred. When D is every NUMA node
        that is a plain list (identical, same order); otherwise a :class:`HintSpace` (same hints,
        same iteration order) that the Topology Manager merges without listing it.

        Mirrors: devicemanager/topology_hints.go generateDeviceTopologyHints
        """
        if request <= 0:
            return self._zero_request_hints(resource, available, reusable, request)
        devs = self.devices[resource]
        holding = {d.numa for d in devs.values() if d.numa is not None}
        nodes = [n for n in self.numa_ids if n in holding]
        all_bits = [self._numa_bit(d, resource) for d in devs]
        avail_bits = [self._numa_bit(d, resource) for d in available]
        reuse_bits = [self._numa_bit(d, resource) for d in reusable if devs[d].numa is not None]
        min_size = len(nodes)
        masks: list[int] = []
        for mask in iterate_bit_masks(nodes):
            if sum(1 for b in all_bits if b & mask) >= request and count(mask) < min_size:
                min_size = count(mask)
            if any(not (b & mask) for b in reuse_bits):
                continue
            if len(reuse_bits) + sum(1 for b in avail_bits if b & mask) >= request:
                masks.append(mask)
        base = [TopologyHint(m, count(m) == min_size) for m in masks]
        if self.device_numa_nodes_only:  # PR #138244: the masks over D are the whole list
            return base
        free = 0
        for n in self.numa_ids:
            if n not in holding:
                free |= 1 << n
        if not free or not base:
            return base
        return HintSpace(self.numa_ids, base, free).hints

    def _zero_request_hints(
        self, resource: str, available: set[str], reusable: set[str], request: int
    ) -> Sequence[TopologyHint]:
        """A request of 0 devices (a zero limit): every NUMA mask holding the NUMA nodes R of the
        reusable devices qualifies, and the narrowest mask able to hold 0 devices is one node. On
        up to :data:`LIST_UP_TO` NUMA nodes the list is written out; beyond, the same hints as a
        :class:`HintSpace`: R itself (preferred when one node) and R extended by any other nodes,
        or -- without reusable devices -- every mask, preferred when it is one node.
        """
        numa_ids: Sequence[int] = self.numa_ids
        if self.device_numa_nodes_only:
            numa_ids = self.device_numa_nodes(resource) or self.numa_ids
        if len(numa_ids) <= LIST_UP_TO:
            return self.generate_hints_reference(resource, available, reusable, request)
        return zero_request_hints(numa_ids, self._reuse_mask(resource, reusable)).hints

    def _reuse_mask(self, resource: str, reusable: set[str]) -> int:
        mask = 0
        for d in reusable:
            mask |= self._numa_bit(d, resource)
        return mask

    def device_numa_nodes(self, resource: str) -> list[int]:
        """The machine's NUMA nodes that hold devices of ``resource``, sorted.

        Mirrors: devicemanager/topology_hints.go deviceNUMANodes (v1.36.2)
        """
        holding = {d.numa for d in self.devices[resource].values() if d.numa is not None}
        return sorted(n for n in self.numa_ids if n in holding)

    def generate_hints_reference(
        self, resource: str, available: set[str], reusable: set[str], request: int
    ) -> list[TopologyHint]:
        """The literal enumeration over every NUMA mask of the machine (2^n masks), or from 1.36
        of the NUMA nodes that hold the resource's devices (all of the machine's when none does).

        Mirrors: devicemanager/topology_hints.go generateDeviceTopologyHints
        """
        numa_ids: Sequence[int] = self.numa_ids
        if self.device_numa_nodes_only:
            numa_ids = self.device_numa_nodes(resource) or self.numa_ids
        all_bits = [self._numa_bit(d, resource) for d in self.devices[resource]]
        avail_bits = [self._numa_bit(d, resource) for d in available]
        reuse_bits = [
            self._numa_bit(d, resource) for d in reusable if self.devices[resource][d].numa is not None
        ]
        min_size = len(numa_ids)
        hints: list[TopologyHint] = []
        for mask in iterate_bit_masks(numa_ids):
            in_mask = sum(1 for b in all_bits if b & mask)
            if in_mask >= request and count(mask) < min_size:
                min_size = count(mask)
            if any(not (b & mask) for b in reuse_bits):
                continue
            matching = len(reuse_bits) + sum(1 for b in avail_bits if b & mask)
            if matching >= request:
                hints.append(TopologyHint(mask, False))
        return [TopologyHint(h.numa_affinity, count(h.numa_affinity or 0) == min_size) for h in hints]

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
                    held.setdefault(d.split("#", 1)[0], set()).add(d)
        return held

    def get_topology_hints(self, pod: Pod, container: Container) -> ProviderHints:
        """Mirrors: devicemanager/topology_hints.go GetTopologyHints"""
        if not self.devices:
            return {}  # no device-plugin resource on the node: nothing can be requested
        reusable = self.state.reusable if self.state.reuse_pod == pod.uid else {}
        return self._hints_for(
            self.container_requests(container), self._held(pod.uid, {container.name}), reusable
        )

    def get_pod_topology_hints(self, pod: Pod) -> ProviderHints:
        """Mirrors: devicemanager/topology_hints.go GetPodTopologyHints"""
        if not self.devices:
            return {}
        return self._hints_for(self.pod_requests(pod), self._held(pod.uid, None), {})

    # ----- allocation --------------------------------------------------------------------
    def _pick(self, resource: str, needed: int, reusable: set[str], affinity: int | None) -> list[str] | str:
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
        if affinity is None or not self._has_topology(resource):
            order = sorted(available)
        else:
            devs = self.devices[resource]
            aligned = sorted(
                d for d in available if (node := devs[d].numa) is not None and affinity >> node & 1
            )
            unaligned = sorted(
                d for d in available if (node := devs[d].numa) is not None and not affinity >> node & 1
            )
            order = aligned + unaligned + sorted(d for d in available if devs[d].numa is None)
        return picked + order[:needed]

    def allocate(self, pod: Pod, container: Container, hint: TopologyHint) -> Rejection | None:
        """Mirrors: devicemanager/manager.go Allocate + devicesToAllocate"""
        if self.state.reuse_pod != pod.uid:
            self.state.reuse_pod, self.state.reusable = pod.uid, {}
        if not self.devices:
            return None
        requests = {r: v for r, v in self.container_requests(container).items() if v}
        if not requests or container.name in self.state.assigned.get(pod.uid, {}):
            return None
        ids: set[str] = set()
        for resource, needed in sorted(requests.items()):
            picked = self._pick(
                resource, needed, self.state.reusable.get(resource, set()), hint.numa_affinity
            )
            if isinstance(picked, str):
                return Rejection(picked)
            ids.update(picked)
        self.state.assigned.setdefault(pod.uid, {})[container.name] = frozenset(ids)
        for d in ids:
            pool = self.state.reusable.setdefault(d.split("#", 1)[0], set())
            if container.kind == "init":
                pool.add(d)  # a finished init container's devices are reusable by later containers
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
            resource = d.split("#", 1)[0]
            out.setdefault(resource, []).append(self.devices[resource][d].numa)
        return {r: tuple(v) for r, v in out.items()}
